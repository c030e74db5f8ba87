//! The charts' layout and SVG output.

use super::layout::mb;
use super::*;
use gclab::stats::{CollectionCause, SpaceEntry};
use std::time::Duration;

fn usage(nursery: u64, old: u64) -> HeapUsage {
    [
        SpaceEntry::new("nursery", nursery, 1, 0),
        SpaceEntry::new("old", old, 1, 0),
        SpaceEntry::new("large", 0, 0, 0),
    ]
    .into_iter()
    .collect()
}

fn event(seq: u64, kind: CollectionKind, allocated: u64, pause_us: u64) -> GcEvent {
    let before = usage(1 << 20, seq * 1000);
    let after = usage(0, seq * 1000);
    GcEvent {
        seq,
        kind,
        cause: CollectionCause::NurseryFull,
        start: Duration::from_micros(seq * 100),
        pause: Duration::from_micros(pause_us),
        allocated_before: allocated,
        before,
        after,
        copied_bytes: 0,
        promoted_bytes: 0,
        marked_bytes: 0,
        swept_bytes: 0,
        reclaimed_bytes: before.bytes() - after.bytes(),
        phases: Default::default(),
        incremental: None,
    }
}

#[test]
fn incremental_steps_are_drawn_apart_from_major_collections() {
    let mut events: Vec<_> = (0..6)
        .map(|i| event(i, CollectionKind::Major, (i + 1) << 20, 300))
        .collect();
    for e in &mut events[1..5] {
        e.incremental = Some(gclab::IncrementalPhase::MarkSlice);
    }
    let layout = Layout::new(&events);
    assert_eq!(layout.slice_pauses.len(), 4);
    assert_eq!(layout.major_pauses.len(), 2);
    let svg = render_svg_to_string(&events, "slices").unwrap();
    assert!(svg.contains("incremental marking step"));
}

#[test]
fn small_logs_are_drawn_exactly_and_start_at_the_origin() {
    let events: Vec<_> = (0..10)
        .map(|i| event(i, CollectionKind::Minor, (i + 1) << 20, 50))
        .collect();
    let layout = Layout::new(&events);
    assert_eq!(layout.occupancy.len(), 1 + 2 * events.len());
    assert_eq!(layout.spaces, ["old", "large", "nursery"], "nursery on top");
    assert_eq!(layout.occupancy[0].top(2), 0.0);
    assert_eq!(layout.occupancy[1].top(2), mb(1 << 20));
    assert_eq!(layout.minor_pauses.len(), 10);
    assert!(layout.major_pauses.is_empty());
    assert!(!layout.summary.contains("decimated"));
}

#[test]
fn large_logs_are_decimated_but_keep_extremes() {
    let mut events: Vec<_> = (0..100_000u64)
        .map(|i| {
            let kind = if i % 1000 == 999 {
                CollectionKind::Major
            } else {
                CollectionKind::Minor
            };
            event(i, kind, (i + 1) * 4096, 10 + i % 7)
        })
        .collect();
    events[54_321].pause = Duration::from_millis(9);
    events.reverse(); // order of the input must not matter
    let layout = Layout::new(&events);
    assert!(layout.occupancy.len() <= 4 * BUCKETS + 3);
    assert!(layout.minor_pauses.len() <= BUCKETS);
    assert_eq!(
        layout.major_pauses.len(),
        100,
        "majors are sparser than buckets"
    );
    let longest = layout
        .minor_pauses
        .iter()
        .map(|&(_, p)| p)
        .fold(0.0, f64::max);
    assert!((longest - 9.0).abs() < 1e-9);
    // The last event's peak (the highest old occupancy) is kept.
    let top = layout
        .occupancy
        .iter()
        .map(|s| s.top(2))
        .fold(0.0, f64::max);
    assert!((top - mb(99_999 * 1000 + (1 << 20))).abs() < 1e-9);
    assert!(layout.summary.contains("decimated"));
    let xs: Vec<f64> = layout.occupancy.iter().map(|s| s.x).collect();
    assert!(xs.windows(2).all(|w| w[0] <= w[1]), "sawtooth in x order");
}

#[test]
fn ranges_are_never_empty() {
    let r = Layout::new(&[]).ranges;
    assert!(r.x > 0.0 && r.heap > 0.0 && r.pause > 0.0);
    let r = Layout::new(&[event(0, CollectionKind::Major, 0, 0)]).ranges;
    assert!(r.x > 0.0 && r.heap > 0.0 && r.pause > 0.0);
}
