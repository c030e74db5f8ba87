// A handler assigns to an undeclared variable (no let/const): in sloppy mode that creates a
// global, a GC root, and the log it holds grows with every request.
// expect: leak
function handleRequest(id) {
  if (typeof requestLog === 'undefined') {
    requestLog = [];
  }
  requestLog.push({ id, body: new Array(500).fill(id) });
}
let handled = 0;
function batch() {
  for (let j = 0; j < 100; j++) handleRequest(handled++);
  if (handled < 3000) setImmediate(batch);
  else console.log('requests logged:', requestLog.length);
}
batch();
