// Unhandled rejections are reported after the microtask queue drains; a
// handler attached within the same drain (or from a nextTick) prevents it;
// attaching one later emits 'rejectionHandled'.
process.on('unhandledRejection', (reason) => {
  console.log('unhandledRejection ' + reason.message);
  process.nextTick(() => console.log('tick from unhandled handler'));
});
process.on('rejectionHandled', () => console.log('rejectionHandled'));
const late = Promise.reject(new Error('late'));
Promise.reject(new Error('chained')).then(() => console.log('never'));
const soon = Promise.reject(new Error('soon'));
Promise.resolve().then(() => soon.catch((e) => console.log('caught ' + e.message)));
const ticked = Promise.reject(new Error('ticked'));
process.nextTick(() => ticked.catch((e) => console.log('caught ' + e.message)));
setTimeout(() => {
  console.log('timer');
  late.catch((e) => console.log('caught ' + e.message));
}, 10);
setTimeout(() => {
  console.log('timer 2');
  Promise.reject(new Error('in timer'));
}, 20);
console.log('main done');
