// Memoising rendered pages by URL in a plain Map: most URLs are seen once, so the cache
// grows with the traffic (lru-cache.js evicts past 100 entries). Synchronous: the whole
// workload runs in one loop, no virtual time passes.
const cache = new Map();
function render(url) {
  if (cache.has(url)) return cache.get(url);
  const page = new Array(500).fill(url.length);
  cache.set(url, page);
  return page;
}
let served = 0;
for (let i = 0; i < 1000; i++) {
  served += render('/item/' + i).length;
}
console.log('served', served, 'cached', cache.size);
