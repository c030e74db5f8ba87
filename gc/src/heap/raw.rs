//! The `unsafe` raw path for embedders that keep their own roots: raw words in, raw words
//! out, with the same checks and barrier as the safe API.

use super::Heap;
use crate::error::HeapError;
use crate::object::{ObjPtr, TypeTag};
use crate::roots::Handle;
use crate::value::RawValue;

impl Heap {
    /// The raw word a handle holds. Safe: the bits alone cannot be dereferenced.
    #[inline]
    pub fn raw(&self, h: impl Into<Handle>) -> Result<RawValue, HeapError> {
        self.roots.get(h.into())
    }

    /// Roots a raw word as a local in the current frame.
    ///
    /// # Safety
    /// `raw` is a valid word ([`RawValue::is_valid`]), and if it is a reference it must point
    /// at a live object of this heap: it was obtained from this heap and has been kept up to
    /// date by the collector since (it sat in a [`RootSource`](crate::RootSource) slot or was read with no
    /// collection in between).
    #[inline]
    pub unsafe fn root_raw(&mut self, raw: RawValue) -> Handle {
        debug_assert!(raw.is_valid(), "root_raw of {raw:?}");
        self.roots.push_local(raw)
    }

    /// Reads a slot through a raw reference, without rooting anything.
    ///
    /// # Safety
    /// `obj` must be a live reference into this heap (see [`root_raw`](Self::root_raw)).
    #[inline]
    pub unsafe fn get_raw(&self, obj: RawValue, index: usize) -> Result<RawValue, HeapError> {
        // SAFETY: the caller guarantees `obj` is live if it is a reference.
        let o = unsafe { Self::raw_slot_of(obj, index)? };
        // SAFETY: `raw_slot_of` checked `index` against the slot count.
        Ok(unsafe { o.slot(index) })
    }

    /// Stores through a raw reference, with the write barrier.
    ///
    /// # Safety
    /// `obj`, and `value` if it is a reference, must be live references into this heap;
    /// `value` is a valid word ([`RawValue::is_valid`]).
    #[inline]
    pub unsafe fn set_raw(
        &mut self,
        obj: RawValue,
        index: usize,
        value: RawValue,
    ) -> Result<(), HeapError> {
        // SAFETY: the caller's contract covers the store; the barrier below records the edge
        // that the unbarriered store's extra precondition would otherwise require.
        unsafe { self.set_raw_unbarriered(obj, index, value)? };
        // SAFETY: the store succeeded, so `obj` is a live reference.
        self.write_barrier(unsafe { ObjPtr::from_value(obj) }, value);
        Ok(())
    }

    /// Stores through a raw reference **without** the write barrier (V8's `SKIP_WRITE_BARRIER`):
    /// for stores the embedder knows cannot create an old→young edge. (The deletion barrier
    /// of an incremental marking cycle still runs: skipping it could free a live object.)
    ///
    /// # Safety
    /// As [`set_raw`](Self::set_raw), and in addition: `obj` is in the nursery, or `value` is
    /// not a reference into the nursery. (Breaking this leaves an unrecorded old→young edge:
    /// the next minor collection would free a live object. `verify` reports it.)
    #[inline]
    pub unsafe fn set_raw_unbarriered(
        &mut self,
        obj: RawValue,
        index: usize,
        value: RawValue,
    ) -> Result<(), HeapError> {
        debug_assert!(value.is_valid(), "set_raw of {value:?}");
        // SAFETY: the caller guarantees `obj` is live if it is a reference.
        let o = unsafe { Self::raw_slot_of(obj, index)? };
        // SAFETY: `raw_slot_of` checked `index`; the caller guarantees `value` is valid and
        // needs no generational barrier.
        unsafe {
            self.satb_barrier(o, index);
            o.set_slot(index, value);
        }
        Ok(())
    }

    /// A borrowed view of the object a raw reference points at.
    ///
    /// # Safety
    /// `obj` must be a live reference into this heap (see [`root_raw`](Self::root_raw)).
    #[inline]
    pub unsafe fn view_raw(&self, obj: RawValue) -> Result<crate::ObjRef<'_>, HeapError> {
        if !obj.is_ref() {
            return Err(HeapError::NotAnObject);
        }
        // SAFETY: the caller guarantees `obj` is live; the view borrows `self` shared, so it
        // stays put for the view's lifetime.
        Ok(unsafe { crate::ObjRef::new(ObjPtr::from_value(obj)) })
    }

    /// Allocates without rooting the result. The returned word must be stored in a root
    /// source slot or rooted before the next operation that may collect.
    #[inline]
    pub fn alloc_raw(
        &mut self,
        tag: TypeTag,
        slots: usize,
        bytes: usize,
    ) -> Result<RawValue, HeapError> {
        Ok(self.alloc_object(tag, slots, bytes)?.to_value())
    }

    /// The raw bytes of the object a raw reference points at.
    ///
    /// # Safety
    /// `obj` must be a live reference into this heap (see [`root_raw`](Self::root_raw)).
    #[inline]
    pub unsafe fn bytes_raw(&self, obj: RawValue) -> Result<&[u8], HeapError> {
        if !obj.is_ref() {
            return Err(HeapError::NotAnObject);
        }
        // SAFETY: the caller guarantees `obj` is live; the slice borrows `self` shared, so no
        // collection can move or free the object meanwhile.
        unsafe {
            let o = ObjPtr::from_value(obj);
            Ok(std::slice::from_raw_parts(o.bytes_ptr(), o.byte_count()))
        }
    }

    /// The raw bytes of the object a raw reference points at, writable: fill a new string's
    /// bytes straight after [`alloc_raw`](Self::alloc_raw), with no handle or frame.
    ///
    /// ```
    /// # use gclab::{Heap, RootStack};
    /// let mut heap = Heap::new()?;
    /// let mut stack = heap.root_stack("operand stack");
    /// let s = heap.alloc_raw(2, 0, 5)?;
    /// // SAFETY: `s` is fresh, and nothing collects before it is on the stack.
    /// unsafe {
    ///     heap.bytes_mut_raw(s)?.copy_from_slice(b"hello");
    ///     stack.push(s);
    /// }
    /// heap.collect(gclab::CollectionKind::Minor);
    /// let s = stack.peek(0).unwrap();
    /// // SAFETY: `s` is on the stack, which the collector keeps up to date.
    /// assert_eq!(unsafe { heap.bytes_raw(s)? }, b"hello");
    /// # Ok::<(), gclab::HeapError>(())
    /// ```
    ///
    /// # Safety
    /// As [`bytes_raw`](Self::bytes_raw).
    #[inline]
    pub unsafe fn bytes_mut_raw(&mut self, obj: RawValue) -> Result<&mut [u8], HeapError> {
        if !obj.is_ref() {
            return Err(HeapError::NotAnObject);
        }
        // SAFETY: as in `bytes_raw`, and `&mut self` makes the borrow exclusive.
        unsafe {
            let o = ObjPtr::from_value(obj);
            Ok(std::slice::from_raw_parts_mut(
                o.bytes_ptr(),
                o.byte_count(),
            ))
        }
    }
}
