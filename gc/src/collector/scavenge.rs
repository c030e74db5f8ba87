//! Cheney-style evacuation: breadth-first, an explicit scan pointer, no recursion.
//!
//! Gray objects are the to-space objects between the scan pointer and the to-space top, plus
//! the promoted objects and (semispace plan) marked large objects on their worklists. The
//! loop scans gray objects until none is left; every object is scanned once, so the work is
//! proportional to what survives.
//!
//! The remembered set is rebuilt as it goes: an old or large object stays (or becomes)
//! remembered exactly when, after its slots were updated, one of them points into the
//! nursery's to-space.

use crate::object::{Flags, ObjPtr};
use crate::space::{CopySpace, LargeObjectSpace, OldSpace};
use crate::value::RawValue;

pub(crate) struct Scavenger<'a> {
    space: &'a mut CopySpace,
    old: Option<&'a mut OldSpace>,
    large: &'a mut LargeObjectSpace,
    promotion_age: u8,
    promote_all: bool,
    trace_large: bool,
    promoted: Vec<ObjPtr>,
    large_work: Vec<ObjPtr>,
    pub copied_bytes: u64,
    pub promoted_bytes: u64,
    pub marked_large_bytes: u64,
}

impl<'a> Scavenger<'a> {
    pub fn new(
        space: &'a mut CopySpace,
        old: Option<&'a mut OldSpace>,
        large: &'a mut LargeObjectSpace,
        promotion_age: u8,
        promote_all: bool,
        trace_large: bool,
    ) -> Self {
        space.begin_copy();
        Scavenger {
            space,
            old,
            large,
            promotion_age,
            promote_all,
            trace_large,
            promoted: Vec::new(),
            large_work: Vec::new(),
            copied_bytes: 0,
            promoted_bytes: 0,
            marked_large_bytes: 0,
        }
    }

    /// Updates `slot` to the object's new location, evacuating it on first visit.
    #[inline]
    pub fn evacuate(&mut self, slot: &mut RawValue) {
        if !slot.is_ref() {
            return;
        }
        let addr = slot.addr();
        if !self.space.contains(addr) {
            if self.trace_large && self.large.contains(addr) {
                // SAFETY: `addr` is the start of a live large object.
                let o = unsafe { ObjPtr::from_value(*slot) };
                // SAFETY: as above.
                if unsafe { self.large.mark(o) } {
                    // SAFETY: as above.
                    self.marked_large_bytes += unsafe { o.size() } as u64;
                    self.large_work.push(o);
                }
            }
            return;
        }
        // SAFETY: `slot` references an object in from-space (checked above); every reference
        // the collector visits is valid by the roots and heap invariants.
        let o = unsafe { ObjPtr::from_value(*slot) };
        // SAFETY: `o` is a from-space object, possibly already forwarded.
        unsafe {
            if o.is_forwarded() {
                *slot = o.forwardee().to_value();
                return;
            }
            let size = o.size();
            let age = o.age().saturating_add(1);
            let promote = self.promote_all || age >= self.promotion_age;
            let target = if promote {
                self.old.as_mut().and_then(|old| old.alloc(size))
            } else {
                None
            };
            let new = match target {
                Some(p) => {
                    let n = o.copy_to(p, size);
                    self.promoted_bytes += size as u64;
                    self.promoted.push(n);
                    n
                }
                None => {
                    // Not yet old enough, or the old space is full: stays young.
                    let n = o.copy_to(self.space.copy_alloc(size), size);
                    n.set_age(age);
                    self.copied_bytes += size as u64;
                    n
                }
            };
            o.forward_to(new);
            *slot = new.to_value();
        }
    }

    /// Evacuates every slot of `o`; returns whether a slot points into to-space afterwards.
    ///
    /// # Safety
    /// `o` is a live object outside from-space.
    #[inline]
    unsafe fn scan(&mut self, o: ObjPtr) -> bool {
        let mut young = false;
        // SAFETY: the caller's contract; `i < slot_count`.
        unsafe {
            for i in 0..o.slot_count() {
                let mut v = o.slot(i);
                if v.is_ref() {
                    self.evacuate(&mut v);
                    o.set_slot(i, v);
                    young |= self.space.to_space_contains(v.addr());
                }
            }
        }
        young
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

    /// Runs the Cheney loop until no gray object is left. Promoted objects that point into
    /// the nursery are remembered in `out`.
    pub fn drain(&mut self, out: &mut Vec<ObjPtr>) {
        let mut scan = 0;
        loop {
            while scan < self.space.to_top() {
                // SAFETY: `scan` walks the to-space objects copied in this collection, end
                // to end, and stays below the to-space top.
                let o = unsafe { self.space.to_space_object(scan) };
                // SAFETY: `o` was fully copied; its size is its header's.
                scan += unsafe { o.size() };
                // SAFETY: `o` is a live to-space object.
                unsafe { self.scan(o) };
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
    }
}
