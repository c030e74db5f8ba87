//! Every `.js` program under `tests/js/` prints exactly what `node` prints (stdout and exit
//! code), under the default heap and under a tiny nursery that moves every object many times
//! (a rooting mistake in the interpreter shows up there as a wrong value or a stale handle).
//! Without `node` on the PATH the comparison is skipped with a note; CI has Node 20.

use std::path::{Path, PathBuf};
use std::process::Command;

fn programs() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/js");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/js exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "js"))
        .collect();
    v.sort();
    assert!(v.len() >= 5, "the JavaScript test programs are there");
    v
}

fn ours(p: &Path, extra: &[&str]) -> (String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_mutator"))
        .arg("run")
        .arg(p)
        .args(extra)
        .output()
        .expect("mutator runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

fn node(p: &Path) -> Option<(String, i32)> {
    let out = Command::new("node").arg(p).output().ok()?;
    Some((
        String::from_utf8_lossy(&out.stdout).into_owned(),
        out.status.code().unwrap_or(-1),
    ))
}

#[test]
fn stdout_matches_node() {
    let mut failures = Vec::new();
    let mut compared = 0;
    for p in programs() {
        let Some(expected) = node(&p) else {
            eprintln!(
                "node not found: skipping the comparison for {}",
                p.display()
            );
            continue;
        };
        for extra in [&[][..], &["--nursery", "64K"][..]] {
            let got = ours(&p, extra);
            if got != expected {
                failures.push(format!(
                    "{} {extra:?}:\n--- node (exit {}):\n{}--- mutator (exit {}):\n{}",
                    p.display(),
                    expected.1,
                    expected.0,
                    got.1,
                    got.0
                ));
            }
            compared += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {compared} runs differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Input that nests without bound is an error, never a Rust stack overflow: brackets past the
/// limit are refused before parsing (exit 2); the densest operator chain the source-size cap
/// allows (two million `!`) parses and evaluates within the interpreter's stack budget, or
/// ends in a `RangeError` (exit 1) if a build needs more stack per level.
#[test]
fn deep_nesting_is_a_clear_error() {
    let dir = std::env::temp_dir().join(format!("gclab-js-nesting-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let brackets = dir.join("brackets.js");
    std::fs::write(
        &brackets,
        format!("console.log({}1{})", "[".repeat(5000), "]".repeat(5000)),
    )
    .expect("write");
    let unary = dir.join("unary.js");
    std::fs::write(&unary, format!("console.log({}1)", "!".repeat(2_000_000))).expect("write");
    let run = |p: &Path| {
        let out = Command::new(env!("CARGO_BIN_EXE_mutator"))
            .arg("run")
            .arg(p)
            .output()
            .expect("mutator runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(&brackets);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("brackets.js:1:") && err.contains("nest deeper than"),
        "{err}"
    );
    let (code, err) = run(&unary);
    match code {
        Some(0) => {}
        Some(1) => assert!(
            err.contains("RangeError: Maximum call stack size exceeded"),
            "{err}"
        ),
        other => panic!("exit {other:?}: {err}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The weak-reference scenarios under `node --expose-gc` and `mutator run --expose-gc`: the
/// same stdout, and the same number of FinalizationRegistry cleanups (stderr's
/// `cleanups ran` line), which the final `gc()` makes exact. Cleanups run as tasks after a
/// collection in both.
#[test]
fn weak_scenarios_match_node_with_expose_gc() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let cleanups = |stderr: &[u8]| {
        String::from_utf8_lossy(stderr)
            .lines()
            .find(|l| l.starts_with("cleanups ran"))
            .map(String::from)
    };
    for name in [
        "weakmap-cache.js",
        "weakmap-cycle.js",
        "weakref-cache.js",
        "finalizer-cleanup.js",
    ] {
        let p = dir.join(name);
        let Ok(node) = Command::new("node").arg("--expose-gc").arg(&p).output() else {
            eprintln!("node not found: {name} not compared");
            continue;
        };
        for extra in [&[][..], &["--nursery", "64K"][..]] {
            let ours = Command::new(env!("CARGO_BIN_EXE_mutator"))
                .arg("run")
                .arg("--expose-gc")
                .arg(&p)
                .args(extra)
                .output()
                .expect("mutator runs");
            assert_eq!(
                String::from_utf8_lossy(&ours.stdout),
                String::from_utf8_lossy(&node.stdout),
                "{name} {extra:?}: stdout"
            );
            assert_eq!(
                cleanups(&ours.stderr),
                cleanups(&node.stderr),
                "{name} {extra:?}"
            );
        }
    }
    let fin = Command::new("node")
        .arg("--expose-gc")
        .arg(dir.join("finalizer-cleanup.js"))
        .output();
    if let Ok(out) = fin {
        assert_eq!(
            cleanups(&out.stderr).as_deref(),
            Some("cleanups ran 1000 still open 0")
        );
    }
}
