//! The non-moving old generation: blocks of size-segregated cells, free lists, side bitmaps.
//!
//! The space reserves one contiguous range of address space up front and carves it into
//! [`BLOCK_SIZE`] blocks, so an address maps to its block with a subtraction and a shift.
//! Each block in use serves one size class; its cells are either allocated (bit set in the
//! block's `alloc` bitmap) or on that class's free list (threaded through the cell's first
//! word). Mark bits live in a second side bitmap per block.
//!
//! Invariants, checked by `Heap::verify`:
//! - `bytes`/`objects` are the exact sums of the sizes/counts of allocated cells' objects;
//! - a cell is on a free list iff its alloc bit is clear;
//! - mark bits are all clear outside a major collection;
//! - a block with no allocated cell after a sweep is returned to the OS and to the free-block
//!   pool, usable by any size class.
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

struct Block {
    class: u8,
    cell_size: u32,
    cells: u32,
    live: u32,
    alloc: BitVec,
    mark: BitVec,
}

pub(crate) struct OldSpace {
    region: Region,
    blocks: Vec<Block>,
    free_blocks: Vec<u32>,
    /// Head of each class's free list (0 = empty).
    free_lists: [usize; SIZE_CLASSES.len()],
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
            free_lists: [0; SIZE_CLASSES.len()],
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

    /// Bytes of memory held in blocks (committed by the space, including free cells).
    pub fn block_bytes(&self) -> u64 {
        (self.blocks_in_use * BLOCK_SIZE) as u64
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
    pub fn alloc(&mut self, size: usize) -> Option<*mut u8> {
        let class = size_class(size);
        if self.free_lists[class] == 0 && !self.refill(class) {
            return None;
        }
        let cell = self.free_lists[class];
        let p = self.ptr_at(cell);
        // SAFETY: `cell` is on the free list, so it is a free cell inside the region whose
        // first word holds the next free cell.
        self.free_lists[class] = unsafe { p.cast::<usize>().read() };
        let (b, i) = self.locate(cell);
        let block = &mut self.blocks[b];
        debug_assert!(!block.alloc[i], "free-list cell {cell:#x} is allocated");
        block.alloc.set(i, true);
        block.live += 1;
        self.bytes += size as u64;
        self.objects += 1;
        Some(p)
    }

    /// Takes a block for `class` and threads its cells onto the free list.
    fn refill(&mut self, class: usize) -> bool {
        let b = match self.free_blocks.pop() {
            Some(b) => b as usize,
            None => {
                if (self.blocks.len() + 1) * BLOCK_SIZE > self.region.len() {
                    return false;
                }
                self.blocks.push(Block {
                    class: NO_CLASS,
                    cell_size: 0,
                    cells: 0,
                    live: 0,
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
        block.alloc = BitVec::repeat(false, cells as usize);
        block.mark = BitVec::repeat(false, cells as usize);
        self.blocks_in_use += 1;
        let start = self.base() + b * BLOCK_SIZE;
        for i in (0..cells as usize).rev() {
            self.push_free(class, start + i * cell_size as usize);
        }
        true
    }

    fn push_free(&mut self, class: usize, cell: usize) {
        let p = self.ptr_at(cell);
        // SAFETY: `cell` is a free cell of a block in use, at least 16 bytes, 8-aligned.
        unsafe { p.cast::<usize>().write(self.free_lists[class]) };
        self.free_lists[class] = cell;
    }

    /// (block index, cell index) of an address inside a block in use.
    #[inline]
    fn locate(&self, addr: usize) -> (usize, usize) {
        let off = addr - self.base();
        let b = off >> BLOCK_SHIFT;
        let cell = (off & (BLOCK_SIZE - 1)) / self.blocks[b].cell_size as usize;
        (b, cell)
    }

    /// Whether `addr` lies in the space's reservation.
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

    /// Frees every allocated, unmarked cell, clears all marks, rebuilds the free lists and
    /// returns wholly empty blocks to the OS. Returns (bytes freed, objects freed).
    pub fn sweep(&mut self) -> (u64, u64) {
        let mut freed_bytes = 0u64;
        let mut freed_objects = 0u64;
        self.free_lists = [0; SIZE_CLASSES.len()];
        let base = self.base();
        for b in 0..self.blocks.len() {
            if self.blocks[b].class == NO_CLASS {
                continue;
            }
            let start = base + b * BLOCK_SIZE;
            let cell_size = self.blocks[b].cell_size as usize;
            let dead: Vec<usize> = {
                let block = &self.blocks[b];
                block
                    .alloc
                    .iter_ones()
                    .filter(|&i| !block.mark[i])
                    .collect()
            };
            for i in dead {
                let p = self.ptr_at(start + i * cell_size);
                // SAFETY: the cell is allocated, so it holds an object header.
                let size = unsafe { ObjPtr::from_ptr(p).size() };
                // SAFETY: the object is unreachable (unmarked after a full mark).
                unsafe { poison(p, cell_size) };
                freed_bytes += size as u64;
                freed_objects += 1;
                let block = &mut self.blocks[b];
                block.alloc.set(i, false);
                block.live -= 1;
            }
            let block = &mut self.blocks[b];
            block.mark.fill(false);
            if block.live == 0 {
                block.class = NO_CLASS;
                block.alloc = BitVec::new();
                block.mark = BitVec::new();
                self.blocks_in_use -= 1;
                self.free_blocks.push(b as u32);
                self.region.release(b * BLOCK_SIZE, BLOCK_SIZE);
            } else {
                let class = block.class as usize;
                let free: Vec<usize> = block.alloc.iter_zeros().collect();
                for i in free.into_iter().rev() {
                    self.push_free(class, start + i * cell_size);
                }
            }
        }
        self.bytes -= freed_bytes;
        self.objects -= freed_objects;
        (freed_bytes, freed_objects)
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

    /// Checks the free lists against the bitmaps; returns a description of the first problem.
    pub fn check_free_lists(&self) -> Result<(), String> {
        let mut on_list = 0usize;
        for (class, &head) in self.free_lists.iter().enumerate() {
            let mut cell = head;
            while cell != 0 {
                if !self.in_range(cell) {
                    return Err(format!("free cell {cell:#x} outside the old space"));
                }
                let (b, i) = self.locate(cell);
                let block = &self.blocks[b];
                if block.class as usize != class {
                    return Err(format!("free cell {cell:#x} in a block of another class"));
                }
                if block.alloc[i] {
                    return Err(format!("allocated cell {cell:#x} is on a free list"));
                }
                on_list += 1;
                if on_list > self.blocks.len() * BLOCK_SIZE / 16 {
                    return Err("free list cycle".into());
                }
                // SAFETY: free cells hold the next link in their first word.
                cell = unsafe { self.ptr_at(cell).cast::<usize>().read() };
            }
        }
        let free_cells: usize = self
            .blocks
            .iter()
            .filter(|b| b.class != NO_CLASS)
            .map(|b| b.cells as usize - b.live as usize)
            .sum();
        if free_cells != on_list {
            return Err(format!(
                "{free_cells} free cells but {on_list} on free lists"
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
        assert_eq!(s.block_bytes(), 2 * BLOCK_SIZE as u64);
        assert!(s.is_object(a as usize) && s.is_object(c as usize));
        assert!(!s.is_object(a as usize + 8));
        assert!(s.mark(a as usize));
        assert!(!s.mark(a as usize), "second mark reports already marked");
        assert_eq!(s.sweep(), (1032, 2));
        assert_eq!(s.bytes(), 32);
        assert!(!s.any_marked());
        assert!(!s.is_object(b as usize));
        assert_eq!(
            s.block_bytes(),
            BLOCK_SIZE as u64,
            "the 1000-byte block went back"
        );
        s.check_free_lists().unwrap();
        let again = s.alloc(32).unwrap();
        assert_eq!(again, b, "the freed cell is reused first");
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
}
