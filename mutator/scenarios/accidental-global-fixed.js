// accidental-global.js with the log declared where it belongs: each request's log is local
// and dies with it.
function handleRequest(id) {
  const requestLog = [];
  requestLog.push({ id, body: new Array(300).fill(id) });
  return requestLog.length;
}
let n = 0;
for (let i = 0; i < 2000; i++) n += handleRequest(i);
console.log('requests logged:', n);
