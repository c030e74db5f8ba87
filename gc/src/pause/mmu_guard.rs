//! MMU-aware scheduling of the pauses the collector may defer: a marking slice (or a
//! cycle's start) runs only when it keeps the mutator's utilisation over the recent window
//! at or above a target.
//!
//! The guard remembers the pauses that ended within the last [`WINDOW`] (every pause:
//! scavenges, slices, final pauses). A deferrable pause predicted to last `d` may run at
//! `now` when
//!
//! ```text
//! Σ pauses in (now − WINDOW, now]  +  d  ≤  (1 − TARGET) × WINDOW
//! ```
//!
//! that is, when the window ending with it still gives the mutator `TARGET` of the time
//! (Metronome and other MMU-driven schedulers keep the same budget). Otherwise the slice is
//! put off by a little allocation and asked again. Scavenges are not deferred (the nursery is
//! full); their share of the window is what the slices leave over. The pacing
//! ([`super::pacing`]) keeps a margin of 2 on the old generation's headroom, which absorbs the
//! deferral; past the threshold a slice is due at every little allocation and the guard alone
//! spaces them, and only near the heap limit (see `URGENT`) is the guard bypassed, since
//! finishing the cycle before the heap limit matters more than a window's utilisation.
//!
//! Invariant: the guard only delays slices, it never skips marking work, so a cycle's
//! result is the same with or without it.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The window the guard keeps the utilisation over.
pub const WINDOW: Duration = Duration::from_millis(10);

/// The mutator utilisation the guard aims for over [`WINDOW`].
pub const TARGET: f64 = 0.7;

/// The recent pauses of one heap.
#[derive(Clone, Debug, Default)]
pub(crate) struct MmuGuard {
    /// `(end, length)` of the pauses that ended within the last window, oldest first.
    recent: VecDeque<(Instant, Duration)>,
}

impl MmuGuard {
    /// Records a pause of `length` that ended at `end`.
    pub fn record(&mut self, end: Instant, length: Duration) {
        self.recent.push_back((end, length));
        self.forget_before(end);
    }

    fn forget_before(&mut self, now: Instant) {
        while let Some(&(end, _)) = self.recent.front() {
            if now.saturating_duration_since(end) >= WINDOW {
                self.recent.pop_front();
            } else {
                break;
            }
        }
    }

    /// Pause time within the window ending at `now` (pauses partly inside count the part
    /// inside).
    pub fn paused(&mut self, now: Instant) -> Duration {
        self.forget_before(now);
        let from = now.checked_sub(WINDOW);
        self.recent
            .iter()
            .map(|&(end, len)| match from {
                Some(from) if end.checked_sub(len).is_none_or(|s| s < from) => {
                    end.saturating_duration_since(from)
                }
                _ => len,
            })
            .sum()
    }

    /// Whether a pause predicted to last `next` may start at `now`.
    pub fn allows(&mut self, now: Instant, next: Duration) -> bool {
        self.paused(now) + next <= WINDOW.mul_f64(1.0 - TARGET)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_window_defers_and_time_frees_it() {
        let mut g = MmuGuard::default();
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        assert!(g.allows(t0, ms(1)), "nothing recent");
        // Two 1 ms pauses a millisecond apart: 2 ms of the window used, 1 ms left.
        g.record(t0 + ms(1), ms(1));
        g.record(t0 + ms(3), ms(1));
        assert!(g.allows(t0 + ms(3), ms(1)));
        g.record(t0 + ms(4), ms(1));
        assert!(!g.allows(t0 + ms(4), Duration::from_micros(100)));
        // 9.5 ms after the first pause ended, half of it is still inside the window.
        assert_eq!(
            g.paused(t0 + ms(10) + Duration::from_micros(500)),
            ms(2) + Duration::from_micros(500)
        );
        // Once the first pause left the window, 1 ms fits again.
        assert!(g.allows(t0 + ms(11), Duration::from_micros(900)));
        assert!(!g.allows(t0 + ms(11), Duration::from_micros(1100)));
        // Long after, nothing is remembered.
        assert_eq!(g.paused(t0 + ms(100)), Duration::ZERO);
        assert!(g.recent.is_empty());
    }
}
