//! An Immix mark-region space (Blackburn & McKinley, PLDI 2008): [`BLOCK`]-byte blocks of
//! [`LINE`]-byte lines, bump allocation into runs of free lines, line and block marks in side
//! metadata, overflow allocation for medium objects, and opportunistic evacuation of
//! fragmented blocks.
//!
//! The space reserves one range of address space and carves it into blocks, so an address
//! maps to its block with a subtraction and a shift. Its side metadata ([`block`]) is, per
//! block: line marks (one `u128`), object-start and object-mark bitmaps (one bit per 8-byte
//! granule) and the last collection's live-line and hole counts. The object-start bitmap makes
//! the space walkable (for `verify`, usage and diagnostics) even though free lines hold stale
//! bytes.
//!
//! Invariants, checked by [`check`](Space::check):
//! - `bytes`/`objects` are the exact sums over the objects whose start bit is set;
//! - object marks and candidate flags are clear outside a collection, except in the blocks
//!   the last release left unswept (see [`sweep`]), whose objects are `alloc & mark`;
//! - a block in use holds at least one object or is being allocated into, and a free block
//!   has no start bit set;
//! - outside a collection every object lies in lines the allocator will not hand out again
//!   before the next collection (see [`alloc`] and [`block`]).
//!
//! Sizing: the reservation is `3 × max_heap` plus a few blocks, of which the mutator may fill
//! all but the [`headroom`](ImmixSpace::headroom) (`1.5 × max_heap`). The heap limit itself
//! counts exact object bytes, so a heap whose live data fits is never refused for want of
//! blocks unless the headroom cannot absorb an emergency evacuation: with live bytes at most
//! `max_heap`, evacuating everything into empty blocks wastes at most a fifth of a block per
//! block (medium objects that do not fit its end), which `1.5 × max_heap` covers.

mod alloc;
pub(crate) mod block;
mod collect;
mod incremental;
mod par;
mod sweep;

pub(crate) use collect::Defrag;
pub use sweep::SWEEP_BATCH;

use crate::collector::scavenge::PromotionTarget;
use crate::mem::Region;
use crate::object::ObjPtr;
use crate::space::{Fragmentation, Space};
use crate::stats::SpaceUsage;
use alloc::{Bump, NO_BLOCK};
use block::{ones, Block, State, BLOCK, BLOCK_SHIFT, LINE, LINES};

pub(crate) struct ImmixSpace {
    region: Region,
    /// `region.start()` as an address.
    base: usize,
    blocks: Vec<Block>,
    /// Blocks the reservation can hold.
    max_blocks: usize,
    /// Empty blocks the mutator leaves for evacuation.
    headroom: usize,
    /// Empty blocks; committed ones at the end (taken first).
    free: Vec<u32>,
    /// Swept blocks with holes left by the last collection (taken last first).
    recyclable: Vec<u32>,
    /// Blocks the last release left unswept, lowest address last (swept first).
    unswept: Vec<u32>,
    /// The mutator's hole, the block it is in, and the line to search the next hole from.
    bump: Bump,
    cur_block: u32,
    next_line: usize,
    /// The medium objects' overflow block.
    overflow: Bump,
    /// The evacuation allocator's block (during a collection).
    evac: Bump,
    /// Number of evacuation candidates in the collection in progress.
    candidates: usize,
    /// Whether the last sweep left enough holes to defragment at the next collection.
    fragmented: bool,
    bytes: u64,
    objects: u64,
    blocks_in_use: usize,
    /// An incremental marking cycle is in progress (see [`incremental`]).
    marking: bool,
    /// Objects marked (scanned or allocated black) by the collection in progress.
    marked_objects: u64,
}

impl std::fmt::Debug for ImmixSpace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImmixSpace")
            .field("bytes", &self.bytes)
            .field("objects", &self.objects)
            .field("blocks_in_use", &self.blocks_in_use)
            .finish()
    }
}

impl ImmixSpace {
    /// A space for a heap of `max_heap` bytes (see the module docs for the sizing).
    pub fn new(max_heap: usize) -> std::io::Result<ImmixSpace> {
        let heap_blocks = max_heap.div_ceil(BLOCK);
        let headroom = heap_blocks + heap_blocks.div_ceil(2) + 2;
        let max_blocks = heap_blocks * 3 + 4;
        let region = Region::with_huge_pages(max_blocks * BLOCK)?;
        Ok(ImmixSpace {
            base: region.start() as usize,
            region,
            blocks: Vec::new(),
            max_blocks,
            headroom,
            free: Vec::new(),
            recyclable: Vec::new(),
            unswept: Vec::new(),
            bump: Bump::default(),
            cur_block: NO_BLOCK,
            next_line: LINES,
            overflow: Bump::default(),
            evac: Bump::default(),
            candidates: 0,
            fragmented: false,
            bytes: 0,
            objects: 0,
            blocks_in_use: 0,
            marking: false,
            marked_objects: 0,
        })
    }

    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    #[cfg(test)]
    pub fn objects(&self) -> u64 {
        self.objects
    }

    /// Blocks holding objects or being allocated into.
    #[cfg(test)]
    pub fn blocks_in_use(&self) -> usize {
        self.blocks_in_use
    }

    /// Empty blocks kept committed: the pool keeps them at its end.
    fn retained(&self) -> usize {
        self.free
            .iter()
            .rev()
            .take_while(|&&b| self.blocks[b as usize].committed)
            .count()
    }

    /// Whether `addr` lies in the part of the reservation holding blocks.
    #[inline(always)]
    pub fn in_range(&self, addr: usize) -> bool {
        addr.wrapping_sub(self.base) < self.blocks.len() * BLOCK
    }

    /// (block index, granule index) of an address in the space.
    #[inline(always)]
    fn locate(&self, addr: usize) -> (usize, usize) {
        let off = addr - self.base;
        (off >> BLOCK_SHIFT, (off & (BLOCK - 1)) >> 3)
    }

    #[inline(always)]
    fn block_start(&self, b: usize) -> usize {
        self.base + b * BLOCK
    }

    #[inline(always)]
    fn ptr_at(&self, addr: usize) -> *mut u8 {
        self.region.start().with_addr(addr)
    }

    /// The object starts of a block in use: `alloc`, or `alloc & mark` while it is unswept.
    fn starts(block: &Block) -> [u64; block::BITMAP_WORDS] {
        if block.unswept {
            std::array::from_fn(|w| block.alloc[w] & block.mark[w])
        } else {
            block.alloc
        }
    }

    /// Walks every object in address order.
    pub fn for_each_object(&self, mut f: impl FnMut(ObjPtr)) {
        for (b, block) in self.blocks.iter().enumerate() {
            if block.state != State::InUse {
                continue;
            }
            for g in ones(&Self::starts(block)) {
                // SAFETY: a set start bit marks a live object's header.
                f(unsafe { ObjPtr::from_ptr(self.ptr_at(self.block_start(b) + g * 8)) });
            }
        }
    }

    /// Checks the block bookkeeping; returns the first problem found.
    pub fn check_blocks(&self) -> Result<(), String> {
        let mut in_use = 0;
        let mut objects = 0u64;
        let mut listed = vec![false; self.blocks.len()];
        for &b in &self.unswept {
            listed[b as usize] = true;
        }
        let mut pooled = vec![false; self.blocks.len()];
        for &b in &self.free {
            pooled[b as usize] = true;
        }
        for (b, block) in self.blocks.iter().enumerate() {
            let marks = block.mark.iter().any(|&w| w != 0) || block.candidate;
            if marks && !self.marking && !block.unswept {
                return Err(format!("block {b} has marks outside a collection"));
            }
            if block.unswept != listed[b] {
                return Err(format!("block {b}'s unswept flag disagrees with the list"));
            }
            let count: u64 = Self::starts(block)
                .iter()
                .map(|w| w.count_ones() as u64)
                .sum();
            match block.state {
                State::Free if count > 0 => {
                    return Err(format!("free block {b} holds {count} objects"));
                }
                State::Free if !pooled[b] => {
                    return Err(format!("free block {b} is not in the pool"));
                }
                State::Free => {}
                State::InUse => in_use += 1,
            }
            objects += count;
        }
        if in_use != self.blocks_in_use {
            return Err(format!(
                "{in_use} blocks in use, {} counted",
                self.blocks_in_use
            ));
        }
        if objects != self.objects {
            return Err(format!("{objects} object starts, {} counted", self.objects));
        }
        Ok(())
    }
}

impl PromotionTarget for ImmixSpace {
    #[inline(always)]
    fn alloc(&mut self, size: usize) -> Option<*mut u8> {
        ImmixSpace::alloc(self, size)
    }
}

impl Space for ImmixSpace {
    fn name(&self) -> &'static str {
        "immix"
    }

    fn contains(&self, addr: usize) -> bool {
        self.in_range(addr)
    }

    fn usage(&self) -> SpaceUsage {
        SpaceUsage {
            bytes: self.bytes,
            objects: self.objects,
        }
    }

    fn committed(&self) -> u64 {
        ((self.blocks_in_use + self.retained()) * BLOCK) as u64
    }

    /// Lines holding (part of) an object, and the blocks in use. Walks the objects: for
    /// reports, not for the allocation path.
    fn fragmentation(&self) -> Option<Fragmentation> {
        let mut lines = 0u64;
        let mut block = usize::MAX;
        let mut used: u128 = 0;
        self.for_each_object(|o| {
            let (b, g) = self.locate(o.addr());
            if b != block {
                lines += used.count_ones() as u64;
                used = 0;
                block = b;
            }
            // SAFETY: the walk yields live objects.
            let size = unsafe { o.size() };
            let first = g * 8 / LINE;
            let last = ((g * 8 + size - 1) / LINE).min(LINES - 1);
            used |= (u128::MAX >> (LINES - 1 - last)) & (u128::MAX << first);
        });
        lines += used.count_ones() as u64;
        Some(Fragmentation {
            cell_bytes: lines * LINE as u64,
            blocks_in_use: self.blocks_in_use,
        })
    }

    fn for_each_object(&self, f: &mut dyn FnMut(ObjPtr)) {
        ImmixSpace::for_each_object(self, f)
    }

    fn check(&self) -> Result<(), String> {
        self.check_blocks()
    }
}

#[cfg(test)]
mod tests;
