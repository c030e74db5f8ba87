// closure-leak.js with a bounded window: each monitor clears its interval after 20 samples
// and a new one starts with a fresh array, so the old closure and its samples are garbage.
// expect: healthy
let windows = 0;
function startMonitor() {
  const bigData = [];
  const timer = setInterval(() => {
    bigData.push(new Array(4000).fill(windows));
    if (bigData.length === 20) {
      clearInterval(timer);
      windows++;
      if (windows % 2 === 0) console.log('windows done:', windows);
      if (windows < 15) startMonitor();
    }
  }, 10);
}
startMonitor();
