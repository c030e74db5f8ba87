// Each tick parks an iterator over a fresh table in a global list: the iterators keep
// every table alive.
const parked = [];
let n = 0;
function tick() {
  const table = new Map();
  for (let i = 0; i < 200; i++) table.set(i, { payload: new Array(20).fill(i) });
  const it = table.values();
  it.next();
  parked.push(it);
  if (++n < 300) setImmediate(tick);
  else console.log('parked', parked.length);
}
tick();
