//! The one object scanner: every part of the crate that follows an object's references —
//! the scavenger, the marker, `verify`, the diagnostics graph builder — visits an object's
//! slots through [`scan`], so a new slot kind is taught to the collector in one place.
//!
//! An object's [`Layout`] says which of its words are slots and of which [`SlotKind`]. Today
//! every object is `slot_count` strong slots followed by raw bytes, so the layout is decoded
//! from the header alone; weak and ephemeron slots will extend [`Layout`] (from the embedder's
//! type registration), and visitors that ignore them keep compiling because [`scan`] hands
//! every slot over with its kind.
//!
//! Invariant: [`scan`] visits each slot of a live object exactly once, in index order, and
//! never reads the raw bytes. It is `#[inline(always)]` and generic over the visitor, so in
//! the collectors' hot loops the kind tests fold away and the loop is the plain slot loop.

mod layout;

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
}

/// Visits every slot of `o` (whose header words are `h`) with its kind, in index order.
///
/// # Safety
/// `o` is a live, unforwarded object with header `h`, and no one else reads or writes its
/// slots while the visitor runs (the visitor may load and store them).
#[inline(always)]
pub(crate) unsafe fn scan(o: ObjPtr, h: Header, mut visit: impl FnMut(Slot, SlotKind)) {
    let layout = Layout::of(h);
    for index in 0..layout.strong() {
        // SAFETY: `index` is below the slot count (the layout is decoded from `o`'s header).
        let ptr = unsafe { o.slot_ptr(index) };
        visit(Slot { ptr, index }, SlotKind::Strong);
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
