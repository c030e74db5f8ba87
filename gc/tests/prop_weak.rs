//! Weak references, ephemeron chains and cycles, finalization registrations and
//! unregistrations, and host objects, property-tested under every plan against the weak
//! reference model (`gclab::testing::weak`): after every collection, requested or triggered,
//! `verify()` passes, the heap cleared only unreachable targets (all of a target's slots at
//! once), a major collection cleared all of them, finalized every dead registration once and
//! dropped every dead host value, and holds exactly the predicted objects.
//!
//! `PROPTEST_CASES` sets the number of cases per plan (default 1,000, so 6,000 across the six
//! plans; 4 under Miri). Cost: about 3 s for the whole suite in the test profile, on a
//! loaded 2-core machine.

use gclab::testing::weak::{decode_weak, run_weak, weak_config, weak_ops};
use gclab::Plan;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

fn cases() -> u32 {
    let default = if cfg!(miri) { 4 } else { 1000 };
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn check_plan(plan: Plan) {
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        max_shrink_iters: if cfg!(miri) { 0 } else { 4096 },
        ..Config::default()
    });
    let len = if cfg!(miri) { 24 } else { 80 };
    let strategy = (0u8..4, weak_ops(len));
    let result = runner.run(&strategy, |(profile, program)| {
        run_weak(weak_config(plan, profile), &program)
            .map(|_| ())
            .map_err(TestCaseError::fail)
    });
    if let Err(e) = result {
        panic!("{plan:?}: {e}");
    }
}

#[test]
fn weak_generational() {
    check_plan(Plan::Generational);
}

#[test]
fn weak_mark_sweep() {
    check_plan(Plan::MarkSweep);
}

#[test]
fn weak_semispace() {
    check_plan(Plan::SemiSpace);
}

#[test]
fn weak_no_gc() {
    check_plan(Plan::NoGc);
}

#[test]
fn weak_immix() {
    check_plan(Plan::Immix);
}

#[test]
fn weak_gen_immix() {
    check_plan(Plan::GenImmix);
}

/// The programs exercise what they are meant to: across a batch, collections clear weak
/// slots, finalize and drop host values under every collecting plan.
#[test]
fn programs_reach_every_feature() {
    let mut runner = TestRunner::deterministic();
    for plan in Plan::ALL.into_iter().filter(|p| *p != Plan::NoGc) {
        let (mut cleared, mut finalized, mut dropped) = (0, 0, 0);
        for _ in 0..if cfg!(miri) { 2 } else { 64 } {
            let program = weak_ops(80).new_tree(&mut runner).unwrap().current();
            let r = run_weak(weak_config(plan, 0), &program).unwrap();
            cleared += r.cleared;
            finalized += r.finalized;
            dropped += r.dropped;
        }
        if !cfg!(miri) {
            assert!(cleared > 0 && finalized > 0 && dropped > 0, "{plan:?}");
        }
    }
}

/// The fuzz decoder's programs run too (every byte string is a valid program).
#[test]
fn decoded_programs_run() {
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    for _ in 0..if cfg!(miri) { 4 } else { 600 } {
        let bytes: Vec<u8> = (0..160)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed as u8
            })
            .collect();
        let (cfg, ops) = decode_weak(&bytes);
        if let Err(e) = run_weak(cfg, &ops) {
            panic!("{e}\n{ops:#?}");
        }
    }
}
