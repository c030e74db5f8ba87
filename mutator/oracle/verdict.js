// V8's leak verdict for a scenario, the oracle gclab's verdict is checked against.
//
//   node --expose-gc mutator/oracle/verdict.js mutator/scenarios/closure-leak.js
//
// Runs the scenario in this process. Before it starts, two gc() calls and heapUsed give V8's
// baseline (this harness and Node's own heap). The samples are placed as gclab places its
// event-loop checkpoints (mutator/src/probe/online.rs), in one run: gc() and heapUsed minus
// the baseline after the main script (the start), then after every s-th macrotask the
// scenario schedules (setTimeout, setInterval, setImmediate callbacks), s starting at 1; when
// 32 samples are kept, every other one is dropped and s doubles, so the samples stay evenly
// spaced over the macrotasks whatever their number. At the end the start and the samples at
// or before 15/16 of the macrotasks stand for gclab's checkpoints, with done = position /
// total, and the rule of mutator/src/probe/verdict.rs is applied to them: past the first quarter
// (warm-up), leak when the last sample is more than 1.5 × the first, by more than 256 KiB, and
// the samples rose (or held) at three quarters of the steps or more — so one dipping sample
// does not change the verdict. A `// until: MS` header line stops the run after MS real
// milliseconds (an interval that never stops).
//
// The result is the last line of stderr: `oracle: {"file":…,"verdict":…,"live":[…]}`.
'use strict';
const fs = require('fs');
const path = require('path');

if (typeof gc !== 'function') {
  console.error('oracle: run with node --expose-gc');
  process.exit(2);
}
const file = process.argv[2];
if (!file) {
  console.error('oracle: usage: node --expose-gc verdict.js SCENARIO.js');
  process.exit(2);
}
const full = path.resolve(file);
const header = [];
for (const line of fs.readFileSync(full, 'utf8').split('\n')) {
  const m = /^\s*\/\/(.*)$/.exec(line);
  if (!m) break;
  header.push(m[1].trim());
}
const untilLine = header.find((l) => l.startsWith('until:'));
const until = untilLine ? Number(untilLine.slice(6)) : null;

const LEAK_MIN_GROWTH = 256 * 1024;
const MARKS = 16;
const CAPACITY = 2 * MARKS;

function heapUsed() {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

let start = null;
const samples = []; // {pos, live}
let stride = 1;
let next = 1;
let macrotasks = 0;
let base = 0;
let finished = false;
function afterMacrotask() {
  if (finished) return;
  macrotasks++;
  if (macrotasks < next) return;
  samples.push({ pos: macrotasks, live: heapUsed() - base });
  if (samples.length >= CAPACITY) {
    // Keep the 2nd, 4th, …: the samples at the multiples of the doubled stride.
    const kept = samples.filter((_, i) => i % 2 === 1);
    samples.length = 0;
    samples.push(...kept);
    stride *= 2;
  }
  next = (Math.floor(macrotasks / stride) + 1) * stride;
}

// The verdict rule of probe.rs on checkpoints [{done, live}].
function verdict(checkpoints) {
  const considered = checkpoints.filter((c) => c.done >= 0.25).map((c) => c.live);
  if (considered.length < 3) return 'healthy';
  const first = considered[0];
  const last = considered[considered.length - 1];
  const steps = considered.length - 1;
  let rising = 0;
  for (let i = 1; i < considered.length; i++) if (considered[i] >= considered[i - 1]) rising++;
  return last > first * 1.5 && last - first > LEAK_MIN_GROWTH && rising * 4 >= steps * 3
    ? 'leak'
    : 'healthy';
}

// The start and the samples at or before 15/16 of the macrotasks: gclab's end of the work
// is there, before a program's final clean-up (a cleared interval) drops what it held.
function checkpoints() {
  const n = macrotasks;
  const done = (pos) => (n === 0 ? 0 : pos / n);
  const picked = start === null ? [] : [{ done: 0, live: start }];
  for (const s of samples) {
    if (s.pos * MARKS <= n * (MARKS - 1)) picked.push({ done: done(s.pos), live: s.live });
  }
  return picked;
}

function finish() {
  if (finished) return;
  finished = true;
  const cps = checkpoints();
  const result = {
    file: path.basename(full),
    verdict: verdict(cps),
    baseline: base,
    macrotasks,
    live: cps.map((c) => c.live),
  };
  process.stderr.write(`oracle: ${JSON.stringify(result)}\n`);
}

function wrap(schedule) {
  return function (callback, ...rest) {
    if (typeof callback !== 'function') return schedule(callback, ...rest);
    return schedule(function (...args) {
      try {
        return callback.apply(this, args);
      } finally {
        afterMacrotask();
      }
    }, ...rest);
  };
}
global.setTimeout = wrap(setTimeout);
global.setInterval = wrap(setInterval);
global.setImmediate = wrap(setImmediate);
process.on('exit', finish);
if (until !== null) {
  const stop = setTimeout(() => {
    finish();
    process.exit(0);
  }, until);
  stop.unref();
}

base = heapUsed();
require(full);
start = heapUsed() - base;
