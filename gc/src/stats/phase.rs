//! Per-phase times of a collection, and the clock the plans' collect code stamps them with.
//!
//! A collection runs the phases prepare → roots → closure → weak → release (a plan may skip
//! some or run them twice, e.g. a major collection followed by a scavenge). The collect code
//! calls [`PhaseClock::lap`] at each phase boundary, one line each; the time since the
//! previous lap is added to the phase that just ended.
//!
//! Invariant: the phases of an event add up to its pause (to the clock's resolution): the
//! heap starts the clock when the collector takes control and gives the time after the last
//! lap to [`Phase::Release`] when it hands control back.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::{Duration, Instant};

/// A phase of a collection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Before tracing: usage accounting, choosing evacuation candidates, clearing marks.
    Prepare,
    /// Visiting the roots (and the remembered set).
    Roots,
    /// The transitive closure: tracing (marking, copying) until the worklist is empty.
    Closure,
    /// Clearing or keeping weak references after the closure.
    Weak,
    /// Sweeping, freeing blocks, flipping semispaces, resetting limits.
    Release,
}

impl Phase {
    /// Every phase, in the order a collection runs them.
    pub const ALL: [Phase; 5] = [
        Phase::Prepare,
        Phase::Roots,
        Phase::Closure,
        Phase::Weak,
        Phase::Release,
    ];

    /// The phase's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Prepare => "prepare",
            Phase::Roots => "roots",
            Phase::Closure => "closure",
            Phase::Weak => "weak",
            Phase::Release => "release",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Wall time spent in each phase of one collection (nanoseconds in JSON).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseTimes {
    /// [`Phase::Prepare`].
    #[serde(with = "super::event::duration_ns")]
    pub prepare: Duration,
    /// [`Phase::Roots`].
    #[serde(with = "super::event::duration_ns")]
    pub roots: Duration,
    /// [`Phase::Closure`].
    #[serde(with = "super::event::duration_ns")]
    pub closure: Duration,
    /// [`Phase::Weak`].
    #[serde(with = "super::event::duration_ns")]
    pub weak: Duration,
    /// [`Phase::Release`].
    #[serde(with = "super::event::duration_ns")]
    pub release: Duration,
}

impl PhaseTimes {
    /// The time of one phase.
    pub fn get(&self, phase: Phase) -> Duration {
        match phase {
            Phase::Prepare => self.prepare,
            Phase::Roots => self.roots,
            Phase::Closure => self.closure,
            Phase::Weak => self.weak,
            Phase::Release => self.release,
        }
    }

    fn get_mut(&mut self, phase: Phase) -> &mut Duration {
        match phase {
            Phase::Prepare => &mut self.prepare,
            Phase::Roots => &mut self.roots,
            Phase::Closure => &mut self.closure,
            Phase::Weak => &mut self.weak,
            Phase::Release => &mut self.release,
        }
    }

    /// Each phase with its time, in order.
    pub fn iter(&self) -> impl Iterator<Item = (Phase, Duration)> + '_ {
        Phase::ALL.into_iter().map(|p| (p, self.get(p)))
    }

    /// The sum of the phases.
    pub fn total(&self) -> Duration {
        self.iter().map(|(_, d)| d).sum()
    }
}

/// Stamps phase boundaries during one collection.
#[derive(Debug)]
pub(crate) struct PhaseClock {
    last: Instant,
    times: PhaseTimes,
}

impl Default for PhaseClock {
    fn default() -> Self {
        PhaseClock {
            last: Instant::now(),
            times: PhaseTimes::default(),
        }
    }
}

impl PhaseClock {
    /// Starts a collection's clock at `now`.
    pub fn start(&mut self, now: Instant) {
        self.last = now;
        self.times = PhaseTimes::default();
    }

    /// `phase` just ended: the time since the previous lap is its.
    #[inline]
    pub fn lap(&mut self, phase: Phase) {
        let now = Instant::now();
        *self.times.get_mut(phase) += now.saturating_duration_since(self.last);
        self.last = now;
    }

    /// Ends the collection at `end`, the remainder going to [`Phase::Release`].
    pub fn finish(&mut self, end: Instant) -> PhaseTimes {
        self.times.release += end.saturating_duration_since(self.last);
        self.last = end;
        self.times
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn laps_accumulate_per_phase_and_sum_to_the_span() {
        let t0 = Instant::now();
        let mut c = PhaseClock::default();
        c.start(t0);
        c.lap(Phase::Roots);
        c.lap(Phase::Closure);
        c.lap(Phase::Roots);
        let end = Instant::now() + Duration::from_millis(2);
        let times = c.finish(end);
        assert_eq!(times.prepare, Duration::ZERO);
        assert_eq!(times.weak, Duration::ZERO);
        assert!(times.release >= Duration::from_millis(2));
        assert_eq!(times.total(), end - t0);
        let json = serde_json::to_string(&times).unwrap();
        assert!(json.contains(r#""closure":"#), "{json}");
        assert_eq!(serde_json::from_str::<PhaseTimes>(&json).unwrap(), times);
    }
}
