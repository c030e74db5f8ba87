//! `WeakMap`, `WeakSet`, `WeakRef` and `FinalizationRegistry` over the heap's weak slots,
//! ephemeron tables and finalization queue (`gclab::weak`).
//!
//! Layouts (every object starts with the usual prototype, property store and count):
//! - `WeakMap` / `WeakSet` (tags [`WEAKMAP`], [`WEAKSET`]): slot 3 is an ephemeron table
//!   ([`EPHEMERON_TABLE`], `SlotLayout::Ephemeron`): a value lives only while its key is
//!   reachable from elsewhere, so a value that references its own key does not keep it. A
//!   lookup compares the keys' current addresses (the collector updates table keys when
//!   objects move); a full table is copied into one twice as large.
//! - `WeakRef` ([`WEAKREF`]): slot 3 is a one-slot weak cell; `deref()` reads it.
//! - `FinalizationRegistry` ([`FINREG`]): slot 3 the cleanup callback, slot 4 the heap's
//!   registry id. Each `register(target, held, token)` registers `[callback, held]` as the
//!   held value, so the queue entry names the callback to run.
//!
//! Cleanup callbacks run as Node runs them: as tasks after a collection, never inside it.
//! After each macrotask (and after `gc()`), the held values the heap queued become one
//! `setImmediate`-like task each, rooted as a pending callback labelled
//! `FinalizationRegistry cleanup`.
//!
//! Invariant: every object of these tags has the layout above; natives check the tag of
//! `this` before reading a slot.

use super::arg;
use super::promise::JOB_CALLBACK;
use crate::js::realm::tags::*;
use crate::js::{Interp, R};
use gclab::{Handle, RegistryId, RootKind, SlotLayout, TypeTag, Value};

/// `WeakMap`: slot 3 the ephemeron table.
pub(crate) const WEAKMAP: TypeTag = 150;
/// `WeakSet`: slot 3 the ephemeron table (values `true`).
pub(crate) const WEAKSET: TypeTag = 151;
/// `WeakRef`: slot 3 the weak cell.
pub(crate) const WEAKREF: TypeTag = 152;
/// `FinalizationRegistry`: slot 3 the cleanup callback, slot 4 the registry id.
pub(crate) const FINREG: TypeTag = 153;
/// An ephemeron table (key, value pairs).
pub(crate) const EPHEMERON_TABLE: TypeTag = 154;
/// A weak cell (one weak slot).
pub(crate) const WEAK_CELL: TypeTag = 155;
/// `[callback, held value]`: what a registration queues.
pub(crate) const CLEANUP: TypeTag = 156;

const TABLE: usize = 3;
const INITIAL_PAIRS: usize = 4;

impl<'a> Interp<'a> {
    fn this_of(&mut self, t: Value, tag: TypeTag, what: &str) -> R<Handle> {
        match t {
            Value::Ref(h) if self.tag(t) == Some(tag) => Ok(h),
            _ => Err(self.throw_type(&format!("{what} called on an incompatible receiver"))?),
        }
    }

    /// A key a weak collection can hold: an object (strings are values in JavaScript).
    fn weak_key(&mut self, v: Value) -> R<Option<Handle>> {
        match v {
            Value::Ref(h) if self.tag(v) != Some(STRING) => Ok(Some(h)),
            _ => Ok(None),
        }
    }

    fn weak_table(&mut self, m: Handle) -> R<Handle> {
        Ok(self
            .heap
            .get(m, TABLE)?
            .as_ref()
            .expect("weak maps have a table"))
    }

    fn weak_set(&mut self, m: Handle, k: Handle, v: Value) -> R<()> {
        let table = self.weak_table(m)?;
        if self.heap.ephemeron_insert(table, k, v)? {
            return Ok(());
        }
        // Full: copy the live pairs into a table twice as large.
        let pairs = self.heap.ephemeron_pairs(table)?;
        let cap = (self.heap.slot_count(table)? / 2).max(INITIAL_PAIRS) * 2;
        let bigger = self
            .heap
            .alloc_layout(EPHEMERON_TABLE, 2 * cap, 0, SlotLayout::Ephemeron)?;
        for (pk, pv) in pairs {
            self.heap.ephemeron_insert(bigger, pk, pv)?;
        }
        self.heap.ephemeron_insert(bigger, k, v)?;
        self.heap.set(m, TABLE, bigger)?;
        Ok(())
    }

    /// Queues one cleanup task per held value the heap finalized since the last call.
    pub(crate) fn schedule_finalization_cleanups(&mut self) -> R<()> {
        for done in self.heap.take_finalized() {
            let cell = self.heap.local(done.held.handle())?;
            self.heap.release(done.held)?;
            let f = self.heap.get(cell, 0)?;
            let held = self.heap.get(cell, 1)?;
            let args = self.array_of(&[held])?;
            let j = self.heap.alloc(JOB, 4, 0)?;
            self.heap.set(j, 0, Value::Int(JOB_CALLBACK))?;
            self.heap.set(j, 1, f)?;
            self.heap.set(j, 2, args)?;
            let root =
                self.heap
                    .root(RootKind::PendingCallback, "FinalizationRegistry cleanup", j)?;
            let k = self.next_job;
            self.next_job += 1;
            self.jobs.insert(k, root);
            self.event_loop.set_immediate(k);
        }
        Ok(())
    }
}

fn new_weak_collection(it: &mut Interp<'_>, this: Value, tag: TypeTag) -> R<Handle> {
    let proto = match this {
        Value::Ref(h) if it.tag(this) == Some(OBJECT) => it.heap.get(h, PROTO)?,
        _ => return Err(it.throw_type("Constructor requires 'new'")?),
    };
    let m = it.new_object_with(tag, 4, proto)?;
    let t = it
        .heap
        .alloc_layout(EPHEMERON_TABLE, 2 * INITIAL_PAIRS, 0, SlotLayout::Ephemeron)?;
    it.heap.set(m, TABLE, t)?;
    Ok(m)
}

fn invalid_key(it: &mut Interp<'_>, what: &str) -> R<Value> {
    Err(it.throw_type(&format!("Invalid value used {what}"))?)
}

fn install_weak_map(it: &mut Interp<'_>) -> R<()> {
    let mp = it.new_object()?;
    it.constructor(
        "WeakMap",
        |it, t, _a, _c| Ok(Value::Ref(new_weak_collection(it, t, WEAKMAP)?)),
        mp,
    )?;
    it.method(mp, "WeakMap.prototype.set", |it, t, a, _c| {
        let m = it.this_of(t, WEAKMAP, "WeakMap.prototype.set")?;
        let Some(k) = it.weak_key(arg(a, 0))? else {
            return invalid_key(it, "as weak map key");
        };
        it.weak_set(m, k, arg(a, 1))?;
        Ok(t)
    })?;
    it.method(mp, "WeakMap.prototype.get", |it, t, a, _c| {
        let m = it.this_of(t, WEAKMAP, "WeakMap.prototype.get")?;
        let Some(k) = it.weak_key(arg(a, 0))? else {
            return Ok(Value::Undefined);
        };
        let table = it.weak_table(m)?;
        Ok(it.heap.ephemeron_get(table, k)?.unwrap_or(Value::Undefined))
    })?;
    it.method(mp, "WeakMap.prototype.has", |it, t, a, _c| {
        let m = it.this_of(t, WEAKMAP, "WeakMap.prototype.has")?;
        let Some(k) = it.weak_key(arg(a, 0))? else {
            return Ok(Value::Bool(false));
        };
        let table = it.weak_table(m)?;
        Ok(Value::Bool(it.heap.ephemeron_find(table, k)?.is_some()))
    })?;
    it.method(mp, "WeakMap.prototype.delete", |it, t, a, _c| {
        let m = it.this_of(t, WEAKMAP, "WeakMap.prototype.delete")?;
        let Some(k) = it.weak_key(arg(a, 0))? else {
            return Ok(Value::Bool(false));
        };
        let table = it.weak_table(m)?;
        Ok(Value::Bool(it.heap.ephemeron_remove(table, k)?))
    })?;
    Ok(())
}

fn install_weak_set(it: &mut Interp<'_>) -> R<()> {
    let sp = it.new_object()?;
    it.constructor(
        "WeakSet",
        |it, t, _a, _c| Ok(Value::Ref(new_weak_collection(it, t, WEAKSET)?)),
        sp,
    )?;
    it.method(sp, "WeakSet.prototype.add", |it, t, a, _c| {
        let m = it.this_of(t, WEAKSET, "WeakSet.prototype.add")?;
        let Some(k) = it.weak_key(arg(a, 0))? else {
            return invalid_key(it, "in weak set");
        };
        it.weak_set(m, k, Value::Bool(true))?;
        Ok(t)
    })?;
    it.method(sp, "WeakSet.prototype.has", |it, t, a, _c| {
        let m = it.this_of(t, WEAKSET, "WeakSet.prototype.has")?;
        let Some(k) = it.weak_key(arg(a, 0))? else {
            return Ok(Value::Bool(false));
        };
        let table = it.weak_table(m)?;
        Ok(Value::Bool(it.heap.ephemeron_find(table, k)?.is_some()))
    })?;
    it.method(sp, "WeakSet.prototype.delete", |it, t, a, _c| {
        let m = it.this_of(t, WEAKSET, "WeakSet.prototype.delete")?;
        let Some(k) = it.weak_key(arg(a, 0))? else {
            return Ok(Value::Bool(false));
        };
        let table = it.weak_table(m)?;
        Ok(Value::Bool(it.heap.ephemeron_remove(table, k)?))
    })?;
    Ok(())
}

fn install_weak_ref(it: &mut Interp<'_>) -> R<()> {
    let rp = it.new_object()?;
    it.constructor(
        "WeakRef",
        |it, t, a, _c| {
            let proto = match t {
                Value::Ref(h) if it.tag(t) == Some(OBJECT) => it.heap.get(h, PROTO)?,
                _ => return Err(it.throw_type("Constructor WeakRef requires 'new'")?),
            };
            let Some(target) = it.weak_key(arg(a, 0))? else {
                return invalid_key(it, "as WeakRef target");
            };
            let r = it.new_object_with(WEAKREF, 4, proto)?;
            let cell = it.heap.weak_ref(WEAK_CELL, target)?;
            it.heap.set(r, TABLE, cell)?;
            Ok(Value::Ref(r))
        },
        rp,
    )?;
    it.method(rp, "WeakRef.prototype.deref", |it, t, _a, _c| {
        let r = it.this_of(t, WEAKREF, "WeakRef.prototype.deref")?;
        let cell = it.heap.get(r, TABLE)?.as_ref().expect("a weak cell");
        Ok(it.heap.get(cell, 0)?)
    })?;
    Ok(())
}

fn install_finalization_registry(it: &mut Interp<'_>) -> R<()> {
    let fp = it.new_object()?;
    it.constructor(
        "FinalizationRegistry",
        |it, t, a, _c| {
            let proto = match t {
                Value::Ref(h) if it.tag(t) == Some(OBJECT) => it.heap.get(h, PROTO)?,
                _ => return Err(it.throw_type("Constructor FinalizationRegistry requires 'new'")?),
            };
            let cb = arg(a, 0);
            if !it.is_callable(cb) {
                return Err(it.throw_type("FinalizationRegistry: cleanup must be callable")?);
            }
            let r = it.new_object_with(FINREG, 5, proto)?;
            let id = it.heap.new_finalization_registry();
            it.heap.set(r, 3, cb)?;
            it.heap.set(r, 4, Value::Int(id.0 as i32))?;
            Ok(Value::Ref(r))
        },
        fp,
    )?;
    it.method(
        fp,
        "FinalizationRegistry.prototype.register",
        |it, t, a, _c| {
            let r = it.this_of(t, FINREG, "FinalizationRegistry.prototype.register")?;
            let Some(target) = it.weak_key(arg(a, 0))? else {
                return invalid_key(it, "as FinalizationRegistry target");
            };
            if let Value::Ref(h) = arg(a, 1) {
                if it.heap.same_object(h, target)? {
                    return Err(it.throw_type(
                    "FinalizationRegistry.prototype.register: target and holdings must not be same",
                )?);
                }
            }
            let token = match arg(a, 2) {
                Value::Undefined => None,
                v => match it.weak_key(v)? {
                    Some(h) => Some(h),
                    None => return invalid_key(it, "as unregister token"),
                },
            };
            let id = RegistryId(it.heap.get(r, 4)?.as_int().unwrap_or(0) as u32);
            let cb = it.heap.get(r, 3)?;
            let cell = it.heap.alloc(CLEANUP, 2, 0)?;
            it.heap.set(cell, 0, cb)?;
            it.heap.set(cell, 1, arg(a, 1))?;
            it.heap.register_finalizer(id, target, cell, token)?;
            Ok(Value::Undefined)
        },
    )?;
    it.method(
        fp,
        "FinalizationRegistry.prototype.unregister",
        |it, t, a, _c| {
            let r = it.this_of(t, FINREG, "FinalizationRegistry.prototype.unregister")?;
            let Some(token) = it.weak_key(arg(a, 0))? else {
                return invalid_key(it, "as unregister token");
            };
            let id = RegistryId(it.heap.get(r, 4)?.as_int().unwrap_or(0) as u32);
            Ok(Value::Bool(it.heap.unregister_finalizer(id, token)? > 0))
        },
    )?;
    Ok(())
}

/// Installs the weak built-ins, and a `gc()` that queues the cleanups its collection found.
pub(super) fn install(it: &mut Interp<'_>) -> R<()> {
    for (tag, name, slots) in [
        (
            WEAKMAP,
            "WeakMap",
            &["__proto__", "properties", "count", "table"][..],
        ),
        (
            WEAKSET,
            "WeakSet",
            &["__proto__", "properties", "count", "table"][..],
        ),
        (
            WEAKREF,
            "WeakRef",
            &["__proto__", "properties", "count", "target"][..],
        ),
        (
            FINREG,
            "FinalizationRegistry",
            &["__proto__", "properties", "count", "cleanup", "id"][..],
        ),
        (EPHEMERON_TABLE, "(ephemeron table)", &[][..]),
        (WEAK_CELL, "(weak cell)", &["target"][..]),
        (CLEANUP, "(finalization cleanup)", &["callback", "held"][..]),
    ] {
        it.heap.register_type(tag, name, slots);
    }
    install_weak_map(it)?;
    install_weak_set(it)?;
    install_weak_ref(it)?;
    install_finalization_registry(it)?;
    let gc = it.native("gc", |it, _t, _a, _c| {
        it.heap.collect(gclab::CollectionKind::Major);
        it.schedule_finalization_cleanups()?;
        Ok(Value::Undefined)
    })?;
    it.heap.set_global("__gc", gc)?;
    Ok(())
}
