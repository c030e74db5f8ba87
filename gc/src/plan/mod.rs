//! Plans: each collector is a part made of spaces, not a set of `match` arms.
//!
//! A plan (one folder here) declares
//! - its **spaces** (it owns them) and lists them through [`PlanOps::for_each_space`], which is
//!   all that usage reports and `verify` see;
//! - its [`Constraints`]: whether it moves objects, which write barrier it needs, whether it
//!   has a nursery, whether it collects at all;
//! - its **allocation**: the bump space of the inlined fast path ([`PlanOps::bump`]), and the
//!   slow path run when that misses ([`PlanOps::alloc_slow`]), which decides when to collect;
//! - its **triggers** ([`PlanOps::collection_for`]) and **what each collection does**
//!   ([`PlanOps::collect`]).
//!
//! The heap drives a plan through [`ActivePlan`], an enum over the registered plans built by
//! the [`registry!`] macro below, which also generates the public [`Plan`] enum: adding a plan
//! is a folder and one registry entry (its doc line, variant, type and name). Dispatch is a
//! `match`, never a trait object, so the allocation and barrier fast paths stay inlined.

pub(crate) mod common;
pub(crate) mod gen_immix;
pub(crate) mod generational;
pub(crate) mod immix;
pub(crate) mod marksweep;
pub(crate) mod nogc;
pub(crate) mod semispace;

use crate::config::HeapConfig;
use crate::error::HeapError;
use crate::heap::{Heap, SpaceKind};
use crate::object::ObjPtr;
use crate::space::{CopySpace, LargeObjectSpace, Space};
use crate::stats::{CollectionCause, CollectionKind, IncrementalPhase};

/// The write barrier a plan needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BarrierKind {
    /// No barrier: every collection traces the whole heap.
    None,
    /// Object-remembering: the first store of a nursery reference into an object outside the
    /// nursery logs that object.
    ObjectRemembering,
}

/// What a plan promises the rest of the heap.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Constraints {
    /// Whether collections may move objects (handles hide it; diagnostics note it).
    pub moves_objects: bool,
    /// The write barrier.
    pub barrier: BarrierKind,
    /// Whether the plan has a nursery collected on its own (minor collections).
    pub needs_nursery: bool,
    /// Whether the plan ever collects (`false` only for no-gc).
    pub collects: bool,
    /// Whether allocating outside the bump space first checks the old-generation threshold.
    pub old_threshold: bool,
}

impl Constraints {
    /// The defaults plans override: a non-moving, barrier-free, collecting plan.
    pub const DEFAULT: Constraints = Constraints {
        moves_objects: false,
        barrier: BarrierKind::None,
        needs_nursery: false,
        collects: true,
        old_threshold: false,
    };
}

/// What one collection did, for its event.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Work {
    pub copied: u64,
    pub promoted: u64,
    pub marked: u64,
    pub swept: u64,
    /// The incremental marking step this pause ran, if any.
    pub incremental: Option<IncrementalPhase>,
}

/// A plan's interface to the heap. Methods taking `heap` may collect (through
/// [`Heap::collect_with`]) and reach the plan again with `Self::get(&mut heap.plan)`.
pub(crate) trait PlanOps: Sized {
    /// The plan's constraints.
    const CONSTRAINTS: Constraints;

    /// Creates the plan's spaces.
    fn new(config: &HeapConfig) -> Result<Self, HeapError>;

    /// The space the inlined fast path bump-allocates in, if any.
    fn bump(&mut self) -> Option<&mut CopySpace>;

    /// The same space, read-only (its fill counts as new allocation until a collection).
    fn bump_space(&self) -> Option<&CopySpace>;

    /// A direct allocation outside the bump space that needs no collection (a free cell
    /// under `limit` bytes of old and large objects), tried before
    /// [`alloc_slow`](Self::alloc_slow), and inlined into the heap's out-of-line allocation path.
    #[inline(always)]
    fn alloc_direct(&mut self, _size: usize, _limit: u64) -> Option<*mut u8> {
        None
    }

    /// The large-object space (every plan has one).
    fn large(&mut self) -> &mut LargeObjectSpace;

    /// Objects strictly larger than this go to the large-object space.
    fn large_threshold(&self, config: &HeapConfig) -> usize {
        config.large_object_threshold
    }

    /// The slow path for an object of at most the large threshold: may collect; returns
    /// fresh memory of `size` bytes or the error to report.
    fn alloc_slow(heap: &mut Heap, size: usize) -> Result<*mut u8, HeapError>;

    /// The collection that actually runs when `kind` is asked for `cause`. Without a nursery
    /// every collection is whole heap.
    fn collection_for(
        &self,
        kind: CollectionKind,
        cause: CollectionCause,
        _major_threshold: u64,
    ) -> (CollectionKind, CollectionCause) {
        if Self::CONSTRAINTS.needs_nursery {
            (kind, cause)
        } else {
            (CollectionKind::Major, cause)
        }
    }

    /// Runs one collection of the kind [`collection_for`](Self::collection_for) chose.
    fn collect(heap: &mut Heap, kind: CollectionKind, cause: CollectionCause) -> Work;

    /// The live size the next major threshold grows from, right after a major collection.
    fn live_after_major(&self) -> u64;

    /// Sets the spaces' allocation limits; returns the nursery range the barrier tests
    /// (`(start, len)`) when the plan has an object-remembering barrier.
    fn update_limits(&mut self, max_heap: u64, major_threshold: u64) -> Option<(usize, usize)>;

    /// Visits the plan's spaces, nursery first.
    fn for_each_space(&self, f: &mut dyn FnMut(&dyn Space));

    /// Which space holds the object at `addr`.
    fn space_of(&self, addr: usize) -> SpaceKind;

    /// Bytes the old generation and large objects occupy (what the major threshold limits).
    fn old_and_large(&self) -> u64;

    /// Records `obj` in the remembered set (plans with an object-remembering barrier).
    fn remember(&mut self, _obj: ObjPtr) {}

    /// The remembered set.
    fn remembered(&self) -> &[ObjPtr] {
        &[]
    }

    /// Whether an incremental marking cycle is in progress or pending (stress mode then runs
    /// a step instead of forcing a collection).
    fn incremental(&self) -> bool {
        false
    }

    /// A problem the plan found in its own collections that `verify` should report.
    fn violation(&self) -> Option<String> {
        None
    }

    /// Runs after a collection's pause has ended and its event is recorded: work the plan
    /// wants done outside the pause (committing memory ahead of promotion).
    fn after_pause(&mut self) {}
}

/// Declares the registered plans: `Variant => module::Type`, one line per plan. `Variant`
/// names the [`Plan`] the configuration selects.
macro_rules! registry {
    ($($(#[$doc:meta])* $variant:ident => $module:ident :: $ty:ident, $name:literal;)*) => {
        /// Which collector runs the heap. Every plan has the same API, object model, roots and
        /// statistics, so one workload can run under each and the numbers compare.
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
        )]
        #[serde(rename_all = "kebab-case")]
        pub enum Plan {
            $($(#[$doc])* $variant,)*
        }

        impl Plan {
            /// Every plan, in registry order.
            pub const ALL: [Plan; [$($name),*].len()] = [$(Plan::$variant),*];

            /// The plan's command-line name.
            pub fn name(self) -> &'static str {
                match self {
                    $(Plan::$variant => $name,)*
                }
            }

            /// The plan's constraints.
            pub(crate) fn constraints(self) -> Constraints {
                match self {
                    $(Plan::$variant => <$module::$ty as PlanOps>::CONSTRAINTS,)*
                }
            }
        }

        /// The heap's plan: one variant per registered plan.
        ///
        /// `repr(C, u8)` puts every variant's payload at the same offset, and each plan with a
        /// bump space declares it as its first field under `repr(C)`, so [`bump`](Self::bump)
        /// compiles to one compare of the tag instead of a jump table on the allocation path.
        #[repr(C, u8)]
        pub(crate) enum ActivePlan {
            $(
                #[doc = concat!("`", stringify!($module), "`")]
                $variant($module::$ty),
            )*
        }

        impl ActivePlan {
            /// The plan `config` selects, with its spaces.
            pub fn new(config: &HeapConfig) -> Result<ActivePlan, HeapError> {
                Ok(match config.plan {
                    $(Plan::$variant => ActivePlan::$variant(<$module::$ty>::new(config)?),)*
                })
            }

            /// The selected plan's constraints.
            pub fn constraints(&self) -> Constraints {
                match self {
                    $(ActivePlan::$variant(_) => <$module::$ty as PlanOps>::CONSTRAINTS,)*
                }
            }

            /// The bump space of the allocation fast path.
            #[inline(always)]
            pub fn bump(&mut self) -> Option<&mut CopySpace> {
                match self {
                    $(ActivePlan::$variant(p) => p.bump(),)*
                }
            }

            pub fn bump_space(&self) -> Option<&CopySpace> {
                match self {
                    $(ActivePlan::$variant(p) => p.bump_space(),)*
                }
            }

            #[inline(always)]
            pub fn alloc_direct(&mut self, size: usize, limit: u64) -> Option<*mut u8> {
                match self {
                    $(ActivePlan::$variant(p) => p.alloc_direct(size, limit),)*
                }
            }

            pub fn large(&mut self) -> &mut LargeObjectSpace {
                match self {
                    $(ActivePlan::$variant(p) => p.large(),)*
                }
            }

            pub fn large_threshold(&self, config: &HeapConfig) -> usize {
                match self {
                    $(ActivePlan::$variant(p) => p.large_threshold(config),)*
                }
            }

            pub fn alloc_slow(heap: &mut Heap, size: usize) -> Result<*mut u8, HeapError> {
                match heap.plan {
                    $(ActivePlan::$variant(_) => <$module::$ty>::alloc_slow(heap, size),)*
                }
            }

            pub fn collection_for(
                &self,
                kind: CollectionKind,
                cause: CollectionCause,
                major_threshold: u64,
            ) -> (CollectionKind, CollectionCause) {
                match self {
                    $(ActivePlan::$variant(p) => p.collection_for(kind, cause, major_threshold),)*
                }
            }

            pub fn collect(heap: &mut Heap, kind: CollectionKind, cause: CollectionCause) -> Work {
                match heap.plan {
                    $(ActivePlan::$variant(_) => <$module::$ty>::collect(heap, kind, cause),)*
                }
            }

            pub fn live_after_major(&self) -> u64 {
                match self {
                    $(ActivePlan::$variant(p) => p.live_after_major(),)*
                }
            }

            pub fn update_limits(
                &mut self,
                max_heap: u64,
                major_threshold: u64,
            ) -> Option<(usize, usize)> {
                match self {
                    $(ActivePlan::$variant(p) => p.update_limits(max_heap, major_threshold),)*
                }
            }

            pub fn for_each_space(&self, f: &mut dyn FnMut(&dyn Space)) {
                match self {
                    $(ActivePlan::$variant(p) => p.for_each_space(f),)*
                }
            }

            pub fn space_of(&self, addr: usize) -> SpaceKind {
                match self {
                    $(ActivePlan::$variant(p) => p.space_of(addr),)*
                }
            }

            pub fn old_and_large(&self) -> u64 {
                match self {
                    $(ActivePlan::$variant(p) => p.old_and_large(),)*
                }
            }

            #[cold]
            pub fn remember(&mut self, obj: ObjPtr) {
                match self {
                    $(ActivePlan::$variant(p) => p.remember(obj),)*
                }
            }

            pub fn remembered(&self) -> &[ObjPtr] {
                match self {
                    $(ActivePlan::$variant(p) => p.remembered(),)*
                }
            }

            pub fn incremental(&self) -> bool {
                match self {
                    $(ActivePlan::$variant(p) => p.incremental(),)*
                }
            }

            pub fn violation(&self) -> Option<String> {
                match self {
                    $(ActivePlan::$variant(p) => p.violation(),)*
                }
            }

            pub fn after_pause(&mut self) {
                match self {
                    $(ActivePlan::$variant(p) => p.after_pause(),)*
                }
            }
        }

        $(
            impl $module::$ty {
                /// The plan inside `heap`, which must be running this plan.
                #[inline]
                #[allow(dead_code, reason = "plans that never reach themselves from the heap")]
                pub(crate) fn get(plan: &mut ActivePlan) -> &mut Self {
                    match plan {
                        ActivePlan::$variant(p) => p,
                        #[allow(unreachable_patterns)]
                        _ => unreachable!(concat!("the heap's plan is not ", stringify!($variant))),
                    }
                }
            }
        )*
    };
}

registry! {
    /// A semispace copying nursery with promotion into a mark-sweep old generation.
    Generational => generational::Generational, "generational";
    /// Everything in the non-moving mark-sweep space; only whole-heap collections.
    MarkSweep => marksweep::MarkSweep, "mark-sweep";
    /// Whole-heap copying between two semispaces of `max_heap` each.
    SemiSpace => semispace::SemiSpace, "semispace";
    /// Bump allocation that never collects: the lower bound used in GC research.
    NoGc => nogc::NoGc, "no-gc";
    /// Whole-heap mark-region collection (Immix) with opportunistic evacuation.
    Immix => immix::Immix, "immix";
    /// A copying nursery promoting into an Immix old space (MMTk's default plan, and ours:
    /// the fastest plan with the shortest pauses on binary-trees and GCBench).
    GenImmix => gen_immix::GenImmix, "gen-immix";
}
