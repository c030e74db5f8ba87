// Unbounded recursion hits the call-stack limit; the RangeError is caught, the stack unwinds
// and every frame's locals become garbage. Thirty attempts, one per turn of the event loop.
// expect: healthy
function walk(node) {
  const next = { depth: node.depth + 1, parent: node };
  return walk(next);
}
let overflows = 0;
function attempt() {
  try {
    walk({ depth: 0 });
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    overflows++;
  }
  if (overflows < 30) setImmediate(attempt);
  else console.log('overflows caught:', overflows);
}
attempt();
