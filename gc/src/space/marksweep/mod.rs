//! The non-moving old generation: blocks of size-segregated cells, free lists, side bitmaps.
//!
//! The space reserves one contiguous range of address space up front and carves it into
//! [`BLOCK_SIZE`] blocks, so an address maps to its block with a subtraction and a shift.
//! Each block in use serves one size class; a cell is allocated iff its bit is set in the
//! block's `alloc` bitmap (plain `u64` words, one bit per cell), and mark bits live in a
//! second side bitmap per block. There are no free lists: allocation keeps, per size class, a
//! cursor (block, word) and takes the lowest clear bit of that word (a `trailing_zeros`),
//! moving to the next word when it is full, so sweeping never touches the cells themselves.
//! An address maps to its cell index with a multiply and a shift by the block's precomputed
//! reciprocal of the cell size (exact for in-block offsets, see `reciprocal`), not a
//! division. A sweep is, per block, `alloc &= mark`, a population count and a clear of the
//! marks, done lazily after the release; the exact byte count comes from the marker, which
//! sums the sizes of the objects it marks, and the object count from [`OldSpace::mark`].
//!
//! Invariants, checked by `Heap::verify`:
//! - `bytes`/`objects` are the exact sums of the sizes/counts of allocated cells' objects;
//! - each swept block's `live` equals the population count of its alloc bitmap;
//! - mark bits are all clear outside a major collection (or an incremental marking cycle),
//!   except in blocks the last release left unswept, whose live cells are `alloc & mark`
//!   until they are swept (lazily: see `sweep.rs`); no cell is allocated from such a block;
//! - a block with no allocated cell after a sweep goes back to the free-block pool, usable by
//!   any size class; the pool keeps at most [`RETAINED_BLOCKS`] blocks committed and returns
//!   the rest of the memory to the OS.
//!
//! Incremental marking (see [`crate::pause::incremental`]): while a cycle marks, the space
//! allocates *black* (a new cell's mark bit is set with its alloc bit, and its bytes are
//! counted in `black_bytes`), so the sweep that ends the cycle keeps every object promoted
//! during it; mark bits are then legitimately set between collections, which `check` allows.
//!
//! Page faults: the reservation is a huge-page region ([`Region::with_huge_pages`], 2 MiB
//! aligned, so 32 blocks share one huge page), and the committed pool holds one default
//! nursery's worth of blocks, so a minor collection that promotes a full nursery after a
//! major one reuses committed memory instead of faulting in fresh pages inside its pause.
//!
//! Why size classes rather than a bump-and-compact old space: old objects never move, so a
//! promoted object's address is stable and sweeping is a bitmap walk. Internal fragmentation
//! is bounded by the class spacing (≤ 25 % above 128 bytes) and is reported separately from
//! the exact object bytes (see [`OldSpace::cell_bytes`]).

mod block;
mod mark;
mod size_class;
mod sweep;

use crate::mem::Region;
use crate::object::ObjPtr;
use block::{count_ones, ones, Block, NO_CLASS};
pub use size_class::{size_class, MAX_CELL, SIZE_CLASSES};

/// Blocks swept per batch outside the pauses (8 MiB of blocks).
pub const SWEEP_BATCH: usize = 128;

/// Size of an old-space block.
pub const BLOCK_SIZE: usize = 64 * 1024;
const BLOCK_SHIFT: u32 = 16;

/// Empty blocks kept committed after a sweep (16 MiB, one default nursery semispace: what a
/// single minor collection can promote): reusing them avoids page faults, and the zeroing of
/// fresh pages, when promotion refills the old space. Empty blocks past this are returned to
/// the OS.
pub const RETAINED_BLOCKS: usize = 256;

const NO_BLOCK: u32 = u32::MAX;

pub(crate) struct OldSpace {
    region: Region,
    blocks: Vec<Block>,
    /// Empty blocks; committed ones are taken first.
    free_blocks: Vec<u32>,
    /// Per class: blocks with free cells, to allocate from after the current one.
    partial: Vec<Vec<u32>>,
    /// Per class: the block being allocated from and the bitmap word to search from.
    current: [(u32, u32); SIZE_CLASSES.len()],
    bytes: u64,
    objects: u64,
    blocks_in_use: usize,
    /// An incremental marking cycle is in progress: mark bits may be set, and new cells are
    /// allocated marked.
    marking: bool,
    /// Bytes allocated marked during the current marking cycle.
    black_bytes: u64,
    /// Objects marked (or allocated black) by the marking in progress.
    marked_objects: u64,
    /// Per class: blocks the last release left unswept, lowest address last.
    unswept: Vec<Vec<u32>>,
    unswept_blocks: usize,
}

impl std::fmt::Debug for OldSpace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OldSpace")
            .field("bytes", &self.bytes)
            .field("objects", &self.objects)
            .field("blocks_in_use", &self.blocks_in_use)
            .finish()
    }
}

impl OldSpace {
    /// Reserves `reserve` bytes of address space (rounded up to whole blocks).
    pub fn new(reserve: usize) -> std::io::Result<OldSpace> {
        let reserve = reserve.next_multiple_of(BLOCK_SIZE).max(BLOCK_SIZE);
        Ok(OldSpace {
            region: Region::with_huge_pages(reserve)?,
            blocks: Vec::new(),
            free_blocks: Vec::new(),
            partial: vec![Vec::new(); SIZE_CLASSES.len()],
            current: [(NO_BLOCK, 0); SIZE_CLASSES.len()],
            bytes: 0,
            objects: 0,
            blocks_in_use: 0,
            marking: false,
            black_bytes: 0,
            marked_objects: 0,
            unswept: vec![Vec::new(); SIZE_CLASSES.len()],
            unswept_blocks: 0,
        })
    }

    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    pub fn objects(&self) -> u64 {
        self.objects
    }

    /// Bytes of memory held in blocks: blocks in use plus empty blocks kept committed.
    pub fn block_bytes(&self) -> u64 {
        let retained = self
            .free_blocks
            .iter()
            .filter(|&&b| self.blocks[b as usize].committed)
            .count();
        ((self.blocks_in_use + retained) * BLOCK_SIZE) as u64
    }

    /// Number of blocks holding at least one object.
    pub fn blocks_in_use(&self) -> usize {
        self.blocks_in_use
    }

    /// Bytes of allocated cells (object bytes plus internal fragmentation).
    pub fn cell_bytes(&self) -> u64 {
        self.blocks
            .iter()
            .filter(|b| b.class != NO_CLASS)
            .map(|b| live_cells(b) as u64 * b.cell_size as u64)
            .sum()
    }

    fn base(&self) -> usize {
        self.region.start() as usize
    }

    fn ptr_at(&self, addr: usize) -> *mut u8 {
        self.region.start().with_addr(addr)
    }

    /// Allocates a cell for an object of `size` bytes (`16 <= size <= MAX_CELL`).
    /// `None` when the reservation is exhausted.
    ///
    /// The fast path (the class's current block has a free cell at or after its cursor) is a
    /// few loads, a `trailing_zeros` and a store; promotion calls it once per object.
    #[inline(always)]
    pub fn alloc(&mut self, size: usize) -> Option<*mut u8> {
        let class = size_class(size);
        match self.alloc_in_current(class, size) {
            Some(p) => Some(p),
            None => self.alloc_slow(class, size),
        }
    }

    /// Takes the first free cell at or after the class's cursor in its current block.
    #[inline(always)]
    fn alloc_in_current(&mut self, class: usize, size: usize) -> Option<*mut u8> {
        let (b, mut w) = self.current[class];
        if b == NO_BLOCK {
            return None;
        }
        let block = &mut self.blocks[b as usize];
        while let Some(&bits) = block.alloc.get(w as usize) {
            if bits != u64::MAX {
                let bit = (!bits).trailing_zeros();
                let i = w as usize * 64 + bit as usize;
                if i >= block.cells as usize {
                    // Only the clear tail bits past the last cell are left.
                    break;
                }
                block.alloc[w as usize] = bits | 1 << bit;
                if self.marking {
                    block.mark[w as usize] |= 1 << bit;
                    self.black_bytes += size as u64;
                    self.marked_objects += 1;
                }
                block.live += 1;
                let offset = b as usize * BLOCK_SIZE + i * block.cell_size as usize;
                self.current[class].1 = w;
                self.bytes += size as u64;
                self.objects += 1;
                // SAFETY: `offset` is inside block `b`, which lies inside the region (blocks
                // are only created while they fit the reservation).
                return Some(unsafe { self.region.start().add(offset) });
            }
            w += 1;
        }
        self.current[class].1 = w;
        None
    }

    /// The current block of `class` is full: move to a partial block or a fresh one.
    #[cold]
    #[inline(never)]
    fn alloc_slow(&mut self, class: usize, size: usize) -> Option<*mut u8> {
        loop {
            let next = match self.partial[class].pop() {
                Some(p) => p,
                None if self.sweep_for(class) => continue,
                None => self.take_block(class)?,
            };
            self.current[class] = (next, 0);
            if let Some(p) = self.alloc_in_current(class, size) {
                return Some(p);
            }
        }
    }

    /// Takes an empty block (committed ones first) and assigns it to `class`.
    fn take_block(&mut self, class: usize) -> Option<u32> {
        // Blocks that died entirely count as in use until swept: sweep before growing.
        if self.free_blocks.is_empty() && self.unswept_blocks > 0 {
            self.sweep_for_block();
        }
        let b = match self.free_blocks.pop() {
            Some(b) => b as usize,
            None => {
                if (self.blocks.len() + 1) * BLOCK_SIZE > self.region.len() {
                    return None;
                }
                self.blocks.push(Block::empty(true));
                self.blocks.len() - 1
            }
        };
        self.blocks[b].assign(class, BLOCK_SIZE);
        self.blocks_in_use += 1;
        Some(b as u32)
    }

    /// (block index, cell index) of an address inside a block in use.
    #[inline(always)]
    fn locate(&self, addr: usize) -> (usize, usize) {
        let off = addr - self.base();
        let b = off >> BLOCK_SHIFT;
        (b, self.blocks[b].cell_of(off & (BLOCK_SIZE - 1)))
    }

    /// Whether `addr` lies in the part of the reservation holding blocks.
    #[inline]
    pub fn in_range(&self, addr: usize) -> bool {
        addr.wrapping_sub(self.base()) < self.blocks.len() * BLOCK_SIZE
    }

    /// Whether `addr` is the start of an allocated cell.
    #[cfg(test)]
    pub fn is_object(&self, addr: usize) -> bool {
        if !self.in_range(addr) {
            return false;
        }
        let off = addr - self.base();
        let block = &self.blocks[off >> BLOCK_SHIFT];
        if block.class == NO_CLASS {
            return false;
        }
        let in_block = off & (BLOCK_SIZE - 1);
        in_block % block.cell_size as usize == 0
            && in_block / (block.cell_size as usize) < block.cells as usize
            && block.is_allocated(in_block / block.cell_size as usize)
            && (!block.unswept || block::bit(&block.mark, in_block / block.cell_size as usize))
    }

    /// Walks every allocated object in address order.
    pub fn for_each_object(&self, mut f: impl FnMut(ObjPtr)) {
        let base = self.base();
        for (b, block) in self.blocks.iter().enumerate() {
            if block.class == NO_CLASS {
                continue;
            }
            for i in ones(&starts(block)) {
                let p = self.ptr_at(base + b * BLOCK_SIZE + i * block.cell_size as usize);
                // SAFETY: allocated cells hold objects.
                f(unsafe { ObjPtr::from_ptr(p) });
            }
        }
    }

    /// Checks the block bookkeeping; returns a description of the first problem.
    pub fn check_blocks(&self) -> Result<(), String> {
        let mut in_use = 0;
        let mut listed = vec![false; self.blocks.len()];
        for &b in self.unswept.iter().flatten() {
            listed[b as usize] = true;
        }
        let mut pooled = vec![false; self.blocks.len()];
        for &b in &self.free_blocks {
            pooled[b as usize] = true;
        }
        for (b, block) in self.blocks.iter().enumerate() {
            if block.class == NO_CLASS {
                if !pooled[b] {
                    return Err(format!("empty block {b} is not in the free-block pool"));
                }
                continue;
            }
            in_use += 1;
            if block.unswept {
                if !listed[b] {
                    return Err(format!("unswept block {b} is not on its class's list"));
                }
                continue;
            }
            if block.mark.iter().any(|&w| w != 0) && !self.marking {
                return Err(format!("swept block {b} has marks outside a collection"));
            }
            if count_ones(&block.alloc) != block.live {
                return Err(format!(
                    "block {b} counts {} live cells, its bitmap {}",
                    block.live,
                    count_ones(&block.alloc)
                ));
            }
            if ones(&block.alloc).any(|i| i >= block.cells as usize) {
                return Err(format!("block {b} has alloc bits past its last cell"));
            }
            if block.live == 0 && !self.current.iter().any(|&(c, _)| c as usize == b) {
                return Err(format!("block {b} is in use but holds nothing"));
            }
        }
        if in_use != self.blocks_in_use {
            return Err(format!(
                "{in_use} blocks in use, {} counted",
                self.blocks_in_use
            ));
        }
        Ok(())
    }
}

/// The allocated cells of a block in use: `alloc`, or `alloc & mark` while it is unswept.
fn starts(block: &Block) -> std::borrow::Cow<'_, [u64]> {
    if block.unswept {
        (block.alloc.iter().zip(&block.mark))
            .map(|(a, m)| a & m)
            .collect::<Vec<u64>>()
            .into()
    } else {
        block.alloc.as_slice().into()
    }
}

/// The number of allocated cells of a block in use.
fn live_cells(block: &Block) -> u32 {
    if block.unswept {
        count_ones(&starts(block))
    } else {
        block.live
    }
}

#[cfg(test)]
mod tests;
