//! Issue 10, defect 6: the `testing` feature's `SlotSource { pub slots }` let safe code push
//! any raw word into a registered root source — for example `heap.raw(a)` read before `a`
//! died — and the next major collection marked a freed cell: a segfault from code under
//! `#![forbid(unsafe_code)]`.
//!
//! Now the field is private and writing a raw word (`SlotSource::push`/`set`) is `unsafe`
//! (the `compile_fail` examples in `gclab::testing::slot_source` show the old code no longer
//! compiles). The safe way in, `SlotSource::store`, takes a *value*: a handle is resolved at
//! the moment of the store, so a dead one is refused and nothing is written. This file is
//! safe code only, as the exploit was.
#![forbid(unsafe_code)]

use gclab::testing::SlotSource;
use gclab::{
    CollectionKind, Heap, HeapConfig, HeapError, Immediate, Plan, RawValue, RootKind, Value,
};

fn heap(plan: Plan) -> Heap {
    Heap::with_config(HeapConfig {
        max_heap: 256 * 1024,
        nursery_size: 16 * 1024,
        large_object_threshold: 1024,
        min_major_threshold: 64 * 1024,
        ..HeapConfig::for_plan(plan)
    })
    .expect("valid configuration")
}

#[test]
fn a_dead_handle_cannot_be_stored_into_a_slot_source() {
    for plan in Plan::ALL {
        let mut heap = heap(plan);
        let id = heap.add_root_source(RootKind::External, "slots", SlotSource::new(2));
        let frame = heap.push_frame("short-lived");
        let a = heap.alloc(1, 1, 8).unwrap();
        // The word the exploit kept and pushed after `a` died.
        let word = heap.raw(a).unwrap();
        assert!(word.is_ref());
        heap.pop_frame(frame).unwrap();
        heap.collect(CollectionKind::Major);
        if plan != Plan::NoGc {
            assert_eq!(heap.usage().objects(), 0, "{plan}: `a` was freed");
        }
        // The safe API takes values, not words: the dead handle is refused…
        assert_eq!(
            SlotSource::store(&mut heap, &id, 0, Value::Ref(a)),
            Err(HeapError::StaleHandle),
            "{plan}"
        );
        // …and nothing was written, so the next collections mark nothing freed.
        let source = heap.root_source_mut(&id).unwrap();
        assert_eq!(source.words(), &[RawValue::UNDEFINED; 2], "{plan}");
        heap.collect(CollectionKind::Major);
        heap.verify().unwrap();
    }
}

#[test]
fn a_live_handle_stored_into_a_slot_source_keeps_its_object() {
    for plan in Plan::ALL {
        let mut heap = heap(plan);
        let id = heap.add_root_source(RootKind::External, "slots", SlotSource::new(2));
        let frame = heap.push_frame("builder");
        let b = heap.alloc(2, 0, 16).unwrap();
        heap.bytes_mut(b).unwrap().copy_from_slice(&[7; 16]);
        SlotSource::store(&mut heap, &id, 1, Value::Ref(b)).unwrap();
        SlotSource::store(&mut heap, &id, 0, Value::Int(-1)).unwrap();
        heap.pop_frame(frame).unwrap();
        // Only the source holds `b` now; collections keep it (and move it).
        heap.collect(CollectionKind::Minor);
        heap.collect(CollectionKind::Major);
        heap.verify().unwrap();
        assert_eq!(heap.usage().objects(), 1, "{plan}");
        let source = heap.root_source_mut(&id).unwrap();
        assert_eq!(source.get(0), Some(RawValue::int(-1)));
        assert!(source.get(1).unwrap().is_ref());
        assert_eq!(
            SlotSource::store(&mut heap, &id, 2, Value::Null),
            Err(HeapError::SlotOutOfBounds { index: 2, len: 2 })
        );
        // Overwriting the slot with an immediate drops the last reference.
        let source = heap.root_source_mut(&id).unwrap();
        source.set_immediate(1, Immediate::Undefined).unwrap();
        heap.collect(CollectionKind::Major);
        heap.verify().unwrap();
        let expected = if plan == Plan::NoGc { 1 } else { 0 };
        assert_eq!(heap.usage().objects(), expected, "{plan}");
    }
}
