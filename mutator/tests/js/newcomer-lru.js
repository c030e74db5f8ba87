// A newcomer's LRU trim: `cache.keys().next().value` is the oldest key (Map iterators).
const cache = new Map();
async function fetchUser(id) {
  await new Promise((r) => setTimeout(r, 5));
  return { id, name: `user${id}`, tags: ['a', 'b'] };
}
async function main() {
  for (let i = 0; i < 200; i++) {
    const u = await fetchUser(i % 50);
    cache.set(u.id, u);
    if (cache.size > 40) cache.delete(cache.keys().next().value);
  }
  console.log('cache size', cache.size, JSON.stringify(cache.get(49)));
}
main().catch((e) => console.error(e));
