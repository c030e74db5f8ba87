//! Mark bits of the mark-sweep space, and its side of an incremental marking cycle.
//!
//! Invariant: outside a collection every mark bit is clear, except during an incremental
//! cycle (between [`OldSpace::start_marking`] and the sweep or [`OldSpace::abort_marking`]),
//! when exactly the cells marked by the tracer or allocated since the cycle began are marked.

use super::block::{bit, NO_CLASS};
use super::{OldSpace, BLOCK_SHIFT, BLOCK_SIZE};
use crate::collector::par::{atomic_words, MarkSpace};
use std::sync::atomic::{AtomicU64, Ordering};

impl OldSpace {
    /// Sets the mark bit; returns whether it was clear. Counts the objects it marks (the
    /// release's exact object count: every marker marks through here).
    #[inline(always)]
    pub fn mark(&mut self, addr: usize) -> bool {
        let off = addr - self.base();
        let block = &mut self.blocks[off >> BLOCK_SHIFT];
        let i = block.cell_of(off & (BLOCK_SIZE - 1));
        let word = &mut block.mark[i / 64];
        let bit = 1 << (i % 64);
        let was = *word & bit != 0;
        *word |= bit;
        self.marked_objects += u64::from(!was);
        !was
    }

    /// Counts `n` objects a parallel closure marked through [`shared_marks`](Self::shared_marks)
    /// (which cannot count them itself), so the release's object count stays exact.
    pub fn count_marked(&mut self, n: u64) {
        self.marked_objects += n;
    }

    #[inline]
    pub fn is_marked(&self, addr: usize) -> bool {
        let (b, i) = self.locate(addr);
        bit(&self.blocks[b].mark, i)
    }

    /// Whether any mark bit of a swept block is set (for `verify`: unswept blocks keep the
    /// last collection's marks until they are swept).
    pub fn any_marked(&self) -> bool {
        self.blocks
            .iter()
            .any(|b| !b.unswept && b.mark.iter().any(|&w| w != 0))
    }

    /// Starts an incremental marking cycle: finishes the last sweep, then allocates cells
    /// marked (*black*) from now on, so the release that ends the cycle keeps them.
    pub fn start_marking(&mut self) {
        self.finish_sweep();
        self.marked_objects = 0;
        debug_assert!(!self.any_marked(), "marking starts with clear mark bits");
        self.marking = true;
        self.black_bytes = 0;
    }

    /// Whether an incremental marking cycle is in progress.
    pub fn is_marking(&self) -> bool {
        self.marking
    }

    /// Bytes allocated black in the current cycle (the sweep adds them to the marked bytes).
    #[cfg(test)]
    pub fn black_bytes(&self) -> u64 {
        self.black_bytes
    }

    /// Abandons an incremental cycle: clears every mark bit and allocates white again (a
    /// stop-the-world collection then marks from scratch).
    pub fn abort_marking(&mut self) {
        for block in self.blocks.iter_mut().filter(|b| b.class != NO_CLASS) {
            block.mark.fill(0);
        }
        self.marking = false;
        self.black_bytes = 0;
        self.marked_objects = 0;
    }

    /// Starts a stop-the-world marking: finishes the last sweep (mark bits must be clear).
    pub fn prepare(&mut self) {
        self.finish_sweep();
        self.marked_objects = 0;
    }
}

/// The space's mark bitmaps as a parallel closure's workers share them (atomic words); the
/// space is borrowed exclusively while the view lives.
pub(crate) struct SharedMarks<'a> {
    base: usize,
    /// Per block: the cell-index reciprocal and the mark words.
    blocks: Vec<(u64, &'a [AtomicU64])>,
}

impl OldSpace {
    /// The mark bitmaps for a parallel closure.
    pub fn shared_marks(&mut self) -> SharedMarks<'_> {
        let base = self.base();
        let blocks = self
            .blocks
            .iter_mut()
            .map(|b| (b.recip, atomic_words(&mut b.mark)))
            .collect();
        SharedMarks { base, blocks }
    }
}

impl SharedMarks<'_> {
    /// The mark word and bit of the cell at `addr`.
    #[inline(always)]
    fn locate(&self, addr: usize) -> (&AtomicU64, u64) {
        let off = addr - self.base;
        let (recip, words) = self.blocks[off >> BLOCK_SHIFT];
        let i = (((off & (BLOCK_SIZE - 1)) as u64 * recip) >> 32) as usize;
        (&words[i / 64], 1 << (i % 64))
    }
}

impl MarkSpace for SharedMarks<'_> {
    #[inline(always)]
    fn in_range(&self, addr: usize) -> bool {
        addr.wrapping_sub(self.base) < self.blocks.len() * BLOCK_SIZE
    }

    #[inline(always)]
    fn mark(&self, addr: usize) -> bool {
        let (word, bit) = self.locate(addr);
        word.load(Ordering::Relaxed) & bit == 0 && word.fetch_or(bit, Ordering::Relaxed) & bit == 0
    }

    fn is_marked(&self, addr: usize) -> bool {
        let (word, bit) = self.locate(addr);
        word.load(Ordering::Relaxed) & bit != 0
    }
}
