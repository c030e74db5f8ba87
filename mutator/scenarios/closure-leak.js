// A monitoring interval whose callback closes over an array it appends a sample to on
// every tick; the interval runs for the whole workload (300 ticks) and keeps every sample,
// so they pile up (closure-fixed.js ends each reporting window with clearInterval and starts
// afresh).
// expect: leak
function startMonitor() {
  const bigData = [];
  let ticks = 0;
  const timer = setInterval(() => {
    bigData.push(new Array(4000).fill(ticks));
    ticks++;
    if (ticks % 50 === 0) console.log('samples kept:', bigData.length);
    if (ticks === 300) clearInterval(timer);
  }, 10);
}
startMonitor();
