//! To-space allocation of the parallel scavenge ([`super::scavenge`]): each worker claims
//! to-space in chunks with one atomic operation on the shared top and bump-allocates in its
//! chunk ([`Tlab`]); the unused tail of a chunk becomes a filler
//! ([`space::copy::fill`](crate::space::copy::fill)) when the worker moves to a new chunk or
//! the phase ends, so to-space stays one run of objects and fillers end to end (the copying
//! space's walk invariant).
//!
//! **No chunk tail is ever 8 bytes** (a filler needs a 16-byte header): a chunk's length and
//! every object size are multiples of 8 and at least 16, and [`Tlab::take`] places an object
//! only if it fills the tail exactly or leaves at least 16 bytes.
//!
//! **Fillers never overflow to-space.** Survivors alone fit (they came from a from-space of
//! `from_used <= capacity` bytes), but fillers are waste on top of them. The shared
//! `allowance` holds the waste to-space can still absorb: it starts at `capacity -
//! from_used`, grows by the bytes workers promote (a promoted byte will never need to-space),
//! and a worker reserves a whole chunk from it before claiming one, giving back the part its
//! objects used when it retires the chunk. A reservation is taken only while the allowance
//! stays non-negative, so at the end `fillers <= capacity - from_used + promoted` and
//! `to-space top = copied + fillers <= (from_used - promoted) + fillers <= capacity`. When no
//! reservation is possible a worker claims exactly its object's size (no waste).
//!
//! **Budget**: chunks are claimed only below the survivor budget (the serial scavenger's
//! `TO_SPACE_SHARE`), and a chunk never extends past it; past it survivors are promoted, and
//! only when the old space is full are they copied to to-space past the budget, each claimed
//! exactly.

use crate::space::copy::fill;
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};

/// The chunk size for a to-space of `capacity` bytes: 1/64 of it, between 256 bytes and
/// 32 KiB (a nursery of the default 16 MiB gets 32 KiB chunks).
fn chunk_size(capacity: usize) -> usize {
    (capacity / 64).clamp(256, 32 * 1024) & !7
}

/// The free room a nursery of `capacity` bytes should keep for the fillers of a scavenge on
/// `workers` threads: each worker's last chunk, one more, and 1/256 of the survivor budget
/// for the tails of chunks retired along the way (a tail is wasted only when an object of at
/// most a quarter chunk does not fit it: small objects waste little).
pub(crate) fn filler_reserve(capacity: usize, budget: usize, workers: usize) -> usize {
    (workers + 1) * chunk_size(capacity) + budget / 256
}

/// To-space as the workers share it.
pub(crate) struct ToSpace {
    /// Start (exposed address), capacity and survivor budget.
    start: usize,
    capacity: usize,
    budget: usize,
    chunk: usize,
    /// Bytes claimed from the start of to-space.
    top: AtomicUsize,
    /// Waste to-space can still absorb (module docs).
    allowance: AtomicIsize,
}

impl ToSpace {
    /// To-space `[start, start + capacity)`, survivors allowed up to `budget` bytes, during a
    /// scavenge of a from-space holding `from_used` bytes.
    pub fn new(start: usize, capacity: usize, budget: usize, from_used: usize) -> Self {
        ToSpace {
            start,
            capacity,
            budget: budget.min(capacity),
            chunk: chunk_size(capacity),
            top: AtomicUsize::new(0),
            allowance: AtomicIsize::new(capacity.saturating_sub(from_used) as isize),
        }
    }

    /// Whether `addr` lies in to-space.
    #[inline(always)]
    pub fn contains(&self, addr: usize) -> bool {
        addr.wrapping_sub(self.start) < self.capacity
    }

    /// Bytes claimed so far (the to-space top once every worker has retired its chunk).
    pub fn top(&self) -> usize {
        self.top.load(Ordering::Acquire)
    }

    fn at(&self, off: usize) -> *mut u8 {
        std::ptr::with_exposed_provenance_mut(self.start + off)
    }

    /// Claims `size` bytes below the budget; `None` if they would pass it.
    fn claim_below_budget(&self, size: usize) -> Option<usize> {
        let mut t = self.top.load(Ordering::Relaxed);
        loop {
            if t + size > self.budget {
                return None;
            }
            match self
                .top
                .compare_exchange_weak(t, t + size, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return Some(t),
                Err(now) => t = now,
            }
        }
    }

    /// A to-space cell of `size` bytes below the budget for worker `tlab`: from its chunk,
    /// else a new chunk, else (a large object, or no allowance for waste) an exact claim.
    /// `None` when the budget is reached: the object is to be promoted.
    #[inline(always)]
    pub fn alloc(&self, tlab: &mut Tlab, size: usize) -> Option<*mut u8> {
        match tlab.take(size) {
            Some(off) => Some(self.at(off)),
            None => self.alloc_slow(tlab, size),
        }
    }

    #[cold]
    #[inline(never)]
    fn alloc_slow(&self, tlab: &mut Tlab, size: usize) -> Option<*mut u8> {
        let small = size <= self.chunk / 4;
        if small && tlab.full {
            return None;
        }
        if small && (!tlab.starved || tlab.promoted >= self.chunk) {
            if let Some(off) = self.refill(tlab, size) {
                return Some(self.at(off));
            }
        }
        let off = self.claim_below_budget(size);
        // Once a small object finds the budget reached, this worker stops asking (every
        // later survivor is promoted): no shared atomic per object from here on.
        tlab.full |= small && off.is_none();
        off.map(|off| self.at(off))
    }

    /// Retires `tlab`'s chunk and claims a new one, reserving it from the allowance; returns
    /// the place of a `size`-byte object in it. `None` (the old chunk kept) without a
    /// reservation (then the worker is `starved` until it has promoted a chunk's worth) or
    /// below the budget's room.
    fn refill(&self, tlab: &mut Tlab, size: usize) -> Option<usize> {
        let credit = tlab.promoted as isize;
        tlab.promoted = 0;
        let want = self.chunk as isize;
        let before = self.allowance.fetch_add(credit - want, Ordering::Relaxed);
        tlab.starved = before + credit - want < 0;
        if tlab.starved {
            self.allowance.fetch_add(want, Ordering::Relaxed);
            return None;
        }
        let mut t = self.top.load(Ordering::Relaxed);
        let len = loop {
            let len = self.chunk.min(self.budget.saturating_sub(t)) & !7;
            if len != size && len < size + 16 {
                self.allowance.fetch_add(want, Ordering::Relaxed);
                return None;
            }
            match self
                .top
                .compare_exchange_weak(t, t + len, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => break len,
                Err(now) => t = now,
            }
        };
        let used = self.retire(tlab);
        self.allowance
            .fetch_add((used + self.chunk - len) as isize, Ordering::Relaxed);
        *tlab = Tlab {
            cursor: t,
            end: t + len,
            len,
            ..*tlab
        };
        tlab.take(size)
    }

    /// A to-space cell of `size` bytes past the budget (the old space is full): from the
    /// worker's chunk if it fits, else claimed exactly (no waste, see the module docs).
    pub fn alloc_past_budget(&self, tlab: &mut Tlab, size: usize) -> *mut u8 {
        if let Some(off) = tlab.take(size) {
            return self.at(off);
        }
        let off = self.top.fetch_add(size, Ordering::Relaxed);
        assert!(off + size <= self.capacity, "to-space overflow");
        self.at(off)
    }

    /// Fills the unused tail of `tlab`'s chunk and leaves it empty; returns the bytes its
    /// objects used. Called by the worker that owns it (or, at the end, on its behalf).
    pub fn retire(&self, tlab: &mut Tlab) -> usize {
        let tail = tlab.end - tlab.cursor;
        if tail > 0 {
            // SAFETY: `[cursor, end)` is the unused tail of a chunk this worker claimed, inside
            // to-space, 8-aligned; `take` never leaves a tail of 8 bytes, so it is at least 16
            // (module docs), and at most a chunk (32 KiB).
            unsafe { fill(self.at(tlab.cursor), tail) };
            tlab.fillers += tail;
        }
        let used = tlab.len - tail;
        tlab.cursor = tlab.end;
        tlab.len = 0;
        used
    }
}

/// One worker's to-space chunk `[cursor, end)` (offsets into to-space), with the filler
/// bytes it wrote and the bytes it promoted since its last chunk.
#[derive(Debug, Default)]
pub(crate) struct Tlab {
    cursor: usize,
    end: usize,
    /// The chunk's length (what was reserved from the allowance for it).
    len: usize,
    /// Bytes promoted and not yet credited to the allowance.
    pub promoted: usize,
    /// Filler bytes written.
    pub fillers: usize,
    /// The budget is reached: small survivors are promoted without asking again.
    full: bool,
    /// The last reservation failed: no new chunk until this worker's own promotions pay for
    /// one (claims are exact meanwhile).
    starved: bool,
}

impl Tlab {
    /// Bumps `size` bytes off the chunk if they fill it exactly or leave at least 16 bytes.
    #[inline(always)]
    fn take(&mut self, size: usize) -> Option<usize> {
        let c = self.cursor;
        let room = self.end - c;
        if size == room || size + 16 <= room {
            self.cursor = c + size;
            Some(c)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::ObjPtr;
    use crate::space::copy::is_filler;

    /// A to-space over `buf`, its objects recorded by writing 16-byte headers.
    fn walk(buf: &[u64], top: usize) -> (usize, usize) {
        let (mut off, mut fillers, mut objects) = (0, 0, 0);
        while off < top {
            // SAFETY: the test wrote an object or filler header at every `off` the walk reaches.
            let o = unsafe { ObjPtr::from_ptr(buf.as_ptr().cast::<u8>().add(off).cast_mut()) };
            // SAFETY: as above.
            let (size, filler) = unsafe { (o.size(), is_filler(o)) };
            if filler {
                fillers += size;
            } else {
                objects += size;
            }
            off += size;
        }
        assert_eq!(off, top, "the walk ends at the top");
        (objects, fillers)
    }

    fn place(p: *mut u8, size: usize) {
        // SAFETY: `p` is a fresh cell of `size` bytes in the test's buffer.
        unsafe { ObjPtr::from_ptr(p).init_header(1, 0, (size - 16) as u32, 0) };
    }

    #[test]
    fn chunks_leave_a_walkable_to_space_and_respect_the_budget() {
        let mut buf = vec![0u64; 4096 / 8];
        let start = buf.as_mut_ptr().expose_provenance();
        // A from-space half full: 2048 bytes of allowance for fillers, chunks of 256 bytes.
        let to = ToSpace::new(start, 4096, 2048, 2048);
        let mut tlabs = [Tlab::default(), Tlab::default()];
        let sizes = [24, 40, 16, 120, 56, 32, 48];
        let (mut placed, mut i) = (0, 0);
        loop {
            let size = sizes[i % sizes.len()];
            let Some(p) = to.alloc(&mut tlabs[i % 2], size) else {
                break;
            };
            place(p, size);
            placed += size;
            i += 1;
        }
        assert!(to.top() <= 2048, "nothing past the budget: {}", to.top());
        // Past the budget (the old space full): exact claims, then the chunks are retired.
        let p = to.alloc_past_budget(&mut tlabs[0], 72);
        place(p, 72);
        placed += 72;
        let fillers: usize = tlabs
            .iter_mut()
            .map(|t| {
                to.retire(t);
                t.fillers
            })
            .sum();
        assert_eq!(walk(&buf, to.top()), (placed, fillers));
        assert!(fillers > 0, "the chunk tails became fillers");
    }

    #[test]
    fn without_allowance_claims_are_exact() {
        let mut buf = vec![0u64; 4096 / 8];
        let start = buf.as_mut_ptr().expose_provenance();
        // A full from-space: no room for waste until bytes are promoted.
        let to = ToSpace::new(start, 4096, 4096, 4096);
        let mut t = Tlab::default();
        for _ in 0..10 {
            let p = to.alloc(&mut t, 32).unwrap();
            place(p, 32);
        }
        assert_eq!(to.top(), 320, "no chunk was claimed");
        // Promoting a chunk's worth earns one.
        t.promoted = 256;
        let p = to.alloc(&mut t, 32).unwrap();
        place(p, 32);
        assert_eq!(to.top(), 320 + 256);
        to.retire(&mut t);
        assert_eq!(t.fillers, 256 - 32);
        assert_eq!(walk(&buf, to.top()), (352, 224));
    }
}
