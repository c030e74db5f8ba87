// Every request runs a chain of thens on a promise that settles: reactions run and are
// dropped, so nothing accumulates.
// expect: healthy
let requests = 0;
let done = 0;
const timer = setInterval(() => {
  const payload = new Array(4000).fill(requests);
  new Promise((resolve) => setTimeout(resolve, 5))
    .then(() => payload.length)
    .then((n) => { done += n > 0 ? 1 : 0; });
  requests++;
  if (requests === 300) {
    clearInterval(timer);
    setTimeout(() => console.log('requests done:', done), 20);
  }
}, 10);
