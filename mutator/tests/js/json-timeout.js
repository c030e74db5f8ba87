// JSON.stringify/parse (escapes, indentation, toJSON, omitted values, errors, cycles) and
// the Timeout objects setTimeout/setInterval return (hasRef, unref, clearInterval, +timeout).
const o = { a: 1, b: 'x"y\n', c: [1, 2.5, null, undefined, () => 1, NaN], d: { e: true, f: undefined } };
console.log(JSON.stringify(o));
console.log(JSON.stringify(o, null, 2));
console.log(JSON.stringify([]), JSON.stringify({}), JSON.stringify('s'), JSON.stringify(undefined), JSON.stringify(null));
console.log(JSON.stringify({ toJSON() { return { z: 1 }; } }));
const p = JSON.parse('{"a":[1,2,{"b":"c\\u0041"}],"n":-1.5e3,"t":true,"f":false,"z":null}');
console.log(p, p.a[2].b, p.n, Object.keys(p));
try { JSON.parse('{"a":}'); } catch (e) { console.log(e.name, e.message); }
try { JSON.parse('[1,2'); } catch (e) { console.log(e.name); }
const cyc = {}; cyc.self = cyc;
try { JSON.stringify(cyc); } catch (e) { console.log(e.name, e.message.split('\n')[0]); }
console.log(JSON.stringify(new Error('x')), JSON.stringify(new Map([[1, 2]])));
const t = setTimeout(() => console.log('never'), 1000);
console.log(typeof t, t.hasRef());
t.unref();
console.log(t.hasRef());
const i = setInterval(() => { console.log('tick'); clearInterval(i); }, 10);
const t2 = setTimeout(() => console.log('fired'), 5);
console.log(typeof +t2 === 'number');
