// An interval that clears itself after three runs, interleaved with a timeout
// that falls between its second and third run. Margins are 50 ms, so even a loaded
// machine will not reorder them.
let n = 0;
const iv = setInterval(() => {
  n += 1;
  console.log('interval ' + n);
  Promise.resolve().then(() => console.log('interval ' + n + ' promise'));
  if (n === 3) {
    clearInterval(iv);
    console.log('interval cleared');
  }
}, 100);
setTimeout(() => console.log('timeout at 250'), 250);
setTimeout(() => console.log('timeout at 500'), 500);
