//! One block of the mark-sweep space: its size class and its two side bitmaps (allocated
//! cells, marked cells), plain `u64` words with one bit per cell.
//!
//! Invariant: bits at or past `cells` stay clear in both bitmaps, and `live` is the population
//! count of `alloc` once the block is swept (checked by `OldSpace::check_blocks`).

use super::size_class::{reciprocal, SIZE_CLASSES};

/// The class of a block that serves no size class (in the free-block pool).
pub(super) const NO_CLASS: u8 = u8::MAX;

pub(super) struct Block {
    pub class: u8,
    pub cell_size: u32,
    /// `reciprocal(cell_size)`: the cell index of an in-block offset is
    /// `offset * recip >> 32`.
    pub recip: u64,
    pub cells: u32,
    pub live: u32,
    /// Whether the block's pages may be committed (not released since it was last used).
    pub committed: bool,
    /// One bit per cell, `cells.div_ceil(64)` words; bits at or past `cells` stay clear.
    pub alloc: Vec<u64>,
    /// Same shape as `alloc`.
    pub mark: Vec<u64>,
    /// Released by the last collection but not swept yet: `alloc` and `live` still count
    /// the dead cells, the live ones are `alloc & mark` (see `super::sweep`).
    pub unswept: bool,
}

impl Block {
    /// An empty block outside every size class.
    pub fn empty(committed: bool) -> Block {
        Block {
            class: NO_CLASS,
            cell_size: 0,
            recip: 0,
            cells: 0,
            live: 0,
            committed,
            alloc: Vec::new(),
            mark: Vec::new(),
            unswept: false,
        }
    }

    /// Gives the block to size class `class`, with no cell allocated.
    pub fn assign(&mut self, class: usize, block_size: usize) {
        let cell_size = SIZE_CLASSES[class];
        let cells = (block_size / cell_size as usize) as u32;
        let words = (cells as usize).div_ceil(64);
        self.class = class as u8;
        self.cell_size = cell_size;
        self.recip = reciprocal(cell_size);
        self.cells = cells;
        self.live = 0;
        self.committed = true;
        self.alloc.clear();
        self.alloc.resize(words, 0);
        self.mark.clear();
        self.mark.resize(words, 0);
    }

    /// The cell index holding in-block offset `in_block`.
    #[inline(always)]
    pub fn cell_of(&self, in_block: usize) -> usize {
        ((in_block as u64 * self.recip) >> 32) as usize
    }

    #[cfg(test)]
    pub fn is_allocated(&self, cell: usize) -> bool {
        bit(&self.alloc, cell)
    }
}

/// Whether bit `i` of a bitmap is set.
#[inline(always)]
pub(super) fn bit(words: &[u64], i: usize) -> bool {
    words[i / 64] & (1 << (i % 64)) != 0
}

/// Indices of the set bits of `words`, ascending.
pub(super) fn ones(words: &[u64]) -> impl Iterator<Item = usize> + '_ {
    words.iter().enumerate().flat_map(|(w, &bits)| {
        let mut bits = bits;
        std::iter::from_fn(move || {
            (bits != 0).then(|| {
                let i = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                w * 64 + i
            })
        })
    })
}

pub(super) fn count_ones(words: &[u64]) -> u32 {
    words.iter().map(|w| w.count_ones()).sum()
}
