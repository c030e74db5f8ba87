//! binary-trees written in the `lisp` example's language (`gc/examples/lisp`), run by its
//! interpreter in each of its modes: `safe` and `raw` (gclab's `RootStack`), `shim` (a
//! hand-made root source) and `box` (no heap: the same evaluator over `Rc` values).
//!
//! These rows measure an interpreter, not a node layout: compare them with one another, and
//! with the native rows only to see what interpretation costs. The interpreter's heap uses
//! the default configuration (the gen-immix plan). The program is the example's own
//! `scripts/binary-trees.scm`, whose `(binary-trees n)` returns the number of nodes built —
//! the workload's checksum. Only binary-trees exists in the language (GCBench needs arrays
//! of doubles), so [`runs`] says which workloads these rows take.
//!
//! Invariant: a run returns the number the program printed, or 0 (a wrong checksum the
//! runner reports) when the interpreter failed.

#[path = "../../../gc/examples/lisp/lisp.rs"]
#[allow(dead_code, missing_docs, missing_debug_implementations)]
mod language;

use crate::workload::Workload;
use language::Mode;

const PROGRAM: &str = include_str!("../../../gc/examples/lisp/scripts/binary-trees.scm");

/// Whether the Lisp rows run `workload`: binary-trees only.
pub fn runs(workload: &Workload) -> bool {
    matches!(workload, Workload::BinaryTrees { .. })
}

fn run_in(mode: Mode, workload: &Workload) -> u64 {
    let Workload::BinaryTrees { max_depth } = workload else {
        return 0;
    };
    let src = format!("{PROGRAM}\n(display (binary-trees {max_depth}))\n");
    // Non-tail calls nest Rust frames: give the interpreter the stack its depth limit needs.
    let child = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || language::run_script(&src, mode))
        .expect("interpreter thread");
    match child.join() {
        Ok(Ok(out)) => out
            .lines()
            .last()
            .and_then(|l| l.trim().parse().ok())
            .unwrap_or(0),
        _ => 0,
    }
}

/// The safe machine: `RootStack` with gclab's checked stack operations.
pub fn safe(w: &Workload) -> u64 {
    run_in(Mode::Safe, w)
}

/// The raw machine over a `RootStack`.
pub fn raw(w: &Workload) -> u64 {
    run_in(Mode::Raw, w)
}

/// The raw machine over a hand-made `Rc<UnsafeCell<Vec>>` root source.
pub fn shim(w: &Workload) -> u64 {
    run_in(Mode::Shim, w)
}

/// No heap: the same evaluator over `Rc` values.
pub fn boxed(w: &Workload) -> u64 {
    run_in(Mode::Box, w)
}
