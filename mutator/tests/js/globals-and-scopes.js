// Sloppy-mode globals seen through `globalThis`, and the scope shapes the interpreter's fast
// paths take (plain parameters, hoisting, the temporal dead zone, module-scope names read
// from functions and from callbacks after the main program).
zz = 1;
console.log(globalThis.zz, global.zz, 'zz' in globalThis, typeof zz);
globalThis.yy = 'set through globalThis';
console.log(yy, globalThis.yy);
globalThis.zz = 2;
console.log(zz);
console.log(delete globalThis.zz, typeof zz, globalThis.zz);
console.log(typeof globalThis.console.log, globalThis.Math === Math);
function makeGlobal() {
  leaked = [1, 2, 3];
}
makeGlobal();
console.log(globalThis.leaked.length);

function plain(a, b, c) {
  return [a, b, c];
}
console.log(plain(1), plain(1, 2, 3, 4));
function dup(a, a) {
  return a;
}
console.log(dup(1, 2));
function withDefault(a, b = a + 1) {
  return a + b;
}
console.log(withDefault(1), withDefault(1, 5));
function hoisting(n) {
  return inner(n) + later;
  function inner(x) {
    return x * 2;
  }
  var later = 1;
}
console.log(hoisting(4));
function tdz(flag) {
  if (flag) {
    try {
      return x;
    } catch (e) {
      return e instanceof ReferenceError;
    }
  }
  let x = 'ready';
  return x;
}
console.log(tdz(true), tdz(false));
function counter(start) {
  return function () {
    return ++start;
  };
}
const c = counter(10);
console.log(c(), c());
class Point {
  constructor(x, y) {
    this.x = x;
    this.y = y;
  }
  sum() {
    return this.x + this.y;
  }
}
console.log(new Point(2, 3).sum());
let moduleName = 'module';
function readModule() {
  return moduleName;
}
console.log(readModule());
setTimeout(function () {
  moduleName = 'changed in a timer';
  console.log(readModule(), globalThis.yy);
}, 0);
