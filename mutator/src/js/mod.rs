//! A JavaScript front end whose every value lives in the gclab heap.
//!
//! A program is parsed by [oxc_parser] and evaluated by a **tree-walking interpreter**
//! ([`Interp`]) directly over oxc's AST. Every JavaScript value that is not an immediate
//! (number, boolean, `undefined`, `null`) is a heap object: strings, plain objects and their
//! property stores, arrays and their elements, closures and the environments they capture,
//! `Map`/`Set` tables, promises and their reactions. Rust code never holds an object address:
//! it holds [`gclab::Value`]s whose references are handles rooted in heap frames.
//!
//! # Rooting invariant
//!
//! Every JavaScript call pushes a heap frame labelled with the function's name and source
//! location, so the collector sees each call's environment, `this` and arguments as precise
//! stack roots (a function whose variables no closure can capture keeps them in locals of
//! that frame instead of an environment: module `frame`). Temporaries are locals of the
//! current frame; a loop iteration runs in a frame
//! of its own so a long loop does not accumulate locals. A value leaving a frame (a return
//! value, a thrown exception) is re-rooted in the frame below with `pop_frame_escape`. Timers,
//! immediates, ticks and microtasks are persistent roots of their kind whose label carries the
//! source location (`setInterval at leak.js:5`); `globalThis` properties are named heap
//! globals. Nothing else keeps an object alive.
//!
//! Async functions and generators never keep a frame while suspended: an `await` or `yield`
//! unwinds the Rust and heap stacks, leaving the function's place as a cursor in its heap
//! state object (module `resume`), which only the awaited promise's reaction (or the generator
//! object) reaches.
//!
//! # What is not supported
//!
//! Constructs outside the subset raise [`Exc::Unsupported`] naming the construct and its
//! `file:line:col` (never a silent wrong answer): see [`unsupported`](Interp::unsupported).

// `to_number`, `to_str`… are the spec's ToNumber, ToString…: conversions that may run
// JavaScript (a `toString` method), hence `&mut self`.
#![allow(clippy::wrong_self_convention)]

mod async_fn;
mod atoms;
mod builtins;
mod call;
mod capture;
mod class;
mod convert;
mod expr;
mod frame;
mod generator;
mod inspect;
mod names;
mod nesting;
mod object;
mod operators;
pub mod pace;
mod realm;
pub mod report;
pub(crate) mod resume;
mod resume_loop;
mod scope;
mod stmt;
mod tables;
pub mod tags;

pub use realm::{Interp, JsOptions};
pub use report::{run_file, run_source, JsRunReport};

use gclab::{HeapError, Value};

/// Why evaluation stopped abnormally.
#[derive(Debug)]
pub enum Exc {
    /// A JavaScript exception carrying the thrown value (rooted in the current frame).
    Throw(Value),
    /// A construct outside the supported subset: message with `file:line:col`.
    Unsupported(Box<str>),
    /// The heap failed (out of memory, or an internal rooting error). Boxed, like the
    /// message above, so that `R<Value>`, returned by every evaluation step, stays small.
    Heap(Box<HeapError>),
    /// `process.exit(code)`.
    Exit(i32),
    /// A promise rejection nobody handled (Node 20 exits with it).
    Unhandled(Value),
    /// An `await` suspended the running async function: its cursor was saved in its state
    /// object; the statements on the way out add their entries and unwind.
    Suspend,
    /// `generator.return(v)` resumed a generator at its `yield`: the body unwinds through
    /// its `finally` blocks (the value waits in the generator object).
    GeneratorReturn,
}

impl From<HeapError> for Exc {
    fn from(e: HeapError) -> Self {
        Exc::Heap(Box::new(e))
    }
}

/// The result type of evaluation.
pub type R<T> = Result<T, Exc>;

/// How a statement completed.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Flow<'a> {
    /// Fell through.
    Normal,
    /// `return v`.
    Return(Value),
    /// `break [label]`.
    Break(Option<&'a str>),
    /// `continue [label]`.
    Continue(Option<&'a str>),
}
