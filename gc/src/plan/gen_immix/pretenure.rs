//! Pretenuring in gen-immix under a pause goal: after a scavenge that found most of the
//! nursery alive, the next objects are allocated directly in the Immix space for a window of
//! allocation (the policy and its reasons are in [`crate::pause::nursery`]).
//!
//! While a window is open the nursery's limit is its fill, so every allocation leaves the
//! bump fast path for [`GenImmix::pretenure_alloc`] (the plan's direct allocation). The
//! window closes when its bytes are spent or the old space refuses an object; the nursery's
//! limit is then restored, the window's bytes count as allocation towards the next
//! marking slice, and the memory the next scavenge promotes into is committed again (the
//! window used the blocks committed after the last pause).
//!
//! Invariant: an object allocated here during a marking cycle is black (marked, with its
//! lines, and counted in `inc.black`), like one promoted during the cycle; the write barrier
//! remembers it when it comes to hold a nursery reference, as for any old object.

use super::GenImmix;
use crate::heap::Heap;
use crate::plan::PlanOps;

impl GenImmix {
    /// Opens a window after a scavenge when the nursery model asks for one.
    pub(super) fn open_pretenure_window(&mut self) {
        let bytes = self.model.pretenure_bytes(self.nursery.current_range().1);
        self.pretenure = bytes;
        self.pretenured = 0;
    }

    /// Allocates `size` bytes in the Immix space while a window is open and the old
    /// generation stays within `limit`; closes the window (returning `None`) otherwise.
    #[inline]
    pub(super) fn pretenure_alloc(&mut self, size: usize, limit: u64) -> Option<*mut u8> {
        if self.pretenure < size {
            return self.close_pretenure_window();
        }
        if self.old_and_large() + size as u64 > limit {
            return self.close_pretenure_window();
        }
        let Some(p) = self.immix.alloc(size) else {
            return self.close_pretenure_window();
        };
        if self.inc.black() {
            self.immix.blacken(p as usize, size);
            self.inc.black += size as u64;
        }
        self.pretenure -= size;
        self.pretenured += size;
        if self.pretenure == 0 {
            self.close_pretenure_window();
        }
        Some(p)
    }

    fn close_pretenure_window(&mut self) -> Option<*mut u8> {
        if self.pretenure > 0 || self.pretenured > 0 {
            self.pretenure = 0;
            self.inc.advance(std::mem::take(&mut self.pretenured));
            self.relimit = true;
            // The window allocated into the blocks committed for the next scavenge.
            self.pretouch();
        }
        None
    }

    /// After a window closed: restores the nursery's limit and allocates there if it can.
    pub(super) fn after_pretenure_window(heap: &mut Heap, size: usize) -> Option<*mut u8> {
        let p = Self::get(&mut heap.plan);
        if !std::mem::take(&mut p.relimit) {
            return None;
        }
        heap.update_limits();
        Self::step(heap, size).or_else(|| Self::alloc_young(heap, size))
    }

    /// Allocates `size` bytes for a new object in the nursery or, when a collection just
    /// opened a pretenuring window, in the Immix space.
    pub(super) fn alloc_young(heap: &mut Heap, size: usize) -> Option<*mut u8> {
        let limit = heap.major_threshold.min(heap.config.max_heap as u64);
        let p = Self::get(&mut heap.plan);
        if p.pretenure > 0 {
            if let Some(a) = p.pretenure_alloc(size, limit) {
                return Some(a);
            }
            heap.update_limits();
        }
        Self::get(&mut heap.plan).nursery.alloc(size)
    }
}
