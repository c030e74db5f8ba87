//! Memory from the operating system in big pieces.
//!
//! A [`Region`] is one anonymous mapping (memmap2), zero-filled, page-aligned, unmapped on
//! drop. Pages are committed lazily by the kernel, so reserving a large region costs address
//! space, not memory. Under Miri, which cannot model `mmap`, a region is a zeroed allocation
//! from the global allocator instead (tests run with small heaps there).

use std::ptr::NonNull;

/// Byte written over evacuated and freed memory in debug builds, so a stale pointer reads an
/// obviously broken header (`0xDEDEDEDE…` slot count) and `verify` or an assertion trips.
pub(crate) const POISON: u8 = 0xDE;

/// One contiguous, zero-initialised, page-aligned piece of memory.
pub(crate) struct Region {
    start: NonNull<u8>,
    len: usize,
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
        let len = len.max(1).next_multiple_of(4096);
        #[cfg(not(miri))]
        {
            let mut map = memmap2::MmapOptions::new().len(len).map_anon()?;
            let start = NonNull::new(map.as_mut_ptr()).expect("mmap returned null");
            Ok(Region { start, len, map })
        }
        #[cfg(miri)]
        {
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
            // SAFETY: the range is inside the mapping (asserted above), the mapping is private
            // and anonymous, so MADV_DONTNEED only drops pages that re-read as zero; the caller
            // holds `&mut self`, so no reference into the range is live.
            let r = unsafe {
                self.map
                    .unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, offset, len)
            };
            if r.is_err() {
                self.fill(offset, len, 0);
            }
        }
        #[cfg(miri)]
        self.fill(offset, len, 0);
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
}
