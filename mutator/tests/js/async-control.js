// Sequential awaits, awaits in every loop form, labels, try/catch/finally, async methods
// and arrows; closures capture each iteration's binding across awaits.
const log = (...a) => console.log(...a);
function sleep(ms, v) { return new Promise((r) => setTimeout(() => r(v), ms)); }
async function seq() {
  log('seq start');
  const a = await sleep(10, 1);
  log('a', a);
  let b;
  b = await sleep(5, 2);
  log('b', b);
  const c = await 3, d = await Promise.resolve(4);
  log('c d', c, d);
  return a + b + c + d;
}
async function loops() {
  let total = 0;
  for (let i = 0; i < 3; i++) {
    const v = await sleep(1, i);
    setTimeout(() => log('closure i', i, v), 0);
    total += v;
  }
  for (const x of [10, 20]) {
    total += await x;
    log('of', x);
  }
  let k = 0;
  while (await (k < 2)) {
    k = await (k + 1);
  }
  do {
    k++;
    await null;
  } while (await (k < 5));
  for (const key in { p: 1, q: 2 }) {
    await 0;
    log('in', key);
  }
  outer: for (const x of [1, 2, 3]) {
    for (const y of [1, 2, 3]) {
      await y;
      if (y === 2) continue outer;
      if (x === 3) break outer;
      log('xy', x, y);
    }
  }
  log('k', k);
  return total;
}
async function tries() {
  try {
    await Promise.reject(new Error('boom'));
    log('not here');
  } catch (e) {
    log('caught', e.message);
    const r = await sleep(1, 'in catch');
    log(r);
  } finally {
    log('finally 1');
    await null;
    log('finally 1 after await');
  }
  try {
    return await sleep(1, 'ret');
  } finally {
    await null;
    log('finally 2');
  }
}
const m = {
  async method(x) { await null; return x * 2; },
};
class C {
  constructor() { this.v = 7; }
  async get() { const t = await this.v; return t + this.v; }
}
const arrow = async (x) => x + 1;
const arrow2 = async (x) => await arrow(x);
// One after the other, so the order never depends on how long the timers really take.
async function main() {
  const s = await seq();
  log('seq', s);
  const l = await loops();
  log('loops', l);
  const t = await tries();
  log('tries', t);
}
main().then(() => log('main done'));
m.method(4).then((v) => log('method', v));
new C().get().then((v) => log('class', v));
arrow2(1).then((v) => log('arrow', v));
log('sync end');
