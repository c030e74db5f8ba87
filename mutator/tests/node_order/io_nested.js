// Timers and immediates scheduled inside I/O callbacks: the immediate always
// runs first (the check phase follows poll), the 0 ms timer in the next loop
// turn. The second read starts from the timer, so nothing races with it.
const fs = require('fs');
fs.readFile(__filename, () => {
  console.log('io 1');
  setTimeout(() => {
    console.log('timeout 1');
    process.nextTick(() => console.log('timeout 1 tick'));
    fs.readFile(__filename, () => {
      console.log('io 2');
      setTimeout(() => console.log('timeout 2'), 0);
      setImmediate(() => console.log('immediate 2'));
      process.nextTick(() => console.log('io 2 tick'));
      Promise.resolve().then(() => console.log('io 2 promise'));
    });
  }, 0);
  setImmediate(() => {
    console.log('immediate 1');
    Promise.resolve().then(() => console.log('immediate 1 promise'));
  });
  process.nextTick(() => console.log('io 1 tick'));
});
