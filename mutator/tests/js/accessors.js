// Accessors: get/set in literals and classes, Object.defineProperty, enumerability.
const o = {
  _v: 1,
  get v() { return this._v * 10; },
  set v(x) { this._v = x; },
  get only() { return 'ro'; },
  set wo(x) { console.log('wo set', x); },
};
console.log(o, o.v, o.only, o.wo);
o.v = 5;
o.only = 'ignored';
o.wo = 7;
console.log(o.v, o._v, o.only, Object.keys(o), JSON.stringify(o));
class Temp {
  constructor(c) { this.c = c; }
  get f() { return this.c * 9 / 5 + 32; }
  set f(v) { this.c = (v - 32) * 5 / 9; }
  static get unit() { return 'C'; }
  static set unit(u) { console.log('static set', u); }
}
const t = new Temp(100);
console.log(t, t.f, Temp.unit);
t.f = 32;
Temp.unit = 'K';
console.log(t.c, Object.keys(t), 'f' in t, t.hasOwnProperty('f'));
class Sub extends Temp { get f() { return 'sub ' + super.f; } }
console.log(new Sub(0).f);
const d = {};
Object.defineProperty(d, 'hidden', { value: 42 });
Object.defineProperty(d, 'shown', { value: 'yes', enumerable: true });
Object.defineProperty(d, 'calc', { get() { return this.shown + '!'; }, enumerable: true });
Object.defineProperty(d, 'lazy', { get: () => 'lazy', configurable: true });
d.hidden = 0;
d.extra = 1;
console.log(d, d.hidden, d.calc, d.lazy, Object.keys(d), Object.getOwnPropertyNames(d));
for (const k in d) console.log('in', k);
console.log(JSON.stringify(d), { ...d }, Object.assign({}, d));
const w = Object.defineProperty({}, 'rw', { value: 1, writable: true });
w.rw = 2;
console.log(w.rw, w);
const counter = { n: 0, get next() { return ++this.n; } };
console.log(counter.next, counter.next, counter);
const proto = { set name(v) { this._name = v.toUpperCase(); }, get name() { return this._name; } };
const child = Object.create(proto);
child.name = 'abc';
console.log(child.name, child, Object.keys(child));
// Descriptors, Object.create with descriptors, hasOwnProperty of hidden properties.
console.log(Object.getOwnPropertyDescriptor(d, 'hidden'), Object.getOwnPropertyDescriptor(d, 'extra'));
console.log(Object.getOwnPropertyDescriptor(o, 'v'), Object.getOwnPropertyDescriptor(o, 'nope'));
const made = Object.create({ base: 1 }, { own: { value: 'o', enumerable: true }, secret: { value: 's' } });
console.log(made, made.base, made.secret, d.hasOwnProperty('hidden'), d.hasOwnProperty('nope'));
// Non-configurable properties stay; method names of accessors and symbol-keyed methods.
console.log(delete d.hidden, d.hidden, delete d.extra, d.extra);
try { Object.defineProperty(d, 'hidden', { value: 1 }); } catch (e) { console.log(e.name, e.message); }
const named = { get g() { return 1; }, [Symbol.iterator]() {}, [Symbol('tag')]() {} };
console.log(Object.getOwnPropertyDescriptor(named, 'g').get.name, named[Symbol.iterator].name, named);
