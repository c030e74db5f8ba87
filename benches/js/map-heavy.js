// A Map- and Set-heavy program: 20,000 string keys and 20,000 number keys set, looked up and
// half deleted, and a Set of object keys; measures the collections' lookup (hashed or not).
const N = 20000;
const byName = new Map();
for (let i = 0; i < N; i++) byName.set('user:' + i, { id: i });
let found = 0;
for (let round = 0; round < 3; round++) {
  for (let i = 0; i < N; i++) if (byName.get('user:' + ((i * 7919) % N)).id >= 0) found++;
}
const byId = new Map();
for (let i = 0; i < N; i++) byId.set(i * 3, i);
for (let i = 0; i < N; i += 2) byId.delete(i * 3);
let sum = 0;
for (let i = 0; i < N; i++) if (byId.has(i * 3)) sum += byId.get(i * 3);
const seen = new Set();
const objs = [];
for (let i = 0; i < 5000; i++) objs.push({ i });
for (const o of objs) seen.add(o);
let hits = 0;
for (let i = 0; i < objs.length; i += 3) if (seen.has(objs[i])) hits++;
console.log(found, byName.size, byId.size, sum, seen.size, hits);
