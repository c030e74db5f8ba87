//! `lisp`: a small Scheme on gclab — a script runner and a REPL.
//!
//! ```text
//! cargo run --release -p gclab --example lisp -- [--mode safe|raw|shim|box] \
//!     [script.scm…] [-e EXPR…]
//! ```
//!
//! Scripts run in order, then each `-e` expression (e.g. `-e '(display (binary-trees 16))'`).
//!
//! Without a script it reads forms from standard input and prints each value (a REPL).
//! See `gc/examples/lisp/README.md` for the language and how it embeds the heap.

#[path = "lisp.rs"]
mod lisp;

use lisp::{eval::Interp, machine, Mode};
use std::io::{BufRead, Write};
use std::time::Instant;

fn main() {
    // Deep (non-tail) recursion nests Rust calls: give the interpreter room for its own
    // `max_depth` so overflow is a language error, not a crash.
    let child = std::thread::Builder::new()
        .stack_size(512 << 20)
        .spawn(run)
        .expect("interpreter thread");
    if let Err(msg) = child.join().expect("interpreter thread") {
        eprintln!("lisp: {msg}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let mut mode = Mode::Raw;
    let mut src = String::new();
    let mut exprs = String::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--mode" => {
                let m = args.next().ok_or("--mode needs safe, raw, shim or box")?;
                mode =
                    Mode::parse(&m).ok_or(format!("unknown mode {m:?}: safe, raw, shim or box"))?;
            }
            "-e" => {
                exprs.push_str(&args.next().ok_or("-e needs an expression")?);
                exprs.push('\n');
            }
            path => {
                src.push_str(&std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?);
                src.push('\n');
            }
        }
    }
    if src.is_empty() && exprs.is_empty() {
        return repl(mode);
    }
    src.push_str(&exprs);
    let start = Instant::now();
    let out = lisp::run_script(&src, mode)?;
    print!("{out}");
    eprintln!("({mode:?} mode, {:.3} s)", start.elapsed().as_secs_f64());
    Ok(())
}

fn repl(mode: Mode) -> Result<(), String> {
    let heap = gclab::Heap::new().map_err(|e| e.to_string())?;
    match mode {
        Mode::Safe => repl_on(Interp::new(machine::Safe::new(heap))?),
        Mode::Raw => repl_on(Interp::new(machine::raw(heap))?),
        Mode::Shim => repl_on(Interp::new(machine::shim(heap))?),
        Mode::Box => Err("box mode runs scripts only (no REPL)".into()),
    }
}

fn repl_on<M: machine::Machine>(mut it: Interp<M>) -> Result<(), String> {
    let stdin = std::io::stdin();
    let mut pending = String::new();
    print!("> ");
    std::io::stdout().flush().ok();
    for line in stdin.lock().lines() {
        let line = line.map_err(|e| e.to_string())?;
        pending.push_str(&line);
        pending.push('\n');
        let open = pending.matches(['(', '[']).count();
        let close = pending.matches([')', ']']).count();
        if open > close {
            continue;
        }
        if let Err(e) = it.run(&pending, true) {
            it.out.push_str(&format!("error: {e}\n"));
        }
        pending.clear();
        print!("{}> ", std::mem::take(&mut it.out));
        std::io::stdout().flush().ok();
    }
    Ok(())
}
