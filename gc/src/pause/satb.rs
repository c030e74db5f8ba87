//! The snapshot-at-the-beginning (SATB) barrier of incremental marking (Yuasa's deletion
//! barrier).
//!
//! **Why SATB rather than incremental update.** An incremental-update (Dijkstra) barrier
//! shades the *new* value of a store and keeps the "no black object points to a white one"
//! invariant; but roots are not barriered here (handles, frames, root sources and the raw
//! embedder path change freely), so the final pause would have to rescan every root and the
//! nursery and then mark what that finds — work proportional to the roots and the young
//! generation, in the pause we want short. SATB instead guarantees that everything
//! reachable when the cycle started gets marked: the cycle marks the roots and the nursery's
//! references once, at its start, and the barrier logs the *old* value of every slot
//! overwritten during the cycle, so no path that existed at the start can be cut before the
//! marker has crossed it. Objects allocated during the cycle are black (allocated marked, or
//! in the nursery, which marking does not sweep). The final pause then has nothing to
//! rescan: it drains the log, which is empty when the last slice ended, and sweeps. The
//! price is floating garbage — objects that die during the cycle survive it — and a log
//! entry for each overwritten reference, which the slices drain.
//!
//! **Cost on the store fast path.** Outside a cycle one load of a flag and one
//! not-taken branch per store; inside a cycle the slot's old value is read and, if it is a
//! reference outside the nursery, pushed on the log. Measured with callgrind on a loop of a
//! million `set_raw` old-to-old stores (generational plan, no cycle running): 22.3 M
//! instructions without the check, 30.3 M with it — 8 more per store, more than the flag test
//! itself, because the check splits the inlined store sequence and the compiler re-derives
//! the slot address and bounds around it. (The criterion group `barrier` in
//! `benches/benches/micro.rs` times the same stores.)
//!
//! Invariant: while `Heap::satb_active` is set, the old value of every slot of an old or
//! large object overwritten by the mutator has been logged (nursery references and
//! immediates are skipped: marking does not trace the nursery, and the nursery objects that
//! existed when the cycle started were scanned then).

use crate::heap::Heap;
use crate::object::ObjPtr;
use crate::value::RawValue;

impl Heap {
    /// The deletion barrier, before slot `index` of `o` is overwritten: a no-op outside a
    /// marking cycle.
    ///
    /// # Safety
    /// `o` is a live object and `index` is below its slot count.
    #[inline(always)]
    pub(crate) unsafe fn satb_barrier(&mut self, o: ObjPtr, index: usize) {
        if self.satb_active {
            // SAFETY: the caller's contract.
            let old = unsafe { o.slot(index) };
            self.satb_log(old);
        }
    }

    /// Logs `old` if it is a reference outside the nursery.
    #[cold]
    #[inline(never)]
    fn satb_log(&mut self, old: RawValue) {
        if old.is_ref() && old.addr().wrapping_sub(self.barrier_lo()) >= self.barrier_len() {
            self.satb.push(old);
        }
    }
}
