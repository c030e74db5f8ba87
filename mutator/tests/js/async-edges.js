// Labelled break/continue pending across an await in finally, nested try, return through
// an awaiting finally, await in if tests, declarator lists, patterns and member targets.
const log = (...a) => console.log(...a);
async function f() {
  outer: for (const i of [1, 2, 3]) {
    for (let j = 0; j < 3; j++) {
      try {
        if (j === 1) continue outer;
        if (i === 3) break outer;
        log('ij', i, j);
      } finally {
        const note = 'fin ' + i + j;
        await null;
        log(note);
      }
    }
  }
  try {
    try {
      throw new Error('inner');
    } finally {
      await null;
      log('inner finally');
    }
  } catch (e) {
    log('outer caught', e.message);
  }
  const r = await (async () => {
    try {
      return 'from try';
    } finally {
      await null;
      log('finally after return');
    }
  })();
  log(r);
  let x = 0;
  if (await (x === 0)) {
    x = await 5;
  } else {
    x = -1;
  }
  log('x', x);
  var v1 = await 1, v2 = 2, v3 = await 3;
  log(v1, v2, v3);
  const { a, b: [c] } = await Promise.resolve({ a: 'A', b: ['C'] });
  log(a, c);
  const o = { p: 0 };
  o.p = await 7;
  o['q'] = await 8;
  log(o);
  return await new Promise((res) => setTimeout(() => res('late'), 5));
}
f().then(log, (e) => log('rejected', e));
async function thrower() { await null; throw new TypeError('typed'); }
thrower().catch((e) => log(e instanceof TypeError, e.message));
async function nested() { const inner = async () => { await null; return 1; }; const v = await inner(); return v + 1; }
nested().then(log);
