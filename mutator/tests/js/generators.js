// Generators on the same cursor as async functions: next/throw/return, yields in loops and
// try/catch/finally, lazy for-of over infinite generators, spread and destructuring,
// generator methods, a generator consumed by an async function.
const log = (...a) => console.log(...a);
function* counter(limit) {
  log('counter starts');
  for (let i = 0; i < limit; i++) {
    const got = yield i;
    if (got !== undefined) log('got', got);
  }
  return 'done';
}
const g = counter(3);
log('created');
log(g.next());
log(g.next('x'));
log(g.next());
log(g.next());
log(g.next());
function* naturals() {
  let n = 1;
  while (true) {
    yield n;
    n++;
  }
}
for (const n of naturals()) {
  if (n > 4) break;
  log('natural', n);
}
function* withTry() {
  try {
    yield 1;
    yield 2;
  } catch (e) {
    log('generator caught', e);
    yield 'recovered';
  } finally {
    log('generator finally');
  }
}
const t = withTry();
log(t.next().value, t.next().value, t.throw('oops').value, t.next());
log([...counter(2)]);
const [a, b] = counter(5);
log(a, b);
class Tree {
  constructor(items) { this.items = items; }
  *walk() { for (const x of this.items) { yield x * 2; } }
}
log([...new Tree([1, 2, 3]).walk()]);
const obj = { *gen() { yield 'm1'; yield 'm2'; } };
for (const x of obj.gen()) log(x);
async function consume() {
  for (const x of counter(2)) {
    await null;
    log('async saw', x);
  }
}
consume().then(() => log('consumed'));
const r = counter(2);
r.next();
log(r.return(42), r.next());
function* fib() { let [x, y] = [0, 1]; for (;;) { yield x; [x, y] = [y, x + y]; } }
const f = fib(); const out = []; for (let i = 0; i < 10; i++) out.push(f.next().value); log(out.join(' '));
const [n1, n2, n3] = naturals();
log('destructured', n1, n2, n3);
