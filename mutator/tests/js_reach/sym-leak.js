// A registry keyed by a symbol property grows without bound.
const kRegistry = Symbol('registry');
const host = { name: 'host' };
host[kRegistry] = [];
let n = 0;
function tick() {
  host[kRegistry].push({ payload: new Array(200).fill(n) });
  if (++n < 300) setImmediate(tick);
  else console.log('entries', host[kRegistry].length);
}
tick();
