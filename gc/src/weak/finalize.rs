//! Finalization: `(target, held value, token)` registrations, and the queue of held values
//! whose targets a collection found dead.
//!
//! A registration is a two-slot weak cell `[target, token]` rooted by the heap, and a
//! persistent root for the held value (held strongly, as JavaScript's
//! `FinalizationRegistry` does: a held value that references its target keeps it alive, so
//! it is never finalized). After each collection the heap looks at every cell: a cleared
//! target slot means the collection found the target dead, and the held value moves to the
//! queue, where the embedder takes it ([`Heap::take_finalized`]) and runs its cleanup — after
//! the collection, with the target gone. The target itself is never handed out, so it cannot
//! be resurrected.
//!
//! Invariant: a registration is either live (in `live`), queued (its held value in `queue`)
//! or unregistered; never two of these. Cost: one pass over the live registrations per
//! collection.

use super::{cell_target, WEAK_CELL_TAG};
use crate::error::HeapError;
use crate::heap::Heap;
use crate::roots::{Handle, Persistent, RootKind, RootTable};
use crate::trace::SlotLayout;
use crate::value::Value;
use std::collections::VecDeque;

/// Names a group of registrations (a JavaScript `FinalizationRegistry`), so that the embedder
/// knows which cleanup callback a [`Finalized`] entry is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RegistryId(pub u32);

/// A held value whose target a collection found dead: run the registry's cleanup with it.
#[derive(Debug)]
pub struct Finalized {
    /// The registry it was registered with.
    pub registry: RegistryId,
    /// The held value, rooted until the embedder releases it.
    pub held: Persistent,
}

struct Registration {
    registry: RegistryId,
    /// `[target, token]`, both weak.
    cell: Persistent,
    held: Persistent,
}

/// Live registrations and the queue of finalized held values.
#[derive(Default)]
pub(crate) struct Finalizers {
    next_registry: u32,
    live: Vec<Registration>,
    queue: VecDeque<Finalized>,
}

impl Finalizers {
    /// Moves the registrations whose target was cleared to the queue, in registration order.
    pub fn process(&mut self, roots: &mut RootTable) {
        let mut i = 0;
        while i < self.live.len() {
            if cell_target(roots, self.live[i].cell.handle()).is_ref() {
                i += 1;
                continue;
            }
            let r = self.live.remove(i);
            let _ = roots.release(r.cell);
            self.queue.push_back(Finalized {
                registry: r.registry,
                held: r.held,
            });
        }
    }
}

impl Heap {
    /// A fresh registry id for [`register_finalizer`](Self::register_finalizer).
    pub fn new_finalization_registry(&mut self) -> RegistryId {
        let f = &mut self.weak.finalizers;
        f.next_registry += 1;
        RegistryId(f.next_registry)
    }

    /// Registers `target` with `registry`: after a collection finds `target` dead, `held` is
    /// queued for [`take_finalized`](Self::take_finalized). `held` is held strongly until then;
    /// `token` (if any) weakly, for [`unregister_finalizer`](Self::unregister_finalizer).
    ///
    /// Allocates one small cell (may collect).
    ///
    /// # Errors
    /// [`HeapError::NotAnObject`] if `target` is not an object;
    /// [`HeapError::InvalidArgument`] if `held` is `target` itself (it would keep it alive);
    /// handle errors as everywhere.
    ///
    /// ```
    /// # use gclab::{CollectionKind, Heap, Value};
    /// # fn main() -> Result<(), gclab::HeapError> {
    /// let mut heap = Heap::new()?;
    /// let registry = heap.new_finalization_registry();
    /// heap.scope("register", |heap| {
    ///     let file = heap.alloc(1, 0, 0)?;
    ///     heap.register_finalizer(registry, file, Value::Int(7), None) // fd 7
    /// })?;                                            // `file` is garbage now
    /// heap.collect(CollectionKind::Major);
    /// let done = heap.take_finalized();
    /// assert_eq!(done.len(), 1);
    /// assert_eq!(heap.value_of(&done[0].held)?, Value::Int(7)); // close fd 7
    /// # Ok(()) }
    /// ```
    pub fn register_finalizer(
        &mut self,
        registry: RegistryId,
        target: Handle,
        held: impl Into<Value>,
        token: Option<Handle>,
    ) -> Result<(), HeapError> {
        let held = held.into();
        let t = self.obj(target)?;
        if let Value::Ref(h) = held {
            if self.obj(h)?.addr() == t.addr() {
                return Err(HeapError::InvalidArgument(
                    "a finalizer's held value cannot be its target",
                ));
            }
        }
        if let Some(tok) = token {
            self.obj(tok)?;
        }
        let cell = self.alloc_layout(WEAK_CELL_TAG, 2, 0, SlotLayout::Weak)?;
        self.set(cell, 0, target)?;
        if let Some(tok) = token {
            self.set(cell, 1, tok)?;
        }
        let raw = self.resolve(Value::Ref(cell))?;
        let cell =
            self.roots
                .add_persistent(RootKind::Handle, "finalization registration".into(), raw);
        let raw = self.resolve(held)?;
        let held =
            self.roots
                .add_persistent(RootKind::Handle, "finalization held value".into(), raw);
        self.weak.finalizers.live.push(Registration {
            registry,
            cell,
            held,
        });
        Ok(())
    }

    /// Removes every live registration of `registry` whose token is `token`; returns how many.
    /// Held values already queued are not affected.
    ///
    /// # Errors
    /// Handle errors as everywhere.
    pub fn unregister_finalizer(
        &mut self,
        registry: RegistryId,
        token: Handle,
    ) -> Result<usize, HeapError> {
        let tok = self.obj(token)?.to_value();
        let Heap { weak, roots, .. } = self;
        let mut removed = 0;
        let live = std::mem::take(&mut weak.finalizers.live);
        for r in live {
            let cell = roots.get(r.cell.handle())?;
            // SAFETY: the cell is rooted, so live, and has two slots.
            let t = unsafe { crate::object::ObjPtr::from_value(cell).slot(1) };
            if r.registry == registry && t.bits() == tok.bits() {
                let _ = roots.release(r.cell);
                let _ = roots.release(r.held);
                removed += 1;
            } else {
                weak.finalizers.live.push(r);
            }
        }
        Ok(removed)
    }

    /// Takes the queue of held values whose targets died, oldest first. Release each
    /// [`Finalized::held`] root when its cleanup is done (dropping it does too).
    pub fn take_finalized(&mut self) -> Vec<Finalized> {
        self.weak.finalizers.queue.drain(..).collect()
    }

    /// Number of held values waiting in the finalization queue.
    pub fn finalized_pending(&self) -> usize {
        self.weak.finalizers.queue.len()
    }

    /// Number of live registrations (all registries).
    pub fn finalizer_count(&self) -> usize {
        self.weak.finalizers.live.len()
    }
}
