//! The Node host objects: `process` (`argv`, `env`, `memoryUsage` from heap statistics,
//! `exit`, `hrtime` on the virtual clock), `require` (built-in modules only) and `console`;
//! and the standard globals outside the subset (`Date`, `RegExp`, typed arrays…),
//! defined so that using one is an unsupported-construct error naming it and the call site,
//! not a `ReferenceError` a program could catch and carry on after. `Date.now()` works: it
//! reads the virtual clock.

use super::arg;
use crate::js::convert::num;
use crate::js::{Exc, Interp, R};
use gclab::Value;

pub(super) fn install(it: &mut Interp<'_>) -> R<()> {
    let process = it.new_object()?;
    it.heap.set_global("process", process)?;
    let argv0 = it.new_str("node")?;
    let file = it.file.clone();
    let argv1 = it.new_str(&file)?;
    let argv = it.array_of(&[argv0, argv1])?;
    it.set_named(process, "argv", Value::Ref(argv))?;
    let env = it.new_object()?;
    it.set_named(process, "env", Value::Ref(env))?;
    let platform = it.new_str("linux")?;
    it.set_named(process, "platform", platform)?;
    it.method(process, "process.memoryUsage", |it, _t, _a, _c| {
        let o = it.new_object()?;
        let used = it.heap.occupied_bytes() as f64;
        let total = it.heap.committed_bytes() as f64;
        for (k, v) in [
            ("rss", total),
            ("heapTotal", total),
            ("heapUsed", used),
            ("external", 0.0),
            ("arrayBuffers", 0.0),
        ] {
            it.set_named(o, k, num(v))?;
        }
        Ok(Value::Ref(o))
    })?;
    it.method(process, "process.exit", |it, _t, a, _c| {
        let code = match arg(a, 0) {
            Value::Undefined => 0,
            v => it.to_number(v)? as i32,
        };
        Err(Exc::Exit(code))
    })?;
    it.method(process, "process.hrtime", |it, _t, _a, _c| {
        let ms = it.event_loop.now();
        let s = num((ms / 1000) as f64);
        let ns = num(((ms % 1000) * 1_000_000) as f64);
        Ok(Value::Ref(it.array_of(&[s, ns])?))
    })?;
    let modules = it.new_object()?;
    it.heap.set_global("__modules", modules)?;
    let req = it.native("require", |it, _t, a, _c| {
        let name = it.to_str(arg(a, 0))?;
        let short = name.strip_prefix("node:").unwrap_or(&name).to_string();
        let m = it.heap.global("__modules").unwrap_or(Value::Undefined);
        let v = it.get_named(m, &short)?;
        if v == Value::Undefined {
            let at = it.call_site;
            return it.unsupported(
                &format!("require('{name}') (only 'events' and 'fs' (readFile) are built in)"),
                at,
            );
        }
        Ok(v)
    })?;
    it.heap.set_global("require", req)?;
    let warn = it.native("__maxListenersWarning", |it, _t, a, _c| {
        let name = it.to_str(arg(a, 0))?;
        let n = it.to_str(arg(a, 1))?;
        let max = it.to_str(arg(a, 2))?;
        let class = it.to_str(arg(a, 3))?;
        let _ = writeln!(
            it.err,
            "(node:{}) MaxListenersExceededWarning: Possible EventEmitter memory leak detected. {n} {name} listeners added to [{class}]. MaxListeners is {max}. Use emitter.setMaxListeners() to increase limit\n(Use `node --trace-warnings ...` to show where the warning was created)",
            std::process::id()
        );
        Ok(Value::Undefined)
    })?;
    it.heap.set_global("__maxListenersWarning", warn)?;
    use std::io::Write;
    Ok(())
}

pub(super) fn install_console(it: &mut Interp<'_>) -> R<()> {
    let console = it.new_object()?;
    it.heap.set_global("console", console)?;
    for name in ["console.log", "console.info", "console.debug"] {
        it.method(console, name, |it, _t, a, _c| {
            let line = it.format_log(a)?;
            let _ = writeln!(it.out, "{line}");
            Ok(Value::Undefined)
        })?;
    }
    for name in ["console.error", "console.warn", "console.trace"] {
        it.method(console, name, |it, _t, a, _c| {
            let line = it.format_log(a)?;
            let _ = writeln!(it.err, "{line}");
            Ok(Value::Undefined)
        })?;
    }
    Ok(())
}

/// Globals outside the supported subset: calling or constructing one stops the run with its
/// name and location. (`WeakMap`, `WeakSet`, `WeakRef` and `FinalizationRegistry` are not listed: they
/// are defined by their own modules.)
const OUTSIDE: [&str; 14] = [
    "Date",
    "RegExp",
    "Proxy",
    "Reflect",
    "Intl",
    "BigInt",
    "ArrayBuffer",
    "DataView",
    "Uint8Array",
    "Int32Array",
    "Float64Array",
    "SharedArrayBuffer",
    "Atomics",
    "eval",
];

pub(super) fn install_outside(it: &mut Interp<'_>) -> R<()> {
    for name in OUTSIDE {
        let f = it.native(name, |it, _t, _a, c| {
            let id = it.heap.get(c, 3)?.as_int().unwrap_or(0) as usize;
            let name = it.natives.get(id).map_or("this built-in", |n| n.0);
            let at = it.call_site;
            it.unsupported(&format!("`{name}`"), at)
        })?;
        if name == "Date" {
            it.method(f, "Date.now", |it, _t, _a, _c| {
                Ok(num(it.event_loop.now() as f64))
            })?;
        }
        it.heap.set_global(name, f)?;
    }
    Ok(())
}
