// weakmap-cache.js where each entry's value references its own key (the metadata keeps a
// back-pointer to its request): an ephemeron cycle. The value keeps the key alive only
// through the map's own entry, which does not count, so entries still die with their
// requests and the heap stays bounded.
// expect: healthy
const meta = new WeakMap();
function metadataOf(req) {
  let m = meta.get(req);
  if (m === undefined) {
    m = { request: req, parsed: new Array(500).fill(req.url.length) };
    meta.set(req, m);
  }
  return m;
}
let served = 0;
for (let i = 0; i < 1000; i++) {
  const req = { url: '/item/' + i, id: i };
  const m = metadataOf(req);
  served += m.parsed.length + (m.request === req ? 1 : 0);
}
console.log('served', served);
