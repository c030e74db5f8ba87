//! Parallel collector work ([`HeapConfig::gc_threads`](crate::HeapConfig::gc_threads)): a
//! persistent worker [`pool`] and the parallel transitive closure of a stop-the-world major
//! collection ([`mark`]).
//!
//! What runs in parallel: the closure over strong slots of a whole-heap marking collection
//! (the mark-sweep space, the Immix space when the collection evacuates nothing, large
//! objects, and the nursery traced in place by the generational plans' majors). What stays
//! serial: root scanning (root sources are user code), weak and ephemeron processing after
//! the closure (the workers hand their deferred slots to the serial tracer, which finishes the
//! fixed point), Immix collections that evacuate (forwarding during marking), sweeping, the
//! scavenge, and incremental slices.
//!
//! Invariant: during a parallel phase every mark bit a worker may touch — a side-bitmap word,
//! an Immix line-mark word, an object header's first word — is accessed only atomically
//! (through [`MarkSpace`] or the `*_shared` header methods); objects' slots are only read.
//! Before and after the phase the collecting thread owns everything again (the pool's
//! `run` returns after every worker did, through a mutex), so the serial code around it keeps
//! its plain accesses.

pub(crate) mod mark;
pub(crate) mod pool;

use std::sync::atomic::AtomicU64;

pub(crate) use pool::Pool;

const _: () = assert!(
    std::mem::align_of::<AtomicU64>() == std::mem::align_of::<u64>(),
    "a bitmap of u64 words can be viewed as atomics"
);

/// Views a bitmap's words as atomics for a parallel phase; the `&mut` borrow guarantees no
/// plain access happens while the view lives.
pub(crate) fn atomic_words(words: &mut [u64]) -> &[AtomicU64] {
    // SAFETY: `AtomicU64` has the size, bit validity and (asserted above) alignment of `u64`;
    // the exclusive borrow of `words` is held for the view's lifetime, so every access in it
    // goes through the atomics.
    unsafe { &*(words as *mut [u64] as *const [AtomicU64]) }
}

/// A non-moving space's mark bits as the parallel closure's workers share them.
pub(crate) trait MarkSpace: Sync {
    /// Whether `addr` lies in the space.
    fn in_range(&self, addr: usize) -> bool;
    /// Sets the mark bit of the object at `addr` (in the space); returns whether this call
    /// set it.
    fn mark(&self, addr: usize) -> bool;
    /// Whether the object at `addr` (in the space) is marked.
    fn is_marked(&self, addr: usize) -> bool;
    /// Called once for each marked object of the space when it is scanned (Immix marks its
    /// lines here).
    fn scanned(&self, _addr: usize, _size: usize) {}
}

/// Whether the collecting thread should run a parallel closure: the pool, created on first
/// use, when `threads > 1`.
pub(crate) fn pool_for(slot: &mut Option<Pool>, threads: usize) -> Option<&Pool> {
    if threads <= 1 {
        return None;
    }
    let pool = slot.get_or_insert_with(|| Pool::new(threads - 1));
    (pool.workers() > 1).then_some(&*pool)
}
