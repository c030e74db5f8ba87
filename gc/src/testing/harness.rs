//! The harness: replays an [`Ops`] program against a real [`Heap`] and the [`Model`] in
//! lockstep, and runs the checker after every collection.
//!
//! Guarantees of a passing [`Harness::run`]:
//! - every operation's result agrees with the model: the same values, and for misuse the same
//!   error (stale handle, slot out of bounds, not an object, frame order, invalid root kind,
//!   too large);
//! - after every collection — requested or triggered by an allocation — `verify()` passes,
//!   the heap has as many root slots as the model, and every model-reachable object is alive
//!   with identical slots and bytes ([`Checker::check_graph`]);
//! - after every full collection the heap holds exactly the reachable objects and bytes
//!   ([`Checker::check_exact`]); under no-gc nothing is ever freed;
//! - an allocation fails with `OutOfMemory` exactly when the model says the object cannot fit
//!   after a full collection (`max_heap`, or half of it for the semispace plan's small
//!   objects), the error reports the model's live bytes, and the heap stays consistent.

use super::checker::{CheckError, Checker};
use super::model::{predicted_size, Census, FrameRef, LocalRef, MValue, Model, RootId, SourceKey};
use super::op::{Op, Ops, Sel, ValSel};
use crate::{
    CollectionKind, Frame, Handle, Heap, HeapConfig, HeapError, Persistent, Plan, RawValue,
    RootKind, RootSource, RootVisitor, SourceId, TypeTag, Value,
};
use std::fmt;

/// The external root source the harness registers: a plain vector of slots.
#[derive(Debug, Default)]
pub struct SlotSource {
    /// The slots.
    pub slots: Vec<RawValue>,
}

// SAFETY: `visit_roots` shows the collector every slot. The harness only stores immediates,
// words read with `Heap::raw` or `Heap::get_raw`, or words returned by `Heap::alloc_raw`,
// each before the next operation that may collect, so every reference is valid.
unsafe impl RootSource for SlotSource {
    fn visit_roots(&mut self, visitor: &mut RootVisitor<'_>) {
        visitor.visit_all(&mut self.slots);
    }
}

/// A failed run: which operation, and what went wrong.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    /// The plan.
    pub plan: Plan,
    /// Index of the operation (the program's length for the final check).
    pub step: usize,
    /// The operation, if the failure happened in one.
    pub op: Option<Op>,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.op {
            Some(op) => write!(
                f,
                "plan {}: step {} ({op:?}): {}",
                self.plan, self.step, self.message
            ),
            None => write!(f, "plan {}: final check: {}", self.plan, self.message),
        }
    }
}

impl std::error::Error for Failure {}

/// What a run exercised.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunReport {
    /// Operations applied.
    pub ops: u64,
    /// Collections the heap ran (requested or triggered).
    pub collections: u64,
    /// Checks after a full collection, with exact live-set comparison.
    pub exact_checks: u64,
    /// Allocations that failed with `OutOfMemory` (each one predicted by the model).
    pub out_of_memory: u64,
    /// Misuse errors returned by the heap (each one predicted by the model).
    pub errors: u64,
}

#[derive(Clone, Copy, Debug)]
enum HandleRef {
    Local(LocalRef),
    Root(RootId),
    /// A dropped `Persistent`: the heap releases it at its next collection; not used again.
    Forgotten,
}

struct RootEntry {
    persistent: Option<Persistent>,
    id: RootId,
}

struct SourceEntry {
    id: SourceId<SlotSource>,
    key: SourceKey,
}

/// A value resolved on both sides: what the heap gets, what the model predicts.
type Resolved = (Value, Result<MValue, HeapError>);

const TAG_CHAIN: TypeTag = 100;

fn tag_for(slots: usize, bytes: usize) -> TypeTag {
    ((slots + bytes) % 7) as TypeTag + 1
}

fn raw_immediate(v: MValue) -> RawValue {
    match v {
        MValue::Undefined | MValue::Ref(_) => RawValue::UNDEFINED,
        MValue::Null => RawValue::NULL,
        MValue::Bool(b) => RawValue::bool(b),
        MValue::Int(i) => RawValue::int(i),
        MValue::Float(bits) => RawValue::float(f64::from_bits(bits)),
    }
}

/// Replays programs against a heap and the model. See the [module documentation](self).
pub struct Harness {
    heap: Heap,
    model: Model,
    checker: Checker,
    handles: Vec<(Handle, HandleRef)>,
    frames: Vec<(Frame, FrameRef)>,
    popped: Option<(Frame, FrameRef)>,
    roots: Vec<RootEntry>,
    sources: Vec<SourceEntry>,
    events_seen: usize,
    report: RunReport,
}

impl fmt::Debug for Harness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Harness")
            .field("heap", &self.heap)
            .field("handles", &self.handles.len())
            .field("report", &self.report)
            .finish()
    }
}

impl Harness {
    /// A harness over a fresh heap with `config`.
    pub fn new(config: HeapConfig) -> Result<Harness, HeapError> {
        Ok(Harness {
            heap: Heap::with_config(config)?,
            model: Model::new(),
            checker: Checker::new(),
            handles: Vec::new(),
            frames: Vec::new(),
            popped: None,
            roots: Vec::new(),
            sources: Vec::new(),
            events_seen: 0,
            report: RunReport::default(),
        })
    }

    /// The heap under test.
    pub fn heap(&self) -> &Heap {
        &self.heap
    }

    /// The model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Applies every operation, then a major collection and a final check.
    pub fn run(&mut self, ops: &Ops) -> Result<RunReport, Failure> {
        let plan = self.heap.plan();
        for (step, op) in ops.0.iter().enumerate() {
            self.apply(op).map_err(|message| Failure {
                plan,
                step,
                op: Some(op.clone()),
                message,
            })?;
        }
        self.apply(&Op::Collect(CollectionKind::Major))
            .map_err(|message| Failure {
                plan,
                step: ops.0.len(),
                op: None,
                message,
            })?;
        Ok(self.report)
    }

    /// Applies one operation to both sides and compares.
    pub fn apply(&mut self, op: &Op) -> Result<(), String> {
        self.report.ops += 1;
        match op {
            Op::Alloc { slots, bytes } => {
                let (s, b) = (*slots as usize, *bytes as usize);
                self.alloc(tag_for(s, b), s, b)?;
            }
            Op::AllocWith { values, bytes } => self.alloc_with(values, *bytes as usize)?,
            Op::AllocTooLarge => {
                let r = self.heap.alloc(1, 1 << 30, 0);
                self.same(
                    "alloc too large",
                    r,
                    Err::<(), _>(HeapError::TooLarge { slots: 0, bytes: 0 }),
                )?;
            }
            Op::Chain { len, cycle, bytes } => {
                self.chain(*len as usize, *cycle, *bytes as usize)?
            }
            Op::Store { obj, slot, value } => {
                if let (Some(o), Some(v)) = (self.pick(*obj), self.resolve(*value)) {
                    self.store(o, *slot as usize, v)?;
                }
            }
            Op::WriteByte { obj, at, byte } => {
                if let Some(o) = self.pick(*obj) {
                    self.write_byte(o, *at as usize, *byte)?;
                }
            }
            Op::Read { obj, slot } => {
                if let Some(o) = self.pick(*obj) {
                    self.read(o, *slot as usize)?;
                }
            }
            Op::ReadInto { obj, slot, into } => {
                if let (Some(o), Some(i)) = (self.pick(*obj), self.pick(*into)) {
                    self.read_into(o, *slot as usize, i)?;
                }
            }
            Op::Local { value } => {
                if let Some((v, m)) = self.resolve(*value) {
                    let r = self.heap.local(v);
                    if let Some((h, m)) = self.same("local", r, m)? {
                        let lr = self.model.local(m);
                        self.handles.push((h, HandleRef::Local(lr)));
                    }
                }
            }
            Op::SetLocal { handle, value } => {
                if let (Some(i), Some((v, m))) = (self.pick(*handle), self.resolve(*value)) {
                    let (h, href) = self.handles[i];
                    let r = self.heap.set_local(h, v);
                    let expect = m.and_then(|m| match href {
                        HandleRef::Local(l) => self.model.local_set(l, m),
                        HandleRef::Root(id) => self.model.root_set(id, m),
                        HandleRef::Forgotten => unreachable!("pick skips forgotten handles"),
                    });
                    self.same("set_local", r, expect)?;
                }
            }
            Op::PushFrame => self.push_frame(),
            Op::PopFrame => {
                if let Some(&(f, mf)) = self.frames.last() {
                    let r = self.heap.pop_frame(f);
                    let m = self.model.pop_frame(mf);
                    if self.same("pop_frame", r, m)?.is_some() {
                        self.popped = self.frames.pop();
                    }
                }
            }
            Op::PopFrameEscape { keep } => {
                if let Some(k) = self.pick(*keep) {
                    self.pop_escape(k)?;
                }
            }
            Op::PopWrongFrame => {
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
            }
            Op::Root { kind, value } => {
                let kind = RootKind::ALL[*kind as usize % 8];
                if let Some((v, m)) = self.resolve(*value) {
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
            }
            Op::Release { root } => {
                if let Some(e) = self.pick_root(*root) {
                    let id = self.roots[e].id;
                    if let Some(p) = self.roots[e].persistent.take() {
                        self.heap.release(p).map_err(|e| format!("release: {e}"))?;
                        self.model.release(id);
                    }
                }
            }
            Op::DropRoot { root } => {
                if let Some(e) = self.pick_root(*root) {
                    let id = self.roots[e].id;
                    if let Some(p) = self.roots[e].persistent.take() {
                        drop(p);
                        self.model.release(id);
                        for h in &mut self.handles {
                            if matches!(h.1, HandleRef::Root(r) if r == id) {
                                h.1 = HandleRef::Forgotten;
                            }
                        }
                    }
                }
            }
            Op::SetGlobal { name, value } => {
                if let Some((v, m)) = self.resolve(*value) {
                    let name = format!("g{}", name % 8);
                    let r = self.heap.set_global(&name, v);
                    if let Some(((), m)) = self.same("set_global", r, m)? {
                        self.model.set_global(&name, m);
                    }
                }
            }
            Op::ReadGlobal { name } => {
                let name = format!("g{}", name % 8);
                let got = self.heap.global(&name);
                let want = self.model.global(&name);
                match (got, want) {
                    (None, None) => {}
                    (Some(v), Some(m)) => self.took(v, m)?,
                    _ => return Err(format!("global {name}: heap {got:?}, model {want:?}")),
                }
            }
            Op::RemoveGlobal { name } => {
                let name = format!("g{}", name % 8);
                let got = self.heap.remove_global(&name);
                let want = self.model.remove_global(&name);
                if got != want {
                    return Err(format!("remove_global {name}: heap {got}, model {want}"));
                }
            }
            Op::AddSource { kind, len } => {
                let kind = RootKind::ALL[*kind as usize % 8];
                let len = 1 + *len as usize % 8;
                let id = self.heap.add_root_source(
                    kind,
                    "test source",
                    SlotSource {
                        slots: vec![RawValue::UNDEFINED; len],
                    },
                );
                let key = self.model.add_source(kind, len);
                self.sources.push(SourceEntry { id, key });
            }
            Op::SourceStore {
                source,
                slot,
                value,
            } => {
                if let (Some(s), Some(v)) = (self.source(*source)?, self.resolve(*value)) {
                    self.source_store(s, *slot as usize, v)?;
                }
            }
            Op::SourceLoad { source, slot } => {
                if let Some(s) = self.source(*source)? {
                    let (raw, m) = self.source_slot(s, *slot as usize);
                    // SAFETY: `raw` sits in a registered source slot, which the collector
                    // keeps up to date, and nothing ran since it was read.
                    let h = unsafe { self.heap.root_raw(raw) };
                    let lr = self.model.local(m);
                    self.handles.push((h, HandleRef::Local(lr)));
                }
            }
            Op::RawStore {
                source,
                slot,
                field,
                value,
            } => {
                if let (Some(s), Some(v)) = (self.source(*source)?, self.resolve(*value)) {
                    self.raw_store(s, *slot as usize, *field as usize, v)?;
                }
            }
            Op::RawRead {
                source,
                slot,
                field,
            } => {
                if let Some(s) = self.source(*source)? {
                    self.raw_read(s, *slot as usize, *field as usize)?;
                }
            }
            Op::AllocRaw {
                source,
                slot,
                slots,
                bytes,
            } => {
                if let Some(s) = self.source(*source)? {
                    self.alloc_raw(s, *slot as usize, *slots as usize, *bytes as usize)?;
                }
            }
            Op::RemoveSource { source } => {
                if !self.sources.is_empty() {
                    let e = &self.sources[source.0 as usize % self.sources.len()];
                    let got = self.heap.remove_root_source(e.id).is_some();
                    let want = self.model.remove_source(e.key);
                    if got != want {
                        return Err(format!("remove_root_source: heap {got}, model {want}"));
                    }
                }
            }
            Op::Collect(kind) => {
                self.heap.collect(*kind);
                if !self.observe(Census::default())? {
                    // No collection ran (no-gc): check anyway.
                    self.check(false, Census::default())?;
                }
            }
        }
        Ok(())
    }

    // ------------------------------------------------------------------ selection

    /// A usable handle (forgotten ones are skipped by selecting the next usable one).
    fn pick(&self, s: Sel) -> Option<usize> {
        let n = self.handles.len();
        if n == 0 {
            return None;
        }
        let start = s.0 as usize % n;
        (0..n.min(8))
            .map(|k| (start + k) % n)
            .find(|&i| !matches!(self.handles[i].1, HandleRef::Forgotten))
    }

    fn pick_root(&self, s: Sel) -> Option<usize> {
        (!self.roots.is_empty()).then(|| s.0 as usize % self.roots.len())
    }

    /// The model's value for handle `i` (the heap's handle is `self.handles[i].0`).
    fn model_value(&mut self, i: usize) -> Result<MValue, HeapError> {
        match self.handles[i].1 {
            HandleRef::Local(l) => self.model.local_get(l),
            HandleRef::Root(id) => self.model.root_get(id),
            HandleRef::Forgotten => unreachable!("pick skips forgotten handles"),
        }
    }

    fn resolve(&mut self, v: ValSel) -> Option<Resolved> {
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

    fn resolve_index(&mut self, i: usize) -> Resolved {
        (Value::Ref(self.handles[i].0), self.model_value(i))
    }

    /// Compares a heap result with the model's prediction. `Ok(Some)` when both succeeded,
    /// `Ok(None)` when both failed with the same kind of error.
    fn same<T, U>(
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
    fn took(&mut self, v: Value, m: MValue) -> Result<(), String> {
        self.checker
            .compare_value(&self.heap, m, v)
            .map_err(|e| e.to_string())?;
        if let Value::Ref(h) = v {
            let lr = self.model.local(m);
            self.handles.push((h, HandleRef::Local(lr)));
        }
        Ok(())
    }

    // ------------------------------------------------------------------ allocation

    /// Whether the model predicts `OutOfMemory` for an object of `size` bytes.
    fn oom_expected(&self, size: u64) -> bool {
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
    fn judge_alloc<T>(
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
    fn alloc(&mut self, tag: TypeTag, slots: usize, bytes: usize) -> Result<Option<usize>, String> {
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

    fn alloc_with(&mut self, values: &[ValSel], bytes: usize) -> Result<(), String> {
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

    fn alloc_raw(
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
        let i = slot % src.slots.len();
        src.slots[i] = raw;
        self.model.source_mut(key).expect("registered")[i] = MValue::Ref(id);
        Ok(())
    }

    fn chain(&mut self, len: usize, cycle: bool, bytes: usize) -> Result<(), String> {
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

    // ------------------------------------------------------------------ access

    fn store(&mut self, o: usize, slot: usize, (v, m): Resolved) -> Result<(), String> {
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

    fn write_byte(&mut self, o: usize, at: usize, byte: u8) -> Result<(), String> {
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

    fn read(&mut self, o: usize, slot: usize) -> Result<(), String> {
        let r = self.heap.get(self.handles[o].0, slot);
        let expect = self
            .model_value(o)
            .and_then(|obj| self.model.get(obj, slot));
        if let Some((v, m)) = self.same("get", r, expect)? {
            self.took(v, m)?;
        }
        Ok(())
    }

    fn read_into(&mut self, o: usize, slot: usize, into: usize) -> Result<(), String> {
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

    // ------------------------------------------------------------------ frames

    fn push_frame(&mut self) {
        let f = self.heap.push_frame("test frame");
        let mf = self.model.push_frame();
        self.frames.push((f, mf));
    }

    /// Pops the top frame keeping handle `keep` (`usize::MAX`: a plain pop).
    fn pop_escape(&mut self, keep: usize) -> Result<(), String> {
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

    // ------------------------------------------------------------------ sources

    /// Selects a source; `Ok(None)` if there is none or it was removed (after checking the
    /// heap agrees it is gone).
    fn source(&mut self, s: Sel) -> Result<Option<usize>, String> {
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

    fn source_slot(&mut self, s: usize, slot: usize) -> (RawValue, MValue) {
        let (id, key) = (self.sources[s].id, self.sources[s].key);
        let src = self.heap.root_source_mut(&id).expect("registered");
        let i = slot % src.slots.len();
        let raw = src.slots[i];
        (raw, self.model.source(key).expect("registered")[i])
    }

    /// The raw word for a resolved value (`raw` of a handle, or the immediate).
    fn raw_of(&mut self, (v, m): Resolved) -> Result<Option<(RawValue, MValue)>, String> {
        let raw = match v {
            Value::Ref(h) => self.heap.raw(h),
            _ => Ok(RawValue::UNDEFINED),
        };
        Ok(self.same("raw", raw, m)?.map(|(raw, m)| match v {
            Value::Ref(_) => (raw, m),
            _ => (raw_immediate(m), m),
        }))
    }

    fn source_store(&mut self, s: usize, slot: usize, v: Resolved) -> Result<(), String> {
        let Some((raw, m)) = self.raw_of(v)? else {
            return Ok(());
        };
        let (id, key) = (self.sources[s].id, self.sources[s].key);
        let src = self.heap.root_source_mut(&id).expect("registered");
        let i = slot % src.slots.len();
        src.slots[i] = raw;
        self.model.source_mut(key).expect("registered")[i] = m;
        Ok(())
    }

    fn raw_store(
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

    fn raw_read(&mut self, s: usize, slot: usize, field: usize) -> Result<(), String> {
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
        }
        Ok(())
    }

    // ------------------------------------------------------------------ checking

    /// Runs the checks if the heap collected since the last look; returns whether it had.
    fn observe(&mut self, extra: Census) -> Result<bool, String> {
        let events = self.heap.stats().events();
        if events.len() == self.events_seen {
            return Ok(false);
        }
        // Plans without a nursery record every collection as major.
        let full = events.last().map(|e| e.kind) == Some(CollectionKind::Major);
        self.report.collections += (events.len() - self.events_seen) as u64;
        self.events_seen = events.len();
        self.check(full, extra)?;
        Ok(true)
    }

    /// Verifies the heap and compares it with the model (exactly if `full`).
    fn check(&mut self, full: bool, extra: Census) -> Result<(), String> {
        let report = self
            .heap
            .verify()
            .map_err(|e| format!("verify failed: {e}"))?;
        let model_roots = self.model.roots().len() as u64;
        if report.roots != model_roots {
            return Err(format!(
                "the heap has {} root slots, the model {model_roots}",
                report.roots
            ));
        }
        if self.heap.frame_depth() != self.model.frame_depth() {
            return Err("frame depth differs from the model".into());
        }
        let frame = self.heap.push_frame("roots for the check");
        let pairs = self.root_pairs();
        let r = pairs.and_then(|pairs| {
            self.checker
                .check_graph(&mut self.heap, &self.model, &pairs)
                .map_err(|e| e.to_string())
        });
        self.heap.pop_frame(frame).map_err(|e| e.to_string())?;
        r?;
        if self.heap.plan() == Plan::NoGc {
            self.checker
                .check_nothing_freed(&self.heap, &self.model)
                .map_err(|e| e.to_string())?;
        } else if full {
            self.report.exact_checks += 1;
            self.checker
                .check_exact(&self.heap, &self.model, extra)
                .map_err(|e| e.to_string())?;
        }
        // An unrooted object just allocated (`extra`) is about to be stored: keep it.
        if extra == Census::default() {
            let dead = self.model.prune();
            self.checker.forget(&dead);
        }
        Ok(())
    }

    /// Every model root paired with the heap value of the same root (sources' slots are
    /// rooted as locals of the current frame).
    fn root_pairs(&mut self) -> Result<Vec<(MValue, Value)>, String> {
        let mut pairs = Vec::new();
        for i in 0..self.handles.len() {
            let (h, href) = self.handles[i];
            let m = match href {
                HandleRef::Local(l) => self.model.local_get(l),
                HandleRef::Root(id) => self.model.root_get(id),
                HandleRef::Forgotten => continue,
            };
            if let Ok(m) = m {
                let v = self
                    .heap
                    .value_of(h)
                    .map_err(|e| format!("handle {i} is live in the model: {e}"))?;
                pairs.push((m, v));
            }
        }
        let names: Vec<String> = self.model.global_names().map(str::to_owned).collect();
        let heap_names: Vec<String> = self
            .heap
            .global_names()
            .iter()
            .map(|s| s.to_string())
            .collect();
        if names != heap_names {
            return Err(format!("globals: heap {heap_names:?}, model {names:?}"));
        }
        for name in names {
            let m = self.model.global(&name).expect("listed");
            let v = self.heap.global(&name).expect("listed");
            pairs.push((m, v));
        }
        for e in 0..self.sources.len() {
            let (id, key) = (self.sources[e].id, self.sources[e].key);
            let Some(ms) = self.model.source(key) else {
                continue;
            };
            let ms = ms.clone();
            let raws = self
                .heap
                .root_source_mut(&id)
                .ok_or("a source the model holds is not registered")?
                .slots
                .clone();
            for (raw, m) in raws.into_iter().zip(ms) {
                // SAFETY: `raw` sits in a registered source slot; the collector keeps it
                // up to date and nothing collected since it was read.
                let h = unsafe { self.heap.root_raw(raw) };
                let v = self.heap.value_of(h).map_err(|e| e.to_string())?;
                pairs.push((m, v));
            }
        }
        Ok(pairs)
    }
}

/// Runs `ops` on a fresh heap under every plan (sizes from `config`).
pub fn run_on_every_plan(
    config: &HeapConfig,
    ops: &Ops,
) -> Result<Vec<(Plan, RunReport)>, Failure> {
    Plan::ALL
        .into_iter()
        .map(|plan| {
            let cfg = HeapConfig {
                plan,
                ..config.clone()
            };
            let mut h = Harness::new(cfg).map_err(|e| Failure {
                plan,
                step: 0,
                op: None,
                message: format!("heap creation: {e}"),
            })?;
            h.run(ops).map(|r| (plan, r))
        })
        .collect()
}
