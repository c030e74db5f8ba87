// Immediates run in creation order, each followed by ticks and microtasks;
// an immediate queued during the check phase runs in the next loop turn,
// after immediates that were already queued; clearImmediate cancels.
setImmediate(() => {
  console.log('i1');
  setImmediate(() => console.log('i4 (next turn)'));
  process.nextTick(() => console.log('i1 tick'));
  Promise.resolve().then(() => console.log('i1 promise'));
  clearImmediate(i3);
});
setImmediate(() => console.log('i2'));
const i3 = setImmediate(() => console.log('i3 (never)'));
setImmediate(() => console.log('i5'));
