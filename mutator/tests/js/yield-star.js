// yield*: delegation to generators, arrays, strings, sets and user iterables.
function* inner() { const got = yield 'i1'; console.log('inner got', got); yield 'i2'; return 'inner done'; }
function* outer() {
  yield 'o1';
  const r = yield* inner();
  console.log('yield* value', r);
  yield* [10, 20];
  yield* 'ab';
  yield* new Set(['s']);
  yield* { [Symbol.iterator]() { let i = 0; return { next: () => ({ value: i, done: i++ >= 2 }) }; } };
  return 'outer done';
}
const g = outer();
console.log(g.next(), g.next(), g.next('sent'), g.next());
console.log([...g]);
console.log([...outer()]);
function* fin() { try { yield 1; yield 2; } finally { console.log('fin cleanup'); } }
function* wrap() { try { yield* fin(); } finally { console.log('wrap cleanup'); } }
for (const x of wrap()) { console.log('wrap', x); break; }
const w = wrap();
w.next();
console.log(w.return('early'), w.next());
function* catcher() { try { yield 'c'; } catch (e) { console.log('inner caught', e); yield 'recovered'; } }
function* deleg() { yield* catcher(); yield 'after'; }
const d = deleg();
console.log(d.next(), d.throw('oops'), d.next(), d.next());
function* tree(n) { if (n > 0) { yield* tree(n - 1); yield n; yield* tree(n - 1); } }
console.log([...tree(3)].join(' '));
try { [...(function* () { yield* 5; })()]; } catch (e) { console.log(e.name, e.message); }
