//! An Immix space's side of bounded pauses: committing blocks ahead of promotion, and the
//! start and abandonment of an incremental marking cycle.
//!
//! Invariant: during an incremental cycle (between [`ImmixSpace::prepare_in_place`] and the
//! `release` that ends it, or [`ImmixSpace::abort_marking`]) no block is an evacuation
//! candidate — objects never move while the mutator runs between slices — and the
//! allocators only hand out empty blocks (the recyclable list was dropped), so the line marks
//! the tracer sets and the black allocations' line marks are the only ones.

use super::block::{Block, State, BLOCK};
use super::collect::RETAINED_BLOCKS;
use super::ImmixSpace;

impl ImmixSpace {
    /// Commits and touches empty blocks until the pool holds at least `bytes` of committed
    /// blocks (at most [`RETAINED_BLOCKS`] and the mutator's share of the reservation), so
    /// that a scavenge's promotion writes to mapped memory: the page faults happen here,
    /// outside the pause. Returns the bytes touched.
    pub fn pretouch(&mut self, bytes: usize) -> usize {
        let want = bytes.div_ceil(BLOCK).min(RETAINED_BLOCKS);
        let mut have = self
            .free
            .iter()
            .filter(|&&b| self.blocks[b as usize].committed)
            .count();
        let mut touched = 0;
        while have < want && self.blocks_in_use + self.headroom + have < self.max_blocks {
            let b = match self.free.first() {
                Some(&b) if !self.blocks[b as usize].committed => {
                    self.free.remove(0);
                    b as usize
                }
                _ => {
                    if self.blocks.len() >= self.max_blocks {
                        break;
                    }
                    self.blocks.push(Block::new());
                    self.blocks.len() - 1
                }
            };
            self.region.prefault(b * BLOCK, BLOCK);
            self.blocks[b].committed = true;
            self.free.push(b as u32);
            have += 1;
            touched += BLOCK;
        }
        touched
    }

    /// Starts an incremental marking cycle: finishes the last sweep, forgets the allocation
    /// regions and the recyclable blocks, clears the line marks, and chooses no evacuation
    /// candidate.
    pub fn prepare_in_place(&mut self) {
        self.finish_sweep();
        self.reset_allocators();
        self.marked_objects = 0;
        self.recyclable.clear();
        for block in &mut self.blocks {
            block.lines = 0;
            block.candidate = false;
        }
        self.candidates = 0;
        self.marking = true;
    }

    /// Marks a new object allocated during an incremental cycle (its mark bit and its lines),
    /// so that the release ending the cycle keeps it.
    #[inline]
    pub fn blacken(&mut self, addr: usize, size: usize) {
        self.mark(addr);
        self.mark_lines(addr, size);
    }

    /// Abandons an incremental cycle: clears every object and line mark (a stop-the-world
    /// collection then prepares and marks from scratch).
    pub fn abort_marking(&mut self) {
        for block in self.blocks.iter_mut().filter(|b| b.state == State::InUse) {
            block.mark.fill(0);
            block.lines = 0;
        }
        self.marking = false;
        self.marked_objects = 0;
    }

    /// Ends the cycle's bookkeeping (called by the release that ends it, before it rebuilds
    /// the block lists): the allocators, which kept bumping through the cycle, forget their
    /// blocks, which may become recyclable — a hole the allocator still held would otherwise
    /// be handed out twice.
    pub(super) fn end_marking(&mut self) {
        if std::mem::take(&mut self.marking) {
            self.reset_allocators();
        }
    }
}
