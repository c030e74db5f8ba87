//! The reference model: a plain object graph with no collector.
//!
//! The model mirrors what a program does to a heap — allocate, store, push and pop frames,
//! register and release roots of every kind — and answers one question the heap must agree
//! with: which objects are reachable from the roots. It shares no code with the collector:
//! objects live in a `BTreeMap` keyed by a model id, references are those ids, and
//! reachability is a breadth-first search. It also predicts the errors the heap's API returns
//! for misuse (stale handles, out-of-bounds slots, frames popped out of order).

use crate::{HeapError, RootKind, TypeTag};
use std::collections::{BTreeMap, BTreeSet};

/// A model object's identity (allocation order, from 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjId(pub u64);

/// A slot value in the model: an immediate or a reference to a model object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MValue {
    /// `undefined`.
    Undefined,
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A small integer.
    Int(i32),
    /// A double, as its bits, with every NaN canonicalised to `0x7FF8_0000_0000_0000`.
    Float(u64),
    /// A reference.
    Ref(ObjId),
}

impl MValue {
    /// A double (NaNs are canonicalised, as the heap does).
    pub fn float(f: f64) -> MValue {
        MValue::Float(if f.is_nan() {
            0x7FF8_0000_0000_0000
        } else {
            f.to_bits()
        })
    }

    /// The referenced object, if any.
    pub fn as_ref(self) -> Option<ObjId> {
        match self {
            MValue::Ref(id) => Some(id),
            _ => None,
        }
    }
}

/// A model object: type tag, reference slots and raw bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MObject {
    /// The embedder's type tag.
    pub tag: TypeTag,
    /// The reference slots.
    pub slots: Vec<MValue>,
    /// The raw bytes.
    pub bytes: Vec<u8>,
}

impl MObject {
    /// The object's size in bytes under gclab's documented layout: a 16-byte header, 8 bytes
    /// per slot and the raw bytes rounded up to a multiple of 8.
    pub fn size(&self) -> u64 {
        predicted_size(self.slots.len(), self.bytes.len())
    }
}

/// Size of an object with `slots` slots and `bytes` raw bytes under the documented layout.
pub fn predicted_size(slots: usize, bytes: usize) -> u64 {
    16 + 8 * slots as u64 + (bytes as u64).div_ceil(8) * 8
}

/// A local root in a model frame. Stale once its frame is popped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LocalRef {
    frame: u64,
    index: usize,
}

/// A model frame, as returned by [`Model::push_frame`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FrameRef {
    serial: u64,
}

/// A persistent root (timer, listener, promise…). Stale once released.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RootId(u64);

/// An external root source: a vector of slots the embedder owns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourceKey(u64);

#[derive(Clone, Debug)]
struct MFrame {
    serial: u64,
    locals: Vec<MValue>,
}

/// Totals over a set of model objects.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Census {
    /// Number of objects.
    pub objects: u64,
    /// Their bytes under the documented layout.
    pub bytes: u64,
}

/// The reference model of a heap and its roots. See the [module documentation](self).
#[derive(Clone, Debug)]
pub struct Model {
    objects: BTreeMap<ObjId, MObject>,
    next_id: u64,
    frames: Vec<MFrame>,
    next_frame: u64,
    persistents: BTreeMap<RootId, (RootKind, MValue)>,
    next_root: u64,
    globals: BTreeMap<String, MValue>,
    sources: BTreeMap<SourceKey, (RootKind, Vec<MValue>)>,
    next_source: u64,
    allocated: Census,
}

impl Default for Model {
    fn default() -> Self {
        Model::new()
    }
}

impl Model {
    /// An empty model with only the top-level frame.
    pub fn new() -> Model {
        Model {
            objects: BTreeMap::new(),
            next_id: 1,
            frames: vec![MFrame {
                serial: 0,
                locals: Vec::new(),
            }],
            next_frame: 1,
            persistents: BTreeMap::new(),
            next_root: 0,
            globals: BTreeMap::new(),
            sources: BTreeMap::new(),
            next_source: 0,
            allocated: Census::default(),
        }
    }

    // ------------------------------------------------------------------ objects

    /// Allocates an object (slots `undefined`, bytes zero) and roots it as a local in the top
    /// frame, as [`Heap::alloc`](crate::Heap::alloc) does.
    pub fn alloc(&mut self, tag: TypeTag, slots: usize, bytes: usize) -> (ObjId, LocalRef) {
        let id = self.alloc_unrooted(tag, slots, bytes);
        (id, self.local(MValue::Ref(id)))
    }

    /// Allocates an object without rooting it, as [`Heap::alloc_raw`](crate::Heap::alloc_raw)
    /// does; the caller stores it somewhere reachable or lets it die.
    pub fn alloc_unrooted(&mut self, tag: TypeTag, slots: usize, bytes: usize) -> ObjId {
        let id = ObjId(self.next_id);
        self.next_id += 1;
        let obj = MObject {
            tag,
            slots: vec![MValue::Undefined; slots],
            bytes: vec![0; bytes],
        };
        self.allocated.objects += 1;
        self.allocated.bytes += obj.size();
        self.objects.insert(id, obj);
        id
    }

    /// Every object ever allocated, counted with its size (the no-gc plan never frees).
    pub fn allocated(&self) -> Census {
        self.allocated
    }

    /// An object the model still tracks (reachable, or not yet [pruned](Self::prune)).
    pub fn object(&self, id: ObjId) -> Option<&MObject> {
        self.objects.get(&id)
    }

    /// The object behind a value, predicting the heap's error for a non-reference.
    pub fn deref(&self, v: MValue) -> Result<(ObjId, &MObject), HeapError> {
        let id = v.as_ref().ok_or(HeapError::NotAnObject)?;
        let obj = self
            .objects
            .get(&id)
            .expect("a rooted model reference names a tracked object");
        Ok((id, obj))
    }

    /// Reads slot `index` of the object `v` references.
    pub fn get(&self, v: MValue, index: usize) -> Result<MValue, HeapError> {
        let (_, obj) = self.deref(v)?;
        obj.slots
            .get(index)
            .copied()
            .ok_or(HeapError::SlotOutOfBounds {
                index,
                len: obj.slots.len(),
            })
    }

    /// Stores into slot `index` of the object `v` references.
    pub fn set(&mut self, v: MValue, index: usize, value: MValue) -> Result<(), HeapError> {
        let id = v.as_ref().ok_or(HeapError::NotAnObject)?;
        let obj = self
            .objects
            .get_mut(&id)
            .expect("a rooted model reference names a tracked object");
        let len = obj.slots.len();
        match obj.slots.get_mut(index) {
            Some(s) => {
                *s = value;
                Ok(())
            }
            None => Err(HeapError::SlotOutOfBounds { index, len }),
        }
    }

    /// The raw bytes of the object `v` references, writable.
    pub fn bytes_mut(&mut self, v: MValue) -> Result<&mut Vec<u8>, HeapError> {
        let id = v.as_ref().ok_or(HeapError::NotAnObject)?;
        Ok(&mut self
            .objects
            .get_mut(&id)
            .expect("a rooted model reference names a tracked object")
            .bytes)
    }

    // ------------------------------------------------------------------ frames and locals

    /// Pushes a frame.
    pub fn push_frame(&mut self) -> FrameRef {
        let serial = self.next_frame;
        self.next_frame += 1;
        self.frames.push(MFrame {
            serial,
            locals: Vec::new(),
        });
        FrameRef { serial }
    }

    /// Frames above the top level.
    pub fn frame_depth(&self) -> usize {
        self.frames.len() - 1
    }

    /// Pops `frame`, which must be the top frame (and not the top level).
    pub fn pop_frame(&mut self, frame: FrameRef) -> Result<(), HeapError> {
        let top = self.frames.last().expect("top level");
        if self.frames.len() == 1 || top.serial != frame.serial {
            return Err(HeapError::FrameOrder {
                expected: String::new(),
                found: String::new(),
            });
        }
        self.frames.pop();
        Ok(())
    }

    /// Pops `frame` and re-roots `keep` (read before the pop) in the frame below. As with
    /// [`Heap::pop_frame_escape`](crate::Heap::pop_frame_escape), only a reference gets a new
    /// local; an immediate is returned as is.
    pub fn pop_frame_escape(
        &mut self,
        frame: FrameRef,
        keep: MValue,
    ) -> Result<Option<LocalRef>, HeapError> {
        self.pop_frame(frame)?;
        Ok(keep.as_ref().map(|_| self.local(keep)))
    }

    /// A new local in the top frame.
    pub fn local(&mut self, v: MValue) -> LocalRef {
        let top = self.frames.last_mut().expect("top level");
        top.locals.push(v);
        LocalRef {
            frame: top.serial,
            index: top.locals.len() - 1,
        }
    }

    fn local_slot(&mut self, r: LocalRef) -> Result<&mut MValue, HeapError> {
        self.frames
            .iter_mut()
            .rev()
            .find(|f| f.serial == r.frame)
            .and_then(|f| f.locals.get_mut(r.index))
            .ok_or(HeapError::StaleHandle)
    }

    /// What a local holds; `StaleHandle` once its frame was popped.
    pub fn local_get(&mut self, r: LocalRef) -> Result<MValue, HeapError> {
        self.local_slot(r).map(|v| *v)
    }

    /// Overwrites a local.
    pub fn local_set(&mut self, r: LocalRef, v: MValue) -> Result<(), HeapError> {
        *self.local_slot(r)? = v;
        Ok(())
    }

    // ------------------------------------------------------------------ persistent roots

    /// Registers a persistent root; `InvalidRootKind` for the kinds the heap registers
    /// another way (stack frame, global, external).
    pub fn add_root(&mut self, kind: RootKind, v: MValue) -> Result<RootId, HeapError> {
        if matches!(
            kind,
            RootKind::StackFrame | RootKind::Global | RootKind::External
        ) {
            return Err(HeapError::InvalidRootKind(kind));
        }
        let id = RootId(self.next_root);
        self.next_root += 1;
        self.persistents.insert(id, (kind, v));
        Ok(id)
    }

    /// Releases a persistent root (explicitly or by dropping it).
    pub fn release(&mut self, id: RootId) {
        self.persistents.remove(&id);
    }

    /// What a persistent root holds; `StaleHandle` once released.
    pub fn root_get(&self, id: RootId) -> Result<MValue, HeapError> {
        self.persistents
            .get(&id)
            .map(|r| r.1)
            .ok_or(HeapError::StaleHandle)
    }

    /// Overwrites a persistent root.
    pub fn root_set(&mut self, id: RootId, v: MValue) -> Result<(), HeapError> {
        let r = self
            .persistents
            .get_mut(&id)
            .ok_or(HeapError::StaleHandle)?;
        r.1 = v;
        Ok(())
    }

    // ------------------------------------------------------------------ globals

    /// Sets a named global.
    pub fn set_global(&mut self, name: &str, v: MValue) {
        self.globals.insert(name.to_owned(), v);
    }

    /// Reads a global.
    pub fn global(&self, name: &str) -> Option<MValue> {
        self.globals.get(name).copied()
    }

    /// Deletes a global; whether it existed.
    pub fn remove_global(&mut self, name: &str) -> bool {
        self.globals.remove(name).is_some()
    }

    /// Names of the globals, sorted.
    pub fn global_names(&self) -> impl Iterator<Item = &str> {
        self.globals.keys().map(String::as_str)
    }

    // ------------------------------------------------------------------ external sources

    /// Registers an external root source with `len` slots, all `undefined`.
    pub fn add_source(&mut self, kind: RootKind, len: usize) -> SourceKey {
        let key = SourceKey(self.next_source);
        self.next_source += 1;
        self.sources
            .insert(key, (kind, vec![MValue::Undefined; len]));
        key
    }

    /// The slots of a registered source (`None` once removed).
    pub fn source(&self, key: SourceKey) -> Option<&Vec<MValue>> {
        self.sources.get(&key).map(|s| &s.1)
    }

    /// The slots of a registered source, writable.
    pub fn source_mut(&mut self, key: SourceKey) -> Option<&mut Vec<MValue>> {
        self.sources.get_mut(&key).map(|s| &mut s.1)
    }

    /// Unregisters a source; whether it was registered.
    pub fn remove_source(&mut self, key: SourceKey) -> bool {
        self.sources.remove(&key).is_some()
    }

    // ------------------------------------------------------------------ reachability

    /// Every root slot with its kind: persistent roots, globals, frame locals, source slots.
    pub fn roots(&self) -> Vec<(RootKind, MValue)> {
        let mut out: Vec<(RootKind, MValue)> = self.persistents.values().copied().collect();
        out.extend(self.globals.values().map(|v| (RootKind::Global, *v)));
        for f in &self.frames {
            out.extend(f.locals.iter().map(|v| (RootKind::StackFrame, *v)));
        }
        for (kind, slots) in self.sources.values() {
            out.extend(slots.iter().map(|v| (*kind, *v)));
        }
        out
    }

    /// The objects reachable from the roots.
    pub fn reachable(&self) -> BTreeSet<ObjId> {
        let live = self.live();
        self.objects
            .keys()
            .filter(|&&id| live.contains(id))
            .copied()
            .collect()
    }

    /// The objects reachable from the roots, as a [`Live`] set (cheaper to build and to
    /// query than [`reachable`](Self::reachable)'s ordered set).
    pub fn live(&self) -> Live {
        let mut seen = vec![false; self.next_id as usize];
        let mut stack: Vec<ObjId> = self
            .roots()
            .into_iter()
            .filter_map(|(_, v)| v.as_ref())
            .collect();
        while let Some(id) = stack.pop() {
            let mark = &mut seen[id.0 as usize];
            if *mark {
                continue;
            }
            *mark = true;
            let obj = &self.objects[&id];
            stack.extend(obj.slots.iter().filter_map(|v| v.as_ref()));
        }
        Live(seen)
    }

    /// Count and bytes of the reachable objects; `large_over` splits off objects larger
    /// than that many bytes (the second census).
    pub fn reachable_census(&self, large_over: u64) -> (Census, Census) {
        self.census_of(&self.live(), large_over)
    }

    /// [`reachable_census`](Self::reachable_census) of a set computed by
    /// [`live`](Self::live) (no other change to the model since).
    pub fn census_of(&self, live: &Live, large_over: u64) -> (Census, Census) {
        let (mut small, mut large) = (Census::default(), Census::default());
        for (_, obj) in self.objects.iter().filter(|(&id, _)| live.contains(id)) {
            let size = obj.size();
            let c = if size > large_over {
                &mut large
            } else {
                &mut small
            };
            c.objects += 1;
            c.bytes += size;
        }
        (small, large)
    }

    /// Forgets the objects no root reaches (they can never be named again); returns their ids.
    pub fn prune(&mut self) -> Vec<ObjId> {
        let live = self.live();
        self.prune_to(&live)
    }

    /// [`prune`](Self::prune) with the reachable set already computed by
    /// [`live`](Self::live) (no other change to the model since).
    pub fn prune_to(&mut self, live: &Live) -> Vec<ObjId> {
        let mut dead = Vec::new();
        self.objects.retain(|&id, _| {
            let keep = live.contains(id);
            if !keep {
                dead.push(id);
            }
            keep
        });
        dead
    }
}

/// The objects reachable in a [`Model`] at one moment, from [`Model::live`].
#[derive(Clone, Debug)]
pub struct Live(Vec<bool>);

impl Live {
    /// Whether object `id` is reachable.
    pub fn contains(&self, id: ObjId) -> bool {
        self.0.get(id.0 as usize).copied().unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reachability_follows_slots_and_every_root_kind() {
        let mut m = Model::new();
        let f = m.push_frame();
        let (a, la) = m.alloc(1, 1, 0);
        let (b, _) = m.alloc(1, 1, 3);
        m.set(MValue::Ref(a), 0, MValue::Ref(b)).unwrap();
        m.set(MValue::Ref(b), 0, MValue::Ref(b)).unwrap();
        let c = m.alloc_unrooted(2, 0, 0);
        assert_eq!(m.reachable().len(), 2);
        let r = m.add_root(RootKind::Timer, MValue::Ref(c)).unwrap();
        assert_eq!(m.reachable().len(), 3);
        m.pop_frame(f).unwrap();
        assert_eq!(m.local_get(la), Err(HeapError::StaleHandle));
        assert_eq!(m.reachable().into_iter().collect::<Vec<_>>(), vec![c]);
        m.release(r);
        assert!(m.reachable().is_empty());
        assert_eq!(m.prune().len(), 3);
        assert_eq!(m.allocated().objects, 3);
        assert_eq!(m.allocated().bytes, 24 + 32 + 16);
    }

    #[test]
    fn model_predicts_misuse_errors() {
        let mut m = Model::new();
        let (a, _) = m.alloc(1, 2, 0);
        assert!(matches!(
            m.set(MValue::Ref(a), 2, MValue::Null),
            Err(HeapError::SlotOutOfBounds { index: 2, len: 2 })
        ));
        assert_eq!(m.get(MValue::Int(1), 0), Err(HeapError::NotAnObject));
        let f1 = m.push_frame();
        let _f2 = m.push_frame();
        assert!(m.pop_frame(f1).is_err());
        assert_eq!(
            m.add_root(RootKind::StackFrame, MValue::Null),
            Err(HeapError::InvalidRootKind(RootKind::StackFrame))
        );
        let s = m.add_source(RootKind::External, 2);
        m.source_mut(s).unwrap()[1] = MValue::Ref(a);
        assert!(m.remove_source(s));
        assert!(!m.remove_source(s));
    }
}
