//! Interned globals: a global named once, then read and written by id.
//!
//! Invariant: a [`GlobalId`] is a handle to the global's root entry, so every access is the
//! handle check (index in range, entry live, check number equal) and nothing else.

use super::Heap;
use crate::error::HeapError;
use crate::roots::GlobalId;
use crate::value::{RawValue, Value};

impl Heap {
    /// The interned id of global `name`, creating the global (`undefined`) if it does not
    /// exist. Hashes `name` once; every access through the id skips the hash.
    ///
    /// ```
    /// # use gclab::{Heap, Value};
    /// let mut heap = Heap::new()?;
    /// let counter = heap.global_id("counter");
    /// heap.put_global(counter, Value::Int(41))?;
    /// let n = heap.get_global(counter)?.as_int().unwrap();
    /// heap.put_global(counter, Value::Int(n + 1))?;
    /// assert_eq!(heap.global("counter"), Some(Value::Int(42)));
    /// heap.remove_global("counter");
    /// assert!(heap.get_global(counter).is_err());            // the id went stale with it
    /// # Ok::<(), gclab::HeapError>(())
    /// ```
    pub fn global_id(&mut self, name: &str) -> GlobalId {
        GlobalId(self.roots.global_id(name))
    }

    /// Reads an interned global; a reference comes back as a local in the current frame.
    ///
    /// # Errors
    /// [`HeapError::StaleHandle`] once the global was removed; [`HeapError::WrongHeap`] for
    /// an id of another heap.
    #[inline]
    pub fn get_global(&mut self, id: GlobalId) -> Result<Value, HeapError> {
        let raw = self.roots.get(id.0)?;
        self.expose(raw)
    }

    /// The raw word an interned global holds, rooting nothing (bits are safe to hold; use
    /// the raw path to read through them before the next collection).
    #[inline]
    pub fn global_raw(&self, id: GlobalId) -> Result<RawValue, HeapError> {
        self.roots.get(id.0)
    }

    /// Writes an interned global.
    #[inline]
    pub fn put_global(&mut self, id: GlobalId, value: impl Into<Value>) -> Result<(), HeapError> {
        let raw = self.resolve(value.into())?;
        self.roots.set(id.0, raw)
    }

    /// Writes a raw word into an interned global.
    ///
    /// # Safety
    /// As [`Heap::root_raw`]: `raw` is valid and, if a reference, points at a live object of
    /// this heap.
    #[inline]
    pub unsafe fn put_global_raw(&mut self, id: GlobalId, raw: RawValue) -> Result<(), HeapError> {
        debug_assert!(raw.is_valid(), "put_global_raw of {raw:?}");
        self.roots.set(id.0, raw)
    }
}
