//! `semispace`: whole-heap copying between two semispaces of `max_heap` each, large objects
//! traced in place; every collection is a full copy, no barrier.
//!
//! The heap limit counts the objects (the current semispace and large objects), not the copy
//! reserve: each semispace is a `max_heap` reservation, so live data up to the limit always
//! fits to-space, and a copying heap never runs out of memory for fragmentation. Committed
//! memory can reach twice the live size during a collection.
//!
//! The copying space collects when it holds `major_growth` times what survived the last
//! collection (the major threshold), not only when its half of the heap is full, so the heap
//! grows with its live size; past that threshold but within the limit it grows rather than
//! failing.

use super::generational::map_err;
use super::{Constraints, PlanOps, Work};
use crate::collector::scavenge::Scavenger;
use crate::config::HeapConfig;
use crate::error::HeapError;
use crate::heap::{Heap, SpaceKind};
use crate::space::{CopySpace, LargeObjectSpace, Space};
use crate::stats::{CollectionCause, CollectionKind, Phase};

/// The semispace plan's spaces.
#[repr(C)] // the bump space first: see `ActivePlan`
pub(crate) struct SemiSpace {
    space: CopySpace,
    large: LargeObjectSpace,
}

impl PlanOps for SemiSpace {
    const CONSTRAINTS: Constraints = Constraints {
        moves_objects: true,
        ..Constraints::DEFAULT
    };

    fn new(config: &HeapConfig) -> Result<Self, HeapError> {
        Ok(SemiSpace {
            space: CopySpace::new(config.max_heap, 2).map_err(map_err)?,
            large: LargeObjectSpace::new(),
        })
    }

    #[inline(always)]
    fn bump(&mut self) -> Option<&mut CopySpace> {
        Some(&mut self.space)
    }

    fn bump_space(&self) -> Option<&CopySpace> {
        Some(&self.space)
    }

    fn large(&mut self) -> &mut LargeObjectSpace {
        &mut self.large
    }

    fn alloc_slow(heap: &mut Heap, size: usize) -> Result<*mut u8, HeapError> {
        heap.collect_with(CollectionKind::Major, CollectionCause::NurseryFull);
        if let Some(p) = Self::get(&mut heap.plan).space.alloc(size) {
            return Ok(p);
        }
        // Past the growth threshold but within the limit: grow instead of failing.
        let p = Self::get(&mut heap.plan);
        let hard = (heap.config.max_heap as u64).saturating_sub(p.large.bytes());
        p.space.set_limit(hard as usize);
        if let Some(p) = p.space.alloc(size) {
            return Ok(p);
        }
        heap.collect_with(CollectionKind::Major, CollectionCause::HeapLimit);
        Self::get(&mut heap.plan)
            .space
            .alloc(size)
            .ok_or_else(|| heap.oom(size))
    }

    fn collect(heap: &mut Heap, _kind: CollectionKind, _cause: CollectionCause) -> Work {
        let Heap {
            plan,
            roots,
            mark_stack: scratch,
            ..
        } = heap;
        let p = Self::get(plan);
        let mut sc = Scavenger::new(&mut p.space, None, &mut p.large, u8::MAX, false, true);
        roots.for_each_slot_mut(&mut |slot| sc.evacuate(slot));
        scratch.clock.lap(Phase::Roots);
        let mut none = Vec::new();
        sc.drain(&mut none);
        scratch.clock.lap(Phase::Closure);
        debug_assert!(none.is_empty());
        let work = Work {
            copied: sc.copied_bytes,
            marked: sc.marked_large_bytes,
            ..Work::default()
        };
        p.space.flip();
        let (swept, _) = p.large.sweep();
        Work { swept, ..work }
    }

    /// The copying space is the whole small-object heap.
    fn live_after_major(&self) -> u64 {
        self.space.used() as u64
    }

    fn update_limits(&mut self, max_heap: u64, major_threshold: u64) -> Option<(usize, usize)> {
        let hard = max_heap.saturating_sub(self.large.bytes());
        self.space.set_limit(major_threshold.min(hard) as usize);
        None
    }

    fn for_each_space(&self, f: &mut dyn FnMut(&dyn Space)) {
        f(&self.space);
        f(&self.large);
    }

    fn space_of(&self, addr: usize) -> SpaceKind {
        if self.large.contains(addr) {
            SpaceKind::Large
        } else {
            SpaceKind::Young
        }
    }

    fn old_and_large(&self) -> u64 {
        self.large.bytes()
    }
}
