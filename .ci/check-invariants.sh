#!/usr/bin/env bash
# Reachability-invariant checks: property suites under every plan, a smoke run of each fuzz
# target, and the Miri subset. Prints the time of each step.
#
# Environment:
#   PROPTEST_CASES     cases per plan for the property suites (default 1000)
#   FUZZ_SECONDS       seconds per fuzz target (default 60)
#   CARGO_TARGET_DIR   honoured; each step uses its own subdirectory of it
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
export PROPTEST_CASES="${PROPTEST_CASES:-1000}"
FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
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
        --test prop_reachability -- --test-threads=2
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

fuzz_target() {
    local target=$1
    local corpus="$TARGET_BASE/fuzz-corpus/$target"
    mkdir -p "$corpus"
    (cd fuzz && CARGO_TARGET_DIR="$TARGET_BASE/fuzz" cargo +nightly fuzz run "$target" \
        "$corpus" "seeds/$target" -- \
        -max_total_time="$FUZZ_SECONDS" -timeout=30 -rss_limit_mb=4096 -print_final_stats=1 \
        2>&1 | tee "$TARGET_BASE/fuzz-$target.log" | grep -E '^(#[0-9]+ +(INITED|DONE)|stat::number_of_executed_units|==|SUMMARY|Done)' || true)
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
    # Unit tests plus the reduced property suite (cfg(miri) shrinks cases and sizes).
    # Stacked Borrows (Miri's default, the stricter model). Permissive provenance: `verify`
    # walks spaces from addresses on purpose.
    # The property suite runs one plan under Miri (the interpreter is ~1000x slower); the
    # native run above covers every plan.
    export CARGO_TARGET_DIR="$TARGET_BASE/miri"
    # Miri isolates the environment; forward the case count so the setting below applies.
    export MIRIFLAGS="${MIRIFLAGS:--Zmiri-permissive-provenance -Zmiri-env-forward=PROPTEST_CASES}"
    cargo +nightly miri test -p gclab --features testing --lib
    PROPTEST_CASES="${MIRI_PROPTEST_CASES:-3}" \
        cargo +nightly miri test -p gclab --features testing --test prop_reachability \
        reachability_generational
}

step "property suites (${PROPTEST_CASES} cases/plan)" props
step "install cargo-fuzz (if missing)" ensure_cargo_fuzz
step "build fuzz targets" bash -c "cd fuzz && CARGO_TARGET_DIR='$TARGET_BASE/fuzz' cargo +nightly fuzz build"
for target in heap_ops heap_limit; do
    step "fuzz $target (${FUZZ_SECONDS}s)" fuzz_target "$target"
done
step "install miri (if missing)" ensure_miri
step "miri: unit tests + reduced property suite" miri

echo
echo "check-invariants timings:"
for t in "${TIMES[@]}"; do
    echo "  $t"
done
