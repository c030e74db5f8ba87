//! Parallel collector work ([`HeapConfig::gc_threads`](crate::HeapConfig::gc_threads)): a
//! persistent worker [`pool`], work stealing with termination detection and the one worker
//! loop ([`steal`]), the parallel transitive closure of a stop-the-world marking collection
//! ([`mark`]) and the parallel scavenge ([`scavenge`]), which copies into per-worker to-space
//! chunks ([`tlab`]).
//!
//! What runs in parallel: the closure over strong slots of a whole-heap marking collection
//! (the mark-sweep space, the Immix space when the collection evacuates nothing, large
//! objects, and the nursery traced in place by the generational plans' majors), and the
//! generational plans' scavenges (roots' and remembered objects' targets evacuated by the
//! collecting thread, the rest by all workers). What stays serial: root scanning (root
//! sources are user code), weak and ephemeron processing after the closure (the workers hand
//! their deferred slots to the serial tracer, which finishes the fixed point), Immix
//! collections that evacuate, sweeping, the semispace plan's copy, and incremental slices.
//!
//! Invariant: during a parallel phase every header word or mark bit several workers may
//! touch — a side-bitmap word, an Immix line-mark word, an object header's first word (mark
//! flag, forwarding) — is accessed only atomically (through [`MarkSpace`], the `*_shared`
//! header methods or the scavenge's compare-and-swap); an object's slots are read or written
//! only by the one worker that scans it. Before and after the phase the collecting thread
//! owns everything again (the pool's `run` returns after every worker did, through a mutex),
//! so the serial code around it keeps its plain accesses.
//!
//! The marking pool lives in the collection scratch (`plan::common::Scratch`), the scavenge
//! pool in the generational plans ([`Workers`]): a heap that does both parks up to
//! `2 × (gc_threads − 1)` threads between collections.

pub(crate) mod mark;
pub(crate) mod pool;
pub(crate) mod scavenge;
mod steal;
mod tlab;

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

/// A plan's collector threads: the pool, started by the first collection that uses it.
#[derive(Debug, Default)]
pub(crate) struct Workers {
    threads: usize,
    pool: Option<Pool>,
}

impl Workers {
    /// Workers for [`HeapConfig::gc_threads`](crate::HeapConfig::gc_threads) `threads`.
    pub fn new(threads: usize) -> Self {
        Workers {
            threads,
            pool: None,
        }
    }

    /// The pool, if the collection is to run in parallel.
    pub fn pool(&mut self) -> Option<&Pool> {
        pool_for(&mut self.pool, self.threads)
    }
}

/// The threads a generational plan's scavenges use: `gc_threads` if
/// [`HeapConfig::parallel_scavenge`](crate::HeapConfig::parallel_scavenge), else 1.
pub(crate) fn scavenge_threads(config: &crate::HeapConfig) -> usize {
    if config.parallel_scavenge {
        config.gc_threads
    } else {
        1
    }
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
