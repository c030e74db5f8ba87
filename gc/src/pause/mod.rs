//! The pause-time goal ([`HeapConfig::pause_goal`](crate::HeapConfig::pause_goal)) and the
//! models the collector plans its pauses with.
//!
//! A goal changes two things in the generational plans (`generational`, `gen-immix`):
//!
//! - **Bounded scavenges** ([`nursery`]): the nursery's allocation limit adapts so that the
//!   predicted copy time of its survivors — measured survival rate × nursery bytes ÷ measured
//!   copy speed, as G1 sizes its young generation — stays within the goal; survivors past the
//!   copy budget are promoted early; and the old-space memory a scavenge will promote into is
//!   committed after the collection, outside the pause.
//! - **Incremental old-generation marking** ([`incremental`]): marking runs in slices paced
//!   by allocation ([`pacing`]), with a snapshot-at-the-beginning barrier ([`satb`]); a
//!   slice runs only when the mutator's utilisation over the last 10 ms stays at its target
//!   ([`mmu_guard`]).
//! - **Lazy sweeping** (every plan with a mark-sweep or Immix space, goal or not): a
//!   collection's release only flips the old space's blocks to unswept; blocks are swept
//!   after the pause in batches, on allocation demand, and before the next marking, so no
//!   allocation ever comes from an unswept block.
//!
//! Invariant: with no goal nothing here runs but the lazy sweep, and every plan collects
//! exactly the objects it would without this module.

pub mod incremental;
pub mod mmu_guard;
pub mod nursery;
pub mod pacing;
pub mod satb;

use crate::heap::Heap;
use crate::stats::GcEvent;
use std::time::Duration;

/// The windows every report gives the minimum mutator utilisation for: 1, 10 and 100 ms.
pub const MMU_WINDOWS: [Duration; 3] = [
    Duration::from_millis(1),
    Duration::from_millis(10),
    Duration::from_millis(100),
];

/// Minimum mutator utilisation of a run of length `elapsed` whose pauses are `events` (in
/// order, as a heap records them), for a window of `window`: see
/// [`Stats::mmu`](crate::Stats::mmu), which this computes from a saved event list.
pub fn mmu(events: &[GcEvent], window: Duration, elapsed: Duration) -> f64 {
    let pauses: Vec<(Duration, Duration)> = events
        .iter()
        .map(|e| (e.start, e.start + e.pause))
        .collect();
    crate::stats::mmu::mmu(&pauses, window, elapsed)
}

/// Pauses in `events` longer than `goal`.
pub fn over_goal(events: &[GcEvent], goal: Duration) -> u64 {
    events.iter().filter(|e| e.pause > goal).count() as u64
}

impl Heap {
    /// The pause-time goal, if any.
    pub fn pause_goal(&self) -> Option<Duration> {
        self.config.pause_goal
    }

    /// Number of recorded pauses (collections or slices) longer than the pause goal; 0
    /// without a goal.
    pub fn pauses_over_goal(&self) -> u64 {
        self.config
            .pause_goal
            .map_or(0, |goal| over_goal(self.stats.events(), goal))
    }
}
