//! The cost of weak processing: a collection with 1,000 weak references (or ephemerons) against
//! the same heap shape with 1,000 strong ones, in a minor and in a major collection of the
//! default plan (gen-immix). The difference between a `weak-*` and its `strong` baseline is
//! what deferring, re-examining and clearing or updating the slots costs.
//!
//! Shapes (n = 1,000): `n` targets, and either `n` one-slot holder objects (strong or weak
//! layout) pointing at them, or one table of `n` (key → value) pairs (strong or ephemeron
//! layout). `live`: an array keeps the targets (keys) alive, so weak slots are updated;
//! `dead`: nothing else holds them, so weak slots are cleared (and ephemeron values die).
//!
//! `cargo bench -p gclab-benches --bench weak`. Each sample builds its heap untimed and
//! times only the collection (`iter_custom`).
//!
//! One run (2 cores shared with other builds, so the intervals are wide; medians, µs per
//! collection of the shape):
//!
//! | collection | strong-refs | weak-refs | strong-table | ephemeron-table |
//! |---|---|---|---|---|
//! | minor, live | 90 | 72 | 98 | 149 |
//! | minor, dead | 92 | 45 | 83 | 26 |
//! | major, live | 72 | 113 | 106 | 111 |
//! | major, dead | 58 | 42 | 57 | 27 |
//!
//! Live targets: weak processing costs about 40 µs per 1,000 weak refs in a major collection
//! and 50 µs per 1,000 ephemerons in a minor one (40–50 ns a slot: the deferral, one more
//! visit and the forwarding lookup), within the noise elsewhere. Dead targets: the weak
//! shapes are cheaper than their strong twins, which keep the targets alive.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use gclab::{CollectionKind, Heap, HeapConfig, Persistent, Plan, RootKind, SlotLayout};
use std::time::{Duration, Instant};

const N: usize = 1_000;

#[derive(Clone, Copy, Debug)]
enum Shape {
    /// `n` holders of `layout`, one slot each.
    Refs(SlotLayout),
    /// One table of `n` pairs of `layout`.
    Table(SlotLayout),
}

fn heap() -> Heap {
    Heap::with_config(HeapConfig {
        nursery_size: 4 << 20,
        max_heap: 256 << 20,
        ..HeapConfig::for_plan(Plan::GenImmix)
    })
    .unwrap()
}

/// Builds the shape; returns its roots.
fn build(h: &mut Heap, shape: Shape, live: bool) -> Vec<Persistent> {
    let f = h.push_frame_static("build");
    let targets = h.alloc(1, N, 0).unwrap();
    for i in 0..N {
        let t = h.alloc(2, 1, 0).unwrap();
        h.set(targets, i, t).unwrap();
    }
    let holders = match shape {
        Shape::Refs(layout) => {
            let a = h.alloc(1, N, 0).unwrap();
            for i in 0..N {
                let r = h.alloc_layout(3, 1, 0, layout).unwrap();
                let t = h.get(targets, i).unwrap();
                h.set(r, 0, t).unwrap();
                h.set(a, i, r).unwrap();
            }
            a
        }
        Shape::Table(layout) => {
            let table = h.alloc_layout(4, 2 * N, 0, layout).unwrap();
            for i in 0..N {
                let k = h.get(targets, i).unwrap();
                let v = h.alloc(5, 1, 0).unwrap();
                h.set(table, 2 * i, k).unwrap();
                h.set(table, 2 * i + 1, v).unwrap();
            }
            table
        }
    };
    let mut roots = vec![h.root(RootKind::Handle, "holders", holders).unwrap()];
    if live {
        roots.push(h.root(RootKind::Handle, "targets", targets).unwrap());
    }
    h.pop_frame(f).unwrap();
    roots
}

fn timed(kind: CollectionKind, shape: Shape, live: bool, iters: u64) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let mut h = heap();
        let _roots = build(&mut h, shape, live);
        if kind == CollectionKind::Major {
            // Everything old first: the timed major collection traces the old space.
            h.collect(CollectionKind::Major);
        }
        let t = Instant::now();
        h.collect(kind);
        total += t.elapsed();
    }
    total
}

fn weak(c: &mut Criterion) {
    let shapes = [
        ("strong-refs", Shape::Refs(SlotLayout::Strong)),
        ("weak-refs", Shape::Refs(SlotLayout::Weak)),
        ("strong-table", Shape::Table(SlotLayout::Strong)),
        ("ephemeron-table", Shape::Table(SlotLayout::Ephemeron)),
    ];
    for kind in [CollectionKind::Minor, CollectionKind::Major] {
        let mut g = c.benchmark_group(format!("weak-{kind:?}").to_lowercase());
        g.throughput(Throughput::Elements(N as u64));
        g.sample_size(30);
        g.measurement_time(Duration::from_secs(2));
        for (name, shape) in shapes {
            for live in [true, false] {
                let id = BenchmarkId::new(name, if live { "live" } else { "dead" });
                g.bench_function(id, |b| {
                    b.iter_custom(|iters| timed(kind, shape, live, iters))
                });
            }
        }
        g.finish();
    }
}

criterion_group!(benches, weak);
criterion_main!(benches);
