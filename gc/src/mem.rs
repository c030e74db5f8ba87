//! Memory from the operating system in big pieces.
//!
//! A [`Region`] is one anonymous mapping (memmap2), zero-filled, page-aligned, unmapped on
//! drop. Pages are committed lazily by the kernel, so reserving a large region costs address
//! space, not memory. Under Miri, which cannot model `mmap`, a region is a zeroed allocation
//! from the global allocator instead (tests run with small heaps there).
//!
//! The heap's big spaces (the nursery's semispaces, the old-space reservation) are
//! [huge-page regions](Region::with_huge_pages): on Linux their start is aligned to
//! [`HUGE_PAGE`] and they are marked `MADV_HUGEPAGE`, so where the kernel grants transparent
//! huge pages (`enabled` = `always` or `madvise`) filling 2 MiB costs one page fault instead
//! of 512, and the collector's scattered accesses miss the TLB less. Everything else about a
//! region is unchanged: the advice is a hint, and a kernel that ignores it gives 4 KiB pages.

use std::ptr::NonNull;

/// Byte written over evacuated and freed memory in debug builds, so a stale pointer reads an
/// obviously broken header (`0xDEDEDEDE…` slot count) and `verify` or an assertion trips.
pub(crate) const POISON: u8 = 0xDE;

/// Size of a transparent huge page (x86_64, and aarch64 with 4 KiB base pages).
pub(crate) const HUGE_PAGE: usize = 2 * 1024 * 1024;

/// The base page size the regions are rounded to.
pub(crate) const PAGE: usize = 4096;

/// One contiguous, zero-initialised, page-aligned piece of memory.
pub(crate) struct Region {
    start: NonNull<u8>,
    len: usize,
    /// Bytes of the mapping before `start`: the alignment slack of a huge-page region
    /// (address space only, never touched).
    #[cfg(not(miri))]
    skip: usize,
    #[cfg(not(miri))]
    map: memmap2::MmapMut,
}

impl std::fmt::Debug for Region {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Region({:p}, {} bytes)", self.start, self.len)
    }
}

#[cfg(miri)]
const MIRI_ALIGN: usize = 4096;

impl Region {
    /// Maps `len` bytes (rounded up to a page). Fails if the OS refuses the mapping.
    pub fn new(len: usize) -> std::io::Result<Region> {
        Region::map(len, false)
    }

    /// As [`new`](Self::new), for a big space that is filled densely: on Linux, a region of
    /// at least [`HUGE_PAGE`] bytes starts on a `HUGE_PAGE` boundary (the mapping is made up
    /// to `HUGE_PAGE - 4096` bytes longer and the start rounded up) and is advised
    /// `MADV_HUGEPAGE`. Elsewhere, and under Miri, the same as `new`.
    pub fn with_huge_pages(len: usize) -> std::io::Result<Region> {
        Region::map(len, true)
    }

    fn map(len: usize, huge: bool) -> std::io::Result<Region> {
        let too_big = || std::io::Error::other(format!("a region of {len} bytes is too large"));
        let len = len
            .max(1)
            .checked_next_multiple_of(PAGE)
            .filter(|l| l.checked_add(HUGE_PAGE).is_some())
            .ok_or_else(too_big)?;
        #[cfg(not(miri))]
        {
            let huge = huge && cfg!(target_os = "linux") && len >= HUGE_PAGE;
            // mmap returns page-aligned memory, so a 2 MiB boundary is at most this far in.
            let slack = if huge { HUGE_PAGE - PAGE } else { 0 };
            let mut map = memmap2::MmapOptions::new().len(len + slack).map_anon()?;
            let base = map.as_mut_ptr();
            let skip = (HUGE_PAGE - base as usize % HUGE_PAGE) % HUGE_PAGE;
            let skip = if huge { skip } else { 0 };
            debug_assert!(skip <= slack);
            // SAFETY: `skip <= slack`, so `base + skip` and the `len` bytes after it lie inside
            // the `len + slack`-byte mapping.
            let start = NonNull::new(unsafe { base.add(skip) }).expect("mmap returned null");
            #[cfg(target_os = "linux")]
            if huge {
                // A hint: without transparent huge page support the region keeps 4 KiB pages.
                let _ = map.advise_range(memmap2::Advice::HugePage, skip, len);
            }
            Ok(Region {
                start,
                len,
                skip,
                map,
            })
        }
        #[cfg(miri)]
        {
            let _ = huge;
            let layout = std::alloc::Layout::from_size_align(len, MIRI_ALIGN)
                .map_err(|e| std::io::Error::other(e.to_string()))?;
            // SAFETY: `layout` has non-zero size.
            let p = unsafe { std::alloc::alloc_zeroed(layout) };
            let start = NonNull::new(p).ok_or_else(|| std::io::Error::other("out of memory"))?;
            Ok(Region { start, len })
        }
    }

    #[inline]
    pub fn start(&self) -> *mut u8 {
        self.start.as_ptr()
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    #[cfg(test)]
    pub fn contains(&self, addr: usize) -> bool {
        addr.wrapping_sub(self.start.as_ptr() as usize) < self.len
    }

    /// Gives the pages of `[offset, offset + len)` back to the OS; they read as zero afterwards.
    /// Under Miri the range is zeroed instead.
    pub fn release(&mut self, offset: usize, len: usize) {
        assert!(offset + len <= self.len);
        #[cfg(not(miri))]
        {
            // SAFETY: the range is inside the region (asserted above), so inside the mapping
            // once shifted by `skip`; the mapping is private and anonymous, so MADV_DONTNEED
            // only drops pages that re-read as zero; the caller holds `&mut self`, so no
            // reference into the range is live.
            let r = unsafe {
                self.map.unchecked_advise_range(
                    memmap2::UncheckedAdvice::DontNeed,
                    self.skip + offset,
                    len,
                )
            };
            if r.is_err() {
                self.fill(offset, len, 0);
            }
        }
        #[cfg(miri)]
        self.fill(offset, len, 0);
    }

    /// Gives back the pages of whole blocks of `block_size` bytes, given by index: each run
    /// of adjacent indices (in the order given) is released with one call, because a sweep
    /// that frees a dead structure can empty hundreds of blocks and each call costs a system
    /// call and a TLB flush.
    pub fn release_blocks(&mut self, blocks: &[u32], block_size: usize) {
        let mut run: Option<(usize, usize)> = None;
        for &b in blocks {
            let b = b as usize;
            run = match run {
                Some((start, n)) if start + n == b => Some((start, n + 1)),
                Some((start, n)) => {
                    self.release(start * block_size, n * block_size);
                    Some((b, 1))
                }
                None => Some((b, 1)),
            };
        }
        if let Some((start, n)) = run {
            self.release(start * block_size, n * block_size);
        }
    }

    /// Commits the pages of `[offset, offset + len)` now (contents unchanged), so that first
    /// writes there later do not page-fault. Linux uses `MADV_POPULATE_WRITE` (one system
    /// call; whole huge pages in a huge-page region); elsewhere, or if that fails, each page
    /// is touched. Under Miri the memory is already allocated and this does nothing.
    pub fn prefault(&mut self, offset: usize, len: usize) {
        assert!(offset + len <= self.len);
        #[cfg(not(miri))]
        {
            #[cfg(target_os = "linux")]
            if self
                .map
                .advise_range(memmap2::Advice::PopulateWrite, self.skip + offset, len)
                .is_ok()
            {
                return;
            }
            let mut off = offset;
            while off < offset + len {
                // SAFETY: `off` is inside the region (asserted above) and `&mut self` means
                // no reference into it is live; the byte is rewritten with its own value.
                unsafe {
                    let p = self.start.as_ptr().add(off);
                    p.write_volatile(p.read_volatile());
                }
                off = (off / PAGE + 1) * PAGE;
            }
        }
        #[cfg(miri)]
        let _ = (offset, len);
    }

    /// Writes `byte` over `[offset, offset + len)`.
    pub fn fill(&mut self, offset: usize, len: usize, byte: u8) {
        assert!(offset + len <= self.len);
        // SAFETY: the range is inside the region (asserted above) and `&mut self` means no
        // reference into it is live.
        unsafe { std::ptr::write_bytes(self.start.as_ptr().add(offset), byte, len) }
    }
}

#[cfg(miri)]
impl Drop for Region {
    fn drop(&mut self) {
        let layout = std::alloc::Layout::from_size_align(self.len, MIRI_ALIGN).unwrap();
        // SAFETY: allocated in `new` with this exact layout and not freed since.
        unsafe { std::alloc::dealloc(self.start.as_ptr(), layout) }
    }
}

/// Writes `POISON` over `len` bytes at `p` in debug builds; a no-op in release builds.
///
/// # Safety
/// `[p, p + len)` must be writable memory that no live object occupies.
#[inline]
pub(crate) unsafe fn poison(p: *mut u8, len: usize) {
    if cfg!(debug_assertions) {
        // SAFETY: the caller's contract.
        unsafe { std::ptr::write_bytes(p, POISON, len) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_is_zeroed_aligned_and_releasable() {
        let mut r = Region::new(10_000).unwrap();
        assert_eq!(r.len(), 12_288);
        assert_eq!(r.start() as usize % 4096, 0);
        assert!(r.contains(r.start() as usize + 12_287));
        assert!(!r.contains(r.start() as usize + 12_288));
        r.fill(0, 8192, 0xAB);
        // SAFETY: offset 100 is inside the region.
        assert_eq!(unsafe { *r.start().add(100) }, 0xAB);
        r.release(4096, 4096);
        // SAFETY: offsets inside the region.
        unsafe {
            assert_eq!(*r.start().add(4096 + 5), 0, "released pages read as zero");
            assert_eq!(*r.start().add(5), 0xAB, "other pages keep their contents");
        }
    }

    #[test]
    fn release_blocks_releases_exactly_the_listed_blocks() {
        let mut r = Region::new(6 * PAGE).unwrap();
        r.fill(0, 6 * PAGE, 0xCD);
        // Two runs (4, 5 and 1) in the order a free list gives them, and 3 alone.
        r.release_blocks(&[4, 5, 1, 3], PAGE);
        for (b, want) in [0xCD, 0, 0xCD, 0, 0, 0].into_iter().enumerate() {
            // SAFETY: offsets inside the region.
            let (first, last) = unsafe {
                (
                    *r.start().add(b * PAGE),
                    *r.start().add(b * PAGE + PAGE - 1),
                )
            };
            assert_eq!((first, last), (want, want), "block {b}");
        }
    }

    #[test]
    fn huge_page_region_is_aligned_prefaultable_and_releasable() {
        // Miri allocates the whole length: keep it small there.
        let len = if cfg!(miri) {
            3 * PAGE
        } else {
            2 * HUGE_PAGE + PAGE
        };
        let mut r = Region::with_huge_pages(len).unwrap();
        assert_eq!(r.len(), len);
        if cfg!(all(target_os = "linux", not(miri))) {
            assert_eq!(r.start() as usize % HUGE_PAGE, 0, "huge-page aligned");
        }
        r.fill(0, len, 0xAB);
        r.prefault(0, len);
        // SAFETY: offsets inside the region.
        unsafe {
            assert_eq!(*r.start().add(7), 0xAB, "prefaulting keeps the contents");
            assert_eq!(*r.start().add(len - 1), 0xAB);
        }
        r.release(PAGE, PAGE);
        // SAFETY: offsets inside the region.
        unsafe {
            assert_eq!(*r.start().add(PAGE + 5), 0, "released pages read as zero");
            assert_eq!(*r.start().add(5), 0xAB, "other pages keep their contents");
            assert_eq!(*r.start().add(2 * PAGE), 0xAB);
        }
    }
}
