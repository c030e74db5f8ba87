// Returning a promise from a then handler costs two extra microtask turns
// (NewPromiseResolveThenableJob + the reaction on the returned promise);
// returning a foreign thenable costs one extra turn.
const ladder = (name, n) => {
  let p = Promise.resolve();
  for (let i = 1; i <= n; i++) p = p.then(() => console.log(name + i));
};
Promise.resolve()
  .then(() => { console.log('a1'); return Promise.resolve('x'); })
  .then((v) => console.log('a2 ' + v));
Promise.resolve()
  .then(() => { console.log('t1'); return { then(res) { console.log('t then'); res('y'); } }; })
  .then((v) => console.log('t2 ' + v));
ladder('b', 6);
new Promise((resolve) => resolve(Promise.resolve('z'))).then((v) => console.log('executor ' + v));
