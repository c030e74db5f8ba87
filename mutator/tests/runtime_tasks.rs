//! Timers, immediates, microtasks, emitters and promises root their callbacks exactly as
//! long as Node keeps them.

use gclab::{CollectionKind, Handle, HeapConfig, RootKind, Value};
use gclab_mutator::runtime::{PValue, RtError, Runtime};

const BIG: usize = 200_000;

fn live(rt: &mut Runtime) -> u64 {
    rt.heap.collect(CollectionKind::Major);
    rt.heap.verify().expect("heap invariants hold");
    rt.heap.occupied_bytes()
}

fn root_labels(rt: &mut Runtime, kind: RootKind) -> Vec<String> {
    rt.heap
        .graph()
        .roots
        .iter()
        .filter(|r| r.kind == kind)
        .map(|r| r.label.to_string())
        .collect()
}

/// Counts its calls in the global `calls`.
fn count(rt: &mut Runtime, _this: Handle, _: &[Value]) -> Result<Value, RtError> {
    let n = match rt.global("calls") {
        Some(Value::Int(n)) => n,
        _ => 0,
    };
    rt.set_global("calls", Value::Int(n + 1))?;
    Ok(Value::Undefined)
}

fn calls(rt: &mut Runtime) -> i32 {
    match rt.global("calls") {
        Some(Value::Int(n)) => n,
        _ => 0,
    }
}

/// A closure named `name` over a fresh big buffer, as a local of the current frame.
fn big_closure(rt: &mut Runtime, name: &'static str) -> Handle {
    let big = rt.buffer(BIG, 1).unwrap();
    let env = rt.new_env(&["bigData"], &[big.into()]).unwrap();
    rt.closure(name, count, Some(env)).unwrap()
}

#[test]
fn interval_keeps_its_closure_until_cleared() {
    let mut rt = Runtime::new(HeapConfig::default()).unwrap();
    let f = rt.heap.push_frame("main");
    let cb = big_closure(&mut rt, "tick");
    let id = rt.set_interval(cb, 10).unwrap();
    rt.heap.pop_frame(f).unwrap();
    assert_eq!(root_labels(&mut rt, RootKind::Timer), ["interval timer #1"]);
    rt.run_loop(Some(100)).unwrap();
    assert_eq!(calls(&mut rt), 10);
    assert!(
        live(&mut rt) >= BIG as u64,
        "the interval holds the closure's env"
    );
    rt.clear_interval(id);
    assert_eq!(rt.pending_callbacks(), 0);
    assert!(
        live(&mut rt) < 1024,
        "a cleared interval's closure is collected"
    );
    assert!(root_labels(&mut rt, RootKind::Timer).is_empty());
    rt.run_loop(Some(200)).unwrap();
    assert_eq!(calls(&mut rt), 10);
}

fn clear_self(rt: &mut Runtime, this: Handle, _: &[Value]) -> Result<Value, RtError> {
    count(rt, this, &[])?;
    if calls(rt) == 3 {
        let Some(Value::Int(slot)) = rt.global("timerSlot") else {
            panic!("timer slot");
        };
        let id = *TIMER.lock().unwrap().get(slot as usize).unwrap();
        rt.clear_interval(id);
    }
    // The closure is still usable after its root went away.
    rt.env_get(this, 0)?;
    Ok(Value::Undefined)
}

static TIMER: std::sync::Mutex<Vec<gclab_mutator::event_loop::TimerId>> =
    std::sync::Mutex::new(Vec::new());

#[test]
fn interval_cleared_from_its_own_callback() {
    let mut rt = Runtime::new(HeapConfig::default()).unwrap();
    let f = rt.heap.push_frame("main");
    let big = rt.buffer(BIG, 1).unwrap();
    let env = rt.new_env(&["bigData"], &[big.into()]).unwrap();
    let cb = rt.closure("stopper", clear_self, Some(env)).unwrap();
    let id = rt.set_interval(cb, 5).unwrap();
    let slot = {
        let mut t = TIMER.lock().unwrap();
        t.push(id);
        t.len() - 1
    };
    rt.set_global("timerSlot", Value::Int(slot as i32)).unwrap();
    rt.heap.pop_frame(f).unwrap();
    rt.run_loop(None).unwrap();
    assert_eq!(calls(&mut rt), 3);
    assert!(live(&mut rt) < 1024);
}

#[test]
fn timeout_is_released_when_it_fires_or_is_cleared() {
    let mut rt = Runtime::new(HeapConfig::default()).unwrap();
    let f = rt.heap.push_frame("main");
    let a = big_closure(&mut rt, "later");
    let b = big_closure(&mut rt, "never");
    rt.set_timeout(a, 5).unwrap();
    let id = rt.set_timeout(b, 50).unwrap();
    rt.heap.pop_frame(f).unwrap();
    assert_eq!(
        root_labels(&mut rt, RootKind::Timer),
        ["timeout #1", "timeout #2"]
    );
    assert!(live(&mut rt) >= 2 * BIG as u64);
    rt.run_loop(Some(10)).unwrap();
    assert_eq!(calls(&mut rt), 1);
    let l = live(&mut rt);
    assert!(
        (BIG as u64..2 * BIG as u64).contains(&l),
        "fired timeout released: {l}"
    );
    rt.clear_timeout(id);
    assert!(live(&mut rt) < 1024);
    rt.run_loop(None).unwrap();
    assert_eq!(calls(&mut rt), 1);
}

#[test]
fn immediates_io_ticks_and_microtasks_are_rooted_until_run() {
    let mut rt = Runtime::new(HeapConfig::default()).unwrap();
    let f = rt.heap.push_frame("main");
    let cbs: Vec<Handle> = (0..4).map(|_| big_closure(&mut rt, "cb")).collect();
    rt.set_immediate(cbs[0]).unwrap();
    rt.schedule_io(cbs[1], 3).unwrap();
    rt.next_tick(cbs[2]).unwrap();
    rt.queue_microtask(cbs[3]).unwrap();
    let cancelled = big_closure(&mut rt, "cancelled");
    let io = rt.schedule_io(cancelled, 3).unwrap();
    rt.heap.pop_frame(f).unwrap();
    let labels = root_labels(&mut rt, RootKind::PendingCallback);
    assert_eq!(labels.len(), 5);
    assert!(labels.iter().any(|l| l == "nextTick"));
    assert!(labels.iter().any(|l| l == "microtask"));
    assert!(labels.iter().any(|l| l.starts_with("immediate #")));
    assert!(labels.iter().any(|l| l.starts_with("I/O callback #")));
    assert!(live(&mut rt) >= 5 * BIG as u64);
    rt.cancel_io(io);
    assert!(live(&mut rt) < 5 * BIG as u64);
    rt.run_loop(None).unwrap();
    assert_eq!(calls(&mut rt), 4);
    assert_eq!(rt.pending_callbacks(), 0);
    assert!(live(&mut rt) < 1024);
}

fn thrower(_rt: &mut Runtime, _this: Handle, _: &[Value]) -> Result<Value, RtError> {
    Err(RtError::Thrown("Error: boom".into()))
}

#[test]
fn a_throwing_callback_is_recorded_and_the_loop_goes_on() {
    let mut rt = Runtime::new(HeapConfig::default()).unwrap();
    let f = rt.heap.push_frame("main");
    let t = rt.closure("thrower", thrower, None).unwrap();
    let c = rt.closure("count", count, None).unwrap();
    rt.set_timeout(t, 1).unwrap();
    rt.set_timeout(c, 2).unwrap();
    rt.heap.pop_frame(f).unwrap();
    rt.run_loop(None).unwrap();
    assert_eq!(rt.uncaught, ["Uncaught Error: boom"]);
    assert_eq!(calls(&mut rt), 1);
    assert_eq!(rt.heap.frame_depth(), 0);
    live(&mut rt);
}

#[test]
fn emitter_off_frees_the_listener() {
    let mut rt = Runtime::new(HeapConfig::default()).unwrap();
    let f = rt.heap.push_frame("main");
    let em = rt.emitter_new().unwrap();
    rt.set_global("server", em).unwrap();
    let keep = big_closure(&mut rt, "keep");
    let drop = big_closure(&mut rt, "dropped");
    let once = big_closure(&mut rt, "once");
    rt.on(em, "data", keep).unwrap();
    rt.on(em, "data", drop).unwrap();
    rt.once(em, "data", once).unwrap();
    rt.on(em, "end", keep).unwrap();
    rt.heap.pop_frame(f).unwrap();
    let em = rt.global("server").unwrap().as_ref().unwrap();
    assert_eq!(rt.listener_count(em, "data").unwrap(), 3);
    assert!(live(&mut rt) >= 3 * BIG as u64);
    assert!(rt.emit(em, "data", &[Value::Int(1)]).unwrap());
    assert_eq!(calls(&mut rt), 3);
    assert_eq!(
        rt.listener_count(em, "data").unwrap(),
        2,
        "once listener removed"
    );
    assert!(live(&mut rt) < 3 * BIG as u64);
    let f = rt.heap.push_frame("off");
    let ls = rt.heap.get(em, 0).unwrap().as_ref().unwrap();
    let l = rt.array_get(ls, 1).unwrap().as_ref().unwrap();
    let cb = rt.heap.get(l, 1).unwrap().as_ref().unwrap();
    assert!(rt.off(em, "data", cb).unwrap());
    assert!(!rt.off(em, "data", cb).unwrap(), "already removed");
    rt.heap.pop_frame(f).unwrap();
    let l = live(&mut rt);
    assert!(
        (BIG as u64..2 * BIG as u64).contains(&l),
        "one listener left: {l}"
    );
    assert!(rt.emit(em, "data", &[]).unwrap());
    assert_eq!(calls(&mut rt), 4);
    assert!(!rt.emit(em, "nothing", &[]).unwrap());
}

fn reaction(rt: &mut Runtime, this: Handle, args: &[Value]) -> Result<Value, RtError> {
    count(rt, this, args)?;
    Ok(match args.first() {
        Some(Value::Int(n)) => Value::Int(n * 2),
        _ => Value::Undefined,
    })
}

#[test]
fn promise_reactions_are_held_while_pending_and_released_after_settling() {
    let mut rt = Runtime::new(HeapConfig::default()).unwrap();
    let (p, resolvers) = rt.promise_new();
    let f = rt.heap.push_frame("main");
    let big = rt.buffer(BIG, 1).unwrap();
    let env = rt.new_env(&["bigData"], &[big.into()]).unwrap();
    let cb = rt.closure("onValue", reaction, Some(env)).unwrap();
    let q = rt.promise_then(p, Some(cb), None).unwrap();
    rt.heap.pop_frame(f).unwrap();
    rt.retain_promise(q);
    // Pending: the reaction (and its env) is held by a Promise root.
    rt.run_loop(None).unwrap();
    assert!(rt.promise_is_pending(p));
    assert!(live(&mut rt) >= BIG as u64);
    let labels = root_labels(&mut rt, RootKind::Promise);
    assert_eq!(labels, ["promise #1"]);
    // Settle: the reaction runs with the value and is released.
    assert!(rt.promise_resolve(resolvers, Value::Int(21)).unwrap());
    rt.run_loop(None).unwrap();
    assert_eq!(calls(&mut rt), 1);
    assert_eq!(rt.promise_result(q), Some(Ok(PValue::Int(42))));
    rt.sweep_promises();
    assert!(live(&mut rt) < 1024, "settled promise's reactions released");
    assert_eq!(rt.promise_roots(), 0);
    assert!(root_labels(&mut rt, RootKind::Promise).is_empty());
}

fn fail(_rt: &mut Runtime, _this: Handle, _: &[Value]) -> Result<Value, RtError> {
    Err(RtError::Thrown("Error: bad input".into()))
}

#[test]
fn rejections_flow_to_catch_finally_or_are_reported_unhandled() {
    let mut rt = Runtime::new(HeapConfig::default()).unwrap();
    let f = rt.heap.push_frame("main");
    let (p, r) = rt.promise_new();
    let failing = rt.closure("fail", fail, None).unwrap();
    let handler = rt.closure("handler", reaction, None).unwrap();
    let q = rt.promise_then(p, Some(failing), None).unwrap();
    let caught = rt.promise_catch(q, handler).unwrap();
    let fin = rt.promise_finally(caught, handler).unwrap();
    rt.retain_promise(fin);
    // A second chain with no handler: reported as an unhandled rejection.
    let (lonely, lr) = rt.promise_new();
    let _ = lonely;
    rt.heap.pop_frame(f).unwrap();
    rt.promise_resolve(r, Value::Int(1)).unwrap();
    rt.promise_reject(lr, "Error: nobody listens");
    rt.run_loop(None).unwrap();
    assert_eq!(calls(&mut rt), 2, "catch and finally ran");
    assert!(matches!(
        rt.promise_result(fin),
        Some(Ok(PValue::Undefined))
    ));
    assert_eq!(rt.unhandled_rejections.len(), 1);
    assert!(rt.unhandled_rejections[0].contains("nobody listens"));
    rt.sweep_promises();
    live(&mut rt);
    assert_eq!(rt.promise_roots(), 0);
}

fn make_object(rt: &mut Runtime, _this: Handle, _: &[Value]) -> Result<Value, RtError> {
    Ok(rt.buffer(BIG, 9)?.into())
}

#[test]
fn settled_values_are_rooted_while_the_table_holds_them() {
    let mut rt = Runtime::new(HeapConfig::default()).unwrap();
    let f = rt.heap.push_frame("main");
    let (p, r) = rt.promise_new();
    let make = rt.closure("make", make_object, None).unwrap();
    let q = rt.promise_then(p, Some(make), None).unwrap();
    rt.set_promise_global("result", q);
    rt.heap.pop_frame(f).unwrap();
    rt.promise_resolve(r, Value::Int(0)).unwrap();
    rt.run_loop(None).unwrap();
    rt.sweep_promises();
    // `result` is retained and fulfilled with a big buffer: it stays alive.
    assert!(live(&mut rt) >= BIG as u64);
    let q = rt.promise_global("result").unwrap();
    let Some(Ok(v)) = rt.promise_result(q) else {
        panic!("fulfilled")
    };
    let f = rt.heap.push_frame("read");
    let b = rt.from_pvalue(&v).unwrap().as_ref().unwrap();
    assert_eq!(rt.heap.bytes(b).unwrap().len(), BIG);
    rt.heap.pop_frame(f).unwrap();
    rt.forget_promise(q);
    rt.sweep_promises();
    assert!(live(&mut rt) < 1024);
}
