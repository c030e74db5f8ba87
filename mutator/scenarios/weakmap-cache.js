// Per-request metadata kept in a WeakMap keyed by the request: the healthy twin of
// unbounded-cache.js. An entry lives exactly as long as its request, so the table does not
// grow with the traffic. Synchronous: the whole workload runs in one loop.
// expect: healthy
const meta = new WeakMap();
function metadataOf(req) {
  let m = meta.get(req);
  if (m === undefined) {
    m = { route: req.url.split('/')[1], parsed: new Array(500).fill(req.url.length) };
    meta.set(req, m);
  }
  return m;
}
let served = 0;
for (let i = 0; i < 1000; i++) {
  const req = { url: '/item/' + i, id: i };
  served += metadataOf(req).parsed.length;
  served += metadataOf(req).route.length; // a second lookup hits the entry
}
console.log('served', served);
