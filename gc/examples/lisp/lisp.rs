//! A small Scheme embedding gclab: the modules shared by the `lisp` example's runner and its
//! test (`gc/tests/example_lisp.rs`).

#[path = "boxed.rs"]
pub mod boxed;
#[path = "builtins.rs"]
pub mod builtins;
#[path = "eval.rs"]
pub mod eval;
#[path = "host.rs"]
pub mod host;
#[path = "machine.rs"]
pub mod machine;
#[path = "reader.rs"]
pub mod reader;

use gclab::{Heap, HeapConfig};

/// Which machine runs the program (see [`machine`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Safe,
    Raw,
    Shim,
    /// No gclab heap: the same evaluator over `Rc` values (see [`boxed`]).
    Box,
}

impl Mode {
    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "safe" => Some(Mode::Safe),
            "raw" => Some(Mode::Raw),
            "shim" => Some(Mode::Shim),
            "box" => Some(Mode::Box),
            _ => None,
        }
    }
}

/// Runs `src` on a fresh heap with the default configuration and returns what it printed
/// (errors included, as `error: …` lines).
pub fn run_script(src: &str, mode: Mode) -> Result<String, String> {
    run_with(src, mode, HeapConfig::default(), false)
}

/// Runs `src` on a heap built from `config`.
pub fn run_with(src: &str, mode: Mode, config: HeapConfig, echo: bool) -> Result<String, String> {
    let mut heap = Heap::with_config(config).map_err(|e| e.to_string())?;
    fn go<M: machine::Machine>(m: M, src: &str, echo: bool) -> Result<String, String> {
        let mut it = eval::Interp::new(m)?;
        it.run(src, echo)?;
        Ok(std::mem::take(&mut it.out))
    }
    match mode {
        Mode::Safe => go(machine::Safe::new(heap), src, echo),
        Mode::Raw => go(machine::raw(heap), src, echo),
        Mode::Shim => go(machine::shim(heap), src, echo),
        Mode::Box => {
            // The heap only names globals for the compiler; no object is allocated in it.
            let mut it = boxed::BoxInterp::new(&mut heap);
            it.run(&mut heap, src, echo)?;
            Ok(it.out)
        }
    }
}
