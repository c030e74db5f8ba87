// A FinalizationRegistry closes a simulated OS handle for every file object that dies
// without being closed. The work runs in batches on timers so cleanup tasks (queued after
// the collections that find the files dead) run in between. At the end the count of
// cleanups that ran goes to stderr: it depends on when collections ran (with
// `node --expose-gc`, or `mutator run --expose-gc`, the final gc() makes it exact).
// expect: healthy
const open = new Set();
let nextFd = 3;
let cleanups = 0;
const registry = new FinalizationRegistry((fd) => {
  open.delete(fd);
  cleanups++;
});
function openFile(name) {
  const fd = nextFd++;
  open.add(fd);
  const file = { name, fd, buffer: new Array(200).fill(fd) };
  registry.register(file, fd);
  return file;
}
let bytes = 0;
let batches = 0;
function batch() {
  for (let i = 0; i < 50; i++) {
    bytes += openFile('/tmp/f' + i).buffer.length;
  }
  if (++batches < 20) {
    setTimeout(batch, 1);
  } else {
    if (typeof gc === 'function') gc();
    setTimeout(() => {
      console.log('opened', nextFd - 3, 'bytes', bytes);
      console.error('cleanups ran', cleanups, 'still open', open.size);
    }, 10);
  }
}
batch();
