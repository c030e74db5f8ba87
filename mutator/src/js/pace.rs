//! Checkpoints paced by the program's progress, in synchronous code as well as across turns
//! of the event loop, in a single run.
//!
//! Two [`Phase`]s sample the run at a doubling stride (see [`crate::probe::online`]): the
//! **main script**, between statements, by bytes allocated (so a program that leaks in one
//! synchronous loop gets its checkpoints inside the loop), and the **event loop**, after
//! macrotasks, by their count (as `mutator/oracle/verdict.js` samples V8). At the end the
//! phase that kept more samples gives the checkpoints, the verdict and the findings.
//!
//! Invariant: a checkpoint runs only where every live value is rooted (between statements,
//! or between macrotasks), since it forces a full collection.

use super::Interp;
use crate::probe::online::{Phase, Settled};
use crate::probe::ProbeOptions;

/// Bytes the main script allocates between its first two checkpoints (the stride then
/// doubles as the script goes on).
pub const SYNC_STRIDE: u64 = 32 << 10;

/// The checkpoint state of a run.
#[derive(Debug)]
pub(crate) struct Pacer {
    options: ProbeOptions,
    /// The main script, by bytes allocated since it started.
    sync: Phase,
    /// The event loop, by macrotasks run.
    turns: Phase,
    /// Bytes allocated before the program started (the built-ins).
    base: u64,
    /// Macrotasks run.
    macrotasks: u64,
}

impl Pacer {
    pub(crate) fn new(options: ProbeOptions, base: u64) -> Pacer {
        Pacer {
            options,
            sync: Phase::new(SYNC_STRIDE),
            turns: Phase::new(1),
            base,
            macrotasks: 0,
        }
    }
}

impl Interp<'_> {
    /// Takes the main script's first checkpoint (before it runs).
    pub(crate) fn start_checkpoints(&mut self) {
        if let Some(p) = self.pacer.as_mut() {
            p.sync.start(&mut self.heap, self.event_loop.now());
        }
    }

    /// Between statements of the main script: a checkpoint if its allocation reached the next
    /// stride.
    #[inline]
    pub(crate) fn maybe_checkpoint(&mut self, now: u64) {
        let Some(p) = self.pacer.as_mut() else {
            return;
        };
        let pos = self.heap.allocated_bytes().saturating_sub(p.base);
        if p.sync.due(pos) {
            p.sync.advance(&mut self.heap, pos, now);
        }
    }

    /// The main script is done: its phase ends and the event loop's starts.
    pub(crate) fn start_turns(&mut self) {
        if let Some(p) = self.pacer.as_mut() {
            p.sync
                .reach(self.heap.allocated_bytes().saturating_sub(p.base));
            p.turns.start(&mut self.heap, self.event_loop.now());
        }
    }

    /// After a macrotask: a checkpoint if the count reached the next stride.
    pub(crate) fn turn_checkpoint(&mut self, now: u64) {
        if let Some(p) = self.pacer.as_mut() {
            p.macrotasks += 1;
            p.turns.advance(&mut self.heap, p.macrotasks, now);
        }
    }

    /// Ends the run's checkpoints: the phase that kept more samples gives the checkpoints,
    /// censuses and findings (see [`Phase::settle`]); the program's roots are still held.
    pub(crate) fn settle_checkpoints(&mut self) -> Option<Settled> {
        let mut p = self.pacer.take()?;
        if p.turns.is_empty() {
            // The main script did not finish (an uncaught exception): its work ends here.
            p.sync
                .reach(self.heap.allocated_bytes().saturating_sub(p.base));
        }
        let phase = if p.sync.len() > p.turns.len() {
            p.sync
        } else {
            p.turns
        };
        Some(phase.settle(&mut self.heap, p.options, self.event_loop.now()))
    }
}
