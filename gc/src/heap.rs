//! The [`Heap`]: allocation, object access through handles, roots, and collection triggers.

use crate::config::{HeapConfig, Plan};
use crate::error::HeapError;
use crate::object::{object_size, ObjPtr, TypeTag, MAX_BYTES, MAX_SLOTS};
use crate::plan::ActivePlan;
use crate::roots::{Frame, Handle, Persistent, RootKind, RootSource, RootTable, SourceId};
use crate::stats::{HeapUsage, Stats};
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
    /// The collector: its spaces, allocation slow path, triggers and collections.
    pub(crate) plan: ActivePlan,
    pub(crate) roots: RootTable,
    pub(crate) types: HashMap<TypeTag, TypeInfo>,
    pub(crate) stats: Stats,
    next_id: u64,
    /// Bytes allocated, not counting the nursery's bytes since the last collection.
    pub(crate) allocated_retired: u64,
    /// Nursery bytes in use right after the last collection (survivors, not new allocation).
    pub(crate) nursery_baseline: usize,
    pub(crate) major_threshold: u64,
    /// The barrier's young range: `[barrier_lo, barrier_lo + barrier_len)`; empty unless
    /// the plan has an object-remembering barrier.
    barrier_lo: usize,
    barrier_len: usize,
    /// `barrier_lo` as a reference's bits (tag included): a stored value is a reference
    /// into the nursery exactly when `bits - barrier_ref_lo < barrier_len`, one compare that
    /// also rejects every immediate (their tags differ from the reference tag). Kept beside
    /// the untagged bound so neither test has to add or strip the tag.
    barrier_ref_lo: u64,
    pub(crate) epoch: Instant,
    pub(crate) mark_stack: Vec<ObjPtr>,
    /// Objects larger than this go to the large-object space (the plan's threshold).
    large_threshold: usize,
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
        let plan = ActivePlan::new(&config)?;
        let large_threshold = plan.large_threshold(&config);
        let mut heap = Heap {
            major_threshold: config.min_major_threshold as u64,
            config,
            plan,
            roots: RootTable::new().ok_or_else(|| {
                HeapError::Config("heap ids exhausted: 2^32 - 1 heaps were created".into())
            })?,
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

    /// Whether collections may move objects under this plan. Handles hide moves; a raw
    /// reference kept outside the heap's roots is only stable when this is `false`.
    pub fn moves_objects(&self) -> bool {
        self.plan.constraints().moves_objects
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
        let mut u = HeapUsage::default();
        self.plan.for_each_space(&mut |s| {
            let slot = match s.name() {
                "nursery" => &mut u.nursery,
                "large" => &mut u.large,
                _ => &mut u.old,
            };
            let su = s.usage();
            slot.bytes += su.bytes;
            slot.objects += su.objects;
        });
        u
    }

    /// Bytes occupied by objects in all spaces (live or not yet collected).
    pub fn occupied_bytes(&self) -> u64 {
        let mut bytes = 0;
        self.plan.for_each_space(&mut |s| bytes += s.usage().bytes);
        bytes
    }

    /// Total bytes allocated since the heap was created.
    pub fn allocated_bytes(&self) -> u64 {
        let nursery_new = self
            .plan
            .bump_space()
            .map_or(0, |y| y.used().saturating_sub(self.nursery_baseline) as u64);
        self.allocated_retired + nursery_new
    }

    /// Total objects allocated since the heap was created.
    pub fn allocated_objects(&self) -> u64 {
        self.next_id
    }

    /// Memory the heap holds from the OS for objects right now: nursery semispaces in use,
    /// old-space blocks, large objects. (Address space merely reserved is not counted.)
    pub fn committed_bytes(&self) -> u64 {
        let mut bytes = 0;
        self.plan.for_each_space(&mut |s| bytes += s.committed());
        bytes
    }

    /// Bytes of old-space cells in use: object bytes plus the internal fragmentation of the
    /// size classes (compare with `usage().old.bytes`).
    pub fn old_cell_bytes(&self) -> u64 {
        let mut bytes = 0;
        self.plan
            .for_each_space(&mut |s| bytes += s.fragmentation().map_or(0, |f| f.cell_bytes));
        bytes
    }

    /// Old-space blocks holding at least one object (64 KiB each). Empty blocks are kept in a
    /// committed pool (up to 16 MiB, one default nursery semispace) and the rest returned to
    /// the OS.
    pub fn old_blocks_in_use(&self) -> usize {
        let mut blocks = 0;
        self.plan
            .for_each_space(&mut |s| blocks += s.fragmentation().map_or(0, |f| f.blocks_in_use));
        blocks
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
        let p = if size > self.large_threshold {
            self.alloc_large(size)?
        } else {
            ActivePlan::alloc_slow(self, size)?
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
        if size > self.large_threshold {
            return None;
        }
        self.plan.bump()?.alloc(size)
    }

    /// Recomputes the bump limit (so the heap limit holds without a check on the fast path)
    /// and the barrier's young range.
    pub(crate) fn update_limits(&mut self) {
        let range = self
            .plan
            .update_limits(self.config.max_heap as u64, self.major_threshold);
        if let Some((lo, len)) = range {
            self.barrier_lo = lo;
            self.barrier_len = len;
            self.barrier_ref_lo = RawValue::from_addr(lo).bits();
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

    /// Start of the barrier's young range.
    pub(crate) fn barrier_lo(&self) -> usize {
        self.barrier_lo
    }

    /// Length of the barrier's young range (0 without a barrier).
    pub(crate) fn barrier_len(&self) -> usize {
        self.barrier_len
    }

    #[cold]
    fn remember(&mut self, obj: ObjPtr) {
        self.plan.remember(obj);
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
        self.plan.space_of(addr)
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
