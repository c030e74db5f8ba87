//! Async functions: `async function`, async arrows and methods, and `await`.
//!
//! An async call creates its promise and a **state object** (`ASYNC`: environment, `this`,
//! callee, promise, cursor) and runs its body on the resumable cursor of
//! [`super::resume`]. An `await` resolves its operand to a promise (a native promise is used
//! as is: one tick, as in V8; any other value goes through a new promise, so a thenable takes
//! the thenable job's extra ticks), registers the state object itself as both handlers of a
//! reaction on it, stores the current environment in the state, and unwinds with
//! [`Exc::Suspend`]: each statement on the way out adds its cursor entry to the state's
//! cursor array. The reaction job resumes the function in a fresh heap frame labelled with
//! the function, replaying the cursor down to the `await`, which then yields the settled
//! value (or throws the rejection).
//!
//! Invariant: a suspended async function is nothing but heap data — its state object is
//! reachable only through the reaction of the promise it awaits, so a function suspended on
//! a promise nobody can settle is garbage like any other, and while the awaited promise is
//! reachable the function's locals are retained through `(suspended async function) →
//! context`. No Rust stack and no heap frame outlives a step.

use super::realm::tags::*;
use super::realm::Code;
use super::resume::{Entry, Resumed};
use super::{Exc, Flow, Interp, R};
use gclab::{Handle, Value};
use oxc_ast::ast::*;

/// Slots of the state object.
const S_ENV: usize = 0;
const S_THIS: usize = 1;
const S_CALLEE: usize = 2;
const S_PROMISE: usize = 3;
const S_CURSOR: usize = 4;

/// Whether the function is `async`.
pub(crate) fn is_async(code: Code<'_>) -> bool {
    match code {
        Code::Function(f) => f.r#async,
        Code::Arrow(a) => a.r#async,
        Code::Class(_) => false,
    }
}

impl<'a> Interp<'a> {
    /// Runs an async function's first step (the caller pushed its frame and environment) and
    /// returns its promise.
    pub(crate) fn start_async(
        &mut self,
        fh: Handle,
        code: Code<'a>,
        params: &'a FormalParameters<'a>,
        body: Option<&'a [Statement<'a>]>,
        args: &[Value],
    ) -> R<Value> {
        let p = self.new_promise()?;
        let s = self.heap.alloc(ASYNC, 5, 0)?;
        self.heap.set(s, S_THIS, self.this)?;
        self.heap.set(s, S_CALLEE, Value::Ref(fh))?;
        self.heap.set(s, S_PROMISE, Value::Ref(p))?;
        // An error binding the parameters rejects the promise, as the body's errors do.
        let r = match self.async_prologue(params, body, args) {
            Ok(()) => self.async_step(s, code),
            Err(e) => Err(e),
        };
        self.async_finish(p, r)?;
        Ok(Value::Ref(p))
    }

    fn async_prologue(
        &mut self,
        params: &'a FormalParameters<'a>,
        body: Option<&'a [Statement<'a>]>,
        args: &[Value],
    ) -> R<()> {
        self.bind_params(params, args)?;
        if let Some(b) = body {
            self.enter_tdz()?;
            self.hoist_functions(b)?;
        }
        Ok(())
    }

    /// Where the state slots start in `s`: 0 for an async function's state, after the object
    /// slots for a generator.
    pub(crate) fn state_base(&self, s: Handle) -> usize {
        if self.heap.type_tag(s).ok() == Some(GENERATOR) {
            3
        } else {
            0
        }
    }

    /// Runs the body on the cursor (replaying `self.resume` if it is not empty).
    pub(crate) fn async_step(&mut self, s: Handle, code: Code<'a>) -> R<Flow<'a>> {
        let cursor = self.new_array(0, 8)?;
        let base = self.state_base(s);
        self.heap.set(s, base + S_CURSOR, Value::Ref(cursor))?;
        let saved = self.async_state.replace(s);
        let r = match code {
            Code::Function(f) => {
                let body = f.body.as_ref().map_or(&[][..], |b| &b.statements[..]);
                self.rlist(body, false)
            }
            Code::Arrow(a) => match a.body.as_expression() {
                Some(e) => self.rvalue(e).map(Flow::Return),
                None => self.rlist(super::call::arrow_statements(a), false),
            },
            Code::Class(_) => unreachable!("class constructors are never async"),
        };
        self.async_state = saved;
        r
    }

    /// Settles the function's promise with how a step ended (nothing if it suspended).
    fn async_finish(&mut self, p: Handle, r: R<Flow<'a>>) -> R<()> {
        match r {
            Ok(Flow::Return(v)) => self.resolve_promise(p, v),
            Ok(_) => self.resolve_promise(p, Value::Undefined),
            Err(Exc::Throw(e)) => self.settle(p, 2, e),
            Err(Exc::Suspend) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// `await v`: subscribes the running function to `v` and suspends it.
    pub(crate) fn await_value(&mut self, v: Value, at: u32) -> R<Value> {
        let Some(s) = self.async_state.filter(|&s| self.state_base(s) == 0) else {
            return self.unsupported("`await` outside an async function", at);
        };
        let p = match v {
            Value::Ref(h) if self.tag(v) == Some(PROMISE) => h,
            _ => {
                let p = self.new_promise()?;
                self.resolve_promise(p, v)?;
                p
            }
        };
        self.promise_then(p, Value::Ref(s), Value::Ref(s), Value::Undefined)?;
        self.heap.set(s, S_ENV, self.env)?;
        self.record(Entry::leaf())?;
        Err(Exc::Suspend)
    }

    /// Appends a cursor entry to the running function's state (on the way out of a suspend).
    pub(crate) fn record(&mut self, e: Entry) -> R<()> {
        let s = self
            .async_state
            .expect("cursor entries are recorded inside an async step");
        let base = self.state_base(s);
        let cursor = self
            .heap
            .get(s, base + S_CURSOR)?
            .as_ref()
            .expect("a running async function has a cursor");
        for v in [Value::Int(e.kind), Value::Int(e.n), e.a, e.b] {
            self.array_push(cursor, v)?;
        }
        Ok(())
    }

    /// Resumes the async function of state `s` with the settlement of what it awaited.
    pub(crate) fn resume_async(&mut self, s: Handle, rejected: bool, v: Value) -> R<()> {
        let callee = self
            .heap
            .get(s, S_CALLEE)?
            .as_ref()
            .expect("an async state holds its function");
        let id = self
            .func_of(Value::Ref(callee))
            .expect("an async state's callee is a closure");
        let label = self.funcs[id as usize].label;
        let code = self.funcs[id as usize].code;
        self.check_depth()?;
        let frame = self.heap.push_frame_static(label);
        self.depth += 1;
        let saved = (self.env, self.this, self.callee);
        let r = self.resume_in(s, callee, code, rejected, v);
        (self.env, self.this, self.callee) = saved;
        self.resume.clear();
        self.resume_value = None;
        self.depth -= 1;
        self.pop_frame_with(frame, r.map(|()| Value::Undefined))
            .map(|_| ())
    }

    fn resume_in(
        &mut self,
        s: Handle,
        callee: Handle,
        code: Code<'a>,
        rejected: bool,
        v: Value,
    ) -> R<()> {
        self.env = self.heap.get(s, S_ENV)?;
        self.this = self.heap.get(s, S_THIS)?;
        self.callee = Some(callee);
        let p = self
            .heap
            .get(s, S_PROMISE)?
            .as_ref()
            .expect("an async state holds its promise");
        self.load_cursor(s)?;
        self.resume_value = Some((
            if rejected {
                Resumed::Throw
            } else {
                Resumed::Value
            },
            v,
        ));
        let r = self.async_step(s, code);
        if !self.resume.is_empty() {
            return Err(Exc::Unsupported(
                "internal error: an async function's cursor was not replayed to its await".into(),
            ));
        }
        self.async_finish(p, r)
    }

    /// Loads the cursor of a suspended state into `self.resume` for replay.
    pub(crate) fn load_cursor(&mut self, s: Handle) -> R<()> {
        let base = self.state_base(s);
        let cursor = self
            .heap
            .get(s, base + S_CURSOR)?
            .as_ref()
            .expect("a suspended function has a cursor");
        let items = self.array_items(cursor)?;
        self.resume = items
            .chunks_exact(4)
            .map(|c| Entry {
                kind: c[0].as_int().unwrap_or(-1),
                n: c[1].as_int().unwrap_or(0),
                a: c[2],
                b: c[3],
            })
            .collect();
        Ok(())
    }
}
