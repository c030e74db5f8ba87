//! Promises in the heap (ECMA-262 §27.2): state, result and reactions are slots of the
//! promise object; reaction and thenable jobs are `JOB` objects queued as microtasks, each a
//! `pending callback` root until it runs. A pending promise is not a root: it lives as long
//! as something reaches it (a resolve function held by a timer, a variable…).
//!
//! Layout (tag `PROMISE`): state at 3 (0 pending, 1 fulfilled, 2 rejected), result at 4,
//! reactions at 5 (an `Array` of `REACTION`s while pending), handled at 6.

use super::arg;
use crate::js::realm::tags::*;
use crate::js::{Exc, Interp, R};
use gclab::{Handle, RootKind, Value};

/// Job kinds (slot 0 of a `JOB`).
pub(crate) const JOB_CALLBACK: i32 = 0;
pub(crate) const JOB_REACTION: i32 = 1;
pub(crate) const JOB_THENABLE: i32 = 2;
/// Slot 6 of a promise: `false` until a handler is attached (`true`), or this once its
/// rejection was reported unhandled.
pub(crate) const REPORTED: i32 = 2;

impl<'a> Interp<'a> {
    pub(crate) fn new_promise(&mut self) -> R<Handle> {
        let pp = self.intr().promise_proto.handle();
        let p = self.new_object_with(PROMISE, 7, Value::Ref(pp))?;
        let reactions = self.new_array(0, 2)?;
        self.heap.set(p, 3, Value::Int(0))?;
        self.heap.set(p, 5, reactions)?;
        self.heap.set(p, 6, Value::Bool(false))?;
        Ok(p)
    }

    /// Queues a job object as a microtask, rooted until it runs.
    pub(crate) fn queue_job(&mut self, job: Handle, label: &str) -> R<()> {
        let root = self.heap.root(RootKind::PendingCallback, label, job)?;
        let k = self.next_job;
        self.next_job += 1;
        self.jobs.insert(k, root);
        self.event_loop.queue_microtask(k);
        Ok(())
    }

    fn job(&mut self, kind: i32, f: Value, a: Value, d: Value) -> R<Handle> {
        let j = self.heap.alloc(JOB, 4, 0)?;
        self.heap.set(j, 0, Value::Int(kind))?;
        self.heap.set(j, 1, f)?;
        self.heap.set(j, 2, a)?;
        self.heap.set(j, 3, d)?;
        Ok(j)
    }

    /// Resolves `p` with `v`: adopts a thenable through a job, else fulfills.
    pub(crate) fn resolve_promise(&mut self, p: Handle, v: Value) -> R<()> {
        if let Value::Ref(vh) = v {
            if self.heap.same_object(vh, p)? {
                let e = self.throw_type("Chaining cycle detected for promise #<Promise>")?;
                let Exc::Throw(e) = e else { unreachable!() };
                return self.settle(p, 2, e);
            }
            if !self.is_str(v) {
                let then = match self.get_named(v, "then") {
                    Ok(t) => t,
                    Err(Exc::Throw(e)) => return self.settle(p, 2, e),
                    Err(e) => return Err(e),
                };
                if self.is_callable(then) {
                    let j = self.job(JOB_THENABLE, then, v, Value::Ref(p))?;
                    return self.queue_job(j, "promise resolve-thenable job");
                }
            }
        }
        self.settle(p, 1, v)
    }

    /// Fulfills (`state` 1) or rejects (2) a pending promise and queues its reactions.
    pub(crate) fn settle(&mut self, p: Handle, state: i32, v: Value) -> R<()> {
        if self.heap.get(p, 3)?.as_int() != Some(0) {
            return Ok(());
        }
        self.heap.set(p, 3, Value::Int(state))?;
        self.heap.set(p, 4, v)?;
        let reactions = self.heap.get(p, 5)?;
        self.heap.set(p, 5, Value::Undefined)?;
        if let Value::Ref(r) = reactions {
            for reaction in self.array_items(r)? {
                let j = self.job(JOB_REACTION, reaction, v, Value::Int(state))?;
                self.queue_job(j, "promise reaction job")?;
            }
        }
        if state == 2 && self.heap.get(p, 6)? != Value::Bool(true) {
            let root =
                self.heap
                    .root(RootKind::Promise, "rejected promise (unhandled so far)", p)?;
            self.pending_rejections.push(root);
        }
        Ok(())
    }

    /// `p.then(onF, onR)` with a derived promise (or none).
    pub(crate) fn promise_then(
        &mut self,
        p: Handle,
        on_f: Value,
        on_r: Value,
        derived: Value,
    ) -> R<()> {
        let reaction = self.heap.alloc(REACTION, 3, 0)?;
        self.heap.set(reaction, 0, on_f)?;
        self.heap.set(reaction, 1, on_r)?;
        self.heap.set(reaction, 2, derived)?;
        if self.heap.get(p, 6)? == Value::Int(REPORTED) {
            let root = self
                .heap
                .root(RootKind::Promise, "rejection handled late", p)?;
            self.handled_late.push(root);
        }
        self.heap.set(p, 6, Value::Bool(true))?;
        match self.heap.get(p, 3)?.as_int() {
            Some(0) => {
                let rs = self
                    .heap
                    .get(p, 5)?
                    .as_ref()
                    .expect("pending promises have reactions");
                self.array_push(rs, Value::Ref(reaction))?;
            }
            Some(state) => {
                let v = self.heap.get(p, 4)?;
                let j = self.job(JOB_REACTION, Value::Ref(reaction), v, Value::Int(state))?;
                self.queue_job(j, "promise reaction job")?;
            }
            None => unreachable!("promise state is an int"),
        }
        Ok(())
    }

    /// A resolve (`reject == false`) or reject function for `p`, sharing `flag` (an array
    /// whose element 0 says whether either was called).
    fn resolving_function(&mut self, p: Handle, flag: Handle, reject: bool) -> R<Handle> {
        let name = if reject { "reject" } else { "resolve" };
        let f = self.native(name, |it, _t, a, callee| {
            let flag = it
                .heap
                .get(callee, 5)?
                .as_ref()
                .expect("resolving functions have a flag");
            let e = it.elems(flag)?;
            if it.heap.get(e, 0)? == Value::Bool(true) {
                return Ok(Value::Undefined);
            }
            it.heap.set(e, 0, Value::Bool(true))?;
            let p = it
                .heap
                .get(callee, 4)?
                .as_ref()
                .expect("resolving functions have a promise");
            let id = it.heap.get(callee, 3)?.as_int().unwrap_or(0) as usize;
            let is_reject = it.natives[id].0 == "reject";
            if is_reject {
                it.settle(p, 2, arg(a, 0))?
            } else {
                it.resolve_promise(p, arg(a, 0))?
            }
            Ok(Value::Undefined)
        })?;
        self.heap.set(f, 4, p)?;
        self.heap.set(f, 5, flag)?;
        Ok(f)
    }

    /// The resolve and reject functions of `p`.
    pub(crate) fn resolving_functions(&mut self, p: Handle) -> R<(Handle, Handle)> {
        let flag = self.array_of(&[Value::Bool(false)])?;
        Ok((
            self.resolving_function(p, flag, false)?,
            self.resolving_function(p, flag, true)?,
        ))
    }

    /// Runs a promise job (reaction or thenable adoption).
    pub(crate) fn run_promise_job(&mut self, j: Handle) -> R<()> {
        let kind = self.heap.get(j, 0)?.as_int().unwrap_or(-1);
        let f = self.heap.get(j, 1)?;
        let a = self.heap.get(j, 2)?;
        let d = self.heap.get(j, 3)?;
        match kind {
            JOB_REACTION => {
                let Value::Ref(reaction) = f else {
                    unreachable!("a reaction job holds its reaction")
                };
                let state = d.as_int().unwrap_or(1);
                let handler = self.heap.get(reaction, if state == 1 { 0 } else { 1 })?;
                let derived = self.heap.get(reaction, 2)?.as_ref();
                if let (Some(ASYNC), Value::Ref(s)) = (self.tag(handler), handler) {
                    // An `await`: the reaction resumes the suspended async function.
                    return self.resume_async(s, state != 1, a);
                }
                let outcome = if self.is_callable(handler) {
                    match self.call(handler, Value::Undefined, &[a]) {
                        Ok(v) => Ok(v),
                        Err(Exc::Throw(e)) => Err(e),
                        Err(other) => return Err(other),
                    }
                } else if state == 1 {
                    Ok(a)
                } else {
                    Err(a)
                };
                if let Some(dp) = derived {
                    match outcome {
                        Ok(v) => self.resolve_promise(dp, v)?,
                        Err(e) => self.settle(dp, 2, e)?,
                    }
                }
                Ok(())
            }
            JOB_THENABLE => {
                let Value::Ref(p) = d else {
                    unreachable!("a thenable job holds its promise")
                };
                let (res, rej) = self.resolving_functions(p)?;
                if let Err(e) = self.call(f, a, &[Value::Ref(res), Value::Ref(rej)]) {
                    match e {
                        Exc::Throw(e) => {
                            self.call(Value::Ref(rej), Value::Undefined, &[e])?;
                        }
                        other => return Err(other),
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

fn this_promise(it: &mut Interp<'_>, t: Value) -> R<Handle> {
    match t {
        Value::Ref(h) if it.tag(t) == Some(PROMISE) => Ok(h),
        _ => Err(it.throw_type("Method Promise.prototype.then called on incompatible receiver")?),
    }
}

pub(super) fn install(it: &mut Interp<'_>) -> R<()> {
    let pp = it.intr().promise_proto.handle();
    let ctor = it.constructor(
        "Promise",
        |it, _t, a, _c| {
            let exec = arg(a, 0);
            if !it.is_callable(exec) {
                let s = it.to_str(exec)?;
                return Err(it.throw_type(&format!("Promise resolver {s} is not a function"))?);
            }
            let p = it.new_promise()?;
            let (res, rej) = it.resolving_functions(p)?;
            match it.call(exec, Value::Undefined, &[Value::Ref(res), Value::Ref(rej)]) {
                Ok(_) => {}
                Err(Exc::Throw(e)) => {
                    it.call(Value::Ref(rej), Value::Undefined, &[e])?;
                }
                Err(other) => return Err(other),
            }
            Ok(Value::Ref(p))
        },
        pp,
    )?;
    it.method(ctor, "Promise.resolve", |it, _t, a, _c| {
        let v = arg(a, 0);
        if it.tag(v) == Some(PROMISE) {
            return Ok(v);
        }
        let p = it.new_promise()?;
        it.resolve_promise(p, v)?;
        Ok(Value::Ref(p))
    })?;
    it.method(ctor, "Promise.reject", |it, _t, a, _c| {
        let p = it.new_promise()?;
        it.settle(p, 2, arg(a, 0))?;
        Ok(Value::Ref(p))
    })?;
    it.method(pp, "Promise.prototype.then", |it, t, a, _c| {
        let p = this_promise(it, t)?;
        let d = it.new_promise()?;
        it.promise_then(p, arg(a, 0), arg(a, 1), Value::Ref(d))?;
        Ok(Value::Ref(d))
    })?;
    it.method(pp, "Promise.prototype.catch", |it, t, a, _c| {
        let p = this_promise(it, t)?;
        let d = it.new_promise()?;
        it.promise_then(p, Value::Undefined, arg(a, 0), Value::Ref(d))?;
        Ok(Value::Ref(d))
    })?;
    Ok(())
}
