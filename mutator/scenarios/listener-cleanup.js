// listener-leak.js done right: the handler removes its listener when the response is done.
// expect: healthy
const EventEmitter = require('events');
const server = new EventEmitter();
let handled = 0;
function handle(id) {
  const buffer = new Array(4000).fill(id);
  const onClose = () => {
    console.log('closing request', id, buffer.length);
  };
  server.on('close', onClose);
  setTimeout(() => server.off('close', onClose), 5);
  handled++;
}
const timer = setInterval(() => {
  handle(handled);
  if (handled === 300) {
    clearInterval(timer);
    setTimeout(() => console.log('listeners:', server.listenerCount('close')), 20);
  }
}, 10);
