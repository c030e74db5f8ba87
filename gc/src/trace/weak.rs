//! Weak processing: the step every collection runs after its transitive closure.
//!
//! While a collector scans, it hands the slots it must not trace to a [`WeakRefs`]:
//! weak slots and ephemeron keys are *deferred*, and an ephemeron value whose key is not (yet)
//! known to be live is *pending*. When the closure's worklists are empty the collector calls
//! [`ephemeron_step`] until it reports no progress, draining its worklists after each step
//! that traced something (MMTk's `process_weak_refs` returning "again"; V8's ephemeron
//! fixed point), and then [`clear`]:
//!
//! 1. **Ephemerons to a fixed point.** A pending value whose key has become live is traced
//!    as if strong; tracing it may make other keys live (chains), so the step repeats until a
//!    pass traces nothing. A cycle through the value (the value references its own key) never
//!    makes the key live by itself, so it is collected.
//! 2. **Clearing and updating.** Each deferred slot whose target is live is updated to the
//!    target's current address (it may have moved); otherwise it is cleared to `undefined`,
//!    and for an ephemeron key the value slot too. Pending values left are those of dead keys:
//!    cleared.
//!
//! Invariant: after [`clear`], no slot of a scanned object refers to an object the collection
//! frees or to a moved object's old copy; all weak slots of one dead target are cleared by the
//! same collection (the liveness test is a property of the target, decided once the closure is
//! complete). What is "live" is the collector's business ([`WeakTracer::live`]): an object
//! outside the space being collected (an old object in a minor collection) is live, so a minor
//! collection clears only references to nursery objects that died.

use super::Slot;
use crate::value::RawValue;

/// A collector as weak processing sees it.
pub(crate) trait WeakTracer {
    /// The weak-processing lists the collector filled while scanning.
    fn weak_refs(&mut self) -> &mut WeakRefs;

    /// If reference `v`'s target is known live in this collection, its current reference
    /// (the copy's, if it moved); `None` if the closure has not reached it.
    fn live(&self, v: RawValue) -> Option<RawValue>;

    /// Traces `v` as a strong reference (marks or copies its target and queues it for
    /// scanning); returns the value the slot must hold now.
    fn trace_strong(&mut self, v: RawValue) -> RawValue;
}

/// The slots a collection defers until its closure is complete.
///
/// Slots are kept by address: they belong to objects already scanned at their final place in
/// this collection (a copy, or an object marked in place), which stay put until it ends.
#[derive(Default, Debug)]
pub(crate) struct WeakRefs {
    /// Weak slots.
    weak: Vec<*mut RawValue>,
    /// Ephemeron key slots (the value is the next slot).
    keys: Vec<*mut RawValue>,
    /// Ephemeron value slots whose key was not live when they were scanned.
    pending: Vec<*mut RawValue>,
}

impl WeakRefs {
    /// Defers a weak slot.
    #[inline]
    pub fn defer_weak(&mut self, slot: Slot) {
        if slot.load().is_ref() {
            self.weak.push(slot.ptr());
        }
    }

    /// Defers an ephemeron key slot.
    #[inline]
    pub fn defer_key(&mut self, slot: Slot) {
        if slot.load().is_ref() {
            self.keys.push(slot.ptr());
        }
    }

    /// Takes over another tracer's lists (a parallel closure's workers hand theirs to the
    /// serial tracer that finishes the collection).
    pub fn append(&mut self, mut other: WeakRefs) {
        self.weak.append(&mut other.weak);
        self.keys.append(&mut other.keys);
        self.pending.append(&mut other.pending);
    }

    /// Records an ephemeron value whose key is not live yet.
    #[inline]
    pub fn pend(&mut self, slot: Slot) {
        self.pending.push(slot.ptr());
    }
}

/// How a collector handles one slot of kind `kind` while scanning: `None` when weak
/// processing took it (deferred or pending), else the slot is to be traced as strong.
#[inline(always)]
pub(crate) fn defer<T: WeakTracer>(t: &mut T, slot: Slot, kind: super::SlotKind) -> Option<()> {
    use super::SlotKind;
    match kind {
        SlotKind::Strong => Some(()),
        SlotKind::Weak => {
            t.weak_refs().defer_weak(slot);
            None
        }
        SlotKind::EphemeronKey => {
            t.weak_refs().defer_key(slot);
            None
        }
        SlotKind::EphemeronValue => {
            let key = slot.ephemeron_key();
            if !key.is_ref() || t.live(key).is_some() || !slot.load().is_ref() {
                Some(())
            } else {
                t.weak_refs().pend(slot);
                None
            }
        }
    }
}

/// One ephemeron pass: traces each pending value whose key is live now. Returns whether it
/// traced any (the caller then drains its worklists and calls again).
pub(crate) fn ephemeron_step<T: WeakTracer>(t: &mut T) -> bool {
    let pending = std::mem::take(&mut t.weak_refs().pending);
    let mut progress = false;
    let mut left = Vec::with_capacity(pending.len());
    for p in pending {
        // SAFETY: `p` is the value slot of an ephemeron pair in an object scanned by this
        // collection, which stays in place until it ends (`WeakRefs`); its key is the slot
        // before it in the same object.
        let (key, value) = unsafe { (p.sub(1).read(), p.read()) };
        if t.live(key).is_some() {
            let n = t.trace_strong(value);
            // SAFETY: as above.
            unsafe { p.write(n) };
            progress = true;
        } else {
            left.push(p);
        }
    }
    // Tracing only queues objects (scanning happens in the caller's drain), so nothing was
    // added to `pending` meanwhile; keep what was there in any case.
    let refs = t.weak_refs();
    left.append(&mut refs.pending);
    refs.pending = left;
    progress
}

/// Clears or updates every deferred slot once the ephemeron fixed point is reached (see the
/// module docs), emptying the lists. Returns the number of slots cleared.
pub(crate) fn clear<T: WeakTracer>(t: &mut T) -> usize {
    let refs = std::mem::take(t.weak_refs());
    let mut cleared = 0;
    for p in refs.weak {
        // SAFETY: `p` is a slot of an object scanned by this collection, in place until it
        // ends (`WeakRefs`).
        unsafe { p.write(update(t, p.read(), &mut cleared)) };
    }
    for p in refs.keys {
        // SAFETY: as above; an ephemeron key's value is the slot after it, in the same object.
        unsafe {
            let v = p.read();
            let n = update(t, v, &mut cleared);
            p.write(n);
            if !n.is_ref() {
                p.add(1).write(RawValue::UNDEFINED);
            }
        }
    }
    for p in refs.pending {
        // Its key is dead (the fixed point would have traced it otherwise): cleared with it.
        // SAFETY: as above.
        unsafe { p.write(RawValue::UNDEFINED) };
    }
    cleared
}

#[inline]
fn update<T: WeakTracer>(t: &T, v: RawValue, cleared: &mut usize) -> RawValue {
    if !v.is_ref() {
        return v;
    }
    match t.live(v) {
        Some(n) => n,
        None => {
            *cleared += 1;
            RawValue::UNDEFINED
        }
    }
}
