// An async function that throws rejects its promise; nobody handles it, so Node 20 reports
// the unhandled rejection and exits 1 after the microtasks have run.
async function fails(x) {
  console.log('fails starts', x);
  await null;
  console.log('fails throws');
  throw new Error('async failure ' + x);
}
async function caught() {
  try {
    await fails(1);
  } catch (e) {
    console.log('caught:', e.message);
  }
}
caught().then(() => {
  console.log('caught done');
  fails(2);
});
Promise.resolve().then(() => console.log('a reaction runs first'));
setTimeout(() => console.log('never: the process exited'), 0);
console.log('sync end');
