//! Sweeping the mark-sweep space — lazily: the release flips blocks to unswept and they are
//! swept on allocation demand, in batches after a pause, or before the next marking — and the
//! pool of empty blocks it fills: which stay committed (reused without page faults), which go
//! back to the OS, and pre-touching blocks ahead of promotion.
//!
//! Invariant: every block not serving a size class is in `free_blocks` exactly once, the
//! committed ones after the released ones (`pop` takes committed blocks first).

use super::block::{ones, Block, NO_CLASS};
use super::{OldSpace, BLOCK_SIZE, NO_BLOCK, RETAINED_BLOCKS, SIZE_CLASSES};
use crate::mem::poison;

impl OldSpace {
    /// Frees every allocated, unmarked cell — *lazily* — ending an incremental cycle if one
    /// is in progress. `marked_bytes` is the exact size of the objects the tracer marked (the
    /// cycle's black allocations are added here). Returns (bytes freed, objects freed).
    ///
    /// Only the state flips here: every block in use becomes unswept and the allocation
    /// cursors and partial lists are forgotten; the bitmaps are fixed block by block later
    /// (on allocation demand, in batches after a pause, and at the latest when the next
    /// marking starts). The usage is exact at once: bytes are the marked bytes, objects the
    /// objects [`mark`](Self::mark) counted (and the black allocations). Debug builds poison
    /// the dead cells here.
    ///
    /// Invariant (lazy sweeping): while a block is unswept its live cells are exactly
    /// `alloc & mark`, every walker reads them so, and no cell of it is allocated: the
    /// allocator takes cells only from the current block of a class, which is swept, from
    /// the partial lists and the free pool, which only sweeping fills after a release.
    pub fn sweep(&mut self, marked_bytes: u64) -> (u64, u64) {
        let marked_bytes = marked_bytes + std::mem::take(&mut self.black_bytes);
        self.marking = false;
        debug_assert_eq!(self.unswept_blocks, 0, "marking finished the last sweep");
        let base = self.base();
        for p in &mut self.partial {
            p.clear();
        }
        self.current = [(NO_BLOCK, 0); SIZE_CLASSES.len()];
        for (b, block) in self.blocks.iter_mut().enumerate() {
            if block.class == NO_CLASS {
                continue;
            }
            if cfg!(debug_assertions) {
                let start = base + b * BLOCK_SIZE;
                let dead: Vec<u64> = (block.alloc.iter().zip(&block.mark))
                    .map(|(a, m)| a & !m)
                    .collect();
                for i in ones(&dead) {
                    let p = self
                        .region
                        .start()
                        .with_addr(start + i * block.cell_size as usize);
                    // SAFETY: the cell holds an unmarked, so unreachable, object.
                    unsafe { poison(p, block.cell_size as usize) };
                }
            }
            block.unswept = true;
            self.unswept[block.class as usize].push(b as u32);
            self.unswept_blocks += 1;
        }
        // Sweep (and so allocate from) the lowest-addressed blocks first.
        for u in &mut self.unswept {
            u.reverse();
        }
        let live_objects = std::mem::take(&mut self.marked_objects);
        let freed = (
            self.bytes - marked_bytes,
            self.objects.saturating_sub(live_objects),
        );
        self.bytes = marked_bytes;
        self.objects = live_objects;
        freed
    }

    /// Sweeps block `b`: drops its dead cells, clears its marks, and puts it on its class's
    /// partial list if it has free cells. Returns whether it is empty (the caller gives it
    /// back to the pool).
    fn sweep_block(&mut self, b: usize) -> bool {
        let block = &mut self.blocks[b];
        debug_assert!(block.unswept, "block {b} is swept once");
        block.unswept = false;
        self.unswept_blocks -= 1;
        let mut live = 0;
        for (a, m) in block.alloc.iter_mut().zip(&mut block.mark) {
            *a &= *m;
            *m = 0;
            live += a.count_ones();
        }
        block.live = live;
        if live == 0 {
            return true;
        }
        if live < block.cells {
            self.partial[block.class as usize].push(b as u32);
        }
        false
    }

    /// Puts a block the allocator's sweep emptied in the pool, committed and taken next: the
    /// allocator is in a hurry (perhaps inside a scavenge), and returning memory to the OS is
    /// left to the batches after the pauses.
    fn pool_swept(&mut self, b: usize) {
        let block = &mut self.blocks[b];
        block.class = NO_CLASS;
        block.alloc.clear();
        block.mark.clear();
        self.blocks_in_use -= 1;
        self.free_blocks.push(b as u32);
    }

    /// Sweeps the unswept blocks of `class` until one has a free cell (it is then on the
    /// class's partial list); returns whether one was found. An empty block goes to the pool.
    pub(super) fn sweep_for(&mut self, class: usize) -> bool {
        while let Some(b) = self.unswept[class].pop() {
            if self.sweep_block(b as usize) {
                self.pool_swept(b as usize);
                return false;
            }
            if !self.partial[class].is_empty() {
                return true;
            }
        }
        false
    }

    /// Sweeps unswept blocks of any class until the free pool has a block; returns whether
    /// it has one.
    pub(super) fn sweep_for_block(&mut self) -> bool {
        for class in 0..SIZE_CLASSES.len() {
            while self.free_blocks.is_empty() {
                let Some(b) = self.unswept[class].pop() else {
                    break;
                };
                if self.sweep_block(b as usize) {
                    self.pool_swept(b as usize);
                }
            }
        }
        !self.free_blocks.is_empty()
    }

    /// Number of blocks not swept yet.
    #[cfg(test)]
    pub fn unswept(&self) -> usize {
        self.unswept_blocks
    }

    /// Sweeps up to `blocks` unswept blocks (smallest classes first); returns how many.
    /// Plans call it after a pause, outside it, so that little is left for the allocator or
    /// the next marking.
    pub fn sweep_some(&mut self, blocks: usize) -> usize {
        let mut empty = Vec::new();
        let mut n = 0;
        for class in 0..SIZE_CLASSES.len() {
            while n < blocks {
                let Some(b) = self.unswept[class].pop() else {
                    break;
                };
                n += 1;
                if self.sweep_block(b as usize) {
                    empty.push(b as usize);
                }
            }
        }
        self.release_empty(empty);
        n
    }

    /// Sweeps every block left (before a marking starts).
    pub fn finish_sweep(&mut self) {
        self.sweep_some(usize::MAX);
    }

    fn retained(&self) -> usize {
        self.free_blocks
            .iter()
            .filter(|&&b| self.blocks[b as usize].committed)
            .count()
    }

    /// Puts the blocks a sweep emptied back in the pool, keeping up to [`RETAINED_BLOCKS`]
    /// committed.
    fn release_empty(&mut self, empty: Vec<usize>) {
        let retained = self.retained();
        // Released blocks go to the front of the pool (taken last).
        let mut released = Vec::new();
        for (k, b) in empty.into_iter().enumerate() {
            let block = &mut self.blocks[b];
            block.class = NO_CLASS;
            block.alloc.clear();
            block.mark.clear();
            self.blocks_in_use -= 1;
            if retained + k >= RETAINED_BLOCKS {
                block.committed = false;
                released.push(b as u32);
            } else {
                self.free_blocks.push(b as u32);
            }
        }
        self.region.release_blocks(&released, BLOCK_SIZE);
        released.reverse();
        self.free_blocks.splice(0..0, released);
    }

    /// Commits and touches empty blocks until the pool holds at least `bytes` of committed
    /// blocks (at most [`RETAINED_BLOCKS`] and what the reservation has left), so that the
    /// promotion of the next scavenge writes to memory that is already mapped: the page
    /// faults and the kernel's zeroing happen here, outside the pause. Returns the bytes
    /// touched.
    pub fn pretouch(&mut self, bytes: usize) -> usize {
        let want = bytes.div_ceil(BLOCK_SIZE).min(RETAINED_BLOCKS);
        let mut have = self.retained();
        let mut touched = 0;
        while have < want {
            // A released block first (the front of the pool), else a new one.
            let b = match self.free_blocks.first() {
                Some(&b) if !self.blocks[b as usize].committed => {
                    self.free_blocks.remove(0);
                    b as usize
                }
                _ => {
                    if (self.blocks.len() + 1) * BLOCK_SIZE > self.region.len() {
                        break;
                    }
                    self.blocks.push(Block::empty(false));
                    self.blocks.len() - 1
                }
            };
            self.region.prefault(b * BLOCK_SIZE, BLOCK_SIZE);
            self.blocks[b].committed = true;
            self.free_blocks.push(b as u32);
            have += 1;
            touched += BLOCK_SIZE;
        }
        touched
    }
}
