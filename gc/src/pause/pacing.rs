//! Pacing incremental marking by allocation: when a cycle starts, how much each slice marks,
//! and how much the mutator allocates between slices.
//!
//! The quantities, all in bytes unless stated (measured as the program runs):
//!
//! - `L`: the old generation's live size after the last major collection; `T`: the major
//!   threshold (`max(min_major_threshold, L × major_growth)`), at which a stop-the-world
//!   major collection would run; `O`: old and large bytes now.
//! - `p`: the promotion rate, old-generation growth per nursery byte allocated (promoted
//!   bytes ÷ bytes allocated, an average over the scavenges).
//! - `v`: the marking cost, nanoseconds per byte scanned (an average over the slices).
//! - `g`: the pause goal in nanoseconds.
//!
//! **Start.** A cycle starts when `O ≥ S = L + (T − L) × START_FRACTION`, leaving the
//! headroom `H = T − O` for the mutator while marking runs.
//!
//! **Slice budget.** One slice scans at most `B = SAFETY × g / v` bytes, so that it fits the
//! goal.
//!
//! **Debt.** The cycle must scan at most `W` bytes, the old and large bytes when it started
//! (objects allocated during the cycle are black and never scanned). Before the old
//! generation reaches `T` the mutator can allocate `A = H / p` nursery bytes. Marking keeps
//! ahead when it scans `W / A` bytes per byte allocated; with a margin of 2 (finish by half
//! the headroom), every byte allocated adds `r = 2 × W_left / A_left` bytes of marking debt,
//! and a slice runs when the debt reaches `B`, that is after
//!
//! ```text
//! interval = B / r = B × A_left / (2 × W_left)        (at least MIN_INTERVAL)
//! ```
//!
//! bytes of allocation, recomputed after every slice and scavenge from what is left. Like
//! gc-arena's debt, the condition that keeps the collector ahead is `r > W / A`: marking
//! finishes when the old generation has used at most half its headroom, unless the promotion
//! rate jumps. `T` is soft under a goal: past it the cycle goes on (slices every
//! `MIN_INTERVAL`), and only the heap limit abandons it for a stop-the-world major collection
//! (counted as a pause over the goal, never as a wrong result).

use std::time::Duration;

/// Where between the last live size and the threshold a cycle starts.
pub const START_FRACTION: f64 = 0.5;

/// The share of the goal a slice is planned to use.
pub const SAFETY: f64 = 0.6;

/// The least allocation between two slices (bytes), so that the mutator always progresses.
pub const MIN_INTERVAL: usize = 8 * 1024;

/// The least a slice scans (bytes), so that marking always progresses.
pub const MIN_BUDGET: u64 = 4 * 1024;

/// The least marking cost the model believes (ns per byte): scanning a large object of raw
/// bytes costs almost nothing per byte, and learning from it would size the next slice far
/// past the goal.
pub const MIN_NS_PER_BYTE: f64 = 1.0;

/// Weight of the newest sample in the averages.
const ALPHA: f64 = 0.3;

/// The pacing model of one heap.
#[derive(Clone, Debug)]
pub(crate) struct Pacing {
    goal: Duration,
    /// ns per byte scanned.
    ns_per_byte: f64,
    /// Promoted bytes per nursery byte allocated.
    promotion: f64,
}

impl Pacing {
    /// A model for `goal`, from guesses (2 ns per byte marked, half of the nursery promoted)
    /// until slices and scavenges are measured.
    pub fn new(goal: Duration) -> Pacing {
        Pacing {
            goal,
            ns_per_byte: 2.0,
            promotion: 0.5,
        }
    }

    /// The old-generation size `S` at which a cycle starts.
    pub fn start_at(live: u64, threshold: u64) -> u64 {
        live + (threshold.saturating_sub(live) as f64 * START_FRACTION) as u64
    }

    /// The pause goal.
    pub fn goal(&self) -> Duration {
        self.goal
    }

    /// Bytes one slice may scan (`B`).
    pub fn budget(&self) -> u64 {
        ((self.goal.as_nanos() as f64 * SAFETY / self.ns_per_byte) as u64).max(MIN_BUDGET)
    }

    /// Nursery bytes to allocate before the next slice, with `work_left` bytes (at most) left
    /// to scan and `headroom` bytes of old-generation growth left before the threshold.
    pub fn interval(&self, work_left: u64, headroom: u64) -> usize {
        if work_left == 0 {
            return MIN_INTERVAL;
        }
        let allocation_left = headroom as f64 / self.promotion.max(0.01);
        let i = self.budget() as f64 * allocation_left / (2.0 * work_left as f64);
        if i.is_finite() {
            (i as usize).max(MIN_INTERVAL)
        } else {
            MIN_INTERVAL
        }
    }

    /// Records a slice that scanned `bytes` in `time`.
    pub fn record_slice(&mut self, bytes: u64, time: Duration) {
        if bytes >= MIN_BUDGET {
            let v = time.as_nanos() as f64 / bytes as f64;
            self.ns_per_byte = (self.ns_per_byte * (1.0 - ALPHA) + v * ALPHA).max(MIN_NS_PER_BYTE);
        }
    }

    /// Records a scavenge that promoted `promoted` of `allocated` nursery bytes.
    pub fn record_scavenge(&mut self, allocated: usize, promoted: u64) {
        if allocated > 0 {
            let p = (promoted as f64 / allocated as f64).clamp(0.0, 1.0);
            self.promotion = self.promotion * (1.0 - ALPHA) + p * ALPHA;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_is_halfway_to_the_threshold() {
        assert_eq!(Pacing::start_at(100, 200), 150);
        assert_eq!(Pacing::start_at(300, 200), 300, "already past: start now");
    }

    #[test]
    fn interval_shrinks_as_work_grows_and_headroom_shrinks() {
        let mut p = Pacing::new(Duration::from_millis(1));
        for _ in 0..30 {
            p.record_slice(1 << 20, Duration::from_millis(1));
            p.record_scavenge(1 << 20, 1 << 19);
        }
        // ~1 ns per byte (the floor): a 0.6 ms slice scans ~600 KB.
        let b = p.budget();
        assert!((500_000..700_000).contains(&b), "{b}");
        // 10 MB to mark, 10 MB of headroom at p = 0.5: 20 MB of allocation, 2 × 10 MB of
        // debt, so a slice every B bytes.
        let i = p.interval(10 << 20, 10 << 20);
        assert!((i as i64 - b as i64).abs() < 1000, "{i} vs {b}");
        assert!(p.interval(20 << 20, 10 << 20) < i);
        assert!(p.interval(10 << 20, 5 << 20) < i);
        assert_eq!(p.interval(1 << 40, 1), MIN_INTERVAL);
    }
}
