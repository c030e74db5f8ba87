//! The suite: every `scenarios/*.js` and the native workloads get the verdict their header
//! (or design) states under the default plan, a leak's first retaining path names the
//! JavaScript root that holds it, and every workload runs under the other five plans.
//! Cost: the suite once per plan in a debug build (about a minute in all).

use gclab::{HeapConfig, Plan};
use gclab_mutator::probe::Verdict;
use gclab_mutator::runner::{run_workload, table_row, RunOptions, RunReport};
use gclab_mutator::scenario::ScenarioParams;
use gclab_mutator::suite::{self, Workload};

/// What the first retaining path of each leak scenario must contain.
fn expected_path(name: &str) -> Option<&'static [&'static str]> {
    Some(match name {
        "closure-leak" => &[
            "[timer] setInterval at closure-leak.js:9",
            "closure (closure-leak.js:9)",
            "context .bigData → Array",
        ],
        "listener-leak" => &["[timer] setInterval at listener-leak.js:15", ".server →"],
        "unbounded-cache" => &[
            "[pending callback] setImmediate at unbounded-cache.js:16",
            "context (module) .cache → Map",
        ],
        "accidental-global" => {
            &["[global] requestLog (accidental, accidental-global.js:6) → Array"]
        }
        "promise-pending" => &[
            "[timer] setInterval at promise-pending.js:7",
            ".dbReady → Promise .reactions",
        ],
        _ => return None,
    })
}

fn run(w: &Workload, config: HeapConfig) -> RunReport {
    let opts = RunOptions {
        config,
        params: ScenarioParams {
            scale: 0.1,
            ..ScenarioParams::default()
        },
        snapshot: None,
    };
    run_workload(w, &opts, |_| {})
}

#[test]
fn the_suite_holds_every_scenario_file() {
    let names: Vec<&str> = suite::all().iter().map(Workload::name).collect();
    for n in [
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
        "binary-trees-rs",
        "gcbench-rs",
    ] {
        assert!(names.contains(&n), "{n} missing from {names:?}");
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let files = std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "js")
        })
        .count();
    assert_eq!(suite::js().len(), files, "every .js file is in the suite");
    for w in suite::all() {
        assert!(!w.description().is_empty(), "{}", w.name());
        let leaks = w.expected() == Some(Verdict::Leak);
        assert_eq!(leaks, expected_path(w.name()).is_some(), "{}", w.name());
    }
    assert!(suite::find("nope").is_none());
}

#[test]
fn verdicts_and_paths_under_the_default_plan() {
    for w in suite::all() {
        let r = run(&w, HeapConfig::default());
        assert!(r.error.is_none(), "{}", table_row(&r));
        assert!(r.expected.is_some(), "{} states its verdict", w.name());
        assert!(r.verdict_ok(), "{}", table_row(&r));
        // closure.js stops at 5 s of virtual time: five ticks, a checkpoint after each.
        assert!(r.live_at_checkpoints.len() >= 5, "{}", table_row(&r));
        if let Some(parts) = expected_path(w.name()) {
            let first = r.retaining_paths.first().map_or("", String::as_str);
            for p in parts {
                assert!(first.contains(p), "{}: `{first}` lacks `{p}`", w.name());
            }
        }
    }
}

fn run_plan(plan: Plan) {
    for w in suite::all() {
        let config = HeapConfig {
            max_heap: 1 << 30,
            ..HeapConfig::for_plan(plan)
        };
        let r = run(&w, config);
        match &r.error {
            // Without a collector everything stays: only the other plans' verdicts count.
            None if plan == Plan::NoGc => {}
            None => assert!(r.verdict_ok(), "{plan}: {}", table_row(&r)),
            Some(e) if plan == Plan::NoGc && e.contains("out of memory") => {}
            Some(_) => panic!("{plan}: {}", table_row(&r)),
        }
    }
}

#[test]
fn every_workload_runs_under_generational() {
    run_plan(Plan::Generational);
}

#[test]
fn every_workload_runs_under_mark_sweep() {
    run_plan(Plan::MarkSweep);
}

#[test]
fn every_workload_runs_under_semispace() {
    run_plan(Plan::SemiSpace);
}

#[test]
fn every_workload_runs_under_immix() {
    run_plan(Plan::Immix);
}

#[test]
fn every_workload_runs_under_no_gc() {
    run_plan(Plan::NoGc);
}

#[test]
fn out_of_memory_is_an_error_not_a_panic() {
    let w = suite::find("listener-leak").unwrap();
    let config = HeapConfig {
        max_heap: 1 << 20,
        nursery_size: 256 * 1024,
        min_major_threshold: 512 * 1024,
        ..HeapConfig::default()
    };
    let r = run(&w, config);
    let e = r.error.as_deref().unwrap_or("");
    assert!(e.contains("heap out of memory"), "{}", table_row(&r));
}

#[test]
fn runs_are_deterministic() {
    let w = suite::find("unbounded-cache").unwrap();
    let a = run(&w, HeapConfig::default());
    let b = run(&w, HeapConfig::default());
    assert_eq!(a.live_at_checkpoints, b.live_at_checkpoints);
    assert_eq!(a.allocated_bytes, b.allocated_bytes);
}
