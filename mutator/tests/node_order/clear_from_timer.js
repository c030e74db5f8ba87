// Clearing timers from another timer callback: a timer due in the same
// timers phase, a later timer, and an interval that never fires.
const a = setTimeout(() => {
  console.log('a');
  clearTimeout(b);
  clearTimeout(later);
  clearInterval(iv);
  console.log('a cleared b, later and iv');
}, 10);
const b = setTimeout(() => console.log('b (never)'), 10);
const c = setTimeout(() => console.log('c'), 10);
const later = setTimeout(() => console.log('later (never)'), 40);
const iv = setInterval(() => console.log('iv (never)'), 30);
setTimeout(() => console.log('last'), 60);
