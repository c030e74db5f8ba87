//! A copying space: two semispaces, bump allocation in one, Cheney evacuation into the other.
//!
//! Invariant: the *current* semispace holds exactly the objects in `[start, start + top)`,
//! laid end to end, so it can be walked header to header; the other semispace holds nothing
//! live outside a collection. Some of those "objects" may be **fillers** ([`fill`]): gaps the
//! parallel scavenge's per-worker to-space chunks left (`collector::par::tlab`), each with a
//! header of its own size and the [`Flags::FILLER`] flag. A filler has no slots, no reference
//! points to it, and every walk skips it: [`for_each_object`](CopySpace::for_each_object)
//! (what the verifier, the heap walker, snapshots and census read) never yields one, and
//! [`used`](CopySpace::used) and [`objects`](CopySpace::objects) count only real objects. Used as the generational plan's nursery, as the whole heap under
//! the `semispace` plan, and (with a single semispace) as the bump region of `no-gc`.
//!
//! Memory: the semispaces are huge-page regions ([`Region::with_huge_pages`]) and are never
//! given back, so each page faults at most once. The mutator faults in the first semispace
//! as it allocates; the second would fault in during the first collection, inside the pause,
//! so when it is at most [`PREFAULT_MAX`] bytes it is committed up front, when the space is
//! created (a few milliseconds and `capacity` bytes of memory at start-up, instead of in the
//! first pause).

use crate::mem::{poison, Region};
use crate::object::{Flags, ObjPtr, HEADER_SIZE};

/// The largest to-space committed when the space is created. Covers the default 16 MiB
/// nursery; larger copying spaces (the `semispace` plan's, sized from `max_heap`) are left to
/// fault in lazily rather than claim their full size at start-up.
pub const PREFAULT_MAX: usize = 32 * 1024 * 1024;

pub(crate) struct CopySpace {
    spaces: Vec<Region>,
    current: usize,
    /// `spaces[current].start()`, kept beside the bump cursor so allocation reads no `Vec`.
    cur_start: *mut u8,
    /// Bytes used in the current semispace.
    top: usize,
    /// Allocation stops here (≤ capacity - reserve); lowered by the heap to honour its limit.
    limit: usize,
    /// Bytes the mutator leaves free for the fillers of a parallel scavenge
    /// ([`set_filler_reserve`](Self::set_filler_reserve)).
    reserve: usize,
    capacity: usize,
    objects: u64,
    /// To-space fill during a collection (the collector bump-allocates itself and reports
    /// it through `end_copy`).
    to_top: usize,
    to_objects: u64,
    /// Bytes of fillers in `[0, top)` of the current semispace, and in to-space during a
    /// collection.
    fillers: usize,
    to_fillers: usize,
    /// Per semispace, the highest fill it has had (or its prefaulted size): the bytes whose
    /// pages are committed, since the semispaces are never given back.
    touched: [usize; 2],
}

impl std::fmt::Debug for CopySpace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CopySpace")
            .field("capacity", &self.capacity)
            .field("top", &self.top)
            .field("objects", &self.objects)
            .finish()
    }
}

impl CopySpace {
    /// A space of two semispaces of `capacity` bytes each (one if `semispaces == 1`). With
    /// two, the second is committed now if it is at most [`PREFAULT_MAX`] bytes.
    pub fn new(capacity: usize, semispaces: usize) -> std::io::Result<CopySpace> {
        let mut spaces = (0..semispaces)
            .map(|_| Region::with_huge_pages(capacity))
            .collect::<std::io::Result<Vec<_>>>()?;
        let capacity = spaces[0].len();
        if semispaces == 2 && capacity <= PREFAULT_MAX {
            spaces[1].prefault(0, capacity);
        }
        let cur_start = spaces[0].start();
        let touched = [
            0,
            if semispaces == 2 && capacity <= PREFAULT_MAX {
                capacity
            } else {
                0
            },
        ];
        Ok(CopySpace {
            spaces,
            current: 0,
            cur_start,
            top: 0,
            limit: capacity,
            reserve: 0,
            capacity,
            objects: 0,
            to_top: 0,
            to_objects: 0,
            fillers: 0,
            to_fillers: 0,
            touched,
        })
    }

    /// Bytes of the current semispace's objects (fillers excluded).
    #[inline]
    pub fn used(&self) -> usize {
        self.top - self.fillers
    }

    #[inline]
    pub fn objects(&self) -> u64 {
        self.objects
    }

    /// Bytes of memory committed: the pages each semispace has been filled to (or was
    /// prefaulted to), rounded up to whole pages.
    pub fn committed_bytes(&self) -> u64 {
        let mut touched = self.touched;
        touched[self.current] = touched[self.current].max(self.top);
        touched
            .iter()
            .take(self.spaces.len())
            .map(|&t| t.next_multiple_of(crate::mem::PAGE) as u64)
            .sum()
    }

    /// Sets the allocation limit (clamped to the capacity less the filler reserve, never
    /// below what is used).
    pub fn set_limit(&mut self, limit: usize) {
        self.limit = limit.min(self.capacity - self.reserve).max(self.top);
    }

    /// Keeps `bytes` of the semispace free from mutator allocation (from the next
    /// [`set_limit`](Self::set_limit) or flip on), so a parallel scavenge of it always has
    /// that much room for the fillers of its per-worker chunks
    /// (`collector::par::tlab`: without room its workers claim to-space object by object).
    /// Spaces under 1 MiB keep none (their scavenges are short anyway); at most 1/32 of the
    /// capacity.
    pub fn set_filler_reserve(&mut self, bytes: usize) {
        self.reserve = if self.capacity < 1 << 20 {
            0
        } else {
            bytes.min(self.capacity / 32) & !7
        };
    }

    /// Bytes of fillers in the current semispace.
    #[cfg(test)]
    pub fn filler_bytes(&self) -> usize {
        self.fillers
    }

    #[cfg(test)]
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Start address and length of the current semispace, for the barrier's range check.
    #[inline]
    pub fn current_range(&self) -> (usize, usize) {
        (self.cur_start as usize, self.capacity)
    }

    /// Whether `addr` lies in the allocated part of the current semispace.
    #[cfg(test)]
    pub fn contains(&self, addr: usize) -> bool {
        addr.wrapping_sub(self.spaces[self.current].start() as usize) < self.top
    }

    /// Bump-allocates `size` bytes; `None` when the limit would be passed.
    #[inline(always)]
    pub fn alloc(&mut self, size: usize) -> Option<*mut u8> {
        let new_top = self.top + size;
        if new_top > self.limit {
            return None;
        }
        // SAFETY: `top + size <= limit <= capacity`, so the range is inside the region.
        let p = unsafe { self.cur_start.add(self.top) };
        self.top = new_top;
        self.objects += 1;
        Some(p)
    }

    /// Starts a collection: the to-space is empty. Returns the from-space bounds
    /// `(start address, bytes used)` and the to-space `(start, capacity)`; the collector
    /// bump-allocates in to-space itself (keeping the cursor in a register) and reports the
    /// result with [`end_copy`](Self::end_copy).
    pub fn begin_copy(&mut self) -> ((usize, usize), (*mut u8, usize)) {
        assert_eq!(
            self.spaces.len(),
            2,
            "a single-semispace region cannot be collected"
        );
        self.to_top = 0;
        self.to_objects = 0;
        self.to_fillers = 0;
        (
            (self.spaces[self.current].start() as usize, self.top),
            (self.spaces[1 - self.current].start(), self.capacity),
        )
    }

    /// Records fillers the collector wrote in to-space ([`fill`]): `bytes` of `[0, to_top)`
    /// are not objects. Called before [`end_copy`](Self::end_copy).
    pub fn add_to_fillers(&mut self, bytes: usize) {
        self.to_fillers += bytes;
    }

    /// Records what the collector copied into to-space: `[0, to_top)` holds `to_objects`
    /// objects end to end (and the fillers of [`add_to_fillers`](Self::add_to_fillers)).
    pub fn end_copy(&mut self, to_top: usize, to_objects: u64) {
        assert!(to_top <= self.capacity, "to-space overflow");
        assert!(self.to_fillers <= to_top, "more fillers than to-space");
        self.to_top = to_top;
        self.to_objects = to_objects;
    }

    /// Ends a collection: to-space becomes current, the old current semispace is poisoned
    /// (debug builds) and emptied.
    pub fn flip(&mut self) {
        let old = self.current;
        let used = self.top;
        self.touched[old] = self.touched[old].max(used);
        self.touched[1 - old] = self.touched[1 - old].max(self.to_top);
        // SAFETY: everything live in the old semispace was evacuated; nothing refers to it.
        unsafe { poison(self.spaces[old].start(), used) };
        self.current = 1 - old;
        self.cur_start = self.spaces[self.current].start();
        self.top = self.to_top;
        self.objects = self.to_objects;
        self.fillers = self.to_fillers;
        self.to_top = 0;
        self.to_objects = 0;
        self.to_fillers = 0;
        self.limit = (self.capacity - self.reserve).max(self.top);
    }

    /// Walks the current semispace header to header, checking that every size stays inside
    /// the filled part, that fillers are well formed, and that the object and filler counts
    /// match.
    pub fn check_walk(&self) -> Result<(), String> {
        let start = self.spaces[self.current].start();
        let (mut off, mut count, mut fillers) = (0usize, 0u64, 0usize);
        while off < self.top {
            // SAFETY: `[0, top)` holds objects and fillers end to end (the module invariant);
            // a corrupt header is reported below before the walk goes past `top`.
            let o = unsafe { ObjPtr::from_ptr(start.add(off)) };
            // SAFETY: as above.
            let (size, filler) = unsafe { (o.size(), is_filler(o)) };
            if size < HEADER_SIZE || off + size > self.top {
                return Err(format!(
                    "young object at {:#x} has a corrupt size {size}",
                    start as usize + off
                ));
            }
            if filler {
                // SAFETY: as above.
                if unsafe { o.slot_count() } != 0 {
                    return Err(format!("filler at {:#x} has slots", start as usize + off));
                }
                fillers += size;
            } else {
                count += 1;
            }
            off += size;
        }
        if count != self.objects {
            return Err(format!(
                "young space counts {} objects but holds {count}",
                self.objects
            ));
        }
        if fillers != self.fillers {
            return Err(format!(
                "young space counts {} filler bytes but holds {fillers}",
                self.fillers
            ));
        }
        Ok(())
    }

    /// Walks the objects of the current semispace in address order, skipping fillers.
    pub fn for_each_object(&self, mut f: impl FnMut(ObjPtr)) {
        let start = self.spaces[self.current].start();
        let mut off = 0;
        while off < self.top {
            // SAFETY: `[0, top)` holds objects and fillers end to end (the module invariant),
            // so `off` is the start of one.
            let o = unsafe { ObjPtr::from_ptr(start.add(off)) };
            // SAFETY: as above.
            let (size, filler) = unsafe { (o.size(), is_filler(o)) };
            if !filler {
                f(o);
            }
            off += size;
        }
    }
}

/// Writes a filler of `size` bytes at `p`: a header with no slots, `size - 16` raw bytes and
/// [`Flags::FILLER`], so a header-to-header walk steps over the gap.
///
/// # Safety
/// `p` is 8-aligned and valid for writes of `size` bytes that hold no object; `size` is a
/// multiple of 8, at least [`HEADER_SIZE`] and below 4 GiB.
pub(crate) unsafe fn fill(p: *mut u8, size: usize) {
    debug_assert!(size >= HEADER_SIZE && size % 8 == 0, "filler size {size}");
    // SAFETY: the caller's contract: the header's two words are writable and free.
    unsafe {
        let o = ObjPtr::from_ptr(p);
        o.init_header(0, 0, (size - HEADER_SIZE) as u32, 0);
        o.set_flag(Flags::FILLER, true);
    }
}

/// Whether `o` is a filler ([`fill`]).
///
/// # Safety
/// `o` is an object or a filler.
#[inline(always)]
pub(crate) unsafe fn is_filler(o: ObjPtr) -> bool {
    // SAFETY: the caller's contract.
    unsafe { o.has_flag(Flags::FILLER) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bump_respects_limit_and_flip_swaps() {
        let mut s = CopySpace::new(4096, 2).unwrap();
        assert!(s.alloc(4000).is_some());
        assert!(s.alloc(200).is_none(), "past capacity");
        assert_eq!(s.used(), 4000);
        s.set_limit(4000);
        assert_eq!(s.limit(), 4000);
        let p = s.alloc(0).unwrap();
        assert!(s.contains(p as usize - 8));
        let ((from, used), (to, cap)) = s.begin_copy();
        assert_eq!((used, cap), (4000, 4096));
        assert!(s.contains(from));
        let q = to as usize;
        assert!(!s.contains(q));
        s.end_copy(32, 1);
        s.flip();
        assert_eq!(s.used(), 32);
        assert!(s.contains(q));
        assert_eq!(s.objects(), 1);
    }

    /// Three objects with fillers between and after them, as the parallel scavenge leaves
    /// its to-space; returns the objects' addresses.
    fn with_fillers(s: &mut CopySpace) -> Vec<usize> {
        let (_, (to, _)) = s.begin_copy();
        let mut objs = Vec::new();
        // (size, filler?) end to end: 32 object, 48 filler, 24 object, 16 filler, 40 object,
        // 64 filler.
        let layout = [
            (32, false),
            (48, true),
            (24, false),
            (16, true),
            (40, false),
            (64, true),
        ];
        let mut off = 0;
        for (size, filler) in layout {
            // SAFETY: `off + size <= 224`, inside the 4096-byte to-space, and unused.
            unsafe {
                let p = to.add(off);
                if filler {
                    fill(p, size);
                } else {
                    let o = ObjPtr::from_ptr(p);
                    o.init_header(3, ((size - HEADER_SIZE) / 8) as u32, 0, 1);
                    for i in 0..(size - HEADER_SIZE) / 8 {
                        o.set_slot(i, crate::value::RawValue::int(i as i32));
                    }
                    objs.push(p as usize);
                }
            }
            off += size;
        }
        s.add_to_fillers(48 + 16 + 64);
        s.end_copy(off, 3);
        s.flip();
        objs
    }

    #[test]
    fn walks_and_counts_skip_fillers() {
        let mut s = CopySpace::new(4096, 2).unwrap();
        let objs = with_fillers(&mut s);
        let mut seen = Vec::new();
        s.for_each_object(|o| seen.push(o.addr()));
        assert_eq!(seen, objs, "only the objects, in address order");
        assert_eq!(s.objects(), 3);
        assert_eq!(s.used(), 32 + 24 + 40, "filler bytes are not used bytes");
        s.check_walk().unwrap();
        // Allocation goes on after the last filler.
        let p = s.alloc(16).unwrap() as usize;
        assert_eq!(p, objs[0] + 224);
        // SAFETY: `p` is a fresh 16-byte cell.
        unsafe { ObjPtr::from_ptr(p as *mut u8).init_header(3, 0, 0, 2) };
        assert_eq!(s.used(), 96 + 16);
        s.check_walk().unwrap();
    }

    #[test]
    fn the_filler_reserve_lowers_the_limit_of_spaces_from_1_mib() {
        let mut small = CopySpace::new(64 * 1024, 2).unwrap();
        small.set_filler_reserve(4096);
        small.set_limit(usize::MAX);
        assert_eq!(small.limit(), 64 * 1024, "small spaces keep no reserve");
        let mut s = CopySpace::new(1 << 20, 2).unwrap();
        s.set_filler_reserve(1 << 20);
        s.set_limit(usize::MAX);
        assert_eq!(
            s.limit(),
            (1 << 20) - (1 << 15),
            "at most 1/32 of the space"
        );
        s.set_filler_reserve(4096);
        s.begin_copy();
        s.end_copy(0, 0);
        s.flip();
        assert_eq!(s.limit(), (1 << 20) - 4096, "a flip applies it");
        assert!(s.alloc((1 << 20) - 4096).is_some());
        assert!(s.alloc(16).is_none(), "the reserve stays free");
    }

    #[test]
    fn check_walk_catches_miscounted_or_malformed_fillers() {
        let mut s = CopySpace::new(4096, 2).unwrap();
        let objs = with_fillers(&mut s);
        s.fillers -= 8;
        let e = s.check_walk().unwrap_err();
        assert!(e.contains("filler bytes"), "{e}");
        s.fillers += 8;
        // A filler that claims a slot is corrupt.
        let filler = (objs[0] + 32) as *mut u8;
        // SAFETY: the 48-byte filler after the first object; its first word is rewritten
        // with one slot, keeping the flag.
        unsafe {
            let o = ObjPtr::from_ptr(filler);
            let meta = filler.cast::<u64>().read();
            filler.cast::<u64>().write(meta | 1);
            assert!(is_filler(o));
        }
        let e = s.check_walk().unwrap_err();
        assert!(e.contains("has slots"), "{e}");
    }
}
