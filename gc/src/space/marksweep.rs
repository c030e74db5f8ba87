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
//! marks; the exact byte count comes from the marker, which sums the sizes of the objects it
//! marks.
//!
//! Invariants, checked by `Heap::verify`:
//! - `bytes`/`objects` are the exact sums of the sizes/counts of allocated cells' objects;
//! - each block's `live` equals the population count of its alloc bitmap;
//! - mark bits are all clear outside a major collection;
//! - a block with no allocated cell after a sweep goes back to the free-block pool, usable by
//!   any size class; the pool keeps at most [`RETAINED_BLOCKS`] blocks committed and returns
//!   the rest of the memory to the OS.
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

use crate::mem::{poison, Region};
use crate::object::ObjPtr;

/// Size of an old-space block.
pub const BLOCK_SIZE: usize = 64 * 1024;
const BLOCK_SHIFT: u32 = 16;

/// Cell sizes of the size classes, in bytes.
pub const SIZE_CLASSES: [u32; 35] = [
    16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 640, 768,
    896, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096, 5120, 6144, 7168, 8192,
];

/// The largest object the old space holds; larger objects go to the large-object space.
pub const MAX_CELL: usize = 8192;

const NO_CLASS: u8 = u8::MAX;

/// Size class index for an object of `size` bytes (`size <= MAX_CELL`).
#[inline]
pub fn size_class(size: usize) -> usize {
    debug_assert!((16..=MAX_CELL).contains(&size));
    SIZE_CLASS_OF[size.div_ceil(8)]
}

const SIZE_CLASS_OF: [usize; MAX_CELL / 8 + 1] = {
    let mut table = [0usize; MAX_CELL / 8 + 1];
    let mut words = 0;
    let mut class = 0;
    while words <= MAX_CELL / 8 {
        while (SIZE_CLASSES[class] as usize) < words * 8 {
            class += 1;
        }
        table[words] = class;
        words += 1;
    }
    table
};

/// Empty blocks kept committed after a sweep (16 MiB, one default nursery semispace: what a
/// single minor collection can promote): reusing them avoids page faults, and the zeroing of
/// fresh pages, when promotion refills the old space. Empty blocks past this are returned to
/// the OS.
pub const RETAINED_BLOCKS: usize = 256;

const NO_BLOCK: u32 = u32::MAX;

struct Block {
    class: u8,
    cell_size: u32,
    /// `reciprocal(cell_size)`: the cell index of an in-block offset is
    /// `offset * recip >> 32`.
    recip: u64,
    cells: u32,
    live: u32,
    /// Whether the block's pages may be committed (not released since it was last used).
    committed: bool,
    /// One bit per cell, `cells.div_ceil(64)` words; bits at or past `cells` stay clear.
    alloc: Vec<u64>,
    /// Same shape as `alloc`.
    mark: Vec<u64>,
}

impl Block {
    /// The cell index holding in-block offset `in_block`.
    #[inline(always)]
    fn cell_of(&self, in_block: usize) -> usize {
        ((in_block as u64 * self.recip) >> 32) as usize
    }

    #[cfg(test)]
    fn is_allocated(&self, cell: usize) -> bool {
        bit(&self.alloc, cell)
    }
}

/// Whether bit `i` of a bitmap is set.
#[inline(always)]
fn bit(words: &[u64], i: usize) -> bool {
    words[i / 64] & (1 << (i % 64)) != 0
}

/// `ceil(2^32 / d)`. For `off < 2^16` and `d < 2^16`, `off * reciprocal(d) >> 32 == off / d`:
/// the product overshoots `off / d` by less than `off / 2^32 < 2^-16`, while the fractional
/// part of `off / d` is at most `1 - 1/d < 1 - 2^-16`, so the floor is unchanged.
const fn reciprocal(d: u32) -> u64 {
    (1u64 << 32).div_ceil(d as u64)
}

/// Indices of the set bits of `words`, ascending.
fn ones(words: &[u64]) -> impl Iterator<Item = usize> + '_ {
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

fn count_ones(words: &[u64]) -> u32 {
    words.iter().map(|w| w.count_ones()).sum()
}

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
            .map(|b| b.live as u64 * b.cell_size as u64)
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
        let b = match self.free_blocks.pop() {
            Some(b) => b as usize,
            None => {
                if (self.blocks.len() + 1) * BLOCK_SIZE > self.region.len() {
                    return None;
                }
                self.blocks.push(Block {
                    class: NO_CLASS,
                    cell_size: 0,
                    recip: 0,
                    cells: 0,
                    live: 0,
                    committed: true,
                    alloc: Vec::new(),
                    mark: Vec::new(),
                });
                self.blocks.len() - 1
            }
        };
        let cell_size = SIZE_CLASSES[class];
        let cells = (BLOCK_SIZE / cell_size as usize) as u32;
        let block = &mut self.blocks[b];
        let words = (cells as usize).div_ceil(64);
        block.class = class as u8;
        block.cell_size = cell_size;
        block.recip = reciprocal(cell_size);
        block.cells = cells;
        block.live = 0;
        block.committed = true;
        block.alloc.clear();
        block.alloc.resize(words, 0);
        block.mark.clear();
        block.mark.resize(words, 0);
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
    }

    /// Sets the mark bit; returns whether it was clear.
    #[inline(always)]
    pub fn mark(&mut self, addr: usize) -> bool {
        let off = addr - self.base();
        let block = &mut self.blocks[off >> BLOCK_SHIFT];
        let i = block.cell_of(off & (BLOCK_SIZE - 1));
        let word = &mut block.mark[i / 64];
        let bit = 1 << (i % 64);
        let was = *word & bit != 0;
        *word |= bit;
        !was
    }

    #[inline]
    pub fn is_marked(&self, addr: usize) -> bool {
        let (b, i) = self.locate(addr);
        bit(&self.blocks[b].mark, i)
    }

    /// Whether any mark bit is set (for `verify`).
    pub fn any_marked(&self) -> bool {
        self.blocks.iter().any(|b| b.mark.iter().any(|&w| w != 0))
    }

    /// Frees every allocated, unmarked cell and clears all marks. `marked_bytes` is the exact
    /// size of the marked objects (summed by the marker). Returns (bytes freed, objects freed).
    pub fn sweep(&mut self, marked_bytes: u64) -> (u64, u64) {
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
        let retained = self
            .free_blocks
            .iter()
            .filter(|&&b| self.blocks[b as usize].committed)
            .count();
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
        // Allocate from the lowest-addressed partial blocks first.
        for p in &mut self.partial {
            p.reverse();
        }
        let freed = (self.bytes - marked_bytes, self.objects - live_objects);
        self.bytes = marked_bytes;
        self.objects = live_objects;
        freed
    }

    /// Walks every allocated object in address order.
    pub fn for_each_object(&self, mut f: impl FnMut(ObjPtr)) {
        let base = self.base();
        for (b, block) in self.blocks.iter().enumerate() {
            if block.class == NO_CLASS {
                continue;
            }
            for i in ones(&block.alloc) {
                let p = self.ptr_at(base + b * BLOCK_SIZE + i * block.cell_size as usize);
                // SAFETY: allocated cells hold objects.
                f(unsafe { ObjPtr::from_ptr(p) });
            }
        }
    }

    /// Checks the block bookkeeping; returns a description of the first problem.
    pub fn check_blocks(&self) -> Result<(), String> {
        let mut in_use = 0;
        for (b, block) in self.blocks.iter().enumerate() {
            if block.class == NO_CLASS {
                if !self.free_blocks.contains(&(b as u32)) {
                    return Err(format!("empty block {b} is not in the free-block pool"));
                }
                continue;
            }
            in_use += 1;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_classes_fit() {
        for size in (16..=MAX_CELL).step_by(8) {
            let c = SIZE_CLASSES[size_class(size)] as usize;
            assert!(c >= size, "class {c} too small for {size}");
            if size_class(size) > 0 {
                assert!((SIZE_CLASSES[size_class(size) - 1] as usize) < size);
            }
        }
    }

    fn obj(p: *mut u8, size: usize) {
        // SAFETY: `p` is a fresh cell of at least `size` bytes.
        unsafe { ObjPtr::from_ptr(p).init_header(1, ((size - 16) / 8) as u32, 0, 0) };
    }

    #[test]
    fn sweep_frees_unmarked_and_returns_empty_blocks() {
        let mut s = OldSpace::new(4 * BLOCK_SIZE).unwrap();
        let a = s.alloc(32).unwrap();
        obj(a, 32);
        let b = s.alloc(32).unwrap();
        obj(b, 32);
        let c = s.alloc(1000).unwrap();
        obj(c, 1000);
        assert_eq!(s.bytes(), 1064);
        assert_eq!(s.objects(), 3);
        assert_eq!(s.blocks_in_use(), 2);
        assert!(s.is_object(a as usize) && s.is_object(c as usize));
        assert!(!s.is_object(a as usize + 8));
        assert!(s.mark(a as usize));
        assert!(!s.mark(a as usize), "second mark reports already marked");
        assert_eq!(s.sweep(32), (1032, 2));
        assert_eq!(s.bytes(), 32);
        assert!(!s.any_marked());
        assert!(!s.is_object(b as usize));
        assert_eq!(
            s.blocks_in_use(),
            1,
            "the 1000-byte block went back to the pool"
        );
        s.check_blocks().unwrap();
        let again = s.alloc(32).unwrap();
        assert_eq!(again, b, "the freed cell is reused first");
        let reuse = s.alloc(1000).unwrap();
        assert_eq!(reuse, c, "the empty block is reused");
    }

    #[test]
    fn reciprocal_division_is_exact() {
        // Every offset natively; a sample under Miri, which is slow.
        let step = if cfg!(miri) { 251 } else { 1 };
        for &d in &SIZE_CLASSES {
            let r = reciprocal(d);
            for off in (0..BLOCK_SIZE).step_by(step).chain([BLOCK_SIZE - 1]) {
                assert_eq!(
                    ((off as u64 * r) >> 32) as usize,
                    off / d as usize,
                    "{off} / {d}"
                );
            }
        }
    }

    #[test]
    fn alloc_fills_a_block_then_takes_another() {
        let mut s = OldSpace::new(4 * BLOCK_SIZE).unwrap();
        let cells = BLOCK_SIZE / 24;
        let first = s.alloc(24).unwrap();
        let mut last = first;
        for k in 1..cells {
            let p = s.alloc(24).unwrap();
            assert_eq!(
                p as usize,
                first as usize + k * 24,
                "cells in address order"
            );
            last = p;
        }
        assert_eq!(s.blocks_in_use(), 1);
        let next = s.alloc(24).unwrap();
        assert_eq!(s.blocks_in_use(), 2);
        assert!(s.in_range(next as usize) && next as usize >= first as usize + BLOCK_SIZE);
        assert!(s.is_object(last as usize) && s.is_object(next as usize));
        s.check_blocks().unwrap();
    }

    #[test]
    fn reservation_exhaustion_is_none() {
        let mut s = OldSpace::new(BLOCK_SIZE).unwrap();
        let n = BLOCK_SIZE / 8192;
        for _ in 0..n {
            assert!(s.alloc(8192).is_some());
        }
        assert!(s.alloc(8192).is_none());
        assert!(s.alloc(16).is_none(), "no block left for another class");
    }

    #[test]
    fn empty_blocks_past_the_retained_pool_go_back_to_the_os() {
        let blocks = RETAINED_BLOCKS + 8;
        let mut s = OldSpace::new(blocks * BLOCK_SIZE).unwrap();
        for _ in 0..blocks * (BLOCK_SIZE / 8192) {
            let p = s.alloc(8192).unwrap();
            obj(p, 8192);
        }
        assert_eq!(s.block_bytes(), (blocks * BLOCK_SIZE) as u64);
        assert_eq!(
            s.sweep(0),
            (
                (blocks * BLOCK_SIZE) as u64,
                (blocks * (BLOCK_SIZE / 8192)) as u64
            )
        );
        assert_eq!(s.blocks_in_use(), 0);
        assert_eq!(s.block_bytes(), (RETAINED_BLOCKS * BLOCK_SIZE) as u64);
        s.check_blocks().unwrap();
    }
}
