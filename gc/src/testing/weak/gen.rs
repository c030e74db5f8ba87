//! Weak programs from proptest ([`weak_ops`]) and from fuzzer bytes ([`decode_weak`]).
//!
//! Invariant: every program either generates is valid (selections are taken modulo the
//! run's roots when replayed), so shrinking and fuzzing never produce a program the runner
//! rejects.

use super::run::weak_config;
use super::WeakOp;
use crate::testing::op::Sel;
use crate::{CollectionKind, HeapConfig, Plan};
use proptest::prelude::*;

/// Programs of up to `len` weak operations, weighted towards allocation and stores.
pub fn weak_ops(len: usize) -> impl Strategy<Value = Vec<WeakOp>> {
    let sel = || any::<u16>().prop_map(Sel);
    let op = prop_oneof![
        4 => (any::<u8>(), any::<u8>(), prop::bool::weighted(0.05))
            .prop_map(|(slots, layout, large)| WeakOp::Alloc { slots, layout, large }),
        5 => (sel(), any::<u8>(), prop::option::weighted(0.85, sel()))
            .prop_map(|(obj, slot, value)| WeakOp::Store { obj, slot, value }),
        1 => (sel(), any::<u8>(), -4i32..4)
            .prop_map(|(obj, slot, value)| WeakOp::StoreInt { obj, slot, value }),
        2 => (sel(), any::<u8>()).prop_map(|(obj, slot)| WeakOp::Read { obj, slot }),
        3 => sel().prop_map(|root| WeakOp::Unroot { root }),
        2 => (any::<u8>(), sel(), prop::option::of(sel()), prop::option::of(sel()))
            .prop_map(|(registry, target, held, token)| WeakOp::Register {
                registry, target, held, token
            }),
        1 => (any::<u8>(), sel()).prop_map(|(registry, token)| WeakOp::Unregister { registry, token }),
        1 => sel().prop_map(|obj| WeakOp::AttachHost { obj }),
        1 => (any::<u8>(), any::<bool>(), any::<bool>())
            .prop_map(|(len, root_head, cycle)| WeakOp::EphemeronChain { len, root_head, cycle }),
        2 => prop_oneof![Just(CollectionKind::Minor), Just(CollectionKind::Major)]
            .prop_map(WeakOp::Collect),
    ];
    prop::collection::vec(op, 0..len)
}

/// Bytes → a configuration (first byte: plan and profile) and a program, for fuzzers. Every
/// byte string decodes; missing bytes read as zero.
pub fn decode_weak(data: &[u8]) -> (HeapConfig, Vec<WeakOp>) {
    let mut it = data.iter().copied();
    let mut b = move || it.next().unwrap_or(0);
    let first = b();
    let plan = Plan::ALL[first as usize % Plan::ALL.len()];
    let config = weak_config(plan, first / 16);
    let mut ops = Vec::new();
    let n = data.len().min(256);
    let mut i = 1;
    while i < n && ops.len() < 64 {
        let code = b();
        let sel = |x: u8| Sel(x as u16);
        let (op, used) = match code % 10 {
            0 | 1 => (
                WeakOp::Alloc {
                    slots: b(),
                    layout: b(),
                    large: b() % 32 == 0,
                },
                4,
            ),
            2 | 3 => {
                let (obj, slot, v) = (sel(b()), b(), b());
                let value = (v % 8 != 0).then_some(sel(v / 8));
                (WeakOp::Store { obj, slot, value }, 4)
            }
            4 => (
                WeakOp::Read {
                    obj: sel(b()),
                    slot: b(),
                },
                3,
            ),
            5 => (WeakOp::Unroot { root: sel(b()) }, 2),
            6 => {
                let (registry, target, held, token) = (b(), sel(b()), b(), b());
                let held = (held % 2 == 1).then_some(sel(held / 2));
                let token = (token % 2 == 1).then_some(sel(token / 2));
                (
                    WeakOp::Register {
                        registry,
                        target,
                        held,
                        token,
                    },
                    5,
                )
            }
            7 => (
                WeakOp::Unregister {
                    registry: b(),
                    token: sel(b()),
                },
                3,
            ),
            8 if code % 20 < 10 => (WeakOp::AttachHost { obj: sel(b()) }, 2),
            8 => {
                let x = b();
                (
                    WeakOp::EphemeronChain {
                        len: x,
                        root_head: x & 8 != 0,
                        cycle: x & 16 != 0,
                    },
                    2,
                )
            }
            _ => {
                let kind = if b() % 2 == 0 {
                    CollectionKind::Minor
                } else {
                    CollectionKind::Major
                };
                (WeakOp::Collect(kind), 2)
            }
        };
        ops.push(op);
        i += used;
    }
    (config, ops)
}
