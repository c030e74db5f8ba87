//! Bounded scavenges: the nursery size that keeps a scavenge within the pause goal.
//!
//! A scavenge's pause is, to a good approximation, a fixed part (roots, remembered set,
//! bookkeeping) plus a part proportional to the bytes it copies or promotes. The model keeps
//! exponentially weighted averages of the **survival rate** `s` (bytes surviving ÷ nursery
//! bytes scavenged) and of the **copy cost** `c` (ns per surviving byte), and the fixed part
//! `f`, all measured on the scavenges themselves. The predicted pause of a scavenge of `n`
//! nursery bytes is `f + s·n·c`; solving `f + s·n·c ≤ SAFETY × goal` for `n` gives the
//! nursery's allocation limit (G1 sizes its young generation the same way, from its pause
//! prediction model):
//!
//! ```text
//! n_max = (SAFETY × goal − f) / (ŝ × c)        clamped to [MIN_NURSERY_ROOM, capacity]
//! ```
//!
//! where `ŝ = max(s, s_hi, WORST_SURVIVAL)` and `s_hi` is a slowly decaying maximum of the
//! recent survival rates (×[`HI_DECAY`] per scavenge).
//!
//! **Worst case: everything survives.** [`WORST_SURVIVAL`] is 1: the nursery never holds
//! more than the goal can copy. Programs that build a large structure now and then
//! (binary-trees' trees of depth 14 and more, GCBench's long-lived tree) go from ~1 %
//! survival to ~100 % from one scavenge to the next, with no warning a survival average could
//! give: measured on binary-trees depth 18 with a 1 ms goal, a nursery sized for 25 % (then
//! 50 %) survival grew to 5.3 (3.0) MB in the quiet stretches and the first scavenge of the
//! next burst copied 2.8–3.9 MB, 1.4–2.3 ms. Sized for full survival (1.5 MB at the measured
//! ~0.4 ns per byte) no scavenge copied more than 2.3 MB (GCBench) or predicted more than
//! 0.8 ms. The extra scavenges of the quiet stretches cost their fixed part (~15 µs each)
//! and the young structures they catch half-built.
//!
//! **Early promotion** (survival feedback). When the survival rate is high (above
//! [`EARLY_PROMOTION`]) most of the nursery is long-lived data being built, and copying it
//! into to-space only to copy it again at the next scavenge doubles the copy work; survivors
//! are then promoted at their first scavenge (a promotion age of 1), as HotSpot's adaptive
//! tenuring lowers its threshold when survivors overflow. (V8 pretenures from allocation-site
//! feedback, which the plain heap API does not have; promoting while the recent *maximum*
//! survival stays high, instead of the average, measured no better on binary-trees or
//! GCBench.)
//!
//! **What to-space may keep.** Survivors left in to-space are copied again by the next
//! scavenge, so they may take at most [`CARRY_SHARE`] of its copy budget
//! (`NurseryModel::to_space_cap`); the scavenger promotes the rest early.
//!
//! **Memory promoted into.** After the collection, outside its pause, the plan asks its old
//! space to commit and touch `s × n_max` bytes of empty blocks (twice that, for the
//! estimate's error), so the next scavenge's promotion does not page-fault inside its pause.
//!
//! Invariant: without a goal the limit is the nursery's capacity and the promotion age is
//! the configured one: nothing changes.

use std::time::Duration;

/// The share of the goal a scavenge is planned to use (the rest absorbs prediction error).
pub const SAFETY: f64 = 0.6;

/// The nursery never shrinks below this much room for new objects (bytes).
pub const MIN_NURSERY_ROOM: usize = 64 * 1024;

/// The least survival rate the nursery's limit assumes (the worst case must fit the goal):
/// all of it (see the module docs for the measurement).
pub const WORST_SURVIVAL: f64 = 1.0;

/// Survival rate above which survivors are promoted at their first scavenge.
pub const EARLY_PROMOTION: f64 = 0.5;

/// The share of a scavenge's copy budget the survivors left in to-space may take.
pub const CARRY_SHARE: f64 = 0.5;

/// Per-scavenge decay of the survival rate's recent maximum.
pub const HI_DECAY: f64 = 0.97;

/// Weight of the newest sample in the averages.
const ALPHA: f64 = 0.3;

/// The scavenge pause model of one heap.
#[derive(Clone, Debug)]
pub(crate) struct NurseryModel {
    goal: Option<Duration>,
    /// Surviving bytes ÷ scavenged bytes.
    survival: f64,
    /// The recent maximum of the survival rate, decaying by [`HI_DECAY`] per scavenge.
    survival_hi: f64,
    /// Nanoseconds per surviving byte.
    ns_per_byte: f64,
    /// Nanoseconds per scavenge regardless of survivors.
    fixed_ns: f64,
    samples: u64,
    /// Bytes the nursery's survivors held after the last scavenge (the limit leaves room
    /// above them).
    pub survivors: usize,
}

impl NurseryModel {
    /// A model for `goal`, starting from conservative guesses (half the nursery survives,
    /// 1 ns per byte, 20 µs fixed) until the first scavenges are measured.
    pub fn new(goal: Option<Duration>) -> NurseryModel {
        NurseryModel {
            goal,
            survival: 0.5,
            survival_hi: 0.5,
            ns_per_byte: 1.0,
            fixed_ns: 20_000.0,
            samples: 0,
            survivors: 0,
        }
    }

    /// Records a scavenge of `scavenged` nursery bytes of which `survived` survived, which
    /// took `pause`.
    pub fn record(&mut self, scavenged: usize, survived: u64, pause: Duration) {
        if scavenged == 0 {
            return;
        }
        let ns = pause.as_nanos() as f64;
        let s = survived as f64 / scavenged as f64;
        let mix = |old: f64, new: f64| {
            if self.samples == 0 {
                new
            } else {
                old * (1.0 - ALPHA) + new * ALPHA
            }
        };
        self.survival = mix(self.survival, s.clamp(0.0, 1.0));
        self.survival_hi = (self.survival_hi * HI_DECAY).max(s.clamp(0.0, 1.0));
        // The per-byte cost is learnt from scavenges that copied enough for it to dominate;
        // the fixed part from what the per-byte cost does not explain.
        if survived >= 64 * 1024 {
            let per_byte = (ns - self.fixed_ns).max(ns * 0.5) / survived as f64;
            self.ns_per_byte = mix(self.ns_per_byte, per_byte);
        }
        let fixed = (ns - survived as f64 * self.ns_per_byte).max(0.0);
        self.fixed_ns = mix(self.fixed_ns, fixed);
        self.samples += 1;
    }

    /// The predicted pause of a scavenge of `bytes` nursery bytes.
    #[cfg(test)]
    pub fn predict(&self, bytes: usize) -> Duration {
        Duration::from_nanos(
            (self.fixed_ns + self.survival * bytes as f64 * self.ns_per_byte) as u64,
        )
    }

    /// The nursery's allocation limit (bytes used at which it is scavenged), at most
    /// `capacity`, with at least [`MIN_NURSERY_ROOM`] above the bytes the survivors of the
    /// last scavenge hold (not above the current fill: the limit must not move as the
    /// nursery fills).
    pub fn limit(&self, capacity: usize) -> usize {
        let used = self.survivors;
        let Some(goal) = self.goal else {
            return capacity;
        };
        let s = self.survival.max(self.survival_hi).max(WORST_SURVIVAL);
        let n = self.budget_bytes(goal) / s;
        let n = if n.is_finite() { n as usize } else { capacity };
        n.max(used + MIN_NURSERY_ROOM).min(capacity)
    }

    /// The promotion age for the next scavenge: `configured`, or 1 when survival is high.
    pub fn promotion_age(&self, configured: u8) -> u8 {
        if self.goal.is_some() && self.survival > EARLY_PROMOTION {
            1
        } else {
            configured
        }
    }

    /// The copy budget of one scavenge in bytes: what `SAFETY × goal` copies after the fixed
    /// part, at the measured speed.
    fn budget_bytes(&self, goal: Duration) -> f64 {
        let ns = (goal.as_nanos() as f64 * SAFETY - self.fixed_ns).max(0.0);
        ns / self.ns_per_byte.max(1e-3)
    }

    /// The most survivor bytes a scavenge may leave in to-space (the rest is promoted): the
    /// next scavenge copies them again, so they may take at most [`CARRY_SHARE`] of its copy
    /// budget. Unbounded without a goal.
    pub fn to_space_cap(&self) -> usize {
        match self.goal {
            Some(goal) => (self.budget_bytes(goal) * CARRY_SHARE) as usize,
            None => usize::MAX,
        }
    }

    /// Bytes of old space to have committed before the next scavenge of `nursery` bytes.
    pub fn pretouch_bytes(&self, nursery: usize) -> usize {
        if self.goal.is_none() {
            return 0;
        }
        (self.survival * nursery as f64 * 2.0) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_goal_changes_nothing() {
        let m = NurseryModel::new(None);
        assert_eq!(m.limit(1 << 24), 1 << 24);
        assert_eq!(m.promotion_age(2), 2);
        assert_eq!(m.pretouch_bytes(1 << 20), 0);
        assert_eq!(m.to_space_cap(), usize::MAX);
    }

    #[test]
    fn limit_fits_a_full_survival_scavenge_in_the_goal() {
        let mut m = NurseryModel::new(Some(Duration::from_millis(1)));
        // 4 MiB scavenged, all of it survived, 4 ms: about 1 ns per byte.
        for _ in 0..20 {
            m.record(4 << 20, 4 << 20, Duration::from_millis(4));
        }
        let full = m.limit(16 << 20);
        // 0.6 ms of budget at ~1 ns per surviving byte: ~600 KB.
        assert!((400_000..800_000).contains(&full), "{full}");
        assert_eq!(
            m.promotion_age(2),
            1,
            "everything survives: promote at once"
        );
        let p = m.predict(full);
        assert!(p <= Duration::from_micros(700), "{p:?}");
        // Then 10 % survives for long: the nursery stays sized for everything surviving (a
        // burst gives no warning), and survivors age in to-space again.
        for _ in 0..200 {
            m.record(4 << 20, 400 << 10, Duration::from_micros(420));
        }
        let sparse = m.limit(16 << 20);
        assert!(sparse.abs_diff(full) < full / 4, "{sparse} vs {full}");
        assert_eq!(m.promotion_age(2), 2);
        // To-space may keep half of what a scavenge can copy.
        let cap = m.to_space_cap();
        assert!(cap.abs_diff(sparse / 2) < sparse / 8, "{cap} vs {sparse}");
    }

    #[test]
    fn limit_leaves_room_above_survivors_and_stays_in_capacity() {
        let mut m = NurseryModel::new(Some(Duration::from_micros(10)));
        m.record(1 << 20, 1 << 20, Duration::from_millis(10));
        m.survivors = 1000;
        assert_eq!(m.limit(1 << 24), 1000 + MIN_NURSERY_ROOM);
        assert_eq!(m.limit(4096), 4096);
    }
}
