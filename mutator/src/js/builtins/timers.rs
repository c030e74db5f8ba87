//! Timers, immediates, `process.nextTick`, `queueMicrotask`, and running the event loop
//! ([`crate::event_loop::EventLoop`], the same ordering model as the Rust scenarios).
//!
//! Each callback waiting in the loop is a `JOB` object (callback and arguments) held by a
//! persistent root of its kind whose label says what scheduled it and where:
//! `setInterval at leak.js:5` (kind `timer`), `setImmediate at a.js:3` (`pending callback`).
//! The root is released when the callback has run (an interval's only when cleared).

use super::arg;
use super::promise::{JOB_CALLBACK, JOB_REACTION, JOB_THENABLE};
use crate::event_loop::{RunError, Task};
use crate::js::realm::tags::*;
use crate::js::{Exc, Interp, R};
use gclab::{RootKind, Value};

impl<'a> Interp<'a> {
    /// A callback job rooted with `kind` and `label`; returns its key.
    fn callback_job(&mut self, kind: RootKind, what: &str, f: Value, args: &[Value]) -> R<u64> {
        if !self.is_callable(f) {
            let s = self.to_str(f)?;
            return Err(self.throw_type(&format!(
                "The \"callback\" argument must be of type function. Received {s}"
            ))?);
        }
        let label = format!("{what} at {}", self.loc_line(self.call_site));
        let a = self.array_of(args)?;
        let j = self.heap.alloc(JOB, 4, 0)?;
        self.heap.set(j, 0, Value::Int(JOB_CALLBACK))?;
        self.heap.set(j, 1, f)?;
        self.heap.set(j, 2, a)?;
        let root = self.heap.root(kind, &label, j)?;
        let k = self.next_job;
        self.next_job += 1;
        self.jobs.insert(k, root);
        Ok(k)
    }

    fn release_job(&mut self, k: u64) -> R<()> {
        if let Some(p) = self.jobs.remove(&k) {
            self.heap.release(p)?;
        }
        Ok(())
    }

    fn timer(&mut self, a: &[Value], repeat: bool) -> R<Value> {
        let what = if repeat { "setInterval" } else { "setTimeout" };
        let extra = a.get(2..).unwrap_or(&[]);
        let k = self.callback_job(RootKind::Timer, what, arg(a, 0), extra)?;
        let ms = match arg(a, 1) {
            Value::Undefined => 0.0,
            v => self.to_number(v)?,
        };
        let ms = if ms.is_nan() || ms < 1.0 {
            1
        } else {
            ms as u64
        };
        let id = if repeat {
            self.event_loop.set_interval(ms, k)
        } else {
            self.event_loop.set_timeout(ms, k)
        };
        let n = self.next_timer;
        self.next_timer += 1;
        self.timers.insert(n, (id, k));
        Ok(Value::Int(n as i32))
    }

    fn clear_timer(&mut self, v: Value) -> R<()> {
        if let Value::Int(n) = v {
            if let Some((id, k)) = self.timers.remove(&(n as u32)) {
                self.event_loop.clear_timeout(id);
                self.release_job(k)?;
            }
        }
        Ok(())
    }

    /// Runs the event loop to the end (or to `until`), then `process.on('exit')` listeners.
    /// `on_turn` is called after every macrotask with the current virtual time.
    #[allow(clippy::type_complexity)] // the loop host: the interpreter and the turn hook
    pub(crate) fn run_event_loop(
        &mut self,
        on_turn: &mut dyn FnMut(&mut Interp<'a>, u64),
    ) -> R<()> {
        let mut lp = std::mem::take(&mut self.event_loop);
        let until = self.options.until;
        let mut host = (self, on_turn);
        let dispatch = |lp: &mut crate::event_loop::EventLoop<u64>,
                        host: &mut (&mut Interp<'a>, &mut dyn FnMut(&mut Interp<'a>, u64)),
                        task: Task<u64>|
         -> R<()> {
            let it = &mut *host.0;
            std::mem::swap(lp, &mut it.event_loop);
            let r = it.dispatch(task.clone());
            std::mem::swap(lp, &mut it.event_loop);
            if matches!(
                task,
                Task::Timer { .. } | Task::Immediate { .. } | Task::Io { .. }
            ) {
                (host.1)(it, lp.now());
            }
            r
        };
        let r = match until {
            Some(d) => lp.run_until(d, &mut host, dispatch),
            None => lp.run(&mut host, dispatch),
        };
        let it = host.0;
        it.event_loop = lp;
        match r {
            Ok(_) => Ok(()),
            Err(RunError::Dispatch(e)) => Err(e),
            Err(RunError::Starvation { ran, .. }) => Err(Exc::Unsupported(format!(
                "microtask starvation: {ran} ticks and microtasks ran without the queue emptying; \
                 the event loop never reached its timers (Node would hang here)"
            ))),
        }
    }

    fn dispatch(&mut self, task: Task<u64>) -> R<()> {
        let frame = self.heap.push_frame_static("(event loop)");
        let r = self.dispatch_in(task);
        let r = r.and_then(|()| self.schedule_finalization_cleanups());
        self.heap.pop_frame(frame)?;
        r
    }

    fn dispatch_in(&mut self, task: Task<u64>) -> R<()> {
        let (k, keep) = match task {
            Task::Timer {
                payload, repeating, ..
            } => (payload, repeating),
            Task::Tick(k) | Task::Microtask(k) | Task::Close(k) => (k, false),
            Task::Immediate { payload, .. } | Task::Io { payload, .. } => (payload, false),
            Task::DrainEnd => return self.report_rejections(),
        };
        let Some(root) = self.jobs.get(&k) else {
            return Ok(());
        };
        let j = self.heap.local(root.handle())?;
        if !keep {
            self.release_job(k)?;
            self.timers.retain(|_, (_, key)| *key != k);
        }
        self.env = Value::Undefined;
        self.this = Value::Undefined;
        self.callee = None;
        match self.heap.get(j, 0)?.as_int() {
            Some(JOB_CALLBACK) => {
                let f = self.heap.get(j, 1)?;
                let args = match self.heap.get(j, 2)?.as_ref() {
                    Some(a) => self.array_items(a)?,
                    None => Vec::new(),
                };
                self.call(f, Value::Undefined, &args)?;
                Ok(())
            }
            Some(JOB_REACTION | JOB_THENABLE) => self.run_promise_job(j),
            _ => Ok(()),
        }
    }

    /// At the end of a drain: rejected promises still without a handler are unhandled.
    fn report_rejections(&mut self) -> R<()> {
        let pending = std::mem::take(&mut self.pending_rejections);
        for root in pending {
            let p = self.heap.local(root.handle())?;
            self.heap.release(root)?;
            if self.heap.get(p, 6)? == Value::Bool(true) {
                continue;
            }
            self.heap.set(p, 6, Value::Bool(true))?;
            self.unhandled_rejections += 1;
            let reason = self.heap.get(p, 4)?;
            let process = self.heap.global("process").unwrap_or(Value::Undefined);
            let n = self.get_named(process, "listenerCount")?;
            let ev = self.new_str("unhandledRejection")?;
            let count = self.call(n, process, &[ev])?;
            if count != Value::Int(0) {
                let emit = self.get_named(process, "emit")?;
                self.call(emit, process, &[ev, reason, Value::Ref(p)])?;
            } else {
                return Err(Exc::Throw(reason)).map_err(|e| match e {
                    Exc::Throw(v) => Exc::Unhandled(v),
                    other => other,
                });
            }
        }
        Ok(())
    }
}

pub(super) fn install(it: &mut Interp<'_>) -> R<()> {
    let set_timeout = it.native("setTimeout", |it, _t, a, _c| it.timer(a, false))?;
    it.heap.set_global("setTimeout", set_timeout)?;
    let set_interval = it.native("setInterval", |it, _t, a, _c| it.timer(a, true))?;
    it.heap.set_global("setInterval", set_interval)?;
    for name in ["clearTimeout", "clearInterval"] {
        let f = it.native(name, |it, _t, a, _c| {
            it.clear_timer(arg(a, 0))?;
            Ok(Value::Undefined)
        })?;
        it.heap.set_global(name, f)?;
    }
    let imm = it.native("setImmediate", |it, _t, a, _c| {
        let k = it.callback_job(
            RootKind::PendingCallback,
            "setImmediate",
            arg(a, 0),
            a.get(1..).unwrap_or(&[]),
        )?;
        let id = it.event_loop.set_immediate(k);
        let n = it.next_timer;
        it.next_timer += 1;
        it.immediates.insert(n, (id, k));
        Ok(Value::Int(n as i32))
    })?;
    it.heap.set_global("setImmediate", imm)?;
    let clear_imm = it.native("clearImmediate", |it, _t, a, _c| {
        if let Value::Int(n) = arg(a, 0) {
            if let Some((id, k)) = it.immediates.remove(&(n as u32)) {
                it.event_loop.clear_immediate(id);
                it.release_job(k)?;
            }
        }
        Ok(Value::Undefined)
    })?;
    it.heap.set_global("clearImmediate", clear_imm)?;
    let qm = it.native("queueMicrotask", |it, _t, a, _c| {
        let k = it.callback_job(RootKind::PendingCallback, "queueMicrotask", arg(a, 0), &[])?;
        it.event_loop.queue_microtask(k);
        Ok(Value::Undefined)
    })?;
    it.heap.set_global("queueMicrotask", qm)?;
    let process = it.heap.global("process");
    let nt = it.native("nextTick", |it, _t, a, _c| {
        let k = it.callback_job(
            RootKind::PendingCallback,
            "process.nextTick",
            arg(a, 0),
            a.get(1..).unwrap_or(&[]),
        )?;
        it.event_loop.next_tick(k);
        Ok(Value::Undefined)
    })?;
    let _ = process;
    it.heap.set_global("__nextTick", nt)?;
    let gc = it.native("gc", |it, _t, _a, _c| {
        it.heap.collect(gclab::CollectionKind::Major);
        Ok(Value::Undefined)
    })?;
    it.heap.set_global("__gc", gc)?;
    let _ = ARRAY;
    Ok(())
}
