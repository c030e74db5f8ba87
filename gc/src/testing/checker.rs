//! The checker: compares a heap with the reference model.
//!
//! What it guarantees when it passes:
//! - [`Checker::check_graph`]: starting from pairs of roots (a model value and the heap value
//!   the same root holds), every model-reachable object is alive in the heap with the same
//!   type tag, the same slots (immediates bit for bit, references to the heap objects that
//!   correspond to the same model objects) and the same bytes, and distinct model objects
//!   are distinct heap objects. Correspondence is by the heap's stable
//!   [`object_id`](crate::Heap::object_id), recorded at allocation, so an object that moved
//!   is still recognised and one that was swapped for another is not.
//! - [`Checker::check_exact`]: the heap holds exactly as many objects and bytes as the model
//!   can reach — after a full collection, nothing unreachable survived. Together with
//!   `check_graph` this pins the heap's live set to the model's reachable set.
//! - [`Checker::check_nothing_freed`]: for the no-gc plan, every object ever allocated is
//!   still there.

use super::model::{predicted_size, Census, MValue, Model, ObjId};
use crate::{Handle, Heap, RawValue, Value};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};

/// How the walk reached an object: root `i`, or slot `i` of the object reached `k`-th.
#[derive(Clone, Copy)]
enum Via {
    Root(usize),
    Slot(usize, usize),
}

/// The path to the object reached `k`-th, as `root 2 → ObjId(5).1 → …`.
fn path(reached: &[(ObjId, Handle, Via)], mut k: usize) -> String {
    let mut steps = Vec::new();
    loop {
        match reached[k].2 {
            Via::Root(i) => {
                steps.push(format!("root {i}"));
                break;
            }
            Via::Slot(parent, i) => {
                steps.push(format!("{:?}.{i}", reached[parent].0));
                k = parent;
            }
        }
    }
    steps.reverse();
    steps.join(" → ")
}

/// A hasher for the checker's integer keys (object ids): one multiply, no SipHash. The keys
/// are not chosen by an adversary, so flooding is no concern.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;
type IdSet<K> = HashSet<K, BuildHasherDefault<IdHasher>>;

/// Why a check failed: one readable line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckError(pub String);

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CheckError {}

macro_rules! fail {
    ($($t:tt)*) => { return Err(CheckError(format!($($t)*))) };
}

/// Compares heaps with models; remembers which heap object each model object is.
#[derive(Clone, Debug, Default)]
pub struct Checker {
    ids: IdMap<ObjId, u64>,
}

impl Checker {
    /// A checker that knows no objects yet.
    pub fn new() -> Checker {
        Checker::default()
    }

    /// Records that model object `id` is the heap object behind `h` (call right after the
    /// matching allocations).
    pub fn record(
        &mut self,
        heap: &Heap,
        id: ObjId,
        h: impl Into<Handle>,
    ) -> Result<(), CheckError> {
        let oid = heap
            .object_id(h)
            .map_err(|e| CheckError(format!("new object {id:?}: {e}")))?;
        self.ids.insert(id, oid);
        Ok(())
    }

    /// Forgets model objects that can no longer be named (see [`Model::prune`]).
    pub fn forget(&mut self, ids: &[ObjId]) {
        for id in ids {
            self.ids.remove(id);
        }
    }

    /// Compares one value without following references: immediates must be equal (doubles
    /// bit for bit), a reference must name the heap object recorded for the model object.
    pub fn compare_value(&self, heap: &Heap, m: MValue, v: Value) -> Result<(), CheckError> {
        let same = match (m, v) {
            (MValue::Undefined, Value::Undefined) | (MValue::Null, Value::Null) => true,
            (MValue::Bool(a), Value::Bool(b)) => a == b,
            (MValue::Int(a), Value::Int(b)) => a == b,
            (MValue::Float(a), Value::Float(b)) => MValue::float(b) == MValue::Float(a),
            (MValue::Ref(id), Value::Ref(h)) => {
                let Some(&want) = self.ids.get(&id) else {
                    fail!("model object {id:?} was never recorded")
                };
                let got = heap
                    .object_id(h)
                    .map_err(|e| CheckError(format!("reference to {id:?}: {e}")))?;
                if got != want {
                    fail!("expected model object {id:?} (heap id {want}), found heap id {got}")
                }
                true
            }
            _ => false,
        };
        if !same {
            fail!("value mismatch: model {m:?}, heap {v:?}");
        }
        Ok(())
    }

    /// Walks the model graph and the heap graph together from `roots` (pairs of a model root
    /// value and the heap value of the same root) and checks every reachable object (see the
    /// module docs). Reads run in a frame of their own, popped before returning; nothing
    /// allocates, so nothing collects. Returns what was reached.
    pub fn check_graph(
        &self,
        heap: &mut Heap,
        model: &Model,
        roots: &[(MValue, Value)],
    ) -> Result<Census, CheckError> {
        let frame = heap.push_frame("reachability check");
        let r = self.walk(heap, model, roots);
        heap.pop_frame(frame)
            .map_err(|e| CheckError(format!("check frame: {e}")))?;
        r
    }

    /// [`check_graph`](Self::check_graph) for roots held as raw words (an embedder's own
    /// root source): each word is rooted as a local in a frame of the check's own.
    ///
    /// # Safety
    /// Every reference among the words must be valid in `heap` (as for
    /// [`Heap::root_raw`]): typically the current contents of a registered
    /// [`RootSource`](crate::RootSource).
    pub unsafe fn check_graph_raw(
        &self,
        heap: &mut Heap,
        model: &Model,
        roots: &[(MValue, RawValue)],
    ) -> Result<Census, CheckError> {
        let frame = heap.push_frame("raw roots");
        let mut pairs = Vec::with_capacity(roots.len());
        for &(m, raw) in roots {
            // SAFETY: the caller guarantees `raw` is valid in `heap`.
            let h = unsafe { heap.root_raw(raw) };
            let v = heap
                .value_of(h)
                .map_err(|e| CheckError(format!("raw root: {e}")));
            match v {
                Ok(v) => pairs.push((m, v)),
                Err(e) => {
                    let _ = heap.pop_frame(frame);
                    return Err(e);
                }
            }
        }
        let r = self.check_graph(heap, model, &pairs);
        heap.pop_frame(frame)
            .map_err(|e| CheckError(format!("check frame: {e}")))?;
        r
    }

    fn walk(
        &self,
        heap: &mut Heap,
        model: &Model,
        roots: &[(MValue, Value)],
    ) -> Result<Census, CheckError> {
        let mut seen: IdSet<ObjId> = IdSet::default();
        let mut heap_ids: IdMap<u64, ObjId> = IdMap::default();
        // Breadth-first: `reached[k]` is an object, its handle and how it was reached; the
        // queue is the suffix of `reached` not yet visited. Paths are spelled out only for
        // an error message.
        let mut reached: Vec<(ObjId, Handle, Via)> = Vec::new();
        for (i, &(m, v)) in roots.iter().enumerate() {
            self.compare_value(heap, m, v)
                .map_err(|e| CheckError(format!("root {i}: {e}")))?;
            if let (MValue::Ref(id), Value::Ref(h)) = (m, v) {
                if seen.insert(id) {
                    reached.push((id, h, Via::Root(i)));
                }
            }
        }
        let mut census = Census::default();
        let mut children = Vec::new();
        let mut next = 0;
        while let Some(&(id, h, _)) = reached.get(next) {
            let ctx = |e: &dyn fmt::Display| {
                CheckError(format!("{} → {id:?}: {e}", path(&reached, next)))
            };
            let obj = model
                .object(id)
                .ok_or_else(|| ctx(&"reachable in the model but not tracked"))?;
            let oid = heap.object_id(h).map_err(|e| ctx(&e))?;
            if let Some(other) = heap_ids.insert(oid, id) {
                return Err(ctx(&format!(
                    "heap object {oid} also stands for model object {other:?}"
                )));
            }
            let tag = heap.type_tag(h).map_err(|e| ctx(&e))?;
            if tag != obj.tag {
                return Err(ctx(&format!("type tag {tag}, model {}", obj.tag)));
            }
            let n = heap.slot_count(h).map_err(|e| ctx(&e))?;
            if n != obj.slots.len() {
                return Err(ctx(&format!("{n} slots, model {}", obj.slots.len())));
            }
            let bytes = heap.bytes(h).map_err(|e| ctx(&e))?;
            if bytes != obj.bytes.as_slice() {
                return Err(ctx(&format!(
                    "bytes differ: heap {bytes:?}, model {:?}",
                    obj.bytes
                )));
            }
            let size = heap.object_size(h).map_err(|e| ctx(&e))? as u64;
            if size != predicted_size(n, obj.bytes.len()) {
                return Err(ctx(&format!("size {size}, model {}", obj.size())));
            }
            census.objects += 1;
            census.bytes += size;
            for (i, &m) in obj.slots.iter().enumerate() {
                let v = heap.get(h, i).map_err(|e| ctx(&e))?;
                self.compare_value(heap, m, v)
                    .map_err(|e| ctx(&format!("slot {i}: {e}")))?;
                if let (MValue::Ref(next_id), Value::Ref(nh)) = (m, v) {
                    if seen.insert(next_id) {
                        children.push((next_id, nh, Via::Slot(next, i)));
                    }
                }
            }
            reached.append(&mut children);
            next += 1;
        }
        Ok(census)
    }

    /// After a full collection: the heap holds exactly the model's reachable objects, plus
    /// `extra` (objects allocated after the collection that no root holds yet).
    pub fn check_exact(&self, heap: &Heap, model: &Model, extra: Census) -> Result<(), CheckError> {
        let (reachable, large) = model.reachable_census(u64::MAX);
        debug_assert_eq!(large, Census::default());
        self.check_exact_census(heap, reachable, extra)
    }

    /// [`check_exact`](Self::check_exact) with the model's reachable census already taken.
    pub fn check_exact_census(
        &self,
        heap: &Heap,
        reachable: Census,
        extra: Census,
    ) -> Result<(), CheckError> {
        let want = Census {
            objects: reachable.objects + extra.objects,
            bytes: reachable.bytes + extra.bytes,
        };
        let usage = heap.usage();
        let got = Census {
            objects: usage.objects(),
            bytes: usage.bytes(),
        };
        if got != want {
            fail!(
                "after a full collection the heap holds {} objects / {} B, but {} objects / {} B are reachable",
                got.objects, got.bytes, want.objects, want.bytes
            );
        }
        Ok(())
    }

    /// No-gc plan: every object ever allocated is still in the heap.
    pub fn check_nothing_freed(&self, heap: &Heap, model: &Model) -> Result<(), CheckError> {
        let usage = heap.usage();
        let want = model.allocated();
        if usage.objects() != want.objects || usage.bytes() != want.bytes {
            fail!(
                "no-gc heap holds {} objects / {} B, but {} objects / {} B were allocated",
                usage.objects(),
                usage.bytes(),
                want.objects,
                want.bytes
            );
        }
        Ok(())
    }
}
