//! Sweeping the mark-sweep space, and the pool of empty blocks it fills: which stay committed
//! (reused without page faults), which go back to the OS, and pre-touching blocks ahead of
//! promotion.
//!
//! Invariant: every block not serving a size class is in `free_blocks` exactly once, the
//! committed ones after the released ones (`pop` takes committed blocks first).

use super::block::{ones, Block, NO_CLASS};
use super::{OldSpace, BLOCK_SIZE, NO_BLOCK, RETAINED_BLOCKS, SIZE_CLASSES};
use crate::mem::poison;

impl OldSpace {
    /// Frees every allocated, unmarked cell and clears all marks, ending an incremental cycle
    /// if one is in progress. `marked_bytes` is the exact size of the objects the tracer
    /// marked (the cycle's black allocations are added here). Returns (bytes freed, objects
    /// freed).
    pub fn sweep(&mut self, marked_bytes: u64) -> (u64, u64) {
        let marked_bytes = marked_bytes + std::mem::take(&mut self.black_bytes);
        self.marking = false;
        let base = self.base();
        let mut live_objects = 0u64;
        let mut empty = Vec::new();
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
            let mut live = 0;
            for (a, m) in block.alloc.iter_mut().zip(&mut block.mark) {
                *a &= *m;
                *m = 0;
                live += a.count_ones();
            }
            block.live = live;
            live_objects += block.live as u64;
            if block.live == 0 {
                empty.push(b);
            } else if block.live < block.cells {
                self.partial[block.class as usize].push(b as u32);
            }
        }
        self.release_empty(empty);
        // Allocate from the lowest-addressed partial blocks first.
        for p in &mut self.partial {
            p.reverse();
        }
        let freed = (self.bytes - marked_bytes, self.objects - live_objects);
        self.bytes = marked_bytes;
        self.objects = live_objects;
        freed
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
        // Released blocks go to the front of the pool (taken last). Runs of adjacent
        // released blocks are returned to the OS with one call each: a sweep that frees a
        // dead structure can empty hundreds of blocks, and each call costs a system call and
        // a TLB flush.
        let mut released = Vec::new();
        let mut run: Option<(usize, usize)> = None;
        for (k, b) in empty.into_iter().enumerate() {
            let block = &mut self.blocks[b];
            block.class = NO_CLASS;
            block.alloc.clear();
            block.mark.clear();
            self.blocks_in_use -= 1;
            if retained + k >= RETAINED_BLOCKS {
                block.committed = false;
                released.push(b as u32);
                run = match run {
                    Some((start, n)) if start + n == b => Some((start, n + 1)),
                    Some((start, n)) => {
                        self.region.release(start * BLOCK_SIZE, n * BLOCK_SIZE);
                        Some((b, 1))
                    }
                    None => Some((b, 1)),
                };
            } else {
                self.free_blocks.push(b as u32);
            }
        }
        if let Some((start, n)) = run {
            self.region.release(start * BLOCK_SIZE, n * BLOCK_SIZE);
        }
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
