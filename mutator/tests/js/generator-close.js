// Leaving a for-of over a generator early (break, return, throw) and return(v) run the
// generator's finally blocks, which may override the result or yield again.
const log = (...a) => console.log(...a);
function* res(name) {
  log('open', name);
  try {
    for (let i = 0; ; i++) {
      try {
        yield i;
      } finally {
        log('inner finally', name, i);
      }
    }
  } finally {
    log('close', name);
  }
}
for (const x of res('a')) {
  if (x === 2) break;
  log('a item', x);
}
function find() {
  for (const x of res('b')) {
    if (x === 1) return 'found ' + x;
  }
}
log(find());
try {
  for (const x of res('c')) {
    if (x === 1) throw new Error('stop');
  }
} catch (e) {
  log('caught', e.message);
}
const g = res('d');
log(g.next());
log(g.return(9));
log(g.next());
function* overrides() {
  try { yield 1; } finally { return 'from finally'; }
}
const o = overrides(); o.next(); log(o.return('ignored'));
function* yieldsInFinally() {
  try { yield 1; } finally { yield 'cleanup'; log('after cleanup'); }
}
const y = yieldsInFinally(); log(y.next()); log(y.return(5)); log(y.next());
async function asyncLoop() {
  for (const x of res('e')) {
    await null;
    if (x === 1) break;
    log('e item', x);
  }
  log('async loop done');
}
asyncLoop();
function* inner() { try { yield 1; yield 2; } finally { console.log('inner closed'); } }
function* outer() { try { for (const x of inner()) { yield x * 10; } } finally { console.log('outer closed'); } }
const nestedGen = outer();
console.log(nestedGen.next());
console.log(nestedGen.return('r'));
for (const v of outer()) { console.log('v', v); break; }
