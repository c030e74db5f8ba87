//! The reachability invariant, property-tested under every plan: random programs run against
//! the heap and the reference model in lockstep, with the checker after every collection
//! (see `gclab::testing::harness` for what is asserted).
//!
//! `PROPTEST_CASES` sets the number of cases per plan (default 256; 8 under Miri).

use gclab::testing::strategy::{config, ops, Sizes};
use gclab::testing::{decode, decode_raw, Harness, Ops};
use gclab::Plan;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

fn cases() -> u32 {
    let default = if cfg!(miri) { 8 } else { 256 };
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: cases(),
        // Miri cannot write the regression file; shrinking prints the script anyway.
        failure_persistence: None,
        max_shrink_iters: if cfg!(miri) { 0 } else { 4096 },
        ..Config::default()
    })
}

fn check_plan(plan: Plan) {
    let mut runner = runner();
    let strategy = (config(plan), ops(Sizes::default()));
    let result = runner.run(&strategy, |(cfg, program)| {
        let mut h = Harness::new(cfg).map_err(|e| TestCaseError::fail(e.to_string()))?;
        h.run(&program)
            .map(|_| ())
            .map_err(|f| TestCaseError::fail(f.to_string()))
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn reachability_generational() {
    check_plan(Plan::Generational);
}

#[test]
fn reachability_mark_sweep() {
    check_plan(Plan::MarkSweep);
}

#[test]
fn reachability_semispace() {
    check_plan(Plan::SemiSpace);
}

#[test]
fn reachability_immix() {
    check_plan(Plan::Immix);
}

#[test]
fn reachability_gen_immix() {
    check_plan(Plan::GenImmix);
}

#[test]
fn reachability_no_gc() {
    check_plan(Plan::NoGc);
}

/// The fuzzers' decoder turns any bytes into a valid program that runs to completion.
#[test]
fn any_bytes_decode_to_a_passing_program() {
    let mut runner = runner();
    let n = if cfg!(miri) { 16 } else { 512 };
    // The first byte picks the plan and the heap profile.
    let result = runner.run(&prop::collection::vec(any::<u8>(), 0..n), |bytes| {
        let (cfg, program): (_, Ops) = decode(&bytes);
        let mut h = Harness::new(cfg).map_err(|e| TestCaseError::fail(e.to_string()))?;
        h.run(&program)
            .map(|_| ())
            .map_err(|f| TestCaseError::fail(f.to_string()))
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// The same for the raw-path decoder: programs that keep their objects only as raw words in
/// an external root source.
#[test]
fn any_bytes_decode_to_a_passing_raw_program() {
    let mut runner = runner();
    let n = if cfg!(miri) { 16 } else { 512 };
    let result = runner.run(&prop::collection::vec(any::<u8>(), 0..n), |bytes| {
        let (cfg, program) = decode_raw(&bytes);
        let mut h = Harness::new(cfg).map_err(|e| TestCaseError::fail(e.to_string()))?;
        h.run(&program)
            .map(|_| ())
            .map_err(|f| TestCaseError::fail(f.to_string()))
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
