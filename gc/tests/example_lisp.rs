//! The `lisp` example (gc/examples/lisp): every script under `scripts/` prints what its `.out`
//! file says, on each of the three machines (safe stack operations, raw path over a root
//! stack, raw path over the hand-made shim), and the collecting scripts also under every plan
//! with a small nursery, so they cross many collections; the core scripts also in `box` mode
//! (no heap). Cost: about 2 s on an idle machine.

#[path = "../examples/lisp/lisp.rs"]
#[allow(dead_code)]
mod lisp;

use gclab::{HeapConfig, Plan};
use lisp::Mode;

const SCRIPTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/lisp/scripts");

fn script(name: &str) -> (String, String) {
    let read = |ext: &str| {
        std::fs::read_to_string(format!("{SCRIPTS}/{name}.{ext}"))
            .unwrap_or_else(|e| panic!("{name}.{ext}: {e}"))
    };
    (read("scm"), read("out"))
}

/// Runs on a thread with room for the interpreter's own depth limit.
fn run(src: String, mode: Mode, config: HeapConfig) -> String {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || lisp::run_with(&src, mode, config, false))
        .expect("thread")
        .join()
        .expect("the interpreter does not panic")
        .expect("the interpreter starts")
}

#[test]
fn every_script_prints_its_expected_output_on_every_machine() {
    for name in ["basics", "overflow", "leak", "weak", "binary-trees"] {
        let (src, want) = script(name);
        for mode in [Mode::Safe, Mode::Raw, Mode::Shim] {
            let got = run(src.clone(), mode, HeapConfig::default());
            assert_eq!(got, want, "{name} on {mode:?}");
        }
    }
}

#[test]
fn the_box_mode_prints_what_the_heap_machines_print() {
    // The same evaluator over `Rc` values and no gclab objects: the comparison point for
    // the timings, so it must compute the same things.
    for name in ["basics", "overflow", "binary-trees"] {
        let (src, want) = script(name);
        assert_eq!(run(src, Mode::Box, HeapConfig::default()), want, "{name}");
    }
    let got = lisp::run_script("(car 5) (1 2) (string->symbol \"a\")", Mode::Box).unwrap();
    assert_eq!(
        got,
        "error: car: 5 is not a pair\nerror: 1 is not a procedure\n\
         error: string->symbol: not available in box mode\n"
    );
}

#[test]
fn scripts_survive_many_collections_under_every_plan() {
    for plan in Plan::ALL {
        let config = HeapConfig {
            nursery_size: 64 << 10,
            ..HeapConfig::for_plan(plan)
        };
        for name in ["basics", "weak", "binary-trees"] {
            if name == "weak" && plan == Plan::NoGc {
                continue; // never collects: nothing is let go or closed
            }
            let (src, want) = script(name);
            for mode in [Mode::Safe, Mode::Raw] {
                let got = run(src.clone(), mode, config.clone());
                assert_eq!(got, want, "{name} on {mode:?} under {plan:?}");
            }
        }
    }
}

#[test]
fn the_repl_form_echoes_values_and_reports_bad_input() {
    let out = lisp::run_with(
        "(define x 41) (+ x 1) (cons 1 2) \"s\" (car 5) (1 2)",
        Mode::Safe,
        HeapConfig::default(),
        true,
    )
    .unwrap();
    assert_eq!(
        out,
        "41\n42\n(1 . 2)\n\"s\"\nerror: car: 5 is not a pair\nerror: 1 is not a procedure\n"
    );
    assert!(lisp::run_script("(display \"open", Mode::Raw).is_err());
}
