//! Weak processing under every plan, small enough for Miri: weak slots cleared and updated,
//! an ephemeron chain kept and a cycle collected, a finalizer queued, a host value dropped
//! after the collection.

use crate::{CollectionKind, Heap, HeapConfig, Plan, RootKind, SlotLayout, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

fn heap(plan: Plan) -> Heap {
    let mut cfg = HeapConfig::for_plan(plan);
    cfg.max_heap = 256 * 1024;
    cfg.nursery_size = 16 * 1024;
    cfg.min_major_threshold = 32 * 1024;
    Heap::with_config(cfg).unwrap()
}

struct Count(Arc<AtomicUsize>);
impl Drop for Count {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn weak_processing_under_every_plan() {
    for plan in Plan::ALL {
        for kind in [CollectionKind::Minor, CollectionKind::Major] {
            let mut h = heap(plan);
            let dropped = Arc::new(AtomicUsize::new(0));
            let reg = h.new_finalization_registry();
            let f = h.push_frame("t");
            let live = h.alloc(1, 1, 0).unwrap();
            let dead = h.alloc(1, 1, 0).unwrap();
            let w = h.alloc_layout(2, 2, 0, SlotLayout::Weak).unwrap();
            h.set(w, 0, live).unwrap();
            h.set(w, 1, dead).unwrap();
            // Chain live → a → b stored b-first, and a cycle c → [c].
            let t = h.alloc_layout(3, 6, 0, SlotLayout::Ephemeron).unwrap();
            let a = h.alloc(1, 1, 0).unwrap();
            let b = h.alloc(1, 0, 0).unwrap();
            let c = h.alloc(1, 1, 0).unwrap();
            h.set(c, 0, c).unwrap();
            h.ephemeron_insert(t, a, b).unwrap();
            h.ephemeron_insert(t, live, a).unwrap();
            h.ephemeron_insert(t, c, c).unwrap();
            h.register_finalizer(reg, dead, Value::Int(5), None)
                .unwrap();
            h.attach_host(dead, Count(dropped.clone())).unwrap();
            let roots: Vec<_> = [live, w, t]
                .into_iter()
                .map(|x| h.root(RootKind::Handle, "r", x).unwrap())
                .collect();
            h.pop_frame(f).unwrap();
            h.collect(kind);
            h.collect(CollectionKind::Major);
            h.verify().unwrap();
            let collects = plan != Plan::NoGc;
            h.scope("check", |h| {
                let got = h.get(&roots[1], 0)?.as_ref().unwrap();
                assert!(h.same_object(got, &roots[0])?, "{plan:?}");
                assert_eq!(h.get(&roots[1], 1)? == Value::Undefined, collects);
                assert_eq!(h.ephemeron_len(&roots[2])?, if collects { 2 } else { 3 });
                let a = h.ephemeron_get(&roots[2], &roots[0])?.unwrap();
                let a = a.as_ref().unwrap();
                assert!(h.ephemeron_get(&roots[2], a)?.is_some(), "{plan:?}: chain");
                Ok::<_, crate::HeapError>(())
            })
            .unwrap();
            let done = h.take_finalized();
            assert_eq!(done.len(), usize::from(collects), "{plan:?}");
            assert_eq!(dropped.load(Ordering::SeqCst), usize::from(collects));
        }
    }
}
