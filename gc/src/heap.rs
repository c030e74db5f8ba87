//! The [`Heap`]: allocation, object access through handles, roots, and collection triggers.

use crate::config::{HeapConfig, Plan};
use crate::error::{HeapError, OutOfMemory};
use crate::object::{object_size, ObjPtr, TypeTag, MAX_BYTES, MAX_SLOTS};
use crate::roots::{Frame, Handle, Persistent, RootKind, RootSource, RootTable, SourceId};
use crate::space::{CopySpace, LargeObjectSpace, OldSpace};
use crate::stats::{CollectionCause, CollectionKind, HeapUsage, SpaceUsage, Stats};
use crate::value::{RawValue, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Runs of up to this many words are filled with unrolled stores (see [`fill_words`]).
const SMALL_INIT_WORDS: usize = 8;

/// Writes `word` to the `n` words at `p`: a new object's `undefined` slots or zeroed bytes.
///
/// Short runs (the common small objects) take conditional stores under a constant bound,
/// which the compiler unrolls; a plain loop would become a `memset` call (for zero) or a
/// counted loop, both dearer than the stores for a few words.
///
/// # Safety
/// `p` is 8-aligned and valid for writes of `n` words.
#[inline(always)]
unsafe fn fill_words(p: *mut u64, n: usize, word: u64) {
    if n <= SMALL_INIT_WORDS {
        for i in 0..SMALL_INIT_WORDS {
            if i < n {
                // SAFETY: `i < n` (the caller's contract).
                unsafe { p.add(i).write(word) };
            }
        }
    } else {
        for i in 0..n {
            // SAFETY: as above.
            unsafe { p.add(i).write(word) };
        }
    }
}

/// The safe value of a word that is not a reference.
#[inline]
fn immediate_value(raw: RawValue) -> Result<Value, HeapError> {
    match raw.immediate() {
        Some(i) => Ok(i.into()),
        None => Err(HeapError::InvalidValue { bits: raw.bits() }),
    }
}

/// Names the embedder gives a type tag, for diagnostics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeInfo {
    /// The type's name (`"Closure"`, `"Array"`…).
    pub name: Arc<str>,
    /// Names of the reference slots, by index; slots past the list are shown by index.
    pub slot_names: Vec<Arc<str>>,
}

/// Which space an object lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SpaceKind {
    /// The nursery (generational), the copying space (semispace) or the bump region (no-gc).
    Young,
    /// The mark-sweep old generation.
    Old,
    /// The large-object space.
    Large,
}

/// A garbage-collected heap. See the [crate documentation](crate) for the model and an example.
pub struct Heap {
    pub(crate) config: HeapConfig,
    /// Nursery (generational), whole heap (semispace) or bump region (no-gc).
    pub(crate) young: Option<CopySpace>,
    pub(crate) old: Option<OldSpace>,
    pub(crate) large: LargeObjectSpace,
    pub(crate) roots: RootTable,
    /// Old and large objects that may hold references into the nursery.
    pub(crate) remset: Vec<ObjPtr>,
    pub(crate) types: HashMap<TypeTag, TypeInfo>,
    pub(crate) stats: Stats,
    next_id: u64,
    /// Bytes allocated, not counting the nursery's bytes since the last collection.
    pub(crate) allocated_retired: u64,
    /// Nursery bytes in use right after the last collection (survivors, not new allocation).
    pub(crate) nursery_baseline: usize,
    pub(crate) major_threshold: u64,
    /// The barrier's young range: `[barrier_lo, barrier_lo + barrier_len)`; empty unless
    /// the plan is generational.
    barrier_lo: usize,
    barrier_len: usize,
    /// `barrier_lo` as a reference's bits (tag included): a stored value is a reference
    /// into the nursery exactly when `bits - barrier_ref_lo < barrier_len`, one compare that
    /// also rejects every immediate (their tags differ from the reference tag). Kept beside
    /// the untagged bound so neither test has to add or strip the tag.
    barrier_ref_lo: u64,
    pub(crate) epoch: Instant,
    pub(crate) mark_stack: Vec<ObjPtr>,
    /// Objects larger than this go to the large-object space: the configured threshold, or
    /// less when the nursery could not hold such an object even empty.
    large_threshold: usize,
    /// The largest object the inlined fast path allocates: `large_threshold`, or 0 in stress
    /// mode so that every allocation reaches the slow path and its countdown.
    fast_max: usize,
    /// Stress mode: allocations left before the next forced collection (0: off), and the
    /// number of forced collections so far.
    stress_countdown: u32,
    stress_count: u64,
    /// Mark-sweep plan: old and large bytes may grow to this before an allocation must take
    /// the slow path (the major threshold, capped by the heap limit).
    old_limit: u64,
}

impl std::fmt::Debug for Heap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Heap")
            .field("plan", &self.config.plan)
            .field("usage", &self.usage())
            .field("collections", &self.stats.events().len())
            .finish()
    }
}

impl Heap {
    /// A heap with the default configuration (generational plan, 16 MiB semispaces).
    pub fn new() -> Result<Heap, HeapError> {
        Heap::with_config(HeapConfig::default())
    }

    /// A heap with the given configuration.
    ///
    /// # Errors
    /// [`HeapError::Config`] for inconsistent settings, [`HeapError::Map`] if the OS refuses
    /// to reserve the address space.
    pub fn with_config(config: HeapConfig) -> Result<Heap, HeapError> {
        config.validate().map_err(HeapError::Config)?;
        let map = |e: std::io::Error| HeapError::Map(e.to_string());
        // The limit, half again for size-class fragmentation, and one block per size class:
        // a non-moving space needs a block for each class in use, however few bytes it holds.
        let old_reserve = config.max_heap
            + config.max_heap / 2
            + crate::space::marksweep::SIZE_CLASSES.len() * crate::space::marksweep::BLOCK_SIZE;
        let (young, old) = match config.plan {
            Plan::Generational => (
                Some(CopySpace::new(config.nursery_size, 2).map_err(map)?),
                Some(OldSpace::new(old_reserve).map_err(map)?),
            ),
            Plan::MarkSweep => (None, Some(OldSpace::new(old_reserve).map_err(map)?)),
            Plan::SemiSpace => (
                Some(CopySpace::new(config.max_heap / 2, 2).map_err(map)?),
                None,
            ),
            Plan::NoGc => (Some(CopySpace::new(config.max_heap, 1).map_err(map)?), None),
        };
        // An object that cannot fit even an empty nursery is allocated as a large one.
        let large_threshold = match (&young, config.plan) {
            (Some(y), Plan::Generational) => config.large_object_threshold.min(y.current_range().1),
            _ => config.large_object_threshold,
        };
        let stress = config.gc_interval.unwrap_or(0);
        let mut heap = Heap {
            major_threshold: config.min_major_threshold as u64,
            config,
            young,
            old,
            large: LargeObjectSpace::new(),
            roots: RootTable::new().ok_or_else(|| {
                HeapError::Config("heap ids exhausted: 2^32 - 1 heaps were created".into())
            })?,
            remset: Vec::new(),
            types: HashMap::new(),
            stats: Stats::default(),
            next_id: 0,
            allocated_retired: 0,
            nursery_baseline: 0,
            barrier_lo: 0,
            barrier_len: 0,
            barrier_ref_lo: 0,
            epoch: Instant::now(),
            mark_stack: Vec::new(),
            large_threshold,
            fast_max: if stress > 0 { 0 } else { large_threshold },
            stress_countdown: stress,
            stress_count: 0,
            old_limit: 0,
        };
        heap.update_limits();
        Ok(heap)
    }

    /// The configuration the heap was built with.
    pub fn config(&self) -> &HeapConfig {
        &self.config
    }

    /// The plan.
    pub fn plan(&self) -> Plan {
        self.config.plan
    }

    /// Collection statistics.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Time since the heap was created (the clock events are stamped with).
    pub fn elapsed(&self) -> Duration {
        self.epoch.elapsed()
    }

    /// Bytes and objects in each space right now (exact object sizes).
    pub fn usage(&self) -> HeapUsage {
        HeapUsage {
            nursery: self
                .young
                .as_ref()
                .map_or_else(SpaceUsage::default, |y| SpaceUsage {
                    bytes: y.used() as u64,
                    objects: y.objects(),
                }),
            old: self
                .old
                .as_ref()
                .map_or_else(SpaceUsage::default, |o| SpaceUsage {
                    bytes: o.bytes(),
                    objects: o.objects(),
                }),
            large: SpaceUsage {
                bytes: self.large.bytes(),
                objects: self.large.objects(),
            },
        }
    }

    /// Bytes occupied by objects in all spaces (live or not yet collected).
    pub fn occupied_bytes(&self) -> u64 {
        self.young.as_ref().map_or(0, |y| y.used() as u64)
            + self.old.as_ref().map_or(0, |o| o.bytes())
            + self.large.bytes()
    }

    /// Total bytes allocated since the heap was created.
    pub fn allocated_bytes(&self) -> u64 {
        let nursery_new = match (&self.young, self.config.plan) {
            (Some(y), _) => y.used().saturating_sub(self.nursery_baseline) as u64,
            (None, _) => 0,
        };
        self.allocated_retired + nursery_new
    }

    /// Total objects allocated since the heap was created.
    pub fn allocated_objects(&self) -> u64 {
        self.next_id
    }

    /// Memory the heap holds from the OS for objects right now, in whole pages: the pages of
    /// the copying spaces filled so far (they are never given back) or prefaulted, old-space
    /// blocks in use or retained, and each large object's page-rounded mapping. Address space
    /// merely reserved is not counted.
    pub fn committed_bytes(&self) -> u64 {
        self.young.as_ref().map_or(0, |y| y.committed_bytes())
            + self.old.as_ref().map_or(0, |o| o.block_bytes())
            + self.large.committed_bytes()
    }

    /// Bytes of old-space cells in use: object bytes plus the internal fragmentation of the
    /// size classes (compare with `usage().old.bytes`).
    pub fn old_cell_bytes(&self) -> u64 {
        self.old.as_ref().map_or(0, |o| o.cell_bytes())
    }

    /// Old-space blocks holding at least one object (64 KiB each). Empty blocks are kept in a
    /// committed pool (up to 16 MiB, one default nursery semispace) and the rest returned to
    /// the OS.
    pub fn old_blocks_in_use(&self) -> usize {
        self.old.as_ref().map_or(0, |o| o.blocks_in_use())
    }

    /// Number of registered external root sources.
    pub fn root_source_count(&self) -> usize {
        self.roots.source_count()
    }

    /// Registers names for a type tag, used by diagnostics and snapshots.
    pub fn register_type(&mut self, tag: TypeTag, name: &str, slot_names: &[&str]) {
        self.types.insert(
            tag,
            TypeInfo {
                name: name.into(),
                slot_names: slot_names.iter().map(|s| (*s).into()).collect(),
            },
        );
    }

    /// The names registered for a type tag.
    pub fn type_info(&self, tag: TypeTag) -> Option<&TypeInfo> {
        self.types.get(&tag)
    }

    // ------------------------------------------------------------------ allocation

    /// Allocates an object with `slots` reference slots (all `undefined`) and `bytes` raw
    /// bytes (all zero), rooted as a local in the current frame.
    ///
    /// May collect. Objects larger than the configured threshold go to the large-object space.
    ///
    /// # Errors
    /// [`HeapError::OutOfMemory`] when the object does not fit under the heap limit even after
    /// a full collection (the heap is unchanged and usable); [`HeapError::TooLarge`] for a
    /// layout past [`MAX_SLOTS`] / [`MAX_BYTES`].
    #[inline(always)]
    pub fn alloc(&mut self, tag: TypeTag, slots: usize, bytes: usize) -> Result<Handle, HeapError> {
        let o = self.alloc_object(tag, slots, bytes)?;
        Ok(self.roots.push_local(o.to_value()))
    }

    /// Allocates an object and initialises its slots and bytes, rooted in the current frame.
    ///
    /// Handles in `slots` are resolved after the allocation, so they may name objects that
    /// the allocation's collection moved.
    pub fn alloc_with(
        &mut self,
        tag: TypeTag,
        slots: &[Value],
        bytes: &[u8],
    ) -> Result<Handle, HeapError> {
        for v in slots {
            self.resolve(*v)?;
        }
        let h = self.alloc(tag, slots.len(), bytes.len())?;
        for (i, v) in slots.iter().enumerate() {
            self.set(h, i, *v)?;
        }
        self.bytes_mut(h)?.copy_from_slice(bytes);
        Ok(h)
    }

    #[inline(always)]
    pub(crate) fn alloc_object(
        &mut self,
        tag: TypeTag,
        slots: usize,
        bytes: usize,
    ) -> Result<ObjPtr, HeapError> {
        if slots <= MAX_SLOTS && bytes <= MAX_BYTES {
            let size = object_size(slots, bytes);
            if let Some(p) = self.alloc_fast(size) {
                // SAFETY: `p` is a fresh, exclusively owned range of `size` bytes from a space.
                return Ok(unsafe { self.init_object(p, tag, slots, bytes) });
            }
        }
        // Everything but a bump (or old-space bitmap) hit is out of line, so the inlined fast
        // path saves no registers for it.
        self.alloc_object_slow(tag, slots, bytes)
    }

    #[cold]
    #[inline(never)]
    fn alloc_object_slow(
        &mut self,
        tag: TypeTag,
        slots: usize,
        bytes: usize,
    ) -> Result<ObjPtr, HeapError> {
        if slots > MAX_SLOTS || bytes > MAX_BYTES {
            return Err(HeapError::TooLarge { slots, bytes });
        }
        let size = object_size(slots, bytes);
        if self.stress_countdown > 0 {
            self.stress_tick();
            if size <= self.large_threshold {
                if let Some(p) = self.young.as_mut().and_then(|y| y.alloc(size)) {
                    // SAFETY: `p` is a fresh, exclusively owned range of `size` bytes.
                    return Ok(unsafe { self.init_object(p, tag, slots, bytes) });
                }
            }
        }
        let p = match self.alloc_old_fast(size) {
            Some(p) => p,
            None => self.alloc_slow(size)?,
        };
        // SAFETY: `p` is a fresh, exclusively owned range of the object's size from a space.
        Ok(unsafe { self.init_object(p, tag, slots, bytes) })
    }

    /// Writes a new object's header, `undefined` slots and zeroed bytes at `p`.
    ///
    /// # Safety
    /// `p` is a fresh, exclusively owned range of `object_size(slots, bytes)` bytes, with
    /// `slots <= MAX_SLOTS` and `bytes <= MAX_BYTES`.
    #[inline(always)]
    unsafe fn init_object(
        &mut self,
        p: *mut u8,
        tag: TypeTag,
        slots: usize,
        bytes: usize,
    ) -> ObjPtr {
        self.next_id += 1;
        // SAFETY: the caller's contract: the whole object's range is writable.
        unsafe {
            let o = ObjPtr::from_ptr(p);
            o.init_header(tag, slots as u32, bytes as u32, self.next_id as u32);
            let body = p.add(crate::object::HEADER_SIZE).cast::<u64>();
            fill_words(body, slots, RawValue::UNDEFINED.bits());
            // Raw bytes are rounded up to whole words (`object_size`).
            fill_words(body.add(slots), bytes.div_ceil(8), 0);
            o
        }
    }

    #[inline(always)]
    fn alloc_fast(&mut self, size: usize) -> Option<*mut u8> {
        if size > self.fast_max {
            return None;
        }
        self.young.as_mut()?.alloc(size)
    }

    /// Mark-sweep plan: an old-space cell when neither the collection threshold nor the
    /// heap limit is in the way (what `make_room` would check). Reached through the slow
    /// path: only the nursery's bump path is worth copying into every caller.
    #[inline]
    fn alloc_old_fast(&mut self, size: usize) -> Option<*mut u8> {
        if self.young.is_some() || size > self.large_threshold {
            return None;
        }
        let old = self.old.as_mut()?;
        if old.bytes() + self.large.bytes() + size as u64 > self.old_limit {
            return None;
        }
        let p = old.alloc(size)?;
        self.allocated_retired += size as u64;
        Some(p)
    }

    #[cold]
    #[inline(never)]
    fn alloc_slow(&mut self, size: usize) -> Result<*mut u8, HeapError> {
        if size > self.large_threshold {
            return self.alloc_large(size);
        }
        match self.config.plan {
            Plan::Generational | Plan::SemiSpace => {
                let kind = if self.config.plan == Plan::Generational {
                    CollectionKind::Minor
                } else {
                    CollectionKind::Major
                };
                self.collect_with(kind, CollectionCause::NurseryFull);
                if let Some(p) = self.young.as_mut().and_then(|y| y.alloc(size)) {
                    return Ok(p);
                }
                if self.config.plan == Plan::SemiSpace {
                    // Past the growth threshold but within the limit: grow instead of failing.
                    let hard = (self.config.max_heap as u64).saturating_sub(self.large.bytes());
                    if let Some(p) = self.young.as_mut().and_then(|y| {
                        y.set_limit(hard as usize);
                        y.alloc(size)
                    }) {
                        return Ok(p);
                    }
                }
                self.collect_with(CollectionKind::Major, CollectionCause::HeapLimit);
                self.young
                    .as_mut()
                    .and_then(|y| y.alloc(size))
                    .ok_or_else(|| self.oom(size))
            }
            Plan::MarkSweep => self.alloc_old(size),
            Plan::NoGc => Err(self.oom(size)),
        }
    }

    /// Stress mode: counts an allocation down and, every `gc_interval` allocations, forces a
    /// collection and verifies the heap.
    #[cold]
    fn stress_tick(&mut self) {
        self.stress_countdown -= 1;
        if self.stress_countdown > 0 {
            return;
        }
        self.stress_countdown = self.config.gc_interval.unwrap_or(1);
        self.stress_count += 1;
        let kind = if self.stress_count % 4 == 0 {
            CollectionKind::Major
        } else {
            CollectionKind::Minor
        };
        self.collect_with(kind, CollectionCause::Stress);
        if let Err(e) = self.verify() {
            panic!(
                "stress mode: the heap failed verification after forced collection #{} ({kind:?}): {e}",
                self.stress_count
            );
        }
    }

    /// Mark-sweep plan: every small object goes to the old space.
    fn alloc_old(&mut self, size: usize) -> Result<*mut u8, HeapError> {
        self.make_room(size)?;
        let p = match self.old.as_mut().and_then(|o| o.alloc(size)) {
            Some(p) => p,
            None => {
                // The reservation is exhausted (fragmentation): a full collection may free blocks.
                self.collect_with(CollectionKind::Major, CollectionCause::HeapLimit);
                self.old
                    .as_mut()
                    .and_then(|o| o.alloc(size))
                    .ok_or_else(|| self.oom(size))?
            }
        };
        self.allocated_retired += size as u64;
        Ok(p)
    }

    fn alloc_large(&mut self, size: usize) -> Result<*mut u8, HeapError> {
        self.make_room(size)?;
        let p = self.large.alloc(size).ok_or_else(|| self.oom(size))?;
        self.allocated_retired += size as u64;
        self.update_limits();
        Ok(p)
    }

    /// Before a direct allocation outside the bump space: collect if the old generation
    /// passed its threshold or the limit would be passed; fail if it still would.
    fn make_room(&mut self, size: usize) -> Result<(), HeapError> {
        let collects = self.config.plan != Plan::NoGc;
        let old_and_large = self.old.as_ref().map_or(0, |o| o.bytes()) + self.large.bytes();
        if collects
            && matches!(self.config.plan, Plan::Generational | Plan::MarkSweep)
            && old_and_large + size as u64 > self.major_threshold
        {
            self.collect_with(CollectionKind::Major, CollectionCause::OldThreshold);
        }
        if self.occupied_bytes() + size as u64 > self.config.max_heap as u64 {
            if collects {
                self.collect_with(CollectionKind::Major, CollectionCause::HeapLimit);
            }
            if self.occupied_bytes() + size as u64 > self.config.max_heap as u64 {
                return Err(self.oom(size));
            }
        }
        Ok(())
    }

    fn oom(&self, size: usize) -> HeapError {
        HeapError::OutOfMemory(OutOfMemory {
            limit: self.config.max_heap as u64,
            live: self.occupied_bytes(),
            requested: size as u64,
        })
    }

    /// Recomputes the bump limit (so the heap limit holds without a check on the fast path)
    /// and the barrier's young range.
    pub(crate) fn update_limits(&mut self) {
        let max = self.config.max_heap as u64;
        self.old_limit = self.major_threshold.min(max);
        let others = self.old.as_ref().map_or(0, |o| o.bytes()) + self.large.bytes();
        if let Some(y) = self.young.as_mut() {
            let hard = max.saturating_sub(others);
            let limit = if self.config.plan == Plan::SemiSpace {
                // Collect when the copying space holds `major_growth` times what survived the
                // last collection (`major_threshold`, set after each collection), not only when
                // the whole half of the heap is full: the heap grows with its live size.
                self.major_threshold.min(hard)
            } else {
                hard
            };
            y.set_limit(limit as usize);
            if self.config.plan == Plan::Generational {
                let (lo, len) = y.current_range();
                self.barrier_lo = lo;
                self.barrier_len = len;
                self.barrier_ref_lo = RawValue::from_addr(lo).bits();
            }
        }
    }

    // ------------------------------------------------------------------ object access

    #[inline]
    pub(crate) fn obj(&self, h: Handle) -> Result<ObjPtr, HeapError> {
        let v = self.roots.get(h)?;
        if !v.is_ref() {
            return Err(HeapError::NotAnObject);
        }
        // SAFETY: root tables only hold references to live objects (the roots invariant).
        Ok(unsafe { ObjPtr::from_value(v) })
    }

    /// The object behind `h`, with `index` checked against its slot count.
    #[inline]
    fn slot_of(&self, h: Handle, index: usize) -> Result<ObjPtr, HeapError> {
        let o = self.obj(h)?;
        // SAFETY: `o` is live (resolved from a root).
        unsafe { Self::in_bounds(o, index) }
    }

    /// `o` itself if `index` is below its slot count.
    ///
    /// # Safety
    /// `o` is a live object.
    #[inline]
    unsafe fn in_bounds(o: ObjPtr, index: usize) -> Result<ObjPtr, HeapError> {
        // SAFETY: the caller's contract.
        let len = unsafe { o.slot_count() };
        if index >= len {
            return Err(HeapError::SlotOutOfBounds { index, len });
        }
        Ok(o)
    }

    /// The object a raw reference points at, with `index` checked against its slot count.
    ///
    /// # Safety
    /// If `obj` is a reference it points at a live object of this heap.
    #[inline]
    unsafe fn raw_slot_of(obj: RawValue, index: usize) -> Result<ObjPtr, HeapError> {
        if !obj.is_ref() {
            return Err(HeapError::NotAnObject);
        }
        // SAFETY: the caller guarantees a reference `obj` is live.
        unsafe { Self::in_bounds(ObjPtr::from_value(obj), index) }
    }

    /// Resolves a safe value to its raw word (handles to the references they hold).
    #[inline]
    pub(crate) fn resolve(&self, v: Value) -> Result<RawValue, HeapError> {
        Ok(match v {
            Value::Undefined => RawValue::UNDEFINED,
            Value::Null => RawValue::NULL,
            Value::Bool(b) => RawValue::bool(b),
            Value::Int(i) => RawValue::int(i),
            Value::Float(f) => RawValue::float(f),
            Value::Ref(h) => self.roots.get(h)?,
        })
    }

    /// Turns a raw word into a safe value, rooting references in the current frame.
    #[inline]
    pub(crate) fn expose(&mut self, raw: RawValue) -> Result<Value, HeapError> {
        if raw.is_ref() {
            return Ok(Value::Ref(self.roots.push_local(raw)));
        }
        immediate_value(raw)
    }

    /// Reads slot `index`. A reference comes back as a new local in the current frame.
    #[inline]
    pub fn get(&mut self, obj: impl Into<Handle>, index: usize) -> Result<Value, HeapError> {
        let o = self.slot_of(obj.into(), index)?;
        // SAFETY: `slot_of` checked that `o` is live and `index` in bounds.
        let raw = unsafe { o.slot(index) };
        self.expose(raw)
    }

    /// Reads slot `index` into an existing local instead of creating one (for loops that
    /// walk a structure without growing the frame). Returns the value read.
    #[inline]
    pub fn get_into(
        &mut self,
        obj: impl Into<Handle>,
        index: usize,
        local: Handle,
    ) -> Result<Value, HeapError> {
        let o = self.slot_of(obj.into(), index)?;
        // SAFETY: `slot_of` checked that `o` is live and `index` in bounds.
        let raw = unsafe { o.slot(index) };
        self.roots.set(local, raw)?;
        if raw.is_ref() {
            Ok(Value::Ref(local))
        } else {
            immediate_value(raw)
        }
    }

    /// Stores into slot `index`, through the write barrier.
    #[inline]
    pub fn set(
        &mut self,
        obj: impl Into<Handle>,
        index: usize,
        value: impl Into<Value>,
    ) -> Result<(), HeapError> {
        // The stored value is resolved before the index is checked: a stale value handle is
        // reported first.
        let o = self.obj(obj.into())?;
        let raw = self.resolve(value.into())?;
        // SAFETY: `o` is live (resolved from a root).
        let o = unsafe { Self::in_bounds(o, index)? };
        // SAFETY: `index` is in bounds; `raw` is an immediate or a live reference from a root.
        unsafe { o.set_slot(index, raw) };
        self.write_barrier(o, raw);
        Ok(())
    }

    /// The write barrier: records `obj` in the remembered set when it is outside the nursery
    /// and `value` points into it. A store of anything but a nursery reference costs one
    /// subtract-and-compare on the value's bits (tag and address together); a nursery
    /// reference costs a second one on the object's address.
    #[inline(always)]
    pub(crate) fn write_barrier(&mut self, obj: ObjPtr, value: RawValue) {
        if value.bits().wrapping_sub(self.barrier_ref_lo) < self.barrier_len as u64
            && obj.addr().wrapping_sub(self.barrier_lo) >= self.barrier_len
        {
            self.remember(obj);
        }
    }

    #[cold]
    fn remember(&mut self, obj: ObjPtr) {
        // SAFETY: `obj` is a live old or large object (it was resolved from a root or is the
        // target of a store in progress).
        unsafe {
            if !obj.has_flag(crate::object::Flags::REMEMBERED) {
                obj.set_flag(crate::object::Flags::REMEMBERED, true);
                self.remset.push(obj);
            }
        }
    }

    /// Number of reference slots.
    pub fn slot_count(&self, obj: impl Into<Handle>) -> Result<usize, HeapError> {
        let o = self.obj(obj.into())?;
        // SAFETY: `o` is live.
        Ok(unsafe { o.slot_count() })
    }

    /// The raw bytes.
    pub fn bytes(&self, obj: impl Into<Handle>) -> Result<&[u8], HeapError> {
        let o = self.obj(obj.into())?;
        // SAFETY: `o` is live; the byte area is `byte_count` bytes long; the slice borrows
        // `self`, so no collection (which needs `&mut self`) can move or free it meanwhile.
        Ok(unsafe { std::slice::from_raw_parts(o.bytes_ptr(), o.byte_count()) })
    }

    /// The raw bytes, writable.
    pub fn bytes_mut(&mut self, obj: impl Into<Handle>) -> Result<&mut [u8], HeapError> {
        let o = self.obj(obj.into())?;
        // SAFETY: as in `bytes`, and `&mut self` makes the borrow exclusive.
        Ok(unsafe { std::slice::from_raw_parts_mut(o.bytes_ptr(), o.byte_count()) })
    }

    /// The type tag.
    pub fn type_tag(&self, obj: impl Into<Handle>) -> Result<TypeTag, HeapError> {
        let o = self.obj(obj.into())?;
        // SAFETY: `o` is live.
        Ok(unsafe { o.tag() })
    }

    /// The object's stable identity (kept when it moves; 32-bit, wraps after 2³² allocations).
    pub fn object_id(&self, obj: impl Into<Handle>) -> Result<u64, HeapError> {
        let o = self.obj(obj.into())?;
        // SAFETY: `o` is live.
        Ok(unsafe { o.id() } as u64)
    }

    /// Exact size of the object in bytes.
    pub fn object_size(&self, obj: impl Into<Handle>) -> Result<usize, HeapError> {
        let o = self.obj(obj.into())?;
        // SAFETY: `o` is live.
        Ok(unsafe { o.size() })
    }

    /// Which space holds the object.
    pub fn space_of(&self, obj: impl Into<Handle>) -> Result<SpaceKind, HeapError> {
        let o = self.obj(obj.into())?;
        Ok(self.space_of_addr(o.addr()))
    }

    pub(crate) fn space_of_addr(&self, addr: usize) -> SpaceKind {
        if self.large.contains(addr) {
            SpaceKind::Large
        } else if self.old.as_ref().is_some_and(|o| o.in_range(addr)) {
            SpaceKind::Old
        } else {
            SpaceKind::Young
        }
    }

    /// Whether two handles name the same object.
    pub fn same_object(
        &self,
        a: impl Into<Handle>,
        b: impl Into<Handle>,
    ) -> Result<bool, HeapError> {
        Ok(self.obj(a.into())?.addr() == self.obj(b.into())?.addr())
    }

    /// The value a handle holds (an object handle gives `Value::Ref(handle)`).
    pub fn value_of(&self, h: impl Into<Handle>) -> Result<Value, HeapError> {
        let h = h.into();
        let raw = self.roots.get(h)?;
        if raw.is_ref() {
            Ok(Value::Ref(h))
        } else {
            immediate_value(raw)
        }
    }

    /// A read-only view of an object that borrows the heap: traverse a structure through
    /// [`ObjRef`](crate::ObjRef)s without creating a handle per step. The borrow checker ends
    /// every view before the next operation that may collect (they all take `&mut Heap`).
    #[inline]
    pub fn view(&self, obj: impl Into<Handle>) -> Result<crate::ObjRef<'_>, HeapError> {
        let o = self.obj(obj.into())?;
        // SAFETY: `o` is live, and the returned view borrows `self` shared, so no collection
        // can move or free it while the view exists.
        Ok(unsafe { crate::ObjRef::new(o) })
    }

    // ------------------------------------------------------------------ frames and roots

    /// Pushes a call-stack frame; locals created until it is popped belong to it.
    pub fn push_frame(&mut self, label: &str) -> Frame {
        self.roots.push_frame(label)
    }

    /// Pushes a frame labelled with a `'static` string: the cheapest push (no copy, no count),
    /// for the frames a runtime pushes on every call.
    #[inline]
    pub fn push_frame_static(&mut self, label: &'static str) -> Frame {
        self.roots.push_frame_static(label)
    }

    /// Pushes a frame with a shared label (no allocation for the label).
    pub fn push_frame_shared(&mut self, label: &Arc<str>) -> Frame {
        self.roots.push_frame(label)
    }

    /// Pops the top frame, releasing its locals.
    ///
    /// # Errors
    /// [`HeapError::FrameOrder`] if `frame` is not the top frame (frames are LIFO); nothing
    /// is popped.
    #[inline]
    pub fn pop_frame(&mut self, frame: Frame) -> Result<(), HeapError> {
        self.roots.pop_frame(frame)
    }

    /// Pops the top frame and re-roots `keep` in the frame below (an escaping local).
    #[inline]
    pub fn pop_frame_escape(
        &mut self,
        frame: Frame,
        keep: impl Into<Handle>,
    ) -> Result<Value, HeapError> {
        let raw = self.roots.get(keep.into())?;
        self.roots.pop_frame(frame)?;
        self.expose(raw)
    }

    /// Runs `f` inside a new frame and pops it afterwards, with any frames `f` pushed and
    /// left: when `scope` returns — `f`'s result, success or error, whatever its error type
    /// — or unwinds from a panic in `f`, the frame depth is what it was before the call.
    ///
    /// ```
    /// # use gclab::{Heap, HeapError, Value};
    /// #[derive(Debug)]
    /// enum EvalError { Heap(HeapError), NotANumber }
    /// impl From<HeapError> for EvalError {
    ///     fn from(e: HeapError) -> Self { EvalError::Heap(e) }
    /// }
    ///
    /// let mut heap = Heap::new()?;
    /// let r = heap.scope("eval", |heap| {
    ///     let cell = heap.alloc(1, 1, 0)?;          // a HeapError converts with `?`
    ///     heap.set(cell, 0, Value::Bool(true))?;
    ///     match heap.get(cell, 0)? {
    ///         Value::Int(i) => Ok(i),
    ///         _ => Err(EvalError::NotANumber),       // the caller's own error passes through
    ///     }
    /// });
    /// assert!(matches!(r, Err(EvalError::NotANumber)));
    /// assert_eq!(heap.frame_depth(), 0);
    /// # Ok::<(), HeapError>(())
    /// ```
    pub fn scope<T, E: From<HeapError>>(
        &mut self,
        label: &str,
        f: impl FnOnce(&mut Heap) -> Result<T, E>,
    ) -> Result<T, E> {
        let depth = self.roots.frame_depth();
        let _frame = self.push_frame(label);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(self)));
        self.roots.pop_to_depth(depth);
        match r {
            Ok(r) => r,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }

    /// Number of frames above the top level.
    pub fn frame_depth(&self) -> usize {
        self.roots.frame_depth()
    }

    /// Number of locals in all frames.
    pub fn local_count(&self) -> usize {
        self.roots.local_count()
    }

    /// A new local in the current frame holding `value`.
    pub fn local(&mut self, value: impl Into<Value>) -> Result<Handle, HeapError> {
        let raw = self.resolve(value.into())?;
        Ok(self.roots.push_local(raw))
    }

    /// Overwrites what a local (or persistent root) holds.
    pub fn set_local(&mut self, h: Handle, value: impl Into<Value>) -> Result<(), HeapError> {
        let raw = self.resolve(value.into())?;
        self.roots.set(h, raw)
    }

    /// Registers a persistent root of `kind` with a label; alive until released or dropped.
    ///
    /// # Errors
    /// [`HeapError::InvalidRootKind`] for `StackFrame` (use frames), `Global` (use
    /// [`set_global`](Self::set_global)) and `External` (use root sources).
    pub fn root(
        &mut self,
        kind: RootKind,
        label: &str,
        value: impl Into<Value>,
    ) -> Result<Persistent, HeapError> {
        if matches!(
            kind,
            RootKind::StackFrame | RootKind::Global | RootKind::External
        ) {
            return Err(HeapError::InvalidRootKind(kind));
        }
        let raw = self.resolve(value.into())?;
        Ok(self.roots.add_persistent(kind, label.into(), raw))
    }

    /// Releases a persistent root now.
    ///
    /// # Errors
    /// [`HeapError::WrongHeap`] for a root of another heap: nothing here is released, and
    /// the root, dropped, is released on its own heap.
    pub fn release(&mut self, root: Persistent) -> Result<(), HeapError> {
        self.roots.release(root)
    }

    /// Number of live persistent roots (not counting globals).
    pub fn persistent_count(&mut self) -> usize {
        self.roots.drain_released();
        self.roots.persistent_count()
    }

    /// Sets a named global (creating it if needed).
    pub fn set_global(&mut self, name: &str, value: impl Into<Value>) -> Result<(), HeapError> {
        let raw = self.resolve(value.into())?;
        self.roots.set_global(name, raw);
        Ok(())
    }

    /// Reads a global; a reference comes back as a local in the current frame.
    pub fn global(&mut self, name: &str) -> Option<Value> {
        let raw = self.roots.global(name)?;
        self.expose(raw).ok()
    }

    /// Deletes a global; returns whether it existed.
    pub fn remove_global(&mut self, name: &str) -> bool {
        self.roots.remove_global(name)
    }

    /// Names of all globals, sorted.
    pub fn global_names(&self) -> Vec<Arc<str>> {
        self.roots.global_names()
    }

    /// Registers an external root source with a kind and label.
    pub fn add_root_source<S: RootSource>(
        &mut self,
        kind: RootKind,
        label: &str,
        source: S,
    ) -> SourceId<S> {
        self.roots.add_source(kind, label.into(), source)
    }

    /// The registered source, to read or change its slots; `None` if `id` was removed or
    /// names a source of another heap.
    pub fn root_source_mut<S: RootSource>(&mut self, id: &SourceId<S>) -> Option<&mut S> {
        self.roots.source_mut(id)
    }

    /// Unregisters a source and gives it back; `None` (and nothing removed) if `id` was
    /// already removed or names a source of another heap.
    pub fn remove_root_source<S: RootSource>(&mut self, id: SourceId<S>) -> Option<S> {
        self.roots.remove_source(id)
    }

    /// The kind and label of the root behind a handle.
    pub fn describe_root(&self, h: Handle) -> Option<(RootKind, Arc<str>)> {
        self.roots.describe(h)
    }

    // ------------------------------------------------------------------ raw path

    /// The raw word a handle holds. Safe: the bits alone cannot be dereferenced.
    #[inline]
    pub fn raw(&self, h: impl Into<Handle>) -> Result<RawValue, HeapError> {
        self.roots.get(h.into())
    }

    /// Roots a raw word as a local in the current frame.
    ///
    /// # Safety
    /// `raw` is a valid word ([`RawValue::is_valid`]), and if it is a reference it must point
    /// at a live object of this heap: it was obtained from this heap and has been kept up to
    /// date by the collector since (it sat in a [`RootSource`] slot or was read with no
    /// collection in between).
    #[inline]
    pub unsafe fn root_raw(&mut self, raw: RawValue) -> Handle {
        debug_assert!(raw.is_valid(), "root_raw of {raw:?}");
        self.roots.push_local(raw)
    }

    /// Reads a slot through a raw reference, without rooting anything.
    ///
    /// # Safety
    /// `obj` must be a live reference into this heap (see [`root_raw`](Self::root_raw)).
    #[inline]
    pub unsafe fn get_raw(&self, obj: RawValue, index: usize) -> Result<RawValue, HeapError> {
        // SAFETY: the caller guarantees `obj` is live if it is a reference.
        let o = unsafe { Self::raw_slot_of(obj, index)? };
        // SAFETY: `raw_slot_of` checked `index` against the slot count.
        Ok(unsafe { o.slot(index) })
    }

    /// Stores through a raw reference, with the write barrier.
    ///
    /// # Safety
    /// `obj`, and `value` if it is a reference, must be live references into this heap;
    /// `value` is a valid word ([`RawValue::is_valid`]).
    #[inline]
    pub unsafe fn set_raw(
        &mut self,
        obj: RawValue,
        index: usize,
        value: RawValue,
    ) -> Result<(), HeapError> {
        // SAFETY: the caller's contract covers the store; the barrier below records the edge
        // that the unbarriered store's extra precondition would otherwise require.
        unsafe { self.set_raw_unbarriered(obj, index, value)? };
        // SAFETY: the store succeeded, so `obj` is a live reference.
        self.write_barrier(unsafe { ObjPtr::from_value(obj) }, value);
        Ok(())
    }

    /// Stores through a raw reference **without** the write barrier (V8's `SKIP_WRITE_BARRIER`):
    /// for stores the embedder knows cannot create an old→young edge.
    ///
    /// # Safety
    /// As [`set_raw`](Self::set_raw), and in addition: `obj` is in the nursery, or `value` is
    /// not a reference into the nursery. (Breaking this leaves an unrecorded old→young edge:
    /// the next minor collection would free a live object. `verify` reports it.)
    #[inline]
    pub unsafe fn set_raw_unbarriered(
        &mut self,
        obj: RawValue,
        index: usize,
        value: RawValue,
    ) -> Result<(), HeapError> {
        debug_assert!(value.is_valid(), "set_raw of {value:?}");
        // SAFETY: the caller guarantees `obj` is live if it is a reference.
        let o = unsafe { Self::raw_slot_of(obj, index)? };
        // SAFETY: `raw_slot_of` checked `index`; the caller guarantees `value` is valid and
        // needs no barrier.
        unsafe { o.set_slot(index, value) };
        Ok(())
    }

    /// A borrowed view of the object a raw reference points at.
    ///
    /// # Safety
    /// `obj` must be a live reference into this heap (see [`root_raw`](Self::root_raw)).
    #[inline]
    pub unsafe fn view_raw(&self, obj: RawValue) -> Result<crate::ObjRef<'_>, HeapError> {
        if !obj.is_ref() {
            return Err(HeapError::NotAnObject);
        }
        // SAFETY: the caller guarantees `obj` is live; the view borrows `self` shared, so it
        // stays put for the view's lifetime.
        Ok(unsafe { crate::ObjRef::new(ObjPtr::from_value(obj)) })
    }

    /// Allocates without rooting the result. The returned word must be stored in a root
    /// source slot or rooted before the next operation that may collect.
    #[inline]
    pub fn alloc_raw(
        &mut self,
        tag: TypeTag,
        slots: usize,
        bytes: usize,
    ) -> Result<RawValue, HeapError> {
        Ok(self.alloc_object(tag, slots, bytes)?.to_value())
    }
}
