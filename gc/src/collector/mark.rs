//! Marking with an explicit mark stack: no recursion, so a million-long list marks in
//! constant Rust stack depth.
//!
//! Old-space mark bits live in the space's side bitmaps; large objects use their header's
//! mark flag. An object is pushed once, when its bit flips from clear to set, so the stack
//! never holds more entries than there are live objects. Marking an object only touches its
//! mark bit, not the object: its header is first read when it is scanned, which is also when
//! its size is added to the marked bytes.
//!
//! A marker may also trace through the nursery in place ([`Marker::with_young`], for the
//! generational plan's major collections): nursery objects are marked with
//! their header's mark flag, and the scavenge that follows copies exactly those objects (and
//! drops the flag as it copies), so no nursery object keeps a mark past the collection.

use crate::object::{Flags, Header, ObjPtr};
use crate::space::{LargeObjectSpace, OldSpace};
use crate::trace::weak::{self, WeakRefs, WeakTracer};
use crate::trace::{self, SlotKind};
use crate::value::RawValue;

pub(crate) struct Marker<'a> {
    old: &'a mut OldSpace,
    large: &'a mut LargeObjectSpace,
    stack: Vec<ObjPtr>,
    /// The nursery range traced in place, `[young_lo, young_lo + young_len)`; empty when the
    /// nursery was evacuated first (its leftovers are then scanned as roots).
    young_lo: usize,
    young_len: usize,
    pub marked_bytes: u64,
    /// The part of `marked_bytes` in the old space (the sweep's exact live size).
    pub marked_old_bytes: u64,
    /// Weak slots and ephemerons deferred until the closure is complete.
    weak: WeakRefs,
    /// Trace weak and ephemeron slots as strong: set for incremental slices, whose weak lists
    /// would not outlive the slice. A cycle then clears no weak reference (conservative); the
    /// next scavenge or stop-the-world major collection does.
    weak_as_strong: bool,
}

impl<'a> Marker<'a> {
    pub fn new(
        old: &'a mut OldSpace,
        large: &'a mut LargeObjectSpace,
        mut stack: Vec<ObjPtr>,
    ) -> Self {
        stack.clear();
        Marker {
            old,
            large,
            stack,
            young_lo: 0,
            young_len: 0,
            marked_bytes: 0,
            marked_old_bytes: 0,
            weak: WeakRefs::default(),
            weak_as_strong: false,
        }
    }

    /// A marker that continues an incremental cycle with the grey objects on `stack` (its
    /// byte counts start from zero).
    pub fn resume(
        old: &'a mut OldSpace,
        large: &'a mut LargeObjectSpace,
        stack: Vec<ObjPtr>,
    ) -> Self {
        Marker {
            old,
            large,
            stack,
            young_lo: 0,
            young_len: 0,
            marked_bytes: 0,
            marked_old_bytes: 0,
            weak: WeakRefs::default(),
            weak_as_strong: true,
        }
    }

    /// Takes over a parallel closure's result ([`par::mark`](super::par::mark)): its byte
    /// counts and deferred weak slots. Its marks are set already; [`drain`](Self::drain) then
    /// runs the ephemerons to their fixed point and clears the dead weak slots serially.
    pub fn take_closure(&mut self, c: super::par::mark::Closure) {
        self.marked_bytes += c.marked_bytes;
        self.marked_old_bytes += c.marked_space_bytes;
        self.old.count_marked(c.marked_space_objects);
        self.weak.append(c.weak);
    }

    /// Traces through the nursery objects in `[lo, lo + len)` too, marking them with their
    /// header flag. The caller must scavenge the nursery before the mutator runs again (the
    /// copies drop the flag; the marked originals are left behind in from-space).
    pub fn with_young(mut self, (lo, len): (usize, usize)) -> Self {
        self.young_lo = lo;
        self.young_len = len;
        self
    }

    /// Marks the object `v` references (if any) and queues it for scanning.
    #[inline]
    pub fn mark_value(&mut self, v: RawValue) {
        if !v.is_ref() {
            return;
        }
        let addr = v.addr();
        let in_old = self.old.in_range(addr);
        let newly = if in_old {
            self.old.mark(addr)
        } else if addr.wrapping_sub(self.young_lo) < self.young_len {
            // SAFETY: `addr` is a live nursery object (heap invariant).
            unsafe {
                let o = ObjPtr::from_value(v);
                let newly = !o.has_flag(Flags::MARKED);
                o.set_flag(Flags::MARKED, true);
                newly
            }
        } else if self.large.contains(addr) {
            // SAFETY: `addr` is the start of a live large object.
            unsafe { self.large.mark(ObjPtr::from_value(v)) }
        } else {
            // Outside every traced space (the nursery, when it is not traced in place).
            false
        };
        if newly {
            // SAFETY: `v` references a live object (heap invariant).
            self.stack.push(unsafe { ObjPtr::from_value(v) });
        }
    }

    /// Counts the marked object `o`'s size and marks everything it references.
    ///
    /// # Safety
    /// `o` is a live object this marker marked (and has not scanned yet).
    #[inline(always)]
    unsafe fn scan_marked(&mut self, o: ObjPtr) {
        // SAFETY: the caller's contract.
        let h = unsafe { o.header() };
        let size = h.size() as u64;
        self.marked_bytes += size;
        if self.old.in_range(o.addr()) {
            self.marked_old_bytes += size;
        }
        // SAFETY: `o` is live with header `h`; marking only reads its slots.
        unsafe { self.scan_slots(o, h) };
    }

    /// Marks the targets of `o`'s slots.
    ///
    /// # Safety
    /// `o` is a live object with header `h`.
    #[inline(always)]
    unsafe fn scan_slots(&mut self, o: ObjPtr, h: Header) {
        let base = self.stack.len();
        // SAFETY: the caller's contract.
        unsafe {
            trace::scan(o, h, |slot, kind| {
                if kind == SlotKind::Strong
                    || self.weak_as_strong
                    || weak::defer(self, slot, kind).is_some()
                {
                    self.mark_value(slot.load())
                }
            })
        }
        // First slot on top: marking visits in pre-order, the scavenger's copy order.
        self.stack[base..].reverse();
    }

    /// Completes the closure: scans until the mark stack is empty, runs the ephemerons to
    /// their fixed point, then clears the weak slots of dead targets ([`trace::weak`]).
    pub fn drain(&mut self) {
        loop {
            while let Some(o) = self.stack.pop() {
                // SAFETY: everything on the stack was marked by `mark_value` and is scanned
                // exactly once, here.
                unsafe { self.scan_marked(o) };
            }
            if !weak::ephemeron_step(self) {
                break;
            }
        }
        weak::clear(self);
    }

    /// Whether the object `v` references is marked (or outside the traced spaces).
    fn is_live(&self, v: RawValue) -> bool {
        let addr = v.addr();
        if self.old.in_range(addr) {
            self.old.is_marked(addr)
        } else if addr.wrapping_sub(self.young_lo) < self.young_len || self.large.contains(addr) {
            // SAFETY: `addr` is a nursery object traced in place or a large object, live until
            // this collection ends; its header is its own.
            unsafe { ObjPtr::from_value(v).has_flag(Flags::MARKED) }
        } else {
            true
        }
    }

    /// Scans until the stack is empty or `budget` bytes were scanned by this call (an
    /// incremental slice); returns whether the stack is empty.
    pub fn drain_budget(&mut self, budget: u64) -> bool {
        let stop = self.marked_bytes.saturating_add(budget);
        while self.marked_bytes < stop {
            let Some(o) = self.stack.pop() else {
                return true;
            };
            // SAFETY: as in `drain`.
            unsafe { self.scan_marked(o) };
        }
        self.stack.is_empty()
    }

    /// Gives the stack's storage back for reuse by the next collection.
    pub fn into_stack(self) -> Vec<ObjPtr> {
        self.stack
    }
}

impl WeakTracer for Marker<'_> {
    fn weak_refs(&mut self) -> &mut WeakRefs {
        &mut self.weak
    }

    fn live(&self, v: RawValue) -> Option<RawValue> {
        self.is_live(v).then_some(v)
    }

    fn trace_strong(&mut self, v: RawValue) -> RawValue {
        self.mark_value(v);
        v
    }
}
