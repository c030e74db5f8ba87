//! The transitive closure of an Immix collection: marks from the roots with an explicit stack
//! (no recursion), evacuating the objects of candidate blocks and marking the others in place.
//!
//! - An object in a block that is not an evacuation candidate gets its mark bit; its lines
//!   are marked when it is scanned (its header is read then anyway).
//! - An object in a candidate block is copied to an empty block on first visit and its
//!   original forwarded; later visits find the forwarding pointer. The slot that reached it is
//!   updated at once, so after the closure no reachable slot or root refers to an original.
//!   When no empty block is left the object is marked in place (it is then never moved in
//!   this collection: its mark bit says so).
//! - Large objects get their header mark flag; nursery objects in the traced young range (the
//!   gen-immix plan's major collections) too, and the scavenge that follows copies them.
//!
//! Every object is pushed once, when it is first marked or copied, and scanned once.

use crate::object::{Flags, Header, ObjPtr};
use crate::space::immix::ImmixSpace;
use crate::space::LargeObjectSpace;
use crate::trace::weak::{self, WeakRefs, WeakTracer};
use crate::trace::{self, SlotKind};
use crate::value::RawValue;

pub(crate) struct ImmixTracer<'a> {
    immix: &'a mut ImmixSpace,
    large: &'a mut LargeObjectSpace,
    stack: Vec<ObjPtr>,
    /// The nursery range traced in place, `[young_lo, young_lo + young_len)` (empty unless
    /// the plan has a nursery).
    young_lo: usize,
    young_len: usize,
    /// Bytes of every object scanned.
    pub marked_bytes: u64,
    /// The part of `marked_bytes` in the Immix space (its exact live size).
    pub marked_immix_bytes: u64,
    /// Bytes copied out of candidate blocks.
    pub evacuated_bytes: u64,
    /// Weak slots and ephemerons deferred until the closure is complete.
    weak: WeakRefs,
    /// Trace weak and ephemeron slots as strong: set for incremental slices, whose weak lists
    /// would not outlive the slice. A cycle then clears no weak reference (conservative); the
    /// next scavenge or stop-the-world major collection does.
    weak_as_strong: bool,
}

impl<'a> ImmixTracer<'a> {
    pub fn new(
        immix: &'a mut ImmixSpace,
        large: &'a mut LargeObjectSpace,
        mut stack: Vec<ObjPtr>,
        young: Option<(usize, usize)>,
    ) -> Self {
        stack.clear();
        let (young_lo, young_len) = young.unwrap_or((0, 0));
        ImmixTracer {
            immix,
            large,
            stack,
            young_lo,
            young_len,
            marked_bytes: 0,
            marked_immix_bytes: 0,
            evacuated_bytes: 0,
            weak: WeakRefs::default(),
            weak_as_strong: false,
        }
    }

    /// A tracer that continues an incremental cycle with the grey objects on `stack` (no
    /// nursery range; its byte counts start from zero).
    pub fn resume(
        immix: &'a mut ImmixSpace,
        large: &'a mut LargeObjectSpace,
        stack: Vec<ObjPtr>,
    ) -> Self {
        ImmixTracer {
            immix,
            large,
            stack,
            young_lo: 0,
            young_len: 0,
            marked_bytes: 0,
            marked_immix_bytes: 0,
            evacuated_bytes: 0,
            weak: WeakRefs::default(),
            weak_as_strong: true,
        }
    }

    /// Takes over a parallel closure's result (`collector::par::mark`): its byte counts and
    /// deferred weak slots. Its marks (objects and lines) are set already; [`drain`](Self::drain)
    /// then finishes the ephemerons and weak slots serially.
    pub fn take_closure(&mut self, c: crate::collector::par::mark::Closure) {
        self.marked_bytes += c.marked_bytes;
        self.marked_immix_bytes += c.marked_space_bytes;
        self.immix.count_marked(c.marked_space_objects);
        self.weak.append(c.weak);
    }

    /// Marks (or evacuates) what `v` references and returns the value the slot holding `v`
    /// must hold now.
    #[inline(always)]
    pub fn trace(&mut self, v: RawValue) -> RawValue {
        if !v.is_ref() {
            return v;
        }
        let addr = v.addr();
        if self.immix.in_range(addr) {
            if self.immix.is_candidate(addr) {
                return self.trace_candidate(v);
            }
            if self.immix.mark(addr) {
                // SAFETY: `v` references a live Immix object (heap invariant).
                self.stack.push(unsafe { ObjPtr::from_value(v) });
            }
        } else if addr.wrapping_sub(self.young_lo) < self.young_len {
            // SAFETY: `addr` is a live nursery object (heap invariant).
            unsafe {
                let o = ObjPtr::from_value(v);
                if !o.has_flag(Flags::MARKED) {
                    o.set_flag(Flags::MARKED, true);
                    self.stack.push(o);
                }
            }
        } else if self.large.contains(addr) {
            // SAFETY: `addr` is the start of a live large object.
            unsafe {
                let o = ObjPtr::from_value(v);
                if self.large.mark(o) {
                    self.stack.push(o);
                }
            }
        }
        v
    }

    /// An object in a candidate block: its copy's reference (copying it on first visit), or
    /// `v` if it is (or must now be) marked in place.
    #[cold]
    #[inline(never)]
    fn trace_candidate(&mut self, v: RawValue) -> RawValue {
        let addr = v.addr();
        // SAFETY: `v` references an object of a candidate block: live, or already forwarded
        // by this collection (its header then holds the forwarding address).
        let o = unsafe { ObjPtr::from_value(v) };
        // SAFETY: as above; the header words are read once.
        let h = unsafe { o.header() };
        if h.is_forwarded() {
            // SAFETY: forwarded, so `extra` is the copy's address.
            return unsafe { h.forwardee() }.to_value();
        }
        if self.immix.is_marked(addr) {
            return v;
        }
        let size = h.size();
        if let Some(p) = self.immix.alloc_evac(size) {
            // SAFETY: `p` is fresh memory of `size` bytes in an empty block, disjoint from
            // `o`, which is live and unforwarded with header `h`.
            let n = unsafe { o.copy_with_header(h, p, h.age()) };
            // SAFETY: `o` was copied to `n` just above.
            unsafe { o.forward_to(n) };
            self.immix.mark(n.addr());
            self.evacuated_bytes += size as u64;
            self.stack.push(n);
            return n.to_value();
        }
        self.immix.mark(addr);
        self.stack.push(o);
        v
    }

    /// Scans a marked (or copied) object: counts it, marks its lines, traces its slots.
    ///
    /// # Safety
    /// `o` is a live, unforwarded object this tracer pushed and has not scanned.
    #[inline(always)]
    unsafe fn scan(&mut self, o: ObjPtr) {
        // SAFETY: the caller's contract.
        let h: Header = unsafe { o.header() };
        let size = h.size();
        self.marked_bytes += size as u64;
        if self.immix.in_range(o.addr()) {
            self.marked_immix_bytes += size as u64;
            self.immix.mark_lines(o.addr(), size);
        }
        let base = self.stack.len();
        // SAFETY: `o` is live with header `h`; the collector owns the heap while it scans.
        unsafe {
            trace::scan(o, h, |slot, kind| {
                if kind == SlotKind::Strong
                    || self.weak_as_strong
                    || weak::defer(self, slot, kind).is_some()
                {
                    let v = slot.load();
                    let n = self.trace(v);
                    if n.bits() != v.bits() {
                        slot.store(n);
                    }
                }
            })
        }
        // First slot on top: marking visits in pre-order, the scavenger's copy order (a
        // tree copied in pre-order and marked last child first measured 6× slower).
        self.stack[base..].reverse();
    }

    /// Completes the closure: scans until the mark stack is empty, runs the ephemerons to
    /// their fixed point, then clears or updates the weak slots ([`trace::weak`]).
    pub fn drain(&mut self) {
        loop {
            while let Some(o) = self.stack.pop() {
                // SAFETY: everything on the stack was pushed once, when first marked or
                // copied, and is scanned exactly once, here.
                unsafe { self.scan(o) };
            }
            if !weak::ephemeron_step(self) {
                break;
            }
        }
        weak::clear(self);
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
            unsafe { self.scan(o) };
        }
        self.stack.is_empty()
    }

    /// Gives the stack's storage back for reuse by the next collection.
    pub fn into_stack(self) -> Vec<ObjPtr> {
        self.stack
    }
}

impl WeakTracer for ImmixTracer<'_> {
    fn weak_refs(&mut self) -> &mut WeakRefs {
        &mut self.weak
    }

    fn live(&self, v: RawValue) -> Option<RawValue> {
        let addr = v.addr();
        if self.immix.in_range(addr) {
            // SAFETY: an Immix object is live or dead but still in place until the release
            // after the closure; an evacuated one holds its forwarding header.
            let h = unsafe { ObjPtr::from_value(v).header() };
            if h.is_forwarded() {
                // SAFETY: forwarded, so `extra` is the copy's address.
                return Some(unsafe { h.forwardee() }.to_value());
            }
            return self.immix.is_marked(addr).then_some(v);
        }
        if addr.wrapping_sub(self.young_lo) < self.young_len || self.large.contains(addr) {
            // SAFETY: a nursery object traced in place or a large object, in place until the
            // collection ends.
            let marked = unsafe { ObjPtr::from_value(v).has_flag(Flags::MARKED) };
            return marked.then_some(v);
        }
        Some(v)
    }

    fn trace_strong(&mut self, v: RawValue) -> RawValue {
        self.trace(v)
    }
}
