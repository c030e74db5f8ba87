// `await` as a direct argument of a call: the callee, `this` and the arguments before it
// are evaluated before the await, the rest after (and nested calls the same way).
const log = (...a) => console.log(...a);
const sleep = (ms, v) => new Promise((r) => setTimeout(() => r(v), ms));
async function main() {
  const results = [];
  for (const x of [1, 2, 3]) {
    results.push(await sleep(1, x * 10));
  }
  log('results', results);
  log('two awaits', await sleep(1, 'a'), 'mid', await Promise.resolve('b'));
  const obj = { n: 0, add(a, b) { this.n += a + b; return this.n; } };
  const s = obj.add(await 1, await 2);
  log('sum', s, obj.n);
  let order = [];
  const f = (...a) => { order.push('call'); return a.length; };
  order.push(f(order.push('before'), await null, order.push('after')));
  log(order);
  try {
    log('rejected arg', await Promise.reject(new Error('no')));
  } catch (e) {
    log('caught', e.message);
  }
  return Math.max(await 3, 7);
}
main().then((v) => log('main', v));
Promise.resolve().then(() => log('tick a')).then(() => log('tick b')).then(() => log('tick c'));
