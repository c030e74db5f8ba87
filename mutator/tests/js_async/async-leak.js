// Each request's handler suspends on a promise whose resolve function is kept forever: the
// suspended functions, their contexts and buffers pile up behind `waiting`.
const waiting = [];
async function handle(id) {
  const buffer = new Array(10000).fill(id);
  await new Promise((resolve) => waiting.push(resolve));
  return buffer.length;
}
let n = 0;
const t = setInterval(() => {
  handle(n++);
  if (n === 50) clearInterval(t);
}, 10);
