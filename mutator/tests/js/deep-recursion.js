function f(n) { return f(n + 1) + 1; }
try { f(0); } catch (e) { console.log(e instanceof RangeError, e.message); }
function g() { [1].forEach(g); }
try { g(); } catch (e) { console.log(e instanceof RangeError, e.message); }
const o = { toString() { return String(this); } };
try { String(o); } catch (e) { console.log(e instanceof RangeError, e.message); }
const a = [1]; a.push(a); a.push([a, 2]);
console.log(String(a), `${a}`);
