// Functions' name and length: closures from their code, built-ins as node gives them.
console.log([].push.name, TypeError.name, Math.max.name, Math.max.length, [].push.length, (function foo(a, b) {}).length, (function foo(a, b) {}).name);
console.log(Math.max, [].push, Map, Symbol, Promise.resolve, Object.keys, JSON.stringify.name, JSON.stringify.length, setTimeout.name);
console.log(String(Math.max), typeof Math.max.name, Object.keys(Math.max));
console.log('a'.toUpperCase.name, Map.prototype.get.length, new Map().set.length, Array.from.length, Array.name, Error.length);
function add(a, b = 1, ...rest) { return a + b; }
const arrow = (x, y) => x;
class P { constructor(a, b, c) {} static s(q) {} }
class Q extends P {}
console.log(add.length, add.name, arrow.length, arrow.name, P.length, P.name, Q.length, P.s.length, P.s.name);
console.log(String(add));
console.log(arrow.toString(), `${Math.min}`);
const bound = add.bind(null, 1);
console.log(typeof bound.name, TypeError.name, new TypeError('x').name, RangeError.length);
