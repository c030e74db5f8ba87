//! One Immix block's side metadata: line marks, object-start and mark bitmaps, and what the
//! last collection learnt about it (live lines, holes) for the defragmentation heuristic.
//!
//! Lines are [`LINE`] bytes, [`LINES`] to a block, so a block's line marks are one `u128`.
//! Object starts and object marks are one bit per 8-byte granule ([`GRANULES`] bits).
//!
//! Conservative line marking: a small object (at most one line) marks only the line it starts
//! in, yet may run into the next one; so a line counts as *free* for allocation only when
//! neither it nor the line before it is marked ([`free_lines`]). A medium object marks every
//! line it touches.

/// Bytes per line.
pub const LINE: usize = 256;
/// `log2(LINE)`.
pub const LINE_SHIFT: u32 = 8;
/// Bytes per block.
pub const BLOCK: usize = 32 * 1024;
/// `log2(BLOCK)`.
pub const BLOCK_SHIFT: u32 = 15;
/// Lines per block.
pub const LINES: usize = BLOCK / LINE;
/// 8-byte granules per block (one bit each in the object-start and mark bitmaps).
pub const GRANULES: usize = BLOCK / 8;
/// `u64` words of a granule bitmap.
pub const BITMAP_WORDS: usize = GRANULES / 64;

const _: () = assert!(LINES == 128, "line marks are one u128");

/// Where a block is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Empty, in the free-block pool.
    Free,
    /// Holds objects (or is being allocated into).
    InUse,
}

pub struct Block {
    pub state: State,
    /// Whether the block's pages may be committed (not returned to the OS since last used).
    pub committed: bool,
    /// Chosen as an evacuation source by the collection in progress.
    pub candidate: bool,
    /// Line marks: of the last collection between collections, of the current one while it
    /// marks. The allocator only bumps into [`free_lines`] of these.
    pub lines: u128,
    /// Lines marked by the last collection, or [`LINES`] for a block first filled since
    /// (its occupancy is unknown): the heuristic's estimate of what evacuating it costs.
    pub live_lines: u8,
    /// Runs of free lines the last collection left (0 for a block filled since).
    pub holes: u8,
    /// Object starts: bit `g` set iff an object begins at granule `g`.
    pub alloc: [u64; BITMAP_WORDS],
    /// Object marks of the collection in progress; between collections, those of the last
    /// one while the block is unswept (see [`super::sweep`]), clear once it is swept.
    pub mark: [u64; BITMAP_WORDS],
    /// Released by the last collection but not swept yet: `alloc` still holds the dead
    /// objects' starts, the live ones are `alloc & mark`.
    pub unswept: bool,
}

impl Block {
    pub fn new() -> Block {
        Block {
            state: State::Free,
            committed: true,
            candidate: false,
            lines: 0,
            live_lines: 0,
            holes: 0,
            alloc: [0; BITMAP_WORDS],
            mark: [0; BITMAP_WORDS],
            unswept: false,
        }
    }

    /// Sets bit `g` of a granule bitmap; returns whether it was clear.
    #[inline(always)]
    pub fn set(words: &mut [u64; BITMAP_WORDS], g: usize) -> bool {
        let w = &mut words[g / 64];
        let bit = 1u64 << (g % 64);
        let was = *w & bit != 0;
        *w |= bit;
        !was
    }

    #[inline(always)]
    pub fn get(words: &[u64; BITMAP_WORDS], g: usize) -> bool {
        words[g / 64] & (1 << (g % 64)) != 0
    }

    /// Marks the lines an object of `size` bytes at in-block offset `off` occupies: its first
    /// line only when it fits in a line (see the module docs), all of them otherwise.
    #[inline(always)]
    pub fn mark_lines(&mut self, off: usize, size: usize) {
        self.lines |= line_run(off, size);
    }
}

/// The line marks of an object of `size` bytes at in-block offset `off` (see
/// [`Block::mark_lines`]).
#[inline(always)]
pub fn line_run(off: usize, size: usize) -> u128 {
    let first = off >> LINE_SHIFT;
    if size <= LINE {
        1u128 << first
    } else {
        let last = (off + size - 1) >> LINE_SHIFT;
        let n = last - first + 1;
        let run = if n >= LINES {
            u128::MAX
        } else {
            (1u128 << n) - 1
        };
        run << first
    }
}

/// The lines of a block with line marks `marks` that allocation may use.
#[inline]
pub fn free_lines(marks: u128) -> u128 {
    !(marks | marks << 1)
}

/// The next run of free lines at or after line `from`: `(first, end)` line indices.
#[inline]
pub fn next_hole(marks: u128, from: usize) -> Option<(usize, usize)> {
    if from >= LINES {
        return None;
    }
    let free = free_lines(marks) & (u128::MAX << from);
    if free == 0 {
        return None;
    }
    let first = free.trailing_zeros() as usize;
    let taken = !free_lines(marks) & (u128::MAX << first);
    let end = if taken == 0 {
        LINES
    } else {
        taken.trailing_zeros() as usize
    };
    Some((first, end))
}

/// Number of runs of free lines.
#[inline]
pub fn holes(marks: u128) -> u32 {
    let free = free_lines(marks);
    (free & !(free << 1)).count_ones()
}

/// Indices of the set bits of a granule bitmap, ascending.
pub fn ones(words: &[u64; BITMAP_WORDS]) -> impl Iterator<Item = usize> + '_ {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marked_line_also_takes_the_next_one() {
        assert_eq!(next_hole(0, 0), Some((0, LINES)));
        let marks = 1u128 << 3 | 1u128 << 10;
        assert_eq!(next_hole(marks, 0), Some((0, 3)));
        assert_eq!(
            next_hole(marks, 3),
            Some((5, 10)),
            "line 4 is conservatively taken"
        );
        assert_eq!(next_hole(marks, 11), Some((12, LINES)));
        assert_eq!(next_hole(u128::MAX, 0), None);
        assert_eq!(next_hole(marks, LINES), None);
        assert_eq!(holes(marks), 3);
        assert_eq!(holes(0), 1);
        assert_eq!(holes(u128::MAX), 0);
    }

    #[test]
    fn medium_objects_mark_every_line_they_touch() {
        let mut b = Block::new();
        b.mark_lines(LINE - 8, 16);
        assert_eq!(b.lines, 1, "a small object marks its first line only");
        b.mark_lines(2 * LINE + 8, 2 * LINE);
        assert_eq!(b.lines, 1 | 0b111 << 2);
        b.mark_lines(0, BLOCK);
        assert_eq!(b.lines, u128::MAX);
        assert!(Block::set(&mut b.alloc, 70));
        assert!(!Block::set(&mut b.alloc, 70));
        assert!(Block::get(&b.alloc, 70) && !Block::get(&b.alloc, 71));
        assert_eq!(ones(&b.alloc).collect::<Vec<_>>(), [70]);
    }
}
