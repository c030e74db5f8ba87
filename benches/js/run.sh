#!/usr/bin/env bash
# binary-trees.js (the Benchmarks Game algorithm) under the gclab interpreter and other
# JavaScript engines, one run each, in one table: wall time, share of it spent in GC pauses,
# and allocation rate. Usage: benches/js/run.sh [DEPTH] (default 16).
#
# - mutator: `mutator run --no-probe` (no leak checkpoints: each one is a full collection and
#   a heap graph); GC share = pauses / wall, MB/s = allocated / wall, both from its JSON
#   report.
# - node --jitless (V8's interpreter): GC share from --trace-gc pause times; allocated MB is
#   estimated from the trace as the sum of (heap before a GC − heap after the previous one).
# - duktape (`duk`), mujs, boa (`boa`): wall time only, when installed.
# Engines that are not installed are listed as such. The mutator binary is built in release.
set -euo pipefail
cd "$(dirname "$0")/../.."
depth=${1:-16}
prog=benches/js/binary-trees.js
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed "s/argv\[2\] || '16'/argv[2] || '$depth'/" "$prog" > "$tmp/binary-trees.js"
cargo build --release -q -p gclab-mutator
mutator=target/release/mutator

now() { date +%s.%N; }
row() { printf '%-16s %9s %8s %10s   %s\n' "$@"; }
row engine "wall s" "GC %" "alloc MB/s" note

t0=$(now)
"$mutator" run "$tmp/binary-trees.js" --no-probe --json > "$tmp/m.out" 2> "$tmp/m.err"
t1=$(now)
wall=$(echo "$t1 - $t0" | bc -l)
json=$(tail -n1 "$tmp/m.err")
read -r pause alloc < <(node -e '
const r = JSON.parse(process.argv[1]);
console.log(r.pause_total_ms, r.allocated_bytes);' "$json")
row "mutator" "$(printf %.2f "$wall")" "$(printf %.1f "$(echo "100 * $pause / 1000 / $wall" | bc -l)")" \
    "$(printf %.0f "$(echo "$alloc / 1048576 / $wall" | bc -l)")" "gen-immix, $(head -c 60 "$tmp/m.out" | head -n1)"

t0=$(now)
node --jitless --trace-gc "$tmp/binary-trees.js" > "$tmp/n.out" 2>/dev/null
t1=$(now)
wall=$(echo "$t1 - $t0" | bc -l)
read -r pause alloc < <(node -e '
const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n");
let pause = 0, alloc = 0, prevAfter = null;
for (const l of lines) {
  const m = /: (?:Scavenge|Mark-Compact|Mark-sweep|Minor Mark-Sweep)[^\d]*([\d.]+) \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB, (?:pooled: [\d.]+ MB, )?([\d.]+) \/ ([\d.]+) ms/.exec(l);
  if (!m) continue;
  const before = +m[1], after = +m[2];
  alloc += before - (prevAfter === null ? 0 : prevAfter);
  prevAfter = after;
  pause += +m[3];
}
console.log(pause, alloc);' "$tmp/n.out")
row "node --jitless" "$(printf %.2f "$wall")" "$(printf %.1f "$(echo "100 * $pause / 1000 / $wall" | bc -l)")" \
    "$(printf %.0f "$(echo "$alloc / $wall" | bc -l)")" "$(node --version), alloc estimated from --trace-gc"

for engine in duk mujs boa; do
    if ! command -v "$engine" > /dev/null; then
        row "$engine" - - - "not installed"
        continue
    fi
    t0=$(now)
    if "$engine" "$tmp/binary-trees.js" > "$tmp/$engine.out" 2>&1; then note="ok"; else note="failed: $(tail -n1 "$tmp/$engine.out")"; fi
    t1=$(now)
    row "$engine" "$(printf %.2f "$(echo "$t1 - $t0" | bc -l)")" - - "$note"
done
