//! Graph-shaped workloads collected under every plan, verified after every collection, and
//! checked in both directions: what is reachable survives intact, what is not is reclaimed.

use gclab::{
    object_size, CollectionKind, Handle, Heap, HeapConfig, HeapError, Plan, RootKind, SpaceKind,
    Value,
};

const NODE: u16 = 1;
const ARRAY: u16 = 2;

fn heap(plan: Plan) -> Heap {
    let mut cfg = HeapConfig::for_plan(plan);
    cfg.nursery_size = 64 * 1024;
    cfg.max_heap = 256 << 20;
    cfg.min_major_threshold = 1 << 20;
    Heap::with_config(cfg).unwrap()
}

/// Under stress mode (`GCLAB_GC_INTERVAL`), a million-object test verifies a heap of up to a
/// million objects after every forced collection: space the collections out so the test
/// stays linear, while still forcing them.
fn sparse_stress(cfg: &mut HeapConfig) {
    cfg.gc_interval = cfg.gc_interval.map(|n| n.max(50_000));
}

fn collect_and_verify(h: &mut Heap, kind: CollectionKind) {
    h.collect(kind);
    h.verify().unwrap_or_else(|e| panic!("{e}"));
}

fn full(h: &mut Heap) {
    collect_and_verify(h, CollectionKind::Major);
}

/// Under every plan but no-gc, a full collection leaves exactly `bytes` occupied.
fn assert_live_bytes(h: &Heap, bytes: u64) {
    if h.plan() != Plan::NoGc {
        assert_eq!(
            h.usage().bytes(),
            bytes,
            "plan {}: live bytes after a full collection",
            h.plan()
        );
    }
}

#[test]
fn accounting_is_exact() {
    for plan in Plan::ALL {
        let mut h = heap(plan);
        let f = h.push_frame("alloc");
        for _ in 0..1000 {
            h.alloc(NODE, 3, 5).unwrap();
        }
        let size = object_size(3, 5) as u64;
        assert_eq!(size, 16 + 24 + 8);
        assert_eq!(h.usage().bytes(), 1000 * size, "plan {plan}");
        assert_eq!(h.usage().objects(), 1000, "plan {plan}");
        assert_eq!(h.allocated_bytes(), 1000 * size);
        assert_eq!(h.allocated_objects(), 1000);
        full(&mut h);
        assert_live_bytes(&h, 1000 * size);
        h.pop_frame(f).unwrap();
        full(&mut h);
        assert_live_bytes(&h, 0);
        assert_eq!(
            h.allocated_bytes(),
            1000 * size,
            "collections do not count as allocation"
        );
    }
}

/// Builds a list of `n` nodes, each holding its index and a few raw bytes.
fn build_list(h: &mut Heap, n: usize) -> Handle {
    let head = h.alloc(NODE, 2, 0).unwrap();
    h.set(head, 0, Value::Int(0)).unwrap();
    let cursor = h.local(head).unwrap();
    let fresh = h.local(Value::Undefined).unwrap();
    for i in 1..n {
        let f = h.push_frame("build");
        let node = h.alloc(NODE, 2, 0).unwrap();
        h.set(node, 0, Value::Int(i as i32)).unwrap();
        h.set(cursor, 1, node).unwrap();
        h.set_local(fresh, node).unwrap();
        h.pop_frame(f).unwrap();
        h.set_local(cursor, fresh).unwrap();
    }
    head
}

fn check_list(h: &mut Heap, head: Handle, n: usize) {
    let cursor = h.local(head).unwrap();
    for i in 0..n {
        assert_eq!(h.get(cursor, 0).unwrap(), Value::Int(i as i32));
        let next = h.get_into(cursor, 1, cursor).unwrap();
        if i + 1 == n {
            assert_eq!(next, Value::Undefined);
        }
    }
}

#[test]
fn million_node_list_survives_every_plan() {
    let n = if cfg!(miri) { 200 } else { 1_000_000 };
    for plan in Plan::ALL {
        let mut cfg = HeapConfig::for_plan(plan);
        cfg.max_heap = 512 << 20;
        sparse_stress(&mut cfg);
        let mut h = Heap::with_config(cfg).unwrap();
        let f = h.push_frame("list");
        let head = build_list(&mut h, n);
        collect_and_verify(&mut h, CollectionKind::Minor);
        full(&mut h);
        full(&mut h);
        check_list(&mut h, head, n);
        assert_live_bytes(&h, n as u64 * object_size(2, 0) as u64);
        h.pop_frame(f).unwrap();
        full(&mut h);
        assert_live_bytes(&h, 0);
    }
}

#[test]
fn cycles_and_self_references_are_reclaimed_when_unreachable() {
    for plan in Plan::ALL {
        let mut h = heap(plan);
        let f = h.push_frame("cycles");
        let a = h.alloc(NODE, 2, 0).unwrap();
        let b = h.alloc(NODE, 2, 0).unwrap();
        h.set(a, 1, b).unwrap();
        h.set(b, 1, a).unwrap();
        h.set(a, 0, a).unwrap();
        let keep = h.root(RootKind::Handle, "keep", a).unwrap();
        h.pop_frame(f).unwrap();
        collect_and_verify(&mut h, CollectionKind::Minor);
        full(&mut h);
        assert_live_bytes(&h, 2 * object_size(2, 0) as u64);
        let a2 = keep.handle();
        let a_self = h.get(a2, 0).unwrap().as_ref().unwrap();
        assert!(h.same_object(a_self, a2).unwrap());
        let b2 = h.get(a2, 1).unwrap().as_ref().unwrap();
        let back = h.get(b2, 1).unwrap().as_ref().unwrap();
        assert!(h.same_object(back, a2).unwrap());
        drop(keep);
        h.local_count();
        // Locals from the reads above still hold the cycle; pop them with a frame.
        full(&mut h);
        let held = h.usage().bytes();
        assert!(plan == Plan::NoGc || held == 2 * object_size(2, 0) as u64);
    }
}

#[test]
fn cycle_unreachable_from_every_root_is_freed() {
    for plan in Plan::ALL {
        let mut h = heap(plan);
        let f = h.push_frame("cycle");
        let a = h.alloc(NODE, 2, 0).unwrap();
        let b = h.alloc(NODE, 2, 0).unwrap();
        h.set(a, 1, b).unwrap();
        h.set(b, 1, a).unwrap();
        full(&mut h);
        h.pop_frame(f).unwrap();
        full(&mut h);
        assert_live_bytes(&h, 0);
    }
}

#[test]
fn wide_arrays_and_large_objects() {
    for plan in Plan::ALL {
        let mut h = heap(plan);
        let f = h.push_frame("wide");
        let wide = h.alloc(ARRAY, 100_000, 0).unwrap();
        assert_eq!(
            h.space_of(wide).unwrap(),
            SpaceKind::Large,
            "plan {plan}: above the threshold"
        );
        let mut expected = object_size(100_000, 0) as u64;
        for i in (0..100_000).step_by(1000) {
            let g = h.push_frame("elem");
            let e = h.alloc(NODE, 1, 16).unwrap();
            h.bytes_mut(e).unwrap()[..4].copy_from_slice(&(i as u32).to_le_bytes());
            h.set(e, 0, Value::Float(i as f64 * 0.5)).unwrap();
            h.set(wide, i, e).unwrap();
            h.pop_frame(g).unwrap();
            expected += object_size(1, 16) as u64;
        }
        collect_and_verify(&mut h, CollectionKind::Minor);
        full(&mut h);
        assert_live_bytes(&h, expected);
        for i in (0..100_000).step_by(1000) {
            let g = h.push_frame("check");
            let e = h.get(wide, i).unwrap().as_ref().unwrap();
            assert_eq!(&h.bytes(e).unwrap()[..4], &(i as u32).to_le_bytes());
            assert_eq!(h.get(e, 0).unwrap(), Value::Float(i as f64 * 0.5));
            h.pop_frame(g).unwrap();
        }
        // Dropping half of the elements frees exactly them.
        for i in (0..100_000).step_by(2000) {
            h.set(wide, i, Value::Null).unwrap();
            expected -= object_size(1, 16) as u64;
        }
        full(&mut h);
        assert_live_bytes(&h, expected);
        h.pop_frame(f).unwrap();
        full(&mut h);
        assert_live_bytes(&h, 0);
    }
}

#[test]
fn old_to_young_stores_after_promotion_are_remembered() {
    let mut cfg = HeapConfig::for_plan(Plan::Generational);
    cfg.nursery_size = 64 * 1024;
    cfg.promotion_age = 1;
    let mut h = Heap::with_config(cfg).unwrap();
    let f = h.push_frame("barrier");
    let old = h.alloc(NODE, 4, 0).unwrap();
    collect_and_verify(&mut h, CollectionKind::Minor);
    assert_eq!(
        h.space_of(old).unwrap(),
        SpaceKind::Old,
        "promoted at age 1"
    );
    for i in 0..4 {
        let g = h.push_frame("young");
        let y = h.alloc(NODE, 1, 0).unwrap();
        h.set(y, 0, Value::Int(100 + i)).unwrap();
        h.set(old, i as usize, y).unwrap();
        h.pop_frame(g).unwrap();
    }
    // Nothing but the old object's slots keep the young objects alive.
    h.verify().unwrap();
    collect_and_verify(&mut h, CollectionKind::Minor);
    for i in 0..4 {
        let y = h.get(old, i as usize).unwrap().as_ref().unwrap();
        assert_eq!(h.get(y, 0).unwrap(), Value::Int(100 + i));
        assert_eq!(
            h.space_of(y).unwrap(),
            SpaceKind::Old,
            "survivors promoted at age 1"
        );
    }
    // Default promotion age 2: a young object referenced from old survives two scavenges.
    // (No pause goal: under one, a nursery that survives whole promotes at age 1.)
    let mut h2 = {
        let mut cfg = heap(Plan::Generational).config().clone();
        cfg.pause_goal = None;
        Heap::with_config(cfg).unwrap()
    };
    let g = h2.push_frame("age");
    let holder = h2.alloc(NODE, 1, 0).unwrap();
    collect_and_verify(&mut h2, CollectionKind::Minor);
    collect_and_verify(&mut h2, CollectionKind::Minor);
    assert_eq!(h2.space_of(holder).unwrap(), SpaceKind::Old);
    let y = h2.alloc(NODE, 0, 8).unwrap();
    h2.set(holder, 0, y).unwrap();
    collect_and_verify(&mut h2, CollectionKind::Minor);
    assert_eq!(
        h2.space_of(y).unwrap(),
        SpaceKind::Young,
        "age 1 < promotion age 2"
    );
    collect_and_verify(&mut h2, CollectionKind::Minor);
    assert_eq!(h2.space_of(y).unwrap(), SpaceKind::Old);
    h2.pop_frame(g).unwrap();
    h.pop_frame(f).unwrap();
}

#[test]
fn objects_reachable_only_from_each_root_kind() {
    for plan in Plan::ALL {
        let mut h = heap(plan);
        let size = object_size(1, 0) as u64;
        let mut persistents = Vec::new();
        for kind in [
            RootKind::Timer,
            RootKind::EventListener,
            RootKind::PendingCallback,
            RootKind::Promise,
            RootKind::Handle,
        ] {
            let f = h.push_frame("make");
            let o = h.alloc(NODE, 1, 0).unwrap();
            h.set(o, 0, Value::Int(kind as i32)).unwrap();
            persistents.push((kind, h.root(kind, &format!("{kind} root"), o).unwrap()));
            h.pop_frame(f).unwrap();
        }
        let f = h.push_frame("global");
        let g = h.alloc(NODE, 1, 0).unwrap();
        h.set_global("leaky", g).unwrap();
        h.pop_frame(f).unwrap();
        full(&mut h);
        assert_live_bytes(&h, 6 * size);
        for (kind, p) in &persistents {
            assert_eq!(h.describe_root(p.handle()).unwrap().0, *kind);
            let f = h.push_frame("read");
            assert_eq!(h.get(p, 0).unwrap(), Value::Int(*kind as i32));
            h.pop_frame(f).unwrap();
        }
        let mut live = 6;
        for (_, p) in persistents.drain(..) {
            let stale = p.handle();
            h.release(p).unwrap();
            live -= 1;
            full(&mut h);
            assert_live_bytes(&h, live * size);
            assert_eq!(h.get(stale, 0), Err(HeapError::StaleHandle));
        }
        assert!(h.remove_global("leaky"));
        full(&mut h);
        assert_live_bytes(&h, 0);
    }
}

#[test]
fn dropped_persistent_is_released_at_the_next_collection() {
    let mut h = heap(Plan::Generational);
    let f = h.push_frame("x");
    let o = h.alloc(NODE, 0, 0).unwrap();
    let p = h.root(RootKind::EventListener, "listener", o).unwrap();
    h.pop_frame(f).unwrap();
    assert_eq!(h.persistent_count(), 1);
    drop(p);
    full(&mut h);
    assert_eq!(h.usage().bytes(), 0);
    assert_eq!(h.persistent_count(), 0);
}

#[test]
fn frames_pop_in_lifo_order() {
    let mut h = heap(Plan::Generational);
    let outer = h.push_frame("outer");
    let inner = h.push_frame("inner");
    let err = h.pop_frame(outer).unwrap_err();
    assert_eq!(
        err,
        HeapError::FrameOrder {
            expected: "inner".into(),
            found: "outer".into()
        }
    );
    assert_eq!(h.frame_depth(), 2, "nothing popped on error");
    let o = h.alloc(NODE, 0, 0).unwrap();
    let escaped = h.pop_frame_escape(inner, o).unwrap().as_ref().unwrap();
    assert_eq!(
        h.get(o, 0),
        Err(HeapError::StaleHandle),
        "inner local is gone"
    );
    assert_eq!(h.slot_count(escaped).unwrap(), 0);
    h.pop_frame(outer).unwrap();
    assert!(h.pop_frame(outer).is_err(), "double pop is an error");
    assert_eq!(h.frame_depth(), 0);
}

#[test]
fn misuse_returns_errors() {
    let mut h = heap(Plan::Generational);
    let o = h.alloc(NODE, 1, 2).unwrap();
    assert_eq!(
        h.get(o, 1),
        Err(HeapError::SlotOutOfBounds { index: 1, len: 1 })
    );
    assert_eq!(
        h.set(o, 5, Value::Null),
        Err(HeapError::SlotOutOfBounds { index: 5, len: 1 })
    );
    let n = h.local(Value::Int(3)).unwrap();
    assert_eq!(h.get(n, 0), Err(HeapError::NotAnObject));
    assert!(matches!(
        h.root(RootKind::StackFrame, "x", o),
        Err(HeapError::InvalidRootKind(_))
    ));
    assert!(matches!(
        h.alloc(NODE, usize::MAX / 16, 0),
        Err(HeapError::TooLarge { .. })
    ));
    let bad = HeapConfig {
        promotion_age: 0,
        ..HeapConfig::default()
    };
    assert!(matches!(Heap::with_config(bad), Err(HeapError::Config(_))));
}

#[test]
fn out_of_memory_is_an_error_and_the_heap_stays_usable() {
    for plan in Plan::ALL {
        let mut cfg = HeapConfig::for_plan(plan);
        cfg.max_heap = 1 << 20;
        cfg.nursery_size = 64 * 1024;
        cfg.min_major_threshold = 256 * 1024;
        let mut h = Heap::with_config(cfg).unwrap();
        let f = h.push_frame("fill");
        let mut held = 0u64;
        let err = loop {
            match h.alloc(NODE, 30, 0) {
                Ok(_) => held += object_size(30, 0) as u64,
                Err(e) => break e,
            }
            assert!(held < 4 << 20, "plan {plan}: allocation never failed");
        };
        let HeapError::OutOfMemory(oom) = err else {
            panic!("plan {plan}: expected OOM, got {err:?}")
        };
        assert_eq!(oom.limit, 1 << 20);
        assert_eq!(oom.requested, object_size(30, 0) as u64);
        assert!(
            oom.live >= held,
            "plan {plan}: everything allocated is still rooted"
        );
        assert!(oom.live <= oom.limit);
        h.verify().unwrap();
        // A large object fails the same way.
        assert!(matches!(
            h.alloc(ARRAY, 200_000, 0),
            Err(HeapError::OutOfMemory(_))
        ));
        h.verify().unwrap();
        h.pop_frame(f).unwrap();
        if plan != Plan::NoGc {
            full(&mut h);
            assert_eq!(h.usage().bytes(), 0);
            let g = h.push_frame("again");
            h.alloc(NODE, 30, 0).expect("usable after OOM");
            h.pop_frame(g).unwrap();
        }
    }
}

#[test]
fn allocation_triggers_collections_and_statistics_record_them() {
    let mut cfg = HeapConfig::for_plan(Plan::Generational);
    cfg.nursery_size = 64 * 1024;
    cfg.max_heap = 256 << 20;
    cfg.min_major_threshold = 1 << 20;
    // Pins the triggers and the statistics they record: forced collections would add others.
    cfg.gc_interval = None;
    let mut h = Heap::with_config(cfg).unwrap();
    let keep = h.push_frame("keep");
    let survivors = h.alloc(ARRAY, 500, 0).unwrap();
    for i in 0..20_000 {
        let f = h.push_frame("churn");
        let o = h.alloc(NODE, 2, 24).unwrap();
        if i % 40 == 0 {
            h.set(survivors, (i / 40) % 500, o).unwrap();
        }
        h.pop_frame(f).unwrap();
    }
    h.verify().unwrap();
    let stats = h.stats();
    let minors = stats.count(Some(CollectionKind::Minor));
    assert!(
        minors >= 10,
        "a 64 KiB nursery fills many times over ~1 MiB: {minors}"
    );
    for e in stats.events() {
        assert!(e.after.bytes() <= e.before.bytes());
        assert_eq!(e.reclaimed_bytes, e.before.bytes() - e.after.bytes());
        if e.kind == CollectionKind::Minor {
            assert_eq!(e.cause, gclab::CollectionCause::NurseryFull);
            assert!(e.copied_bytes + e.promoted_bytes <= e.before.bytes_of("nursery"));
        }
    }
    let p = stats.pauses(Some(CollectionKind::Minor));
    assert_eq!(p.count, minors);
    assert!(p.p50 <= p.p99 && p.p99 <= p.max && p.max <= p.total);
    let r = stats.reclaim_rate(Some(CollectionKind::Minor));
    assert!(r > 0.5 && r <= 1.0, "mostly garbage: reclaim rate {r}");
    let s = stats.survival_rate();
    assert!(s > 0.0 && s < 0.5, "survival {s}");
    let mmu = stats.mmu(std::time::Duration::from_millis(1), h.elapsed());
    assert!((0.0..=1.0).contains(&mmu));
    h.pop_frame(keep).unwrap();
}

#[test]
fn mark_sweep_reuses_freed_cells_and_returns_blocks() {
    let mut h = heap(Plan::MarkSweep);
    for _ in 0..3 {
        let f = h.push_frame("round");
        for _ in 0..20_000 {
            h.alloc(NODE, 2, 0).unwrap();
        }
        h.pop_frame(f).unwrap();
        full(&mut h);
        assert_eq!(h.usage().bytes(), 0);
        assert_eq!(h.old_blocks_in_use(), 0, "every block is empty again");
        assert!(
            h.committed_bytes() <= 2 << 20,
            "only a small pool of empty blocks stays committed"
        );
    }
}

#[test]
fn graph_paths_dominators_and_snapshots_read_without_changing_anything() {
    let mut h = heap(Plan::Generational);
    h.register_type(NODE, "Node", &["value", "next"]);
    let f = h.push_frame("g");
    let head = build_list(&mut h, 100);
    let timer = h.root(RootKind::Timer, "interval timer #1", head).unwrap();
    collect_and_verify(&mut h, CollectionKind::Minor);
    let usage = h.usage();
    let events = h.stats().events().len();
    let id = h.object_id(head).unwrap();
    let g = h.graph();
    assert_eq!(g.nodes.len(), 100);
    assert_eq!(g.edges.len(), 99);
    assert!(g
        .roots
        .iter()
        .any(|r| r.kind == RootKind::Timer && &*r.label == "interval timer #1"));
    assert!(g.nodes.iter().all(|n| &*n.type_name == "Node"));
    assert_eq!(g.edges[0].name.as_deref(), Some("next"));
    let paths = gclab::diagnose::paths::PathIndex::new(&g);
    // The 50th node is reached from the timer (head) through 50 `next` edges.
    let mid = g.nodes.iter().position(|n| n.id == id + 50).unwrap() as u32;
    let path = paths.path_to(mid).unwrap();
    assert_eq!(path.edges.len(), 50);
    assert!(path.to_string().contains("interval timer #1"), "{path}");
    let doms = gclab::diagnose::dominators::Dominators::new(&g);
    assert_eq!(doms.reachable_size(), 100 * object_size(2, 0) as u64);
    let mut snapshot = Vec::new();
    gclab::diagnose::snapshot::write_heap_snapshot(&g, &mut snapshot).unwrap();
    assert!(snapshot.len() > 1000);
    let g2 = h.graph();
    assert_eq!(g2, g, "taking the graph twice gives the same graph");
    assert_eq!(h.usage(), usage);
    assert_eq!(h.stats().events().len(), events);
    assert_eq!(h.object_id(head).unwrap(), id);
    h.verify().unwrap();
    h.release(timer).unwrap();
    h.pop_frame(f).unwrap();
}

/// A minor collection that finds the old generation past its threshold runs as a major one
/// that marks through the nursery in place: survivors stay young, and it is exact — a young
/// object whose only referrer is a dead (but remembered) old object is freed with it.
#[test]
fn threshold_major_traces_the_nursery_in_place_and_is_exact() {
    let mut cfg = HeapConfig::for_plan(Plan::Generational);
    cfg.nursery_size = 256 * 1024;
    cfg.min_major_threshold = 64 * 1024;
    // Pins which collections the triggers choose: forced ones would change them.
    cfg.gc_interval = None;
    // Under a pause goal the threshold starts an incremental cycle instead.
    cfg.pause_goal = None;
    let mut h = Heap::with_config(cfg).unwrap();
    let f = h.push_frame("test");

    // An old object holding the only reference to a young one; then both become garbage.
    let dying = h.push_frame("dying");
    let old = h.alloc(NODE, 1, 0).unwrap();
    collect_and_verify(&mut h, CollectionKind::Minor);
    collect_and_verify(&mut h, CollectionKind::Minor);
    assert_eq!(h.space_of(old).unwrap(), SpaceKind::Old);
    let orphan = h.alloc(NODE, 0, 64).unwrap();
    h.set(old, 0, orphan).unwrap();
    // Promoted garbage to push the old generation past its 64 KiB threshold.
    let filler = h.push_frame("filler");
    for _ in 0..1024 {
        h.alloc(NODE, 0, 112).unwrap();
    }
    collect_and_verify(&mut h, CollectionKind::Minor);
    collect_and_verify(&mut h, CollectionKind::Minor);
    h.pop_frame(filler).unwrap();
    h.pop_frame(dying).unwrap();

    // A young object that stays reachable.
    let keep = h.alloc(NODE, 0, 16).unwrap();
    let before = h.stats().events().len();
    collect_and_verify(&mut h, CollectionKind::Minor);
    let events = &h.stats().events()[before..];
    assert_eq!(events.len(), 1, "one collection");
    assert_eq!(events[0].kind, CollectionKind::Major);
    assert_eq!(events[0].cause, gclab::CollectionCause::OldThreshold);
    assert_eq!(
        h.space_of(keep).unwrap(),
        SpaceKind::Young,
        "survivors stay young"
    );
    assert_eq!(
        h.usage().bytes(),
        object_size(0, 16) as u64,
        "only the reachable object is left: the orphan and the old garbage are freed"
    );
    h.pop_frame(f).unwrap();
}

/// A scavenge of a nursery full of live objects copies survivors into at most half of
/// to-space and promotes the rest early, so the nursery has room again without a second,
/// whole-nursery collection.
#[test]
fn a_scavenge_promotes_survivors_past_half_of_to_space() {
    let mut cfg = HeapConfig::for_plan(Plan::Generational);
    cfg.nursery_size = 256 * 1024;
    // Pins what one scavenge of a full nursery does: forced collections would empty it first.
    cfg.gc_interval = None;
    let mut h = Heap::with_config(cfg).unwrap();
    let f = h.push_frame("full nursery");
    let size = object_size(1, 40) as u64;
    let mut kept = Vec::new();
    while h.usage().bytes_of("nursery") + size <= 240 * 1024 {
        let o = h.alloc(NODE, 1, 40).unwrap();
        h.set(o, 0, Value::Int(kept.len() as i32)).unwrap();
        kept.push(o);
    }
    let live = h.usage().bytes();
    let before = h.stats().events().len();
    collect_and_verify(&mut h, CollectionKind::Minor);
    assert_eq!(h.stats().events().len(), before + 1, "one collection");
    let u = h.usage();
    assert!(
        u.bytes_of("nursery") <= 128 * 1024,
        "survivors fill at most half of to-space: {} B",
        u.bytes_of("nursery")
    );
    assert!(
        u.bytes() > u.bytes_of("nursery") + u.bytes_of("large"),
        "the rest were promoted"
    );
    assert_eq!(u.bytes(), live, "everything survived");
    for (i, o) in kept.iter().enumerate() {
        assert_eq!(h.get(*o, 0).unwrap(), Value::Int(i as i32));
    }
    h.pop_frame(f).unwrap();
}

/// New objects start with `undefined` slots and zero bytes whatever their size, in memory
/// that held other objects before (a nursery reused after scavenges, freed old cells; debug
/// builds poison both), under every plan.
#[test]
fn new_objects_are_initialised_in_reused_memory() {
    for plan in [Plan::Generational, Plan::MarkSweep, Plan::SemiSpace] {
        let mut h = heap(plan);
        for round in 0..3 {
            let f = h.push_frame("garbage");
            for i in 0..2000usize {
                let o = h.alloc(NODE, i % 12, (i * 7) % 100).unwrap();
                for s in 0..i % 12 {
                    h.set(o, s, Value::Int(-1)).unwrap();
                }
                h.bytes_mut(o).unwrap().fill(0xAB);
            }
            h.pop_frame(f).unwrap();
            collect_and_verify(&mut h, CollectionKind::Minor);
            let f = h.push_frame("check");
            for slots in 0..=12usize {
                for bytes in [0usize, 1, 8, 12, 24, 63, 64, 65, 72, 100] {
                    let o = h.alloc(NODE, slots, bytes).unwrap();
                    for s in 0..slots {
                        assert_eq!(
                            h.get(o, s).unwrap(),
                            Value::Undefined,
                            "{plan}, round {round}: slot {s} of {slots}"
                        );
                    }
                    assert!(
                        h.bytes(o).unwrap().iter().all(|&b| b == 0),
                        "{plan}, round {round}: {bytes} bytes zeroed"
                    );
                }
            }
            h.pop_frame(f).unwrap();
        }
    }
}
