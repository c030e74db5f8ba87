//! `no-gc`: bump allocation in one region of `max_heap` bytes that never collects — the lower
//! bound GC research compares against. An allocation past the limit fails.

use super::generational::map_err;
use super::{Constraints, PlanOps, Work};
use crate::config::HeapConfig;
use crate::error::HeapError;
use crate::heap::{Heap, SpaceKind};
use crate::space::{CopySpace, LargeObjectSpace, Space};
use crate::stats::{CollectionCause, CollectionKind};

/// The no-gc plan's spaces.
#[repr(C)] // the bump space first: see `ActivePlan`
pub(crate) struct NoGc {
    bump: CopySpace,
    large: LargeObjectSpace,
}

impl PlanOps for NoGc {
    const CONSTRAINTS: Constraints = Constraints {
        collects: false,
        ..Constraints::DEFAULT
    };

    fn new(config: &HeapConfig) -> Result<Self, HeapError> {
        Ok(NoGc {
            bump: CopySpace::new(config.max_heap, 1).map_err(map_err)?,
            large: LargeObjectSpace::new(),
        })
    }

    #[inline(always)]
    fn bump(&mut self) -> Option<&mut CopySpace> {
        Some(&mut self.bump)
    }

    fn bump_space(&self) -> Option<&CopySpace> {
        Some(&self.bump)
    }

    fn large(&mut self) -> &mut LargeObjectSpace {
        &mut self.large
    }

    fn alloc_slow(heap: &mut Heap, size: usize) -> Result<*mut u8, HeapError> {
        Err(heap.oom(size))
    }

    fn collect(_heap: &mut Heap, _kind: CollectionKind, _cause: CollectionCause) -> Work {
        Work::default()
    }

    fn live_after_major(&self) -> u64 {
        self.bump.used() as u64 + self.large.bytes()
    }

    fn update_limits(&mut self, max_heap: u64, _major_threshold: u64) -> Option<(usize, usize)> {
        let hard = max_heap.saturating_sub(self.large.bytes());
        self.bump.set_limit(hard as usize);
        None
    }

    fn for_each_space(&self, f: &mut dyn FnMut(&dyn Space)) {
        f(&self.bump);
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
