//! Regression: with a nursery smaller than `large_object_threshold` (a valid configuration:
//! 4 KiB nursery, 8 KiB threshold), an object between the two sizes was sent to the nursery,
//! where it could never fit, and the allocation failed with `OutOfMemory` in an empty heap.
//! Such objects now go to the large-object space.

use gclab::{CollectionKind, Heap, HeapConfig, Plan, SpaceKind, Value};

#[test]
fn object_larger_than_the_nursery_is_allocated() {
    let mut cfg = HeapConfig::for_plan(Plan::Generational);
    cfg.nursery_size = 4096;
    cfg.large_object_threshold = 8192;
    cfg.max_heap = 256 * 1024;
    let mut h = Heap::with_config(cfg).unwrap();
    let frame = h.push_frame("big");
    let big = h.alloc(1, 2, 6000).expect("fits the heap limit");
    assert_eq!(h.space_of(big).unwrap(), SpaceKind::Large);
    let small = h.alloc(1, 1, 8).unwrap();
    h.set(big, 0, small).unwrap();
    h.set(small, 0, Value::Int(7)).unwrap();
    h.collect(CollectionKind::Minor);
    h.verify().unwrap();
    let s = h.get(big, 0).unwrap().as_ref().unwrap();
    assert_eq!(h.get(s, 0).unwrap(), Value::Int(7));
    assert_eq!(h.bytes(big).unwrap().len(), 6000);
    h.pop_frame(frame).unwrap();
    h.collect(CollectionKind::Major);
    h.verify().unwrap();
    assert_eq!(h.usage().bytes(), 0);
}
