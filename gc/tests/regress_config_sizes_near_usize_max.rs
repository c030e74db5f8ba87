//! Issue: `max_heap = usize::MAX` panicked with "attempt to add with overflow" (or, in
//! release, was accepted by no-gc with every allocation failing), and `nursery_size =
//! usize::MAX` panicked in the page rounding or became a zero-size nursery. Every field is now
//! checked against a named bound, and `committed_bytes` counts whole pages.

use gclab::config::{MAX_HEAP, MAX_NURSERY, MIN_HEAP};
use gclab::{CollectionKind, Heap, HeapConfig, HeapError, Plan};

fn refused(cfg: HeapConfig, field: &str) {
    match Heap::with_config(cfg) {
        Err(HeapError::Config(msg)) => assert!(msg.contains(field), "{msg}"),
        other => panic!("{field}: expected a Config error, got {other:?}"),
    }
}

#[test]
fn config_sizes_near_usize_max_are_refused_with_the_field_named() {
    for plan in Plan::ALL {
        let base = HeapConfig::for_plan(plan);
        for max_heap in [
            usize::MAX,
            usize::MAX / 2 + 1,
            MAX_HEAP + 1,
            MIN_HEAP - 1,
            0,
        ] {
            refused(
                HeapConfig {
                    max_heap,
                    ..base.clone()
                },
                "max_heap",
            );
        }
        for nursery_size in [usize::MAX, MAX_NURSERY + 1] {
            refused(
                HeapConfig {
                    nursery_size,
                    ..base.clone()
                },
                "nursery_size",
            );
        }
        for major_growth in [f64::NAN, f64::INFINITY, 1.0, -3.0] {
            refused(
                HeapConfig {
                    major_growth,
                    ..base.clone()
                },
                "major_growth",
            );
        }
        let absurd = HeapConfig {
            min_major_threshold: usize::MAX,
            ..base.clone()
        };
        refused(absurd, "min_major_threshold");
        refused(
            HeapConfig {
                gc_interval: Some(0),
                ..base.clone()
            },
            "gc_interval",
        );
        refused(
            HeapConfig {
                large_object_threshold: usize::MAX,
                ..base
            },
            "large_object_threshold",
        );
    }
}

#[test]
fn committed_bytes_counts_whole_pages() {
    let mut cfg = HeapConfig::for_plan(Plan::MarkSweep);
    cfg.max_heap = 64 << 20;
    cfg.gc_interval = None;
    let mut h = Heap::with_config(cfg).unwrap();
    let f = h.push_frame("large");
    // One large object of 3 pages and a few bytes: its mapping is 4 pages.
    h.alloc(1, 0, 3 * 4096).unwrap();
    let committed = h.committed_bytes();
    assert_eq!(committed % 4096, 0, "whole pages: {committed}");
    assert!(
        committed >= 4 * 4096,
        "the large object's mapping: {committed}"
    );
    h.pop_frame(f).unwrap();
    h.collect(CollectionKind::Major);
    assert!(h.committed_bytes() < committed, "its pages go back with it");
    // A generational heap commits its nursery's pages, not twice a wrapped size.
    let mut cfg = HeapConfig::for_plan(Plan::Generational);
    cfg.nursery_size = 1 << 20;
    let h = Heap::with_config(cfg).unwrap();
    assert!(h.committed_bytes() <= 2 << 20, "{}", h.committed_bytes());
}
