//! [`SlotSource`]: the external root source the harness registers, a vector of raw words.
//!
//! Invariant: every word in the vector is an immediate, or a reference that was valid in the
//! heap the source is registered with when it was written and that every collection since
//! has visited (and rewritten if the object moved). The collector trusts that invariant
//! blindly, so whatever could break it is `unsafe`: writing an arbitrary raw word
//! ([`push`](SlotSource::push), [`set`](SlotSource::set)) makes the caller vouch for it.
//! The safe ways in cannot forge a reference: [`SlotSource::store`] reads the word from a
//! live handle of the same heap at the moment it writes it, and
//! [`set_immediate`](SlotSource::set_immediate) accepts only immediates. Reading and
//! removing words is safe (a word alone cannot be dereferenced without `unsafe`).
//!
//! A stale word read with [`Heap::raw`] before its object was freed cannot be written back
//! without `unsafe`:
//!
//! ```compile_fail,E0133
//! # use gclab::testing::SlotSource;
//! # use gclab::RawValue;
//! let mut source = SlotSource::new(1);
//! let stale = RawValue::from_bits(0x1000); // any word, e.g. `heap.raw(a)` after `a` died
//! source.push(stale); // error: call to unsafe function requires an unsafe block
//! ```
//!
//! nor through the field, which is private:
//!
//! ```compile_fail,E0616
//! # use gclab::testing::SlotSource;
//! # use gclab::RawValue;
//! let mut source = SlotSource::new(1);
//! source.slots.push(RawValue::from_bits(0x1000)); // error: field `slots` is private
//! ```

use crate::{Heap, HeapError, Immediate, RawValue, RootSource, RootVisitor, SourceId, Value};

/// A root source made of raw words. See the [module documentation](self).
#[derive(Debug, Default)]
pub struct SlotSource {
    slots: Vec<RawValue>,
}

// SAFETY: `visit_roots` shows the collector every slot. Every word in `slots` was written
// through `new` (immediates), `set_immediate` (immediates), `store` (the word of a live
// handle, read at the moment of the write) or the `unsafe` `push`/`set`, whose callers vouch
// for the word; so every reference is valid (the module invariant).
unsafe impl RootSource for SlotSource {
    fn visit_roots(&mut self, visitor: &mut RootVisitor<'_>) {
        visitor.visit_all(&mut self.slots);
    }
}

impl SlotSource {
    /// A source of `len` slots, all `undefined`.
    pub fn new(len: usize) -> SlotSource {
        SlotSource {
            slots: vec![RawValue::UNDEFINED; len],
        }
    }

    /// Number of slots.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether the source has no slot.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The word in slot `index`.
    pub fn get(&self, index: usize) -> Option<RawValue> {
        self.slots.get(index).copied()
    }

    /// Every slot's word.
    pub fn words(&self) -> &[RawValue] {
        &self.slots
    }

    /// Removes and returns the last slot's word.
    pub fn pop(&mut self) -> Option<RawValue> {
        self.slots.pop()
    }

    /// Appends a slot holding `raw`.
    ///
    /// # Safety
    /// If `raw` is a reference, it must point at a live object of the heap this source is
    /// (or will be) registered with, as for [`Heap::root_raw`]: it was returned by that heap
    /// ([`Heap::alloc_raw`], [`Heap::get_raw`], [`Heap::raw`] of a live handle) and no
    /// collection ran since, or it sat in a registered root source slot since.
    pub unsafe fn push(&mut self, raw: RawValue) {
        self.slots.push(raw);
    }

    /// Overwrites slot `index` with `raw`; `SlotOutOfBounds` past the end.
    ///
    /// # Safety
    /// As for [`push`](Self::push).
    pub unsafe fn set(&mut self, index: usize, raw: RawValue) -> Result<(), HeapError> {
        let len = self.slots.len();
        let slot = self
            .slots
            .get_mut(index)
            .ok_or(HeapError::SlotOutOfBounds { index, len })?;
        *slot = raw;
        Ok(())
    }

    /// Overwrites slot `index` with an immediate; `SlotOutOfBounds` past the end.
    pub fn set_immediate(&mut self, index: usize, value: Immediate) -> Result<(), HeapError> {
        // SAFETY: an immediate is not a reference, so it cannot point anywhere.
        unsafe { self.set(index, value.into()) }
    }

    /// Stores `value` into slot `index` of the registered source `id`: an immediate as is, a
    /// reference as the word its handle holds right now. The safe way to put a reference
    /// into the source: the handle must be live (`StaleHandle` otherwise), and nothing can
    /// collect between reading the word and storing it.
    ///
    /// # Errors
    /// `StaleHandle` for a handle whose frame was popped or whose root was released, or if
    /// `id` is not registered (removed, or another heap's); `WrongHeap` for a handle of
    /// another heap; `SlotOutOfBounds` past the source's end.
    pub fn store(
        heap: &mut Heap,
        id: &SourceId<SlotSource>,
        index: usize,
        value: Value,
    ) -> Result<(), HeapError> {
        let raw = match value {
            Value::Ref(h) => heap.raw(h)?,
            Value::Undefined => RawValue::UNDEFINED,
            Value::Null => RawValue::NULL,
            Value::Bool(b) => RawValue::bool(b),
            Value::Int(i) => RawValue::int(i),
            Value::Float(f) => RawValue::float(f),
        };
        let source = heap.root_source_mut(id).ok_or(HeapError::StaleHandle)?;
        // SAFETY: `raw` is an immediate or the word of a live handle of `heap`, read just
        // now; `source` is registered with `heap` and nothing collected in between.
        unsafe { source.set(index, raw) }
    }
}
