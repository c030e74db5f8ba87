//! Issue: a `RootSource::visit_roots` that panicked during `collect` was visited after the
//! locals and persistent roots had been evacuated; once the panic was caught, `verify()`
//! failed under every plan, a persistent read `Int(0)` where `Int(-1)` was stored, and
//! `bytes()` could return a 241 MB slice over a 32-byte object. The panic is now caught where
//! the source is called: the collection finishes without the slots the source did not show,
//! the source is unregistered and dropped, and then the panic resumes.

use gclab::{
    CollectionKind, Heap, HeapConfig, Plan, RawValue, RootKind, RootSource, RootVisitor, Value,
};
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

/// A stack of raw words that panics on its `panic_at`-th visited slot once armed.
struct Explosive {
    slots: Vec<RawValue>,
    armed: Rc<Cell<bool>>,
    panic_at: usize,
    dropped: Rc<Cell<bool>>,
}

// SAFETY: `slots` holds immediates and references obtained from this heap right before a
// collection (the test reads them with `raw` and collects at once).
unsafe impl RootSource for Explosive {
    fn visit_roots(&mut self, visitor: &mut RootVisitor<'_>) {
        for (i, s) in self.slots.iter_mut().enumerate() {
            if self.armed.get() && i == self.panic_at {
                panic!("root source fails mid-visit");
            }
            visitor.visit(s);
        }
    }
}

impl Drop for Explosive {
    fn drop(&mut self) {
        self.dropped.set(true);
    }
}

fn heap(plan: Plan) -> Heap {
    let mut cfg = HeapConfig::for_plan(plan);
    cfg.nursery_size = 64 * 1024;
    cfg.max_heap = 16 << 20;
    cfg.min_major_threshold = 1 << 20;
    Heap::with_config(cfg).unwrap()
}

#[test]
fn panicking_root_source_leaves_the_heap_whole() {
    for plan in Plan::ALL {
        for kind in [CollectionKind::Minor, CollectionKind::Major] {
            for panic_at in [0, 1, 3] {
                run(plan, kind, panic_at);
            }
        }
    }
}

fn run(plan: Plan, kind: CollectionKind, panic_at: usize) {
    let what = format!("{plan} {kind:?} panic at slot {panic_at}");
    let mut h = heap(plan);
    let frame = h.push_frame("test");
    let local = h.alloc(1, 1, 32).unwrap();
    h.bytes_mut(local).unwrap().fill(7);
    let p_obj = h.alloc(1, 1, 0).unwrap();
    h.set(p_obj, 0, Value::Int(-1)).unwrap();
    let persistent = h.root(RootKind::Timer, "timer", p_obj).unwrap();
    let mut objects = Vec::new();
    for i in 0..4 {
        let o = h.alloc(2, 1, 16).unwrap();
        h.set(o, 0, Value::Int(i)).unwrap();
        objects.push(o);
    }
    // Raw words are read after the last allocation (which may collect), right before the
    // source takes them.
    let slots: Vec<RawValue> = objects.iter().map(|&o| h.raw(o).unwrap()).collect();
    let armed = Rc::new(Cell::new(false));
    let dropped = Rc::new(Cell::new(false));
    let id = h.add_root_source(
        RootKind::External,
        "explosive",
        Explosive {
            slots,
            armed: Rc::clone(&armed),
            panic_at,
            dropped: Rc::clone(&dropped),
        },
    );
    // Give the objects an age first, then break the source.
    h.collect(CollectionKind::Minor);
    h.verify().unwrap();
    armed.set(true);

    let r = catch_unwind(AssertUnwindSafe(|| h.collect(kind)));
    if plan == Plan::NoGc {
        assert!(
            r.is_ok(),
            "{what}: no-gc never collects, so never visits the source"
        );
        assert_eq!(h.root_source_count(), 1);
        return;
    }
    assert!(r.is_err(), "{what}: the source's panic reaches the caller");
    assert!(dropped.get(), "{what}: the panicking source was dropped");
    assert_eq!(h.root_source_count(), 0, "{what}");
    assert!(h.root_source_mut(&id).is_none(), "{what}");
    h.verify().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(h.get(&persistent, 0), Ok(Value::Int(-1)), "{what}");
    assert_eq!(h.bytes(local).unwrap(), &[7u8; 32][..], "{what}");
    // The heap goes on working: allocate, collect, verify.
    for _ in 0..1000 {
        h.alloc(1, 2, 8).unwrap();
    }
    h.collect(CollectionKind::Major);
    h.verify().unwrap_or_else(|e| panic!("{what}: {e}"));
    h.pop_frame(frame).unwrap();
    h.release(persistent).unwrap();
    h.collect(CollectionKind::Major);
    h.verify().unwrap();
    if plan != Plan::NoGc {
        assert_eq!(h.usage().objects(), 0, "{what}: everything is collectable");
    }
}
