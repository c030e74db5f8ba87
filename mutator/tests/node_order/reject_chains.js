// then/catch/finally with rejections, interleaved with a ladder of plain
// reactions to expose how many microtask turns each step takes.
let p = Promise.resolve();
for (let i = 1; i <= 8; i++) p = p.then(() => console.log('step ' + i));
Promise.reject(new Error('boom'))
  .then(() => console.log('never'))
  .catch((e) => { console.log('caught ' + e.message); return 'recovered'; })
  .finally(() => console.log('finally 1'))
  .then((v) => console.log('after finally ' + v));
Promise.resolve('ok')
  .finally(() => { throw new Error('from finally'); })
  .then(() => console.log('never'), (e) => console.log('rejected by ' + e.message));
Promise.reject(new Error('kept'))
  .finally(() => console.log('finally 2'))
  .catch((e) => console.log('still ' + e.message));
