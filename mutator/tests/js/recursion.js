function countDown(n) {
  if (n <= 0) return; // base case
  countDown(n - 1);
}
countDown(1000);
console.log('done');
function forever(n) { return forever(n + 1) + 1; }
try {
  forever(0);
} catch (e) {
  console.log(e instanceof RangeError, e.message);
}
