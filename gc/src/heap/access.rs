//! Object access through handles and borrowed views, and the write barrier.
//!
//! Invariant: every address read here was resolved from a root (so it is live), and every
//! store of a reference runs the barrier.

use super::{immediate_value, Heap, SpaceKind};
use crate::error::HeapError;
use crate::object::{ObjPtr, TypeTag};
use crate::roots::Handle;
use crate::value::{RawValue, Value};

impl Heap {
    #[inline(always)]
    pub(crate) fn obj(&self, h: Handle) -> Result<ObjPtr, HeapError> {
        let v = self.roots.get(h)?;
        if !v.is_ref() {
            return Err(HeapError::NotAnObject);
        }
        // SAFETY: root tables only hold references to live objects (the roots invariant).
        Ok(unsafe { ObjPtr::from_value(v) })
    }

    /// The object behind `h`, with `index` checked against its slot count.
    #[inline(always)]
    pub(super) fn slot_of(&self, h: Handle, index: usize) -> Result<ObjPtr, HeapError> {
        let o = self.obj(h)?;
        // SAFETY: `o` is live (resolved from a root).
        unsafe { Self::in_bounds(o, index) }
    }

    /// `o` itself if `index` is below its slot count.
    ///
    /// # Safety
    /// `o` is a live object.
    #[inline(always)]
    pub(super) unsafe fn in_bounds(o: ObjPtr, index: usize) -> Result<ObjPtr, HeapError> {
        // SAFETY: the caller's contract.
        let len = unsafe { o.slot_count() };
        if index >= len {
            return Err(HeapError::SlotOutOfBounds { index, len });
        }
        Ok(o)
    }

    /// The object a raw reference points at, with `index` checked against its slot count.
    ///
    /// # Safety
    /// If `obj` is a reference it points at a live object of this heap.
    #[inline]
    pub(super) unsafe fn raw_slot_of(obj: RawValue, index: usize) -> Result<ObjPtr, HeapError> {
        if !obj.is_ref() {
            return Err(HeapError::NotAnObject);
        }
        // SAFETY: the caller guarantees a reference `obj` is live.
        unsafe { Self::in_bounds(ObjPtr::from_value(obj), index) }
    }

    /// Resolves a safe value to its raw word (handles to the references they hold).
    #[inline(always)]
    pub(crate) fn resolve(&self, v: Value) -> Result<RawValue, HeapError> {
        Ok(match v {
            Value::Undefined => RawValue::UNDEFINED,
            Value::Null => RawValue::NULL,
            Value::Bool(b) => RawValue::bool(b),
            Value::Int(i) => RawValue::int(i),
            Value::Float(f) => RawValue::float(f),
            Value::Ref(h) => self.roots.get(h)?,
        })
    }

    /// Turns a raw word into a safe value, rooting references in the current frame.
    #[inline(always)]
    pub(crate) fn expose(&mut self, raw: RawValue) -> Result<Value, HeapError> {
        if raw.is_ref() {
            return Ok(Value::Ref(self.roots.push_local(raw)));
        }
        immediate_value(raw)
    }

    /// Reads slot `index`. A reference comes back as a new local in the current frame.
    #[inline(always)]
    pub fn get(&mut self, obj: impl Into<Handle>, index: usize) -> Result<Value, HeapError> {
        let o = self.slot_of(obj.into(), index)?;
        // SAFETY: `slot_of` checked that `o` is live and `index` in bounds.
        let raw = unsafe { o.slot(index) };
        self.expose(raw)
    }

    /// Reads slot `index` into an existing local instead of creating one (for loops that
    /// walk a structure without growing the frame). Returns the value read.
    #[inline(always)]
    pub fn get_into(
        &mut self,
        obj: impl Into<Handle>,
        index: usize,
        local: Handle,
    ) -> Result<Value, HeapError> {
        let o = self.slot_of(obj.into(), index)?;
        // SAFETY: `slot_of` checked that `o` is live and `index` in bounds.
        let raw = unsafe { o.slot(index) };
        self.roots.set(local, raw)?;
        if raw.is_ref() {
            Ok(Value::Ref(local))
        } else {
            immediate_value(raw)
        }
    }

    /// Stores into slot `index`, through the write barrier.
    #[inline(always)]
    pub fn set(
        &mut self,
        obj: impl Into<Handle>,
        index: usize,
        value: impl Into<Value>,
    ) -> Result<(), HeapError> {
        // The stored value is resolved before the index is checked: a stale value handle is
        // reported first.
        let o = self.obj(obj.into())?;
        let raw = self.resolve(value.into())?;
        // SAFETY: `o` is live (resolved from a root).
        let o = unsafe { Self::in_bounds(o, index)? };
        // SAFETY: `index` is in bounds; `raw` is an immediate or a live reference from a root.
        unsafe {
            self.satb_barrier(o, index);
            o.set_slot(index, raw);
        }
        self.write_barrier(o, raw);
        Ok(())
    }

    /// The write barrier: records `obj` in the remembered set when it is outside the nursery
    /// and `value` points into it. A store of anything but a nursery reference costs one
    /// subtract-and-compare on the value's bits (tag and address together); a nursery
    /// reference costs a second one on the object's address.
    #[inline(always)]
    pub(crate) fn write_barrier(&mut self, obj: ObjPtr, value: RawValue) {
        if value.bits().wrapping_sub(self.barrier_ref_lo) < self.barrier_len as u64
            && obj.addr().wrapping_sub(self.barrier_lo) >= self.barrier_len
        {
            self.remember(obj);
        }
    }

    /// Start of the barrier's young range.
    pub(crate) fn barrier_lo(&self) -> usize {
        self.barrier_lo
    }

    /// Length of the barrier's young range (0 without a barrier).
    pub(crate) fn barrier_len(&self) -> usize {
        self.barrier_len
    }

    #[cold]
    pub(super) fn remember(&mut self, obj: ObjPtr) {
        self.plan.remember(obj);
    }

    /// Number of reference slots.
    pub fn slot_count(&self, obj: impl Into<Handle>) -> Result<usize, HeapError> {
        let o = self.obj(obj.into())?;
        // SAFETY: `o` is live.
        Ok(unsafe { o.slot_count() })
    }

    /// The raw bytes.
    pub fn bytes(&self, obj: impl Into<Handle>) -> Result<&[u8], HeapError> {
        let o = self.obj(obj.into())?;
        // SAFETY: `o` is live; the byte area is `byte_count` bytes long; the slice borrows
        // `self`, so no collection (which needs `&mut self`) can move or free it meanwhile.
        Ok(unsafe { std::slice::from_raw_parts(o.bytes_ptr(), o.byte_count()) })
    }

    /// The raw bytes, writable.
    pub fn bytes_mut(&mut self, obj: impl Into<Handle>) -> Result<&mut [u8], HeapError> {
        let o = self.obj(obj.into())?;
        // SAFETY: as in `bytes`, and `&mut self` makes the borrow exclusive.
        Ok(unsafe { std::slice::from_raw_parts_mut(o.bytes_ptr(), o.byte_count()) })
    }

    /// The type tag.
    pub fn type_tag(&self, obj: impl Into<Handle>) -> Result<TypeTag, HeapError> {
        let o = self.obj(obj.into())?;
        // SAFETY: `o` is live.
        Ok(unsafe { o.tag() })
    }

    /// The object's identity hash: kept when it moves, but 32-bit, so it repeats after 2³²
    /// allocations. Use it to bucket objects and [`same_object`](Self::same_object) to compare
    /// them (the lookups of [`crate::weak`] do exactly that).
    pub fn object_id(&self, obj: impl Into<Handle>) -> Result<u64, HeapError> {
        let o = self.obj(obj.into())?;
        // SAFETY: `o` is live.
        Ok(unsafe { o.id() } as u64)
    }

    /// Exact size of the object in bytes.
    pub fn object_size(&self, obj: impl Into<Handle>) -> Result<usize, HeapError> {
        let o = self.obj(obj.into())?;
        // SAFETY: `o` is live.
        Ok(unsafe { o.size() })
    }

    /// Which space holds the object.
    pub fn space_of(&self, obj: impl Into<Handle>) -> Result<SpaceKind, HeapError> {
        let o = self.obj(obj.into())?;
        Ok(self.space_of_addr(o.addr()))
    }

    pub(crate) fn space_of_addr(&self, addr: usize) -> SpaceKind {
        self.plan.space_of(addr)
    }

    /// Whether two handles name the same object.
    pub fn same_object(
        &self,
        a: impl Into<Handle>,
        b: impl Into<Handle>,
    ) -> Result<bool, HeapError> {
        Ok(self.obj(a.into())?.addr() == self.obj(b.into())?.addr())
    }

    /// The value a handle holds (an object handle gives `Value::Ref(handle)`).
    pub fn value_of(&self, h: impl Into<Handle>) -> Result<Value, HeapError> {
        let h = h.into();
        let raw = self.roots.get(h)?;
        if raw.is_ref() {
            Ok(Value::Ref(h))
        } else {
            immediate_value(raw)
        }
    }

    /// A read-only view of an object that borrows the heap: traverse a structure through
    /// [`ObjRef`](crate::ObjRef)s without creating a handle per step. The borrow checker ends
    /// every view before the next operation that may collect (they all take `&mut Heap`).
    #[inline]
    pub fn view(&self, obj: impl Into<Handle>) -> Result<crate::ObjRef<'_>, HeapError> {
        let o = self.obj(obj.into())?;
        // SAFETY: `o` is live, and the returned view borrows `self` shared, so no collection
        // can move or free it while the view exists.
        Ok(unsafe { crate::ObjRef::new(o) })
    }

    /// Walks from `obj` through borrowed views and roots the object `f` stops at as a local
    /// in the current frame: a [`ViewValue::Ref`](crate::ViewValue::Ref) found by a read-only
    /// traversal becomes a handle, with no handle per step.
    ///
    /// ```
    /// # use gclab::{Heap, Value};
    /// let mut heap = Heap::new()?;
    /// let (a, b) = (heap.alloc(1, 1, 0)?, heap.alloc(1, 1, 0)?);
    /// heap.set(a, 0, b)?;
    /// heap.set(b, 0, Value::Int(7))?;
    /// let found = heap.find(a, |v| v.get_ref(0))?.unwrap();
    /// assert!(heap.same_object(found, b)?);
    /// # Ok::<(), gclab::HeapError>(())
    /// ```
    ///
    /// # Errors
    /// As [`view`](Self::view); [`HeapError::WrongHeap`] if `f` returns a view of another
    /// heap.
    pub fn find(
        &mut self,
        obj: impl Into<Handle>,
        f: impl for<'h> FnOnce(crate::ObjRef<'h>) -> Option<crate::ObjRef<'h>>,
    ) -> Result<Option<Handle>, HeapError> {
        let Some(found) = f(self.view(obj)?) else {
            return Ok(None);
        };
        let o = found.ptr();
        // A view of another heap (one leaked for `'static`, say) would coerce to `'h`: only
        // an address inside this heap's spaces is rooted.
        let mut ours = false;
        self.plan
            .for_each_space(&mut |s| ours |= s.contains(o.addr()));
        if !ours {
            return Err(HeapError::WrongHeap);
        }
        // `f` held the heap shared, so nothing collected: `o` is live and where it was seen.
        Ok(Some(self.roots.push_local(o.to_value())))
    }
}
