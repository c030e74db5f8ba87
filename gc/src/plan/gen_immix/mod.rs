//! `gen-immix`: a semispace copying nursery promoting into an Immix old space (MMTk's default
//! plan, "GenImmix"), plus large objects; an object-remembering write barrier.
//!
//! - **Minor** (nursery full): scavenge the nursery from the roots and the remembered set;
//!   survivors are copied to the other semispace or, at the promotion age, promoted into the
//!   Immix space's free lines.
//! - **Major**: trace the Immix space and large objects from the roots through the nursery in
//!   place ([`ImmixTracer`](super::immix::trace::ImmixTracer), evacuating fragmented blocks),
//!   release them, then scavenge the nursery, promoting every survivor unless the collection
//!   ran at the old-generation threshold (then survivors stay young, as in `generational`).
//!   The remembered set is fixed between the closure and the release: entries that died are
//!   dropped, entries that were evacuated are replaced by their copies.
//! - **Out of blocks**: an emergency defragmenting major collection runs before
//!   `OutOfMemory` is reported.
//!
//! Invariant between collections: every old or large object holding a nursery reference is
//! in the remembered set with its flag set (`verify` checks it).

mod incremental;

use super::generational::map_err;
use super::immix::{alloc_with_defrag, immix_collect};
use super::{BarrierKind, Constraints, PlanOps, Work};
use crate::collector::par::{scavenge_threads, Workers};
use crate::collector::scavenge::PromotionTarget;
use crate::collector::scavenge::Scavenger;
use crate::config::HeapConfig;
use crate::error::HeapError;
use crate::heap::{Heap, SpaceKind};
use crate::object::{Flags, ObjPtr};
use crate::pause::incremental::{Cycle, IncState};
use crate::pause::nursery::NurseryModel;
use crate::roots::RootTable;
use crate::space::immix::{Defrag, ImmixSpace};
use crate::space::{CopySpace, LargeObjectSpace, Space};
use crate::stats::{CollectionCause, CollectionKind, Phase, PhaseClock};
use std::time::Instant;

/// The gen-immix plan's spaces and remembered set.
#[repr(C)] // the bump space first: see `ActivePlan`
pub(crate) struct GenImmix {
    nursery: CopySpace,
    immix: ImmixSpace,
    large: LargeObjectSpace,
    /// Old and large objects that may hold references into the nursery.
    remset: Vec<ObjPtr>,
    /// The scavenge pause model that sizes the nursery under a pause goal.
    model: NurseryModel,
    /// Incremental marking of the Immix space under a pause goal.
    inc: IncState,
    /// The next major collection is an emergency defragmentation.
    emergency: bool,
    /// The scavenge's collector threads (`gc_threads`).
    workers: Workers,
}

impl GenImmix {
    /// Scavenges the nursery from the roots and the remembered set; with `promote_all` every
    /// survivor goes to the Immix space (if it fits).
    fn scavenge(
        &mut self,
        roots: &mut RootTable,
        clock: &mut PhaseClock,
        promotion_age: u8,
        promote_all: bool,
    ) -> Work {
        let cap = self.model.to_space_cap();
        let work = if self.inc.black() {
            let black = incremental::Black {
                immix: &mut self.immix,
                bytes: &mut self.inc.black,
            };
            scavenge_into(
                &mut self.nursery,
                black,
                &mut self.large,
                &mut self.remset,
                roots,
                clock,
                (promotion_age, promote_all, &mut self.workers, cap),
            )
        } else {
            scavenge_into(
                &mut self.nursery,
                &mut self.immix,
                &mut self.large,
                &mut self.remset,
                roots,
                clock,
                (promotion_age, promote_all, &mut self.workers, cap),
            )
        };
        self.nursery.flip();
        self.model.survivors = self.nursery.used();
        work
    }

    /// Commits the Immix memory the next scavenge is predicted to promote into (after a
    /// pause, outside it).
    fn pretouch(&mut self) {
        let n = self
            .model
            .pretouch_bytes(self.model.limit(self.nursery.current_range().1));
        if n > 0 {
            self.immix.pretouch(n);
        }
    }

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
}

/// Scavenges `nursery` from the roots and the remembered set, promoting into `old`.
fn scavenge_into<O: PromotionTarget>(
    nursery: &mut CopySpace,
    mut old: O,
    large: &mut LargeObjectSpace,
    remset: &mut Vec<ObjPtr>,
    roots: &mut RootTable,
    clock: &mut PhaseClock,
    (promotion_age, promote_all, workers, cap): (u8, bool, &mut Workers, usize),
) -> Work {
    let mut sc = Scavenger::promoting_into(
        nursery,
        Some(&mut old),
        large,
        promotion_age,
        promote_all,
        false,
    );
    sc.cap_to_space(cap);
    let mut old_set = std::mem::take(remset);
    let parallel = workers
        .pool()
        .is_some_and(|pool| sc.par_evacuate(pool, roots, &mut old_set, remset));
    if !parallel {
        roots.for_each_slot_mut(&mut |slot| sc.evacuate(slot));
        sc.scan_remembered(old_set, remset);
    }
    clock.lap(Phase::Roots);
    sc.drain(remset);
    clock.lap(Phase::Closure);
    Work {
        copied: sc.copied_bytes,
        promoted: sc.promoted_bytes,
        ..Work::default()
    }
}

/// The remembered set after a major closure: live entries only, evacuated ones replaced by
/// their copies.
fn fix_remset(remset: &mut Vec<ObjPtr>, immix: &ImmixSpace, large: &LargeObjectSpace) {
    remset.retain_mut(|o| {
        if immix.in_range(o.addr()) {
            // SAFETY: a remembered object was live before this collection, so its header
            // is its own or (evacuated) a forwarding one.
            let h = unsafe { o.header() };
            if h.is_forwarded() {
                // SAFETY: forwarded, so `extra` is the live copy's address.
                *o = unsafe { h.forwardee() };
                true
            } else {
                immix.is_marked(o.addr())
            }
        } else {
            // SAFETY: remembered large objects are live until the sweep that follows.
            large.contains(o.addr()) && unsafe { o.has_flag(Flags::MARKED) }
        }
    });
}

impl PlanOps for GenImmix {
    const CONSTRAINTS: Constraints = Constraints {
        moves_objects: true,
        barrier: BarrierKind::ObjectRemembering,
        needs_nursery: true,
        old_threshold: true,
        ..Constraints::DEFAULT
    };

    fn new(config: &HeapConfig) -> Result<Self, HeapError> {
        Ok(GenImmix {
            nursery: CopySpace::new(config.nursery_size, 2).map_err(map_err)?,
            immix: ImmixSpace::new(config.max_heap).map_err(map_err)?,
            large: LargeObjectSpace::new(),
            remset: Vec::new(),
            model: NurseryModel::new(config.pause_goal),
            inc: IncState::new(config.pause_goal, config.max_heap as u64),
            emergency: false,
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
        if let Some(p) = Self::get(&mut heap.plan).nursery.alloc(size) {
            return Ok(p);
        }
        // The nursery keeps survivors the Immix space could not take: make room there.
        if Self::get(&mut heap.plan).nursery.used() > 0 {
            Self::get(&mut heap.plan).emergency = true;
            heap.collect_with(CollectionKind::Major, CollectionCause::HeapLimit);
            if let Some(p) = Self::get(&mut heap.plan).nursery.alloc(size) {
                return Ok(p);
            }
        }
        let p = alloc_with_defrag(
            heap,
            size,
            |h| &mut Self::get(&mut h.plan).immix,
            |h| Self::get(&mut h.plan).emergency = true,
        )?;
        // Allocated directly in the Immix space: black if a cycle is marking.
        let plan = Self::get(&mut heap.plan);
        if plan.inc.black() {
            plan.immix.blacken(p as usize, size);
            plan.inc.black += size as u64;
        }
        Ok(p)
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
        let defrag = if std::mem::take(&mut p.emergency) {
            Defrag::Emergency
        } else {
            Defrag::None
        };
        let young = p.nursery.current_range();
        let remset = &mut p.remset;
        let marked = immix_collect(
            &mut p.immix,
            &mut p.large,
            roots,
            mark_stack,
            Some(young),
            defrag,
            |immix, large| fix_remset(remset, immix, large),
        );
        let promote_all = cause != CollectionCause::OldThreshold;
        let moved = p.scavenge(roots, &mut mark_stack.clock, age, promote_all);
        p.inc.live = p.old_and_large();
        Work {
            marked: marked.marked,
            swept: marked.swept,
            copied: marked.copied + moved.copied,
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
        f(&self.immix);
        f(&self.large);
    }

    fn space_of(&self, addr: usize) -> SpaceKind {
        if self.large.contains(addr) {
            SpaceKind::Large
        } else if self.immix.in_range(addr) {
            SpaceKind::Old
        } else {
            SpaceKind::Young
        }
    }

    fn old_and_large(&self) -> u64 {
        self.immix.bytes() + self.large.bytes()
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

    /// Records the pause for the MMU guard; sweeps a batch of the Immix blocks the last
    /// release left unswept; commits the old-space memory the next scavenge is predicted to
    /// promote into.
    fn after_pause(&mut self) {
        self.inc.pause_ended();
        self.immix.sweep_some(crate::space::immix::SWEEP_BATCH);
        self.pretouch();
    }
}
