//! `immix`: a whole-heap mark-region collector (Blackburn & McKinley, PLDI 2008). Small and
//! medium objects live in an Immix space ([`crate::space::immix`]): bump allocation into free
//! lines, line and block marks in side metadata, opportunistic evacuation of fragmented
//! blocks. Large objects live in the large-object space. No barrier.
//!
//! - **Allocation**: bump into the current hole, inlined into the heap's out-of-line path
//!   ([`PlanOps::alloc_direct`]); the slow path collects at the old-generation threshold or
//!   the heap limit (`make_room`), and when the space has no block left outside its headroom
//!   it runs an *emergency* defragmenting collection before reporting `OutOfMemory`.
//! - **Collection**: prepare the space (choose evacuation candidates), trace from the roots
//!   ([`trace::ImmixTracer`]), release the space (sweep lines and blocks) and the large
//!   objects.
//!
//! Fragmentation never causes `OutOfMemory` while the live bytes fit the limit: the heap limit
//! counts exact object bytes, and the emergency collection can evacuate every live object into
//! the headroom (see the space's sizing).

pub(crate) mod trace;

use super::common::Scratch;
use super::generational::map_err;
use super::{Constraints, PlanOps, Work};
use crate::collector::par::{self, mark::ParMarker};
use crate::config::HeapConfig;
use crate::error::HeapError;
use crate::heap::{Heap, SpaceKind};
use crate::space::immix::{Defrag, ImmixSpace};
use crate::space::{CopySpace, LargeObjectSpace, Space};
use crate::stats::{CollectionCause, CollectionKind, Phase};
use trace::ImmixTracer;

/// The immix plan's spaces.
pub(crate) struct Immix {
    immix: ImmixSpace,
    large: LargeObjectSpace,
    /// The next collection is an emergency defragmentation (the allocator found no block).
    emergency: bool,
}

/// Allocates `size` bytes in `space` after making room, with an emergency defragmenting
/// collection (flagged through `set_emergency`) before giving up. Shared with gen-immix.
pub(crate) fn alloc_with_defrag(
    heap: &mut Heap,
    size: usize,
    space: fn(&mut Heap) -> &mut ImmixSpace,
    set_emergency: fn(&mut Heap),
) -> Result<*mut u8, HeapError> {
    heap.make_room(size)?;
    if let Some(p) = space(heap).alloc(size) {
        heap.allocated_retired += size as u64;
        return Ok(p);
    }
    set_emergency(heap);
    heap.collect_with(CollectionKind::Major, CollectionCause::HeapLimit);
    let p = space(heap).alloc(size).ok_or_else(|| heap.oom(size))?;
    heap.allocated_retired += size as u64;
    Ok(p)
}

/// Runs one Immix-space collection: prepare, trace from the roots (through the nursery range
/// `young` in place, if any), and release. Returns the tracer's work and leaves the roots
/// updated; `after_closure` runs between the closure and the release (remembered-set fixing).
pub(crate) fn immix_collect(
    immix: &mut ImmixSpace,
    large: &mut LargeObjectSpace,
    heap_roots: &mut crate::roots::RootTable,
    scratch: &mut Scratch,
    young: Option<(usize, usize)>,
    defrag: Defrag,
    after_closure: impl FnOnce(&ImmixSpace, &LargeObjectSpace),
) -> Work {
    immix.prepare(defrag);
    scratch.clock.lap(Phase::Prepare);
    // With `gc_threads > 1` and nothing to evacuate, the strong closure runs on the pool (it
    // never moves an object, so the roots keep their values); the serial tracer then
    // finishes weak processing.
    let pool = match immix.has_candidates() {
        true => None,
        false => par::pool_for(&mut scratch.pool, scratch.threads),
    };
    let closure = pool.map(|pool| {
        let marks = immix.shared_marks();
        let mut par = ParMarker::new(pool, &marks, large, young);
        heap_roots.for_each_slot_mut(&mut |slot| par.root(*slot));
        scratch.clock.lap(Phase::Roots);
        par.run()
    });
    let mut tracer = ImmixTracer::new(immix, large, std::mem::take(&mut **scratch), young);
    match closure {
        Some(c) => tracer.take_closure(c),
        None => {
            heap_roots.for_each_slot_mut(&mut |slot| *slot = tracer.trace(*slot));
            scratch.clock.lap(Phase::Roots);
        }
    }
    tracer.drain();
    scratch.clock.lap(Phase::Closure);
    let (marked, marked_immix, evacuated) = (
        tracer.marked_bytes,
        tracer.marked_immix_bytes,
        tracer.evacuated_bytes,
    );
    **scratch = tracer.into_stack();
    after_closure(immix, large);
    let (immix_swept, _) = immix.release(marked_immix);
    let (large_swept, _) = large.sweep();
    scratch.clock.lap(Phase::Release);
    Work {
        marked,
        copied: evacuated,
        swept: immix_swept.saturating_sub(evacuated) + large_swept,
        ..Work::default()
    }
}

impl PlanOps for Immix {
    const CONSTRAINTS: Constraints = Constraints {
        moves_objects: true,
        old_threshold: true,
        ..Constraints::DEFAULT
    };

    fn new(config: &HeapConfig) -> Result<Self, HeapError> {
        Ok(Immix {
            immix: ImmixSpace::new(config.max_heap).map_err(map_err)?,
            large: LargeObjectSpace::new(),
            emergency: false,
        })
    }

    #[inline(always)]
    fn bump(&mut self) -> Option<&mut CopySpace> {
        None
    }

    fn bump_space(&self) -> Option<&CopySpace> {
        None
    }

    /// A bump allocation when neither the collection threshold nor the heap limit is in the
    /// way (what `make_room` would check).
    #[inline(always)]
    fn alloc_direct(&mut self, size: usize, limit: u64) -> Option<*mut u8> {
        if self.old_and_large() + size as u64 > limit {
            return None;
        }
        self.immix.alloc(size)
    }

    fn large(&mut self) -> &mut LargeObjectSpace {
        &mut self.large
    }

    fn alloc_slow(heap: &mut Heap, size: usize) -> Result<*mut u8, HeapError> {
        alloc_with_defrag(
            heap,
            size,
            |h| &mut Self::get(&mut h.plan).immix,
            |h| Self::get(&mut h.plan).emergency = true,
        )
    }

    fn collect(heap: &mut Heap, _kind: CollectionKind, _cause: CollectionCause) -> Work {
        let Heap {
            plan,
            roots,
            mark_stack,
            ..
        } = heap;
        let p = Self::get(plan);
        let defrag = if std::mem::take(&mut p.emergency) {
            Defrag::Emergency
        } else {
            Defrag::None
        };
        immix_collect(
            &mut p.immix,
            &mut p.large,
            roots,
            mark_stack,
            None,
            defrag,
            |_, _| {},
        )
    }

    fn live_after_major(&self) -> u64 {
        self.old_and_large()
    }

    fn update_limits(&mut self, _max_heap: u64, _major_threshold: u64) -> Option<(usize, usize)> {
        None
    }

    fn for_each_space(&self, f: &mut dyn FnMut(&dyn Space)) {
        f(&self.immix);
        f(&self.large);
    }

    fn space_of(&self, addr: usize) -> SpaceKind {
        if self.large.contains(addr) {
            SpaceKind::Large
        } else {
            SpaceKind::Old
        }
    }

    fn old_and_large(&self) -> u64 {
        self.immix.bytes() + self.large.bytes()
    }

    /// Sweeps a batch of the blocks the last release left unswept (the allocator sweeps the
    /// rest on demand).
    fn after_pause(&mut self) {
        self.immix.sweep_some(crate::space::immix::SWEEP_BATCH);
    }
}
