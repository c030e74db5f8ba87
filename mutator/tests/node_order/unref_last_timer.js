// An unref'd timer does not keep the loop alive: Node exits when the referenced work is done,
// without waiting for it (the clock does not reach its due time) and without running it. A
// second unref'd timer due before the last referenced one does fire.
const t0 = Date.now();
const never = setTimeout(() => console.log('never (unref, due after the last work)'), 60000);
never.unref();
const early = setTimeout(() => console.log('early unref fires while the loop waits'), 5);
early.unref();
console.log('hasRef', never.hasRef(), early.hasRef());
setTimeout(() => console.log('referenced at 20'), 20);
process.on('exit', () => {
  const waited = Date.now() - t0;
  console.log('exit', waited < 30000 ? 'without waiting for the unref timer' : 'after it');
});
