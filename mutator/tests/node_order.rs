//! Conformance of the event-loop and promise model with Node 20, through the JavaScript front
//! end: each `tests/node_order/NAME.js` runs under `mutator run` and must print exactly
//! `NAME.expected`, what Node 20 printed. `node NAME.js` is run too and compared with the same
//! file, so drift on either side is caught. Without `node` on `PATH` the node half is skipped
//! with a note (CI has Node 20). Cost: twelve short runs.

use std::path::{Path, PathBuf};
use std::process::Command;

fn programs() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/node_order");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/node_order exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "js"))
        .collect();
    v.sort();
    assert!(v.len() >= 11, "the order programs are there");
    v
}

fn stdout_of(cmd: &mut Command) -> Option<String> {
    let out = cmd.output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn mutator_and_node_print_the_expected_order() {
    let mut failures = Vec::new();
    for p in programs() {
        let expected = std::fs::read_to_string(p.with_extension("expected")).expect("expected");
        let ours = stdout_of(
            Command::new(env!("CARGO_BIN_EXE_mutator"))
                .arg("run")
                .arg(&p),
        )
        .expect("mutator runs");
        if ours != expected {
            failures.push(format!(
                "{} under mutator:\n--- expected:\n{expected}--- got:\n{ours}",
                p.display()
            ));
        }
        match stdout_of(Command::new("node").arg(&p)) {
            Some(theirs) if theirs != expected => failures.push(format!(
                "{} under node:\n--- expected:\n{expected}--- got:\n{theirs}",
                p.display()
            )),
            Some(_) => {}
            None => eprintln!("node not found: {} not run under node", p.display()),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
