// Symbols: descriptions, printing, symbol-keyed properties (hidden from keys, for-in and JSON).
const sy = Symbol('foo');
console.log(sy, [sy], { a: 1, [sy]: 2, [Symbol()]: 3 }, Symbol.iterator, String(sy), sy.toString(), sy.description, typeof sy);
const o = {};
o[sy] = 'hidden';
o.visible = 1;
console.log(o, Object.keys(o), o[sy], sy in o, JSON.stringify(o));
for (const k in o) console.log('key', k);
try { '' + sy; } catch (e) { console.log(e.name, e.message); }
try { `${sy}`; } catch (e) { console.log(e.name, e.message); }
try { new Symbol(); } catch (e) { console.log(e.name, e.message); }
console.log(Symbol('a') === Symbol('a'), Symbol.for('x') === Symbol.for('x'), Symbol.keyFor(Symbol.for('x')), Symbol.keyFor(sy));
console.log(Symbol().description, Symbol().toString(), typeof Symbol.asyncIterator);
const m = new Map([[sy, 1]]);
console.log(m.get(sy), m);
class K { [sy]() { return 'method'; } static [Symbol.for('s')] = 5; }
console.log(new K()[sy](), K[Symbol.for('s')]);
delete o[sy];
console.log(o);
try { console.log('' + sy); } catch (e) { console.log(e.name, e.message); }
try { console.log(`${sy}`); } catch (e) { console.log(e.name, e.message); }
// Spread and Object.assign copy symbol-keyed properties.
const tagged = { plain: 1, [sy]: 'sym' };
console.log({ ...tagged }, Object.assign({}, tagged)[sy]);
