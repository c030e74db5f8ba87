//! Labelled root-source slots and interned globals.

use gclab::{CollectionKind, Heap, HeapError, RawValue, RootKind, RootSource, RootVisitor, Value};

struct Vm {
    counter: RawValue,
    stack: Vec<RawValue>,
    plain: RawValue,
}

// SAFETY: every slot is shown to the visitor, and the test stores only live words.
unsafe impl RootSource for Vm {
    fn visit_roots(&mut self, v: &mut RootVisitor<'_>) {
        v.visit_labelled(
            &mut self.counter,
            RootKind::Global,
            format_args!("global counter"),
        );
        v.visit_range(&mut self.stack, RootKind::StackFrame, "operand stack");
        v.visit(&mut self.plain);
    }
}

#[test]
fn diagnostics_use_the_labels_a_source_gives() -> Result<(), HeapError> {
    let mut heap = Heap::new()?;
    let words: Vec<RawValue> = (0..5)
        .map(|_| heap.alloc_raw(1, 1, 0))
        .collect::<Result<_, _>>()?;
    let vm = Vm {
        counter: words[0],
        stack: words[1..4].to_vec(),
        plain: words[4],
    };
    let id = heap.add_root_source(RootKind::External, "vm", vm);
    heap.collect(CollectionKind::Minor);
    let g = heap.graph();
    let labels: Vec<String> = g
        .roots
        .iter()
        .map(|r| format!("[{}] {}", r.kind, r.label))
        .collect();
    assert_eq!(
        labels,
        [
            "[global] global counter",
            "[stack frame] operand stack[0]",
            "[stack frame] operand stack[1]",
            "[stack frame] operand stack[2]",
            "[external] vm[4]",
        ]
    );
    // The collector still updated every slot, labelled or not.
    let vm = heap.root_source_mut(&id).unwrap();
    let moved: Vec<RawValue> = [vm.counter, vm.plain].into();
    assert!(moved.iter().all(|w| !words.contains(w)));
    heap.verify().expect("verifies");
    Ok(())
}

#[test]
fn interned_globals_read_and_write_by_id() -> Result<(), HeapError> {
    let mut heap = Heap::new()?;
    let g = heap.global_id("list");
    assert_eq!(heap.get_global(g)?, Value::Undefined);
    assert_eq!(heap.global_id("list"), g, "interning is idempotent");
    let cell = heap.alloc(1, 1, 0)?;
    heap.set(cell, 0, Value::Int(5))?;
    heap.put_global(g, cell)?;
    let f = heap.push_frame("f");
    heap.collect(CollectionKind::Major);
    assert_eq!(heap.get(g.handle(), 0)?, Value::Int(5));
    assert!(heap.global_raw(g)?.is_ref());
    heap.pop_frame(f)?;
    assert!(heap.remove_global("list"));
    assert_eq!(heap.get_global(g), Err(HeapError::StaleHandle));
    let other = Heap::new()?.global_id("list");
    assert_eq!(heap.get_global(other), Err(HeapError::WrongHeap));
    Ok(())
}

#[test]
fn why_alive_names_every_root_but_the_handle_asked_with() -> Result<(), HeapError> {
    let mut heap = Heap::new()?;
    heap.register_type(1, "Box", &["value"]);
    heap.register_type(2, "Leaf", &[]);
    let f = heap.push_frame("main");
    let leaf = heap.alloc(2, 0, 0)?;
    let why = heap.why_alive(leaf)?;
    assert!(why.path.is_none() && why.roots.is_empty());
    assert!(
        why.to_string()
            .ends_with("is held only by the handle asked with"),
        "{why}"
    );

    let boxed = heap.alloc(1, 1, 0)?;
    heap.set(boxed, 0, leaf)?;
    heap.set_global("config", boxed)?;
    let mut stack = heap.root_stack("operand stack");
    heap.stack_push(&mut stack, Value::Int(0))?;
    heap.stack_push(&mut stack, leaf)?;
    let timer = heap.root(RootKind::Timer, "tick", boxed)?;
    let why = heap.why_alive(leaf)?;
    let roots: Vec<String> = why
        .roots
        .iter()
        .map(|r| format!("[{}] {}", r.kind, r.label))
        .collect();
    // `boxed` is still a local of main (#1); `leaf` itself (#0) is the handle asked with.
    assert_eq!(
        roots,
        [
            "[global] config",
            "[timer] tick",
            "[stack frame] main local #1",
            "[stack frame] operand stack[1]",
        ]
    );
    // The shortest path: the stack slot holds the leaf directly.
    assert_eq!(
        why.path.unwrap().folded().to_string(),
        "[stack frame] operand stack[1] → Leaf (16 B)"
    );
    stack.truncate(0);
    let why = heap.why_alive(leaf)?;
    assert_eq!(
        why.path.unwrap().folded().to_string(),
        "[global] config → Box .value → Leaf (16 B)"
    );
    heap.release(timer)?;
    heap.pop_frame(f)?;
    assert_eq!(heap.why_alive(leaf), Err(HeapError::StaleHandle));
    Ok(())
}

#[test]
fn escape_variants_return_handles_and_immediates() -> Result<(), HeapError> {
    let mut heap = Heap::new()?;
    let f = heap.push_frame_static("f");
    let x = heap.local(Value::Int(3))?;
    assert_eq!(
        heap.pop_frame_escape_handle(f, x),
        Err(HeapError::NotAnObject)
    );
    assert_eq!(heap.frame_depth(), 1, "nothing popped on error");
    let o = heap.alloc(1, 1, 0)?;
    let kept = heap.pop_frame_escape_handle(f, o)?;
    assert_eq!(heap.frame_depth(), 0);
    assert_eq!(heap.slot_count(kept)?, 1);
    let r = heap.scope_static("s", |h| {
        let g = h.push_frame_static("g");
        h.pop_frame_return(g, Value::Bool(true))
    })?;
    assert_eq!(r, Value::Bool(true));
    assert_eq!(heap.frame_depth(), 0);
    Ok(())
}

#[test]
fn find_roots_what_a_view_walk_found_and_refuses_other_heaps() -> Result<(), HeapError> {
    let mut heap = Heap::new()?;
    let a = heap.alloc(1, 1, 0)?;
    let b = heap.alloc(1, 0, 0)?;
    heap.set(a, 0, b)?;
    assert_eq!(
        heap.find(a, |v| v.get_ref(0).and_then(|b| b.get_ref(0)))?,
        None
    );
    let found = heap.find(a, |v| v.get_ref(0))?.unwrap();
    heap.collect(CollectionKind::Minor);
    assert!(heap.same_object(found, b)?);
    // A view of a leaked heap lives for 'static and could be smuggled out of the closure.
    let other: &'static mut Heap = Box::leak(Box::new(Heap::new()?));
    let o = other.alloc(1, 0, 0)?;
    let foreign = other.view(o)?;
    assert_eq!(heap.find(a, |_| Some(foreign)), Err(HeapError::WrongHeap));
    Ok(())
}
