// await inside switch cases (with fall-through, a block case, a loop in default).
async function handle(kind) {
  switch (kind) {
    case 'a':
      console.log('a before');
      await null;
      console.log('a after');
    // falls through
    case 'b': {
      const v = await Promise.resolve(kind + '!');
      console.log('b', v);
      break;
    }
    default:
      for (const x of [1, 2]) {
        await x;
        if (x === 2) break;
        console.log('default loop', x);
      }
      console.log('default', kind);
  }
  return kind;
}
handle('a').then((k) => console.log('done', k));
handle('b').then((k) => console.log('done', k));
handle('z').then((k) => console.log('done', k));
Promise.resolve().then(() => console.log('t1')).then(() => console.log('t2')).then(() => console.log('t3'));
