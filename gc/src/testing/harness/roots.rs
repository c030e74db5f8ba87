//! Frames, locals, persistent roots and globals on both sides.
//!
//! Invariant: the harness's frame stack mirrors the model's (`frames[i]` is the heap frame
//! and the model frame pushed together), every persistent root it registered is paired with
//! the model root of the same value, and the globals hold the same names and values; misuse
//! (popping a frame that is not on top, an invalid root kind, a stale handle) gets the error
//! the model predicts.

use super::{HandleRef, Harness, RootEntry};
use crate::testing::model::MValue;
use crate::testing::op::{Sel, ValSel};
use crate::{RootKind, Value};

/// The name of global `g{name % 8}`.
fn global_name(name: u8) -> &'static str {
    ["g0", "g1", "g2", "g3", "g4", "g5", "g6", "g7"][name as usize % 8]
}

impl Harness {
    /// `local(value)`.
    pub(super) fn op_local(&mut self, value: ValSel) -> Result<(), String> {
        if let Some((v, m)) = self.resolve(value) {
            let r = self.heap.local(v);
            if let Some((h, m)) = self.same("local", r, m)? {
                let lr = self.model.local(m);
                self.handles.push((h, HandleRef::Local(lr)));
            }
        }
        Ok(())
    }

    /// `set_local(handle, value)` of a local or a persistent root.
    pub(super) fn op_set_local(&mut self, handle: Sel, value: ValSel) -> Result<(), String> {
        if let (Some(i), Some((v, m))) = (self.pick(handle), self.resolve(value)) {
            let (h, href) = self.handles[i];
            let r = self.heap.set_local(h, v);
            let expect = m.and_then(|m| match href {
                HandleRef::Local(l) => self.model.local_set(l, m),
                HandleRef::Root(id) => self.model.root_set(id, m),
                HandleRef::Forgotten => unreachable!("pick skips forgotten handles"),
            });
            self.same("set_local", r, expect)?;
        }
        Ok(())
    }

    pub(super) fn push_frame(&mut self) {
        let f = self.heap.push_frame("test frame");
        let mf = self.model.push_frame();
        self.frames.push((f, mf));
    }

    /// Pops the top frame keeping handle `keep` (`usize::MAX`: a plain pop).
    pub(super) fn pop_escape(&mut self, keep: usize) -> Result<(), String> {
        let Some(&(f, mf)) = self.frames.last() else {
            return Ok(());
        };
        if keep == usize::MAX {
            let r = self.heap.pop_frame(f);
            let m = self.model.pop_frame(mf);
            if self.same("pop_frame", r, m)?.is_some() {
                self.popped = self.frames.pop();
            }
            return Ok(());
        }
        let r = self.heap.pop_frame_escape(f, self.handles[keep].0);
        let expect = self
            .model_value(keep)
            .and_then(|m| self.model.pop_frame_escape(mf, m).map(|l| (m, l)));
        if let Some((v, (m, lr))) = self.same("pop_frame_escape", r, expect)? {
            self.popped = self.frames.pop();
            self.checker
                .compare_value(&self.heap, m, v)
                .map_err(|e| e.to_string())?;
            if let (Value::Ref(h), Some(lr)) = (v, lr) {
                self.handles.push((h, HandleRef::Local(lr)));
            }
        }
        Ok(())
    }
    /// Pops a frame that is not on top (the one below it, or the last one popped): both
    /// sides must refuse.
    pub(super) fn pop_wrong_frame(&mut self) -> Result<(), String> {
        let target = if self.frames.len() >= 2 {
            Some(self.frames[self.frames.len() - 2])
        } else {
            self.popped
        };
        if let Some((f, mf)) = target {
            let r = self.heap.pop_frame(f);
            let m = self.model.pop_frame(mf);
            self.same("pop_frame (not on top)", r, m)?;
        }
        Ok(())
    }

    /// `root(kind, …, value)`; kinds that cannot be registered this way must be refused.
    pub(super) fn op_root(&mut self, kind: u8, value: ValSel) -> Result<(), String> {
        let kind = RootKind::ALL[kind as usize % 8];
        if let Some((v, m)) = self.resolve(value) {
            let r = self.heap.root(kind, "test root", v);
            let expect = match self.model.add_root(kind, MValue::Undefined) {
                Err(e) => Err(e),
                Ok(id) => {
                    self.model.release(id);
                    m.and_then(|m| self.model.add_root(kind, m))
                }
            };
            if let Some((p, id)) = self.same("root", r, expect)? {
                self.handles.push((p.handle(), HandleRef::Root(id)));
                self.roots.push(RootEntry {
                    persistent: Some(p),
                    id,
                });
            }
        }
        Ok(())
    }

    /// `release(root)`, or (`dropped`) dropping the `Persistent`, whose release the heap
    /// queues until its next collection; its handles are not used again.
    pub(super) fn op_release(&mut self, root: Sel, dropped: bool) -> Result<(), String> {
        let Some(e) = self.pick_root(root) else {
            return Ok(());
        };
        let id = self.roots[e].id;
        let Some(p) = self.roots[e].persistent.take() else {
            return Ok(());
        };
        self.model.release(id);
        if !dropped {
            return self.heap.release(p).map_err(|e| format!("release: {e}"));
        }
        drop(p);
        for h in &mut self.handles {
            if matches!(h.1, HandleRef::Root(r) if r == id) {
                h.1 = HandleRef::Forgotten;
            }
        }
        Ok(())
    }

    /// `set_global(name, value)`.
    pub(super) fn op_set_global(&mut self, name: u8, value: ValSel) -> Result<(), String> {
        if let Some((v, m)) = self.resolve(value) {
            let name = global_name(name);
            let r = self.heap.set_global(name, v);
            if let Some(((), m)) = self.same("set_global", r, m)? {
                self.model.set_global(name, m);
            }
        }
        Ok(())
    }

    /// `global(name)`.
    pub(super) fn op_read_global(&mut self, name: u8) -> Result<(), String> {
        let name = global_name(name);
        let got = self.heap.global(name);
        let want = self.model.global(name);
        match (got, want) {
            (None, None) => Ok(()),
            (Some(v), Some(m)) => self.took(v, m),
            _ => Err(format!("global {name}: heap {got:?}, model {want:?}")),
        }
    }

    /// `remove_global(name)`.
    pub(super) fn op_remove_global(&mut self, name: u8) -> Result<(), String> {
        let name = global_name(name);
        let got = self.heap.remove_global(name);
        let want = self.model.remove_global(name);
        if got != want {
            return Err(format!("remove_global {name}: heap {got}, model {want}"));
        }
        Ok(())
    }
}
