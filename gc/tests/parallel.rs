//! Parallel collector work (`HeapConfig::gc_threads`): every collecting plan with 2 and 4
//! collector threads (4 is more than this machine's cores: it must still work), checked
//! against the reference model after every collection, with weak references and ephemerons,
//! and a large live heap whose major collections must mark, clear and keep exactly what one
//! thread does, verified after each.
//!
//! `PROPTEST_CASES` sets the cases per plan and thread count (default 32; 1 under Miri, where
//! these tests need `-Zmiri-tree-borrows`: see `.ci/check-invariants.sh`).

use gclab::diagnose::{write_heap_snapshot, TypeCensus};
use gclab::testing::strategy::{config, ops, Sizes};
use gclab::testing::weak::{run_weak, weak_config, weak_ops};
use gclab::testing::Harness;
use gclab::{CollectionKind, Heap, HeapConfig, Persistent, Plan, RootKind, SlotLayout, Value};
use proptest::test_runner::{Config, TestCaseError, TestRunner};

const COLLECTING: [Plan; 5] = [
    Plan::MarkSweep,
    Plan::Immix,
    Plan::Generational,
    Plan::GenImmix,
    Plan::SemiSpace,
];

fn runner() -> TestRunner {
    let default = if cfg!(miri) { 1 } else { 32 };
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default);
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: if cfg!(miri) { 0 } else { 1024 },
        ..Config::default()
    })
}

fn threads() -> &'static [usize] {
    if cfg!(miri) {
        &[2]
    } else {
        &[2, 4]
    }
}

#[test]
#[cfg_attr(
    miri,
    ignore = "crossbeam-epoch needs Tree Borrows: see .ci/check-invariants.sh"
)]
fn reachability_holds_with_parallel_collections_under_every_plan() {
    for plan in COLLECTING {
        for &n in threads() {
            let strategy = (config(plan), ops(Sizes::default()));
            let result = runner().run(&strategy, |(mut cfg, program)| {
                cfg.gc_threads = n;
                cfg.parallel_scavenge = true;
                let mut h = Harness::new(cfg).map_err(|e| TestCaseError::fail(e.to_string()))?;
                h.run(&program)
                    .map(|_| ())
                    .map_err(|f| TestCaseError::fail(f.to_string()))
            });
            if let Err(e) = result {
                panic!("{plan:?} with {n} threads: {e}");
            }
        }
    }
}

#[test]
#[cfg_attr(
    miri,
    ignore = "crossbeam-epoch needs Tree Borrows: see .ci/check-invariants.sh"
)]
fn weak_references_and_ephemerons_hold_with_parallel_collections() {
    let len = if cfg!(miri) { 24 } else { 80 };
    for plan in COLLECTING {
        for &n in threads() {
            let strategy = (0u8..4, weak_ops(len));
            let result = runner().run(&strategy, |(profile, program)| {
                let mut cfg = weak_config(plan, profile);
                cfg.gc_threads = n;
                cfg.parallel_scavenge = true;
                run_weak(cfg, &program)
                    .map(|_| ())
                    .map_err(TestCaseError::fail)
            });
            if let Err(e) = result {
                panic!("{plan:?} with {n} threads: {e}");
            }
        }
    }
}

const NODE: u16 = 1;
const WEAK: u16 = 2;

/// What a major collection of the large heap left: marked bytes, live bytes and objects,
/// and which weak references and ephemeron values survived.
#[derive(Debug, PartialEq)]
struct Outcome {
    marked: u64,
    live: (u64, u64),
    weak_alive: Vec<bool>,
    ephemeron_values: usize,
}

/// `chains` lists of `len` nodes hang from a rooted table; every node keeps a weak reference
/// to a node of its chain, and an ephemeron table maps every chain's head to the head two
/// chains on. Then every other chain is dropped (with the pairs whose key it held) and a
/// major collection runs.
fn large_heap(plan: Plan, threads: usize, chains: usize, len: usize) -> Outcome {
    let mut cfg = HeapConfig::for_plan(plan);
    cfg.gc_threads = threads;
    cfg.parallel_scavenge = true;
    // Verified after each major below; stress mode (`GCLAB_GC_INTERVAL`) would verify this
    // large heap every few allocations, for minutes.
    cfg.gc_interval = None;
    // Under Miri a reservation costs its size in emulated memory: a small heap.
    let mib = if cfg!(miri) { 1 << 14 } else { 1 << 20 };
    cfg.max_heap = 256 * mib;
    cfg.nursery_size = mib;
    cfg.min_major_threshold = 64 * mib;
    let mut h = Heap::with_config(cfg).unwrap();
    let root = |h: &mut Heap, v: Value| -> Persistent { h.root(RootKind::Handle, "t", v).unwrap() };
    let f = h.push_frame("build");
    let table = h.alloc(NODE, chains, 0).unwrap();
    let table = root(&mut h, table.into());
    let eph = h
        .alloc_layout(NODE, 2 * chains, 0, SlotLayout::Ephemeron)
        .unwrap();
    let eph = root(&mut h, eph.into());
    let mut weaks = Vec::new();
    for c in 0..chains {
        let g = h.push_frame("chain");
        let mut next = Value::Undefined;
        for i in 0..len {
            let node = h.alloc(NODE, 2, 8).unwrap();
            h.set(node, 0, next).unwrap();
            h.set(node, 1, Value::Int((c * len + i) as i32)).unwrap();
            if i % 8 == 0 {
                let w = h.weak_ref(WEAK, node).unwrap();
                weaks.push(root(&mut h, w.into()));
            }
            next = node.into();
        }
        h.set(&table, c, next).unwrap();
        h.pop_frame(g).unwrap();
    }
    for c in 0..chains {
        let g = h.push_frame("pair");
        let key = h.get(&table, c).unwrap().as_ref().unwrap();
        let value = h.get(&table, (c + 2) % chains).unwrap();
        assert!(h.ephemeron_insert(&eph, key, value).unwrap());
        h.pop_frame(g).unwrap();
    }
    h.pop_frame(f).unwrap();
    h.collect(CollectionKind::Major);
    h.verify().unwrap_or_else(|e| panic!("{e}"));
    for c in (0..chains).step_by(2) {
        h.set(&table, c, Value::Undefined).unwrap();
    }
    h.collect(CollectionKind::Major);
    h.verify().unwrap_or_else(|e| panic!("{e}"));
    let e = h.stats().events().last().unwrap();
    let (marked, live) = (e.marked_bytes, (e.after.bytes(), e.after.objects()));
    let weak_alive = weaks
        .iter()
        .map(|w| h.scope("read", |h| h.get(w, 0)).unwrap() != Value::Undefined)
        .collect();
    let ephemeron_values = (0..chains)
        .filter(|&c| h.get(&eph, 2 * c + 1).unwrap() != Value::Undefined)
        .count();
    Outcome {
        marked,
        live,
        weak_alive,
        ephemeron_values,
    }
}

#[test]
#[cfg_attr(
    miri,
    ignore = "crossbeam-epoch needs Tree Borrows: see .ci/check-invariants.sh"
)]
fn a_large_heap_keeps_and_clears_the_same_with_1_2_and_4_threads() {
    let (chains, len) = if cfg!(miri) { (6, 20) } else { (64, 2000) };
    for plan in [
        Plan::MarkSweep,
        Plan::Immix,
        Plan::Generational,
        Plan::GenImmix,
    ] {
        let serial = large_heap(plan, 1, chains, len);
        assert!(
            serial.weak_alive.contains(&false) && serial.weak_alive.contains(&true),
            "{plan:?}: the test drops some chains and keeps others"
        );
        for &n in threads() {
            assert_eq!(
                large_heap(plan, n, chains, len),
                serial,
                "{plan:?}, {n} threads"
            );
        }
    }
}

/// A binary tree of `depth` built bottom-up (nodes of 2 slots and 8 bytes); returns its root.
fn tree(h: &mut Heap, depth: u32) -> Value {
    let f = h.push_frame_static("tree");
    let node = h.alloc(NODE, 2, 8).unwrap();
    if depth > 0 {
        let l = tree(h, depth - 1);
        h.set(node, 0, l).unwrap();
        let r = tree(h, depth - 1);
        h.set(node, 1, r).unwrap();
    }
    h.pop_frame_escape(f, node).unwrap()
}

/// The parallel scavenge copies survivors into per-worker to-space chunks and pads their
/// unused tails with fillers: the nursery's walk (`verify`), its usage, the heap graph
/// (snapshots) and the type census must see exactly the survivors, and the nursery must keep
/// working after the fillers (allocation after them, a second scavenge over them).
#[test]
#[cfg_attr(
    miri,
    ignore = "crossbeam-epoch needs Tree Borrows: see .ci/check-invariants.sh"
)]
fn fillers_left_by_a_parallel_scavenge_are_invisible_to_walks() {
    let depth = if cfg!(miri) { 6 } else { 12 };
    let nodes = (1u64 << (depth + 1)) - 1;
    let size = gclab::object_size(2, 8) as u64;
    for plan in [Plan::Generational, Plan::GenImmix] {
        for &n in threads() {
            let mut cfg = HeapConfig::for_plan(plan);
            cfg.gc_threads = n;
            cfg.parallel_scavenge = true;
            cfg.gc_interval = None;
            cfg.nursery_size = if cfg!(miri) { 16 << 10 } else { 1 << 20 };
            let mut h = Heap::with_config(cfg).unwrap();
            let t = tree(&mut h, depth);
            let _keep = h.root(RootKind::Handle, "tree", t).unwrap();
            h.collect(CollectionKind::Minor);
            h.verify()
                .unwrap_or_else(|e| panic!("{plan:?}, {n} threads: {e}"));
            let nursery = *h.usage().get("nursery").unwrap();
            assert_eq!(
                (nursery.objects, nursery.bytes),
                (nodes, nodes * size),
                "{plan:?}, {n} threads: the survivors, young, and nothing else"
            );
            let graph = h.graph();
            assert_eq!(graph.len() as u64, nodes, "{plan:?}, {n} threads");
            let census = TypeCensus::of(&graph);
            let c = census.get(NODE).unwrap();
            assert_eq!((c.count, c.bytes), (nodes, nodes * size));
            let mut snapshot = Vec::new();
            write_heap_snapshot(&graph, &mut snapshot).unwrap();
            assert!(!snapshot.is_empty());
            // Allocation continues after the fillers; a second scavenge promotes the tree
            // (age 2) and walks past them.
            let f = h.push_frame("more");
            let _extra = tree(&mut h, 4);
            h.verify()
                .unwrap_or_else(|e| panic!("{plan:?}, {n} threads: {e}"));
            h.collect(CollectionKind::Minor);
            h.verify()
                .unwrap_or_else(|e| panic!("{plan:?}, {n} threads: {e}"));
            assert_eq!(h.graph().len() as u64, nodes + 31);
            h.pop_frame(f).unwrap();
        }
    }
}

#[test]
fn gc_threads_out_of_range_is_a_config_error() {
    for n in [0, gclab::config::MAX_GC_THREADS + 1] {
        let cfg = HeapConfig {
            gc_threads: n,
            ..HeapConfig::default()
        };
        let e = Heap::with_config(cfg).unwrap_err().to_string();
        assert!(e.contains("gc_threads must be between 1 and 64"), "{e}");
    }
}
