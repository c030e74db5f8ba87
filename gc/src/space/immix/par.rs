//! The Immix space's side of a parallel closure: its object-mark bitmaps and line marks as
//! atomic words the workers share ([`SharedMarks`]).
//!
//! Invariant: the view borrows the space exclusively, so while it lives every access to the
//! mark bits and line marks goes through its atomics; a block's `u128` line marks are two
//! atomic `u64` halves, each updated with one `fetch_or`. Only a collection that evacuates
//! nothing ([`ImmixSpace::has_candidates`] false) may mark in parallel: evacuation installs
//! forwarding pointers, which the parallel closure does not do.

use super::block::{line_run, BLOCK, BLOCK_SHIFT};
use super::ImmixSpace;
use crate::collector::par::{atomic_words, MarkSpace};
use std::sync::atomic::{AtomicU64, Ordering};

/// The space's marks for a parallel closure (see the module docs).
pub(crate) struct SharedMarks<'a> {
    base: usize,
    /// Per block: the object-mark words and the line marks (low half first).
    blocks: Vec<(&'a [AtomicU64], &'a [AtomicU64])>,
}

/// Views a block's line marks as two atomic halves, the low 64 lines first.
fn line_words(lines: &mut u128) -> &[AtomicU64] {
    // SAFETY: a `u128` is 16 bytes aligned to at least 8, so it is two `u64` words (the low
    // half is word `LOW`), borrowed exclusively for the result's lifetime.
    let words = unsafe { std::slice::from_raw_parts_mut((lines as *mut u128).cast::<u64>(), 2) };
    atomic_words(words)
}

/// The indices of the low and high halves of a `u128` seen as two `u64` words.
const LOW: usize = if cfg!(target_endian = "little") { 0 } else { 1 };
const HIGH: usize = 1 - LOW;

impl ImmixSpace {
    /// Whether the collection in progress evacuates some blocks.
    pub fn has_candidates(&self) -> bool {
        self.candidates > 0
    }

    /// The marks for a parallel closure (of a collection without evacuation candidates).
    pub fn shared_marks(&mut self) -> SharedMarks<'_> {
        debug_assert!(!self.has_candidates(), "parallel marking does not evacuate");
        let base = self.base;
        let blocks = self
            .blocks
            .iter_mut()
            .map(|b| (atomic_words(&mut b.mark), line_words(&mut b.lines)))
            .collect();
        SharedMarks { base, blocks }
    }
}

impl SharedMarks<'_> {
    /// (block, granule) of an address in the space.
    #[inline(always)]
    fn locate(&self, addr: usize) -> (usize, usize) {
        let off = addr - self.base;
        (off >> BLOCK_SHIFT, (off & (BLOCK - 1)) >> 3)
    }
}

impl MarkSpace for SharedMarks<'_> {
    #[inline(always)]
    fn in_range(&self, addr: usize) -> bool {
        addr.wrapping_sub(self.base) < self.blocks.len() * BLOCK
    }

    #[inline(always)]
    fn mark(&self, addr: usize) -> bool {
        let (b, g) = self.locate(addr);
        let word = &self.blocks[b].0[g / 64];
        let bit = 1u64 << (g % 64);
        word.load(Ordering::Relaxed) & bit == 0 && word.fetch_or(bit, Ordering::Relaxed) & bit == 0
    }

    fn is_marked(&self, addr: usize) -> bool {
        let (b, g) = self.locate(addr);
        self.blocks[b].0[g / 64].load(Ordering::Relaxed) & (1 << (g % 64)) != 0
    }

    #[inline(always)]
    fn scanned(&self, addr: usize, size: usize) {
        let off = addr - self.base;
        let run = line_run(off & (BLOCK - 1), size);
        let lines = self.blocks[off >> BLOCK_SHIFT].1;
        for (half, bits) in [(LOW, run as u64), (HIGH, (run >> 64) as u64)] {
            let word = &lines[half];
            if bits != 0 && word.load(Ordering::Relaxed) & bits != bits {
                word.fetch_or(bits, Ordering::Relaxed);
            }
        }
    }
}
