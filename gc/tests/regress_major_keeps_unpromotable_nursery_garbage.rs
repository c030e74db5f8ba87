//! Issue 11, part 5: a major collection kept garbage. When the old space had no cell for a
//! nursery object's size class, the object stayed in the nursery and the mark phase treated
//! every such leftover as a root, so a dead young chain hanging off a released old object
//! survived (6,432 B / 160 objects kept where 1,632 B / 60 were reachable).

use gclab::{object_size, CollectionKind, Heap, HeapConfig, Plan, RootKind, SpaceKind, Value};

const NODE: u16 = 1;

/// The fragmentation program of the issue: for each object size, fill the heap to within
/// 8 KiB of its limit with zero-slot objects, keep one object per 64 KiB allocated (a
/// persistent root each), drop the rest and collect. Survivors then pin sparse blocks of
/// several size classes.
fn fragment(h: &mut Heap, keep: &mut Vec<gclab::Persistent>) {
    let limit = h.config().max_heap as u64;
    for size in [16usize, 24, 32] {
        let f = h.push_frame("fill");
        let stride = 65536 / size;
        let mut n = 0usize;
        while h.usage().bytes() + 8 * 1024 < limit {
            let o = h.alloc(NODE, 0, size - 16).unwrap();
            if n % stride == 0 {
                keep.push(h.root(RootKind::Handle, "survivor", o).unwrap());
            }
            n += 1;
        }
        h.pop_frame(f).unwrap();
        h.collect(CollectionKind::Major);
        h.verify().unwrap();
    }
}

#[test]
fn a_major_collection_frees_a_dead_young_chain_the_old_space_cannot_take() {
    let mut cfg = HeapConfig::for_plan(Plan::Generational);
    cfg.max_heap = 1 << 20;
    cfg.nursery_size = 64 * 1024;
    cfg.min_major_threshold = 64 * 1024;
    // Pins the state where the old space is exhausted: forced collections would change it.
    cfg.gc_interval = None;
    let mut h = Heap::with_config(cfg).unwrap();
    let f = h.push_frame("main");
    let o = h.alloc(NODE, 1, 0).unwrap();
    let holder = h.root(RootKind::Handle, "O", o).unwrap();
    h.collect(CollectionKind::Major);
    assert_eq!(h.space_of(&holder).unwrap(), SpaceKind::Old);
    h.pop_frame(f).unwrap();

    let mut keep = Vec::new();
    fragment(&mut h, &mut keep);
    h.collect(CollectionKind::Major);
    let reachable = h.usage();

    // Exhaust the old blocks: 40-byte objects until the heap is full (they become garbage
    // when the frame is popped, but no collection runs before the one under test).
    let filler = h.push_frame("filler");
    // The old space reserves the limit, half again, and one 64 KiB block per size class.
    let reserved = (1 << 20) * 3 / 2 / 65536 + 35;
    while h.old_blocks_in_use() < reserved && h.alloc(NODE, 0, 24).is_ok() {}
    h.collect(CollectionKind::Minor);
    h.collect(CollectionKind::Minor);
    assert!(h.old_blocks_in_use() > 0);

    // A chain of 100 young 48-byte objects (4 slots) hanging off O.
    let f = h.push_frame("chain");
    let mut prev = Value::Ref(h.local(&holder).unwrap());
    for _ in 0..100 {
        let n = h.alloc(NODE, 4, 0).unwrap();
        h.set(n, 0, prev).unwrap();
        prev = Value::Ref(n);
    }
    let head = h.local(prev).unwrap();
    h.set(&holder, 0, head).unwrap();
    h.pop_frame(f).unwrap();
    h.pop_frame(filler).unwrap();
    h.release(holder).unwrap();

    h.collect(CollectionKind::Major);
    h.verify().unwrap();
    let after = h.usage();
    assert_eq!(
        (after.bytes(), after.objects()),
        (
            reachable.bytes() - object_size(1, 0) as u64,
            reachable.objects() - 1,
        ),
        "only the fragment survivors are reachable (O and its chain are garbage)"
    );
    assert_eq!(after.get("nursery").map_or(0, |e| e.objects), 0);
}
