// Built-ins written in JavaScript, run before the program (their frames read `prelude.js`).
(function () {
process.nextTick = __nextTick;
  const AP = Array.prototype;
  AP.forEach = function (f, t) { for (let i = 0; i < this.length; i++) f.call(t, this[i], i, this); };
  AP.map = function (f, t) { const r = new Array(this.length); for (let i = 0; i < this.length; i++) r[i] = f.call(t, this[i], i, this); return r; };
  AP.filter = function (f, t) { const r = []; for (let i = 0; i < this.length; i++) if (f.call(t, this[i], i, this)) r.push(this[i]); return r; };
  AP.reduce = function (f, ...init) {
    let i = 0, acc;
    if (init.length) acc = init[0];
    else { if (this.length === 0) throw new TypeError('Reduce of empty array with no initial value'); acc = this[0]; i = 1; }
    for (; i < this.length; i++) acc = f(acc, this[i], i, this);
    return acc;
  };
  AP.some = function (f, t) { for (let i = 0; i < this.length; i++) if (f.call(t, this[i], i, this)) return true; return false; };
  AP.every = function (f, t) { for (let i = 0; i < this.length; i++) if (!f.call(t, this[i], i, this)) return false; return true; };
  AP.find = function (f, t) { for (let i = 0; i < this.length; i++) if (f.call(t, this[i], i, this)) return this[i]; return undefined; };
  AP.findIndex = function (f, t) { for (let i = 0; i < this.length; i++) if (f.call(t, this[i], i, this)) return i; return -1; };
  AP.sort = function (cmp) {
    const c = cmp || ((a, b) => { const x = String(a), y = String(b); return x < y ? -1 : x > y ? 1 : 0; });
    for (let i = 1; i < this.length; i++) {
      const v = this[i]; let j = i - 1;
      while (j >= 0 && c(this[j], v) > 0) { this[j + 1] = this[j]; j--; }
      this[j + 1] = v;
    }
    return this;
  };
  Promise.prototype.finally = function (f) {
    return this.then(
      (v) => Promise.resolve(f()).then(() => v),
      (e) => Promise.resolve(f()).then(() => { throw e; }));
  };
  const toList = __toList;
  Promise.all = function (iterable) {
    return new Promise((resolve, reject) => {
      const items = toList(iterable), out = []; let left = items.length;
      if (left === 0) resolve(out);
      items.forEach((p, i) => Promise.resolve(p).then((v) => { out[i] = v; if (--left === 0) resolve(out); }, reject));
    });
  };
  Promise.allSettled = function (iterable) {
    return new Promise((resolve) => {
      const items = toList(iterable), out = []; let left = items.length;
      if (left === 0) resolve(out);
      items.forEach((p, i) => Promise.resolve(p).then(
        (value) => { out[i] = { status: 'fulfilled', value }; if (--left === 0) resolve(out); },
        (reason) => { out[i] = { status: 'rejected', reason }; if (--left === 0) resolve(out); }));
    });
  };
  Promise.race = function (iterable) {
    return new Promise((resolve, reject) => { toList(iterable).forEach((p) => Promise.resolve(p).then(resolve, reject)); });
  };
  class EventEmitter {
    constructor() { this._events = {}; this._maxListeners = 10; }
    on(name, fn) {
      const list = this._events[name] || (this._events[name] = []);
      list.push(fn);
      if (this._maxListeners > 0 && list.length > this._maxListeners && !list.warned) {
        list.warned = true;
        __maxListenersWarning(name, list.length, this._maxListeners, this.constructor.name);
      }
      return this;
    }
    addListener(name, fn) { return this.on(name, fn); }
    prependListener(name, fn) { const l = this._events[name] || (this._events[name] = []); l.unshift(fn); return this; }
    once(name, fn) {
      const self = this;
      function wrapper(...args) { self.off(name, wrapper); return fn.apply(self, args); }
      wrapper.listener = fn;
      return this.on(name, wrapper);
    }
    off(name, fn) {
      const list = this._events[name];
      if (!list) return this;
      for (let i = list.length - 1; i >= 0; i--) {
        if (list[i] === fn || list[i].listener === fn) { list.splice(i, 1); break; }
      }
      if (list.length === 0) delete this._events[name];
      return this;
    }
    removeListener(name, fn) { return this.off(name, fn); }
    removeAllListeners(name) { if (name === undefined) this._events = {}; else delete this._events[name]; return this; }
    emit(name, ...args) {
      const list = this._events[name];
      if (!list) { if (name === 'error') throw args[0]; return false; }
      const copy = list.slice();
      for (let i = 0; i < copy.length; i++) copy[i].apply(this, args);
      return true;
    }
    listenerCount(name) { const l = this._events[name]; return l ? l.length : 0; }
    listeners(name) { const l = this._events[name]; return l ? l.map((f) => f.listener || f) : []; }
    eventNames() { return Object.keys(this._events); }
    setMaxListeners(n) { this._maxListeners = n; return this; }
    getMaxListeners() { return this._maxListeners; }
  }
  EventEmitter.EventEmitter = EventEmitter;
  EventEmitter.defaultMaxListeners = 10;
  __modules.events = EventEmitter;
  const processListeners = {};
  process.on = function (name, fn) { (processListeners[name] || (processListeners[name] = [])).push(fn); return process; };
  process.once = process.on;
  process.emit = function (name, ...args) {
    const l = processListeners[name];
    if (!l) return false;
    l.slice().forEach((f) => f(...args));
    return true;
  };
  process.listenerCount = function (name) { const l = processListeners[name]; return l ? l.length : 0; };
})();
