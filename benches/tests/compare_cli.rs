//! End-to-end checks of the `compare` binary: child re-execution, JSON output and the budget.

use std::process::Command;

use gclab_benches::measure::Sample;
use gclab_benches::Workload;

fn compare(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_compare"))
        .args(args)
        .output()
        .expect("compare runs")
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = compare(args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

#[test]
fn child_mode_prints_one_checked_sample() {
    let out = compare(&["--child", "box", "gcbench-quick"]);
    assert!(out.status.success());
    let sample: Sample = serde_json::from_slice(&out.stdout).expect("one JSON sample");
    assert_eq!(
        sample.checksum,
        Workload::from_name("gcbench-quick")
            .unwrap()
            .expected_checksum()
    );
    assert!(sample.secs > 0.0);
    assert!(sample.peak_rss_kib > 0);
}

#[test]
fn a_lisp_row_runs_binary_trees_in_a_child() {
    let out = compare(&["--child", "lisp-raw", "binary-trees-8"]);
    assert!(out.status.success());
    let sample: Sample = serde_json::from_slice(&out.stdout).expect("one JSON sample");
    let w = Workload::from_name("binary-trees-8").unwrap();
    assert_eq!(sample.checksum, w.expected_checksum());
}

#[test]
fn quick_json_run_reports_medians_and_ratios() {
    let v = json(&[
        "--quick", "--only", "gcbench", "--impl", "box", "--impl", "bumpalo", "--json",
    ]);
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    for row in rows {
        assert_eq!(row["workload"], "gcbench-quick");
        assert_eq!(row["status"], "ok");
        assert_eq!(row["reps"], 1);
    }
    assert_eq!(rows[0]["ratios"]["box"]["time"], 1.0);
    assert_eq!(rows[1]["ratios"]["bumpalo"]["rss"], 1.0);
    // The no-reclamation bound holds every node: far more memory than Box.
    assert!(
        rows[1]["ratios"]["box"]["rss"].as_f64().unwrap() > 2.0,
        "{}",
        rows[1]
    );
}

#[test]
fn over_budget_cells_are_skipped_from_a_prediction() {
    // The first workload runs (nothing to predict from); the second is predicted from it and
    // cannot fit in a microsecond budget.
    let v = json(&[
        "--quick",
        "--impl",
        "box",
        "--budget-secs",
        "0.000001",
        "--json",
    ]);
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows[0]["status"], "ok");
    assert_eq!(rows[0]["reps"], 1);
    assert_eq!(rows[1]["status"], "skipped-budget");
    assert_eq!(rows[1]["reps"], 0);
}

#[test]
fn unknown_names_are_usage_errors() {
    assert_eq!(compare(&["--only", "nbody"]).status.code(), Some(2));
    assert_eq!(compare(&["--impl", "no-such-peer"]).status.code(), Some(2));
    assert_eq!(compare(&["--child", "box", "nbody"]).status.code(), Some(2));
}
