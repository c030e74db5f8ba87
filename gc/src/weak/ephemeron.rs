//! Ephemeron tables: lookups in a [`SlotLayout::Ephemeron`] object, the backing store of a
//! `WeakMap`.
//!
//! A table is `2n` slots of `(key, value)` pairs; a free pair has an `undefined` key (never
//! used, deleted, or cleared by a collection when its key died). Lookup compares the keys'
//! current addresses, which the collector keeps up to date when keys move, so no hashing is
//! involved and nothing has to be rehashed after a collection. A lookup is a linear scan of
//! the table: fine for the hundreds of entries a `WeakMap` holds in the scenarios; a hashed
//! table (by [`Heap::object_id`] with address equality) is the next step for larger maps.
//!
//! Invariant: the functions here read and write slots through the heap's checked accessors,
//! so every store runs the write barrier.

use crate::error::HeapError;
use crate::heap::Heap;
use crate::object::ObjPtr;
use crate::roots::Handle;
use crate::trace::SlotLayout;
use crate::value::Value;

impl Heap {
    /// The table object behind `table`, checked to be an ephemeron table.
    fn ephemeron_table(&self, table: Handle) -> Result<ObjPtr, HeapError> {
        if self.slot_layout(table)? != SlotLayout::Ephemeron {
            return Err(HeapError::InvalidArgument("not an ephemeron table"));
        }
        self.obj(table)
    }

    /// The pair index of `key` in `table` (pair `i` is slots `2i`, `2i + 1`), if present.
    ///
    /// # Errors
    /// [`HeapError::InvalidArgument`] if `table` was not allocated with
    /// [`SlotLayout::Ephemeron`]; handle errors as everywhere.
    pub fn ephemeron_find(
        &self,
        table: impl Into<Handle>,
        key: impl Into<Handle>,
    ) -> Result<Option<usize>, HeapError> {
        let t = self.ephemeron_table(table.into())?;
        let k = self.obj(key.into())?.to_value();
        // SAFETY: `t` is live (resolved from a root); slots are read below its slot count.
        let pairs = unsafe { t.slot_count() } / 2;
        Ok((0..pairs).find(|&i| {
            // SAFETY: as above.
            unsafe { t.slot(2 * i) }.bits() == k.bits()
        }))
    }

    /// The value `key` maps to in `table`, if any (the value comes back rooted in the current
    /// frame).
    ///
    /// # Errors
    /// As [`ephemeron_find`](Self::ephemeron_find).
    pub fn ephemeron_get(
        &mut self,
        table: impl Into<Handle>,
        key: impl Into<Handle>,
    ) -> Result<Option<Value>, HeapError> {
        let table = table.into();
        match self.ephemeron_find(table, key)? {
            Some(i) => Ok(Some(self.get(table, 2 * i + 1)?)),
            None => Ok(None),
        }
    }

    /// Maps `key` to `value` in `table`: overwrites the key's pair, or takes the first free
    /// pair. Returns `false` (and changes nothing) when the table is full; the embedder then
    /// copies the live pairs into a larger table ([`ephemeron_pairs`](Self::ephemeron_pairs)).
    ///
    /// # Errors
    /// As [`ephemeron_find`](Self::ephemeron_find).
    pub fn ephemeron_insert(
        &mut self,
        table: impl Into<Handle>,
        key: impl Into<Handle>,
        value: impl Into<Value>,
    ) -> Result<bool, HeapError> {
        let (table, key, value) = (table.into(), key.into(), value.into());
        self.resolve(value)?;
        let slot = match self.ephemeron_find(table, key)? {
            Some(i) => Some(i),
            None => {
                let t = self.ephemeron_table(table)?;
                // SAFETY: `t` is live; slots are read below its slot count.
                let pairs = unsafe { t.slot_count() } / 2;
                // SAFETY: as above.
                (0..pairs).find(|&i| !unsafe { t.slot(2 * i) }.is_ref())
            }
        };
        let Some(i) = slot else {
            return Ok(false);
        };
        self.set(table, 2 * i, key)?;
        self.set(table, 2 * i + 1, value)?;
        Ok(true)
    }

    /// Removes `key`'s pair from `table`; returns whether it was there.
    ///
    /// # Errors
    /// As [`ephemeron_find`](Self::ephemeron_find).
    pub fn ephemeron_remove(
        &mut self,
        table: impl Into<Handle>,
        key: impl Into<Handle>,
    ) -> Result<bool, HeapError> {
        let table = table.into();
        let Some(i) = self.ephemeron_find(table, key)? else {
            return Ok(false);
        };
        self.set(table, 2 * i, Value::Undefined)?;
        self.set(table, 2 * i + 1, Value::Undefined)?;
        Ok(true)
    }

    /// Number of pairs in use in `table`.
    ///
    /// # Errors
    /// As [`ephemeron_find`](Self::ephemeron_find).
    pub fn ephemeron_len(&self, table: impl Into<Handle>) -> Result<usize, HeapError> {
        let t = self.ephemeron_table(table.into())?;
        // SAFETY: `t` is live; slots are read below its slot count.
        let pairs = unsafe { t.slot_count() } / 2;
        // SAFETY: as above.
        Ok((0..pairs)
            .filter(|&i| unsafe { t.slot(2 * i) }.is_ref())
            .count())
    }

    /// The pairs in use in `table`, keys and values rooted in the current frame (to copy them
    /// into a larger table).
    ///
    /// # Errors
    /// As [`ephemeron_find`](Self::ephemeron_find).
    pub fn ephemeron_pairs(
        &mut self,
        table: impl Into<Handle>,
    ) -> Result<Vec<(Handle, Value)>, HeapError> {
        let table = table.into();
        let t = self.ephemeron_table(table)?;
        // SAFETY: `t` is live; slots are read below its slot count.
        let pairs = unsafe { t.slot_count() } / 2;
        let mut out = Vec::new();
        for i in 0..pairs {
            if let Value::Ref(k) = self.get(table, 2 * i)? {
                let v = self.get(table, 2 * i + 1)?;
                out.push((k, v));
            }
        }
        Ok(out)
    }
}
