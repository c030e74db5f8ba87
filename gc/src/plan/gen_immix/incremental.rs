//! The gen-immix plan's incremental marking of its Immix old space: the cycle's start,
//! slices, final pause and abandonment (the state machine is [`crate::pause::incremental`]).
//!
//! During a cycle the Immix space marks in place (no evacuation candidates: objects never
//! move while the mutator runs between slices) and allocates only in empty blocks; objects
//! promoted or allocated into it are *blackened* (mark bit and lines) through [`Black`], and
//! their bytes counted, since the release ending the cycle keeps exactly the marked objects.
//! Defragmentation waits for a stop-the-world major collection (requested, at the heap
//! limit, or the emergency one), which abandons any cycle in progress.
//!
//! Invariant: while a cycle is in progress every Immix object allocated since its start is
//! marked, with its lines, and `inc.black` is the sum of their sizes.

use super::GenImmix;
use crate::collector::scavenge::PromotionTarget;
use crate::heap::Heap;
use crate::object::{Flags, ObjPtr};
use crate::pause::incremental::{check_marked, clear_large_marks, scan_nursery, Cycle};
use crate::plan::immix::trace::ImmixTracer;
use crate::plan::Work;
use crate::roots::RootTable;
use crate::space::immix::ImmixSpace;
use crate::stats::{CollectionCause, CollectionKind, IncrementalPhase, PhaseClock};
use crate::value::RawValue;
use std::time::Instant;

/// The Immix space as a promotion target during a cycle: every copy is allocated black.
pub(super) struct Black<'a> {
    pub immix: &'a mut ImmixSpace,
    pub bytes: &'a mut u64,
}

impl PromotionTarget for Black<'_> {
    #[inline(always)]
    fn alloc(&mut self, size: usize) -> Option<*mut u8> {
        let p = self.immix.alloc(size)?;
        self.immix.blacken(p as usize, size);
        *self.bytes += size as u64;
        Some(p)
    }
}

impl GenImmix {
    /// Runs the slice (or the cycle's start) due before an allocation of `size` bytes when
    /// the MMU guard allows it now, else puts it off by a little allocation; then allocates
    /// in the nursery if it has room.
    pub(super) fn step(heap: &mut Heap, size: usize) -> Option<*mut u8> {
        let p = Self::get(&mut heap.plan);
        if !p.inc.wants_step(p.nursery.used() + size) {
            return None;
        }
        if p.inc.slice_allowed() {
            heap.collect_with(CollectionKind::Major, CollectionCause::Incremental);
        } else {
            p.inc.defer(p.nursery.used());
            heap.update_limits();
        }
        Self::get(&mut heap.plan).nursery.alloc(size)
    }

    /// Starts a cycle: in-place marking, roots and nursery references grey, barrier on.
    pub(super) fn mark_start(
        &mut self,
        roots: &mut RootTable,
        satb: &mut Vec<RawValue>,
        satb_active: &mut bool,
    ) -> Work {
        let work = self.immix.bytes() + self.large.bytes();
        self.inc.begin(work, &self.large);
        self.immix.prepare_in_place();
        let mut t = ImmixTracer::resume(
            &mut self.immix,
            &mut self.large,
            std::mem::take(&mut self.inc.stack),
        );
        // No candidates: tracing returns every reference unchanged.
        roots.for_each_slot_mut(&mut |slot| {
            t.trace(*slot);
        });
        scan_nursery(&self.nursery, |v| {
            t.trace(v);
        });
        self.inc.stack = t.into_stack();
        satb.clear();
        *satb_active = true;
        Work {
            incremental: Some(IncrementalPhase::MarkStart),
            ..Work::default()
        }
    }

    /// One slice: the barrier's log, then grey objects up to the budget. Ends marking (the
    /// cycle is done, the barrier off) when nothing grey is left.
    pub(super) fn mark_slice(&mut self, satb: &mut Vec<RawValue>, satb_active: &mut bool) -> Work {
        let start = Instant::now();
        let budget = self.inc.pacing.as_ref().map_or(u64::MAX, |p| p.budget());
        let mut t = ImmixTracer::resume(
            &mut self.immix,
            &mut self.large,
            std::mem::take(&mut self.inc.stack),
        );
        for v in satb.drain(..) {
            t.trace(v);
        }
        let empty = t.drain_budget(budget);
        let (scanned, scanned_old) = (t.marked_bytes, t.marked_immix_bytes);
        self.inc.stack = t.into_stack();
        self.inc.marked += scanned;
        self.inc.marked_old += scanned_old;
        if empty {
            self.inc.cycle = Cycle::Done;
            *satb_active = false;
        }
        if let Some(p) = &mut self.inc.pacing {
            p.record_slice(scanned, start.elapsed());
        }
        Work {
            marked: scanned,
            incremental: Some(IncrementalPhase::MarkSlice),
            ..Work::default()
        }
    }

    /// The final pause, in place of a scavenge: the scavenge, the large objects allocated
    /// during the cycle, the remembered set, (weak processing: after the closure, before the
    /// release), the release.
    pub(super) fn mark_final(
        &mut self,
        roots: &mut RootTable,
        clock: &mut PhaseClock,
        promotion_age: u8,
    ) -> Work {
        let moved = self.minor(roots, clock, promotion_age);
        debug_assert!(
            self.inc.stack.is_empty(),
            "the final pause follows a done cycle"
        );
        self.inc.blacken_new_large(&mut self.large);
        if cfg!(debug_assertions) {
            let (immix, large) = (&self.immix, &self.large);
            self.inc.violation = self.inc.violation.take().or_else(|| {
                check_marked(roots, |v| {
                    if immix.in_range(v.addr()) {
                        Some(immix.is_marked(v.addr()))
                    } else if large.contains(v.addr()) {
                        // SAFETY: `v` is a reachable, so live, large object.
                        Some(unsafe { ObjPtr::from_value(v).has_flag(Flags::MARKED) })
                    } else {
                        None
                    }
                })
            });
        }
        let (immix, large) = (&self.immix, &self.large);
        self.remset.retain(|o| {
            if immix.in_range(o.addr()) {
                immix.is_marked(o.addr())
            } else {
                // SAFETY: remembered large objects are live until the sweep below.
                large.contains(o.addr()) && unsafe { o.has_flag(Flags::MARKED) }
            }
        });
        // Weak references are processed here: the closure is complete, nothing is freed yet.
        let (immix_swept, _) = self.immix.release(self.inc.marked_old + self.inc.black);
        let (large_swept, _) = self.large.sweep();
        let marked = self.inc.marked;
        self.inc.reset();
        self.inc.live = self.immix.bytes() + self.large.bytes();
        Work {
            marked,
            swept: immix_swept + large_swept,
            incremental: Some(IncrementalPhase::MarkEnd),
            ..moved
        }
    }

    /// Abandons a cycle for a stop-the-world collection.
    pub(super) fn mark_abort(&mut self, satb: &mut Vec<RawValue>, satb_active: &mut bool) {
        self.immix.abort_marking();
        clear_large_marks(&self.large);
        self.inc.reset();
        satb.clear();
        *satb_active = false;
    }
}
