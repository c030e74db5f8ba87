// A suspended async function is heap data: its state is reachable only through the
// promise it awaits. Awaiting a promise nobody holds, it is garbage (locals and all);
// awaiting a promise that is held, its locals are retained.
let lost;
let kept;
let held;
async function waitForever(big, promise) {
  const data = big;
  await promise;
  console.log('never resumed', data.length);
}
(function () {
  const a = new Array(1000).fill(1);
  lost = new WeakRef(a);
  waitForever(a, new Promise(() => {}));
  const b = new Array(1000).fill(2);
  kept = new WeakRef(b);
  held = new Promise(() => {});
  waitForever(b, held);
})();
setTimeout(() => {
  gc();
  setTimeout(() => {
    console.log('unheld await, locals collected:', lost.deref() === undefined);
    console.log('held await, locals retained:', kept.deref() !== undefined);
  }, 0);
}, 0);
