//! The growth figures of a run report for a `.js` scenario: the types that kept growing, the
//! three-snapshot survivors with their retaining paths (in JavaScript words), and the
//! unhandled rejections, and the accounting of the checkpoints' collections.

use gclab_mutator::runner::{json_line, run_workload, table_row, RunOptions, RunReport};
use gclab_mutator::suite;

fn run(name: &str) -> RunReport {
    let w = suite::find(name).expect("scenario exists");
    let r = run_workload(&w, &RunOptions::default(), |_| {});
    assert!(r.error.is_none(), "{name}: {:?}", r.error);
    r
}

#[test]
fn a_listener_leak_names_the_growing_type_and_the_survivors_root() {
    let r = run("listener-leak");
    assert!(r.verdict_ok(), "{}", table_row(&r));

    let closures = r
        .growing_types
        .iter()
        .find(|t| t.type_name.starts_with("closure (listener-leak.js:10)"))
        .unwrap_or_else(|| panic!("the listener closure not growing: {:?}", r.growing_types));
    assert_eq!(closures.counts.len(), 4, "one count per census");
    assert!(closures.counts.windows(2).all(|w| w[0] < w[1]));
    assert!(closures.bytes.windows(2).all(|w| w[0] < w[1]));

    assert!(!r.three_snapshot.is_empty());
    assert!(r.three_snapshot.len() <= 3);
    for g in &r.three_snapshot {
        assert!(
            g.contains("[timer] setInterval at listener-leak.js:15") && g.contains(".server"),
            "every group is held by the server: {g}"
        );
    }

    let row = table_row(&r);
    assert!(row.contains("\n    growing: "), "{row}");
    assert!(row.contains("\n    new and still alive: "), "{row}");

    let json: serde_json::Value = serde_json::from_str(&json_line(&r)).unwrap();
    assert!(!json["growing_types"].as_array().unwrap().is_empty());
    assert!(!json["three_snapshot"].as_array().unwrap().is_empty());
    assert_eq!(json["unhandled_rejections"], 0);
}

#[test]
fn the_cleanup_twin_has_nothing_growing() {
    let r = run("listener-cleanup");
    assert!(r.verdict_ok(), "{}", table_row(&r));
    assert!(r.growing_types.is_empty(), "{:?}", r.growing_types);
    let row = table_row(&r);
    assert!(!row.contains("growing:"), "{row}");
    assert!(!row.contains("new and still alive:"), "{row}");
}

/// The table's counts and its `mmu:` line read the same collections: the program's own. The
/// checkpoints' forced collections are counted apart and left out of both.
#[test]
fn counts_and_mmu_leave_the_checkpoints_out_alike() {
    // At the default nursery closure-leak.js causes no collection of its own.
    let r = run("closure-leak");
    assert_eq!(r.gc.minor + r.gc.major, 0, "{}", table_row(&r));
    assert!(r.gc.checkpoint >= 16, "{}", table_row(&r));
    assert_eq!(r.mmu, [1.0; 3], "no pause of its own: {}", table_row(&r));
    assert!(table_row(&r).contains(&format!(
        "{} checkpoint collections left out",
        r.gc.checkpoint
    )));
    // With a small nursery the request churn collects: those pauses, and only those, lower
    // the MMU.
    let w = suite::find("healthy-churn").unwrap();
    let opts = RunOptions {
        config: gclab::HeapConfig {
            nursery_size: 256 << 10,
            ..gclab::HeapConfig::default()
        },
        ..RunOptions::default()
    };
    let small = run_workload(&w, &opts, |_| {});
    assert!(small.gc.minor > 0, "{}", table_row(&small));
    let own: f64 = small
        .events
        .iter()
        .filter(|e| !gclab_mutator::probe::is_checkpoint(e))
        .map(|e| e.pause.as_secs_f64())
        .sum();
    assert!((own * 1e3 - small.pause_ms.total).abs() < 1e-6);
    assert!(small.mmu[0] < 1.0, "{}", table_row(&small));
}
