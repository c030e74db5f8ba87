// A server whose per-request garbage dies young: each request builds a response from a few
// temporaries; a fixed table of 256 sessions is the only long-lived state. Requests arrive
// in batches of 100, one batch per turn of the event loop.
// expect: healthy
const sessions = new Array(256).fill(null);
let handled = 0;
let sent = 0;
function onRequest(req) {
  const parts = [];
  for (let i = 0; i < 6; i++) parts.push({ i, len: req.body.length });
  const body = new Array((req.body.length >> 2) + 16).fill(req.id);
  sessions[req.id % 256] = { id: req.id, data: new Array(32).fill(1) };
  return { status: 200, body, parts: parts.length };
}
function batch() {
  for (let j = 0; j < 100; j++) {
    const id = handled++;
    const req = {
      id,
      url: '/api/items/' + id + '?page=' + (id % 10),
      body: new Array(64 + ((id * 37) % 192)).fill(0),
      headers: { id, status: 200, keepAlive: true },
    };
    sent += onRequest(req).body.length;
  }
  if (handled < 20000) setImmediate(batch);
  else console.log('requests:', handled, 'sent:', sent);
}
batch();
