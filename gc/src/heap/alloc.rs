//! Allocation: the inlined bump fast path, the plan's slow path behind it, and the
//! initialisation of a new object (header, `undefined` slots, zeroed bytes).
//!
//! Invariant: an object is visible to the mutator only after `init_object` wrote all of it.

use super::Heap;
use crate::error::HeapError;
use crate::object::{object_size, ObjPtr, TypeTag, MAX_BYTES, MAX_SLOTS};
use crate::plan::ActivePlan;
use crate::roots::Handle;
use crate::stats::{CollectionCause, CollectionKind};
use crate::value::{RawValue, Value};

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

impl Heap {
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

    #[inline(never)]
    pub(super) fn alloc_object_slow(
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
                if let Some(p) = self.plan.bump().and_then(|y| y.alloc(size)) {
                    // SAFETY: `p` is a fresh, exclusively owned range of `size` bytes.
                    return Ok(unsafe { self.init_object(p, tag, slots, bytes) });
                }
            }
        }
        let p = if size > self.large_threshold {
            self.alloc_large(size)?
        } else {
            let limit = self.major_threshold.min(self.config.max_heap as u64);
            match self.plan.alloc_direct(size, limit) {
                Some(p) => {
                    self.allocated_retired += size as u64;
                    p
                }
                None => ActivePlan::alloc_slow(self, size)?,
            }
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
    pub(super) unsafe fn init_object(
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
    pub(super) fn alloc_fast(&mut self, size: usize) -> Option<*mut u8> {
        if size > self.fast_max {
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

    /// Stress mode: counts an allocation down and, every `gc_interval` allocations, forces a
    /// collection and verifies the heap.
    #[cold]
    pub(super) fn stress_tick(&mut self) {
        self.stress_countdown -= 1;
        if self.stress_countdown > 0 {
            return;
        }
        self.stress_countdown = self.config.gc_interval.unwrap_or(1);
        if self.plan.incremental() {
            // A marking cycle is in progress: a step at every forced point (a forced major
            // collection would abandon the cycle every fourth time).
            self.collect_with(CollectionKind::Major, CollectionCause::Incremental);
            if let Err(e) = self.verify() {
                panic!("stress mode: the heap failed verification after an incremental step: {e}");
            }
            return;
        }
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
}
