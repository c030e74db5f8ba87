//! The leak programs of `scenarios/` (the seeds' leaks, written as for Node) get the verdict
//! their memory behaviour deserves, and a leak's "held by" path names the JavaScript root
//! that keeps it, with its source location. Each program also prints what `node` prints.
//! Cost: about ten runs of a second or less each (debug build).

use std::path::Path;
use std::process::Command;

struct Run {
    stdout: String,
    verdict: String,
    paths: Vec<String>,
    checkpoints: usize,
}

fn run(file: &str, extra: &[&str]) -> Run {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(file);
    let out = Command::new(env!("CARGO_BIN_EXE_mutator"))
        .arg("run")
        .arg(&p)
        .arg("--json")
        .args(extra)
        .output()
        .expect("mutator runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{file}: {stderr}");
    let json = stderr.lines().last().expect("the report");
    let v: serde_json::Value = serde_json::from_str(json).expect("the report is JSON");
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        verdict: v["verdict"].as_str().unwrap_or("-").to_string(),
        paths: v["retaining_paths"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default(),
        checkpoints: v["checkpoints"].as_array().map_or(0, |a| a.len()),
    }
}

fn node_stdout(file: &str) -> Option<String> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(file);
    let out = Command::new("node").arg(p).output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn check(file: &str, verdict: &str, held_by: &[&str]) {
    let r = run(file, &[]);
    assert_eq!(r.verdict, verdict, "{file}: paths {:#?}", r.paths);
    assert!(r.checkpoints >= 10, "{file}: {} checkpoints", r.checkpoints);
    if !held_by.is_empty() {
        let first = r.paths.first().map_or("", String::as_str);
        for part in held_by {
            assert!(first.contains(part), "{file}: {part:?} not in {first:?}");
        }
    }
    match node_stdout(file) {
        Some(expected) => assert_eq!(r.stdout, expected, "{file}: stdout differs from node"),
        None => eprintln!("node not found: {file} not compared"),
    }
}

#[test]
fn closure_leak_is_held_by_its_interval() {
    check(
        "closure-leak.js",
        "leak",
        &[
            "[timer] setInterval at closure-leak.js:9 →",
            "closure (closure-leak.js:9)",
            "context .bigData → Array",
        ],
    );
    check("closure-fixed.js", "healthy", &[]);
}

#[test]
fn listener_leak_grows_and_cleanup_does_not() {
    check(
        "listener-leak.js",
        "leak",
        &["[timer] setInterval at listener-leak.js:15", ".server →"],
    );
    check("listener-cleanup.js", "healthy", &[]);
}

#[test]
fn unbounded_cache_leaks_across_immediates() {
    check(
        "unbounded-cache.js",
        "leak",
        &[
            "[pending callback] setImmediate at unbounded-cache.js:16",
            "context (module) .cache → Map",
        ],
    );
    check("lru-cache.js", "healthy", &[]);
}

#[test]
fn accidental_global_names_where_it_was_created() {
    check(
        "accidental-global.js",
        "leak",
        &["[global] requestLog (accidental, accidental-global.js:6) → Array"],
    );
    check("accidental-global-fixed.js", "healthy", &[]);
}

#[test]
fn pending_promise_holds_its_reactions() {
    check(
        "promise-pending.js",
        "leak",
        &[
            "[timer] setInterval at promise-pending.js:7",
            ".dbReady → Promise .reactions",
        ],
    );
    check("promise-chain.js", "healthy", &[]);
}

/// The seed's own closure example allocates `bigData` once: the heap does not grow, so the
/// verdict is healthy, but the report shows what the interval retains.
#[test]
fn seed_closure_is_healthy_but_shows_its_retainer() {
    let r = run("closure.js", &["--until", "6000"]);
    assert_eq!(r.verdict, "healthy", "{:#?}", r.paths);
    assert_eq!(r.stdout, "*\n".repeat(6));
    let first = r.paths.first().map_or("", String::as_str);
    assert!(
        first.starts_with("[timer] setInterval at closure.js:8 → (job) .callback → closure (closure.js:8) .context → context .bigData → Array"),
        "{first}"
    );
    assert!(first.contains("retains 8000"), "{first}");
}

/// The weak cures of the unbounded cache: a WeakMap keyed by the request (also when the
/// value references its key, an ephemeron cycle), a cache of WeakRefs, and a
/// FinalizationRegistry that closes what dies. All stay bounded.
#[test]
fn weak_references_keep_caches_healthy() {
    check("weakmap-cache.js", "healthy", &[]);
    check("weakmap-cycle.js", "healthy", &[]);
    check("weakref-cache.js", "healthy", &[]);
    check("finalizer-cleanup.js", "healthy", &[]);
    // The leaking twin, for contrast: the same traffic in a plain Map.
    check("unbounded-cache.js", "leak", &[]);
}
