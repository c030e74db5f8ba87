//! Borrow-the-heap views: read an object graph without rooting every step.
//!
//! An [`ObjRef<'h>`] is an object address that borrows the heap shared for `'h`. Everything
//! that may collect takes `&mut Heap`, so while any `ObjRef` is alive no collection can run and
//! the address stays valid; the borrow checker enforces it. To keep an object across a
//! collection, go back to a [`Handle`](crate::Handle).
//!
//! ```
//! # use gclab::{Heap, Value, ViewValue};
//! # fn main() -> Result<(), gclab::HeapError> {
//! let mut heap = Heap::new()?;
//! let a = heap.alloc(1, 2, 0)?;
//! let b = heap.alloc(1, 2, 0)?;
//! heap.set(b, 0, Value::Int(7))?;
//! heap.set(a, 1, b)?;
//! let view = heap.view(a)?;
//! let ViewValue::Ref(next) = view.get(1).unwrap() else { panic!() };
//! assert_eq!(next.get(0), Some(ViewValue::Int(7)));
//! # Ok(())
//! # }
//! ```

use crate::object::{ObjPtr, TypeTag};
use crate::value::{Immediate, RawValue};
use std::marker::PhantomData;

/// A live object, borrowed from the heap for `'h` (see the module docs).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ObjRef<'h> {
    obj: ObjPtr,
    _heap: PhantomData<&'h crate::Heap>,
}

impl std::fmt::Debug for ObjRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ObjRef(tag {}, {} slots)",
            self.type_tag(),
            self.slot_count()
        )
    }
}

/// A slot's value seen through a view.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ViewValue<'h> {
    /// `undefined`.
    Undefined,
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A small integer.
    Int(i32),
    /// A double.
    Float(f64),
    /// Another object, borrowed for the same lifetime.
    Ref(ObjRef<'h>),
    /// A word that encodes nothing ([`RawValue::is_valid`] is false): only a broken raw-API
    /// contract stores one.
    Invalid(RawValue),
}

impl<'h> ObjRef<'h> {
    /// # Safety
    /// `obj` is a live object and stays live and unmoved for `'h` (the caller holds a shared
    /// borrow of the heap for `'h`).
    #[inline]
    pub(crate) unsafe fn new(obj: ObjPtr) -> Self {
        ObjRef {
            obj,
            _heap: PhantomData,
        }
    }

    /// The object this view reads.
    #[inline]
    pub(crate) fn ptr(self) -> ObjPtr {
        self.obj
    }

    /// Number of reference slots.
    #[inline]
    pub fn slot_count(self) -> usize {
        // SAFETY: live for `'h` (type invariant).
        unsafe { self.obj.slot_count() }
    }

    /// The type tag.
    #[inline]
    pub fn type_tag(self) -> TypeTag {
        // SAFETY: live for `'h`.
        unsafe { self.obj.tag() }
    }

    /// The stable object id.
    #[inline]
    pub fn id(self) -> u64 {
        // SAFETY: live for `'h`.
        unsafe { self.obj.id() as u64 }
    }

    /// Slot `i`, or `None` past the slot count.
    #[inline]
    pub fn get(self, i: usize) -> Option<ViewValue<'h>> {
        if i >= self.slot_count() {
            return None;
        }
        // SAFETY: `i < slot_count`; live for `'h`.
        let raw: RawValue = unsafe { self.obj.slot(i) };
        Some(if raw.is_ref() {
            // SAFETY: a live object's reference slots point at live objects, which stay put
            // for `'h` like this one.
            ViewValue::Ref(unsafe { ObjRef::new(ObjPtr::from_value(raw)) })
        } else {
            match raw.immediate() {
                Some(Immediate::Undefined) => ViewValue::Undefined,
                Some(Immediate::Null) => ViewValue::Null,
                Some(Immediate::Bool(b)) => ViewValue::Bool(b),
                Some(Immediate::Int(i)) => ViewValue::Int(i),
                Some(Immediate::Float(f)) => ViewValue::Float(f),
                // Only a broken raw-API contract stores such a word; show it, don't panic.
                None => ViewValue::Invalid(raw),
            }
        })
    }

    /// Slot `i` if it holds an object.
    #[inline]
    pub fn get_ref(self, i: usize) -> Option<ObjRef<'h>> {
        if i >= self.slot_count() {
            return None;
        }
        // SAFETY: `i < slot_count`; live for `'h`.
        let raw: RawValue = unsafe { self.obj.slot(i) };
        // SAFETY: a live object's reference slots point at live objects, unmoved for `'h`.
        raw.is_ref()
            .then(|| unsafe { ObjRef::new(ObjPtr::from_value(raw)) })
    }

    /// The raw bytes.
    #[inline]
    pub fn bytes(self) -> &'h [u8] {
        // SAFETY: live for `'h`; the byte area is `byte_count` bytes and nothing can write it
        // while the heap is borrowed shared.
        unsafe { std::slice::from_raw_parts(self.obj.bytes_ptr(), self.obj.byte_count()) }
    }

    /// Whether two views are the same object.
    #[inline]
    pub fn same(self, other: ObjRef<'_>) -> bool {
        self.obj == other.obj
    }
}
