//! Lazy sweeping of an Immix space: the release that ends a collection only flips its blocks
//! to *unswept*; each block's bitmaps are fixed (dead objects' start bits dropped, marks
//! cleared) and the block put on the recyclable list or back in the free pool later — when
//! the allocator needs a block, in bounded batches outside the pauses
//! ([`ImmixSpace::sweep_some`]), and at the latest when the next collection prepares.
//!
//! Invariant: a block is unswept from the release that ended a collection until
//! [`sweep_block`](ImmixSpace::sweep_block) runs on it. While it is unswept
//! - its `alloc` bitmap still holds the starts of the dead objects, its `mark` bitmap the
//!   collection's marks, and its objects are exactly the starts in `alloc & mark` (every
//!   walker — [`for_each_object`](ImmixSpace::for_each_object), `check` — reads them so);
//! - its line marks are the collection's, which already tell the holes apart;
//! - no allocator hands out memory from it: the allocators only take blocks from the
//!   recyclable list and the free pool, and only sweeping puts a released block there;
//! - nothing marks in it: [`prepare`](ImmixSpace::prepare) and
//!   [`prepare_in_place`](ImmixSpace::prepare_in_place) finish the sweep first.
//!
//! Accounting: the usage is exact from the release on (bytes are the tracer's marked bytes,
//! objects the marked objects counted by [`mark_lines`](ImmixSpace::mark_lines)), and the
//! release reports the reclaimed bytes; sweeping changes neither, only the bitmaps and the
//! block lists. Until a block that died entirely is swept it still counts as in use (and as
//! committed memory). Debug builds poison the dead objects at the release itself.

use super::block::State;
use super::ImmixSpace;

/// Blocks swept per batch outside the pauses (8 MiB of blocks: a few tens of µs).
pub const SWEEP_BATCH: usize = 256;

impl ImmixSpace {
    /// Number of blocks not swept yet.
    #[cfg(test)]
    pub fn unswept(&self) -> usize {
        self.unswept.len()
    }

    /// Sweeps block `b`: keeps the marked objects' start bits, clears the marks, and puts
    /// the block on the recyclable list if it has holes. Returns whether it is empty (the
    /// caller gives it back to the pool).
    fn sweep_block(&mut self, b: usize) -> bool {
        let block = &mut self.blocks[b];
        debug_assert!(block.unswept && block.state == State::InUse, "block {b}");
        block.unswept = false;
        block.candidate = false;
        let mut live = 0;
        for (a, m) in block.alloc.iter_mut().zip(&mut block.mark) {
            *a &= *m;
            *m = 0;
            live += a.count_ones();
        }
        if live == 0 {
            debug_assert_eq!(block.lines, 0, "block {b}: marked lines without objects");
            return true;
        }
        if block.holes > 0 {
            self.recyclable.push(b as u32);
        }
        false
    }

    /// Sweeps the next unswept block (lowest address first): `None` when none is left, else
    /// whether it was empty (it is then the free pool's next block).
    pub(super) fn sweep_next(&mut self) -> Option<bool> {
        let b = self.unswept.pop()?;
        if self.sweep_block(b as usize) {
            // Into the pool as a committed block, taken next: the allocator is in a hurry
            // (perhaps inside a scavenge), and returning memory to the OS is left to the
            // batches after the pauses.
            let block = &mut self.blocks[b as usize];
            block.state = State::Free;
            block.lines = 0;
            block.live_lines = 0;
            block.holes = 0;
            self.blocks_in_use -= 1;
            self.free.push(b);
            return Some(true);
        }
        Some(false)
    }

    /// Sweeps up to `blocks` unswept blocks; returns how many it swept. Plans call it after
    /// a pause, outside it, so that little is left for the allocator or the next collection.
    pub fn sweep_some(&mut self, blocks: usize) -> usize {
        let n = blocks.min(self.unswept.len());
        let mut empty = Vec::new();
        for _ in 0..n {
            let b = self.unswept.pop().expect("counted") as usize;
            if self.sweep_block(b) {
                empty.push(b);
            }
        }
        self.free_blocks(empty);
        n
    }

    /// Sweeps every block left (before a collection marks).
    pub fn finish_sweep(&mut self) {
        self.sweep_some(self.unswept.len());
    }
}
