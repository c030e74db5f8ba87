//! `Heap::usage` lists the plan's own spaces by name, and the block figures are honest under
//! every plan whose spaces allocate in blocks (mark-sweep cells and Immix lines alike).

use gclab::{CollectionKind, Heap, HeapConfig, Plan};

const NODE: u16 = 1;

fn heap(plan: Plan) -> Heap {
    let mut cfg = HeapConfig::for_plan(plan);
    cfg.nursery_size = 64 * 1024;
    cfg.max_heap = 64 << 20;
    Heap::with_config(cfg).unwrap()
}

#[test]
fn usage_lists_each_plans_spaces() {
    let expected: &[(Plan, &[&str])] = &[
        (Plan::Generational, &["nursery", "old", "large"]),
        (Plan::MarkSweep, &["old", "large"]),
        (Plan::SemiSpace, &["nursery", "large"]),
        (Plan::NoGc, &["nursery", "large"]),
        (Plan::Immix, &["immix", "large"]),
        (Plan::GenImmix, &["nursery", "immix", "large"]),
    ];
    assert_eq!(expected.len(), Plan::ALL.len(), "every plan is listed here");
    for &(plan, names) in expected {
        let mut h = heap(plan);
        let f = h.push_frame("objects");
        for _ in 0..100 {
            h.alloc(NODE, 1, 8).unwrap();
        }
        h.alloc(NODE, 0, 1 << 20).unwrap();
        let u = h.usage();
        let got: Vec<&str> = u.spaces().iter().map(|e| e.name.as_str()).collect();
        assert_eq!(got, names, "plan {plan}");
        assert_eq!(u.bytes(), u.spaces().iter().map(|e| e.bytes).sum::<u64>());
        assert_eq!(u.bytes_of("large"), gclab::object_size(0, 1 << 20) as u64);
        assert_eq!(u.committed(), h.committed_bytes(), "plan {plan}");
        assert!(u.committed() >= u.bytes(), "plan {plan}: {u:?}");
        h.pop_frame(f).unwrap();
    }
}

#[test]
fn block_figures_are_honest_under_immix_and_mark_sweep() {
    for plan in [
        Plan::Immix,
        Plan::GenImmix,
        Plan::MarkSweep,
        Plan::Generational,
    ] {
        let mut h = heap(plan);
        let f = h.push_frame("objects");
        for _ in 0..10_000 {
            h.alloc(NODE, 1, 8).unwrap();
        }
        h.collect(CollectionKind::Major);
        let old = h.usage().bytes() - h.usage().bytes_of("nursery") - h.usage().bytes_of("large");
        assert!(old > 0, "plan {plan}: the objects are in the old space");
        let cells = h.old_cell_bytes();
        assert!(
            cells >= old && cells <= old * 2,
            "plan {plan}: {cells} B of cells or lines for {old} B of objects"
        );
        assert!(h.old_blocks_in_use() > 0, "plan {plan}");
        h.pop_frame(f).unwrap();
        h.collect(CollectionKind::Major);
        assert_eq!(h.old_cell_bytes(), 0, "plan {plan}");
    }
}

#[test]
fn every_collection_records_its_phases_summing_to_its_pause() {
    for plan in Plan::ALL.into_iter().filter(|&p| p != Plan::NoGc) {
        let mut h = heap(plan);
        let f = h.push_frame("objects");
        let mut prev = h.alloc(NODE, 1, 8).unwrap();
        for _ in 0..20_000 {
            let o = h.alloc(NODE, 1, 8).unwrap();
            h.set(o, 0, prev).unwrap();
            prev = o;
        }
        h.collect(CollectionKind::Minor);
        h.collect(CollectionKind::Major);
        for e in h.stats().events() {
            assert_eq!(e.phases.total(), e.pause, "plan {plan}: {e:?}");
            assert!(!e.phases.closure.is_zero(), "plan {plan}: {:?}", e.phases);
            assert!(e.trace_line().contains("closure"), "{}", e.trace_line());
        }
        h.pop_frame(f).unwrap();
    }
}
