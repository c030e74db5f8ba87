//! Evacuation in depth-first (pre-order) copy order, with an explicit stack, no recursion.
//!
//! Gray work is a stack of **slots** still holding from-space references, plus a stack of
//! gray objects (copied from a root, the remembered set, a large object or weak processing,
//! not yet scanned) and (semispace plan) marked large objects. Scanning an object pushes its
//! strong slots that point into from-space, last slot first; popping a slot copies its
//! target on first visit and scans the copy at once, so an object's first child is copied
//! right after it, then the child's own first child, and so on: a tree lands in to-space
//! (or the old space) in pre-order, the order a recursive walk of the program visits it and
//! the order it was usually allocated in. Cheney's breadth-first order instead scattered a
//! tree's levels across to-space and made the program's walks of survivors miss the cache
//! and TLB after every scavenge. Every object is scanned once, so the work is proportional
//! to what survives; the slot stack holds, for a tree, about (depth × fan-out) entries.
//!
//! Prefetching: a slot's from-space target is prefetched when the slot is pushed (its
//! siblings are popped soon after). Prefetching is only a hint: a useless prefetch never
//! gives a wrong result.
//!
//! Survivors are copied to to-space until they fill half of it ([`TO_SPACE_SHARE`]), or
//! under a pause goal the share [`Scavenger::cap_to_space`] sets; later ones are promoted
//! even before the promotion age, so a scavenge always leaves the nursery room to allocate.
//!
//! With `gc_threads > 1` the generational plans run the roots, the remembered set and the
//! strong closure on worker threads first ([`Scavenger::par_evacuate`], see
//! [`par::scavenge`](super::par::scavenge)); this scavenger then continues with weak
//! processing only (the parallel phase leaves no gray work).
//!
//! The remembered set is rebuilt as it goes: an old or large object stays (or becomes)
//! remembered exactly when, after its slots were updated, one of them points into the
//! nursery's to-space. A promoted object's pending slots carry it as their owner, so the
//! object is remembered when one of them is later updated to a to-space copy.

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
    /// Copied objects not scanned yet (to-space or promoted).
    gray: Vec<ObjPtr>,
    /// Slots still holding a from-space reference, with the promoted object that holds
    /// them (`None` for a to-space object): popped in pre-order, see the module docs.
    slots: Vec<(*mut RawValue, Option<ObjPtr>)>,
    large_work: Vec<ObjPtr>,
    pub copied_bytes: u64,
    pub promoted_bytes: u64,
    pub marked_large_bytes: u64,
    /// Weak slots and ephemerons deferred until the closure is complete.
    weak: WeakRefs,
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
            gray: Vec::new(),
            slots: Vec::new(),
            large_work: Vec::new(),
            copied_bytes: 0,
            promoted_bytes: 0,
            marked_large_bytes: 0,
            weak: WeakRefs::default(),
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
        self.to_objects = e.to_objects;
        self.space.add_to_fillers(e.filler_bytes);
        self.copied_bytes = e.copied_bytes;
        self.promoted_bytes = e.promoted_bytes;
        self.weak.append(e.weak);
        out.extend(e.remembered);
        true
    }

    /// Lowers the to-space share ([`TO_SPACE_SHARE`]) to `bytes`: survivors past it are
    /// promoted whatever their age. A pause goal uses it to bound what the next scavenge must
    /// copy again ([`NurseryModel::to_space_cap`](crate::pause::nursery::NurseryModel)).
    /// Call before evacuating anything.
    pub fn cap_to_space(&mut self, bytes: usize) {
        if self.old.is_some() {
            self.to_budget = self.to_budget.min(bytes);
        }
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
        let n = unsafe { self.copy(o, h) };
        self.gray.push(n);
        n.to_value()
    }

    /// Copies `o` (to the old space at the promotion age, else to to-space) and forwards it;
    /// the copy is gray: the caller queues or scans it.
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
                // SAFETY: `n` is the fresh copy; its slots are scanned (and the flag set
                // again if one points into to-space) before the scavenge ends.
                unsafe { n.set_flag(Flags::REMEMBERED, false) };
                self.promoted_bytes += size as u64;
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

    /// Runs the closure until no gray work is left and weak processing is done
    /// ([`trace::weak`]: ephemerons to a fixed point, then weak slots cleared or updated), then
    /// records the to-space fill in the copying space. Promoted objects that point into the
    /// nursery are remembered in `out`. Must run last: nothing is evacuated after it.
    pub fn drain(&mut self, out: &mut Vec<ObjPtr>) {
        loop {
            self.drain_gray(out);
            if !weak::ephemeron_step(self) {
                break;
            }
        }
        weak::clear(self);
        self.space.end_copy(self.to_top, self.to_objects);
    }

    /// Processes gray work (pending slots first, then gray objects, then large objects) until
    /// none is left.
    fn drain_gray(&mut self, out: &mut Vec<ObjPtr>) {
        loop {
            while let Some((slot, owner)) = self.slots.pop() {
                // SAFETY: pushed by `push_slots`: a strong slot of a live copied object,
                // still holding the from-space reference it had then.
                unsafe { self.evacuate_pending(slot, owner, out) };
            }
            if let Some(o) = self.gray.pop() {
                // SAFETY: `o` is a live copy made in this scavenge, not scanned yet.
                unsafe { self.push_slots(o, o.header(), out) };
                continue;
            }
            if let Some(o) = self.large_work.pop() {
                // SAFETY: `o` is a live, marked large object.
                unsafe { self.scan(o) };
                continue;
            }
            break;
        }
    }

    /// Scans the copy `o` (header `h`): updates its slots whose targets are already
    /// evacuated and pushes those still pointing at unevacuated from-space objects, last slot
    /// first, so the first is popped (and its target copied) next. A promoted `o` is
    /// remembered in `out` if a slot points into to-space now; its pending slots carry it as
    /// their owner for the same test later.
    ///
    /// # Safety
    /// `o` is a live copy (to-space or promoted) made in this scavenge, with header `h`, not
    /// scanned before.
    #[inline(always)]
    unsafe fn push_slots(&mut self, o: ObjPtr, h: Header, out: &mut Vec<ObjPtr>) {
        let owner = (!self.in_to_space(o.addr())).then_some(o);
        let base = self.slots.len();
        let mut young = false;
        // SAFETY: the caller's contract; the collector owns the heap during the scan.
        unsafe {
            trace::scan(o, h, |slot, kind| {
                let v = slot.load();
                if kind == SlotKind::Strong || weak::defer(self, slot, kind).is_some() {
                    if !v.is_ref() {
                        return;
                    }
                    let addr = v.addr();
                    if addr.wrapping_sub(self.from_start) >= self.from_len {
                        if self.trace_large {
                            self.trace_large_object(v);
                        }
                        return;
                    }
                    prefetch(addr);
                    self.slots.push((slot.ptr(), owner));
                } else {
                    // Deferred: its target may yet be copied to to-space, so the object stays
                    // remembered (weak processing may clear the slot; a spare entry is safe).
                    young |= v.is_ref() && v.addr().wrapping_sub(self.from_start) < self.from_len;
                }
            })
        };
        self.slots[base..].reverse();
        if young {
            if let Some(o) = owner {
                // SAFETY: `o` is a live promoted object.
                unsafe { remember(o, out) };
            }
        }
    }

    /// Evacuates the target of a pending `slot` and, on first visit, scans the copy (which
    /// pushes its own slots on top: pre-order); remembers `owner` if the slot now points into
    /// to-space.
    ///
    /// # Safety
    /// `slot` is a strong slot of a live copy made in this scavenge (`owner`, if promoted),
    /// holding a from-space reference, and no other pending entry names it.
    #[inline(always)]
    unsafe fn evacuate_pending(
        &mut self,
        slot: *mut RawValue,
        owner: Option<ObjPtr>,
        out: &mut Vec<ObjPtr>,
    ) {
        // SAFETY: the caller's contract: a valid slot of a live object.
        let v = unsafe { slot.read() };
        // SAFETY: `v` references a from-space object (checked when it was pushed; nothing
        // else writes the slot); it stays readable until the scavenge ends.
        let o = unsafe { ObjPtr::from_value(v) };
        // SAFETY: as above; its header words are read once.
        let h = unsafe { o.header() };
        let n = if h.is_forwarded() {
            // SAFETY: forwarded, so `extra` is the new address.
            unsafe { h.forwardee() }
        } else {
            // SAFETY: `o` is a live, unforwarded from-space object with header `h`.
            let n = unsafe { self.copy(o, h) };
            // SAFETY: `n` is the fresh copy of `o`, its header `h` (age aside, which the scan
            // does not read); not scanned before.
            unsafe { self.push_slots(n, h, out) };
            n
        };
        // SAFETY: the caller's contract.
        unsafe { slot.write(n.to_value()) };
        if let Some(owner) = owner {
            if self.in_to_space(n.addr()) {
                // SAFETY: `owner` is a live promoted object.
                unsafe { remember(owner, out) };
            }
        }
    }
}

/// Marks promoted object `o` remembered and adds it to `out`, once.
///
/// # Safety
/// `o` is a live object outside the nursery.
#[inline]
unsafe fn remember(o: ObjPtr, out: &mut Vec<ObjPtr>) {
    // SAFETY: the caller's contract.
    unsafe {
        if !o.has_flag(Flags::REMEMBERED) {
            o.set_flag(Flags::REMEMBERED, true);
            out.push(o);
        }
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
