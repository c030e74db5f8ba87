//! The one object scanner: every part of the crate that follows an object's references —
//! the scavenger, the marker, `verify`, the diagnostics graph builder — visits an object's
//! slots through [`scan`], so a new slot kind is taught to the collector in one place.
//!
//! An object's [`Layout`] says which of its words are slots and of which [`SlotKind`]: strong,
//! weak, or ephemeron key and value. It is decoded from the header alone (the object's
//! [`SlotLayout`] lives in two header flag bits), and [`scan`] hands every slot over with its
//! kind. After the transitive closure, each collector runs the weak-processing step of
//! [`weak`] (ephemerons to a fixed point, then clearing or updating weak slots).
//!
//! Invariant: [`scan`] visits each slot of a live object exactly once, in index order, and
//! never reads the raw bytes. It is `#[inline(always)]` and generic over the visitor; an
//! ordinary (strong) object costs one test of its layout, then the plain slot loop.

mod layout;
pub(crate) mod weak;

pub use layout::SlotLayout;
pub(crate) use layout::{Layout, SlotKind};

use crate::object::{Header, ObjPtr};
use crate::value::RawValue;

/// One slot of an object being scanned: its index and its address.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Slot {
    ptr: *mut RawValue,
    index: usize,
}

impl Slot {
    /// The slot's index in its object.
    #[inline(always)]
    pub fn index(self) -> usize {
        self.index
    }

    /// The value the slot holds.
    #[inline(always)]
    pub fn load(self) -> RawValue {
        // SAFETY: a `Slot` is only made by `scan`, for a slot of a live object that the
        // visitor may read while the scan runs (the scan's contract).
        unsafe { self.ptr.read() }
    }

    /// Overwrites the slot (a collector updating a reference to a moved object).
    #[inline(always)]
    pub fn store(self, v: RawValue) {
        // SAFETY: as in `load`; the collector owns the heap while it scans.
        unsafe { self.ptr.write(v) }
    }

    /// The slot's address, kept by weak processing until the closure ends.
    #[inline(always)]
    pub fn ptr(self) -> *mut RawValue {
        self.ptr
    }

    /// The key of the ephemeron pair whose value this slot is (the slot before it).
    #[inline(always)]
    pub fn ephemeron_key(self) -> RawValue {
        debug_assert!(self.index > 0, "an ephemeron value follows its key");
        // SAFETY: an ephemeron value slot has index `2i + 1`, so the slot before it is the
        // pair's key, inside the same object.
        unsafe { self.ptr.sub(1).read() }
    }
}

/// Visits every slot of `o` (whose header words are `h`) with its kind, in index order.
///
/// # Safety
/// `o` is a live, unforwarded object with header `h`, and no one else reads or writes its
/// slots while the visitor runs (the visitor may load and store them).
#[inline(always)]
pub(crate) unsafe fn scan(o: ObjPtr, h: Header, mut visit: impl FnMut(Slot, SlotKind)) {
    let layout = Layout::of(h);
    if layout.shape() == SlotLayout::Strong {
        for index in 0..layout.slots() {
            // SAFETY: `index` is below the slot count (the layout is decoded from `o`'s header).
            let ptr = unsafe { o.slot_ptr(index) };
            visit(Slot { ptr, index }, SlotKind::Strong);
        }
    } else {
        // SAFETY: the caller's contract.
        unsafe { scan_special(o, layout, visit) };
    }
}

/// [`scan`] for weak and ephemeron objects, out of the strong objects' loop.
///
/// # Safety
/// As [`scan`], with `layout` decoded from `o`'s header.
#[inline(never)]
unsafe fn scan_special(o: ObjPtr, layout: Layout, mut visit: impl FnMut(Slot, SlotKind)) {
    for index in 0..layout.slots() {
        // SAFETY: `index` is below the slot count of `o`, a live object (`scan`'s contract).
        let ptr = unsafe { o.slot_ptr(index) };
        visit(Slot { ptr, index }, layout.kind(index));
    }
}

/// [`scan`], reading the header itself: for the non-hot walkers.
///
/// # Safety
/// As [`scan`].
#[inline]
pub(crate) unsafe fn scan_object(o: ObjPtr, visit: impl FnMut(Slot, SlotKind)) {
    // SAFETY: the caller's contract.
    unsafe { scan(o, o.header(), visit) }
}

/// Visits the references held by `o`'s slots of any kind: `(slot index, kind, reference)`.
///
/// # Safety
/// As [`scan`].
#[inline]
pub(crate) unsafe fn for_each_reference(
    o: ObjPtr,
    mut visit: impl FnMut(usize, SlotKind, RawValue),
) {
    // SAFETY: the caller's contract.
    unsafe {
        scan_object(o, |slot, kind| {
            let v = slot.load();
            if v.is_ref() {
                visit(slot.index(), kind, v);
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_visits_every_slot_once_in_order_and_can_update() {
        let mut buf = [0u64; 8];
        // SAFETY: `buf` holds a 3-slot, 8-byte object (48 bytes) and nothing else uses it.
        unsafe {
            let o = ObjPtr::from_ptr(buf.as_mut_ptr().cast());
            o.init_header(1, 3, 8, 1);
            for i in 0..3 {
                o.set_slot(i, RawValue::int(i as i32));
            }
            let mut seen = Vec::new();
            scan_object(o, |slot, kind| {
                seen.push((slot.index(), kind, slot.load()));
                slot.store(RawValue::int(10 + slot.index() as i32));
            });
            assert_eq!(
                seen,
                (0..3)
                    .map(|i| (i, SlotKind::Strong, RawValue::int(i as i32)))
                    .collect::<Vec<_>>()
            );
            assert_eq!(o.slot(2), RawValue::int(12), "stores reach the object");
            assert_eq!(o.byte_count(), 8, "the raw bytes are not slots");
        }
    }
}
