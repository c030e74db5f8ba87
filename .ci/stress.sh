#!/usr/bin/env bash
# Stress mode (V8's --gc-interval): every heap the tests make forces a collection every N
# allocations and verifies the heap after each (`HeapConfig::gc_interval`, enabled for every
# default-configured heap by GCLAB_GC_INTERVAL). Prints the time of each step.
set -euo pipefail
cd "$(dirname "$0")/.."

step() {
    local name=$1
    shift
    echo "==> stress: $name"
    local start=$SECONDS
    "$@"
    echo "<== stress: $name: $((SECONDS - start))s"
}

# A collection at every allocation: the property suites (every plan) and the regression tests.
step "property suites, N=1" env GCLAB_GC_INTERVAL=1 PROPTEST_CASES="${STRESS_PROPTEST_CASES:-32}" \
    cargo test -p gclab --features testing --test prop_reachability -- --test-threads=2
regress=()
for f in gc/tests/regress_*.rs; do
    regress+=(--test "$(basename "$f" .rs)")
done
step "regression tests, N=1" env GCLAB_GC_INTERVAL=1 cargo test -p gclab --features testing "${regress[@]}"

# The parallel collector: the property, weak and plan suites with every default-configured
# heap on 2 collector threads, a forced collection every 61 allocations (no rebuild: the
# variables are read at run time; about 40 s on 2 busy cores). gc/tests/parallel.rs runs in
# the test command itself (its large heap would take minutes verified every 61 allocations).
step "parallel (2 threads), N=61" env GCLAB_GC_THREADS=2 GCLAB_PARALLEL_SCAVENGE=1 GCLAB_GC_INTERVAL=61 \
    PROPTEST_CASES="${STRESS_PROPTEST_CASES:-32}" cargo test -p gclab --features testing \
    --test prop_reachability --test prop_weak --test weak_semantics --test heap_plans \
    -- --test-threads=2

# The whole gc test suite with a forced collection every 61 allocations.
step "gc test suite, N=61" env GCLAB_GC_INTERVAL=61 cargo test -p gclab --all-features

# Every scenario at a small scale under every plan, a forced collection every 1009 allocations.
cargo build --release -p gclab-mutator
for plan in generational mark-sweep semispace immix gen-immix; do
    step "scenarios ($plan), N=1009" env GCLAB_GC_INTERVAL=1009 \
        target/release/mutator run all --plan "$plan" --scale 0.05
done
