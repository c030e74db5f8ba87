//! Async functions beyond what `js_node.rs` compares: a suspended async function is heap
//! data the collector sees (collected when nothing can resume it, its locals retained while
//! the promise it awaits is held), and an `await` the cursor cannot resume is a located error.

use std::path::{Path, PathBuf};
use std::process::Command;

fn program(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/js_async")
        .join(name)
}

fn mutator(args: &[&str], file: &Path) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_mutator"))
        .arg("run")
        .arg(file)
        .args(args)
        .output()
        .expect("mutator runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn a_suspended_async_function_is_collected_unless_its_promise_is_held() {
    let file = program("suspended-gc.js");
    let expected = "unheld await, locals collected: true\nheld await, locals retained: true\n";
    for plan in [
        "gen-immix",
        "generational",
        "immix",
        "mark-sweep",
        "semispace",
    ] {
        for extra in [&[][..], &["--nursery", "64K"][..]] {
            let mut args = vec!["--expose-gc", "--plan", plan];
            args.extend_from_slice(extra);
            let (out, err, code) = mutator(&args, &file);
            assert_eq!(code, 0, "{plan} {extra:?}: {err}");
            assert_eq!(out, expected, "{plan} {extra:?}");
        }
    }
    // Node agrees (V8 collects a suspended async function the same way).
    if let Ok(out) = Command::new("node").arg("--expose-gc").arg(&file).output() {
        assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
    }
}

#[test]
fn an_await_inside_an_expression_is_a_located_error() {
    let (out, err, code) = mutator(&[], &program("await-in-call.js"));
    assert_eq!(code, 2, "{err}");
    assert_eq!(out, "before 1\n", "the statements before it ran");
    assert!(
        err.contains("await-in-call.js:4:35: `await` inside an expression"),
        "{err}"
    );
}

#[test]
fn suspended_async_functions_held_forever_are_a_leak_in_javascript_words() {
    let (_, err, code) = mutator(&[], &program("async-leak.js"));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("verdict: leak"), "{err}");
    assert!(
        err.contains("growing type: (suspended async function)"),
        "{err}"
    );
    assert!(
        err.contains("held by: [timer] setInterval at async-leak.js:10"),
        "{err}"
    );
}

#[test]
fn suspended_state_survives_collections_under_every_plan() {
    // The generational plans move it in their nurseries (js_node.rs runs `--nursery 64K`);
    // a 1 MB heap makes the others collect while functions are suspended.
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/js/async-stress.js");
    let expected = "sum 1259700 208 3000,e0,f00,3001\ntotal 124750\n";
    for plan in ["mark-sweep", "semispace", "immix"] {
        let (out, err, code) = mutator(&["--plan", plan, "--max-heap", "1M"], &file);
        assert_eq!(code, 0, "{plan}: {err}");
        assert_eq!(out, expected, "{plan}");
        assert!(!err.contains(" 0 major"), "{plan} collected: {err}");
    }
}
