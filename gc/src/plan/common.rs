//! What several plans share: the large-object path, the heap-limit check before a direct
//! allocation, the out-of-memory report, mark-sweep of an old space, and the per-collection
//! [`Scratch`] (the mark stack's storage and the phase clock).
//!
//! Invariant: nothing here allocates in a bump space; the functions either return memory
//! under the heap limit or the error to report, and a failed allocation leaves the heap
//! unchanged.

use super::Work;
use crate::collector::mark::Marker;
use crate::collector::par::{self, mark::ParMarker, Pool};
use crate::error::{HeapError, OutOfMemory};
use crate::heap::Heap;
use crate::object::{Flags, ObjPtr};
use crate::roots::RootTable;
use crate::space::{LargeObjectSpace, OldSpace};
use crate::stats::{CollectionCause, CollectionKind, Phase, PhaseClock};
use std::ops::{Deref, DerefMut};

/// What a collection works with besides the spaces and roots: the mark stack's storage (kept
/// between collections so its capacity is reused) and the clock that stamps phase
/// boundaries. It dereferences to the mark stack, so code that only needs the stack takes
/// `&mut Vec<ObjPtr>`; collect code stamps a boundary with `scratch.clock.lap(Phase::…)`.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    stack: Vec<ObjPtr>,
    /// The collection's phase clock (see [`crate::stats::PhaseTimes`]).
    pub clock: PhaseClock,
    /// [`HeapConfig::gc_threads`](crate::HeapConfig::gc_threads).
    pub threads: usize,
    /// The parallel closure's workers, started by the first collection that uses them.
    pub pool: Option<Pool>,
}

impl Deref for Scratch {
    type Target = Vec<ObjPtr>;
    fn deref(&self) -> &Vec<ObjPtr> {
        &self.stack
    }
}

impl DerefMut for Scratch {
    fn deref_mut(&mut self) -> &mut Vec<ObjPtr> {
        &mut self.stack
    }
}

impl Heap {
    /// An object above the large threshold: its own mapping in the large-object space.
    pub(crate) fn alloc_large(&mut self, size: usize) -> Result<*mut u8, HeapError> {
        self.make_room(size)?;
        let p = self
            .plan
            .large()
            .alloc(size)
            .ok_or_else(|| self.oom(size))?;
        self.allocated_retired += size as u64;
        self.update_limits();
        Ok(p)
    }

    /// Before a direct allocation outside the bump space: collect if the old generation
    /// passed its threshold or the limit would be passed; fail if it still would.
    pub(crate) fn make_room(&mut self, size: usize) -> Result<(), HeapError> {
        let c = self.plan.constraints();
        // Under a pause goal a plan with a nursery starts an incremental cycle at the next
        // scavenge instead (see `crate::pause::pacing`).
        let incremental = c.needs_nursery && self.config.pause_goal.is_some();
        if c.collects
            && c.old_threshold
            && !incremental
            && self.plan.old_and_large() + size as u64 > self.major_threshold
        {
            self.collect_with(CollectionKind::Major, CollectionCause::OldThreshold);
        }
        if self.occupied_bytes() + size as u64 > self.config.max_heap as u64 {
            if c.collects {
                self.collect_with(CollectionKind::Major, CollectionCause::HeapLimit);
            }
            if self.occupied_bytes() + size as u64 > self.config.max_heap as u64 {
                return Err(self.oom(size));
            }
        }
        Ok(())
    }

    /// The error for an allocation of `size` bytes that cannot be satisfied.
    pub(crate) fn oom(&self, size: usize) -> HeapError {
        HeapError::OutOfMemory(OutOfMemory {
            limit: self.config.max_heap as u64,
            live: self.occupied_bytes(),
            requested: size as u64,
            committed: self.committed_bytes(),
        })
    }
}

/// The write barrier's slow path for a generational plan: adds `obj` to the remembered set
/// unless its flag says it is there already.
pub(crate) fn remember(remset: &mut Vec<ObjPtr>, obj: ObjPtr) {
    // SAFETY: `obj` is a live old or large object (it was resolved from a root or is the
    // target of a store in progress).
    unsafe {
        if !obj.has_flag(Flags::REMEMBERED) {
            obj.set_flag(Flags::REMEMBERED, true);
            remset.push(obj);
        }
    }
}

/// Marks `old` and `large` from the roots with an explicit stack, tracing through the nursery
/// objects in `young` (`(start, len)`) in place with their header mark flag, then sweeps `old`
/// (lazily: its blocks are swept after the pause, see `OldSpace::sweep`) and `large` and drops the remembered objects the sweep frees from `remset`. Marked nursery
/// objects keep their flag: the caller must evacuate the nursery next (copies drop the flag).
pub(crate) fn mark_sweep(
    old: &mut OldSpace,
    large: &mut LargeObjectSpace,
    roots: &mut RootTable,
    scratch: &mut Scratch,
    young: Option<(usize, usize)>,
    remset: &mut Vec<ObjPtr>,
) -> Work {
    old.prepare();
    scratch.clock.lap(Phase::Prepare);
    // With `gc_threads > 1` the strong closure runs on the pool; the serial marker then
    // finishes weak processing.
    let closure = par::pool_for(&mut scratch.pool, scratch.threads).map(|pool| {
        let marks = old.shared_marks();
        let mut par = ParMarker::new(pool, &marks, large, young);
        roots.for_each_slot_mut(&mut |slot| par.root(*slot));
        scratch.clock.lap(Phase::Roots);
        par.run()
    });
    let mut marker = Marker::new(old, large, std::mem::take(&mut scratch.stack));
    if let Some(range) = young {
        marker = marker.with_young(range);
    }
    match closure {
        Some(c) => marker.take_closure(c),
        None => {
            roots.for_each_slot_mut(&mut |slot| marker.mark_value(*slot));
            scratch.clock.lap(Phase::Roots);
        }
    }
    marker.drain();
    scratch.clock.lap(Phase::Closure);
    let marked = marker.marked_bytes;
    let marked_old = marker.marked_old_bytes;
    scratch.stack = marker.into_stack();
    remset.retain(|o| {
        if old.in_range(o.addr()) {
            old.is_marked(o.addr())
        } else {
            // SAFETY: remembered large objects are live until the sweep below.
            large.contains(o.addr()) && unsafe { o.has_flag(Flags::MARKED) }
        }
    });
    let (old_swept, _) = old.sweep(marked_old);
    let (large_swept, _) = large.sweep();
    scratch.clock.lap(Phase::Release);
    Work {
        marked,
        swept: old_swept + large_swept,
        ..Work::default()
    }
}
