//! A copying space: two semispaces, bump allocation in one, Cheney evacuation into the other.
//!
//! Invariant: the *current* semispace holds exactly the objects in `[start, start + top)`,
//! laid end to end, so it can be walked header to header; the other semispace holds nothing
//! live outside a collection. Used as the generational plan's nursery, as the whole heap under
//! the `semispace` plan, and (with a single semispace) as the bump region of `no-gc`.
//!
//! Memory: the semispaces are huge-page regions ([`Region::with_huge_pages`]) and are never
//! given back, so each page faults at most once. The mutator faults in the first semispace
//! as it allocates; the second would fault in during the first collection, inside the pause,
//! so when it is at most [`PREFAULT_MAX`] bytes it is committed up front, when the space is
//! created (a few milliseconds and `capacity` bytes of memory at start-up, instead of in the
//! first pause).

use crate::mem::{poison, Region};
use crate::object::ObjPtr;

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
    /// Allocation stops here (≤ capacity); lowered by the heap to honour its limit.
    limit: usize,
    capacity: usize,
    objects: u64,
    /// To-space fill during a collection (the collector bump-allocates itself and reports
    /// it through `end_copy`).
    to_top: usize,
    to_objects: u64,
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
            capacity,
            objects: 0,
            to_top: 0,
            to_objects: 0,
            touched,
        })
    }

    #[inline]
    pub fn used(&self) -> usize {
        self.top
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

    /// Sets the allocation limit (clamped to the capacity, never below what is used).
    pub fn set_limit(&mut self, limit: usize) {
        self.limit = limit.clamp(self.top, self.capacity);
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
        (
            (self.spaces[self.current].start() as usize, self.top),
            (self.spaces[1 - self.current].start(), self.capacity),
        )
    }

    /// Records what the collector copied into to-space: `[0, to_top)` holds `to_objects`
    /// objects end to end.
    pub fn end_copy(&mut self, to_top: usize, to_objects: u64) {
        assert!(to_top <= self.capacity, "to-space overflow");
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
        self.to_top = 0;
        self.to_objects = 0;
        self.limit = self.capacity;
    }

    /// Walks the current semispace header to header, checking that every size stays inside
    /// the filled part and that the object count matches.
    pub fn check_walk(&self) -> Result<(), String> {
        let start = self.spaces[self.current].start();
        let (mut off, mut count) = (0usize, 0u64);
        while off < self.top {
            // SAFETY: `[0, top)` holds objects end to end (the module invariant); a corrupt
            // header is reported below before the walk goes past `top`.
            let size = unsafe { ObjPtr::from_ptr(start.add(off)).size() };
            if size < crate::object::HEADER_SIZE || off + size > self.top {
                return Err(format!(
                    "young object at {:#x} has a corrupt size {size}",
                    start as usize + off
                ));
            }
            off += size;
            count += 1;
        }
        if count != self.objects {
            return Err(format!(
                "young space counts {} objects but holds {count}",
                self.objects
            ));
        }
        Ok(())
    }

    /// Walks the objects of the current semispace in address order.
    pub fn for_each_object(&self, mut f: impl FnMut(ObjPtr)) {
        let start = self.spaces[self.current].start();
        let mut off = 0;
        while off < self.top {
            // SAFETY: `[0, top)` holds objects end to end (the module invariant), so `off`
            // is the start of a live object.
            let o = unsafe { ObjPtr::from_ptr(start.add(off)) };
            f(o);
            // SAFETY: as above.
            off += unsafe { o.size() };
        }
    }
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
}
