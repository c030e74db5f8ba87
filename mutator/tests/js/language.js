class Animal {
  constructor(name) { this.name = name; }
  speak() { return `${this.name} makes a sound`; }
  static create(n) { return new this(n); }
}
class Dog extends Animal {
  legs = 4;
  constructor(name) { super(name); this.kind = 'dog'; }
  speak() { return super.speak() + ' (woof)'; }
}
const d = new Dog('Rex');
console.log(d.speak(), d instanceof Animal, d.legs, typeof Dog);
console.log(d);
console.log(Animal.create('Cat').speak());
const o = { a: 1, b: 'two', c: [1, 2, 3], d: { e: null, f: undefined }, 'x-y': true };
console.log(o);
console.log([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
console.log(['apple', 'banana', 'cherry'], [], {}, [[1, [2, [3, [4]]]]]);
console.log(new Map([['a', 1], ['b', { c: 2 }]]), new Set([1, 'x']));
function sum(...xs) { return xs.reduce((a, b) => a + b, 0); }
console.log(sum(1, 2, 3), sum(), Math.max(3, 9, 2), Math.floor(7.8));
const { a, ...rest } = o;
const [first, , third = 'def'] = [10, 20];
console.log(a, Object.keys(rest), first, third);
try {
  null.x;
} catch (e) {
  console.log(e instanceof TypeError, e.message);
}
try {
  throw new RangeError('bad range');
} catch ({ name, message }) {
  console.log(name, message);
} finally {
  console.log('finally');
}
class MyError extends Error {
  constructor(m) { super(m); this.name = 'MyError'; }
}
try { throw new MyError('custom'); } catch (e) { console.log(e.name, e.message, e instanceof Error, String(e)); }
let s = 'Hello, World';
console.log(s.toUpperCase(), s.length, s.slice(-5), s.split(', '), s.indexOf('o'), s.includes('World'));
console.log([3, 1, 2].sort(), [1, 2, 3].map((x) => x * 2).filter((x) => x > 2).join('-'));
console.log(0.1 + 0.2, 1 / 3, -0, 1e21, 2 ** 53, 7 % 3, '5' * 2, '5' + 2, null == undefined, NaN === NaN);
console.log(typeof undefined, typeof null, typeof 1, typeof 'x', typeof {}, typeof (() => 1));
let count = 0;
outer: for (let i = 0; i < 5; i++) {
  for (let j = 0; j < 5; j++) {
    if (j === 3) continue outer;
    if (i === 3) break outer;
    count++;
  }
}
console.log('count', count);
const obj = { k1: 1, k2: 2 };
for (const k in obj) console.log(k, obj[k]);
delete obj.k1;
console.log('k1' in obj, 'k2' in obj, obj);
let w = 0;
do { w++; } while (w < 5);
switch (w) { case 4: console.log('four'); break; case 5: console.log('five'); default: console.log('fell through'); }
const counter = (() => { let c = 0; return { inc: () => ++c, get: () => c }; })();
counter.inc(); counter.inc();
console.log(counter.get());
console.log([1, [2, 3]].flat(), Array.from({ length: 3 }, (_, i) => i * i), Array.isArray([]));
console.log(`template ${1 + 1} ${'x'.repeat(3)} ${[1, 2]} ${{}}`);
console.log('%s is %d years', 'Bob', 42, 'extra');
const m = new Map();
m.set('x', 1).set('y', 2);
m.delete('x');
console.log(m.size, m.get('y'), m.has('x'), [...m.keys()]);
