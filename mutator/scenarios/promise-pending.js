// Requests wait on dbReady, a promise whose resolve function was lost, so it never settles;
// every request adds a reaction closing over its payload, and the pending promise, held by
// a global, keeps them all (promise-chain.js settles its promises).
// expect: leak
const dbReady = new Promise(() => {});
let requests = 0;
const timer = setInterval(() => {
  const payload = new Array(4000).fill(requests);
  dbReady.then(() => payload.length);
  requests++;
  if (requests === 300) {
    clearInterval(timer);
    console.log('requests waiting:', requests);
  }
}, 10);
