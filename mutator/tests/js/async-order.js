const log = (...a) => console.log(...a);
async function a1() { log('a1 start'); await null; log('a1 after 1'); await undefined; log('a1 after 2'); }
async function a2() { log('a2 start'); await Promise.resolve(); log('a2 after'); return 'a2'; }
async function a3() { const t = { then(r) { log('thenable then'); r('T'); } }; const v = await t; log('a3 got', v); }
async function a4() { return Promise.resolve('ret-promise'); }
async function a5() { throw new Error('a5 fail'); }
async function a6() { await new Promise((r) => setImmediate(r)); log('a6 after immediate'); await null; log('a6 after null'); }
setImmediate(() => log('immediate'));
process.nextTick(() => log('tick 1'));
queueMicrotask(() => log('micro 1'));
Promise.resolve().then(() => log('then 1')).then(() => log('then 2')).then(() => log('then 3')).then(() => log('then 4'));
a1();
a2().then((v) => log('a2 resolved', v));
a3();
a4().then((v) => log('a4', v));
a5().catch((e) => log('a5 caught', e.message));
a6();
process.nextTick(() => log('tick 2'));
queueMicrotask(() => log('micro 2'));
setTimeout(async () => {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 0));
    log('loop timer', i);
    process.nextTick(() => log('tick in loop', i));
    Promise.resolve().then(() => log('then in loop', i));
  }
}, 5);
log('sync end');
