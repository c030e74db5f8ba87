console.log('script start');
setTimeout(() => console.log('timeout 100'), 100);
setImmediate(() => console.log('immediate'));
process.nextTick(() => console.log('nextTick 1'));
Promise.resolve().then(() => {
  console.log('promise 1');
  process.nextTick(() => console.log('nextTick from promise'));
}).then(() => console.log('promise 2'));
queueMicrotask(() => console.log('microtask'));
process.nextTick(() => console.log('nextTick 2'));
for (let i = 0; i < 3; i++) setTimeout(() => console.log('let i =', i), 50);
var j;
for (j = 0; j < 3; j++) setTimeout(() => console.log('var j =', j), 60);
let n = 0;
const id = setInterval(() => {
  n++;
  console.log('interval', n);
  if (n === 3) clearInterval(id);
}, 200);
new Promise((resolve) => setTimeout(() => resolve('late'), 300)).then((v) => console.log('resolved', v));
Promise.reject(new Error('boom')).catch((e) => console.log('caught', e.message));
console.log('script end');
