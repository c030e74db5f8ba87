//! The non-moving old generation: blocks of size-segregated cells, free lists, side bitmaps.
//!
//! The space reserves one contiguous range of address space up front and carves it into
//! [`BLOCK_SIZE`] blocks, so an address maps to its block with a subtraction and a shift.
//! Each block in use serves one size class; a cell is allocated iff its bit is set in the
//! block's `alloc` bitmap, and mark bits live in a second side bitmap per block. There are no
//! free lists: allocation searches the current block's alloc bitmap for the next clear bit
//! (a word at a time), so sweeping never touches the cells themselves. A sweep is, per block,
//! `alloc &= mark`, a population count and a clear of the marks; the exact byte count comes
//! from the marker, which sums the sizes of the objects it marks.
//!
//! Invariants, checked by `Heap::verify`:
//! - `bytes`/`objects` are the exact sums of the sizes/counts of allocated cells' objects;
//! - each block's `live` equals the population count of its alloc bitmap;
//! - mark bits are all clear outside a major collection;
//! - a block with no allocated cell after a sweep goes back to the free-block pool, usable by
//!   any size class; the pool keeps at most [`RETAINED_BLOCKS`] blocks committed and returns
//!   the rest of the memory to the OS.
//!
//! Why size classes rather than a bump-and-compact old space: old objects never move, so a
//! promoted object's address is stable and sweeping is a bitmap walk. Internal fragmentation
//! is bounded by the class spacing (≤ 25 % above 128 bytes) and is reported separately from
//! the exact object bytes (see [`OldSpace::cell_bytes`]).

use crate::mem::{poison, Region};
use crate::object::ObjPtr;
use bitvec::vec::BitVec;

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

/// Empty blocks kept committed after a sweep (2 MiB): reusing them avoids a page fault per
/// 4 KiB on the next refill. Empty blocks past this are returned to the OS.
pub const RETAINED_BLOCKS: usize = 32;

const NO_BLOCK: u32 = u32::MAX;

struct Block {
    class: u8,
    cell_size: u32,
    cells: u32,
    live: u32,
    /// Whether the block's pages may be committed (not released since it was last used).
    committed: bool,
    alloc: BitVec,
    mark: BitVec,
}

pub(crate) struct OldSpace {
    region: Region,
    blocks: Vec<Block>,
    /// Empty blocks; committed ones are taken first.
    free_blocks: Vec<u32>,
    /// Per class: blocks with free cells, to allocate from after the current one.
    partial: Vec<Vec<u32>>,
    /// Per class: the block being allocated from and the cell to search from.
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
            region: Region::new(reserve)?,
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
    #[inline]
    pub fn alloc(&mut self, size: usize) -> Option<*mut u8> {
        let class = size_class(size);
        loop {
            let (b, from) = self.current[class];
            if b != NO_BLOCK {
                let base = self.base();
                let block = &mut self.blocks[b as usize];
                if let Some(i) = block.alloc[from as usize..].first_zero() {
                    let i = from as usize + i;
                    block.alloc.set(i, true);
                    block.live += 1;
                    self.current[class] = (b, i as u32 + 1);
                    self.bytes += size as u64;
                    self.objects += 1;
                    let addr = base + b as usize * BLOCK_SIZE + i * block.cell_size as usize;
                    return Some(self.ptr_at(addr));
                }
                self.current[class] = (NO_BLOCK, 0);
            }
            match self.partial[class].pop() {
                Some(p) => self.current[class] = (p, 0),
                None => {
                    let fresh = self.take_block(class)?;
                    self.current[class] = (fresh, 0);
                }
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
                    cells: 0,
                    live: 0,
                    committed: true,
                    alloc: BitVec::new(),
                    mark: BitVec::new(),
                });
                self.blocks.len() - 1
            }
        };
        let cell_size = SIZE_CLASSES[class];
        let cells = (BLOCK_SIZE / cell_size as usize) as u32;
        let block = &mut self.blocks[b];
        block.class = class as u8;
        block.cell_size = cell_size;
        block.cells = cells;
        block.live = 0;
        block.committed = true;
        block.alloc = BitVec::repeat(false, cells as usize);
        block.mark = BitVec::repeat(false, cells as usize);
        self.blocks_in_use += 1;
        Some(b as u32)
    }

    /// (block index, cell index) of an address inside a block in use.
    #[inline]
    fn locate(&self, addr: usize) -> (usize, usize) {
        let off = addr - self.base();
        let b = off >> BLOCK_SHIFT;
        let cell = (off & (BLOCK_SIZE - 1)) / self.blocks[b].cell_size as usize;
        (b, cell)
    }

    /// Whether `addr` lies in the part of the reservation holding blocks.
    #[inline]
    pub fn in_range(&self, addr: usize) -> bool {
        addr.wrapping_sub(self.base()) < self.blocks.len() * BLOCK_SIZE
    }

    /// Whether `addr` is the start of an allocated cell.
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
            && block.alloc[in_block / block.cell_size as usize]
    }

    /// Sets the mark bit; returns whether it was clear.
    #[inline]
    pub fn mark(&mut self, addr: usize) -> bool {
        let (b, i) = self.locate(addr);
        let mut bit = self.blocks[b].mark.get_mut(i).expect("cell index in range");
        let was = *bit;
        *bit = true;
        !was
    }

    #[inline]
    pub fn is_marked(&self, addr: usize) -> bool {
        let (b, i) = self.locate(addr);
        self.blocks[b].mark[i]
    }

    /// Whether any mark bit is set (for `verify`).
    pub fn any_marked(&self) -> bool {
        self.blocks.iter().any(|b| b.mark.any())
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
                for i in block.alloc.iter_ones().filter(|&i| !block.mark[i]) {
                    let p = self
                        .region
                        .start()
                        .with_addr(start + i * block.cell_size as usize);
                    // SAFETY: the cell holds an unmarked, so unreachable, object.
                    unsafe { poison(p, block.cell_size as usize) };
                }
            }
            let mark = std::mem::take(&mut block.mark);
            block.alloc &= mark.as_bitslice();
            block.mark = mark;
            block.mark.fill(false);
            block.live = block.alloc.count_ones() as u32;
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
        for (k, b) in empty.into_iter().enumerate() {
            let block = &mut self.blocks[b];
            block.class = NO_CLASS;
            block.alloc = BitVec::new();
            block.mark = BitVec::new();
            self.blocks_in_use -= 1;
            if retained + k >= RETAINED_BLOCKS {
                block.committed = false;
                self.region.release(b * BLOCK_SIZE, BLOCK_SIZE);
                self.free_blocks.insert(0, b as u32);
            } else {
                self.free_blocks.push(b as u32);
            }
        }
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
            for i in block.alloc.iter_ones() {
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
            if block.alloc.count_ones() != block.live as usize {
                return Err(format!(
                    "block {b} counts {} live cells, its bitmap {}",
                    block.live,
                    block.alloc.count_ones()
                ));
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
