//! The header word layout and the raw object pointer the collector works with.

use crate::value::RawValue;
use std::ptr::NonNull;

/// The embedder's type tag: lets a runtime tell a closure from an array and lets
/// diagnostics name the object (see [`Heap::register_type`](crate::Heap::register_type)).
pub type TypeTag = u16;

/// Bytes taken by the header.
pub const HEADER_SIZE: usize = 16;
/// The largest slot count an object may have.
pub const MAX_SLOTS: usize = (1 << 28) - 1;
/// The largest raw byte count an object may have.
pub const MAX_BYTES: usize = (1 << 31) - 1;

/// The exact size in bytes of an object with `slots` reference slots and `bytes` raw bytes.
///
/// ```
/// assert_eq!(gclab::object_size(2, 0), 32);
/// assert_eq!(gclab::object_size(0, 1), 24);
/// ```
#[inline]
pub const fn object_size(slots: usize, bytes: usize) -> usize {
    HEADER_SIZE + slots * 8 + ((bytes + 7) & !7)
}

/// Per-object collector state bits.
pub(crate) struct Flags;

impl Flags {
    pub const FORWARDED: u8 = 1;
    pub const MARKED: u8 = 2;
    pub const REMEMBERED: u8 = 4;
}

const FLAGS_SHIFT: u32 = 56;
const AGE_SHIFT: u32 = 48;
const TAG_SHIFT: u32 = 32;

/// A pointer to an object header.
///
/// The pointer itself is just an address with provenance; every method that reads or writes
/// through it is `unsafe` and requires that it points at a live, initialised object (or, for
/// the forwarding accessors, a from-space object during a copying collection).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) struct ObjPtr(NonNull<u64>);

impl ObjPtr {
    /// # Safety
    /// `p` must be non-null, 8-aligned and point into memory owned by one of the heap's spaces.
    #[inline]
    pub unsafe fn from_ptr(p: *mut u8) -> ObjPtr {
        debug_assert!(
            !p.is_null() && (p as usize) % 8 == 0,
            "bad object pointer {p:p}"
        );
        // SAFETY: the caller guarantees `p` is non-null.
        ObjPtr(unsafe { NonNull::new_unchecked(p.cast()) })
    }

    /// Rebuilds the pointer from a reference value, picking up the provenance exposed when
    /// the object was placed.
    ///
    /// # Safety
    /// `v` must be a reference that the collector keeps up to date (it points at a live object).
    #[inline]
    pub unsafe fn from_value(v: RawValue) -> ObjPtr {
        let p = std::ptr::with_exposed_provenance_mut::<u8>(v.addr());
        // SAFETY: live references are non-null and 8-aligned (the caller's contract).
        unsafe { ObjPtr::from_ptr(p) }
    }

    /// The reference value for this object (exposes the pointer's provenance so
    /// [`from_value`](Self::from_value) can recover it).
    #[inline]
    pub fn to_value(self) -> RawValue {
        RawValue::from_addr(self.0.as_ptr().expose_provenance())
    }

    #[inline]
    pub fn addr(self) -> usize {
        self.0.as_ptr() as usize
    }

    #[inline]
    pub fn as_ptr(self) -> *mut u8 {
        self.0.as_ptr().cast()
    }

    /// Writes a fresh header. Slots and bytes are left to the caller.
    ///
    /// # Safety
    /// The object's whole extent (`object_size(slots, bytes)`) must be writable memory that no
    /// live object occupies.
    #[inline]
    pub unsafe fn init_header(self, tag: TypeTag, slots: u32, bytes: u32, id: u32) {
        let meta = slots as u64 | (tag as u64) << TAG_SHIFT;
        let extra = bytes as u64 | (id as u64) << 32;
        // SAFETY: the caller guarantees the header words are writable.
        unsafe {
            self.0.as_ptr().write(meta);
            self.0.as_ptr().add(1).write(extra);
        }
    }

    /// # Safety
    /// Points at a live object.
    #[inline]
    unsafe fn meta(self) -> u64 {
        // SAFETY: the caller's contract.
        unsafe { self.0.as_ptr().read() }
    }

    /// # Safety
    /// Points at a live object.
    #[inline]
    unsafe fn extra(self) -> u64 {
        // SAFETY: the caller's contract.
        unsafe { self.0.as_ptr().add(1).read() }
    }

    /// # Safety
    /// Points at a live (not forwarded) object.
    #[inline]
    pub unsafe fn slot_count(self) -> usize {
        // SAFETY: the caller's contract.
        unsafe { self.meta() as u32 as usize }
    }

    /// # Safety
    /// Points at a live (not forwarded) object.
    #[inline]
    pub unsafe fn byte_count(self) -> usize {
        // SAFETY: the caller's contract.
        unsafe { self.extra() as u32 as usize }
    }

    /// # Safety
    /// Points at a live (not forwarded) object.
    #[inline]
    pub unsafe fn id(self) -> u32 {
        // SAFETY: the caller's contract.
        unsafe { (self.extra() >> 32) as u32 }
    }

    /// # Safety
    /// Points at a live object.
    #[inline]
    pub unsafe fn tag(self) -> TypeTag {
        // SAFETY: the caller's contract.
        unsafe { (self.meta() >> TAG_SHIFT) as u16 }
    }

    /// # Safety
    /// Points at a live object.
    #[inline]
    pub unsafe fn age(self) -> u8 {
        // SAFETY: the caller's contract.
        unsafe { (self.meta() >> AGE_SHIFT) as u8 }
    }

    /// # Safety
    /// Points at a live object.
    #[inline]
    pub unsafe fn set_age(self, age: u8) {
        // SAFETY: the caller's contract.
        unsafe {
            let m = self.meta() & !(0xFF << AGE_SHIFT);
            self.0.as_ptr().write(m | (age as u64) << AGE_SHIFT);
        }
    }

    /// # Safety
    /// Points at a live object.
    #[inline]
    pub unsafe fn flags(self) -> u8 {
        // SAFETY: the caller's contract.
        unsafe { (self.meta() >> FLAGS_SHIFT) as u8 }
    }

    /// # Safety
    /// Points at a live object.
    #[inline]
    pub unsafe fn has_flag(self, flag: u8) -> bool {
        // SAFETY: the caller's contract.
        unsafe { self.flags() & flag != 0 }
    }

    /// # Safety
    /// Points at a live object.
    #[inline]
    pub unsafe fn set_flag(self, flag: u8, on: bool) {
        // SAFETY: the caller's contract.
        unsafe {
            let m = self.meta();
            let bit = (flag as u64) << FLAGS_SHIFT;
            self.0.as_ptr().write(if on { m | bit } else { m & !bit });
        }
    }

    /// Exact size of the object in bytes.
    ///
    /// # Safety
    /// Points at a live (not forwarded) object.
    #[inline]
    pub unsafe fn size(self) -> usize {
        // SAFETY: the caller's contract.
        unsafe { object_size(self.slot_count(), self.byte_count()) }
    }

    /// Pointer to slot `i`.
    ///
    /// # Safety
    /// Points at a live object and `i < slot_count()`.
    #[inline]
    pub unsafe fn slot_ptr(self, i: usize) -> *mut RawValue {
        // SAFETY: slot `i` lies inside the object (the caller's contract).
        unsafe { self.0.as_ptr().add(2 + i).cast() }
    }

    /// # Safety
    /// Points at a live object and `i < slot_count()`.
    #[inline]
    pub unsafe fn slot(self, i: usize) -> RawValue {
        // SAFETY: the caller's contract.
        unsafe { self.slot_ptr(i).read() }
    }

    /// Writes a slot without any barrier (the caller runs the barrier).
    ///
    /// # Safety
    /// Points at a live object and `i < slot_count()`.
    #[inline]
    pub unsafe fn set_slot(self, i: usize, v: RawValue) {
        // SAFETY: the caller's contract.
        unsafe { self.slot_ptr(i).write(v) }
    }

    /// Pointer to the first raw byte.
    ///
    /// # Safety
    /// Points at a live object.
    #[inline]
    pub unsafe fn bytes_ptr(self) -> *mut u8 {
        // SAFETY: the byte area follows the slots inside the object.
        unsafe { self.0.as_ptr().add(2 + self.slot_count()).cast() }
    }

    /// Whether the object has been evacuated.
    ///
    /// # Safety
    /// Points at an object in from-space during a copying collection, or a live object.
    #[inline]
    pub unsafe fn is_forwarded(self) -> bool {
        // SAFETY: the caller's contract.
        unsafe { self.has_flag(Flags::FORWARDED) }
    }

    /// # Safety
    /// `is_forwarded()` holds.
    #[inline]
    pub unsafe fn forwardee(self) -> ObjPtr {
        // SAFETY: a forwarded header's extra word holds the (exposed) new address.
        unsafe { ObjPtr::from_value(RawValue::from_addr(self.extra() as usize)) }
    }

    /// Marks the object as evacuated to `to`, overwriting the extra word.
    ///
    /// # Safety
    /// Points at a from-space object whose contents were already copied to `to`.
    #[inline]
    pub unsafe fn forward_to(self, to: ObjPtr) {
        // SAFETY: the caller's contract; `to_value` exposes `to`'s provenance for `forwardee`.
        unsafe {
            let addr = to.to_value().addr();
            self.set_flag(Flags::FORWARDED, true);
            self.0.as_ptr().add(1).write(addr as u64);
        }
    }

    /// Copies `size` bytes of this object to `to` and returns `to` as an object.
    ///
    /// # Safety
    /// Both ranges are valid for `size` bytes and do not overlap.
    #[inline]
    pub unsafe fn copy_to(self, to: *mut u8, size: usize) -> ObjPtr {
        // SAFETY: the caller's contract.
        unsafe {
            std::ptr::copy_nonoverlapping(self.as_ptr(), to, size);
            ObjPtr::from_ptr(to)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_fields_round_trip() {
        let mut buf = [0u64; 8];
        // SAFETY: `buf` is 64 bytes, enough for a 2-slot, 9-byte object (48 bytes).
        unsafe {
            let o = ObjPtr::from_ptr(buf.as_mut_ptr().cast());
            o.init_header(0xBEEF, 2, 9, 77);
            assert_eq!(o.slot_count(), 2);
            assert_eq!(o.byte_count(), 9);
            assert_eq!(o.tag(), 0xBEEF);
            assert_eq!(o.id(), 77);
            assert_eq!(o.age(), 0);
            assert_eq!(o.size(), 16 + 16 + 16);
            o.set_age(3);
            o.set_flag(Flags::REMEMBERED, true);
            assert_eq!(o.age(), 3);
            assert!(o.has_flag(Flags::REMEMBERED));
            assert!(!o.has_flag(Flags::MARKED));
            assert_eq!(o.slot_count(), 2, "flags and age leave the layout alone");
            o.set_flag(Flags::REMEMBERED, false);
            assert_eq!(o.flags(), 0);
        }
    }
}
