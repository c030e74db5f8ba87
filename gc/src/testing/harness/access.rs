//! Object access on both sides: `set`, `bytes_mut`, `get` and `get_into` through handles.
//!
//! Invariant: each access returns what the model predicts — the same value, or the same
//! error for misuse (stale handle, not an object, slot out of bounds) — and a reference
//! read becomes a new handle paired with a new model local.

use super::{HandleRef, Harness, Resolved};
use crate::testing::op::{Sel, ValSel};

impl Harness {
    /// `set` of a selected object's slot.
    pub(super) fn op_store(&mut self, obj: Sel, slot: usize, value: ValSel) -> Result<(), String> {
        if let (Some(o), Some(v)) = (self.pick(obj), self.resolve(value)) {
            self.store(o, slot, v)?;
        }
        Ok(())
    }

    /// `bytes_mut` of a selected object, one byte written.
    pub(super) fn op_write_byte(&mut self, obj: Sel, at: usize, byte: u8) -> Result<(), String> {
        if let Some(o) = self.pick(obj) {
            self.write_byte(o, at, byte)?;
        }
        Ok(())
    }

    /// `get` of a selected object's slot.
    pub(super) fn op_read(&mut self, obj: Sel, slot: usize) -> Result<(), String> {
        if let Some(o) = self.pick(obj) {
            self.read(o, slot)?;
        }
        Ok(())
    }

    /// `get_into` of a selected object's slot, into a selected handle.
    pub(super) fn op_read_into(&mut self, obj: Sel, slot: usize, into: Sel) -> Result<(), String> {
        if let (Some(o), Some(i)) = (self.pick(obj), self.pick(into)) {
            self.read_into(o, slot, i)?;
        }
        Ok(())
    }

    pub(super) fn store(&mut self, o: usize, slot: usize, (v, m): Resolved) -> Result<(), String> {
        let r = self.heap.set(self.handles[o].0, slot, v);
        // The heap resolves the object, then the value, then checks the index.
        let expect = self.model_value(o).and_then(|obj| {
            self.model.deref(obj)?;
            let m = m?;
            self.model.set(obj, slot, m)
        });
        self.same("set", r, expect)?;
        Ok(())
    }

    pub(super) fn write_byte(&mut self, o: usize, at: usize, byte: u8) -> Result<(), String> {
        let h = self.handles[o].0;
        let r = self.heap.bytes_mut(h).map(|b| {
            let n = b.len();
            if n > 0 {
                b[at % n] = byte;
            }
        });
        let expect = self.model_value(o).and_then(|obj| {
            let b = self.model.bytes_mut(obj)?;
            let n = b.len();
            if n > 0 {
                b[at % n] = byte;
            }
            Ok(())
        });
        self.same("bytes_mut", r, expect)?;
        Ok(())
    }

    pub(super) fn read(&mut self, o: usize, slot: usize) -> Result<(), String> {
        let r = self.heap.get(self.handles[o].0, slot);
        let expect = self
            .model_value(o)
            .and_then(|obj| self.model.get(obj, slot));
        if let Some((v, m)) = self.same("get", r, expect)? {
            self.took(v, m)?;
        }
        Ok(())
    }

    pub(super) fn read_into(&mut self, o: usize, slot: usize, into: usize) -> Result<(), String> {
        let (ho, hi) = (self.handles[o].0, self.handles[into].0);
        let r = self.heap.get_into(ho, slot, hi);
        let into_ref = self.handles[into].1;
        let expect = self
            .model_value(o)
            .and_then(|obj| self.model.get(obj, slot))
            .and_then(|m| {
                match into_ref {
                    HandleRef::Local(l) => self.model.local_set(l, m)?,
                    HandleRef::Root(id) => self.model.root_set(id, m)?,
                    HandleRef::Forgotten => unreachable!("pick skips forgotten handles"),
                }
                Ok(m)
            });
        if let Some((v, m)) = self.same("get_into", r, expect)? {
            self.checker
                .compare_value(&self.heap, m, v)
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}
