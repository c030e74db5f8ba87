//! The raw embedder path on both sides: a [`SlotSource`] registered as an external root
//! source, raw words stored into it, `root_raw`, `get_raw` and `set_raw` through it.
//!
//! Invariant: each registered source's slots hold the raw words of the model source's values
//! (immediates bit for bit, references to the heap objects recorded for the model objects),
//! and a word is only written while it is valid — read from a live handle, returned by
//! `alloc_raw` or `get_raw` — with no collection in between.

use super::{raw_immediate, HandleRef, Harness, Resolved, SourceEntry};
use crate::testing::checker::CheckError;
use crate::testing::model::MValue;
use crate::testing::op::{Sel, ValSel};
use crate::testing::slot_source::SlotSource;
use crate::{RawValue, RootKind, Value};

impl Harness {
    /// `add_root_source` of a source of `1 + len % 8` slots, all `undefined`.
    pub(super) fn op_add_source(&mut self, kind: u8, len: u8) {
        let kind = RootKind::ALL[kind as usize % 8];
        let len = 1 + len as usize % 8;
        let id = self
            .heap
            .add_root_source(kind, "test source", SlotSource::new(len));
        let key = self.model.add_source(kind, len);
        self.sources.push(SourceEntry { id, key });
    }

    /// Writes a source slot: the raw word of a handle, or an immediate.
    pub(super) fn op_source_store(
        &mut self,
        source: Sel,
        slot: usize,
        value: ValSel,
    ) -> Result<(), String> {
        if let (Some(s), Some(v)) = (self.source(source)?, self.resolve(value)) {
            self.source_store(s, slot, v)?;
        }
        Ok(())
    }

    /// `root_raw` of a source slot: a new handle, paired with a new model local.
    pub(super) fn op_source_load(&mut self, source: Sel, slot: usize) -> Result<(), String> {
        if let Some(s) = self.source(source)? {
            let (raw, m) = self.source_slot(s, slot);
            // SAFETY: `raw` sits in a registered source slot, which the collector keeps up
            // to date, and nothing ran since it was read.
            let h = unsafe { self.heap.root_raw(raw) };
            let lr = self.model.local(m);
            self.handles.push((h, HandleRef::Local(lr)));
        }
        Ok(())
    }

    /// `set_raw` on the object a source slot references.
    pub(super) fn op_raw_store(
        &mut self,
        source: Sel,
        slot: usize,
        field: usize,
        value: ValSel,
    ) -> Result<(), String> {
        if let (Some(s), Some(v)) = (self.source(source)?, self.resolve(value)) {
            self.raw_store(s, slot, field, v)?;
        }
        Ok(())
    }

    /// `set_raw` of one source slot's word into a field of the object another slot holds.
    pub(super) fn op_raw_link(
        &mut self,
        (source, slot, field): (Sel, usize, usize),
        (from, from_slot): (Sel, usize),
    ) -> Result<(), String> {
        let (Some(s), Some(f)) = (self.source(source)?, self.source(from)?) else {
            return Ok(());
        };
        let (obj, mobj) = self.source_slot(s, slot);
        let (raw, m) = self.source_slot(f, from_slot);
        // SAFETY: both words sit in registered source slots, which the collector keeps up
        // to date; nothing collected since they were read.
        let r = unsafe { self.heap.set_raw(obj, field, raw) };
        let expect = self.model.set(mobj, field, m);
        self.same("set_raw (source to source)", r, expect)?;
        Ok(())
    }

    /// `get_raw` of a field, the word stored straight into a source slot.
    pub(super) fn op_raw_load(
        &mut self,
        (source, slot, field): (Sel, usize, usize),
        (into, into_slot): (Sel, usize),
    ) -> Result<(), String> {
        let (Some(s), Some(t)) = (self.source(source)?, self.source(into)?) else {
            return Ok(());
        };
        let Some((raw, m)) = self.raw_read(s, slot, field)? else {
            return Ok(());
        };
        let (id, key) = (self.sources[t].id, self.sources[t].key);
        let src = self.heap.root_source_mut(&id).expect("registered");
        let i = into_slot % src.len();
        // SAFETY: `raw` was read from a live object just now; reading and comparing it
        // pushed and popped a frame, which cannot collect.
        unsafe { src.set(i, raw) }.map_err(|e| e.to_string())?;
        self.model.source_mut(key).expect("registered")[i] = m;
        Ok(())
    }

    /// `remove_root_source` (again on a removed one: `None` on both sides).
    pub(super) fn op_remove_source(&mut self, source: Sel) -> Result<(), String> {
        if self.sources.is_empty() {
            return Ok(());
        }
        let e = &self.sources[source.0 as usize % self.sources.len()];
        let got = self.heap.remove_root_source(e.id).is_some();
        let want = self.model.remove_source(e.key);
        if got != want {
            return Err(format!("remove_root_source: heap {got}, model {want}"));
        }
        Ok(())
    }

    /// Selects a source; `Ok(None)` if there is none or it was removed (after checking the
    /// heap agrees it is gone).
    pub(super) fn source(&mut self, s: Sel) -> Result<Option<usize>, String> {
        if self.sources.is_empty() {
            return Ok(None);
        }
        let i = s.0 as usize % self.sources.len();
        let (id, key) = (self.sources[i].id, self.sources[i].key);
        let got = self.heap.root_source_mut(&id).is_some();
        let want = self.model.source(key).is_some();
        if got != want {
            return Err(format!(
                "root_source_mut: heap registered {got}, model {want}"
            ));
        }
        Ok(got.then_some(i))
    }

    pub(super) fn source_slot(&mut self, s: usize, slot: usize) -> (RawValue, MValue) {
        let (id, key) = (self.sources[s].id, self.sources[s].key);
        let src = self.heap.root_source_mut(&id).expect("registered");
        let i = slot % src.len();
        let raw = src.get(i).expect("in bounds");
        (raw, self.model.source(key).expect("registered")[i])
    }

    /// The raw word for a resolved value (`raw` of a handle, or the immediate).
    pub(super) fn raw_of(
        &mut self,
        (v, m): Resolved,
    ) -> Result<Option<(RawValue, MValue)>, String> {
        let raw = match v {
            Value::Ref(h) => self.heap.raw(h),
            _ => Ok(RawValue::UNDEFINED),
        };
        Ok(self.same("raw", raw, m)?.map(|(raw, m)| match v {
            Value::Ref(_) => (raw, m),
            _ => (raw_immediate(m), m),
        }))
    }

    pub(super) fn source_store(
        &mut self,
        s: usize,
        slot: usize,
        v: Resolved,
    ) -> Result<(), String> {
        let Some((raw, m)) = self.raw_of(v)? else {
            return Ok(());
        };
        let (id, key) = (self.sources[s].id, self.sources[s].key);
        let src = self.heap.root_source_mut(&id).expect("registered");
        let i = slot % src.len();
        // SAFETY: `raw` is an immediate or was read from a live handle by `raw_of` just now;
        // nothing collected since.
        unsafe { src.set(i, raw) }.map_err(|e| e.to_string())?;
        self.model.source_mut(key).expect("registered")[i] = m;
        Ok(())
    }

    pub(super) fn raw_store(
        &mut self,
        s: usize,
        slot: usize,
        field: usize,
        v: Resolved,
    ) -> Result<(), String> {
        let Some((raw, m)) = self.raw_of(v)? else {
            return Ok(());
        };
        let (obj, mobj) = self.source_slot(s, slot);
        // SAFETY: `obj` sits in a registered source slot (kept up to date by the collector)
        // and `raw` was read from a live root just now; nothing collected in between.
        let r = unsafe { self.heap.set_raw(obj, field, raw) };
        let expect = self.model.set(mobj, field, m);
        self.same("set_raw", r, expect)?;
        Ok(())
    }

    /// `get_raw` compared with the model; returns the word and its model value if both
    /// sides succeeded.
    pub(super) fn raw_read(
        &mut self,
        s: usize,
        slot: usize,
        field: usize,
    ) -> Result<Option<(RawValue, MValue)>, String> {
        let (obj, mobj) = self.source_slot(s, slot);
        // SAFETY: as in `raw_store`.
        let r = unsafe { self.heap.get_raw(obj, field) };
        let expect = self.model.get(mobj, field);
        if let Some((raw, m)) = self.same("get_raw", r, expect)? {
            let frame = self.heap.push_frame("raw read");
            // SAFETY: `raw` was read from a live object just now; nothing collected since.
            let h = unsafe { self.heap.root_raw(raw) };
            let v = self.heap.value_of(h);
            let cmp = v
                .map_err(|e| CheckError(e.to_string()))
                .and_then(|v| self.checker.compare_value(&self.heap, m, v));
            self.heap.pop_frame(frame).map_err(|e| e.to_string())?;
            cmp.map_err(|e| format!("get_raw: {e}"))?;
            return Ok(Some((raw, m)));
        }
        Ok(None)
    }
}
