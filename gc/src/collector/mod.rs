//! Collections: when they run, what they do, and the event each one records.
//!
//! - **Minor** (generational): scavenge the nursery from the roots and the remembered set
//!   ([`scavenge`]); survivors are copied to the other semispace or, at the promotion age,
//!   promoted into the old generation.
//! - **Major** (generational, mark-sweep): evacuate the whole nursery into the old generation,
//!   then mark the old generation and large objects from the roots with an explicit mark
//!   stack ([`mark`]) and sweep both. Requested major collections and those forced by the
//!   heap limit take this form: afterwards the nursery is empty.
//! - **Major in place** (generational, when the old generation passed its threshold): mark
//!   from the roots tracing through the nursery without moving it, sweep, then scavenge the
//!   nursery like a minor collection. Survivors stay young; the pause has no bulk promotion.
//! - **Full copy** (semispace): scavenge the whole heap with no promotion, tracing large
//!   objects in place.
//!
//! After a major collection the old-generation threshold is reset from the live size (see
//! [`HeapConfig`](crate::HeapConfig)). A minor collection that finds the old generation past
//! the threshold (pushed there by the previous one's promotion) runs as a major in place.

pub(crate) mod mark;
pub(crate) mod scavenge;

use crate::config::Plan;
use crate::heap::Heap;
use crate::object::{Flags, ObjPtr};
use crate::stats::{CollectionCause, CollectionKind, GcEvent};
use scavenge::Scavenger;
use std::time::Instant;

#[derive(Default)]
struct Work {
    copied: u64,
    promoted: u64,
    marked: u64,
    swept: u64,
}

impl Heap {
    /// Runs a collection now. Under `mark-sweep` and `semispace` every collection is whole
    /// heap, so `Minor` runs a major collection; under `no-gc` nothing happens.
    pub fn collect(&mut self, kind: CollectionKind) {
        self.collect_with(kind, CollectionCause::Requested);
    }

    pub(crate) fn collect_with(&mut self, kind: CollectionKind, cause: CollectionCause) {
        self.roots.drain_released();
        self.collect_plan(kind, cause);
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

    fn collect_plan(&mut self, kind: CollectionKind, cause: CollectionCause) {
        match self.config.plan {
            Plan::NoGc => {}
            Plan::Generational => {
                let old = self.old.as_ref().map_or(0, |o| o.bytes()) + self.large.bytes();
                if kind == CollectionKind::Minor && old > self.major_threshold {
                    // The old generation is past its threshold (the last minor collection's
                    // promotion, or direct old allocation): this minor collection becomes a
                    // major one that keeps the nursery's survivors young.
                    self.run(CollectionKind::Major, CollectionCause::OldThreshold);
                } else {
                    self.run(kind, cause);
                }
            }
            Plan::MarkSweep | Plan::SemiSpace => self.run(CollectionKind::Major, cause),
        }
    }

    fn run(&mut self, kind: CollectionKind, cause: CollectionCause) {
        // User code the collector calls (root sources) is caught where it is called; anything
        // else unwinding from here is a collector bug that would leave a half-done collection
        // behind, so it stops the process instead.
        let guard = AbortOnUnwind;
        let start = Instant::now();
        let before = self.usage();
        let allocated_before = self.allocated_bytes();
        // Retire the nursery's new allocation into the running total before it is collected.
        self.allocated_retired = allocated_before;
        let work = match (self.config.plan, kind, cause) {
            (Plan::Generational, CollectionKind::Minor, _) => self.minor(),
            (Plan::Generational, CollectionKind::Major, CollectionCause::OldThreshold) => {
                self.major_in_place()
            }
            (Plan::SemiSpace, _, _) => self.full_copy(),
            _ => self.major(),
        };
        self.nursery_baseline = self.young.as_ref().map_or(0, |y| y.used());
        if kind == CollectionKind::Major {
            let live = match self.config.plan {
                // The copying space is the whole small-object heap under `semispace`.
                Plan::SemiSpace => self.young.as_ref().map_or(0, |y| y.used() as u64),
                _ => self.old.as_ref().map_or(0, |o| o.bytes()) + self.large.bytes(),
            };
            let grown = (live as f64 * self.config.major_growth) as u64;
            self.major_threshold = grown
                .max(self.config.min_major_threshold as u64)
                .min(self.config.max_heap as u64);
        }
        self.update_limits();
        let after = self.usage();
        let pause = start.elapsed();
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
        };
        if self.config.trace_gc {
            eprintln!("{}", event.trace_line());
        }
        self.stats.record(event);
        std::mem::forget(guard);
    }

    /// Threshold-triggered major collection (generational): mark the old generation and large
    /// objects from the roots, tracing through the nursery in place instead of evacuating it
    /// into the old space first; sweep; then scavenge the nursery as a minor collection does,
    /// from the roots and the remembered objects that survived the sweep.
    ///
    /// The pause is a mark, a sweep and an ordinary scavenge, not a promotion of the whole
    /// nursery into freshly allocated old cells. The result is as exact as [`major`]: a
    /// nursery object survives only if it is reachable from the roots (the remembered set is
    /// pruned to marked objects before the scavenge reads it).
    fn major_in_place(&mut self) -> Work {
        let young_range = self
            .young
            .as_ref()
            .expect("generational plan has a nursery")
            .current_range();
        let old = self
            .old
            .as_mut()
            .expect("major collections need an old space");
        let mut marker =
            mark::Marker::new(old, &mut self.large, std::mem::take(&mut self.mark_stack))
                .with_young(young_range);
        self.roots
            .for_each_slot_mut(&mut |slot| marker.mark_value(*slot));
        marker.drain();
        let marked = marker.marked_bytes;
        let marked_old = marker.marked_old_bytes;
        self.mark_stack = marker.into_stack();
        let swept = self.sweep_old_and_large(marked_old);
        let minor = self.minor();
        Work {
            marked,
            swept,
            ..minor
        }
    }

    /// Drops remembered objects that are about to be freed (the rest keep their flag), then
    /// sweeps the old space and the large objects after a mark. Returns the bytes freed.
    fn sweep_old_and_large(&mut self, marked_old: u64) -> u64 {
        let (old, large) = (self.old.as_ref().expect("old space"), &self.large);
        self.remset.retain(|o| {
            if old.in_range(o.addr()) {
                old.is_marked(o.addr())
            } else {
                // SAFETY: remembered large objects are live until the sweep below.
                large.contains(o.addr()) && unsafe { o.has_flag(Flags::MARKED) }
            }
        });
        let (old_swept, _) = self.old.as_mut().expect("old space").sweep(marked_old);
        let (large_swept, _) = self.large.sweep();
        old_swept + large_swept
    }

    /// Scavenges the nursery (generational minor collection).
    fn minor(&mut self) -> Work {
        let young = self
            .young
            .as_mut()
            .expect("generational plan has a nursery");
        let mut sc = Scavenger::new(
            young,
            self.old.as_mut(),
            &mut self.large,
            self.config.promotion_age,
            false,
            false,
        );
        self.roots.for_each_slot_mut(&mut |slot| sc.evacuate(slot));
        let remset = std::mem::take(&mut self.remset);
        sc.scan_remembered(remset, &mut self.remset);
        sc.drain(&mut self.remset);
        let work = Work {
            copied: sc.copied_bytes,
            promoted: sc.promoted_bytes,
            ..Work::default()
        };
        young_flip(self);
        work
    }

    /// Whole-heap copy (semispace plan).
    fn full_copy(&mut self) -> Work {
        let young = self
            .young
            .as_mut()
            .expect("semispace plan has a copying space");
        let mut sc = Scavenger::new(young, None, &mut self.large, u8::MAX, false, true);
        self.roots.for_each_slot_mut(&mut |slot| sc.evacuate(slot));
        let mut none = Vec::new();
        sc.drain(&mut none);
        debug_assert!(none.is_empty());
        let work = Work {
            copied: sc.copied_bytes,
            marked: sc.marked_large_bytes,
            ..Work::default()
        };
        young_flip(self);
        let (swept, _) = self.large.sweep();
        Work { swept, ..work }
    }

    /// Evacuate the nursery into the old generation, then mark-sweep old and large objects.
    fn major(&mut self) -> Work {
        let mut work = Work::default();
        if let Some(young) = self.young.as_mut() {
            let mut sc = Scavenger::new(
                young,
                self.old.as_mut(),
                &mut self.large,
                self.config.promotion_age,
                true,
                false,
            );
            self.roots.for_each_slot_mut(&mut |slot| sc.evacuate(slot));
            let remset = std::mem::take(&mut self.remset);
            sc.scan_remembered(remset, &mut self.remset);
            sc.drain(&mut self.remset);
            work.copied = sc.copied_bytes;
            work.promoted = sc.promoted_bytes;
            young_flip(self);
        }
        let old = self
            .old
            .as_mut()
            .expect("major collections need an old space");
        let mut marker =
            mark::Marker::new(old, &mut self.large, std::mem::take(&mut self.mark_stack));
        self.roots
            .for_each_slot_mut(&mut |slot| marker.mark_value(*slot));
        // Objects that stayed in the nursery (only if promotion ran out of old space) are
        // treated as roots: they survive this collection and keep what they reference.
        if let Some(young) = self.young.as_ref() {
            young.for_each_object(|o| marker.scan(o));
        }
        marker.drain();
        work.marked = marker.marked_bytes;
        let marked_old = marker.marked_old_bytes;
        self.mark_stack = marker.into_stack();
        work.swept = self.sweep_old_and_large(marked_old);
        work
    }
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

/// Flips the copying space and moves the barrier's young range with it.
fn young_flip(heap: &mut Heap) {
    heap.young.as_mut().expect("copying space").flip();
    heap.update_limits();
}

/// Clears the remembered flag of an object leaving the remembered set.
///
/// # Safety
/// `o` is a live object.
pub(crate) unsafe fn forget(o: ObjPtr) {
    // SAFETY: the caller's contract.
    unsafe { o.set_flag(Flags::REMEMBERED, false) }
}
