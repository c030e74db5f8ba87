//! Frame slots: the variables of a call of a function that captures nothing
//! ([`super::capture`]) live in locals of the call's heap frame instead of a heap
//! environment, so such a call allocates no environment.
//!
//! Invariant: while a frame-slot call runs, `Interp::frame` names it and `Interp::slots`
//! holds, from `frame.base`, one local per name of the function's layout, each a local of
//! the call's own heap frame, so it is a precise root exactly while the call runs and none
//! after. The slots are in scope only while `Interp::env` is the environment handle the
//! call loaded: code run from inside the call under an environment of its own (a callee, a
//! resumed generator) never sees them, and they come back in scope when that code restores
//! the call's environment. A read copies the value into a new local
//! ([`gclab::Heap::read_local`]), so a later assignment does not change a value already
//! read.

use super::realm::tags::*;
use super::realm::Code;
use super::scope::Layout;
use super::{Interp, R};
use gclab::{Handle, Value};
use std::rc::Rc;

/// The initial value of a frame slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SlotInit {
    /// Argument `i` (`undefined` if not passed).
    Param(usize),
    /// `undefined` (a `var`).
    Undefined,
    /// The temporal-dead-zone marker (a top-level `let`/`const`).
    Hole,
}

/// The running call of a function whose variables are frame slots.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FrameScope {
    /// The environment the call runs in (the closure's), exactly as the call loaded it: the
    /// frame slots are in scope while `Interp::env` is this handle (other code sets a handle
    /// of its own; returning to the call restores this one).
    pub env: gclab::Handle,
    /// Index in `Interp::slots` of the call's first variable.
    pub base: u32,
    /// The function (its layout names the slots).
    pub func: i32,
}

/// Where a variable lives: slot `i` of a heap environment, or a frame slot (a local of the
/// heap frame of the call that declares it).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Place {
    Env(Handle, usize),
    Local(Handle),
}

impl<'a> Interp<'a> {
    /// The running frame-slot call, if its variables are in scope: the current environment
    /// is the handle the call loaded (code that sets another environment, a generator or an
    /// async function resumed from inside the call, leaves them out of scope).
    #[inline(always)]
    pub(crate) fn frame_in_scope(&self) -> Option<FrameScope> {
        match (self.frame, self.env) {
            (Some(f), Value::Ref(e)) if e == f.env => Some(f),
            _ => None,
        }
    }

    /// The index of `name` among the frame slots in scope, and whether it may hold the
    /// temporal-dead-zone marker.
    pub(crate) fn frame_slot(&self, name: &str) -> Option<(FrameScope, usize, bool)> {
        let f = self.frame_in_scope()?;
        let l = &self.funcs[f.func as usize].layout;
        let &i = l.index.get(name)?;
        Some((f, i, l.may_hole[i + 1]))
    }

    /// The variable `place` holds (a reference as a new local of the current frame).
    #[inline(always)]
    pub(crate) fn read_place(&mut self, place: Place) -> R<Value> {
        Ok(match place {
            Place::Env(e, i) => self.heap.get(e, i)?,
            Place::Local(h) => self.heap.read_local(h)?,
        })
    }

    /// Stores `v` into the variable `place`.
    #[inline(always)]
    pub(crate) fn write_place(&mut self, place: Place, v: Value) -> R<()> {
        match place {
            Place::Env(e, i) => self.heap.set(e, i, v)?,
            Place::Local(h) => self.heap.set_local(h, v)?,
        }
        Ok(())
    }

    /// [`run_closure`](Self::run_closure) of a function that captures nothing
    /// ([`super::capture`]): its variables are locals of the call's frame, pushed here in
    /// layout order (parameters bound, `let`/`const` in their dead zone, the rest
    /// `undefined`), instead of slots of a heap environment. No environment is allocated;
    /// the closure's own environment `env` stays current, for the names the body does not
    /// declare.
    pub(crate) fn run_in_frame_slots(
        &mut self,
        fh: Handle,
        env: Handle,
        id: i32,
        init: &[SlotInit],
        this: Value,
        args: &[Value],
    ) -> R<Value> {
        let code = self.funcs[id as usize].code;
        // The body has no `super` and makes no arrow (`super::capture`): nothing reads the
        // callee, so it is not rooted.
        self.callee = None;
        self.this = match code {
            Code::Arrow(_) => self.heap.get(fh, FN_THIS)?,
            _ => this,
        };
        let base = self.slots.len();
        for &s in init {
            let v = match s {
                SlotInit::Param(i) => args.get(i).copied().unwrap_or(Value::Undefined),
                SlotInit::Undefined => Value::Undefined,
                SlotInit::Hole => Value::Ref(self.intr().hole.handle()),
            };
            let h = self.heap.local(v)?;
            self.slots.push(h);
        }
        self.env = Value::Ref(env);
        self.frame = Some(FrameScope {
            env,
            base: base as u32,
            func: id,
        });
        match code {
            Code::Arrow(a) => match a.body.as_expression() {
                Some(e) => self.eval(e),
                None => self.run_statements(super::call::arrow_statements(a)),
            },
            Code::Function(f) => match &f.body {
                Some(b) => self.run_statements(&b.statements),
                None => Ok(Value::Undefined),
            },
            Code::Class(_) => unreachable!("class constructors run through construct"),
        }
    }
}

/// The initial values of a frame-slot function's variables: a parameter's slot takes the
/// argument of the last parameter of that name (as a duplicate-parameter function binds
/// them), a top-level `let`/`const` starts in its dead zone, any other name `undefined`.
pub(crate) fn frame_init(layout: &Layout, params: &[usize]) -> Rc<[SlotInit]> {
    let mut init: Vec<SlotInit> = (1..=layout.names.len())
        .map(|slot| match layout.may_hole[slot] {
            true => SlotInit::Hole,
            false => SlotInit::Undefined,
        })
        .collect();
    for (i, &slot) in params.iter().enumerate() {
        init[slot - 1] = SlotInit::Param(i);
    }
    init.into()
}
