// Each request registers a 'close' listener on the long-lived server emitter, closing over
// a 32 KB array; the listener is never removed (listener-cleanup.js removes it with off).
// expect: leak
const EventEmitter = require('events');
const server = new EventEmitter();
server.setMaxListeners(0);
let handled = 0;
function handle(id) {
  const buffer = new Array(4000).fill(id);
  server.on('close', () => {
    console.log('closing request', id, buffer.length);
  });
  handled++;
}
const timer = setInterval(() => {
  handle(handled);
  if (handled === 300) {
    clearInterval(timer);
    console.log('listeners:', server.listenerCount('close'));
  }
}, 10);
