//! Marking with an explicit mark stack: no recursion, so a million-long list marks in
//! constant Rust stack depth.
//!
//! Old-space mark bits live in the space's side bitmaps; large objects use their header's
//! mark flag. An object is pushed once, when its bit flips from clear to set, so the stack
//! never holds more entries than there are live objects.

use crate::object::ObjPtr;
use crate::space::{LargeObjectSpace, OldSpace};
use crate::value::RawValue;

pub(crate) struct Marker<'a> {
    old: &'a mut OldSpace,
    large: &'a mut LargeObjectSpace,
    stack: Vec<ObjPtr>,
    pub marked_bytes: u64,
    /// The part of `marked_bytes` in the old space (the sweep's exact live size).
    pub marked_old_bytes: u64,
}

impl<'a> Marker<'a> {
    pub fn new(
        old: &'a mut OldSpace,
        large: &'a mut LargeObjectSpace,
        mut stack: Vec<ObjPtr>,
    ) -> Self {
        stack.clear();
        Marker {
            old,
            large,
            stack,
            marked_bytes: 0,
            marked_old_bytes: 0,
        }
    }

    /// Marks the object `v` references (if any) and queues it for scanning.
    #[inline]
    pub fn mark_value(&mut self, v: RawValue) {
        if !v.is_ref() {
            return;
        }
        let addr = v.addr();
        let in_old = self.old.in_range(addr);
        let newly = if in_old {
            self.old.mark(addr)
        } else if self.large.contains(addr) {
            // SAFETY: `addr` is the start of a live large object.
            unsafe { self.large.mark(ObjPtr::from_value(v)) }
        } else {
            // A nursery object left behind by a failed promotion: scanned as a root.
            false
        };
        if newly {
            // SAFETY: `v` references a live object (heap invariant).
            let o = unsafe { ObjPtr::from_value(v) };
            // SAFETY: as above.
            let size = unsafe { o.size() } as u64;
            self.marked_bytes += size;
            if in_old {
                self.marked_old_bytes += size;
            }
            self.stack.push(o);
        }
    }

    /// Marks everything `o` references.
    pub fn scan(&mut self, o: ObjPtr) {
        // SAFETY: `o` is a live object; `i < slot_count`.
        unsafe {
            for i in 0..o.slot_count() {
                self.mark_value(o.slot(i));
            }
        }
    }

    /// Scans until the mark stack is empty.
    pub fn drain(&mut self) {
        while let Some(o) = self.stack.pop() {
            self.scan(o);
        }
    }

    /// Gives the stack's storage back for reuse by the next collection.
    pub fn into_stack(self) -> Vec<ObjPtr> {
        self.stack
    }
}
