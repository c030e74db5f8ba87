//! `mark-sweep`: every small object in the non-moving size-class space, large objects in
//! their own mappings; only whole-heap collections (mark from the roots, sweep), no barrier.
//!
//! Fragmentation bound: objects never move, so a size class keeps whole blocks for its few
//! survivors; the old space reserves half the heap limit again plus one block per class for
//! it, and the heap can report `OutOfMemory` while live bytes are below the limit when blocks
//! are spread over many classes. The bound: allocation fails only once every reserved block is
//! in use, so one live 16-byte cell per 64 KiB block is the worst case (the issue 11
//! reproduction fails at 69 % of a 1 MiB limit); `OutOfMemory::is_fragmentation` tells that
//! failure from a full heap. The moving plans (immix, gen-immix, semispace) have no such bound.

use super::common::mark_sweep;
use super::generational::{map_err, old_reserve};
use super::{Constraints, PlanOps, Work};
use crate::config::HeapConfig;
use crate::error::HeapError;
use crate::heap::{Heap, SpaceKind};
use crate::space::{CopySpace, LargeObjectSpace, OldSpace, Space};
use crate::stats::{CollectionCause, CollectionKind};

/// The mark-sweep plan's spaces.
pub(crate) struct MarkSweep {
    old: OldSpace,
    large: LargeObjectSpace,
}

impl PlanOps for MarkSweep {
    const CONSTRAINTS: Constraints = Constraints {
        old_threshold: true,
        ..Constraints::DEFAULT
    };

    fn new(config: &HeapConfig) -> Result<Self, HeapError> {
        Ok(MarkSweep {
            old: OldSpace::new(old_reserve(config)).map_err(map_err)?,
            large: LargeObjectSpace::new(),
        })
    }

    #[inline(always)]
    fn bump(&mut self) -> Option<&mut CopySpace> {
        None
    }

    fn bump_space(&self) -> Option<&CopySpace> {
        None
    }

    /// A cell when neither the collection threshold nor the heap limit is in the way (what
    /// `make_room` would check).
    #[inline(always)]
    fn alloc_direct(&mut self, size: usize, limit: u64) -> Option<*mut u8> {
        if self.old_and_large() + size as u64 > limit {
            return None;
        }
        self.old.alloc(size)
    }

    fn large(&mut self) -> &mut LargeObjectSpace {
        &mut self.large
    }

    fn alloc_slow(heap: &mut Heap, size: usize) -> Result<*mut u8, HeapError> {
        heap.make_room(size)?;
        let p = match Self::get(&mut heap.plan).old.alloc(size) {
            Some(p) => p,
            None => {
                // The reservation is exhausted (fragmentation): a full collection may free
                // blocks.
                heap.collect_with(CollectionKind::Major, CollectionCause::HeapLimit);
                Self::get(&mut heap.plan)
                    .old
                    .alloc(size)
                    .ok_or_else(|| heap.oom(size))?
            }
        };
        heap.allocated_retired += size as u64;
        Ok(p)
    }

    fn collect(heap: &mut Heap, _kind: CollectionKind, _cause: CollectionCause) -> Work {
        let Heap {
            plan,
            roots,
            mark_stack,
            ..
        } = heap;
        let p = Self::get(plan);
        mark_sweep(
            &mut p.old,
            &mut p.large,
            roots,
            mark_stack,
            None,
            &mut Vec::new(),
        )
    }

    fn live_after_major(&self) -> u64 {
        self.old_and_large()
    }

    fn update_limits(&mut self, _max_heap: u64, _major_threshold: u64) -> Option<(usize, usize)> {
        None
    }

    fn for_each_space(&self, f: &mut dyn FnMut(&dyn Space)) {
        f(&self.old);
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
        self.old.bytes() + self.large.bytes()
    }

    /// Sweeps a batch of the blocks the last release left unswept (the allocator sweeps the
    /// rest on demand).
    fn after_pause(&mut self) {
        self.old.sweep_some(crate::space::marksweep::SWEEP_BATCH);
    }
}
