//! Host objects: heap objects that own a Rust value, dropped after the collection that
//! frees the object.
//!
//! **Why the drop cannot touch the heap.** The classic use-after-free of rust-gc, dumpster
//! and bacon-rajan-cc comes from a user `Drop` that reads GC-managed fields while the sweep is
//! freeing them. Here that cannot happen, by construction:
//! - a host value is an ordinary Rust value (`T: Any + Send`), not a heap object: it cannot
//!   hold a [`Persistent`](crate::Persistent) or a borrowed view (neither is `Send` or
//!   `'static`), and it reaches the heap only through a `&mut Heap` it does not have;
//! - the collection only *moves* the value of a dead object to a queue; the queue is dropped
//!   after the collection has finished (in `collect`'s epilogue), when the heap is whole. A
//!   panicking drop then unwinds to the caller of the operation that collected, with the heap
//!   consistent.
//!
//! A host object's link is a one-slot weak cell rooted by the heap; its value is found by the
//! object's identity hash ([`Heap::object_id`]) and then by address, so lookups survive moves.
//!
//! Invariant: each entry's cell is live and names an object that has not been found dead.

use super::{cell_target, WEAK_CELL_TAG};
use crate::error::HeapError;
use crate::heap::Heap;
use crate::roots::{Handle, Persistent, RootKind, RootTable};
use crate::trace::SlotLayout;
use std::any::Any;
use std::collections::HashMap;

/// A value owned by a host object.
pub type HostValue = Box<dyn Any + Send>;

struct HostEntry {
    cell: Persistent,
    value: HostValue,
}

/// Host values by identity hash, and the values of dead objects waiting to be dropped.
#[derive(Default)]
pub(crate) struct HostTable {
    by_id: HashMap<u64, Vec<HostEntry>>,
    len: usize,
    pub dropped: Vec<HostValue>,
}

impl HostTable {
    /// Moves the values of objects the collection found dead to `dropped`.
    pub fn process(&mut self, roots: &mut RootTable) {
        if self.len == 0 {
            return;
        }
        let dropped = &mut self.dropped;
        let mut gone = 0;
        self.by_id.retain(|_, bucket| {
            let mut i = 0;
            while i < bucket.len() {
                if cell_target(roots, bucket[i].cell.handle()).is_ref() {
                    i += 1;
                } else {
                    let e = bucket.swap_remove(i);
                    let _ = roots.release(e.cell);
                    dropped.push(e.value);
                    gone += 1;
                }
            }
            !bucket.is_empty()
        });
        self.len -= gone;
    }

    fn find(&self, roots: &RootTable, id: u64, addr: usize) -> Option<(u64, usize)> {
        let bucket = self.by_id.get(&id)?;
        let i = bucket
            .iter()
            .position(|e| cell_target(roots, e.cell.handle()).addr() == addr)?;
        Some((id, i))
    }
}

impl Heap {
    fn host_key(&self, obj: Handle) -> Result<(u64, usize), HeapError> {
        let o = self.obj(obj)?;
        // SAFETY: `o` is live (resolved from a root).
        Ok((unsafe { o.id() } as u64, o.addr()))
    }

    /// Makes `obj` own `value`: it is dropped after the collection that frees `obj` (never
    /// during one). Returns the value `obj` owned before, if any.
    ///
    /// Allocates one small cell (may collect).
    ///
    /// # Errors
    /// Handle errors as everywhere.
    ///
    /// ```
    /// # use gclab::{CollectionKind, Heap};
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    /// struct File(Arc<AtomicUsize>);
    /// impl Drop for File {
    ///     fn drop(&mut self) { self.0.fetch_add(1, Ordering::SeqCst); } // "close"
    /// }
    /// # fn main() -> Result<(), gclab::HeapError> {
    /// let closed = Arc::new(AtomicUsize::new(0));
    /// let mut heap = Heap::new()?;
    /// heap.scope("open", |heap| {
    ///     let f = heap.alloc(1, 0, 0)?;
    ///     heap.attach_host(f, File(closed.clone()))?;
    ///     assert!(heap.host_ref::<File>(f)?.is_some());
    ///     Ok::<_, gclab::HeapError>(())
    /// })?;
    /// assert_eq!(closed.load(Ordering::SeqCst), 0);
    /// heap.collect(CollectionKind::Major);        // frees the object, then drops the File
    /// assert_eq!(closed.load(Ordering::SeqCst), 1);
    /// # Ok(()) }
    /// ```
    pub fn attach_host<T: Any + Send>(
        &mut self,
        obj: Handle,
        value: T,
    ) -> Result<Option<HostValue>, HeapError> {
        let (id, addr) = self.host_key(obj)?;
        if let Some((id, i)) = self.weak.hosts.find(&self.roots, id, addr) {
            let slot = &mut self.weak.hosts.by_id.get_mut(&id).expect("found")[i].value;
            return Ok(Some(std::mem::replace(slot, Box::new(value))));
        }
        let cell = self.alloc_layout(WEAK_CELL_TAG, 1, 0, SlotLayout::Weak)?;
        self.set(cell, 0, obj)?;
        let raw = self.resolve(crate::Value::Ref(cell))?;
        let cell = self
            .roots
            .add_persistent(RootKind::Handle, "host object".into(), raw);
        let hosts = &mut self.weak.hosts;
        hosts.by_id.entry(id).or_default().push(HostEntry {
            cell,
            value: Box::new(value),
        });
        hosts.len += 1;
        Ok(None)
    }

    /// The value `obj` owns, if it owns one of type `T`.
    ///
    /// # Errors
    /// Handle errors as everywhere.
    pub fn host_ref<T: Any + Send>(&self, obj: Handle) -> Result<Option<&T>, HeapError> {
        let (id, addr) = self.host_key(obj)?;
        Ok(self
            .weak
            .hosts
            .find(&self.roots, id, addr)
            .and_then(|(id, i)| self.weak.hosts.by_id[&id][i].value.downcast_ref::<T>()))
    }

    /// The value `obj` owns, mutably, if it owns one of type `T`.
    ///
    /// # Errors
    /// Handle errors as everywhere.
    pub fn host_mut<T: Any + Send>(&mut self, obj: Handle) -> Result<Option<&mut T>, HeapError> {
        let (id, addr) = self.host_key(obj)?;
        let Some((id, i)) = self.weak.hosts.find(&self.roots, id, addr) else {
            return Ok(None);
        };
        let hosts = &mut self.weak.hosts;
        Ok(hosts.by_id.get_mut(&id).expect("found")[i]
            .value
            .downcast_mut::<T>())
    }

    /// Takes back the value `obj` owns (it is no longer dropped with `obj`).
    ///
    /// # Errors
    /// Handle errors as everywhere.
    pub fn detach_host(&mut self, obj: Handle) -> Result<Option<HostValue>, HeapError> {
        let (id, addr) = self.host_key(obj)?;
        let Some((id, i)) = self.weak.hosts.find(&self.roots, id, addr) else {
            return Ok(None);
        };
        let hosts = &mut self.weak.hosts;
        let bucket = hosts.by_id.get_mut(&id).expect("found");
        let e = bucket.swap_remove(i);
        if bucket.is_empty() {
            hosts.by_id.remove(&id);
        }
        hosts.len -= 1;
        let _ = self.roots.release(e.cell);
        Ok(Some(e.value))
    }

    /// Number of live host objects.
    pub fn host_count(&self) -> usize {
        self.weak.hosts.len
    }
}
