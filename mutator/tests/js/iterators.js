// The iterator protocol: built-in iterators, user iterables, and every consumer.
const m = new Map([['a', 1], ['b', 2], ['c', 3]]);
console.log(m.keys(), m.values(), m.entries(), m[Symbol.iterator]());
const ki = m.keys();
console.log(ki.next(), ki, ki[Symbol.iterator]() === ki);
console.log([...m.keys()], [...m.values()], [...m], Array.from(m.entries()));
// Live iteration: added entries are visited, deleted ones skipped.
const live = new Map([[1, 'one'], [2, 'two'], [3, 'three']]);
for (const [k, v] of live) {
  console.log('visit', k, v);
  if (k === 1) { live.delete(2); live.set(4, 'four'); }
}
const s = new Set(['x', 'y']);
for (const v of s) { if (v === 'x') s.add('z'); console.log('set', v); }
console.log(s.values(), s.entries(), s.keys === s.values, [...s.entries()]);
// An iterator survives compaction of its collection.
const big = new Map();
for (let i = 0; i < 8; i++) big.set(i, i);
const bi = big.keys();
console.log(bi.next().value, bi.next().value);
for (let i = 0; i < 6; i++) big.delete(i === 1 ? 7 : i);
for (let i = 10; i < 20; i++) big.set(i, i);
console.log([...bi]);
// Arrays and strings.
const arr = ['p', 'q'];
console.log(arr.keys(), [...arr.keys()], [...arr.entries()], [...arr.values()], arr[Symbol.iterator] === arr.values);
const grow = [1, 2];
for (const x of grow) { if (x < 4) grow.push(x + 2); console.log('grow', x); }
console.log([...'héllo😀'], Array.from('ab'), 'ab'[Symbol.iterator]());
const si = 'a😀b'[Symbol.iterator]();
console.log(si.next(), si.next(), si.next(), si.next());
// User iterables.
const range = {
  from: 1, to: 4,
  [Symbol.iterator]() {
    let cur = this.from; const to = this.to;
    return { next: () => (cur <= to ? { value: cur++, done: false } : { value: undefined, done: true }), return() { console.log('range closed'); return {}; } };
  },
};
console.log([...range], Math.max(...range), Array.from(range, (x) => x * 10));
for (const x of range) { if (x === 2) break; console.log('range', x); }
const [first, second] = range;
console.log(first, second);
const [head, ...tail] = range;
console.log(head, tail);
let p, q;
[p, q] = range;
console.log(p, q, new Set(range), new Map([[1, 2]]));
class Tree {
  constructor(...items) { this.items = items; }
  *[Symbol.iterator]() { for (const x of this.items) yield x; }
}
console.log([...new Tree(3, 1, 2)], Array.from(new Tree('u')));
function* gen() { try { yield 1; yield 2; yield 3; } finally { console.log('gen finally'); } }
for (const x of gen()) { if (x === 2) break; console.log('gen', x); }
const g = gen();
console.log(g[Symbol.iterator]() === g, [...g]);
function find(it) { for (const x of it) if (x === 3) return 'found'; return 'none'; }
console.log(find(range));
try { for (const x of range) throw new Error('boom'); } catch (e) { console.log(e.message); }
// Not iterable.
const o = { a: 1 };
function f() {}
for (const bad of [() => [...o], () => f(...o), () => { for (const x of o) ; }, () => new Set(5),
  () => { for (const x of { [Symbol.iterator]() { return 5; } }); },
  () => { for (const x of { [Symbol.iterator]() { return { next() { return 5; } }; } }); }]) {
  try { bad(); } catch (e) { console.log(e.name, e.message); }
}
// Async: for…of and Promise.all over iterables.
(async () => {
  for (const x of new Set([1, 2])) { await null; console.log('async', x); }
  for (const x of range) { await null; if (x === 2) break; }
  console.log(await Promise.all(new Set([Promise.resolve('a'), 'b'])));
  console.log(await Promise.race(new Set([Promise.resolve('r')])));
  console.log(await Promise.allSettled(range));
})();
// An iterator keeps its collection alive after the program drops every other reference
// (run under a tiny nursery, the collection moves many times meanwhile).
let held = new Map([['kept', 1], ['also', 2]]);
const keeper = held.entries();
held = null;
const churn = [];
for (let i = 0; i < 20000; i++) churn.push({ i, s: 'x' + i });
console.log(keeper.next().value, [...keeper], churn.length);
// forEach is live too, and passes its thisArg.
const fe = new Map([['a', 1], ['b', 2]]);
fe.forEach(function (v, k, map) {
  console.log('forEach', k, v, this.tag, map === fe);
  if (k === 'a') { fe.delete('b'); fe.set('c', 3); }
}, { tag: 'T' });
new Set([1]).forEach((v, k, s) => { if (v < 3) s.add(v + 1); console.log('set forEach', v, k); });
