#!/usr/bin/env bash
# Reachability-invariant checks: property suites under every plan, each fuzz target replaying
# its committed corpus plus a short fresh run, and the Miri subset. Prints the time of each
# step.
#
# Environment:
#   PROPTEST_CASES       cases per plan for the property suites (default 1000)
#   FUZZ_SECONDS         seconds of fresh fuzzing per target after the replay (default 30)
#   MIRI_PROPTEST_CASES  property cases per plan under Miri (default 3)
#   CARGO_TARGET_DIR     honoured; each step uses its own subdirectory of it
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
export PROPTEST_CASES="${PROPTEST_CASES:-1000}"
FUZZ_SECONDS="${FUZZ_SECONDS:-30}"
FUZZ_TARGETS=(heap_ops heap_limit raw_path hostile_config weak_ops)
TARGET_BASE="${CARGO_TARGET_DIR:-$ROOT/target}"

declare -a TIMES=()
step() {
    local name=$1
    shift
    echo "==> $name"
    local start=$SECONDS
    "$@"
    local took=$((SECONDS - start))
    TIMES+=("$(printf '%-40s %5ds' "$name" "$took")")
    echo "<== $name: ${took}s"
}

props() {
    CARGO_TARGET_DIR="$TARGET_BASE" cargo test -p gclab --features testing \
        --test prop_reachability --test prop_hostile --test prop_weak -- --test-threads=2
    # The same reachability and weak suites with a 50 µs pause goal, so the generational
    # plans mark their old generation incrementally between the mutator's operations.
    GCLAB_PAUSE_GOAL_MS=0.05 CARGO_TARGET_DIR="$TARGET_BASE" cargo test -p gclab \
        --features testing --test prop_reachability --test prop_weak -- --test-threads=2
    # Regression tests for bugs the suites found.
    local regress=()
    for f in gc/tests/regress_*.rs; do
        regress+=(--test "$(basename "$f" .rs)")
    done
    if [ ${#regress[@]} -gt 0 ]; then
        CARGO_TARGET_DIR="$TARGET_BASE" cargo test -p gclab --features testing "${regress[@]}"
    fi
}

ensure_cargo_fuzz() {
    rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
    if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
        cargo install cargo-fuzz --locked
    fi
}

# The fuzz targets are built without AddressSanitizer (`-s none`): the heap's objects live in
# its own mmap'd regions, which ASan does not instrument, and everything else is safe Rust,
# so ASan sees little there while it runs the targets 4x slower. Without comparison tracing
# (`--no-trace-compares`): the decoders reduce bytes modulo small ranges, so libFuzzer's
# comparison hints rarely map back to input bytes, and the tracing took half the time of the
# checker's loops (fuzz/README.md). Debug assertions and overflow checks stay on
# (cargo-fuzz's default), and Miri below checks the unsafe code.
FUZZ_BUILD_FLAGS=(-s none --no-trace-compares)
fuzz_build() {
    (cd fuzz && CARGO_TARGET_DIR="$TARGET_BASE/fuzz" cargo +nightly fuzz build "${FUZZ_BUILD_FLAGS[@]}")
}

# Replays the committed corpus (fuzz/corpus/<target>, every input once) and the seeds, then
# fuzzes for FUZZ_SECONDS more. New inputs go to a scratch corpus outside the repository.
fuzz_target() {
    local target=$1
    local scratch="$TARGET_BASE/fuzz-corpus/$target"
    local inputs=()
    mkdir -p "$scratch"
    [ -d "fuzz/corpus/$target" ] && inputs+=("corpus/$target")
    [ -d "fuzz/seeds/$target" ] && inputs+=("seeds/$target")
    (cd fuzz && CARGO_TARGET_DIR="$TARGET_BASE/fuzz" cargo +nightly fuzz run "${FUZZ_BUILD_FLAGS[@]}" "$target" \
        "$scratch" "${inputs[@]}" -- \
        -max_total_time="$FUZZ_SECONDS" -max_len=512 -timeout=30 -rss_limit_mb=4096 \
        -print_final_stats=1 \
        2>&1 | tee "$TARGET_BASE/fuzz-$target.log" | grep -E '^(#[0-9]+ +(INITED|DONE)|stat::number_of_executed_units|stat::average_exec_per_sec|==|SUMMARY|Done)' || true)
    # A crash makes libFuzzer exit non-zero, which `tee` would hide.
    if grep -qE 'ERROR: libFuzzer|panicked|SUMMARY: libFuzzer' "$TARGET_BASE/fuzz-$target.log"; then
        tail -n 60 "$TARGET_BASE/fuzz-$target.log"
        return 1
    fi
}

ensure_miri() {
    rustup component list --toolchain nightly --installed | grep -q '^miri' \
        || rustup component add --toolchain nightly miri rust-src
    cargo +nightly miri setup
}

miri() {
    # Unit tests plus the reduced property suite (cfg(miri) shrinks cases and sizes) under
    # every plan: `reachability_` selects the per-plan tests. Stacked Borrows (Miri's
    # default, the stricter model). Permissive provenance: `verify` walks spaces from
    # addresses on purpose. Measured on a loaded machine, 3 cases per plan: 163 s for the
    # property suite under all six plans, 42 s for the unit tests, plus the builds.
    export CARGO_TARGET_DIR="$TARGET_BASE/miri"
    # Miri isolates the environment; forward the case count so the setting below applies.
    export MIRIFLAGS="${MIRIFLAGS:--Zmiri-permissive-provenance -Zmiri-env-forward=PROPTEST_CASES}"
    cargo +nightly miri test -p gclab --features testing --lib
    PROPTEST_CASES="${MIRI_PROPTEST_CASES:-3}" \
        cargo +nightly miri test -p gclab --features testing --test prop_reachability \
        reachability_
    # The parallel collector's threaded tests (ignored above): crossbeam-deque's epoch-based
    # reclamation is not Stacked Borrows compatible (crossbeam checks it under Tree Borrows),
    # and its global collector's garbage outlives the test, so this run uses Tree Borrows and
    # no leak check. Measured on a loaded 2-core machine: about 200 s (2 cases per plan and
    # thread count; now 1), plus its build.
    MIRIFLAGS="-Zmiri-tree-borrows -Zmiri-permissive-provenance -Zmiri-ignore-leaks" \
        cargo +nightly miri test -p gclab --features testing --lib --test parallel \
        -- --ignored
}

step "property suites (${PROPTEST_CASES} cases/plan)" props
step "install cargo-fuzz (if missing)" ensure_cargo_fuzz
step "build fuzz targets" fuzz_build
for target in "${FUZZ_TARGETS[@]}"; do
    step "fuzz $target (corpus + ${FUZZ_SECONDS}s)" fuzz_target "$target"
done
step "install miri (if missing)" ensure_miri
step "miri: unit tests + reduced property suite" miri

echo
echo "check-invariants timings:"
for t in "${TIMES[@]}"; do
    echo "  $t"
done
