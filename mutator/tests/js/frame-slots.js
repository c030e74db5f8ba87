// Functions that capture nothing keep their variables in frame slots (no heap environment):
// reads are copies, parameters bind as in any call, `let`/`const` have their dead zone, code
// run from inside the call under its own scope does not see the call's variables, and the
// slots stay exact roots across collections.
function swapRead(a, b) {
  return [a, (a = b), a];
}
console.log(swapRead({ x: 1 }, { x: 2 }));

function dup(a, a) {
  return a;
}
console.log(dup(1, 2), dup(1));

function tdz() {
  var r;
  try {
    r = later;
  } catch {
    r = 'dead zone';
  }
  let later = 1;
  const k = 2;
  return r + ' ' + (later + k);
}
console.log(tdz());

function* counter() {
  let n = 10;
  while (true) yield n++;
}
function useCounter(n) {
  var it = counter();
  var a = it.next().value;
  var b = it.next().value;
  return [a, b, n];
}
console.log(useCounter(1));

function leak(v) {
  accidental = v;
  return typeof accidental;
}
console.log(leak(3), accidental);

var k = 3;
console.log([1, 2, 3].map(function (x) { return x * k; }));
const o = {
  v: 10,
  m: function () {
    return [1, 2].map((x) => this.v + x);
  },
};
console.log(o.m());

function count(n) {
  var s = 0;
  for (var i = 0; i < n; i++) {
    if (i % 2) continue;
    s += i;
  }
  switch (s) {
    case 20:
      s = 'twenty';
      break;
    default:
      s = 'other';
  }
  return s;
}
console.log(count(10));

function Node(l, r) {
  this.l = l;
  this.r = r;
}
function build(d) {
  return d > 0 ? new Node(build(d - 1), build(d - 1)) : new Node(null, null);
}
function check(t) {
  return t.l === null ? 1 : 1 + check(t.l) + check(t.r);
}
var total = 0;
for (var i = 0; i < 40; i++) total += check(build(8));
console.log(total);
