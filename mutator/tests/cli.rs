//! The `mutator` command line: listing, running, output files and error handling.

use std::process::Command;

fn mutator(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mutator"))
        .args(args)
        .output()
        .expect("run mutator")
}

fn tmp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("gclab-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn list_names_every_scenario() {
    let out = mutator(&["list"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for name in [
        "healthy-churn",
        "closure-leak",
        "closure-fixed",
        "listener-leak",
        "unbounded-cache",
        "lru-cache",
        "accidental-global",
        "promise-chain",
        "stack-overflow",
        "binary-trees",
        "gcbench",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(name)),
            "{name} missing from:\n{text}"
        );
    }
}

#[test]
fn bad_arguments_exit_non_zero_with_a_message() {
    for args in [
        &["run", "no-such-scenario"][..],
        &["run", "closure-leak", "--plan", "reference-counting"],
        &["run", "closure-leak", "--scale", "0"],
        &["run", "closure-leak", "--nursery", "lots"],
        &["run", "closure-leak", "--max-heap", "1K"],
        &["frobnicate"],
    ] {
        let out = mutator(args);
        assert!(!out.status.success(), "{args:?} succeeded");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.trim().is_empty(), "{args:?} printed no message");
    }
}

#[test]
fn json_report_and_output_files() {
    let (svg, log, snap) = (tmp("leak.svg"), tmp("leak.jsonl"), tmp("leak.heapsnapshot"));
    let out = mutator(&[
        "run",
        "closure-leak",
        "--scale",
        "0.1",
        "--nursery",
        "1M",
        "--json",
        "--svg",
        svg.to_str().unwrap(),
        "--gc-log",
        log.to_str().unwrap(),
        "--snapshot",
        snap.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = String::from_utf8(out.stdout).unwrap();
    let v: serde_json::Value = serde_json::from_str(line.trim()).expect("one JSON object");
    assert_eq!(v["scenario"], "closure-leak");
    assert_eq!(v["plan"], "gen-immix", "the default plan");
    assert_eq!(v["verdict"], "leak");
    for key in ["p50", "p99", "max", "total"] {
        assert!(v["pause_ms"][key].is_number(), "pause_ms.{key}");
    }
    assert!(v["reclaim_rate"].is_number());
    assert!(v["gc"]["minor"].is_number());
    assert!(v["gc"]["checkpoint"].as_u64().unwrap() >= 10);
    assert!(v["gc"]["major"].is_number());
    assert!(v["allocated_bytes"].as_u64().unwrap() > 0);
    assert_eq!(
        v["heap_after_gc"].as_array().unwrap().len() as u64,
        v["gc"]["minor"].as_u64().unwrap() + v["gc"]["major"].as_u64().unwrap()
    );
    let paths = v["retaining_paths"].as_array().unwrap();
    assert!(
        paths[0]
            .as_str()
            .unwrap()
            .contains("[timer] setInterval at closure-leak.js"),
        "{paths:?}"
    );
    let svg_text = std::fs::read_to_string(&svg).unwrap();
    assert!(svg_text.contains("<svg"));
    let log_text = std::fs::read_to_string(&log).unwrap();
    let records = gclab_mutator::report::gclog::read_gc_log(log_text.as_bytes()).unwrap();
    assert_eq!(
        records.len() as u64,
        v["gc"]["minor"].as_u64().unwrap()
            + v["gc"]["major"].as_u64().unwrap()
            + v["gc"]["checkpoint"].as_u64().unwrap()
    );
    assert!(records
        .iter()
        .all(|r| r.scenario.as_deref() == Some("closure-leak")));
    let snapshot: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&snap).unwrap()).unwrap();
    assert!(snapshot["snapshot"]["node_count"].as_u64().unwrap() > 3);
}

#[test]
fn out_of_memory_is_reported_not_a_crash() {
    let out = mutator(&[
        "run",
        "unbounded-cache",
        "--scale",
        "0.5",
        "--max-heap",
        "2M",
    ]);
    assert_eq!(out.status.code(), Some(1), "a failed scenario exits 1");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("heap out of memory"), "{text}");
    assert!(text.contains("limit 2097152 B"), "{text}");
}

#[test]
fn trace_gc_prints_one_line_per_collection() {
    let out = mutator(&[
        "run",
        "healthy-churn",
        "--scale",
        "0.05",
        "--nursery",
        "256K",
        "--trace-gc",
    ]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.lines()
            .any(|l| l.contains("Scavenge") && l.contains("reason: allocation failure")),
        "{err}"
    );
}

#[test]
fn the_arguments_object_is_a_located_error_not_a_reference_error() {
    let p = tmp("arguments.js");
    // A closure-free function (frame slots) and one with an environment: both say so.
    for src in [
        "function f(a) {\n  return arguments[0];\n}\nf(1);\n",
        "function f(a) {\n  const g = () => a;\n  return arguments[0];\n}\nf(1);\n",
    ] {
        std::fs::write(&p, src).unwrap();
        let out = mutator(&["run", p.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{src}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("arguments.js:")
                && err.contains("the `arguments` object")
                && err.contains("is not supported by the gclab interpreter"),
            "{err}"
        );
    }
}

#[test]
fn a_global_outside_the_subset_is_a_located_error() {
    let p = tmp("outside.js");
    std::fs::write(&p, "let q = 1;\nlet d = new Date();\n").unwrap();
    let out = mutator(&["run", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("outside.js:2:9: `Date` is not supported by the gclab interpreter"),
        "{err}"
    );
    std::fs::write(
        &p,
        "console.log(typeof Date.now(), JSON.stringify({ a: [1] }));\n",
    )
    .unwrap();
    let out = mutator(&["run", p.to_str().unwrap()]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "number {\"a\":[1]}\n");
}
