//! Allocation on both sides: `alloc`, `alloc_with`, `alloc_raw`, chains, and the
//! prediction of `OutOfMemory`.
//!
//! Invariant: an allocation succeeds exactly when the model says the object fits after a
//! full collection (`max_heap`, or half of it for the semispace plan's small objects); a
//! failure reports the model's live bytes; every new heap object is recorded with the
//! checker as the model object allocated with it.

use super::{tag_for, HandleRef, Harness, TAG_CHAIN};
use crate::testing::model::{predicted_size, Census, MValue};
use crate::testing::op::ValSel;
use crate::{CollectionKind, HeapError, Plan, TypeTag, Value};

impl Harness {
    /// An allocation past the object model's limits: `TooLarge` on both sides.
    pub(super) fn alloc_too_large(&mut self) -> Result<(), String> {
        let r = self.heap.alloc(1, 1 << 30, 0);
        self.same(
            "alloc too large",
            r,
            Err::<(), _>(HeapError::TooLarge { slots: 0, bytes: 0 }),
        )?;
        Ok(())
    }

    /// Whether the model predicts `OutOfMemory` for an object of `size` bytes.
    pub(super) fn oom_expected(&self, size: u64) -> bool {
        let cfg = self.heap.config();
        let max = cfg.max_heap as u64;
        if cfg.plan == Plan::NoGc {
            return self.model.allocated().bytes + size > max;
        }
        // Everything reachable is occupied, so this bounds the reachable bytes from above.
        if self.heap.occupied_bytes() + size <= max {
            return false;
        }
        let (s, l) = self
            .model
            .reachable_census(cfg.large_object_threshold as u64);
        s.bytes + l.bytes + size > max
    }

    /// Checks an allocation's outcome against the prediction; returns whether it succeeded.
    pub(super) fn judge_alloc<T>(
        &mut self,
        what: &str,
        size: u64,
        expect_oom: bool,
        r: &Result<T, HeapError>,
    ) -> Result<bool, String> {
        match r {
            Ok(_) if expect_oom => Err(format!(
                "{what} of {size} B succeeded, but the model's live bytes leave no room under the limit"
            )),
            Ok(_) => Ok(true),
            Err(HeapError::OutOfMemory(oom)) => {
                if !expect_oom {
                    return Err(format!(
                        "{what} of {size} B failed ({oom}), but the model says it fits"
                    ));
                }
                let live = if self.heap.plan() == Plan::NoGc {
                    self.model.allocated().bytes
                } else {
                    self.model.reachable_census(u64::MAX).0.bytes
                };
                if oom.requested != size || oom.live != live {
                    return Err(format!(
                        "{what}: {oom:?}, but the model has {live} B live and asked for {size} B"
                    ));
                }
                self.report.out_of_memory += 1;
                // Under a collecting plan the failed allocation ran a full collection first.
                let last = self.heap.stats().events().last().map(|e| e.kind);
                let collected = self.observe(Census::default())?;
                if self.heap.plan() == Plan::NoGc {
                    self.check(false, Census::default())?;
                } else if !collected || last != Some(CollectionKind::Major) {
                    return Err(format!(
                        "{what}: OutOfMemory without a full collection first"
                    ));
                }
                Ok(false)
            }
            Err(e) => Err(format!("{what} of {size} B: unexpected error {e:?}")),
        }
    }

    /// `alloc` on both sides; returns the new handle's index.
    pub(super) fn alloc(
        &mut self,
        tag: TypeTag,
        slots: usize,
        bytes: usize,
    ) -> Result<Option<usize>, String> {
        let size = predicted_size(slots, bytes);
        let expect_oom = self.oom_expected(size);
        let r = self.heap.alloc(tag, slots, bytes);
        if !self.judge_alloc("alloc", size, expect_oom, &r)? {
            return Ok(None);
        }
        let h = r.expect("judged a success");
        let (id, lr) = self.model.alloc(tag, slots, bytes);
        self.checker
            .record(&self.heap, id, h)
            .map_err(|e| e.to_string())?;
        self.handles.push((h, HandleRef::Local(lr)));
        self.observe(Census::default())?;
        Ok(Some(self.handles.len() - 1))
    }

    pub(super) fn alloc_with(&mut self, values: &[ValSel], bytes: usize) -> Result<(), String> {
        let mut vals = Vec::new();
        let mut model_vals = Ok(Vec::new());
        for v in values {
            let Some((v, m)) = self.resolve(*v) else {
                return Ok(());
            };
            vals.push(v);
            if let Ok(list) = &mut model_vals {
                match m {
                    Ok(m) => list.push(m),
                    Err(e) => model_vals = Err(e),
                }
            }
        }
        let pattern: Vec<u8> = (0..bytes).map(|i| i as u8).collect();
        let tag = tag_for(vals.len(), bytes);
        let size = predicted_size(vals.len(), bytes);
        let model_vals = match model_vals {
            Ok(m) => m,
            Err(e) => {
                let r = self.heap.alloc_with(tag, &vals, &pattern);
                self.same("alloc_with", r, Err::<(), _>(e))?;
                return Ok(());
            }
        };
        let expect_oom = self.oom_expected(size);
        let r = self.heap.alloc_with(tag, &vals, &pattern);
        if !self.judge_alloc("alloc_with", size, expect_oom, &r)? {
            return Ok(());
        }
        let h = r.expect("judged a success");
        let (id, lr) = self.model.alloc(tag, vals.len(), bytes);
        for (i, m) in model_vals.into_iter().enumerate() {
            self.model.set(MValue::Ref(id), i, m).expect("in bounds");
        }
        *self.model.bytes_mut(MValue::Ref(id)).expect("object") = pattern;
        self.checker
            .record(&self.heap, id, h)
            .map_err(|e| e.to_string())?;
        self.handles.push((h, HandleRef::Local(lr)));
        self.observe(Census::default())?;
        Ok(())
    }

    pub(super) fn alloc_raw(
        &mut self,
        s: usize,
        slot: usize,
        slots: usize,
        bytes: usize,
    ) -> Result<(), String> {
        let size = predicted_size(slots, bytes);
        let expect_oom = self.oom_expected(size);
        let tag = tag_for(slots, bytes);
        let r = self.heap.alloc_raw(tag, slots, bytes);
        if !self.judge_alloc("alloc_raw", size, expect_oom, &r)? {
            return Ok(());
        }
        let raw = r.expect("judged a success");
        let id = self.model.alloc_unrooted(tag, slots, bytes);
        let frame = self.heap.push_frame("record");
        // SAFETY: `raw` was just returned by `alloc_raw`; nothing ran since.
        let h = unsafe { self.heap.root_raw(raw) };
        let rec = self.checker.record(&self.heap, id, h);
        self.heap.pop_frame(frame).map_err(|e| e.to_string())?;
        rec.map_err(|e| e.to_string())?;
        // A collection during the allocation ran before the object existed: it is the one
        // unrooted object the heap may hold beyond the reachable set.
        let extra = Census {
            objects: 1,
            bytes: size,
        };
        self.observe(extra)?;
        let e = &self.sources[s];
        let (id_s, key) = (e.id, e.key);
        let src = self
            .heap
            .root_source_mut(&id_s)
            .expect("checked registered");
        let i = slot % src.len();
        // SAFETY: `raw` was just returned by `alloc_raw`; recording it pushed and popped a
        // frame, which cannot collect.
        unsafe { src.set(i, raw) }.map_err(|e| e.to_string())?;
        self.model.source_mut(key).expect("registered")[i] = MValue::Ref(id);
        Ok(())
    }

    pub(super) fn chain(&mut self, len: usize, cycle: bool, bytes: usize) -> Result<(), String> {
        self.push_frame();
        let Some(head) = self.alloc(TAG_CHAIN, 2, bytes)? else {
            return self.pop_escape(usize::MAX);
        };
        self.store(head, 0, (Value::Int(0), Ok(MValue::Int(0))))?;
        let mut prev = head;
        for k in 1..len.max(1) {
            let Some(node) = self.alloc(TAG_CHAIN, 2, bytes)? else {
                break;
            };
            let k = k as i32;
            self.store(node, 0, (Value::Int(k), Ok(MValue::Int(k))))?;
            let v = self.resolve_index(node);
            self.store(prev, 1, v)?;
            prev = node;
        }
        if cycle {
            let v = self.resolve_index(head);
            self.store(prev, 1, v)?;
        }
        self.pop_escape(head)
    }
}
