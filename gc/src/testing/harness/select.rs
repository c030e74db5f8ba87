//! Selection and comparison: turns an operation's [`Sel`]s into handles, roots and values
//! on both sides, and compares a heap result with the model's prediction.
//!
//! Invariant: `handles[i]` pairs a heap handle with the model local or root that holds the
//! same value, so resolving index `i` yields the same value on both sides (or the same
//! error, for a handle whose frame was popped or whose root was released).

use super::{HandleRef, Harness, Resolved};
use crate::testing::model::MValue;
use crate::testing::op::{Sel, ValSel};
use crate::{HeapError, Value};

impl Harness {
    /// A usable handle (forgotten ones are skipped by selecting the next usable one).
    pub(super) fn pick(&self, s: Sel) -> Option<usize> {
        let n = self.handles.len();
        if n == 0 {
            return None;
        }
        let start = s.0 as usize % n;
        (0..n.min(8))
            .map(|k| (start + k) % n)
            .find(|&i| !matches!(self.handles[i].1, HandleRef::Forgotten))
    }

    pub(super) fn pick_root(&self, s: Sel) -> Option<usize> {
        (!self.roots.is_empty()).then(|| s.0 as usize % self.roots.len())
    }

    /// The model's value for handle `i` (the heap's handle is `self.handles[i].0`).
    pub(super) fn model_value(&mut self, i: usize) -> Result<MValue, HeapError> {
        match self.handles[i].1 {
            HandleRef::Local(l) => self.model.local_get(l),
            HandleRef::Root(id) => self.model.root_get(id),
            HandleRef::Forgotten => unreachable!("pick skips forgotten handles"),
        }
    }

    pub(super) fn resolve(&mut self, v: ValSel) -> Option<Resolved> {
        Some(match v {
            ValSel::Undefined => (Value::Undefined, Ok(MValue::Undefined)),
            ValSel::Null => (Value::Null, Ok(MValue::Null)),
            ValSel::Bool(b) => (Value::Bool(b), Ok(MValue::Bool(b))),
            ValSel::Int(i) => (Value::Int(i), Ok(MValue::Int(i))),
            ValSel::Float(f) => (Value::Float(f), Ok(MValue::float(f))),
            ValSel::Handle(s) => match self.pick(s) {
                Some(i) => self.resolve_index(i),
                None => (Value::Undefined, Ok(MValue::Undefined)),
            },
        })
    }

    pub(super) fn resolve_index(&mut self, i: usize) -> Resolved {
        (Value::Ref(self.handles[i].0), self.model_value(i))
    }

    /// Compares a heap result with the model's prediction. `Ok(Some)` when both succeeded,
    /// `Ok(None)` when both failed with the same kind of error.
    pub(super) fn same<T, U>(
        &mut self,
        what: &str,
        heap: Result<T, HeapError>,
        model: Result<U, HeapError>,
    ) -> Result<Option<(T, U)>, String> {
        match (heap, model) {
            (Ok(t), Ok(u)) => Ok(Some((t, u))),
            (Err(a), Err(b)) if std::mem::discriminant(&a) == std::mem::discriminant(&b) => {
                let exact = match (&a, &b) {
                    (
                        HeapError::SlotOutOfBounds { index, len },
                        HeapError::SlotOutOfBounds { index: i2, len: l2 },
                    ) => index == i2 && len == l2,
                    (HeapError::InvalidRootKind(k), HeapError::InvalidRootKind(k2)) => k == k2,
                    _ => true,
                };
                if !exact {
                    return Err(format!("{what}: heap error {a:?}, model predicts {b:?}"));
                }
                self.report.errors += 1;
                Ok(None)
            }
            (Ok(_), Err(e)) => Err(format!("{what}: heap succeeded, model predicts {e:?}")),
            (Err(e), Ok(_)) => Err(format!(
                "{what}: heap failed with {e:?} ({e}), model predicts success"
            )),
            (Err(a), Err(b)) => Err(format!("{what}: heap error {a:?}, model predicts {b:?}")),
        }
    }

    /// A value the heap returned that the model predicts as `m`: compared, and a reference
    /// (a new local in the heap) becomes a new local in the model too.
    pub(super) fn took(&mut self, v: Value, m: MValue) -> Result<(), String> {
        self.checker
            .compare_value(&self.heap, m, v)
            .map_err(|e| e.to_string())?;
        if let Value::Ref(h) = v {
            let lr = self.model.local(m);
            self.handles.push((h, HandleRef::Local(lr)));
        }
        Ok(())
    }
}
