//! Statistics: one [`GcEvent`] per collection, and everything derived from the events.
//!
//! Every figure the reports, plots and benchmarks show is computed from the event list, so
//! the numbers agree with each other by construction. Pause percentiles are exact
//! (nearest rank over the recorded pauses), computed when asked for: a heap keeps no
//! histogram, so creating one costs nothing for statistics.

mod event;
pub(crate) mod mmu;
mod phase;
mod usage;

pub use event::{CollectionCause, CollectionKind, GcEvent, IncrementalPhase};
pub(crate) use phase::PhaseClock;
pub use phase::{Phase, PhaseTimes};
pub use usage::{HeapUsage, SpaceEntry, SpaceName, SpaceUsage, MAX_SPACES};

use std::time::Duration;

/// Pause figures for a set of collections.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct PauseSummary {
    /// Number of collections.
    pub count: u64,
    /// Median pause.
    pub p50: Duration,
    /// 90th percentile.
    pub p90: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// Longest pause.
    pub max: Duration,
    /// Sum of all pauses.
    pub total: Duration,
}

/// The heap's record of its collections.
#[derive(Default)]
pub struct Stats {
    events: Vec<GcEvent>,
}

impl std::fmt::Debug for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stats")
            .field("collections", &self.events.len())
            .finish()
    }
}

impl Stats {
    pub(crate) fn record(&mut self, event: GcEvent) {
        self.events.push(event);
    }

    /// Every collection so far, in order.
    pub fn events(&self) -> &[GcEvent] {
        &self.events
    }

    /// Number of collections of a kind (`None`: all).
    pub fn count(&self, kind: Option<CollectionKind>) -> u64 {
        self.filtered(kind).count() as u64
    }

    fn filtered(&self, kind: Option<CollectionKind>) -> impl Iterator<Item = &GcEvent> {
        self.events
            .iter()
            .filter(move |e| kind.is_none_or(|k| e.kind == k))
    }

    /// Pause percentiles of a kind of collection (`None`: all).
    ///
    /// A percentile is the nearest rank: the smallest recorded pause that at least that
    /// fraction of the pauses do not exceed. Sorts the pauses on each call (O(n log n)).
    pub fn pauses(&self, kind: Option<CollectionKind>) -> PauseSummary {
        let mut pauses: Vec<Duration> = self.filtered(kind).map(|e| e.pause).collect();
        let Some(&max) = pauses.iter().max() else {
            return PauseSummary::default();
        };
        pauses.sort_unstable();
        let n = pauses.len();
        let q = |p: f64| pauses[((p * n as f64).ceil() as usize).clamp(1, n) - 1];
        PauseSummary {
            count: n as u64,
            p50: q(0.5),
            p90: q(0.9),
            p99: q(0.99),
            max,
            total: pauses.iter().sum(),
        }
    }

    /// Bytes reclaimed divided by bytes occupied before, over collections of a kind.
    pub fn reclaim_rate(&self, kind: Option<CollectionKind>) -> f64 {
        let (r, b) = self.filtered(kind).fold((0u64, 0u64), |(r, b), e| {
            (r + e.reclaimed_bytes, b + e.before.bytes())
        });
        if b == 0 {
            0.0
        } else {
            r as f64 / b as f64
        }
    }

    /// Survival rate of minor collections: bytes copied or promoted / nursery bytes before.
    pub fn survival_rate(&self) -> f64 {
        let (s, b) = self
            .filtered(Some(CollectionKind::Minor))
            .fold((0u64, 0u64), |(s, b), e| {
                (
                    s + e.copied_bytes + e.promoted_bytes,
                    b + e.before.bytes_of(NURSERY),
                )
            });
        if b == 0 {
            0.0
        } else {
            s as f64 / b as f64
        }
    }

    /// Promotion rate of minor collections: bytes promoted / nursery bytes before.
    pub fn promotion_rate(&self) -> f64 {
        let (s, b) = self
            .filtered(Some(CollectionKind::Minor))
            .fold((0u64, 0u64), |(s, b), e| {
                (s + e.promoted_bytes, b + e.before.bytes_of(NURSERY))
            });
        if b == 0 {
            0.0
        } else {
            s as f64 / b as f64
        }
    }

    /// Total bytes reclaimed by all collections.
    pub fn reclaimed_bytes(&self) -> u64 {
        self.events.iter().map(|e| e.reclaimed_bytes).sum()
    }

    /// Minimum mutator utilisation: over every window of length `window` inside
    /// `[0, elapsed]`, the smallest fraction of the window the mutator was running.
    ///
    /// `elapsed` is the length of the run measured from the heap's creation
    /// ([`Heap::elapsed`](crate::Heap::elapsed)). A window longer than the run is clamped to it.
    pub fn mmu(&self, window: Duration, elapsed: Duration) -> f64 {
        mmu_of(&self.events, window, elapsed)
    }
}

/// [`Stats::mmu`] over any list of events in start order (e.g. a run's workload collections
/// only, or a log read back from JSON).
pub fn mmu_of<'a>(
    events: impl IntoIterator<Item = &'a GcEvent>,
    window: Duration,
    elapsed: Duration,
) -> f64 {
    let pauses: Vec<(Duration, Duration)> = events
        .into_iter()
        .map(|e| (e.start, e.start + e.pause))
        .collect();
    mmu::mmu(&pauses, window, elapsed)
}

/// Formats a size in MB with one decimal.
fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

impl GcEvent {
    /// One line in the spirit of V8's `--trace-gc`, then every space and the phase times:
    /// `[gc #12 @ 143.2 ms] Scavenge 4.0 (6.1) -> 0.4 (2.5) MB, 0.21 ms, reason: allocation
    /// failure; nursery 4.0 -> 0.4, immix 2.0 -> 2.1, large 0.1 -> 0.1 MB; prepare 0.01,
    /// roots 0.02, closure 0.15, release 0.03 ms`.
    ///
    /// The first figure is the space the collection targets (the nursery for a scavenge, every
    /// other space for a full collection), the one in parentheses the whole heap; then each
    /// space of the plan before and after (MB are 2²⁰ bytes); then each phase that took any
    /// time, in milliseconds.
    pub fn trace_line(&self) -> String {
        let target = |u: &HeapUsage| -> u64 {
            let nursery = u.bytes_of(NURSERY);
            match self.kind {
                CollectionKind::Minor => nursery,
                CollectionKind::Major => u.bytes() - nursery,
            }
        };
        let name = match self.kind {
            CollectionKind::Minor => "Scavenge",
            CollectionKind::Major if self.incremental.is_some() => "Mark-Sweep (incremental)",
            CollectionKind::Major => "Mark-Sweep",
        };
        let mut line = format!(
            "[gc #{} @ {:.1} ms] {} {:.1} ({:.1}) -> {:.1} ({:.1}) MB, {:.2} ms, reason: {}",
            self.seq,
            self.start.as_secs_f64() * 1e3,
            name,
            mb(target(&self.before)),
            mb(self.before.bytes()),
            mb(target(&self.after)),
            mb(self.after.bytes()),
            self.pause.as_secs_f64() * 1e3,
            self.cause,
        );
        for (i, b) in self.before.spaces().iter().enumerate() {
            let after = self.after.bytes_of(b.name.as_str());
            let sep = if i == 0 { "; " } else { ", " };
            line += &format!("{sep}{} {:.1} -> {:.1}", b.name, mb(b.bytes), mb(after));
        }
        if !self.before.spaces().is_empty() {
            line += " MB";
        }
        let mut first = true;
        for (phase, d) in self.phases.iter().filter(|(_, d)| !d.is_zero()) {
            let sep = if first { "; " } else { ", " };
            first = false;
            line += &format!("{sep}{phase} {:.2}", d.as_secs_f64() * 1e3);
        }
        if !first {
            line += " ms";
        }
        line
    }
}

/// The name of a plan's nursery space: minor collections target it, and survival and
/// promotion rates are measured against it.
pub const NURSERY: &str = "nursery";

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: u64, kind: CollectionKind, pause_us: u64, before: u64, after: u64) -> GcEvent {
        let usage = |bytes| -> HeapUsage {
            [SpaceEntry::new(NURSERY, bytes, 1, 0)]
                .into_iter()
                .collect()
        };
        GcEvent {
            seq,
            kind,
            cause: CollectionCause::Requested,
            start: Duration::from_millis(seq * 10),
            pause: Duration::from_micros(pause_us),
            allocated_before: 0,
            before: usage(before),
            after: usage(after),
            copied_bytes: after,
            promoted_bytes: 0,
            marked_bytes: 0,
            swept_bytes: 0,
            reclaimed_bytes: before - after,
            phases: PhaseTimes::default(),
            incremental: None,
        }
    }

    #[test]
    fn percentiles_and_rates_from_known_pauses() {
        let mut s = Stats::default();
        for i in 0..100 {
            s.record(event(i, CollectionKind::Minor, i + 1, 1000, 100));
        }
        s.record(event(100, CollectionKind::Major, 5000, 1000, 500));
        let minor = s.pauses(Some(CollectionKind::Minor));
        assert_eq!(minor.count, 100);
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        assert!((us(minor.p50) - 50.0).abs() < 0.1, "p50 {:?}", minor.p50);
        assert!((us(minor.p90) - 90.0).abs() < 0.1, "p90 {:?}", minor.p90);
        assert!((us(minor.p99) - 99.0).abs() < 0.1, "p99 {:?}", minor.p99);
        assert!((us(minor.max) - 100.0).abs() < 0.1);
        assert_eq!(minor.total, Duration::from_micros(5050));
        let all = s.pauses(None);
        assert!((us(all.max) - 5000.0).abs() < 5.0);
        assert!((s.reclaim_rate(Some(CollectionKind::Minor)) - 0.9).abs() < 1e-9);
        assert!((s.reclaim_rate(None) - (90_000.0 + 500.0) / 101_000.0).abs() < 1e-9);
        assert!((s.survival_rate() - 0.1).abs() < 1e-9);
        assert_eq!(s.reclaimed_bytes(), 90_500);
    }
}
