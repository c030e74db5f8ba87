// Memoising rendered pages by URL in a plain Map: most URLs are seen once, so the cache grows
// with the traffic (lru-cache.js evicts past 100 entries). Requests arrive in batches of 50,
// one batch per turn of the event loop.
// expect: leak
const cache = new Map();
function render(url) {
  if (cache.has(url)) return cache.get(url);
  const page = new Array(500).fill(url.length);
  cache.set(url, page);
  return page;
}
let served = 0;
let i = 0;
function batch() {
  for (const end = i + 50; i < end; i++) served += render('/item/' + i).length;
  if (i < 2000) setImmediate(batch);
  else console.log('served', served, 'cached', cache.size);
}
batch();
