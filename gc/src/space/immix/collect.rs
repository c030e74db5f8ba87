//! An Immix space's part in a collection: prepare (clear line marks, choose the blocks to
//! evacuate), mark (object bit, then the object's lines when it is scanned) and release
//! (keep exactly the marked objects; the blocks are swept lazily afterwards, see
//! [`super::sweep`]).
//!
//! **Defragmentation heuristic** (after Blackburn & McKinley, section 3.3): the blocks the last
//! collection left with the most holes are the most fragmented; they become evacuation
//! candidates, most holes first, while the lines they held live (their estimated cost) fit in
//! the empty blocks left in the reservation, which include the [`headroom`] the mutator may
//! not use. An *emergency* defragmentation (the allocator found no block) makes every block
//! with a free line a candidate, fewest live lines first. Evacuation is opportunistic either
//! way: an object whose copy finds no empty block is marked in place.
//!
//! [`headroom`]: super::ImmixSpace::headroom

use super::block::{holes, ones, Block, State, BLOCK, BLOCK_SHIFT, LINES};
use super::ImmixSpace;
use crate::mem::poison;
use crate::object::ObjPtr;

/// Empty blocks kept committed after a sweep (16 MiB); the rest go back to the OS.
pub const RETAINED_BLOCKS: usize = 512;

/// How a collection treats fragmentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Defrag {
    /// Mark everything in place.
    None,
    /// Evacuate the most fragmented blocks the free blocks can take.
    Opportunistic,
    /// Evacuate every block that has a free line, as far as empty blocks last.
    Emergency,
}

impl ImmixSpace {
    /// Starts a collection: forgets the allocation regions, clears the line marks and chooses
    /// the evacuation candidates. `requested` is the plan's wish; the space adds an
    /// opportunistic defragmentation when its last sweep left more than a quarter of the
    /// in-use lines in holes. Returns the mode chosen.
    pub fn prepare(&mut self, requested: Defrag) -> Defrag {
        self.finish_sweep();
        self.reset_allocators();
        self.marked_objects = 0;
        self.recyclable.clear();
        let mode = match requested {
            Defrag::None if self.fragmented => Defrag::Opportunistic,
            m => m,
        };
        let mut order: Vec<u32> = Vec::new();
        for (b, block) in self.blocks.iter_mut().enumerate() {
            block.lines = 0;
            let eligible = match mode {
                Defrag::None => false,
                Defrag::Opportunistic => block.holes >= 2,
                Defrag::Emergency => true,
            };
            if block.state == State::InUse && eligible {
                order.push(b as u32);
            }
        }
        if mode == Defrag::Emergency {
            order.sort_by_key(|&b| self.blocks[b as usize].live_lines);
            for &b in &order {
                self.blocks[b as usize].candidate = true;
            }
            self.candidates = order.len();
            return mode;
        }
        order.sort_by_key(|&b| {
            let block = &self.blocks[b as usize];
            (std::cmp::Reverse(block.holes), block.live_lines)
        });
        let mut room = (self.max_blocks - self.blocks_in_use) * LINES;
        self.candidates = 0;
        for b in order {
            let block = &mut self.blocks[b as usize];
            let cost = block.live_lines as usize;
            if cost > room {
                break;
            }
            room -= cost;
            block.candidate = true;
            self.candidates += 1;
        }
        mode
    }

    /// Whether the block holding `addr` is being evacuated.
    #[inline(always)]
    pub fn is_candidate(&self, addr: usize) -> bool {
        self.candidates > 0 && self.blocks[(addr - self.base) >> BLOCK_SHIFT].candidate
    }

    /// Sets the mark bit of the object at `addr`; returns whether it was clear.
    #[inline(always)]
    pub fn mark(&mut self, addr: usize) -> bool {
        let (b, g) = self.locate(addr);
        Block::set(&mut self.blocks[b].mark, g)
    }

    /// Whether the object at `addr` is marked.
    #[inline(always)]
    pub fn is_marked(&self, addr: usize) -> bool {
        let (b, g) = self.locate(addr);
        Block::get(&self.blocks[b].mark, g)
    }

    /// Counts `n` objects a parallel closure marked and scanned through the shared view (which
    /// cannot count them itself), as [`mark_lines`](Self::mark_lines) counts the serial ones.
    pub fn count_marked(&mut self, n: u64) {
        self.marked_objects += n;
    }

    /// Marks the lines of the marked object at `addr` of `size` bytes, and counts it: the
    /// tracer calls this once per marked object (when it scans it) and a cycle once per
    /// object it allocates black, so the count is the live objects the release keeps.
    #[inline(always)]
    pub fn mark_lines(&mut self, addr: usize, size: usize) {
        let off = addr - self.base;
        self.marked_objects += 1;
        self.blocks[off >> BLOCK_SHIFT].mark_lines(off & (BLOCK - 1), size);
    }

    /// Ends a collection: keeps exactly the marked objects (`marked_bytes` is their exact
    /// size, summed by the tracer) and frees the others *lazily*: this only flips the state —
    /// every block in use becomes unswept, with its live-line and hole counts taken from the
    /// new line marks — and the bitmaps are fixed block by block later (see [`super::sweep`]).
    /// The usage is exact at once: bytes are `marked_bytes`, objects the marked objects
    /// counted by [`mark_lines`](Self::mark_lines). Debug builds poison the dead objects here,
    /// so poisoning is as prompt as with an eager sweep. Returns (bytes freed, objects freed).
    pub fn release(&mut self, marked_bytes: u64) -> (u64, u64) {
        self.end_marking();
        debug_assert!(self.unswept.is_empty(), "prepare finishes the last sweep");
        self.reset_allocators();
        let mut free_lines = 0usize;
        for b in 0..self.blocks.len() {
            if self.blocks[b].state != State::InUse {
                continue;
            }
            if cfg!(debug_assertions) {
                self.poison_dead(b);
            }
            let block = &mut self.blocks[b];
            block.live_lines = block.lines.count_ones() as u8;
            block.holes = holes(block.lines) as u8;
            // A block holds a live object iff one of its lines is marked (every marked
            // object marks its first line).
            if block.lines != 0 && block.holes > 0 {
                free_lines += super::block::free_lines(block.lines).count_ones() as usize;
            }
            block.unswept = true;
            self.unswept.push(b as u32);
        }
        self.candidates = 0;
        // Sweep (and so allocate from) the lowest-addressed blocks first.
        self.unswept.reverse();
        self.fragmented = free_lines * 4 > self.blocks_in_use * LINES;
        let live_objects = std::mem::take(&mut self.marked_objects);
        let freed = (
            self.bytes - marked_bytes,
            self.objects.saturating_sub(live_objects),
        );
        self.bytes = marked_bytes;
        self.objects = live_objects;
        freed
    }

    /// Writes poison over the objects of block `b` that are not marked: dead ones, and the
    /// originals of evacuated ones (whose size is read from their copy).
    fn poison_dead(&mut self, b: usize) {
        let start = self.block_start(b);
        let block = &self.blocks[b];
        let dead: Vec<usize> = ones(&block.alloc)
            .filter(|&g| !Block::get(&block.mark, g))
            .collect();
        for g in dead {
            // SAFETY: `g` is an object start of this block (its alloc bit is set), so a
            // header is there: the object's own, or a forwarding one whose copy is live.
            let size = unsafe {
                let o = ObjPtr::from_ptr(self.ptr_at(start + g * 8));
                let h = o.header();
                if h.is_forwarded() {
                    h.forwardee().size()
                } else {
                    h.size()
                }
            };
            // SAFETY: the object is unreachable (unmarked) or was copied away; no live object
            // overlaps its extent.
            unsafe { poison(self.ptr_at(start + g * 8), size) };
        }
    }

    /// Returns emptied blocks to the pool: up to [`RETAINED_BLOCKS`] stay committed (taken
    /// first), the rest are given back to the OS, a run of adjacent blocks per call.
    pub(super) fn free_blocks(&mut self, empty: Vec<usize>) {
        let retained = self.retained();
        let mut released = Vec::new();
        for (k, b) in empty.into_iter().enumerate() {
            let block = &mut self.blocks[b];
            block.state = State::Free;
            block.lines = 0;
            block.live_lines = 0;
            block.holes = 0;
            self.blocks_in_use -= 1;
            if retained + k >= RETAINED_BLOCKS {
                block.committed = false;
                released.push(b as u32);
            } else {
                self.free.push(b as u32);
            }
        }
        self.region.release_blocks(&released, BLOCK);
        released.reverse();
        self.free.splice(0..0, released);
    }
}
