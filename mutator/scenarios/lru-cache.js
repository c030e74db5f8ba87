// unbounded-cache.js with an eviction policy: past 100 entries the oldest is dropped
// (a Map iterates in insertion order, so its first key is the least recently set).
const cache = new Map();
const LIMIT = 100;
function render(url) {
  if (cache.has(url)) return cache.get(url);
  const page = new Array(500).fill(url.length);
  cache.set(url, page);
  if (cache.size > LIMIT) {
    for (const oldest of cache.keys()) {
      cache.delete(oldest);
      break;
    }
  }
  return page;
}
let served = 0;
for (let i = 0; i < 1000; i++) {
  served += render('/item/' + i).length;
}
console.log('served', served, 'cached', cache.size);
