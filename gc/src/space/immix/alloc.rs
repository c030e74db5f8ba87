//! Allocation in an Immix space: bump allocation into runs of free lines (holes), overflow
//! allocation of medium objects into a block of their own, and the collector's evacuation
//! allocator, which only takes empty blocks.
//!
//! Invariant: the mutator's cursor only moves forward through a block's holes, and a block
//! leaves the recyclable list when the allocator takes it, so no hole is handed out twice
//! between two collections; only swept blocks are allocated into (see [`super::sweep`]). Every allocation sets the object's start bit and adds it to the
//! space's byte and object counts.

use super::block::{next_hole, Block, State, BLOCK, LINE, LINES, LINE_SHIFT};
use super::ImmixSpace;

/// A bump region `[cursor, limit)` (addresses; empty when equal).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Bump {
    pub cursor: usize,
    pub limit: usize,
}

impl Bump {
    /// Takes `size` bytes if they fit.
    #[inline(always)]
    fn take(&mut self, size: usize) -> Option<usize> {
        let c = self.cursor;
        if size <= self.limit - c {
            self.cursor = c + size;
            Some(c)
        } else {
            None
        }
    }
}

pub(crate) const NO_BLOCK: u32 = u32::MAX;

impl ImmixSpace {
    /// Allocates `size` bytes (`16 <= size <=` the large threshold, a multiple of 8) for the
    /// mutator or for promotion; `None` when no block is left outside the headroom.
    #[inline(always)]
    pub fn alloc(&mut self, size: usize) -> Option<*mut u8> {
        match self.bump.take(size) {
            Some(addr) => Some(self.note(addr, size)),
            None => self.alloc_slow(size),
        }
    }

    /// Records a new object at `addr`: its start bit and the counts.
    #[inline(always)]
    fn note(&mut self, addr: usize, size: usize) -> *mut u8 {
        let (b, g) = self.locate(addr);
        Block::set(&mut self.blocks[b].alloc, g);
        self.bytes += size as u64;
        self.objects += 1;
        self.ptr_at(addr)
    }

    /// The current hole is too small: medium objects go to the overflow block, small ones to
    /// the next hole (of this block, then of the recyclable blocks, then of a free block).
    #[cold]
    #[inline(never)]
    fn alloc_slow(&mut self, size: usize) -> Option<*mut u8> {
        if size > LINE {
            return self.alloc_overflow(size);
        }
        loop {
            if self.cur_block != NO_BLOCK {
                let b = self.cur_block as usize;
                if let Some((first, end)) = next_hole(self.blocks[b].lines, self.next_line) {
                    let start = self.block_start(b);
                    self.bump = Bump {
                        cursor: start + (first << LINE_SHIFT),
                        limit: start + (end << LINE_SHIFT),
                    };
                    self.next_line = end;
                    if let Some(addr) = self.bump.take(size) {
                        return Some(self.note(addr, size));
                    }
                    continue;
                }
            }
            let b = match self.recyclable.pop() {
                Some(b) => b,
                // Sweep a released block before taking a free one: one with holes becomes
                // recyclable (look again), an empty one the pool's next block.
                None => match self.sweep_next() {
                    Some(false) => continue,
                    Some(true) | None => self.take_free(false)?,
                },
            };
            self.cur_block = b;
            self.next_line = 0;
        }
    }

    /// A medium object that does not fit the current hole: bump into the overflow block, so
    /// the hole stays for the small objects that follow.
    fn alloc_overflow(&mut self, size: usize) -> Option<*mut u8> {
        if let Some(addr) = self.overflow.take(size) {
            return Some(self.note(addr, size));
        }
        let b = self.take_free(false)? as usize;
        let start = self.block_start(b);
        self.overflow = Bump {
            cursor: start,
            limit: start + BLOCK,
        };
        let addr = self.overflow.take(size)?;
        Some(self.note(addr, size))
    }

    /// Memory for an evacuated object's copy, in empty blocks only (holes may hold objects
    /// allocated since the last collection that are not marked yet). `None` when the
    /// reservation has no empty block left: the object is then marked in place.
    #[inline]
    pub fn alloc_evac(&mut self, size: usize) -> Option<*mut u8> {
        if let Some(addr) = self.evac.take(size) {
            return Some(self.note(addr, size));
        }
        let b = self.take_free(true)? as usize;
        let start = self.block_start(b);
        self.evac = Bump {
            cursor: start,
            limit: start + BLOCK,
        };
        let addr = self.evac.take(size)?;
        Some(self.note(addr, size))
    }

    /// Takes an empty block (committed ones first, then a new one from the reservation). The
    /// mutator (`evacuating == false`) leaves `headroom` blocks of the reservation for
    /// evacuation.
    pub(super) fn take_free(&mut self, evacuating: bool) -> Option<u32> {
        // Blocks that died entirely still count as in use until swept: sweep before growing
        // the space or giving up.
        while (self.free.is_empty() || self.blocks_in_use + self.headroom >= self.max_blocks)
            && self.sweep_next().is_some()
        {}
        if !evacuating && self.blocks_in_use + self.headroom >= self.max_blocks {
            return None;
        }
        let b = match self.free.pop() {
            Some(b) => b as usize,
            None => {
                if self.blocks.len() >= self.max_blocks {
                    return None;
                }
                self.blocks.push(Block::new());
                self.blocks.len() - 1
            }
        };
        let block = &mut self.blocks[b];
        debug_assert!(block.state == State::Free && block.alloc.iter().all(|&w| w == 0));
        block.state = State::InUse;
        block.committed = true;
        block.lines = 0;
        // Unknown occupancy until the next collection counts it.
        block.live_lines = LINES as u8;
        block.holes = 0;
        self.blocks_in_use += 1;
        Some(b as u32)
    }

    /// Forgets the allocation regions (at the start of a collection: the sweep rebuilds the
    /// holes from the new line marks).
    pub(super) fn reset_allocators(&mut self) {
        self.bump = Bump::default();
        self.overflow = Bump::default();
        self.evac = Bump::default();
        self.cur_block = NO_BLOCK;
        self.next_line = LINES;
    }
}
