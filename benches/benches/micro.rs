//! Micro benchmarks of the heap's mechanisms: the allocation fast path, the write barrier,
//! minor-collection pauses by survival rate and nursery size, mark and sweep rates, and
//! minor pauses over a small and a 1 GiB old generation.
//!
//! `cargo bench -p gclab-benches --bench micro` (add a group name to filter, e.g. `barrier`).
//! Collections are timed with `iter_custom`: each sample builds its heap untimed and times
//! only the collection.

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use gclab::{CollectionKind, Handle, Heap, HeapConfig, Plan, RawValue, RootKind};
use std::hint::black_box;
use std::time::{Duration, Instant};

const MIB: usize = 1 << 20;

fn heap(plan: Plan, nursery: usize, max_heap: usize) -> Heap {
    Heap::with_config(HeapConfig {
        nursery_size: nursery,
        max_heap,
        ..HeapConfig::for_plan(plan)
    })
    .unwrap()
}

/// The handle fast path: reads and stores through handles, which resolve through the root
/// tables (index, check number and heap id), per access.
fn handle(c: &mut Criterion) {
    const N: usize = 10_000;
    let mut g = c.benchmark_group("handle");
    g.throughput(Throughput::Elements(N as u64));
    let mut h = heap(Plan::Generational, 16 * MIB, 1 << 30);
    let f = h.push_frame_static("bench");
    let a = h.alloc(1, 2, 0).unwrap();
    let b = h.alloc(1, 2, 0).unwrap();
    let cursor = h.local(gclab::Value::Undefined).unwrap();
    h.set(a, 1, b).unwrap();
    g.bench_function("get-set", |bench| {
        bench.iter(|| {
            for i in 0..N {
                h.set(black_box(a), 0, gclab::Value::Int(i as i32)).unwrap();
                black_box(h.get_into(black_box(a), 1, cursor).unwrap());
                h.set(black_box(cursor), 0, black_box(a)).unwrap();
            }
        })
    });
    h.pop_frame(f).unwrap();
}

/// Allocation fast path: objects allocated and dropped at once, per object.
fn alloc(c: &mut Criterion) {
    const N: usize = 10_000;
    let mut g = c.benchmark_group("alloc");
    g.throughput(Throughput::Elements(N as u64));
    let mut h = heap(Plan::Generational, 64 * MIB, 1 << 30);
    g.bench_function("gclab-raw/2-slots", |b| {
        b.iter(|| {
            for _ in 0..N {
                black_box(h.alloc_raw(black_box(1), black_box(2), 0).unwrap());
            }
        })
    });
    g.bench_function("gclab-handle/2-slots", |b| {
        b.iter(|| {
            let f = h.push_frame_static("bench");
            for _ in 0..N {
                black_box(h.alloc(black_box(1), black_box(2), 0).unwrap());
            }
            h.pop_frame(f).unwrap();
        })
    });
    g.bench_function("gclab-raw/mixed", |b| {
        b.iter(|| {
            for i in 0..N {
                black_box(
                    h.alloc_raw(1, black_box(1 + i % 6), black_box((i % 5) * 12))
                        .unwrap(),
                );
            }
        })
    });
    g.bench_function("bumpalo/2-slots", |b| {
        let mut bump = bumpalo::Bump::with_capacity(N * 32);
        b.iter(|| {
            for _ in 0..N {
                black_box(bump.alloc(black_box([0u64; 4])));
            }
            bump.reset();
        })
    });
    g.bench_function("bumpalo/mixed", |b| {
        let mut bump = bumpalo::Bump::with_capacity(N * 96);
        b.iter(|| {
            for i in 0..N {
                // The sizes of gclab's mixed objects, zero-filled as gclab initialises them.
                let words = 2 + (1 + i % 6) + ((i % 5) * 12).div_ceil(8);
                black_box(bump.alloc_slice_fill_copy(black_box(words), 0u64));
            }
            bump.reset();
        })
    });
    g.bench_function("box/2-slots", |b| {
        b.iter(|| {
            for _ in 0..N {
                black_box(Box::new(black_box([0u64; 4])));
            }
        })
    });
    g.finish();
}

/// Write barrier: reference stores by generation of source and target, against the same store
/// without the barrier and against a plain array store.
fn barrier(c: &mut Criterion) {
    const N: u64 = 10_000;
    let mut g = c.benchmark_group("barrier");
    g.throughput(Throughput::Elements(N));
    let mut h = heap(Plan::Generational, 16 * MIB, 1 << 30);
    let f = h.push_frame_static("barrier");
    let old = h.alloc(1, 8, 0).unwrap();
    let old_target = h.alloc(1, 0, 0).unwrap();
    h.collect(CollectionKind::Major); // promotes both
    let young = h.alloc(1, 8, 0).unwrap();
    let young_target = h.alloc(1, 0, 0).unwrap();
    let raw = |h: &Heap, x: Handle| h.raw(x).unwrap();
    let cases = [
        ("old-to-old", raw(&h, old), raw(&h, old_target)),
        ("old-to-young", raw(&h, old), raw(&h, young_target)),
        ("young-to-young", raw(&h, young), raw(&h, young_target)),
        ("young-to-old", raw(&h, young), raw(&h, old_target)),
    ];
    for (name, obj, value) in cases {
        g.bench_function(name, |b| {
            b.iter(|| {
                for i in 0..N as usize {
                    // SAFETY: `obj` and `value` are rooted by the frame above and no
                    // collection runs inside the benchmark loop (stores do not allocate).
                    unsafe { h.set_raw(black_box(obj), i & 7, black_box(value)).unwrap() };
                }
            })
        });
    }
    g.bench_function("old-to-old-unbarriered", |b| {
        let (obj, value) = (raw(&h, old), raw(&h, old_target));
        b.iter(|| {
            for i in 0..N as usize {
                // SAFETY: as above; `value` is old, so skipping the barrier is allowed.
                unsafe {
                    h.set_raw_unbarriered(black_box(obj), i & 7, black_box(value))
                        .unwrap()
                };
            }
        })
    });
    g.bench_function("plain-store", |b| {
        let mut slots = [RawValue::UNDEFINED; 8];
        let value = raw(&h, old_target);
        b.iter(|| {
            let s = black_box(&mut slots);
            for i in 0..N as usize {
                s[i & 7] = black_box(value);
            }
        })
    });
    g.finish();
    h.pop_frame(f).unwrap();
}

/// Fills the nursery with 32-byte objects, rooting `survival` of them through old arrays.
fn fill_nursery(h: &mut Heap, nursery: usize, survival: f64) -> Vec<gclab::Persistent> {
    let objects = nursery * 9 / 10 / 32;
    let keep_every = if survival > 0.0 {
        (1.0 / survival).round() as usize
    } else {
        usize::MAX
    };
    let mut holders = Vec::new();
    let mut f = h.push_frame_static("fill");
    let mut holder: Option<Handle> = None;
    let mut filled = 0;
    for i in 0..objects {
        let o = h.alloc(1, 2, 0).unwrap();
        if i % keep_every == 0 {
            if holder.is_none() || filled == 1000 {
                let hd = h.alloc(2, 1000, 0).unwrap(); // large: lives outside the nursery
                let p = h.root(RootKind::Handle, "holder", hd).unwrap();
                holder = Some(p.handle());
                holders.push(p);
                filled = 0;
            }
            h.set(holder.unwrap(), filled, o).unwrap();
            filled += 1;
        }
        if i % 256 == 255 {
            h.pop_frame(f).unwrap();
            f = h.push_frame_static("fill");
        }
    }
    h.pop_frame(f).unwrap();
    holders
}

fn timed_minor(h: &mut Heap) -> Duration {
    let start = Instant::now();
    h.collect(CollectionKind::Minor);
    start.elapsed()
}

/// Minor pause by survival rate (4 MiB nursery) and by nursery size (10 % survival).
fn minor(c: &mut Criterion) {
    let mut g = c.benchmark_group("minor-pause");
    g.sample_size(20);
    for survival in [0.01, 0.10, 0.50] {
        g.bench_with_input(
            BenchmarkId::new("survival", format!("{}%", survival * 100.0)),
            &survival,
            |b, &s| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let mut h = heap(Plan::Generational, 4 * MIB, 1 << 30);
                        let _keep = fill_nursery(&mut h, 4 * MIB, s);
                        total += timed_minor(&mut h);
                    }
                    total
                })
            },
        );
    }
    for nursery in [MIB, 4 * MIB, 16 * MIB] {
        g.bench_with_input(
            BenchmarkId::new("nursery-at-10%", format!("{}MiB", nursery / MIB)),
            &nursery,
            |b, &n| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let mut h = heap(Plan::Generational, n, 1 << 30);
                        let _keep = fill_nursery(&mut h, n, 0.10);
                        total += timed_minor(&mut h);
                    }
                    total
                })
            },
        );
    }
    g.finish();
}

/// Builds a structure in the old space (mark-sweep plan) and returns its root and live bytes.
fn build(h: &mut Heap, shape: &str, n: usize) -> gclab::Persistent {
    let f = h.push_frame_static("build");
    let nodes = h.alloc(9, n, 0).unwrap(); // index of every node, dropped afterwards
    for i in 0..n {
        let g = h.push_frame_static("node");
        let o = h.alloc(1, 4, 0).unwrap();
        h.set(nodes, i, o).unwrap();
        h.pop_frame(g).unwrap();
    }
    let mut rng = 0x9E37_79B9_7F4A_7C15u64;
    for i in 0..n {
        let g = h.push_frame_static("link");
        let o = h.get(nodes, i).unwrap().as_ref().unwrap();
        let targets: Vec<usize> = match shape {
            "list" => (i + 1 < n).then_some(i + 1).into_iter().collect(),
            "tree" => [2 * i + 1, 2 * i + 2]
                .into_iter()
                .filter(|&t| t < n)
                .collect(),
            _ => (0..4)
                .map(|_| {
                    rng ^= rng << 13;
                    rng ^= rng >> 7;
                    rng ^= rng << 17;
                    (rng % n as u64) as usize
                })
                .collect(),
        };
        for (s, t) in targets.into_iter().enumerate() {
            let target = h.get(nodes, t).unwrap();
            h.set(o, s, target).unwrap();
        }
        h.pop_frame(g).unwrap();
    }
    let root = h.get(nodes, 0).unwrap();
    let p = h.root(RootKind::Handle, "root", root).unwrap();
    h.pop_frame(f).unwrap();
    h.collect(CollectionKind::Major); // drops the index
    p
}

/// Major collection: mark rate over live structures and sweep rate over dead old space.
fn major(c: &mut Criterion) {
    let mut g = c.benchmark_group("major");
    g.sample_size(10);
    let n = 1 << 20;
    for shape in ["list", "tree", "random-graph"] {
        let mut h = heap(Plan::MarkSweep, 16 * MIB, 2 << 30);
        let _root = build(&mut h, shape, n);
        let live = h.usage().bytes();
        g.throughput(Throughput::Bytes(live));
        g.bench_function(BenchmarkId::new("mark", shape), |b| {
            b.iter(|| h.collect(CollectionKind::Major))
        });
    }
    // Sweep: 64 MiB of dead 32-byte objects per sample, a tiny live set.
    let dead = 64 * MIB / 32;
    g.throughput(Throughput::Bytes((dead * 32) as u64));
    g.bench_function("sweep/64MiB-dead", |b| {
        b.iter_batched(
            || {
                let mut h = heap(Plan::MarkSweep, 16 * MIB, 1 << 30);
                let mut f = h.push_frame_static("garbage");
                for i in 0..dead {
                    h.alloc(1, 2, 0).unwrap();
                    if i % 1024 == 1023 {
                        h.pop_frame(f).unwrap();
                        f = h.push_frame_static("garbage");
                    }
                }
                h.pop_frame(f).unwrap();
                h
            },
            |mut h| {
                h.collect(CollectionKind::Major);
                h
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

/// Minor pause with 10 MiB vs 1 GiB in the old generation (it must not depend on it), and
/// the major pause at 1 GiB live.
fn big_heap(c: &mut Criterion) {
    let mut g = c.benchmark_group("old-space-size");
    g.sample_size(10);
    for old_mib in [10usize, 1024] {
        let mut h = heap(Plan::Generational, 4 * MIB, 3 << 30);
        let _root = build(&mut h, "tree", old_mib * MIB / 48);
        g.bench_function(
            BenchmarkId::new("minor-at-10%", format!("old {old_mib}MiB")),
            |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let keep = fill_nursery(&mut h, 4 * MIB, 0.10);
                        total += timed_minor(&mut h);
                        drop(keep);
                    }
                    total
                })
            },
        );
        if old_mib == 1024 {
            g.bench_function("major/old 1GiB", |b| {
                b.iter(|| h.collect(CollectionKind::Major))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, handle, alloc, barrier, minor, major, big_heap);
criterion_main!(benches);
