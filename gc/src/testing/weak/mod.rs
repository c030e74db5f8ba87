//! Weak references, ephemerons, finalization and host objects under test: programs of
//! [`WeakOp`]s, a reference [`WeakModel`] that predicts what each collection may clear, must
//! clear and must finalize, and [`run_weak`], which replays a program against a heap and the
//! model and checks them after every collection (requested or triggered), with `verify()`.
//!
//! What the model predicts, from its object graph alone (no placement):
//! - **reachability** with ephemeron semantics: strong slots from the roots (persistent roots
//!   and finalization held values), and an ephemeron value only once its key is reachable,
//!   iterated to a fixed point;
//! - **weak clearing**: a collection may clear a weak slot or an ephemeron pair only if its
//!   target (key) is unreachable, and after a major collection every such slot *must* be
//!   cleared; all the slots of one target are cleared by the same collection or none is;
//! - **the finalization queue**: a collection may queue the held value of a registration only
//!   if its target is unreachable; a major collection queues every such one exactly once;
//!   unregistered registrations never;
//! - **host values**: dropped only for unreachable objects, after the collection, every one
//!   after a major collection, and never twice;
//! - after a major collection the heap holds exactly the reachable objects plus one cell per
//!   live registration and host object.
//!
//! Minor collections may leave unreachable targets alone (old objects are live to them);
//! reading such a target's weak slot resurrects it, in the heap and in the model alike.
//!
//! The property suite `gc/tests/prop_weak.rs` and the fuzz target `weak_ops` run this under
//! every plan.

mod gen;
mod model;
mod run;

pub use gen::{decode_weak, weak_ops};
pub use model::{MSlot, WeakModel};
pub use run::{run_weak, weak_config, WeakReport};

use super::op::Sel;
use crate::CollectionKind;

/// One step of a weak-reference program; selections are taken modulo the harness's roots.
#[derive(Clone, Debug, PartialEq)]
pub enum WeakOp {
    /// Allocates an object with `slots` slots and layout `layout % 3` (strong, weak,
    /// ephemeron), large if `large`; a persistent root holds it.
    Alloc {
        /// Slots (at least one).
        slots: u8,
        /// 0 strong, 1 weak, 2 ephemeron (modulo 3).
        layout: u8,
        /// Past the large-object threshold.
        large: bool,
    },
    /// Builds an ephemeron chain `k0 → k1 → … → kn` in a fresh table (pairs stored in reverse
    /// order, so the collector needs one fixed-point pass per link), optionally closed into
    /// a cycle (`k(n-1) → k0`); afterwards only the table and, if `root_head`, `k0` are
    /// rooted.
    EphemeronChain {
        /// Links, `1 + len % 6`.
        len: u8,
        /// Keep `k0` rooted.
        root_head: bool,
        /// The last value is `k0`.
        cycle: bool,
    },
    /// Stores a rooted object (or `undefined` when `value` is `None`) into a slot.
    Store {
        /// The rooted object written.
        obj: Sel,
        /// The slot, modulo the slot count.
        slot: u8,
        /// The rooted object stored, or `undefined`.
        value: Option<Sel>,
    },
    /// Stores a small integer into a slot.
    StoreInt {
        /// The rooted object written.
        obj: Sel,
        /// The slot, modulo the slot count.
        slot: u8,
        /// The integer.
        value: i32,
    },
    /// Reads a slot; a reference read gets its own persistent root (a weak read resurrects).
    Read {
        /// The rooted object read.
        obj: Sel,
        /// The slot, modulo the slot count.
        slot: u8,
    },
    /// Releases a persistent root.
    Unroot {
        /// The root.
        root: Sel,
    },
    /// Registers a rooted target with registry `registry % 2`; the held value is a fresh
    /// integer, or a rooted object; an optional rooted token.
    Register {
        /// Registry 0 or 1.
        registry: u8,
        /// The target.
        target: Sel,
        /// A rooted object as the held value (else an integer).
        held: Option<Sel>,
        /// A rooted token.
        token: Option<Sel>,
    },
    /// Unregisters by a rooted token from registry `registry % 2`.
    Unregister {
        /// Registry 0 or 1.
        registry: u8,
        /// The token.
        token: Sel,
    },
    /// Attaches a host value to a rooted object (no-op if it has one).
    AttachHost {
        /// The object.
        obj: Sel,
    },
    /// `collect(kind)`.
    Collect(CollectionKind),
}
