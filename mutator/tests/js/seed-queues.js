console.log('A'); // sync
setTimeout(() => console.log('B'), 0); // macrotask queue
Promise.resolve()
  .then(() => {
    console.log('C'); // microtask
    return 'chained';
  })
  .then(() => console.log('D')); // microtask (queued after C runs)
queueMicrotask(() => console.log('E')); // microtask
console.log('F'); // sync
