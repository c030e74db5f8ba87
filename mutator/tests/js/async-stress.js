// Many suspensions while the collector moves everything: values held only by suspended
// functions' contexts and cursors must survive intact.
async function worker(id) {
  let acc = [];
  for (let i = 0; i < 200; i++) {
    const chunk = new Array(20).fill(id * 1000 + i);
    const got = await Promise.resolve(chunk);
    acc.push(got[19]);
    if (i % 50 === 0) {
      try {
        await Promise.reject(new Error('e' + i));
      } catch (e) {
        acc.push(e.message);
      } finally {
        const tmp = { text: 'f' + i, more: new Array(10).fill(i) };
        await null;
        acc.push(tmp.text + tmp.more[9]);
      }
    }
  }
  return acc;
}
function* pairs(n) {
  for (let i = 0; i < n; i++) {
    const p = { i, big: new Array(30).fill(i) };
    yield p;
  }
}
async function main() {
  const results = await Promise.all([worker(1), worker(2), worker(3)]);
  let sum = 0;
  for (const r of results) {
    for (const x of r) {
      if (typeof x === 'number') sum += x;
    }
  }
  console.log('sum', sum, results[0].length, results[2].slice(0, 4).join(','));
  let total = 0;
  for (const p of pairs(500)) {
    total += await p.big[29];
  }
  console.log('total', total);
}
main();
