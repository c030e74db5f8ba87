//! Parallel collector work (`HeapConfig::gc_threads`): the transitive closure of a major
//! collection over a large live heap with 1, 2 and 4 collector threads, under the plans
//! whose majors mark in parallel.
//!
//! `cargo bench -p gclab-benches --bench parallel` (for timing, under `chrt -f 10`).
//! Each sample runs major collections of a heap built once, untimed; the time reported is
//! the closure phase of those collections (`Phase::Closure` of their events: the parallel
//! marking plus the serial weak processing, which has nothing to do here), so root scanning
//! and sweeping, which stay serial, do not dilute the ratio. Two shapes:
//! - `tree-d20`: a binary tree of depth 20 (2 M nodes, 64 MiB; binary-trees' long-lived
//!   tree), branching everywhere, so stealing finds work at once;
//! - `lists-256x8k`: 256 linked lists of 8192 nodes hung from one array: each list is a
//!   chain only one worker can follow, so the parallelism is at most the list count;
//! - `tree-d6`: 127 nodes, where waking the workers is all there is to measure.
//!
//! `parallel-scavenge` times minor collections of a nursery full of live objects, with
//! `parallel_scavenge` on (see `scavenge` below for the shapes).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use gclab::stats::Phase;
use gclab::{CollectionKind, Heap, HeapConfig, Persistent, Plan, RootKind, Value};
use std::time::Duration;

const NODE: u16 = 1;

fn heap(plan: Plan, threads: usize) -> Heap {
    Heap::with_config(HeapConfig {
        gc_threads: threads,
        parallel_scavenge: true,
        max_heap: 2 << 30,
        min_major_threshold: 1 << 30,
        ..HeapConfig::for_plan(plan)
    })
    .unwrap()
}

/// A binary tree of `depth`, built bottom-up in frames; returns its root.
fn tree(h: &mut Heap, depth: u32) -> Value {
    let f = h.push_frame_static("tree");
    let node = h.alloc(NODE, 2, 0).unwrap();
    if depth > 0 {
        let l = tree(h, depth - 1);
        h.set(node, 0, l).unwrap();
        let r = tree(h, depth - 1);
        h.set(node, 1, r).unwrap();
    }
    h.pop_frame_escape(f, node).unwrap()
}

/// `n` lists of `len` nodes hung from one array.
fn lists(h: &mut Heap, n: usize, len: usize) -> Persistent {
    let f = h.push_frame_static("lists");
    let table = h.alloc(NODE, n, 0).unwrap();
    let table = h.root(RootKind::Handle, "lists", table).unwrap();
    for i in 0..n {
        let g = h.push_frame_static("list");
        let mut next = Value::Undefined;
        for _ in 0..len {
            let node = h.alloc(NODE, 2, 0).unwrap();
            h.set(node, 0, next).unwrap();
            next = node.into();
        }
        h.set(&table, i, next).unwrap();
        h.pop_frame(g).unwrap();
    }
    h.pop_frame(f).unwrap();
    table
}

fn closure(c: &mut Criterion) {
    let mut g = c.benchmark_group("parallel-major-closure");
    g.sample_size(10);
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(3));
    for shape in ["tree-d20", "lists-256x8k", "tree-d6"] {
        for plan in [Plan::MarkSweep, Plan::Immix, Plan::GenImmix] {
            for threads in [1, 2, 4] {
                let mut h = heap(plan, threads);
                let _keep = match shape {
                    "tree-d20" | "tree-d6" => {
                        let t = tree(&mut h, if shape == "tree-d20" { 20 } else { 6 });
                        h.root(RootKind::Handle, "tree", t).unwrap()
                    }
                    _ => lists(&mut h, 256, 8192),
                };
                h.collect(CollectionKind::Major);
                let id = BenchmarkId::new(format!("{shape}/{plan}"), threads);
                g.bench_function(id, |b| {
                    b.iter_custom(|iters| {
                        let mut t = Duration::ZERO;
                        for _ in 0..iters {
                            h.collect(CollectionKind::Major);
                            let e = h.stats().events().last().unwrap();
                            t += e.phases.get(Phase::Closure);
                        }
                        t
                    })
                });
            }
        }
    }
    g.finish();
}

/// A scavenge of a nursery full of live objects: a binary tree built untimed in a 16 MiB
/// nursery, then a minor collection, timed by its pause (the parallel phase covers the roots'
/// targets and the closure). The previous iteration's tree is garbage by then.
/// - `tree-d16`: 128 K nodes, 4 MiB of survivors, well inside the survivor budget (half the
///   nursery): every thread count copies the same bytes and promotes none;
/// - `tree-d17`: 256 K nodes, 8 MiB: exactly the budget with one thread, and the previous
///   tree's 8 MiB fill the rest of the nursery. With more threads the fillers of the
///   per-worker to-space chunks (and the room the nursery keeps for them) tip it over: part
///   of each tree is promoted and a nursery-full minor runs during the build, so this shape
///   measures different work per thread count (kept to show that edge).
fn scavenge(c: &mut Criterion) {
    let mut g = c.benchmark_group("parallel-scavenge");
    g.sample_size(10);
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(3));
    for depth in [16, 17] {
        for plan in [Plan::Generational, Plan::GenImmix] {
            for threads in [1, 2, 4] {
                let mut h = heap(plan, threads);
                let id = BenchmarkId::new(format!("tree-d{depth}/{plan}"), threads);
                g.bench_function(id, |b| {
                    b.iter_custom(|iters| {
                        let mut t = Duration::ZERO;
                        for _ in 0..iters {
                            let f = h.push_frame_static("iter");
                            tree(&mut h, depth);
                            h.collect(CollectionKind::Minor);
                            t += h.stats().events().last().unwrap().pause;
                            h.pop_frame(f).unwrap();
                        }
                        t
                    })
                });
            }
        }
    }
    g.finish();
}

criterion_group!(benches, closure, scavenge);
criterion_main!(benches);
