//! Handles, frames, persistent roots and root sources of a second heap used on the first.
//!
//! Invariant checked: each is refused — `WrongHeap`, or for a source id not found — and
//! neither heap changes: the first keeps its frame depth, slots and sources, the second its
//! object, frame and source, and a refused persistent root (dropped by the refusal) is
//! released on its own heap at its next collection instead of leaking.

use super::verify;
use super::CrossUse;
use crate::testing::slot_source::SlotSource;
use crate::{
    CollectionKind, Frame, Handle, Heap, HeapConfig, HeapError, RawValue, RootKind, SourceId, Value,
};
use std::fmt;

/// The second heap, whose handle, frame, roots and source are used on the first.
pub(super) struct Other {
    heap: Heap,
    handle: Handle,
    frame: Frame,
    source: SourceId<SlotSource>,
}

impl Other {
    pub(super) fn new(config: &HeapConfig) -> Result<Other, String> {
        let mut heap = Heap::with_config(config.clone())
            .map_err(|e| format!("the second heap was refused: {e:?}"))?;
        let source = heap.add_root_source(RootKind::External, "other", SlotSource::new(1));
        let handle = heap.alloc(2, 1, 8).map_err(|e| format!("{e:?}"))?;
        heap.set(handle, 0, Value::Int(7))
            .map_err(|e| format!("{e:?}"))?;
        let frame = heap.push_frame("other");
        Ok(Other {
            heap,
            handle,
            frame,
            source,
        })
    }

    /// The second heap is as it was made: its object holds 7, its frame and source are
    /// still there.
    pub(super) fn intact(&mut self) -> Result<(), String> {
        let v = self.heap.get(self.handle, 0);
        let registered = self.heap.root_source_mut(&self.source).is_some();
        if v != Ok(Value::Int(7)) || self.heap.frame_depth() != 1 || !registered {
            return Err(format!(
                "the second heap changed: slot {v:?}, depth {}, source registered {registered}",
                self.heap.frame_depth()
            ));
        }
        verify(&mut self.heap)
    }
}

/// `Err(WrongHeap)`, or what went wrong.
fn refused<T: fmt::Debug>(what: &str, r: Result<T, HeapError>) -> Result<(), String> {
    match r {
        Err(HeapError::WrongHeap) => Ok(()),
        r => Err(format!(
            "{what} with the second heap's: {r:?}, expected WrongHeap"
        )),
    }
}

pub(super) fn cross(
    heap: &mut Heap,
    other: &mut Other,
    what: CrossUse,
    live: Option<Handle>,
) -> Result<(), String> {
    let h = other.handle;
    match what {
        CrossUse::Handle => {
            refused("get", heap.get(h, 0))?;
            refused("set", heap.set(h, 0, Value::Int(3)))?;
            refused("bytes", heap.bytes(h))?;
            refused("local", heap.local(Value::Ref(h)))?;
            refused("value_of", heap.value_of(h))?;
            refused("raw", heap.raw(h))?;
        }
        CrossUse::Value => {
            if let Some(mine) = live {
                refused("set of a value", heap.set(mine, 0, Value::Ref(h)))?;
                let v = heap.get(mine, 0);
                if v != Ok(Value::Undefined) {
                    return Err(format!("a refused store changed the slot: {v:?}"));
                }
            }
        }
        CrossUse::Frame => {
            let depth = heap.frame_depth();
            refused("pop_frame", heap.pop_frame(other.frame))?;
            if heap.frame_depth() != depth {
                return Err("a refused pop changed the frame depth".into());
            }
        }
        CrossUse::Root => {
            let p = other
                .heap
                .root(RootKind::Timer, "other's timer", Value::Ref(h))
                .map_err(|e| format!("{e:?}"))?;
            refused("release", heap.release(p))?;
            // The refused root was dropped: its heap releases it at its next collection.
            other.heap.collect(CollectionKind::Major);
            if other.heap.persistent_count() != 0 {
                return Err("the second heap's refused root leaked".into());
            }
        }
        CrossUse::Source => {
            if heap.root_source_mut(&other.source).is_some() {
                return Err("root_source_mut found the second heap's source".into());
            }
            let sources = heap.root_source_count();
            if heap.remove_root_source(other.source).is_some() {
                return Err("remove_root_source removed the second heap's source".into());
            }
            if heap.root_source_count() != sources {
                return Err("a refused remove_root_source changed the source count".into());
            }
            let words = other
                .heap
                .root_source_mut(&other.source)
                .map(|s| s.words().to_vec());
            if words != Some(vec![RawValue::UNDEFINED]) {
                return Err(format!("the second heap's source changed: {words:?}"));
            }
        }
    }
    Ok(())
}
