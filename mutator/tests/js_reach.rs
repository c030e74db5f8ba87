//! Reachability through the iterator protocol and symbol keys: an iterator keeps the
//! collection it iterates alive (until it is done), a symbol-keyed property keeps its value
//! alive, and the leak probe's "held by" path names them in the program's words. Each
//! program also prints what `node` prints.
//! Cost: two runs of about a second each (debug build).

use std::path::Path;
use std::process::Command;

/// Runs `tests/js_reach/<file>`: stdout, verdict, the first retaining path and the first
/// example path of the objects that grew.
fn run(file: &str) -> (String, String, String, String) {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/js_reach")
        .join(file);
    let out = Command::new(env!("CARGO_BIN_EXE_mutator"))
        .arg("run")
        .arg(&p)
        .arg("--json")
        .output()
        .expect("mutator runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{file}: {stderr}");
    let json = stderr.lines().last().expect("the report");
    let v: serde_json::Value = serde_json::from_str(json).expect("the report is JSON");
    let first = v["retaining_paths"][0].as_str().unwrap_or("").to_string();
    let verdict = v["verdict"].as_str().unwrap_or("-").to_string();
    let example = v["three_snapshot"][0].as_str().unwrap_or("").to_string();
    if let Ok(node) = Command::new("node").arg(&p).output() {
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&node.stdout),
            "{file}: stdout differs from node"
        );
    }
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    (stdout, verdict, first, example)
}

#[test]
fn parked_iterators_keep_their_maps_and_the_path_says_so() {
    let (stdout, verdict, path, example) = run("iter-leak.js");
    assert_eq!(stdout, "parked 300\n");
    assert_eq!(verdict, "leak", "{path}");
    assert!(
        path.contains("setImmediate at iter-leak.js:11") && path.contains(".parked → Array"),
        "{path}"
    );
    assert!(
        example.contains(".parked → Array") && example.contains("→ Iterator .iterated → Map"),
        "{example}"
    );
}

#[test]
fn a_symbol_keyed_registry_is_traced_and_named() {
    let (stdout, verdict, path, _) = run("sym-leak.js");
    assert_eq!(stdout, "entries 300\n");
    assert_eq!(verdict, "leak", "{path}");
    assert!(
        path.contains("context (module) .host → Object .properties → (object properties)"),
        "{path}"
    );
}
