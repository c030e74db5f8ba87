//! Regression: the old space reserved `1.5 × max_heap + 1 MiB`, which for a small heap is
//! fewer blocks than there are size classes. One live object in each of 20 classes (under
//! 4 KiB live in a 128 KiB heap) made the mark-sweep plan fail with `OutOfMemory`, and under
//! the generational plan promotion failed, leaving survivors stuck in the nursery.

use gclab::{CollectionKind, Heap, HeapConfig, Plan};

const CLASSES: [usize; 29] = [
    16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 640, 768,
    896, 1024, 1280, 1536, 1792, 2048, 2560, 3072,
];

fn heap(plan: Plan) -> Heap {
    let mut cfg = HeapConfig::for_plan(plan);
    cfg.max_heap = 128 * 1024;
    cfg.nursery_size = 16 * 1024;
    cfg.large_object_threshold = 8192;
    cfg.promotion_age = 1;
    Heap::with_config(cfg).unwrap()
}

#[test]
fn one_live_object_per_size_class_fits_a_small_heap() {
    for plan in [Plan::MarkSweep, Plan::Generational] {
        let mut h = heap(plan);
        let frame = h.push_frame("classes");
        let mut live = 0u64;
        for size in CLASSES {
            h.alloc(1, 0, size - 16)
                .unwrap_or_else(|e| panic!("plan {plan}: {size} B with {live} B live: {e}"));
            live += size as u64;
            h.collect(CollectionKind::Minor);
            h.verify().unwrap();
        }
        h.collect(CollectionKind::Major);
        h.verify().unwrap();
        assert_eq!(h.usage().bytes(), live, "plan {plan}");
        assert_eq!(
            h.usage().get("nursery").map_or(0, |e| e.objects),
            0,
            "plan {plan}: promotion failed"
        );
        h.pop_frame(frame).unwrap();
    }
}
