//! `generational`: a semispace copying nursery promoting into the mark-sweep old space, plus
//! large objects; an object-remembering write barrier.
//!
//! - **Minor** (nursery full): scavenge the nursery from the roots and the remembered set;
//!   survivors are copied to the other semispace or, at the promotion age, promoted.
//! - **Major, requested or at the heap limit**: mark from the roots tracing through the
//!   nursery in place, sweep the old space and large objects, then evacuate the nursery's
//!   survivors into the freed old space. Afterwards the nursery is empty (unless the old
//!   space cannot hold its survivors) and exactly the reachable objects remain: nursery
//!   objects are never treated as roots.
//! - **Major at the old-generation threshold** (a minor collection found the old space past
//!   it): the same mark and sweep, then an ordinary scavenge, so survivors stay young and the
//!   pause has no bulk promotion.
//!
//! Invariant between collections: every old or large object holding a nursery reference is
//! in the remembered set with its flag set (`verify` checks it).

mod incremental;

use super::common::mark_sweep;
use super::{BarrierKind, Constraints, PlanOps, Work};
use crate::collector::par::{scavenge_threads, Workers};
use crate::collector::scavenge::Scavenger;
use crate::config::HeapConfig;
use crate::error::HeapError;
use crate::heap::{Heap, SpaceKind};
use crate::object::ObjPtr;
use crate::pause::incremental::{Cycle, IncState};
use crate::pause::nursery::NurseryModel;
use crate::roots::RootTable;
use crate::space::{CopySpace, LargeObjectSpace, OldSpace, Space};
use crate::stats::{CollectionCause, CollectionKind, Phase, PhaseClock};
use std::time::Instant;

/// The generational plan's spaces and remembered set.
#[repr(C)] // the bump space first: see `ActivePlan`
pub(crate) struct Generational {
    nursery: CopySpace,
    old: OldSpace,
    large: LargeObjectSpace,
    /// Old and large objects that may hold references into the nursery.
    remset: Vec<ObjPtr>,
    /// The scavenge pause model that sizes the nursery under a pause goal.
    model: NurseryModel,
    /// Incremental marking of the old space under a pause goal.
    inc: IncState,
    /// The scavenge's collector threads (`gc_threads`).
    workers: Workers,
}

/// Address space reserved for a mark-sweep old space under a heap limit: the limit, half
/// again for size-class fragmentation, and one block per size class (a non-moving space needs
/// a block for each class in use, however few bytes it holds).
pub(crate) fn old_reserve(config: &HeapConfig) -> usize {
    use crate::space::marksweep::{BLOCK_SIZE, SIZE_CLASSES};
    config.max_heap + config.max_heap / 2 + SIZE_CLASSES.len() * BLOCK_SIZE
}

pub(crate) fn map_err(e: std::io::Error) -> HeapError {
    HeapError::Map(e.to_string())
}

impl Generational {
    /// A minor collection: the scavenge, measured for the pause models.
    fn minor(&mut self, roots: &mut RootTable, clock: &mut PhaseClock, promotion_age: u8) -> Work {
        let used = self.nursery.used();
        let age = self.model.promotion_age(promotion_age);
        let start = Instant::now();
        let work = self.scavenge(roots, clock, age, false);
        let survived = work.copied + work.promoted;
        self.model.record(used, survived, start.elapsed());
        if let Some(p) = &mut self.inc.pacing {
            p.record_scavenge(used, work.promoted);
        }
        work
    }

    /// Scavenges the nursery from the roots and the remembered set; with `promote_all` every
    /// survivor goes to the old space (if it fits).
    fn scavenge(
        &mut self,
        roots: &mut RootTable,
        clock: &mut PhaseClock,
        promotion_age: u8,
        promote_all: bool,
    ) -> Work {
        let mut sc = Scavenger::new(
            &mut self.nursery,
            Some(&mut self.old),
            &mut self.large,
            promotion_age,
            promote_all,
            false,
        );
        sc.cap_to_space(self.model.to_space_cap());
        let mut remset = std::mem::take(&mut self.remset);
        let parallel = self
            .workers
            .pool()
            .is_some_and(|pool| sc.par_evacuate(pool, roots, &mut remset, &mut self.remset));
        if !parallel {
            roots.for_each_slot_mut(&mut |slot| sc.evacuate(slot));
            sc.scan_remembered(remset, &mut self.remset);
        }
        clock.lap(Phase::Roots);
        sc.drain(&mut self.remset);
        clock.lap(Phase::Closure);
        let work = Work {
            copied: sc.copied_bytes,
            promoted: sc.promoted_bytes,
            ..Work::default()
        };
        self.nursery.flip();
        self.model.survivors = self.nursery.used();
        work
    }
}

impl PlanOps for Generational {
    const CONSTRAINTS: Constraints = Constraints {
        moves_objects: true,
        barrier: BarrierKind::ObjectRemembering,
        needs_nursery: true,
        old_threshold: true,
        ..Constraints::DEFAULT
    };

    fn new(config: &HeapConfig) -> Result<Self, HeapError> {
        Ok(Generational {
            nursery: CopySpace::new(config.nursery_size, 2).map_err(map_err)?,
            old: OldSpace::new(old_reserve(config)).map_err(map_err)?,
            large: LargeObjectSpace::new(),
            remset: Vec::new(),
            model: NurseryModel::new(config.pause_goal),
            inc: IncState::new(config.pause_goal, config.max_heap as u64),
            workers: Workers::new(scavenge_threads(config)),
        })
    }

    #[inline(always)]
    fn bump(&mut self) -> Option<&mut CopySpace> {
        Some(&mut self.nursery)
    }

    fn bump_space(&self) -> Option<&CopySpace> {
        Some(&self.nursery)
    }

    fn large(&mut self) -> &mut LargeObjectSpace {
        &mut self.large
    }

    /// An object that cannot fit even an empty nursery is allocated as a large one.
    fn large_threshold(&self, config: &HeapConfig) -> usize {
        config
            .large_object_threshold
            .min(self.nursery.current_range().1)
    }

    fn alloc_slow(heap: &mut Heap, size: usize) -> Result<*mut u8, HeapError> {
        if let Some(p) = Self::step(heap, size) {
            return Ok(p);
        }
        heap.collect_with(CollectionKind::Minor, CollectionCause::NurseryFull);
        if let Some(p) = Self::get(&mut heap.plan).nursery.alloc(size) {
            return Ok(p);
        }
        // The scavenge may have scheduled a cycle's start at once.
        if let Some(p) = Self::step(heap, size) {
            return Ok(p);
        }
        heap.collect_with(CollectionKind::Major, CollectionCause::HeapLimit);
        Self::get(&mut heap.plan)
            .nursery
            .alloc(size)
            .ok_or_else(|| heap.oom(size))
    }

    fn collection_for(
        &self,
        kind: CollectionKind,
        cause: CollectionCause,
        major_threshold: u64,
    ) -> (CollectionKind, CollectionCause) {
        if kind == CollectionKind::Minor && self.inc.cycle == Cycle::Done {
            // The scavenge ends the done cycle, in the same pause.
            (CollectionKind::Major, CollectionCause::Incremental)
        } else if kind == CollectionKind::Minor && self.inc.pacing.is_some() {
            // Under a pause goal the threshold starts (or hurries) a marking cycle instead
            // of a stop-the-world major collection; only the heap limit forces one.
            (kind, cause)
        } else if kind == CollectionKind::Minor && self.old_and_large() > major_threshold {
            // The old generation is past its threshold (the last minor collection's
            // promotion, or direct old allocation): this minor collection becomes a major
            // one that keeps the nursery's survivors young.
            (CollectionKind::Major, CollectionCause::OldThreshold)
        } else {
            (kind, cause)
        }
    }

    fn collect(heap: &mut Heap, kind: CollectionKind, cause: CollectionCause) -> Work {
        let age = heap.config.promotion_age;
        let Heap {
            plan,
            roots,
            mark_stack,
            satb,
            satb_active,
            major_threshold,
            ..
        } = heap;
        let p = Self::get(plan);
        p.inc.pause_began();
        if cause == CollectionCause::Incremental {
            let work = match p.inc.cycle {
                Cycle::Idle | Cycle::StartPending => {
                    let work = p.mark_start(roots, satb, satb_active);
                    mark_stack.clock.lap(Phase::Roots);
                    work
                }
                Cycle::Marking => {
                    let work = p.mark_slice(satb, satb_active);
                    mark_stack.clock.lap(Phase::Closure);
                    work
                }
                Cycle::Done => return p.mark_final(roots, &mut mark_stack.clock, age),
            };
            let old = p.old_and_large();
            p.inc.schedule(p.nursery.used(), old, *major_threshold);
            return work;
        }
        if kind == CollectionKind::Minor {
            let work = p.minor(roots, &mut mark_stack.clock, age);
            let old = p.old_and_large();
            p.inc
                .after_scavenge(p.nursery.used(), old, p.inc.live, *major_threshold);
            return work;
        }
        if p.inc.active() {
            p.mark_abort(satb, satb_active);
        }
        let young = p.nursery.current_range();
        let marked = mark_sweep(
            &mut p.old,
            &mut p.large,
            roots,
            mark_stack,
            Some(young),
            &mut p.remset,
        );
        let promote_all = cause != CollectionCause::OldThreshold;
        let moved = p.scavenge(roots, &mut mark_stack.clock, age, promote_all);
        p.inc.live = p.old_and_large();
        Work {
            marked: marked.marked,
            swept: marked.swept,
            ..moved
        }
    }

    fn live_after_major(&self) -> u64 {
        self.old_and_large()
    }

    fn update_limits(&mut self, max_heap: u64, _major_threshold: u64) -> Option<(usize, usize)> {
        let hard = max_heap.saturating_sub(self.old_and_large()) as usize;
        let soft = self.model.limit(self.nursery.current_range().1);
        let slice = self.inc.nursery_limit().unwrap_or(usize::MAX);
        self.nursery.set_limit(hard.min(soft).min(slice));
        Some(self.nursery.current_range())
    }

    fn for_each_space(&self, f: &mut dyn FnMut(&dyn Space)) {
        f(&self.nursery);
        f(&self.old);
        f(&self.large);
    }

    fn space_of(&self, addr: usize) -> SpaceKind {
        if self.large.contains(addr) {
            SpaceKind::Large
        } else if self.old.in_range(addr) {
            SpaceKind::Old
        } else {
            SpaceKind::Young
        }
    }

    fn old_and_large(&self) -> u64 {
        self.old.bytes() + self.large.bytes()
    }

    #[cold]
    fn remember(&mut self, obj: ObjPtr) {
        super::common::remember(&mut self.remset, obj);
    }

    fn remembered(&self) -> &[ObjPtr] {
        &self.remset
    }

    fn incremental(&self) -> bool {
        self.inc.active()
    }

    fn violation(&self) -> Option<String> {
        self.inc.violation.clone()
    }

    /// Records the pause for the MMU guard; sweeps a batch of the old-space blocks the last
    /// release left unswept; commits the old-space memory the next scavenge is predicted to
    /// promote into.
    fn after_pause(&mut self) {
        self.inc.pause_ended();
        self.old.sweep_some(crate::space::marksweep::SWEEP_BATCH);
        let n = self
            .model
            .pretouch_bytes(self.model.limit(self.nursery.current_range().1));
        if n > 0 {
            self.old.pretouch(n);
        }
    }
}
