// process.nextTick callbacks run before promise reactions; a tick queued from
// inside a microtask waits until the whole microtask queue has drained.
Promise.resolve().then(() => {
  console.log('p1');
  process.nextTick(() => console.log('tick from p1'));
  Promise.resolve().then(() => console.log('p1 inner'));
});
Promise.resolve().then(() => console.log('p2'));
process.nextTick(() => {
  console.log('t1');
  process.nextTick(() => console.log('t1 nested'));
  Promise.resolve().then(() => console.log('promise from t1'));
});
process.nextTick(() => console.log('t2'));
queueMicrotask(() => console.log('queueMicrotask'));
console.log('sync');
