//! proptest strategies for programs and heap configurations.
//!
//! Programs mix every operation the harness knows, weighted toward what stresses a
//! collector: allocation (small, large, past the limit), stores that build chains, cycles,
//! self-references and old→young edges, root churn of every kind, frames, and collections at
//! random points. Everything shrinks toward fewer, smaller operations and selection index 0,
//! so a failure shrinks to a short script. Under Miri the sizes are much smaller.

use super::op::{Op, Ops, Sel, ValSel};
use crate::{CollectionKind, HeapConfig, Plan};
use proptest::prelude::*;

/// Sizes that bound a generated program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    /// Most operations in a program.
    pub max_ops: usize,
    /// Longest chain.
    pub max_chain: u16,
    /// Most slots of a "large" allocation.
    pub max_large_slots: u16,
    /// Most raw bytes of a "large" allocation.
    pub max_large_bytes: u16,
}

impl Sizes {
    /// The fuzzers' bounds (see [`decode`](mod@super::decode)): short programs whose large
    /// objects still overflow a 4 KiB nursery and reach the large-object space.
    pub const FUZZ: Sizes = Sizes {
        max_ops: super::decode::MAX_OPS,
        max_chain: 48,
        max_large_slots: 160,
        max_large_bytes: 3072,
    };

    /// The default sizes: long programs natively, short ones under Miri.
    pub fn default_for_target() -> Sizes {
        if cfg!(miri) {
            Sizes {
                max_ops: 14,
                max_chain: 12,
                max_large_slots: 40,
                max_large_bytes: 1200,
            }
        } else {
            Sizes {
                max_ops: 80,
                max_chain: 1200,
                max_large_slots: 300,
                max_large_bytes: 4000,
            }
        }
    }
}

impl Default for Sizes {
    fn default() -> Self {
        Sizes::default_for_target()
    }
}

/// A selection index, shrinking toward 0.
pub fn sel() -> impl Strategy<Value = Sel> {
    (0u16..64).prop_map(Sel)
}

/// A value to store: mostly handles, some immediates (NaN, `-0.0` and infinities included).
pub fn val_sel() -> impl Strategy<Value = ValSel> {
    prop_oneof![
        1 => Just(ValSel::Undefined),
        1 => Just(ValSel::Null),
        1 => any::<bool>().prop_map(ValSel::Bool),
        2 => any::<i32>().prop_map(ValSel::Int),
        1 => prop::sample::select(vec![0.5, -0.0, f64::NAN, f64::INFINITY, 1e300])
            .prop_map(ValSel::Float),
        8 => sel().prop_map(ValSel::Handle),
    ]
}

/// One operation.
pub fn op(sizes: Sizes) -> impl Strategy<Value = Op> {
    let small = (0u16..=8, 0u16..=64).prop_map(|(slots, bytes)| Op::Alloc { slots, bytes });
    let large = (0..=sizes.max_large_slots, 0..=sizes.max_large_bytes)
        .prop_map(|(slots, bytes)| Op::Alloc { slots, bytes });
    prop_oneof![
        12 => small,
        3 => large,
        2 => (prop::collection::vec(val_sel(), 0..4), 0u8..24)
            .prop_map(|(values, bytes)| Op::AllocWith { values, bytes }),
        1 => Just(Op::AllocTooLarge),
        4 => (1..=sizes.max_chain, any::<bool>(), 0u8..16)
            .prop_map(|(len, cycle, bytes)| Op::Chain { len, cycle, bytes }),
        14 => (sel(), 0u8..9, val_sel()).prop_map(|(obj, slot, value)| Op::Store { obj, slot, value }),
        2 => (sel(), any::<u16>(), any::<u8>())
            .prop_map(|(obj, at, byte)| Op::WriteByte { obj, at, byte }),
        4 => (sel(), 0u8..9).prop_map(|(obj, slot)| Op::Read { obj, slot }),
        1 => (sel(), 0u8..9, sel()).prop_map(|(obj, slot, into)| Op::ReadInto { obj, slot, into }),
        2 => val_sel().prop_map(|value| Op::Local { value }),
        2 => (sel(), val_sel()).prop_map(|(handle, value)| Op::SetLocal { handle, value }),
        4 => Just(Op::PushFrame),
        3 => Just(Op::PopFrame),
        2 => sel().prop_map(|keep| Op::PopFrameEscape { keep }),
        1 => Just(Op::PopWrongFrame),
        4 => (0u8..8, val_sel()).prop_map(|(kind, value)| Op::Root { kind, value }),
        2 => sel().prop_map(|root| Op::Release { root }),
        1 => sel().prop_map(|root| Op::DropRoot { root }),
        2 => (0u8..8, val_sel()).prop_map(|(name, value)| Op::SetGlobal { name, value }),
        1 => (0u8..8).prop_map(|name| Op::ReadGlobal { name }),
        1 => (0u8..8).prop_map(|name| Op::RemoveGlobal { name }),
        1 => (0u8..8, 0u8..8).prop_map(|(kind, len)| Op::AddSource { kind, len }),
        2 => (sel(), 0u8..8, val_sel())
            .prop_map(|(source, slot, value)| Op::SourceStore { source, slot, value }),
        1 => (sel(), 0u8..8).prop_map(|(source, slot)| Op::SourceLoad { source, slot }),
        2 => (sel(), 0u8..8, 0u8..9, val_sel()).prop_map(|(source, slot, field, value)| {
            Op::RawStore { source, slot, field, value }
        }),
        1 => (sel(), 0u8..8, 0u8..9)
            .prop_map(|(source, slot, field)| Op::RawRead { source, slot, field }),
        1 => (sel(), 0u8..8, 0u8..9, sel(), 0u8..8).prop_map(
            |(source, slot, field, from, from_slot)| Op::RawLink { source, slot, field, from, from_slot }
        ),
        1 => (sel(), 0u8..8, 0u8..9, sel(), 0u8..8).prop_map(
            |(source, slot, field, into, into_slot)| Op::RawLoad { source, slot, field, into, into_slot }
        ),
        1 => (sel(), 0u8..8, 0u16..=8, 0u16..=64).prop_map(|(source, slot, slots, bytes)| {
            Op::AllocRaw { source, slot, slots, bytes }
        }),
        1 => sel().prop_map(|source| Op::RemoveSource { source }),
        3 => Just(Op::Collect(CollectionKind::Minor)),
        2 => Just(Op::Collect(CollectionKind::Major)),
    ]
}

/// A program of up to `sizes.max_ops` operations.
pub fn ops(sizes: Sizes) -> impl Strategy<Value = Ops> {
    prop::collection::vec(op(sizes), 1..=sizes.max_ops).prop_map(Ops)
}

/// The heap shapes the suites run: a tight heap that runs out of memory often, a nursery
/// smaller than the largest small object, and a roomier heap with promotion at age 2.
/// All sizes shrink under Miri. `max_heap` is a multiple of 8 KiB so the semispace plan's
/// halves are exact.
pub fn profiles(plan: Plan) -> Vec<HeapConfig> {
    let base = HeapConfig::for_plan(plan);
    let kib = 1024;
    let (roomy, roomy_nursery) = if cfg!(miri) {
        (128 * kib, 8 * kib)
    } else {
        (1024 * kib, 32 * kib)
    };
    vec![
        HeapConfig {
            max_heap: 64 * kib,
            nursery_size: 4 * kib,
            large_object_threshold: 1024,
            promotion_age: 1,
            min_major_threshold: 16 * kib,
            ..base.clone()
        },
        HeapConfig {
            max_heap: 128 * kib,
            nursery_size: 4 * kib,
            large_object_threshold: 8192,
            promotion_age: 1,
            min_major_threshold: 32 * kib,
            ..base.clone()
        },
        HeapConfig {
            max_heap: roomy,
            nursery_size: roomy_nursery,
            large_object_threshold: 2048,
            promotion_age: 2,
            min_major_threshold: roomy / 4,
            ..base
        },
    ]
}

/// One of [`profiles`] for `plan`.
pub fn config(plan: Plan) -> impl Strategy<Value = HeapConfig> {
    prop::sample::select(profiles(plan))
}
