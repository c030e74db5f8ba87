//! The reachability property with incremental marking on: random programs under the
//! generational plans with a 10 µs pause goal, so that marking cycles start early and run in
//! small slices between the program's operations (stores into grey and black objects,
//! allocation, root releases and scavenges all land mid-cycle); `verify` after every pause
//! checks the heap, and debug builds check at every cycle's end that nothing reachable was
//! left unmarked. A second pair runs the same with stress mode on (a step at every
//! allocation).
//!
//! `PROPTEST_CASES` sets the number of cases per plan (default 64, a quarter of that in stress
//! mode, which verifies at every allocation; 8 under Miri).

use gclab::testing::strategy::{ops, profiles, Sizes};
use gclab::testing::Harness;
use gclab::{HeapConfig, Plan};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::time::Duration;

fn cases(stress: bool) -> u32 {
    let default = match (cfg!(miri), stress) {
        (true, _) => 8,
        (false, false) => 64,
        (false, true) => 16,
    };
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn incremental(plan: Plan, stress: bool) -> Vec<HeapConfig> {
    profiles(plan)
        .into_iter()
        .map(|c| HeapConfig {
            pause_goal: Some(Duration::from_micros(10)),
            gc_interval: if stress { Some(1) } else { c.gc_interval },
            ..c
        })
        .collect()
}

fn check(plan: Plan, stress: bool) {
    let mut runner = TestRunner::new(Config {
        cases: cases(stress),
        failure_persistence: None,
        max_shrink_iters: if cfg!(miri) { 0 } else { 4096 },
        ..Config::default()
    });
    let strategy = (
        prop::sample::select(incremental(plan, stress)),
        ops(Sizes::default()),
    );
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
fn incremental_generational() {
    check(Plan::Generational, false);
}

#[test]
fn incremental_gen_immix() {
    check(Plan::GenImmix, false);
}

#[test]
fn incremental_generational_stress() {
    check(Plan::Generational, true);
}

#[test]
fn incremental_gen_immix_stress() {
    check(Plan::GenImmix, true);
}
