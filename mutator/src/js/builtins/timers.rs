//! Timers, immediates, `process.nextTick`, `queueMicrotask`, and running the event loop
//! ([`crate::event_loop::EventLoop`]), and `fs.readFile` as a simulated I/O completion.
//!
//! `setTimeout`/`setInterval` return a `Timeout` object as Node does, with `ref`, `unref`,
//! `hasRef` and a `valueOf` giving the timer's number (`clearTimeout` takes either);
//! `console.log` of one shows `Timeout { _idleTimeout: …, _repeat: … }`, fewer fields than
//! Node prints.
//!
//! Each callback waiting in the loop is a `JOB` object (callback and arguments) held by a
//! persistent root of its kind whose label says what scheduled it and where:
//! `setInterval at leak.js:5` (kind `timer`), `setImmediate at a.js:3` (`pending callback`).
//! The root is released when the callback has run (an interval's only when cleared).

use super::arg;
use super::promise::{JOB_CALLBACK, JOB_REACTION, JOB_THENABLE};
use crate::event_loop::{RunError, Task};
use crate::js::object::atom;
use crate::js::realm::tags::*;
use crate::js::{Exc, Interp, R};
use gclab::{Handle, RootKind, Value};

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
        // A `Timeout` object as Node returns: slot 3 holds the timer's number (what
        // `+timeout` gives), `_idleTimeout` and `_repeat` are visible as in Node.
        let proto = self.heap.global("__Timeout").unwrap_or(Value::Null);
        let t = self.new_object_with(OBJECT, 4, proto)?;
        self.heap.set(t, 3, Value::Int(n as i32))?;
        self.set_named(t, "_idleTimeout", Value::Int(ms as i32))?;
        let repeat = if repeat {
            Value::Int(ms as i32)
        } else {
            Value::Null
        };
        self.set_named(t, "_repeat", repeat)?;
        Ok(Value::Ref(t))
    }

    /// The timer number of a `Timeout` object, or of the number `+timeout` gave.
    fn timer_number(&mut self, v: Value) -> R<Option<u32>> {
        match v {
            Value::Int(n) if n >= 0 => Ok(Some(n as u32)),
            Value::Float(f) if f >= 0.0 && f.fract() == 0.0 => Ok(Some(f as u32)),
            Value::Ref(h) if self.is_timeout(h)? => {
                Ok(self.heap.get(h, 3)?.as_int().map(|n| n as u32))
            }
            _ => Ok(None),
        }
    }

    fn is_timeout(&mut self, h: Handle) -> R<bool> {
        let Some(Value::Ref(tp)) = self.heap.global("__Timeout") else {
            return Ok(false);
        };
        match self.proto_of(h)? {
            Some(p) => Ok(self.heap.same_object(p, tp)?),
            None => Ok(false),
        }
    }

    fn clear_timer(&mut self, v: Value) -> R<()> {
        if let Some(n) = self.timer_number(v)? {
            if let Some((id, k)) = self.timers.remove(&n) {
                self.event_loop.clear_timeout(id);
                self.release_job(k)?;
            }
        }
        Ok(())
    }

    /// `timeout.ref()` / `timeout.unref()`: returns the timeout.
    fn timer_ref(&mut self, this: Value, referenced: bool) -> R<Value> {
        if let Some(n) = self.timer_number(this)? {
            if let Some(&(id, _)) = self.timers.get(&n) {
                self.event_loop.set_timer_ref(id, referenced);
            }
        }
        Ok(this)
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
            Err(RunError::Starvation { ran, .. }) => Err(Exc::Unsupported(
                format!(
                "microtask starvation: {ran} ticks and microtasks ran without the queue emptying; \
                 the event loop never reached its timers (Node would hang here)"
            )
                .into(),
            )),
        }
    }

    fn dispatch(&mut self, task: Task<u64>) -> R<()> {
        let frame = self.heap.push_frame_static("(event loop)");
        let r = self
            .dispatch_in(task)
            .and_then(|()| self.schedule_finalization_cleanups());
        match r {
            Err(Exc::Unhandled(Value::Ref(h))) => {
                Err(Exc::Unhandled(self.heap.pop_frame_escape(frame, h)?))
            }
            r => self
                .pop_frame_with(frame, r.map(|()| Value::Undefined))
                .map(|_| ()),
        }
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
        for root in std::mem::take(&mut self.handled_late) {
            let p = self.heap.local(root.handle())?;
            self.heap.release(root)?;
            let process = self.heap.global("process").unwrap_or(Value::Undefined);
            let emit = self.get_named(process, "emit")?;
            let ev = self.new_str("rejectionHandled")?;
            self.call(emit, process, &[ev, Value::Ref(p)])?;
        }
        let pending = std::mem::take(&mut self.pending_rejections);
        for root in pending {
            let p = self.heap.local(root.handle())?;
            self.heap.release(root)?;
            if self.heap.get(p, 6)? == Value::Bool(true) {
                continue;
            }
            self.heap.set(p, 6, Value::Int(super::promise::REPORTED))?;
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

impl Interp<'_> {
    /// `fs.readFile(path[, options], callback)`: reads the file now and delivers it as an I/O
    /// completion 1 virtual ms later (poll phase), `callback(null, data)` — a string with an
    /// `encoding` option, a `Buffer` without — or `callback(err)` if it cannot be read.
    fn read_file(&mut self, a: &[Value]) -> R<Value> {
        let path = self.to_str(arg(a, 0))?;
        let (options, cb) = match a.len() {
            0..=2 => (Value::Undefined, arg(a, 1)),
            _ => (arg(a, 1), arg(a, 2)),
        };
        let encoded = match options {
            Value::Undefined | Value::Null => false,
            v if self.is_str(v) => true,
            v => self.get_named(v, "encoding")? != Value::Undefined,
        };
        let args = match std::fs::read(&path) {
            Ok(bytes) => {
                let text = self.new_str(&String::from_utf8_lossy(&bytes))?;
                let data = if encoded {
                    text
                } else {
                    let buffer = self.heap.global("Buffer").unwrap_or(Value::Undefined);
                    let from = self.get_named(buffer, "from")?;
                    self.call(from, buffer, &[text])?
                };
                vec![Value::Null, data]
            }
            Err(e) => {
                let msg = format!("ENOENT: {e}, open '{path}'");
                let proto = self.intr().error_proto.handle();
                vec![self.make_error(proto, &msg)?]
            }
        };
        let k = self.callback_job(RootKind::PendingCallback, "fs.readFile", cb, &args)?;
        self.event_loop.schedule_io(1, k);
        Ok(Value::Undefined)
    }
}

pub(super) fn install(it: &mut Interp<'_>) -> R<()> {
    let timeout = it.new_object()?;
    let ctor = it.native("Timeout", |it, _t, _a, _c| {
        Err(it.throw_type("Timeout is not a constructor")?)
    })?;
    it.set_own(ctor, atom::PROTOTYPE, Value::Ref(timeout))?;
    it.set_own(timeout, atom::CONSTRUCTOR, Value::Ref(ctor))?;
    it.method(timeout, "Timeout.ref", |it, t, _a, _c| {
        it.timer_ref(t, true)
    })?;
    it.method(timeout, "Timeout.unref", |it, t, _a, _c| {
        it.timer_ref(t, false)
    })?;
    it.method(timeout, "Timeout.hasRef", |it, t, _a, _c| {
        let live = match it.timer_number(t)? {
            Some(n) => it.timers.get(&n).map(|&(id, _)| id),
            None => None,
        };
        Ok(Value::Bool(
            live.is_some_and(|id| it.event_loop.timer_has_ref(id)),
        ))
    })?;
    it.method(timeout, "Timeout.valueOf", |it, t, _a, _c| {
        Ok(it
            .timer_number(t)?
            .map_or(Value::Undefined, |n| Value::Int(n as i32)))
    })?;
    it.heap.set_global("__Timeout", timeout)?;
    let fs = it.new_object()?;
    it.method(fs, "fs.readFile", |it, _t, a, _c| it.read_file(a))?;
    if let Some(modules) = it.heap.global("__modules").and_then(|m| m.as_ref()) {
        it.set_named(modules, "fs", Value::Ref(fs))?;
    }
    let file = it.file.clone();
    let filename = it.new_str(&file)?;
    it.heap.set_global("__filename", filename)?;
    let dirname = it.new_str(".")?;
    it.heap.set_global("__dirname", dirname)?;
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
    let _ = ARRAY;
    Ok(())
}
