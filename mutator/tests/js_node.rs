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
