// accidental-global.js with the log declared where it belongs: each request's log is local
// and dies with it.
// expect: healthy
function handleRequest(id) {
  const requestLog = [];
  requestLog.push({ id, body: new Array(500).fill(id) });
  return requestLog.length;
}
let handled = 0;
let logged = 0;
function batch() {
  for (let j = 0; j < 100; j++) logged += handleRequest(handled++);
  if (handled < 3000) setImmediate(batch);
  else console.log('requests logged:', logged);
}
batch();
