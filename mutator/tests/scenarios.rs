//! Every scenario: the verdict matches `leaks()` under the generational plan, the leak
//! scenarios' first retaining path names the root that holds the leak, and every scenario
//! runs under the other plans.

use gclab::{HeapConfig, HeapError, Plan};
use gclab_mutator::probe::{verdict, Probe, ProbeOptions, Verdict};
use gclab_mutator::scenario::{ScenarioError, ScenarioParams};
use gclab_mutator::scenarios;

/// What the first retaining path of each leak scenario must contain.
fn expected_path(name: &str) -> Option<&'static [&'static str]> {
    Some(match name {
        "closure-leak" => &[
            "[timer] interval timer #1",
            "Closure tick .env",
            "Env .bigData",
        ],
        "listener-leak" => &["[global] server", "Emitter .listeners"],
        "unbounded-cache" => &["[global] cache", "Map .buckets"],
        "accidental-global" => &["[global] requestLog (accidental)", "Array"],
        "promise-pending" => &["[promise] promise #", "Promise .reactions"],
        _ => return None,
    })
}

#[test]
fn names_are_unique_and_findable_in_order() {
    let names: Vec<&str> = scenarios::all().iter().map(|s| s.name()).collect();
    assert_eq!(
        names,
        [
            "healthy-churn",
            "closure-leak",
            "closure-fixed",
            "listener-leak",
            "listener-cleanup",
            "unbounded-cache",
            "lru-cache",
            "accidental-global",
            "promise-chain",
            "promise-pending",
            "stack-overflow",
            "binary-trees",
            "gcbench",
        ]
    );
    for n in &names {
        let s = scenarios::find(n).expect("findable");
        assert_eq!(s.name(), *n);
        assert!(!s.javascript().is_empty() && !s.description().is_empty());
        assert_eq!(s.leaks(), expected_path(n).is_some(), "{n}");
    }
    assert!(scenarios::find("nope").is_none());
}

fn run_generational(names: &[&str]) {
    let params = ScenarioParams {
        scale: 0.15,
        ..ScenarioParams::default()
    };
    for name in names {
        let s = scenarios::find(name).unwrap();
        let mut probe = Probe::new(ProbeOptions::default());
        s.run(
            HeapConfig::for_plan(Plan::Generational),
            &params,
            &mut probe,
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            probe.checkpoints.len() >= 9,
            "{name}: {} checkpoints",
            probe.checkpoints.len()
        );
        assert!(
            probe.checkpoints.windows(2).all(|w| w[0].done <= w[1].done),
            "{name}: checkpoints in order"
        );
        let findings = probe
            .findings
            .as_ref()
            .unwrap_or_else(|| panic!("{name}: findings"));
        let expected = if s.leaks() {
            Verdict::Leak
        } else {
            Verdict::Healthy
        };
        let lives: Vec<u64> = probe.checkpoints.iter().map(|c| c.live).collect();
        assert_eq!(
            verdict(&probe.checkpoints),
            expected,
            "{name}: live bytes {lives:?}"
        );
        if let Some(parts) = expected_path(name) {
            let first = findings
                .retaining_paths
                .first()
                .unwrap_or_else(|| panic!("{name}: no retaining path"));
            for p in parts {
                assert!(first.contains(p), "{name}: `{first}` lacks `{p}`");
            }
        }
    }
}

#[test]
fn verdicts_request_scenarios() {
    run_generational(&[
        "healthy-churn",
        "closure-leak",
        "closure-fixed",
        "listener-leak",
        "listener-cleanup",
    ]);
}

#[test]
fn verdicts_cache_global_promise_scenarios() {
    run_generational(&[
        "unbounded-cache",
        "lru-cache",
        "accidental-global",
        "promise-chain",
        "promise-pending",
    ]);
}

#[test]
fn verdicts_stack_and_benchmarks() {
    run_generational(&["stack-overflow", "binary-trees", "gcbench"]);
}

fn run_plan(plan: Plan) {
    let params = ScenarioParams {
        scale: 0.02,
        ..ScenarioParams::default()
    };
    for s in scenarios::all() {
        let config = HeapConfig {
            max_heap: 1 << 30,
            ..HeapConfig::for_plan(plan)
        };
        let mut probe = Probe::new(ProbeOptions::default());
        match s.run(config, &params, &mut probe) {
            Ok(()) => assert!(probe.findings.is_some(), "{plan} {}", s.name()),
            Err(ScenarioError::Heap(HeapError::OutOfMemory(_))) if plan == Plan::NoGc => {}
            Err(e) => panic!("{plan} {}: {e}", s.name()),
        }
    }
}

#[test]
fn every_scenario_runs_under_mark_sweep() {
    run_plan(Plan::MarkSweep);
}

#[test]
fn every_scenario_runs_under_semispace() {
    run_plan(Plan::SemiSpace);
}

#[test]
fn every_scenario_runs_under_no_gc() {
    run_plan(Plan::NoGc);
}

#[test]
fn out_of_memory_is_an_error_not_a_panic() {
    let params = ScenarioParams {
        scale: 0.05,
        ..ScenarioParams::default()
    };
    let s = scenarios::find("listener-leak").unwrap();
    let config = HeapConfig {
        max_heap: 1 << 20,
        nursery_size: 256 * 1024,
        min_major_threshold: 512 * 1024,
        ..HeapConfig::default()
    };
    let mut probe = Probe::new(ProbeOptions::default());
    match s.run(config, &params, &mut probe) {
        Err(ScenarioError::Heap(HeapError::OutOfMemory(_))) => {}
        other => panic!("expected OutOfMemory, got {other:?}"),
    }
}

#[test]
fn runs_are_deterministic_for_a_seed() {
    let params = ScenarioParams {
        scale: 0.02,
        seed: 42,
    };
    let s = scenarios::find("unbounded-cache").unwrap();
    let run = || {
        let mut probe = Probe::new(ProbeOptions::default());
        s.run(HeapConfig::default(), &params, &mut probe).unwrap();
        probe
            .checkpoints
            .iter()
            .map(|c| (c.allocated, c.live))
            .collect::<Vec<_>>()
    };
    assert_eq!(run(), run());
}
