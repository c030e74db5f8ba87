// A handler assigns to an undeclared variable (no let/const): in sloppy mode that creates a
// global, a GC root, and the log it holds grows with every request.
function handleRequest(id) {
  if (typeof requestLog === 'undefined') {
    requestLog = [];
  }
  requestLog.push({ id, body: new Array(300).fill(id) });
}
for (let i = 0; i < 2000; i++) handleRequest(i);
console.log('requests logged:', requestLog.length);
