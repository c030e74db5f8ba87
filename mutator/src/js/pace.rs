//! Checkpoints paced by the program's progress, in synchronous code as well as across turns
//! of the event loop.
//!
//! A run is executed twice: a silent **pre-pass** measures the work (virtual time reached and
//! bytes allocated — both deterministic: the clock is virtual and `Math.random` is seeded),
//! then the measured run places [`MARKS`] checkpoints at equal steps of **progress**, the mean
//! of the fractions of time and of allocation done (allocation alone when no virtual time
//! passes). So a program that leaks in one synchronous loop gets its checkpoints inside the
//! loop, an interval-driven one gets them between ticks, and every checkpoint carries the
//! fraction of work done that the growth and three-snapshot detectors need.
//!
//! Invariant: a checkpoint runs only where every live value is rooted (between statements,
//! or between macrotasks), since it forces a full collection.

use super::Interp;
use crate::probe::Probe;

/// Marks per run: a checkpoint at the start and at each `k / MARKS` of the progress; the one
/// at `(MARKS − 1) / MARKS` is the end of the work and also takes the retaining paths and the
/// final graph ([`Probe::finish`]).
pub const MARKS: u32 = 16;

/// The work a pre-pass measured.
#[derive(Clone, Copy, Debug, Default)]
pub struct Totals {
    /// Virtual time the run reached (ms).
    pub virtual_ms: u64,
    /// Bytes allocated by the program (after the built-ins were installed).
    pub allocated: u64,
}

/// The checkpoint state of a measured run.
#[derive(Debug)]
pub(crate) struct Pacer {
    pub probe: Probe,
    /// Virtual time of each checkpoint.
    pub times: Vec<u64>,
    totals: Totals,
    /// Bytes allocated before the program started (the built-ins).
    base: u64,
    /// Next mark (1..=MARKS).
    next: u32,
    /// Whether the last mark ran [`Probe::finish`].
    pub finished: bool,
    /// At virtual time `gate.0`, no mark is reached below `gate.1` bytes allocated: a lower
    /// bound of the exact threshold, so the per-statement check is one comparison.
    gate: (u64, u64),
}

impl Pacer {
    pub(crate) fn new(probe: Probe, totals: Totals, base: u64) -> Pacer {
        Pacer {
            probe,
            times: Vec::new(),
            totals,
            base,
            next: 1,
            finished: false,
            gate: (u64::MAX, 0),
        }
    }

    /// Sets the gate for virtual time `now`: the allocation below which progress stays
    /// short of the next mark (minus a margin for rounding, so it never skips a mark).
    fn set_gate(&mut self, now: u64) {
        let target = f64::from(self.next) / f64::from(MARKS);
        let frac = if self.finished || self.totals.allocated == 0 {
            f64::INFINITY
        } else if self.totals.virtual_ms == 0 {
            target
        } else {
            2.0 * target - now as f64 / self.totals.virtual_ms as f64
        };
        let bytes = frac * self.totals.allocated as f64 * (1.0 - 1e-9) - 4096.0;
        let gate = if bytes <= 0.0 {
            0
        } else if bytes >= u64::MAX as f64 / 2.0 {
            u64::MAX
        } else {
            self.base.saturating_add(bytes as u64)
        };
        self.gate = (now, gate);
    }

    /// Fraction of the work done at virtual time `now` with `allocated` bytes allocated.
    fn progress(&self, now: u64, allocated: u64) -> f64 {
        let a = if self.totals.allocated == 0 {
            1.0
        } else {
            allocated.saturating_sub(self.base) as f64 / self.totals.allocated as f64
        };
        let p = if self.totals.virtual_ms == 0 {
            a
        } else {
            (a + now as f64 / self.totals.virtual_ms as f64) / 2.0
        };
        p.clamp(0.0, 1.0)
    }
}

impl Interp<'_> {
    /// Takes a checkpoint if the program's progress passed the next mark.
    #[inline]
    pub(crate) fn maybe_checkpoint(&mut self, now: u64) {
        let Some(p) = self.pacer.as_mut() else {
            return;
        };
        let allocated = self.heap.allocated_bytes();
        if p.gate.0 == now && allocated < p.gate.1 {
            return;
        }
        let done = p.progress(now, allocated);
        if done * f64::from(MARKS) >= f64::from(p.next) && !p.finished {
            self.checkpoint(now, done);
        } else {
            p.set_gate(now);
        }
    }

    /// A checkpoint now, at progress `done`.
    pub(crate) fn checkpoint(&mut self, now: u64, done: f64) {
        let Some(mut p) = self.pacer.take() else {
            return;
        };
        let passed = (done * f64::from(MARKS)).floor() as u32;
        p.next = passed + 1;
        if passed + 1 >= MARKS && !p.finished {
            // The next-to-last mark ends the work: the program's roots are still in place (by
            // the very end, a cleared timer no longer shows what it held).
            p.probe.finish(&mut self.heap);
            p.finished = true;
        } else {
            p.probe.checkpoint(&mut self.heap, done);
        }
        p.times.push(now);
        self.pacer = Some(p);
    }
}
