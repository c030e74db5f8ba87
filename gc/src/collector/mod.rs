//! Running a collection: when it runs, and the event each one records. What a collection
//! does is the plan's business ([`crate::plan`]); the building blocks it uses are here —
//! Cheney evacuation ([`scavenge`]) and marking with an explicit stack ([`mark`]).
//!
//! After a major collection the old-generation threshold is reset from the live size the
//! plan reports (see [`HeapConfig`](crate::HeapConfig)).

pub(crate) mod mark;
pub(crate) mod par;
pub(crate) mod scavenge;

use crate::heap::Heap;
use crate::object::{Flags, ObjPtr};
use crate::plan::ActivePlan;
use crate::stats::{CollectionCause, CollectionKind, GcEvent, IncrementalPhase, Phase};
use std::time::Instant;

impl Heap {
    /// Runs a collection now. Under `mark-sweep` and `semispace` every collection is whole
    /// heap, so `Minor` runs a major collection; under `no-gc` nothing happens.
    pub fn collect(&mut self, kind: CollectionKind) {
        self.collect_with(kind, CollectionCause::Requested);
    }

    /// Runs a collection to measure the heap (a census, a leak detector's checkpoint): it
    /// does what [`collect`](Self::collect) does, and its event's cause is
    /// [`CollectionCause::Measurement`], so a report can tell the observer's collections
    /// from the workload's own (`Requested` ones included).
    ///
    /// ```
    /// use gclab::{CollectionCause, CollectionKind, Heap};
    /// let mut heap = Heap::new()?;
    /// heap.collect(CollectionKind::Major);
    /// heap.collect_to_measure(CollectionKind::Major);
    /// let causes: Vec<_> = heap.stats().events().iter().map(|e| e.cause).collect();
    /// assert_eq!(causes, [CollectionCause::Requested, CollectionCause::Measurement]);
    /// # Ok::<(), gclab::HeapError>(())
    /// ```
    pub fn collect_to_measure(&mut self, kind: CollectionKind) {
        self.collect_with(kind, CollectionCause::Measurement);
    }

    pub(crate) fn collect_with(&mut self, kind: CollectionKind, cause: CollectionCause) {
        self.roots.drain_released();
        if self.plan.constraints().collects {
            let (kind, cause) = self.plan.collection_for(kind, cause, self.major_threshold);
            self.run(kind, cause);
        }
        self.drop_host_values();
        self.resume_source_panic();
    }

    /// Re-raises, once the collection is over and the heap whole, the first panic a
    /// [`RootSource`](crate::RootSource) raised during it; the sources that panicked have been
    /// unregistered and are dropped first (see the trait's docs).
    pub(crate) fn resume_source_panic(&mut self) {
        if let Some((panic, sources)) = self.roots.take_source_panic() {
            drop(sources);
            std::panic::resume_unwind(panic);
        }
    }

    fn run(&mut self, kind: CollectionKind, cause: CollectionCause) {
        // User code the collector calls (root sources) is caught where it is called; anything
        // else unwinding from here is a collector bug that would leave a half-done collection
        // behind, so it stops the process instead.
        let guard = AbortOnUnwind;
        let start = Instant::now();
        self.mark_stack.clock.start(start);
        let before = self.usage();
        let allocated_before = self.allocated_bytes();
        // Retire the nursery's new allocation into the running total before it is collected.
        self.allocated_retired = allocated_before;
        self.mark_stack.clock.lap(Phase::Prepare);
        let work = ActivePlan::collect(self, kind, cause);
        self.process_weak_tables();
        self.nursery_baseline = self.plan.bump_space().map_or(0, |y| y.used());
        let whole = work
            .incremental
            .is_none_or(|p| p == IncrementalPhase::MarkEnd);
        if kind == CollectionKind::Major && whole {
            let live = self.plan.live_after_major();
            let grown = (live as f64 * self.config.major_growth) as u64;
            self.major_threshold = grown
                .max(self.config.min_major_threshold as u64)
                .min(self.config.max_heap as u64);
        }
        self.update_limits();
        let after = self.usage();
        let end = Instant::now();
        let pause = end - start;
        let phases = self.mark_stack.clock.finish(end);
        let event = GcEvent {
            seq: self.stats.events().len() as u64,
            kind,
            cause,
            start: start.duration_since(self.epoch),
            pause,
            allocated_before,
            before,
            after,
            copied_bytes: work.copied,
            promoted_bytes: work.promoted,
            marked_bytes: work.marked,
            swept_bytes: work.swept,
            reclaimed_bytes: before.bytes().saturating_sub(after.bytes()),
            phases,
            incremental: work.incremental,
        };
        if self.config.trace_gc {
            eprintln!("{}", event.trace_line());
        }
        self.stats.record(event);
        self.plan.after_pause();
        std::mem::forget(guard);
    }
}

/// Clears the remembered flag of an object leaving the remembered set.
///
/// # Safety
/// `o` is a live object.
pub(crate) unsafe fn forget(o: ObjPtr) {
    // SAFETY: the caller's contract.
    unsafe { o.set_flag(Flags::REMEMBERED, false) }
}

/// Aborts the process if dropped while a panic unwinds: it lives across a collection's work,
/// which must never be left half done where safe code could see it.
struct AbortOnUnwind;

impl Drop for AbortOnUnwind {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("gclab: a panic unwound out of the collector mid-collection; aborting");
            std::process::abort();
        }
    }
}
