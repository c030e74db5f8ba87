//! Incremental old-generation marking: the cycle's state machine, shared by the generational
//! plans (each drives its own old space and tracer through it).
//!
//! A cycle, under a pause goal:
//!
//! 1. **Start pending.** After a scavenge the old generation passed the start threshold
//!    (`Pacing::start_at`, see [`super::pacing`]); the nursery's limit is lowered so that the next allocation
//!    reaches the slow path.
//! 2. **Start** (its own pause, phase [`IncrementalPhase::MarkStart`](crate::stats::IncrementalPhase::MarkStart)): the old space starts
//!    allocating black and stops allocating into recyclable holes; the roots and the
//!    references held by every nursery object are marked grey; the deletion barrier
//!    ([`super::satb`]) is switched on; the large objects that exist are noted.
//! 3. **Slices** (phase [`IncrementalPhase::MarkSlice`](crate::stats::IncrementalPhase::MarkSlice)), each after the mutator allocated
//!    the pacing interval (see [`super::pacing`]) and the MMU guard allows it (see
//!    [`super::mmu_guard`]; otherwise it is put off by a little allocation): drain the barrier's log, then scan grey objects until the
//!    slice's byte budget is spent. Scavenges run in between as usual and promote black.
//!    When a slice leaves no grey object and an empty log, every object reachable at the
//!    start is marked: the cycle is *done* and the barrier is switched off.
//! 4. **Final** (phase [`IncrementalPhase::MarkEnd`](crate::stats::IncrementalPhase::MarkEnd)), at the next scavenge, in its pause:
//!    the scavenge runs first (so the nursery holds no dead object that could point at what
//!    the sweep frees), then the large objects allocated during the cycle are marked, the
//!    remembered set loses its dead entries — *weak references are processed here, after the
//!    closure and before the sweep* — and the old space and large objects are released.
//!    The old space's release only flips its blocks to *unswept* (O(1) work per block, no
//!    bitmap walk); their cells are swept after the pause, in batches and on allocation
//!    demand, and at the latest when the next cycle starts (see `space::immix::sweep` and
//!    `OldSpace::sweep`), so the final pause no longer sweeps the old generation.
//!
//! Any other major collection during a cycle (requested, heap limit, threshold, emergency
//! defragmentation) abandons it: marks are cleared and the collection runs stop-the-world
//! from scratch, so its result is exact. Immix evacuation (defragmentation) only happens in
//! those stop-the-world collections: objects never move during a cycle.
//!
//! Invariant (checked in debug builds at the final pause, reported by `verify`): when the
//! cycle is done, every old or large object reachable from the roots is marked.

use super::mmu_guard::MmuGuard;
use super::pacing::{Pacing, MIN_INTERVAL, SAFETY};
use crate::object::ObjPtr;
use crate::roots::RootTable;
use crate::space::{CopySpace, LargeObjectSpace};
use crate::trace;
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// Slices run without waiting for the MMU guard once the old generation is within
/// `1 / URGENT` of the heap limit (and past its threshold): the threshold is soft under a
/// goal, the heap limit is not.
pub const URGENT: u64 = 4;

/// Where a cycle is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cycle {
    /// No cycle.
    Idle,
    /// The next slow-path allocation starts a cycle.
    StartPending,
    /// Slices are marking.
    Marking,
    /// Marking finished; the next scavenge ends the cycle.
    Done,
}

/// One plan's incremental marking state.
#[derive(Debug)]
pub(crate) struct IncState {
    pub cycle: Cycle,
    /// `None` without a pause goal (no cycle ever starts).
    pub pacing: Option<Pacing>,
    /// Grey objects.
    pub stack: Vec<ObjPtr>,
    /// Bytes scanned in this cycle, all spaces; and the old space's part.
    pub marked: u64,
    pub marked_old: u64,
    /// Bytes promoted black into an old space that does not count them itself (Immix).
    pub black: u64,
    /// `W`: old and large bytes when the cycle started (the most it can scan).
    pub work: u64,
    /// Large objects that existed when the cycle started (the others are black).
    pub large_at_start: HashSet<usize>,
    /// Nursery fill at which the next slice (or the start) runs.
    pub next_slice_at: usize,
    /// `L`: old and large bytes after the last major collection or cycle.
    pub live: u64,
    /// A reachable old or large object the cycle missed (debug builds check at the final
    /// pause; `verify` reports it).
    pub violation: Option<String>,
    /// The recent pauses, which decide whether a slice may run now.
    guard: MmuGuard,
    /// When the pause in progress began.
    began: Option<Instant>,
    /// The old generation is near the heap limit (see [`URGENT`]): slices run without
    /// waiting for the guard.
    urgent: bool,
    /// The heap limit.
    max_heap: u64,
}

impl IncState {
    pub fn new(goal: Option<Duration>, max_heap: u64) -> IncState {
        IncState {
            cycle: Cycle::Idle,
            pacing: goal.map(Pacing::new),
            stack: Vec::new(),
            marked: 0,
            marked_old: 0,
            black: 0,
            work: 0,
            large_at_start: HashSet::new(),
            next_slice_at: 0,
            live: 0,
            violation: None,
            guard: MmuGuard::default(),
            began: None,
            urgent: false,
            max_heap,
        }
    }

    /// Whether a cycle is in progress (or about to start).
    pub fn active(&self) -> bool {
        self.cycle != Cycle::Idle
    }

    /// Whether new old-space objects must be allocated black.
    pub fn black(&self) -> bool {
        matches!(self.cycle, Cycle::Marking | Cycle::Done)
    }

    /// After a scavenge: schedules a cycle's start if the old generation passed the start
    /// threshold, and the next slice from the nursery's fill `used`.
    pub fn after_scavenge(&mut self, used: usize, old: u64, live: u64, threshold: u64) {
        if self.pacing.is_none() {
            return;
        }
        if self.cycle == Cycle::Idle && old >= Pacing::start_at(live, threshold) {
            self.cycle = Cycle::StartPending;
            self.next_slice_at = used;
        } else {
            self.schedule(used, old, threshold);
        }
    }

    /// Sets the next slice point from the work and headroom left.
    pub fn schedule(&mut self, used: usize, old: u64, threshold: u64) {
        if let Some(p) = &self.pacing {
            let left = self.work.saturating_sub(self.marked).max(1);
            self.urgent =
                old >= threshold.max(self.max_heap.saturating_sub(self.max_heap / URGENT));
            self.next_slice_at = used + p.interval(left, threshold.saturating_sub(old));
        }
    }

    /// The nursery limit the cycle imposes (the next slice point), if any.
    pub fn nursery_limit(&self) -> Option<usize> {
        matches!(self.cycle, Cycle::StartPending | Cycle::Marking).then_some(self.next_slice_at)
    }

    /// Whether the allocation slow path should run a step before an allocation that would
    /// fill the nursery to `needed` bytes (past the slice point).
    pub fn wants_step(&self, needed: usize) -> bool {
        matches!(self.cycle, Cycle::StartPending | Cycle::Marking) && needed > self.next_slice_at
    }

    /// Notes that a pause (any collection or slice) begins.
    pub fn pause_began(&mut self) {
        if self.pacing.is_some() {
            self.began = Some(Instant::now());
        }
    }

    /// Notes that the pause in progress ended (outside its measured part).
    pub fn pause_ended(&mut self) {
        if let Some(began) = self.began.take() {
            let now = Instant::now();
            self.guard.record(now, now - began);
        }
    }

    /// Whether a slice (or a cycle's start) due now may run: the window's utilisation allows
    /// a slice of the planned length, or the old generation is near the heap limit.
    pub fn slice_allowed(&mut self) -> bool {
        let Some(p) = &self.pacing else {
            return true;
        };
        self.urgent || self.guard.allows(Instant::now(), p.goal().mul_f64(SAFETY))
    }

    /// Puts the due slice off until `MIN_INTERVAL` more nursery bytes past `used`.
    pub fn defer(&mut self, used: usize) {
        self.next_slice_at = used + MIN_INTERVAL;
    }

    /// Begins a cycle over `work` bytes of old and large objects.
    pub fn begin(&mut self, work: u64, large: &LargeObjectSpace) {
        self.cycle = Cycle::Marking;
        self.stack.clear();
        self.marked = 0;
        self.marked_old = 0;
        self.black = 0;
        self.work = work;
        self.large_at_start.clear();
        large.for_each_object(|o| {
            self.large_at_start.insert(o.addr());
        });
    }

    /// Forgets the cycle (after the final pause or an abandonment).
    pub fn reset(&mut self) {
        self.cycle = Cycle::Idle;
        self.stack.clear();
        self.large_at_start = HashSet::new();
        self.black = 0;
    }

    /// Marks the large objects allocated during the cycle (they are black).
    pub fn blacken_new_large(&self, large: &mut LargeObjectSpace) {
        let mut new = Vec::new();
        large.for_each_object(|o| {
            if !self.large_at_start.contains(&o.addr()) {
                new.push(o);
            }
        });
        for o in new {
            // SAFETY: `o` is a live large object (just walked).
            unsafe { large.mark(o) };
        }
    }
}

/// Clears the mark flags of every large object (abandoning a cycle).
pub(crate) fn clear_large_marks(large: &LargeObjectSpace) {
    large.for_each_object(|o| {
        // SAFETY: `o` is a live large object (just walked).
        unsafe { o.set_flag(crate::object::Flags::MARKED, false) };
    });
}

/// Calls `grey` with every reference the nursery's objects hold (at a cycle's start: they
/// are part of the snapshot, but marking does not trace the nursery).
pub(crate) fn scan_nursery(nursery: &CopySpace, mut grey: impl FnMut(crate::value::RawValue)) {
    nursery.for_each_object(|o| {
        // SAFETY: `o` is an object of the nursery's current semispace, so live; only read.
        unsafe { trace::for_each_reference(o, |_, _, v| grey(v)) };
    });
}

/// Checks the cycle's result: every object reachable from `roots` for which `marked` answers
/// (old and large ones) must be marked. Returns the first one that is not. Linear in the
/// reachable heap; debug builds run it at every final pause.
pub(crate) fn check_marked(
    roots: &mut RootTable,
    marked: impl Fn(crate::value::RawValue) -> Option<bool>,
) -> Option<String> {
    let mut seen = HashSet::new();
    let mut stack = Vec::new();
    roots.for_each_slot_mut(&mut |slot| {
        if slot.is_ref() && seen.insert(slot.addr()) {
            stack.push(*slot);
        }
    });
    while let Some(v) = stack.pop() {
        if marked(v) == Some(false) {
            return Some(format!(
                "incremental marking missed the reachable object at {:#x}",
                v.addr()
            ));
        }
        // SAFETY: `v` is reachable from a root, so a live object.
        unsafe {
            let o = ObjPtr::from_value(v);
            trace::for_each_reference(o, |_, _, r| {
                if seen.insert(r.addr()) {
                    stack.push(r);
                }
            })
        };
    }
    None
}
