// Prints A F C E D B. The puzzle runs inside an I/O callback, where Node's
// order is fixed: after the poll phase comes the check phase (setImmediate),
// and only then the next timers phase (setTimeout 0 = 1 ms).
const fs = require('fs');
fs.readFile(__filename, () => {
  console.log('A');
  setTimeout(() => console.log('B'), 0);
  process.nextTick(() => console.log('C'));
  setImmediate(() => console.log('D'));
  Promise.resolve().then(() => console.log('E'));
  console.log('F');
});
