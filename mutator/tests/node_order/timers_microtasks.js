// Node >= 11: ticks and microtasks run after every single timer callback,
// not after the whole timers phase.
setTimeout(() => {
  console.log('timeout 1');
  Promise.resolve().then(() => console.log('promise 1'));
  process.nextTick(() => console.log('tick 1'));
}, 0);
setTimeout(() => {
  console.log('timeout 2');
  Promise.resolve().then(() => console.log('promise 2'));
  process.nextTick(() => console.log('tick 2'));
}, 0);
