//! Cheney-style evacuation: breadth-first, an explicit scan pointer, no recursion.
//!
//! Gray objects are the to-space objects between the scan pointer and the to-space top, plus
//! the promoted objects and (semispace plan) marked large objects on their worklists. The
//! loop scans gray objects until none is left; every object is scanned once, so the work is
//! proportional to what survives.
//!
//! The loop is bound by cache misses on from-space objects (the copy order is breadth-first,
//! the allocation order was not), so it prefetches: the scan runs a second cursor
//! [`PREFETCH_AHEAD`] bytes ahead of the scan pointer and prefetches the from-space targets of
//! the reference-looking words it passes, and a promoted object's targets are prefetched when
//! it is copied (it is scanned soon after, from a stack). Prefetching is only a hint: a word
//! that merely looks like a reference costs a useless prefetch, never a wrong result.
//!
//! Survivors are copied to to-space until they fill half of it ([`TO_SPACE_SHARE`]); later
//! ones are promoted even before the promotion age, so a scavenge always leaves the nursery
//! room to allocate.
//!
//! With `gc_threads > 1` the generational plans run the roots, the remembered set and the
//! strong closure on worker threads first ([`Scavenger::par_evacuate`], see
//! [`par::scavenge`](super::par::scavenge)); this scavenger then continues from the parallel
//! phase's to-space fill with weak processing only.
//!
//! The remembered set is rebuilt as it goes: an old or large object stays (or becomes)
//! remembered exactly when, after its slots were updated, one of them points into the
//! nursery's to-space.

use super::par::scavenge::{Local, ParScavenge};
use super::par::Pool;
use crate::object::{Flags, Header, ObjPtr};
use crate::roots::RootTable;
use crate::space::{CopySpace, LargeObjectSpace, OldSpace};
use crate::trace::weak::{self, WeakRefs, WeakTracer};
use crate::trace::{self, SlotKind};
use crate::value::RawValue;

/// Survivors may fill at most `1 / TO_SPACE_SHARE` of to-space; the rest are promoted early
/// (V8's scavenger does the same past a to-space fill threshold). Without it a nursery full
/// of live objects would stay full after the scavenge, and the allocation that triggered it
/// would need a second, whole-nursery evacuation into the old space.
pub(crate) const TO_SPACE_SHARE: usize = 2;

/// How far (bytes) ahead of Cheney's scan pointer the prefetch cursor runs.
const PREFETCH_AHEAD: usize = 1024;

/// Hints the CPU to fetch the cache line at `addr` (never faults, whatever `addr` is).
#[inline(always)]
pub(crate) fn prefetch(addr: usize) {
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: a prefetch is a hint that never faults and has no effect on memory, for any
        // address; SSE is part of the x86_64 baseline.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::without_provenance(addr)) };
    }
    #[cfg(not(all(target_arch = "x86_64", not(miri))))]
    let _ = addr;
}

/// A space survivors are promoted into: hands out fresh memory for an object's copy.
pub(crate) trait PromotionTarget {
    /// Fresh, exclusively owned memory of `size` bytes (at most the large threshold), or
    /// `None` when the space is full.
    fn alloc(&mut self, size: usize) -> Option<*mut u8>;
}

impl<T: PromotionTarget + ?Sized> PromotionTarget for &mut T {
    #[inline(always)]
    fn alloc(&mut self, size: usize) -> Option<*mut u8> {
        (**self).alloc(size)
    }
}

impl PromotionTarget for OldSpace {
    #[inline(always)]
    fn alloc(&mut self, size: usize) -> Option<*mut u8> {
        OldSpace::alloc(self, size)
    }
}

pub(crate) struct Scavenger<'a, O: PromotionTarget = OldSpace> {
    space: &'a mut CopySpace,
    old: Option<&'a mut O>,
    large: &'a mut LargeObjectSpace,
    /// From-space `[from_start, from_start + from_len)`: the current semispace's objects.
    from_start: usize,
    from_len: usize,
    /// To-space: the other semispace, bump-allocated through `to_top` (written back to the
    /// space when the collection ends, see [`drain`](Self::drain)).
    to_start: *mut u8,
    to_capacity: usize,
    to_top: usize,
    to_objects: u64,
    /// Survivors copied to to-space past this many bytes are promoted whatever their age
    /// (when there is an old space): see [`TO_SPACE_SHARE`].
    to_budget: usize,
    promotion_age: u8,
    promote_all: bool,
    trace_large: bool,
    promoted: Vec<ObjPtr>,
    large_work: Vec<ObjPtr>,
    pub copied_bytes: u64,
    pub promoted_bytes: u64,
    pub marked_large_bytes: u64,
    /// Weak slots and ephemerons deferred until the closure is complete.
    weak: WeakRefs,
    /// Where Cheney's scan starts in [`drain`](Self::drain): past what a parallel phase
    /// already scanned ([`par_evacuate`](Self::par_evacuate)).
    scan_from: usize,
}

impl<'a> Scavenger<'a> {
    /// A scavenger promoting into the mark-sweep old space (if any).
    pub fn new(
        space: &'a mut CopySpace,
        old: Option<&'a mut OldSpace>,
        large: &'a mut LargeObjectSpace,
        promotion_age: u8,
        promote_all: bool,
        trace_large: bool,
    ) -> Self {
        Scavenger::promoting_into(space, old, large, promotion_age, promote_all, trace_large)
    }
}

impl<'a, O: PromotionTarget> Scavenger<'a, O> {
    /// A scavenger promoting into `old` (if any), whatever its space type.
    pub fn promoting_into(
        space: &'a mut CopySpace,
        old: Option<&'a mut O>,
        large: &'a mut LargeObjectSpace,
        promotion_age: u8,
        promote_all: bool,
        trace_large: bool,
    ) -> Self {
        let ((from_start, from_len), (to_start, to_capacity)) = space.begin_copy();
        let to_budget = if old.is_some() {
            to_capacity / TO_SPACE_SHARE
        } else {
            usize::MAX
        };
        Scavenger {
            space,
            old,
            large,
            from_start,
            from_len,
            to_start,
            to_capacity,
            to_top: 0,
            to_objects: 0,
            to_budget,
            promotion_age,
            promote_all,
            trace_large,
            promoted: Vec::new(),
            large_work: Vec::new(),
            copied_bytes: 0,
            promoted_bytes: 0,
            marked_large_bytes: 0,
            weak: WeakRefs::default(),
            scan_from: 0,
        }
    }

    /// Evacuates the roots' and the remembered objects' targets and the strong closure on
    /// `pool`'s workers ([`par::scavenge`](super::par::scavenge)), leaving weak processing to
    /// [`drain`](Self::drain); the remembered objects that still point into the nursery go to
    /// `out`. Returns `false` (having done nothing) for a scavenge the parallel phase does
    /// not cover: without an old space to promote into, or tracing large objects (the
    /// semispace plan), which then runs serially.
    pub fn par_evacuate(
        &mut self,
        pool: &Pool,
        roots: &mut RootTable,
        remset: &mut Vec<ObjPtr>,
        out: &mut Vec<ObjPtr>,
    ) -> bool {
        let Some(old) = self.old.as_deref_mut() else {
            return false;
        };
        if self.trace_large || self.to_top != 0 {
            return false;
        }
        let to = (self.to_start, self.to_capacity, self.to_budget);
        let reserve = ParScavenge::<O>::filler_reserve(pool, self.to_capacity, self.to_budget);
        self.space.set_filler_reserve(reserve);
        let par = ParScavenge::new(
            pool,
            (self.from_start, self.from_len),
            to,
            old,
            self.promotion_age,
            self.promote_all,
        );
        let mut counts = Local::default();
        roots.for_each_slot_mut(&mut |slot| par.root(slot, &mut counts));
        for o in remset.drain(..) {
            par.remembered(o);
        }
        let e = par.run(counts);
        self.to_top = e.to_top;
        self.scan_from = e.to_top;
        self.to_objects = e.to_objects;
        self.space.add_to_fillers(e.filler_bytes);
        self.copied_bytes = e.copied_bytes;
        self.promoted_bytes = e.promoted_bytes;
        self.weak.append(e.weak);
        out.extend(e.remembered);
        true
    }

    /// Whether `addr` lies in the part of to-space filled so far.
    #[inline(always)]
    fn in_to_space(&self, addr: usize) -> bool {
        addr.wrapping_sub(self.to_start as usize) < self.to_top
    }

    /// Updates `slot` to the object's new location, evacuating it on first visit.
    #[inline(always)]
    pub fn evacuate(&mut self, slot: &mut RawValue) {
        if slot.is_ref() {
            *slot = self.evacuate_ref(*slot);
        }
    }

    /// The new value of reference `v`: its to-space or old-space copy if it points into
    /// from-space (copying the object on first visit), `v` itself otherwise.
    #[inline(always)]
    fn evacuate_ref(&mut self, v: RawValue) -> RawValue {
        let addr = v.addr();
        if addr.wrapping_sub(self.from_start) >= self.from_len {
            if self.trace_large {
                self.trace_large_object(v);
            }
            return v;
        }
        // SAFETY: `v` references an object in from-space (checked above); every reference
        // the collector visits is valid by the roots and heap invariants.
        let o = unsafe { ObjPtr::from_value(v) };
        // SAFETY: `o` is a from-space object, possibly already forwarded; its header words
        // are read once.
        let h = unsafe { o.header() };
        if h.is_forwarded() {
            // SAFETY: forwarded, so `extra` is the new address.
            return unsafe { h.forwardee() }.to_value();
        }
        // SAFETY: `o` is a live, unforwarded from-space object with header `h`.
        unsafe { self.copy(o, h) }.to_value()
    }

    /// Copies `o` (to the old space at the promotion age, else to to-space) and forwards it.
    ///
    /// # Safety
    /// `o` is a live, unforwarded from-space object and `h` its header.
    #[inline(always)]
    unsafe fn copy(&mut self, o: ObjPtr, h: Header) -> ObjPtr {
        let size = h.size();
        let age = h.age().saturating_add(1);
        if self.promote_all || age >= self.promotion_age || self.to_top + size > self.to_budget {
            if let Some(p) = self.old.as_mut().and_then(|old| old.alloc(size)) {
                // SAFETY: `p` is a fresh old-space cell of at least `size` bytes; `o` is
                // live with header `h` (the caller's contract).
                let n = unsafe { o.copy_with_header(h, p, h.age()) };
                // SAFETY: `n` is the fresh copy, header `h`; the scan only reads.
                unsafe {
                    trace::scan(n, h, |slot, _kind| {
                        let v = slot.load();
                        if v.is_ref() {
                            prefetch(v.addr());
                        }
                    })
                };
                self.promoted_bytes += size as u64;
                self.promoted.push(n);
                // SAFETY: `o` was copied to `n` above.
                unsafe { o.forward_to(n) };
                return n;
            }
            // The old space is full: stays young.
        }
        let top = self.to_top;
        assert!(top + size <= self.to_capacity, "to-space overflow");
        // SAFETY: `[top, top + size)` is inside the to-space region (asserted above).
        let p = unsafe { self.to_start.add(top) };
        self.to_top = top + size;
        self.to_objects += 1;
        self.copied_bytes += size as u64;
        // SAFETY: `p` is fresh to-space memory of `size` bytes, disjoint from from-space; `o`
        // is live with header `h` (the caller's contract).
        let n = unsafe { o.copy_with_header(h, p, age) };
        // SAFETY: `o` was copied to `n` above.
        unsafe { o.forward_to(n) };
        n
    }

    /// Semispace plan: marks a large object reached for the first time and queues it.
    #[cold]
    fn trace_large_object(&mut self, v: RawValue) {
        if !self.large.contains(v.addr()) {
            return;
        }
        // SAFETY: `v` is the start of a live large object.
        let o = unsafe { ObjPtr::from_value(v) };
        // SAFETY: as above.
        if unsafe { self.large.mark(o) } {
            // SAFETY: as above.
            self.marked_large_bytes += unsafe { o.size() } as u64;
            self.large_work.push(o);
        }
    }

    /// Evacuates every slot of `o` (header `h`) through the tracer. With `TRACK_YOUNG`,
    /// returns whether a slot points into to-space afterwards (what decides an old object's
    /// remembered bit); to-space objects skip that check.
    ///
    /// # Safety
    /// `o` is a live object outside from-space with header `h`.
    #[inline(always)]
    unsafe fn evacuate_slots<const TRACK_YOUNG: bool>(&mut self, o: ObjPtr, h: Header) -> bool {
        let mut young = false;
        // SAFETY: the caller's contract; the collector owns the heap during the scan.
        unsafe {
            trace::scan(o, h, |slot, kind| {
                let v = slot.load();
                if kind == SlotKind::Strong || weak::defer(self, slot, kind).is_some() {
                    if v.is_ref() {
                        let n = self.evacuate_ref(v);
                        slot.store(n);
                        if TRACK_YOUNG {
                            young |= self.in_to_space(n.addr());
                        }
                    }
                } else if TRACK_YOUNG {
                    // Deferred: its target may yet be copied to to-space, so the object stays
                    // remembered (weak processing may clear the slot; a spare entry is safe).
                    young |= v.is_ref() && v.addr().wrapping_sub(self.from_start) < self.from_len;
                }
            })
        };
        young
    }

    /// Evacuates every slot of `o`; returns whether a slot points into to-space afterwards.
    ///
    /// # Safety
    /// `o` is a live object outside from-space.
    #[inline]
    unsafe fn scan(&mut self, o: ObjPtr) -> bool {
        // SAFETY: the caller's contract.
        unsafe { self.evacuate_slots::<true>(o, o.header()) }
    }

    /// Scans the remembered objects; those still pointing into the nursery go to `out`.
    pub fn scan_remembered(&mut self, remset: Vec<ObjPtr>, out: &mut Vec<ObjPtr>) {
        for o in remset {
            // SAFETY: remembered objects are live old or large objects (remembered-set
            // invariant: dead ones are dropped from the set before a sweep frees them).
            unsafe {
                if self.scan(o) {
                    out.push(o);
                } else {
                    super::forget(o);
                }
            }
        }
    }

    /// Runs the Cheney loop until no gray object is left and weak processing is done
    /// ([`trace::weak`]: ephemerons to a fixed point, then weak slots cleared or updated), then
    /// records the to-space fill in the copying space. Promoted objects that point into the
    /// nursery are remembered in `out`. Must run last: nothing is evacuated after it.
    pub fn drain(&mut self, out: &mut Vec<ObjPtr>) {
        let mut scan = self.scan_from;
        loop {
            scan = self.drain_gray(out, scan);
            if !weak::ephemeron_step(self) {
                break;
            }
        }
        weak::clear(self);
        self.space.end_copy(self.to_top, self.to_objects);
    }

    /// Scans gray objects (to-space from `scan`, then the worklists) until none is left;
    /// returns the scan pointer.
    fn drain_gray(&mut self, out: &mut Vec<ObjPtr>, mut scan: usize) -> usize {
        let mut ahead = scan;
        loop {
            while scan < self.to_top {
                let end = (scan + PREFETCH_AHEAD).min(self.to_top);
                while ahead < end {
                    // SAFETY: `ahead < to_top`, 8-aligned: a word copied in this collection.
                    let w = unsafe { self.to_start.add(ahead).cast::<RawValue>().read() };
                    if w.is_ref() {
                        prefetch(w.addr());
                    }
                    ahead += 8;
                }
                // SAFETY: `scan` walks the to-space objects copied in this collection, end
                // to end, and stays below the to-space top.
                let o = unsafe { ObjPtr::from_ptr(self.to_start.add(scan)) };
                // SAFETY: `o` was fully copied; its header is its own (not forwarded).
                let h = unsafe { o.header() };
                scan += h.size();
                // SAFETY: `o` is a live to-space object with header `h`.
                unsafe { self.evacuate_slots::<false>(o, h) };
            }
            if let Some(o) = self.promoted.pop() {
                // SAFETY: `o` is a live promoted object.
                unsafe {
                    o.set_flag(Flags::REMEMBERED, false);
                    if self.scan(o) {
                        o.set_flag(Flags::REMEMBERED, true);
                        out.push(o);
                    }
                }
                continue;
            }
            if let Some(o) = self.large_work.pop() {
                // SAFETY: `o` is a live, marked large object.
                unsafe { self.scan(o) };
                continue;
            }
            break;
        }
        scan
    }
}

impl<O: PromotionTarget> WeakTracer for Scavenger<'_, O> {
    fn weak_refs(&mut self) -> &mut WeakRefs {
        &mut self.weak
    }

    fn live(&self, v: RawValue) -> Option<RawValue> {
        let addr = v.addr();
        if addr.wrapping_sub(self.from_start) < self.from_len {
            // SAFETY: a from-space object stays readable until the collection ends; an
            // evacuated one holds its forwarding header.
            let h = unsafe { ObjPtr::from_value(v).header() };
            // SAFETY: forwarded, so `extra` is the copy's address.
            return h
                .is_forwarded()
                .then(|| unsafe { h.forwardee() }.to_value());
        }
        if self.trace_large && self.large.contains(addr) {
            // SAFETY: a large object, in place until the sweep after this collection.
            let marked = unsafe { ObjPtr::from_value(v).has_flag(Flags::MARKED) };
            return marked.then_some(v);
        }
        Some(v)
    }

    fn trace_strong(&mut self, v: RawValue) -> RawValue {
        if v.is_ref() {
            self.evacuate_ref(v)
        } else {
            v
        }
    }
}
