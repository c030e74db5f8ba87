// Symbols and iterators in JSON, string conversion and Object.prototype.toString.
const s2 = Symbol('x');
console.log(JSON.stringify({ a: s2, b: 1 }), JSON.stringify([s2]), JSON.stringify(s2));
console.log(JSON.stringify(new Map([[1, 2]]).keys()), JSON.stringify({ get g() { return 5; } }));
console.log(String(new Map().keys()), `${[1].values()}`, Object.prototype.toString.call(s2));
console.log([s2].join === undefined, s2 == s2, !!s2, s2 ? 'truthy' : 'falsy');
const o = { [s2]: 1 }; console.log(Object.entries(o), Object.values(o), s2 in o);
console.log([1, 2, 3].includes(2), Array.from(new Set([3, 3, 4])), Math.max(...new Set([5, 9])));
