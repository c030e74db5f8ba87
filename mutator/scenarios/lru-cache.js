// unbounded-cache.js with an eviction policy: past 100 entries the oldest is dropped (a Map
// iterates in insertion order, so its first key is the least recently set).
// expect: healthy
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
let i = 0;
function batch() {
  for (const end = i + 50; i < end; i++) served += render('/item/' + i).length;
  if (i < 2000) setImmediate(batch);
  else console.log('served', served, 'cached', cache.size);
}
batch();
