//! The handle types safe code holds: [`Handle`], [`Frame`] and [`Persistent`].
//!
//! Invariant: a handle names a root-table slot by index and carries the check number the slot
//! had when the handle was made; it never holds an address, so a stale one is refused, never
//! read through.

use std::cell::RefCell;
use std::rc::Rc;

pub(crate) const LOCAL_BIT: u32 = 1 << 31;

/// A rooted reference to an object: a local in a frame, or a persistent root.
///
/// Handles are plain indices plus a check number; the collector updates the slot they name,
/// never the handle, so a handle stays valid across collections for as long as its root
/// lives. Using a handle whose frame was popped, or whose persistent root was released,
/// returns [`HeapError::StaleHandle`]; using it on another heap returns
/// [`HeapError::WrongHeap`] (no two heaps share a check number: see `roots::serial`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Handle {
    pub(crate) index: u32,
    pub(crate) check: u32,
}

/// A call-stack frame, returned by [`Heap::push_frame`](crate::Heap::push_frame).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[must_use = "a frame must be popped with Heap::pop_frame"]
pub struct Frame {
    pub(crate) serial: u32,
    pub(crate) depth: u32,
}

impl Frame {
    /// Depth of the frame (the top-level frame is depth 0).
    pub fn depth(&self) -> u32 {
        self.depth
    }
}

/// A root that lives until it is released ([`Heap::release`](crate::Heap::release)) or dropped.
///
/// Dropping a `Persistent` queues its release; the heap processes the queue before its next
/// collection, so the object stays alive until then at most.
pub struct Persistent {
    pub(crate) handle: Handle,
    pub(crate) queue: Rc<RefCell<Vec<Handle>>>,
    pub(crate) released: bool,
}

impl Persistent {
    /// The handle to use in [`Value::Ref`](crate::Value::Ref) and the object accessors.
    pub fn handle(&self) -> Handle {
        self.handle
    }
}

impl std::fmt::Debug for Persistent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Persistent({:?})", self.handle)
    }
}

impl Drop for Persistent {
    fn drop(&mut self) {
        if !self.released {
            self.queue.borrow_mut().push(self.handle);
        }
    }
}

impl From<&Persistent> for Handle {
    fn from(p: &Persistent) -> Handle {
        p.handle
    }
}

/// An interned global: the global's root entry, named once by
/// [`Heap::global_id`](crate::Heap::global_id) and then read and written without hashing its
/// name ([`Heap::get_global`](crate::Heap::get_global),
/// [`Heap::put_global`](crate::Heap::put_global),
/// [`Heap::global_raw`](crate::Heap::global_raw)).
///
/// It is a [`Handle`] to the entry, checked the same way: once the global is removed
/// ([`Heap::remove_global`](crate::Heap::remove_global)) the id is stale. Use
/// [`handle`](Self::handle) to pass the global's object to the object accessors directly.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct GlobalId(pub(crate) Handle);

impl GlobalId {
    /// The handle of the global's root entry (valid while the global exists).
    pub fn handle(self) -> Handle {
        self.0
    }
}

impl From<GlobalId> for Handle {
    fn from(g: GlobalId) -> Handle {
        g.0
    }
}
