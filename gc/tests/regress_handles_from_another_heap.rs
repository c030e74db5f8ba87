//! Issue: a `Handle`, `Frame`, `Persistent` or `SourceId` of heap A used on heap B read B's
//! object, popped B's frame or released B's root (A's root then leaked). Every one of them
//! now carries its heap's id: B refuses it with `WrongHeap` and changes nothing.

use gclab::{
    CollectionKind, Heap, HeapConfig, HeapError, Plan, RawValue, RootKind, RootSource, RootVisitor,
    Value,
};

struct Stack(Vec<RawValue>);

// SAFETY: the stack only ever holds immediates in this test.
unsafe impl RootSource for Stack {
    fn visit_roots(&mut self, visitor: &mut RootVisitor<'_>) {
        visitor.visit_all(&mut self.0);
    }
}

fn small(plan: Plan) -> Heap {
    let mut cfg = HeapConfig::for_plan(plan);
    cfg.nursery_size = 64 * 1024;
    cfg.max_heap = 16 << 20;
    Heap::with_config(cfg).unwrap()
}

#[test]
fn handles_from_another_heap_are_refused() {
    for plan in Plan::ALL {
        let (mut a, mut b) = (small(plan), small(plan));
        // Both heaps hand out the same indices and check numbers: only the heap id differs.
        let ha = a.alloc(1, 2, 8).unwrap();
        let hb = b.alloc(1, 2, 8).unwrap();
        a.set(ha, 0, Value::Int(-1)).unwrap();
        b.set(hb, 0, Value::Int(7)).unwrap();

        assert_eq!(b.get(ha, 0), Err(HeapError::WrongHeap), "{plan}");
        assert_eq!(b.set(ha, 0, Value::Int(3)), Err(HeapError::WrongHeap));
        assert_eq!(b.set(hb, 1, ha), Err(HeapError::WrongHeap));
        assert_eq!(b.bytes(ha).err(), Some(HeapError::WrongHeap));
        assert_eq!(b.local(ha), Err(HeapError::WrongHeap));
        assert_eq!(b.get(hb, 0), Ok(Value::Int(7)), "B's object is untouched");
        assert_eq!(b.get(hb, 1), Ok(Value::Undefined));
        assert_eq!(a.get(ha, 0), Ok(Value::Int(-1)));
        assert!(b.describe_root(ha).is_none());
    }
}

#[test]
fn frames_from_another_heap_are_refused() {
    let (mut a, mut b) = (Heap::new().unwrap(), Heap::new().unwrap());
    let fa = a.push_frame("a");
    let fb = b.push_frame("b");
    assert_eq!(b.pop_frame(fa), Err(HeapError::WrongHeap));
    assert_eq!(b.frame_depth(), 1, "B's frame is still pushed");
    b.pop_frame(fb).unwrap();
    a.pop_frame(fa).unwrap();
    assert_eq!((a.frame_depth(), b.frame_depth()), (0, 0));
}

#[test]
fn persistent_roots_from_another_heap_are_refused_and_released_at_home() {
    for plan in Plan::ALL {
        let (mut a, mut b) = (small(plan), small(plan));
        let f = a.push_frame("make");
        let obj = a.alloc(1, 0, 64).unwrap();
        let pa = a.root(RootKind::Timer, "a's timer", obj).unwrap();
        a.pop_frame(f).unwrap();
        let f = b.push_frame("make");
        let obj = b.alloc(1, 0, 64).unwrap();
        let pb = b.root(RootKind::Timer, "b's timer", obj).unwrap();
        b.pop_frame(f).unwrap();

        assert_eq!(b.release(pa), Err(HeapError::WrongHeap), "{plan}");
        assert_eq!(b.persistent_count(), 1, "B's root is not released");
        b.collect(CollectionKind::Major);
        b.verify().unwrap();
        assert_eq!(
            b.get(&pb, 0).err(),
            Some(HeapError::SlotOutOfBounds { index: 0, len: 0 })
        );
        if plan != Plan::NoGc {
            assert_eq!(b.usage().objects(), 1, "B's rooted object survives");
        }
        // The refused root was dropped, which queues its release on A: it does not leak.
        assert_eq!(a.persistent_count(), 0);
        a.collect(CollectionKind::Major);
        a.verify().unwrap();
        if plan != Plan::NoGc {
            assert_eq!(a.usage().objects(), 0, "A's object is freed");
        }
    }
}

#[test]
fn root_sources_from_another_heap_are_refused() {
    let (mut a, mut b) = (Heap::new().unwrap(), Heap::new().unwrap());
    let sa = a.add_root_source(RootKind::External, "a", Stack(vec![RawValue::int(1)]));
    let sb = b.add_root_source(RootKind::External, "b", Stack(vec![RawValue::int(2)]));
    assert!(b.root_source_mut(&sa).is_none());
    assert!(b.remove_root_source(sa).is_none());
    assert_eq!(b.root_source_count(), 1, "B's source is still registered");
    assert_eq!(b.root_source_mut(&sb).unwrap().0, vec![RawValue::int(2)]);
    assert_eq!(a.remove_root_source(sa).unwrap().0, vec![RawValue::int(1)]);
}
