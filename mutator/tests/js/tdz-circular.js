try { x1; let x1 = 1; } catch (e) { console.log(e.name, e.message); }
try { y1 = 2; const y1 = 1; } catch (e) { console.log(e.name, e.message); }
function early() { return later; }
try { early(); } catch (e) { console.log(e.message); }
const later = 'ready';
console.log(early());
{
  try { new K(); } catch (e) { console.log(e.message); }
  class K {}
}
const c = { name: 'c' }; c.self = c;
console.log(c);
const a = [1]; a.push(a);
console.log(a, String(a));
const outer = { inner: { list: [] } }; outer.inner.list.push(outer.inner);
console.log(outer);
