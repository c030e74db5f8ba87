//! The runtime's call stack, closures and globals against the heap.

use gclab::{CollectionKind, HeapConfig, Plan, RootKind, Value};
use gclab_mutator::runtime::{RtError, Runtime, DEFAULT_MAX_DEPTH};

const BIG: usize = 200_000;

/// Live bytes after a full collection, with the heap verified.
fn live(rt: &mut Runtime) -> u64 {
    rt.heap.collect(CollectionKind::Major);
    rt.heap.verify().expect("heap invariants hold");
    rt.heap.occupied_bytes()
}

fn recurse(rt: &mut Runtime, this: gclab::Handle, args: &[Value]) -> Result<Value, RtError> {
    let n = match args.first() {
        Some(Value::Int(n)) => *n,
        _ => 0,
    };
    // A local per frame, so unwinding has something to release.
    let _node = rt.object(gclab_mutator::runtime::tags::OBJECT, &[Value::Int(n)])?;
    rt.invoke(this, &[Value::Int(n + 1)])
}

#[test]
fn stack_overflow_is_an_error_and_the_stack_unwinds() {
    let mut rt = Runtime::new(HeapConfig::default()).unwrap();
    assert_eq!(rt.max_depth(), DEFAULT_MAX_DEPTH);
    // Recursion through closures (host recursion), with a limit the test thread's stack fits.
    rt.set_max_depth(300);
    let frames_before = rt.heap.frame_depth();
    let locals_before = rt.heap.local_count();
    let f = rt.closure("recurse", recurse, None).unwrap();
    for _ in 0..3 {
        match rt.invoke(f, &[Value::Int(0)]) {
            Err(RtError::StackOverflow { depth }) => assert_eq!(depth, 300),
            other => panic!("expected a stack overflow, got {other:?}"),
        }
        assert_eq!(rt.depth(), 0);
        assert_eq!(rt.heap.frame_depth(), frames_before);
        assert_eq!(rt.heap.local_count(), locals_before + 1);
        live(&mut rt);
    }
    // The runtime is still usable: a bounded call works and returns its value.
    let v = rt
        .call("after", |rt| {
            let o = rt.object(gclab_mutator::runtime::tags::OBJECT, &[Value::Int(7)])?;
            Ok(o.into())
        })
        .unwrap();
    let o = v.as_ref().unwrap();
    assert_eq!(rt.heap.get(o, 0).unwrap(), Value::Int(7));
    live(&mut rt);
}

#[test]
fn default_depth_overflow_with_enter_and_leave() {
    let mut rt = Runtime::new(HeapConfig::default()).unwrap();
    let mut frames = Vec::new();
    let err = loop {
        match rt.enter("walk") {
            Ok(f) => frames.push(f),
            Err(e) => break e,
        }
        rt.buffer(64, 1).unwrap();
    };
    assert!(matches!(
        err,
        RtError::StackOverflow {
            depth: DEFAULT_MAX_DEPTH
        }
    ));
    assert_eq!(frames.len(), DEFAULT_MAX_DEPTH);
    assert!(err.to_string().contains("Maximum call stack size exceeded"));
    assert!(live(&mut rt) >= 64 * DEFAULT_MAX_DEPTH as u64);
    while let Some(f) = frames.pop() {
        rt.leave(f).unwrap();
    }
    assert_eq!(rt.depth(), 0);
    assert_eq!(live(&mut rt), 0, "every frame's locals were released");
    // Calls work again after the overflow.
    rt.enter("again").map(|f| rt.leave(f)).unwrap().unwrap();
}

fn read_big(rt: &mut Runtime, this: gclab::Handle, _: &[Value]) -> Result<Value, RtError> {
    let big = rt.env_get(this, 0)?;
    let b = big.as_ref().unwrap();
    Ok(Value::Int(rt.heap.bytes(b)?.len() as i32))
}

#[test]
fn environment_lives_exactly_as_long_as_a_closure_that_captured_it() {
    for plan in Plan::ALL.into_iter().filter(|p| *p != Plan::NoGc) {
        let mut rt = Runtime::new(HeapConfig::for_plan(plan)).unwrap();
        let top = rt.heap.push_frame("test");
        // function makeReader() { const bigData = Buffer.alloc(BIG); return () => bigData.length; }
        let reader = rt
            .call("makeReader", |rt| {
                let big = rt.buffer(BIG, 3)?;
                let env = rt.new_env(&["bigData"], &[big.into()])?;
                Ok(rt.closure("reader", read_big, Some(env))?.into())
            })
            .unwrap()
            .as_ref()
            .unwrap();
        // The frame is gone; the closure keeps the environment and the buffer.
        assert!(
            live(&mut rt) >= BIG as u64,
            "{plan}: env survives its frame"
        );
        assert!(rt.is_closure(reader));
        assert_eq!(rt.invoke(reader, &[]).unwrap(), Value::Int(BIG as i32));
        // Two closures share the env: dropping one keeps it.
        let env = rt.env_of(reader).unwrap().unwrap();
        let other = rt.closure("reader", read_big, Some(env)).unwrap();
        rt.heap.set_local(env, Value::Undefined).unwrap();
        rt.heap.set_local(reader, Value::Undefined).unwrap();
        assert!(
            live(&mut rt) >= BIG as u64,
            "{plan}: the other closure holds it"
        );
        assert_eq!(rt.invoke(other, &[]).unwrap(), Value::Int(BIG as i32));
        // No closure left: the environment and its buffer are collected.
        rt.heap.set_local(other, Value::Undefined).unwrap();
        assert!(
            live(&mut rt) < 1024,
            "{plan}: env collected with its last closure"
        );
        rt.heap.pop_frame(top).unwrap();
    }
}

#[test]
fn closures_and_envs_have_readable_type_names() {
    let mut rt = Runtime::new(HeapConfig::default()).unwrap();
    let top = rt.heap.push_frame("test");
    let env = rt.new_env(&["bigData"], &[Value::Int(1)]).unwrap();
    let f = rt.closure("tick", read_big, Some(env)).unwrap();
    let tag = rt.heap.type_tag(f).unwrap();
    assert_eq!(&*rt.heap.type_info(tag).unwrap().name, "Closure tick");
    assert_eq!(&*rt.heap.type_info(tag).unwrap().slot_names[0], "env");
    let etag = rt.heap.type_tag(env).unwrap();
    let info = rt.heap.type_info(etag).unwrap();
    assert_eq!((&*info.name, &*info.slot_names[0]), ("Env", "bigData"));
    // Same name, same type; a non-function is not callable.
    let g = rt.closure("tick", read_big, None).unwrap();
    assert_eq!(rt.heap.type_tag(g).unwrap(), tag);
    assert!(matches!(rt.invoke(env, &[]), Err(RtError::Thrown(_))));
    rt.heap.pop_frame(top).unwrap();
}

#[test]
fn accidental_global_is_a_global_root() {
    let mut rt = Runtime::new(HeapConfig::default()).unwrap();
    let top = rt.heap.push_frame("handler");
    let arr = rt.array_new(4).unwrap();
    let big = rt.buffer(BIG, 0).unwrap();
    rt.array_push(arr, big).unwrap();
    rt.accidental_global("leaked", arr).unwrap();
    rt.heap.pop_frame(top).unwrap();
    // Only the global holds it now.
    assert!(live(&mut rt) >= BIG as u64);
    let name = Runtime::accidental_global_name("leaked");
    assert!(rt.heap.global_names().iter().any(|n| **n == *name));
    let graph = rt.heap.graph();
    let root = graph
        .roots
        .iter()
        .find(|r| r.kind == RootKind::Global)
        .expect("a global root");
    assert_eq!(&*root.label, "leaked (accidental)");
    let f = rt.heap.push_frame("read");
    assert!(rt.accidental("leaked").is_some());
    rt.heap.pop_frame(f).unwrap();
    assert!(rt.heap.remove_global(&name));
    assert!(live(&mut rt) < 1024);
}

#[test]
fn arrays_grow_and_shrink() {
    let mut rt = Runtime::new(HeapConfig::default()).unwrap();
    let top = rt.heap.push_frame("test");
    let a = rt.array_new(1).unwrap();
    for i in 0..1000 {
        rt.array_push(a, Value::Int(i)).unwrap();
        if i % 100 == 0 {
            rt.heap.collect(CollectionKind::Minor);
        }
    }
    assert_eq!(rt.array_len(a).unwrap(), 1000);
    assert_eq!(rt.array_get(a, 999).unwrap(), Value::Int(999));
    rt.array_remove(a, 0).unwrap();
    assert_eq!(rt.array_get(a, 0).unwrap(), Value::Int(1));
    assert_eq!(rt.array_len(a).unwrap(), 999);
    assert_eq!(rt.array_get(a, 5000).unwrap(), Value::Undefined);
    rt.array_clear(a).unwrap();
    assert_eq!(rt.array_len(a).unwrap(), 0);
    live(&mut rt);
    rt.heap.pop_frame(top).unwrap();
}
