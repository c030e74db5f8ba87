// The seed's closure example: bigData is allocated once and an interval keeps it forever.
// The heap does not grow (healthy), but the report shows what the interval retains. The
// interval never stops: the suite stops the event loop at 5 s of virtual time.
// expect: healthy
// until: 5000
function start() {
  let bigData = new Array(1_000_000).fill('*');
  setInterval(() => {
    console.log(bigData[0]);
  }, 1000);
}
start();
