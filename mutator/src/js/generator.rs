//! Generators (`function*`, `yield`) on the resumable cursor of [`super::resume`].
//!
//! Calling a generator function binds its parameters and returns a generator object
//! (`GENERATOR`: the object slots, then environment, `this`, callee, the last yielded value,
//! the cursor, its state, and the value of a pending `return(v)`). `next(v)` runs the body on the cursor until a `yield`, which
//! stores the yielded value and the environment in the object and unwinds with
//! [`Exc::Suspend`], recording its place as an `await` does; the next `next(v)` replays the
//! cursor and the `yield` evaluates to `v` (`throw(e)` makes it throw `e`; `return(v)`
//! unwinds it through its `finally` blocks, as a `for…of` that leaves early does). `yield` is
//! resumable at the positions `await` is, and so is `yield*`, which delegates to any
//! iterable (see [`yield_star`](Interp::yield_star)).
//!
//! Invariant: a suspended generator is only heap data (its object), so an abandoned
//! generator is garbage like any other object; no frame outlives a `next` call.

use super::builtins::arg;
use super::builtins::iterator::{Iter, Site, F_ARRAY, VALUES};
use super::realm::tags::*;
use super::resume::{Entry, Resumed, DELEGATE};
use super::{Exc, Flow, Interp, R};
use gclab::{Handle, Value};
use oxc_ast::ast::*;

const G_ENV: usize = 3;
const G_THIS: usize = 4;
const G_CALLEE: usize = 5;
const G_YIELDED: usize = 6;
const G_STATE: usize = 8;
/// The value of a `return(v)` while the generator's `finally` blocks run (they may yield).
const G_RETURN: usize = 9;
const G_SLOTS: usize = 10;

/// Generator states.
const START: i32 = 0;
const YIELDED: i32 = 1;
const RUNNING: i32 = 2;
const DONE: i32 = 3;

/// What a generator is resumed with.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Next,
    Throw,
    Return,
}

impl<'a> Interp<'a> {
    /// A generator function's call: binds the parameters, returns the generator object.
    pub(crate) fn start_generator(
        &mut self,
        fh: Handle,
        params: &'a FormalParameters<'a>,
        body: Option<&'a [Statement<'a>]>,
        args: &[Value],
    ) -> R<Value> {
        self.bind_params(params, args)?;
        if let Some(b) = body {
            self.enter_tdz()?;
            self.hoist_functions(b)?;
        }
        let gp = self.intr().generator_proto.handle();
        let g = self.new_object_with(GENERATOR, G_SLOTS, Value::Ref(gp))?;
        self.heap.set(g, G_ENV, self.env)?;
        self.heap.set(g, G_THIS, self.this)?;
        self.heap.set(g, G_CALLEE, Value::Ref(fh))?;
        self.heap.set(g, G_STATE, Value::Int(START))?;
        Ok(Value::Ref(g))
    }

    /// `yield v`: stores `v` in the running generator and suspends it.
    pub(crate) fn yield_value(&mut self, v: Value, at: u32) -> R<Value> {
        let Some(g) = self
            .async_state
            .filter(|&s| self.heap.type_tag(s).ok() == Some(GENERATOR))
        else {
            return self.unsupported("`yield` outside a generator", at);
        };
        self.heap.set(g, G_YIELDED, v)?;
        self.heap.set(g, G_ENV, self.env)?;
        self.record(Entry::leaf())?;
        Err(Exc::Suspend)
    }

    /// `yield* it`: forwards `next(v)`, `throw(e)` and `return(v)` to the iterator of `it`
    /// and yields what it yields; its value is the iterator's return value. Across a
    /// suspension the iterator waits in a `DELEGATE` cursor entry.
    pub(crate) fn yield_star(&mut self, y: &'a YieldExpression<'a>) -> R<Value> {
        let (inner, how, v) = match self.take(DELEGATE)? {
            Some(Entry {
                a: Value::Ref(h), ..
            }) => {
                self.resume.pop();
                let (how, v) = self
                    .resume_value
                    .take()
                    .expect("a resumed yield has its value");
                (h, how, v)
            }
            _ => {
                let Some(arg) = &y.argument else {
                    return self.unsupported("`yield*` without an operand", y.span.start);
                };
                let v = self.eval(arg)?;
                let h = match self.get_iterator(v, Site::Native)? {
                    Iter::Array { arr, .. } => {
                        let i = self.new_iterator(Value::Ref(arr), F_ARRAY, VALUES)?;
                        i.as_ref().expect("an iterator object")
                    }
                    Iter::Object(h) => h,
                };
                (h, Resumed::Value, Value::Undefined)
            }
        };
        let o = Value::Ref(inner);
        let method = match how {
            Resumed::Value => "next",
            Resumed::Throw => "throw",
            Resumed::Return => "return",
        };
        let f = self.get_named(o, method)?;
        if !self.is_callable(f) {
            return match how {
                Resumed::Return => Err(Exc::GeneratorReturn),
                Resumed::Throw => {
                    let closed = Iter::Object(inner);
                    self.iter_close(&closed, Ok(()))?;
                    let m = "The iterator does not provide a 'throw' method";
                    Err(self.throw_type(m)?)
                }
                Resumed::Value => {
                    let s = self.inspect(f)?;
                    Err(self.throw_type(&format!("{s} is not a function"))?)
                }
            };
        }
        let r = self.call(f, o, &[v])?;
        if !matches!(r, Value::Ref(_)) || self.is_str(r) {
            let s = self.inspect(r)?;
            return Err(self.throw_type(&format!("Iterator result {s} is not an object"))?);
        }
        let done = self.get_named(r, "done")?;
        if self.truthy(done)? {
            if how == Resumed::Return {
                return Err(Exc::GeneratorReturn);
            }
            return self.get_named(r, "value");
        }
        let item = self.get_named(r, "value")?;
        let res = self.yield_value(item, y.span.start);
        self.mark(res, Entry::new(DELEGATE, 0, o, Value::Undefined))
    }

    /// `{ value, done }`.
    pub(crate) fn iter_result(&mut self, v: Value, done: bool) -> R<Value> {
        let o = self.new_object()?;
        self.set_named(o, "value", v)?;
        self.set_named(o, "done", Value::Bool(done))?;
        Ok(Value::Ref(o))
    }

    /// `g.next(v)` / `g.throw(v)` / `g.return(v)`: an iterator result or a throw.
    pub(crate) fn generator_resume(&mut self, g: Handle, mode: Mode, v: Value) -> R<Value> {
        let state = self.heap.get(g, G_STATE)?.as_int().unwrap_or(DONE);
        match (state, mode) {
            (RUNNING, _) => return Err(self.throw_type("Generator is already running")?),
            (DONE, Mode::Throw) => return Err(Exc::Throw(v)),
            (DONE, Mode::Next) => return self.iter_result(Value::Undefined, true),
            (START | DONE, Mode::Return) => {
                self.heap.set(g, G_STATE, Value::Int(DONE))?;
                return self.iter_result(v, true);
            }
            (START, Mode::Throw) => {
                self.heap.set(g, G_STATE, Value::Int(DONE))?;
                return Err(Exc::Throw(v));
            }
            _ => {}
        }
        let callee = self
            .heap
            .get(g, G_CALLEE)?
            .as_ref()
            .expect("a generator holds its function");
        let id = self
            .func_of(Value::Ref(callee))
            .expect("a generator's callee is a closure");
        let label = self.funcs[id as usize].label;
        let code = self.funcs[id as usize].code;
        self.check_depth()?;
        self.heap.set(g, G_STATE, Value::Int(RUNNING))?;
        let frame = self.heap.push_frame_static(label);
        self.depth += 1;
        let saved = (self.env, self.this, self.callee);
        self.env = self.heap.get(g, G_ENV)?;
        self.this = self.heap.get(g, G_THIS)?;
        self.callee = Some(callee);
        let mut r = Ok(());
        if state == YIELDED {
            r = self.load_cursor(g);
            let how = match mode {
                Mode::Next => Resumed::Value,
                Mode::Throw => Resumed::Throw,
                Mode::Return => {
                    // The value waits in the object while `finally` blocks run.
                    self.heap.set(g, G_RETURN, v)?;
                    Resumed::Return
                }
            };
            self.resume_value = Some((how, v));
        }
        let r = match r {
            Ok(()) => self.async_step(g, code),
            Err(e) => Err(e),
        };
        let replayed = self.resume.is_empty();
        self.resume.clear();
        self.resume_value = None;
        (self.env, self.this, self.callee) = saved;
        self.depth -= 1;
        let out = match r {
            _ if !replayed => Err(Exc::Unsupported(
                "internal error: a generator's cursor was not replayed to its yield".into(),
            )),
            Err(Exc::Suspend) => {
                self.heap.set(g, G_STATE, Value::Int(YIELDED))?;
                let y = self.heap.get(g, G_YIELDED)?;
                self.heap.set(g, G_YIELDED, Value::Undefined)?;
                self.iter_result(y, false)
            }
            Ok(flow) => {
                self.heap.set(g, G_STATE, Value::Int(DONE))?;
                let v = match flow {
                    Flow::Return(v) => v,
                    _ => Value::Undefined,
                };
                self.iter_result(v, true)
            }
            Err(Exc::GeneratorReturn) => {
                self.heap.set(g, G_STATE, Value::Int(DONE))?;
                let v = self.heap.get(g, G_RETURN)?;
                self.heap.set(g, G_RETURN, Value::Undefined)?;
                self.iter_result(v, true)
            }
            Err(e) => {
                self.heap.set(g, G_STATE, Value::Int(DONE))?;
                Err(e)
            }
        };
        self.pop_frame_with(frame, out)
    }

    /// The next item of generator `g`, `None` when it is done.
    pub(crate) fn generator_next(&mut self, g: Handle) -> R<Option<Value>> {
        let r = self.generator_resume(g, Mode::Next, Value::Undefined)?;
        let done = self.get_named(r, "done")?;
        if done == Value::Bool(true) {
            return Ok(None);
        }
        Ok(Some(self.get_named(r, "value")?))
    }

    /// Closes `g` after a `for…of` over it ended early (`break`, `return`, a throw), running
    /// its pending `finally` blocks; a throw from them replaces a normal exit only.
    pub(crate) fn close_generator<T>(&mut self, g: Handle, r: R<T>) -> R<T> {
        match r {
            Err(Exc::Suspend) => r,
            Err(Exc::Throw(e)) => {
                match self.generator_resume(g, Mode::Return, Value::Undefined) {
                    Ok(_) | Err(Exc::Throw(_)) => {}
                    Err(other) => return Err(other),
                }
                Err(Exc::Throw(e))
            }
            // The enclosing generator is being returned from: close this one on the way.
            Err(Exc::GeneratorReturn) => {
                self.generator_resume(g, Mode::Return, Value::Undefined)?;
                Err(Exc::GeneratorReturn)
            }
            Err(other) => Err(other),
            Ok(x) => {
                self.generator_resume(g, Mode::Return, Value::Undefined)?;
                Ok(x)
            }
        }
    }

    /// Whether `v` is a generator object.
    pub(crate) fn is_generator(&self, v: Value) -> Option<Handle> {
        match v {
            Value::Ref(h) if self.tag(v) == Some(GENERATOR) => Some(h),
            _ => None,
        }
    }
}

fn this_generator(it: &mut Interp<'_>, t: Value, what: &str) -> R<Handle> {
    match it.is_generator(t) {
        Some(g) => Ok(g),
        None => {
            let s = it.to_str(t)?;
            Err(it.throw_type(&format!(
                "{what} method called on incompatible receiver {s}"
            ))?)
        }
    }
}

pub(crate) fn install(it: &mut Interp<'_>) -> R<()> {
    let gp = it.intr().generator_proto.handle();
    it.method(gp, "Generator.prototype.next", |it, t, a, _c| {
        let g = this_generator(it, t, "next")?;
        it.generator_resume(g, Mode::Next, arg(a, 0))
    })?;
    it.method(gp, "Generator.prototype.return", |it, t, a, _c| {
        let g = this_generator(it, t, "return")?;
        it.generator_resume(g, Mode::Return, arg(a, 0))
    })?;
    it.method(gp, "Generator.prototype.throw", |it, t, a, _c| {
        let g = this_generator(it, t, "throw")?;
        it.generator_resume(g, Mode::Throw, arg(a, 0))
    })?;
    Ok(())
}
