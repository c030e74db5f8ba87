//! Root stacks: their slots survive and follow moving collections under every plan, safe
//! operations check the stack's heap, and a dropped stack stops being a root.

use gclab::{CollectionKind, Heap, HeapConfig, HeapError, Immediate, Plan, RawValue, Value};

const PAIR: u16 = 1;

/// Builds the list (0 1 … n-1) on the stack with the safe stack operations.
fn build_list(heap: &mut Heap, stack: &mut gclab::RootStack, n: i32) -> Result<(), HeapError> {
    stack.push_immediate(Immediate::Null);
    for i in (0..n).rev() {
        let base = stack.len() - 1;
        heap.alloc_on(stack, PAIR, 2, 0)?;
        stack.push_immediate(Immediate::Int(i));
        heap.stack_set_slot(stack, base + 1, 0, base + 2)?;
        heap.stack_set_slot(stack, base + 1, 1, base)?;
        stack.truncate(base + 2);
        assert!(stack.copy(base + 1, base));
        stack.truncate(base + 1);
    }
    Ok(())
}

#[test]
fn stack_slots_survive_and_follow_collections_under_every_plan() -> Result<(), HeapError> {
    for plan in Plan::ALL {
        let mut heap = Heap::with_config(HeapConfig::for_plan(plan))?;
        let mut stack = heap.root_stack("operand stack");
        build_list(&mut heap, &mut stack, 1000)?;
        heap.collect(CollectionKind::Minor);
        heap.collect(CollectionKind::Major);
        heap.verify().expect("heap verifies");
        // Walk the list through the stack only.
        let mut sum = 0;
        for _ in 0..1000 {
            heap.stack_get_slot(&mut stack, 0, 0)?;
            sum += heap.stack_value(&stack, 1)?.as_int().unwrap();
            heap.stack_get_slot(&mut stack, 0, 1)?;
            assert!(stack.copy(2, 0));
            stack.truncate(1);
        }
        assert_eq!(sum, (0..1000).sum::<i32>(), "{plan:?}");
        assert_eq!(heap.stack_value(&stack, 0)?, Value::Null);
    }
    Ok(())
}

#[test]
fn raw_pushes_are_kept_up_to_date() -> Result<(), HeapError> {
    let mut heap = Heap::new()?;
    let mut stack = heap.root_stack("s");
    let a = heap.alloc_raw(PAIR, 2, 0)?;
    // SAFETY: `a` is fresh from this heap's raw path.
    unsafe {
        heap.set_raw(a, 0, RawValue::int(7))?;
        stack.push(a);
    }
    heap.collect(CollectionKind::Minor);
    let moved = stack.get(0).unwrap();
    assert!(
        heap.moves_objects() && moved != a,
        "the nursery moved the pair"
    );
    // SAFETY: `moved` sits on the stack, which the collector updated.
    assert_eq!(unsafe { heap.get_raw(moved, 0)? }, RawValue::int(7));
    Ok(())
}

#[test]
fn a_dropped_stack_is_no_longer_a_root() -> Result<(), HeapError> {
    let mut heap = Heap::new()?;
    let mut stack = heap.root_stack("s");
    heap.alloc_on(&mut stack, PAIR, 2, 0)?;
    heap.collect(CollectionKind::Major);
    assert_eq!(heap.usage().objects(), 1);
    assert_eq!(heap.root_stack_count(), 1);
    drop(stack);
    assert_eq!(heap.root_stack_count(), 0);
    heap.collect(CollectionKind::Major);
    assert_eq!(heap.usage().objects(), 0);
    Ok(())
}

#[test]
fn stacks_of_another_heap_and_bad_indices_are_refused() -> Result<(), HeapError> {
    let mut a = Heap::new()?;
    let mut b = Heap::new()?;
    let mut sa = a.root_stack("a");
    a.alloc_on(&mut sa, PAIR, 2, 0)?;
    assert_eq!(b.stack_handle(&sa, 0), Err(HeapError::WrongHeap));
    assert_eq!(b.alloc_on(&mut sa, PAIR, 1, 0), Err(HeapError::WrongHeap));
    assert_eq!(sa.len(), 1, "nothing pushed by the refused call");
    assert_eq!(
        a.stack_value(&sa, 5),
        Err(HeapError::StackOutOfBounds { index: 5, len: 1 })
    );
    sa.push_immediate(Immediate::Int(3));
    assert_eq!(a.stack_handle(&sa, 1), Err(HeapError::NotAnObject));
    assert_eq!(a.stack_set_slot(&sa, 1, 0, 0), Err(HeapError::NotAnObject));
    assert!(matches!(
        a.stack_set_slot(&sa, 0, 2, 1),
        Err(HeapError::SlotOutOfBounds { index: 2, len: 2 })
    ));
    Ok(())
}

#[test]
fn diagnostics_name_stack_slots() -> Result<(), HeapError> {
    let mut heap = Heap::new()?;
    let mut stack = heap.root_stack("operand stack");
    stack.push_immediate(Immediate::Int(1));
    heap.alloc_on(&mut stack, PAIR, 2, 0)?;
    let g = heap.graph();
    assert_eq!(g.roots.len(), 1);
    assert_eq!(&*g.roots[0].label, "operand stack[1]");
    Ok(())
}
