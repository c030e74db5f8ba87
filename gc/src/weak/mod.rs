//! Weak references, ephemerons, finalization and host objects: the heap side of `WeakRef`,
//! `WeakMap` and `FinalizationRegistry`.
//!
//! - **Weak references** are slots of an object allocated with [`SlotLayout::Weak`]
//!   ([`Heap::alloc_layout`], or [`Heap::weak_ref`] for a one-slot `WeakRef`). A weak slot
//!   does not keep its target alive; the collection that finds the target unreachable clears
//!   it to `undefined`, and every weak slot of one target is cleared by the same collection.
//!   When the target moves, the slot is updated. Reading it with [`Heap::get`] is `deref`.
//! - **Ephemerons** are the pairs of an object allocated with [`SlotLayout::Ephemeron`]: the
//!   value is alive only while the key is reachable from elsewhere (chains and cycles through
//!   the value included; the collector iterates to a fixed point). A `WeakMap` is a table of
//!   ephemerons ([`Heap::ephemeron_get`], [`Heap::ephemeron_insert`]).
//! - **Finalization** ([`Heap::register_finalizer`]): after a collection finds a registered
//!   target dead, its *held value* is queued for the embedder ([`Heap::take_finalized`]) —
//!   never the target itself, which is gone.
//! - **Host objects** ([`Heap::attach_host`]): an object owns a Rust value, dropped after the
//!   collection that frees the object.
//!
//! # When the collector finds a target dead
//!
//! Weak processing is the step of every collection after the transitive closure (see
//! `trace::weak`). A **major** collection (and every collection of the whole-heap plans)
//! clears weak slots and ephemerons of every unreachable object. A **minor** collection treats
//! old and large objects as live, so it clears exactly the references to *nursery* objects
//! that died — in particular an old object holding a nursery object weakly sees it cleared by
//! the first minor collection after it became unreachable (the write barrier remembers the old
//! object like for a strong store, and the scavenger keeps it remembered while its weak slot
//! points into the nursery). The same rule decides when a minor collection finalizes: a
//! registration whose target was a nursery object is finalized by the minor collection that
//! finds it dead; an old target waits for the next major collection.
//!
//! # Identity across moves
//!
//! Lookups compare *current addresses*: the collector updates every root, strong slot, weak
//! slot and ephemeron key when an object moves, so the key in a table and the handle being
//! looked up always agree. [`Heap::object_id`] is a 32-bit identity *hash* (kept across moves,
//! repeating after 2³² allocations): host values are bucketed by it and then compared by
//! address, so a repeated id costs a longer bucket, never a wrong answer.
//!
//! # Example
//!
//! ```
//! use gclab::{CollectionKind, Heap, SlotLayout, Value};
//! # fn main() -> Result<(), gclab::HeapError> {
//! let mut heap = Heap::new()?;
//! let frame = heap.push_frame("main");
//! let key = heap.alloc(1, 0, 0)?;
//! let weak = heap.weak_ref(2, key)?;             // a WeakRef to `key`
//! let table = heap.alloc_layout(3, 8, 0, SlotLayout::Ephemeron)?;
//! let meta = heap.alloc(1, 1, 0)?;
//! heap.set(meta, 0, key)?;                       // the value references its key: a cycle
//! assert!(heap.ephemeron_insert(table, key, meta)?);
//! let table = heap.root(gclab::RootKind::Handle, "cache", table)?;
//! let weak = heap.root(gclab::RootKind::Handle, "weak", weak)?;
//! heap.pop_frame(frame)?;                        // only the table and the WeakRef are roots
//! heap.collect(CollectionKind::Major);
//! assert_eq!(heap.get(&weak, 0)?, Value::Undefined);   // cleared: the key died
//! assert_eq!(heap.ephemeron_len(&table)?, 0);           // and its entry with it
//! heap.verify().unwrap();
//! # Ok(()) }
//! ```

mod ephemeron;
mod finalize;
mod host;
#[cfg(test)]
mod tests;

pub(crate) use finalize::Finalizers;
pub use finalize::{Finalized, RegistryId};
pub(crate) use host::HostTable;
pub use host::HostValue;

use crate::error::HeapError;
use crate::heap::Heap;
use crate::object::TypeTag;
use crate::roots::Handle;
use crate::trace::SlotLayout;
use crate::value::Value;

/// The type tag of the heap's own weak cells (finalization registrations and host-object
/// links). Embedders should not use it for their objects.
pub const WEAK_CELL_TAG: TypeTag = 0xFFFE;

/// The heap's weak tables, processed after each collection.
#[derive(Default)]
pub(crate) struct WeakState {
    pub finalizers: Finalizers,
    pub hosts: HostTable,
}

impl Heap {
    /// Allocates an object whose slots are traced as `layout` says (see [`SlotLayout`]),
    /// rooted in the current frame. [`alloc`](Self::alloc) is `alloc_layout(…,
    /// SlotLayout::Strong)`.
    ///
    /// # Errors
    /// As [`alloc`](Self::alloc).
    pub fn alloc_layout(
        &mut self,
        tag: TypeTag,
        slots: usize,
        bytes: usize,
        layout: SlotLayout,
    ) -> Result<Handle, HeapError> {
        let o = self.alloc_object(tag, slots, bytes)?;
        if layout != SlotLayout::Strong {
            // SAFETY: `o` was just allocated and initialised; the layout bits are flags no
            // collector state uses.
            unsafe { o.set_flag(layout.flags(), true) };
        }
        Ok(self.roots.push_local(o.to_value()))
    }

    /// The slot layout the object was allocated with.
    pub fn slot_layout(&self, obj: impl Into<Handle>) -> Result<SlotLayout, HeapError> {
        let o = self.obj(obj.into())?;
        // SAFETY: `o` is live (resolved from a root).
        Ok(SlotLayout::from_flags(unsafe { o.flags() }))
    }

    /// A one-slot [`SlotLayout::Weak`] object holding `target` weakly (a `WeakRef`), rooted in
    /// the current frame. Read it with `get(weak, 0)`: the target, or `undefined` once a
    /// collection found it unreachable.
    ///
    /// ```
    /// # use gclab::{CollectionKind, Heap, Value};
    /// # let mut heap = Heap::new().unwrap();
    /// let target = heap.alloc(1, 0, 0).unwrap();
    /// let weak = heap.weak_ref(2, target).unwrap();
    /// heap.collect(CollectionKind::Major);           // `target` is still a local: alive
    /// assert!(heap.get(weak, 0).unwrap().as_ref().is_some());
    /// ```
    pub fn weak_ref(
        &mut self,
        tag: TypeTag,
        target: impl Into<Value>,
    ) -> Result<Handle, HeapError> {
        let target = target.into();
        self.resolve(target)?;
        let w = self.alloc_layout(tag, 1, 0, SlotLayout::Weak)?;
        self.set(w, 0, target)?;
        Ok(w)
    }

    /// Values queued by host objects' collections, dropped now (after the collection
    /// returned; see [`attach_host`](Self::attach_host)).
    pub(crate) fn drop_host_values(&mut self) {
        let values = std::mem::take(&mut self.weak.hosts.dropped);
        drop(values);
    }

    /// Runs after every collection, inside its pause: finds the registrations and host
    /// objects whose targets the collection cleared.
    pub(crate) fn process_weak_tables(&mut self) {
        let Heap { weak, roots, .. } = self;
        weak.finalizers.process(roots);
        weak.hosts.process(roots);
    }
}

/// Whether the heap's weak cell `cell` (a one- or two-slot weak object) still holds its target.
fn cell_target(roots: &crate::roots::RootTable, cell: Handle) -> crate::value::RawValue {
    let v = roots.get(cell).expect("weak cells are rooted by the heap");
    // SAFETY: a rooted reference is a live object; weak cells have at least one slot.
    unsafe { crate::object::ObjPtr::from_value(v).slot(0) }
}
