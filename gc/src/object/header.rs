//! The header word layout and the raw object pointer the collector works with.

use crate::value::RawValue;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};

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
    /// Layout bit: every slot is weak (see `trace::SlotLayout`); kept when the object moves.
    pub const WEAK: u8 = 8;
    /// Layout bit: the slots are ephemeron pairs; kept when the object moves.
    pub const EPHEMERON: u8 = 16;
    /// A filler: no slots, raw bytes only, padding a gap of a copying space's to-space (see
    /// `space::copy::fill`). Walks skip it and no reference ever points to it.
    pub const FILLER: u8 = 32;
}

pub(crate) const FLAGS_SHIFT: u32 = 56;
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
    #[cfg(test)]
    pub unsafe fn age(self) -> u8 {
        // SAFETY: the caller's contract.
        unsafe { (self.meta() >> AGE_SHIFT) as u8 }
    }

    /// # Safety
    /// Points at a live object.
    #[cfg(test)]
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

    /// The header's first word (layout, flags, age) as an atomic.
    ///
    /// # Safety
    /// Points at a live object, and while the reference is used every access to that word is
    /// atomic (a parallel closure, where several threads may set the object's mark flag).
    #[inline(always)]
    unsafe fn meta_shared<'a>(self) -> &'a AtomicU64 {
        // SAFETY: the word is 8-aligned (objects are) and valid for the caller's lifetime;
        // the caller makes every concurrent access atomic.
        unsafe { AtomicU64::from_ptr(self.0.as_ptr()) }
    }

    /// Sets the mark flag atomically; returns whether this call set it (a parallel closure's
    /// header-marked spaces: large objects, the nursery traced in place).
    ///
    /// # Safety
    /// As [`meta_shared`](Self::meta_shared).
    #[inline(always)]
    pub unsafe fn try_mark_shared(self) -> bool {
        let bit = (Flags::MARKED as u64) << FLAGS_SHIFT;
        // SAFETY: the caller's contract.
        let meta = unsafe { self.meta_shared() };
        meta.load(Ordering::Relaxed) & bit == 0 && meta.fetch_or(bit, Ordering::Relaxed) & bit == 0
    }

    /// Whether the mark flag is set, read atomically.
    ///
    /// # Safety
    /// As [`meta_shared`](Self::meta_shared).
    #[inline(always)]
    pub unsafe fn is_marked_shared(self) -> bool {
        // SAFETY: the caller's contract.
        let meta = unsafe { self.meta_shared() }.load(Ordering::Relaxed);
        (meta >> FLAGS_SHIFT) as u8 & Flags::MARKED != 0
    }

    /// [`header`](Self::header) with the first word read atomically (the second word is not
    /// written while a parallel closure runs).
    ///
    /// # Safety
    /// As [`meta_shared`](Self::meta_shared).
    #[inline(always)]
    pub unsafe fn header_shared(self) -> Header {
        // SAFETY: the caller's contract; the extra word is inside the object and only read.
        unsafe {
            Header {
                meta: self.meta_shared().load(Ordering::Relaxed),
                extra: self.0.as_ptr().add(1).read(),
            }
        }
    }

    /// Both header words, read once: `(meta, extra)`. The collector's hot loops decode them
    /// with [`Header`] instead of re-reading the header for each field.
    ///
    /// # Safety
    /// Points at a live object, or a from-space object during a copying collection.
    #[inline(always)]
    pub unsafe fn header(self) -> Header {
        // SAFETY: the caller's contract; both words are inside the object.
        unsafe {
            Header {
                meta: self.0.as_ptr().read(),
                extra: self.0.as_ptr().add(1).read(),
            }
        }
    }

    /// Copies the object whose header words are `h` to `to` with `age` as its new age and no
    /// mark flag (a nursery object traced in place by a major collection carries one), and
    /// returns `to` as an object. The header is written from `h` (not re-read); the body is
    /// copied with fixed-size moves for the common small sizes, `memcpy` otherwise.
    ///
    /// # Safety
    /// `h` is this object's header (it is live, not forwarded); `to` is valid for
    /// `h.size()` bytes and does not overlap the object.
    #[inline(always)]
    pub unsafe fn copy_with_header(self, h: Header, to: *mut u8, age: u8) -> ObjPtr {
        let body = h.size() - HEADER_SIZE;
        let dst = to.cast::<u64>();
        // SAFETY: the caller's contract: both ranges are `HEADER_SIZE + body` bytes, 8-aligned
        // (objects are), and disjoint.
        unsafe {
            dst.write(h.with_age(age).meta & !((Flags::MARKED as u64) << FLAGS_SHIFT));
            dst.add(1).write(h.extra);
            let src = self.as_ptr().add(HEADER_SIZE);
            let dst = dst.add(2).cast::<u8>();
            // Constant-size copies compile to a few moves; a call to `memcpy` for a 16-byte
            // body would cost more than the copy.
            match body {
                0 => {}
                8 => std::ptr::copy_nonoverlapping(src, dst, 8),
                16 => std::ptr::copy_nonoverlapping(src, dst, 16),
                24 => std::ptr::copy_nonoverlapping(src, dst, 24),
                32 => std::ptr::copy_nonoverlapping(src, dst, 32),
                40 => std::ptr::copy_nonoverlapping(src, dst, 40),
                48 => std::ptr::copy_nonoverlapping(src, dst, 48),
                _ => std::ptr::copy_nonoverlapping(src, dst, body),
            }
            ObjPtr::from_ptr(to)
        }
    }
}

/// The two header words of an object, decoded without touching memory again.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Header {
    pub meta: u64,
    pub extra: u64,
}

impl Header {
    /// Whether the object was evacuated (`extra` is then the forwarding address).
    #[inline(always)]
    pub fn is_forwarded(self) -> bool {
        (self.meta >> FLAGS_SHIFT) as u8 & Flags::FORWARDED != 0
    }

    /// The forwarding address of an evacuated object.
    ///
    /// # Safety
    /// `is_forwarded()` holds (so `extra` is an address exposed by [`ObjPtr::forward_to`]).
    #[inline(always)]
    pub unsafe fn forwardee(self) -> ObjPtr {
        // SAFETY: the caller's contract.
        unsafe { ObjPtr::from_value(RawValue::from_addr(self.extra as usize)) }
    }

    #[inline(always)]
    pub fn slot_count(self) -> usize {
        self.meta as u32 as usize
    }

    /// The flag bits.
    #[inline(always)]
    pub fn flags(self) -> u8 {
        (self.meta >> FLAGS_SHIFT) as u8
    }

    #[inline(always)]
    pub fn age(self) -> u8 {
        (self.meta >> AGE_SHIFT) as u8
    }

    /// The exact object size (of a header that is not forwarded).
    #[inline(always)]
    pub fn size(self) -> usize {
        object_size(self.slot_count(), self.extra as u32 as usize)
    }

    #[inline(always)]
    fn with_age(self, age: u8) -> Header {
        Header {
            meta: self.meta & !(0xFF << AGE_SHIFT) | (age as u64) << AGE_SHIFT,
            extra: self.extra,
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
            let h = o.header();
            assert_eq!((h.slot_count(), h.size(), h.age()), (2, 48, 3));
            assert!(!h.is_forwarded());
        }
    }

    #[test]
    fn copy_with_header_copies_every_size() {
        for slots in 0..8u32 {
            for bytes in [0u32, 1, 8, 13, 40] {
                let mut src = [0u64; 16];
                let mut dst = [0u64; 16];
                let size = object_size(slots as usize, bytes as usize);
                for (w, word) in src.iter_mut().enumerate().take(size / 8).skip(2) {
                    *word = w as u64 * 0x0101;
                }
                // SAFETY: both buffers are 128 bytes; the largest object here is 16 + 56 + 40.
                unsafe {
                    let o = ObjPtr::from_ptr(src.as_mut_ptr().cast());
                    o.init_header(7, slots, bytes, 9);
                    let n = o.copy_with_header(o.header(), dst.as_mut_ptr().cast(), 5);
                    assert_eq!(n.age(), 5);
                    assert_eq!(
                        (n.slot_count(), n.byte_count(), n.id()),
                        (slots as usize, bytes as usize, 9)
                    );
                    assert_eq!(src[2..size / 8], dst[2..size / 8]);
                    assert_eq!(
                        dst[size / 8..],
                        [0u64; 16][size / 8..],
                        "nothing past the end"
                    );
                }
            }
        }
    }
}
