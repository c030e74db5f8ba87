// The seed's closure example: bigData is allocated once and an interval keeps it forever.
// The heap does not grow (healthy), but the report shows what the interval retains.
function start() {
  let bigData = new Array(1_000_000).fill('*');
  setInterval(() => {
    console.log(bigData[0]);
  }, 1000);
}
start();
