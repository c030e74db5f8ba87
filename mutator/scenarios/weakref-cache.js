// A cache of rendered pages by URL whose values are WeakRefs: a page stays cached while
// something else uses it, and goes after a collection once nothing does. The keys come from
// a bounded set of URLs, so the Map itself stays small; the pages it points at are never
// kept by it. Misses re-render. What is printed does not depend on when collections run.
// expect: healthy
const cache = new Map();
function render(url) {
  const ref = cache.get(url);
  const hit = ref && ref.deref();
  if (hit) return hit;
  const page = new Array(500).fill(url.length);
  cache.set(url, new WeakRef(page));
  return page;
}
let served = 0;
for (let i = 0; i < 1000; i++) {
  served += render('/item/' + (i % 50)).length;
}
console.log('served', served, 'urls', cache.size);
