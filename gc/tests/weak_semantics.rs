//! Weak references, ephemerons, finalization and host objects under every plan, minor and
//! major, through moves, large objects and old-to-young weak edges; verified after every
//! collection.

use gclab::{
    CollectionKind, Handle, Heap, HeapConfig, Persistent, Plan, RootKind, SlotLayout, SpaceKind,
    Value,
};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const NODE: u16 = 1;
const WEAK: u16 = 2;
const TABLE: u16 = 3;

fn heap(plan: Plan) -> Heap {
    let mut cfg = HeapConfig::for_plan(plan);
    cfg.nursery_size = 64 * 1024;
    cfg.max_heap = 64 << 20;
    cfg.min_major_threshold = 1 << 20;
    Heap::with_config(cfg).unwrap()
}

fn gc(h: &mut Heap, kind: CollectionKind) {
    h.collect(kind);
    h.verify().unwrap_or_else(|e| panic!("{e}"));
}

fn root(h: &mut Heap, v: impl Into<Value>) -> Persistent {
    h.root(RootKind::Handle, "test", v).unwrap()
}

fn collects(plan: Plan) -> bool {
    plan != Plan::NoGc
}

/// Whether slot `i` of `w` reads `undefined` (read in a scope: a local would root it).
fn cleared(h: &mut Heap, w: &Persistent, i: usize) -> bool {
    h.scope("read", |h| h.get(w, i)).unwrap() == Value::Undefined
}

#[test]
fn weak_ref_survives_while_reachable_follows_moves_and_clears_when_dead() {
    for plan in Plan::ALL {
        for kind in [CollectionKind::Minor, CollectionKind::Major] {
            let mut h = heap(plan);
            let f = h.push_frame("t");
            let target = h.alloc(NODE, 1, 0).unwrap();
            h.set(target, 0, Value::Int(42)).unwrap();
            let w = h.weak_ref(WEAK, target).unwrap();
            let w2 = h.weak_ref(WEAK, target).unwrap();
            let (w, w2) = (root(&mut h, w), root(&mut h, w2));
            let strong = root(&mut h, target);
            h.pop_frame(f).unwrap();
            gc(&mut h, kind);
            h.scope("read", |h| {
                let t = h.get(&w, 0)?.as_ref().expect("alive");
                assert!(h.same_object(t, &strong)?, "{plan:?}: updated after a move");
                assert_eq!(h.get(t, 0)?, Value::Int(42));
                Ok::<_, gclab::HeapError>(())
            })
            .unwrap();
            h.release(strong).unwrap();
            // Minor collections leave an object the first minor promoted; a major clears it.
            gc(&mut h, kind);
            gc(&mut h, CollectionKind::Major);
            if collects(plan) {
                assert!(cleared(&mut h, &w, 0), "{plan:?} {kind:?}");
                assert!(
                    cleared(&mut h, &w2, 0),
                    "{plan:?}: every weak ref of one target"
                );
            }
        }
    }
}

#[test]
fn minor_collection_clears_a_nursery_object_held_weakly_from_the_old_generation() {
    for plan in [Plan::Generational, Plan::GenImmix] {
        let mut h = heap(plan);
        let f = h.push_frame("t");
        let holder = h.alloc_layout(WEAK, 2, 0, SlotLayout::Weak).unwrap();
        let holder = root(&mut h, holder);
        h.pop_frame(f).unwrap();
        gc(&mut h, CollectionKind::Major); // the holder is old now
        assert_eq!(h.space_of(&holder).unwrap(), SpaceKind::Old);
        let f = h.push_frame("t");
        let young = h.alloc(NODE, 0, 0).unwrap();
        let kept = h.alloc(NODE, 0, 0).unwrap();
        assert_eq!(h.space_of(young).unwrap(), SpaceKind::Young);
        h.set(&holder, 0, young).unwrap(); // old → young, weakly: the barrier remembers it
        h.set(&holder, 1, kept).unwrap();
        let kept = root(&mut h, kept);
        h.pop_frame(f).unwrap();
        gc(&mut h, CollectionKind::Minor);
        assert!(
            cleared(&mut h, &holder, 0),
            "{plan:?}: the dead nursery object is cleared"
        );
        let k = h.get(&holder, 1).unwrap().as_ref().expect("kept");
        assert!(
            h.same_object(k, &kept).unwrap(),
            "{plan:?}: the moved one is updated"
        );
        assert_eq!(
            h.space_of(k).unwrap(),
            SpaceKind::Young,
            "{plan:?}: a minor collection"
        );
    }
}

#[test]
fn large_objects_are_held_weakly_too() {
    for plan in Plan::ALL {
        let mut h = heap(plan);
        let f = h.push_frame("t");
        let big = h.alloc(NODE, 40_000, 0).unwrap();
        assert_eq!(h.space_of(big).unwrap(), SpaceKind::Large);
        let w = h.weak_ref(WEAK, big).unwrap();
        let w = root(&mut h, w);
        let big = root(&mut h, big);
        h.pop_frame(f).unwrap();
        gc(&mut h, CollectionKind::Major);
        assert!(!cleared(&mut h, &w, 0));
        h.release(big).unwrap();
        gc(&mut h, CollectionKind::Major);
        assert_eq!(cleared(&mut h, &w, 0), collects(plan), "{plan:?}");
    }
}

/// `table` maps k0 → k1 → k2 (a chain: each value is the next key) and c → [c] (a cycle
/// through the value); only k0 is rooted.
#[test]
fn ephemeron_chains_live_and_cycles_die() {
    for plan in Plan::ALL {
        for kind in [CollectionKind::Minor, CollectionKind::Major] {
            let mut h = heap(plan);
            let f = h.push_frame("t");
            let table = h.alloc_layout(TABLE, 8, 0, SlotLayout::Ephemeron).unwrap();
            let k: Vec<Handle> = (0..3).map(|_| h.alloc(NODE, 1, 0).unwrap()).collect();
            // Inserted in reverse so the fixed point needs more than one pass.
            h.ephemeron_insert(table, k[1], k[2]).unwrap();
            h.ephemeron_insert(table, k[0], k[1]).unwrap();
            let c = h.alloc(NODE, 1, 0).unwrap();
            let cv = h.alloc(NODE, 1, 0).unwrap();
            h.set(cv, 0, c).unwrap();
            h.ephemeron_insert(table, c, cv).unwrap();
            let table = root(&mut h, table);
            let k0 = root(&mut h, k[0]);
            h.pop_frame(f).unwrap();
            gc(&mut h, kind);
            gc(&mut h, CollectionKind::Major);
            h.scope("check", |h| {
                let v1 = h
                    .ephemeron_get(&table, &k0)?
                    .and_then(Value::as_ref)
                    .unwrap();
                let v2 = h.ephemeron_get(&table, v1)?.and_then(Value::as_ref);
                assert!(v2.is_some(), "{plan:?} {kind:?}: the chain lives");
                Ok::<_, gclab::HeapError>(())
            })
            .unwrap();
            let want = if collects(plan) { 2 } else { 3 };
            assert_eq!(
                h.ephemeron_len(&table).unwrap(),
                want,
                "{plan:?}: the cycle died"
            );
            h.release(k0).unwrap();
            gc(&mut h, CollectionKind::Major);
            let want = if collects(plan) { 0 } else { 3 };
            assert_eq!(
                h.ephemeron_len(&table).unwrap(),
                want,
                "{plan:?}: the chain died"
            );
        }
    }
}

#[test]
fn finalization_queues_the_held_value_once_and_unregister_cancels() {
    for plan in Plan::ALL {
        let mut h = heap(plan);
        let reg = h.new_finalization_registry();
        let f = h.push_frame("t");
        let token = h.alloc(NODE, 0, 0).unwrap();
        let token = root(&mut h, token);
        for i in 0..10 {
            let t = h.alloc(NODE, 0, 0).unwrap();
            let held = h.alloc(NODE, 1, 0).unwrap();
            h.set(held, 0, Value::Int(i)).unwrap();
            let tok = (i % 2 == 0).then(|| token.handle());
            h.register_finalizer(reg, t, held, tok).unwrap();
        }
        let t = h.alloc(NODE, 0, 0).unwrap();
        assert!(
            h.register_finalizer(reg, t, t, None).is_err(),
            "held != target"
        );
        h.pop_frame(f).unwrap();
        assert_eq!(h.unregister_finalizer(reg, token.handle()).unwrap(), 5);
        gc(&mut h, CollectionKind::Minor);
        gc(&mut h, CollectionKind::Major);
        let done = h.take_finalized();
        if !collects(plan) {
            assert!(done.is_empty());
            continue;
        }
        let mut got: Vec<i32> = done
            .iter()
            .map(|d| {
                assert_eq!(d.registry, reg);
                h.scope("held", |h| h.get(&d.held, 0))
                    .unwrap()
                    .as_int()
                    .unwrap()
            })
            .collect();
        got.sort();
        assert_eq!(got, vec![1, 3, 5, 7, 9], "{plan:?}");
        assert_eq!(h.finalizer_count(), 0);
        gc(&mut h, CollectionKind::Major);
        assert!(h.take_finalized().is_empty(), "{plan:?}: once");
    }
}

struct Handle2(Arc<AtomicUsize>);
impl Drop for Handle2 {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn host_values_are_found_across_moves_and_dropped_after_the_collection() {
    for plan in Plan::ALL {
        let closed = Arc::new(AtomicUsize::new(0));
        let mut h = heap(plan);
        let f = h.push_frame("t");
        let keep = h.alloc(NODE, 0, 0).unwrap();
        h.attach_host(keep, Handle2(closed.clone())).unwrap();
        for _ in 0..20 {
            let o = h.alloc(NODE, 0, 0).unwrap();
            h.attach_host(o, Handle2(closed.clone())).unwrap();
        }
        let keep = root(&mut h, keep);
        h.pop_frame(f).unwrap();
        gc(&mut h, CollectionKind::Minor);
        gc(&mut h, CollectionKind::Major);
        assert!(
            h.host_ref::<Handle2>(keep.handle()).unwrap().is_some(),
            "{plan:?}"
        );
        let want = if collects(plan) { 20 } else { 0 };
        assert_eq!(closed.load(Ordering::SeqCst), want, "{plan:?}");
        assert_eq!(h.host_count(), 21 - want);
    }
}
