//! Leak detection on a simulated server: each request registers a listener on a long-lived
//! emitter and never removes it, while the request's own objects die.

use gclab::diagnose::{
    group_leaks, three_snapshot_leaks, GrowthTracker, HeapGraph, HeapGraphBuilder, PathIndex,
    TypeCensus,
};
use gclab::roots::RootKind;

/// The heap after `requests` requests, with `in_flight` requests still being served.
///
/// Object ids are stable across calls: the emitter is 1, request `r`'s listener closure is
/// `1000 + r`, its captured environment `2000 + r`, and its transient request object `3000 + r`.
fn heap_after(requests: u64, in_flight: u64) -> HeapGraph {
    let mut b = HeapGraphBuilder::new();
    let emitter = b.node(1, "EventEmitter", 64);
    let listeners = b.node(2, "Array", 16);
    b.field(emitter, 0, "listeners", listeners);
    b.root(RootKind::Global, "server", emitter);
    for r in 0..requests {
        let closure = b.node(1000 + r, "Closure onData", 64);
        let env = b.node(2000 + r, "Env", 32 + r);
        b.edge(listeners, r as u32, closure);
        b.field(closure, 0, "env", env);
    }
    for r in requests.saturating_sub(in_flight)..requests {
        let req = b.node(3000 + r, "Request", 200);
        // Nodes are emitter, listeners, then (closure, env) per request.
        let env = 3 + 2 * r as u32;
        b.field(env, 1, "request", req);
        b.root(RootKind::StackFrame, &format!("handle/local {r}"), req);
    }
    b.build()
}

#[test]
fn listener_types_keep_growing_and_transients_do_not() {
    let mut tracker = GrowthTracker::new(4);
    for (requests, in_flight) in [(2, 1), (3, 2), (5, 1), (6, 2), (8, 1)] {
        tracker.push(TypeCensus::of(&heap_after(requests, in_flight)));
    }
    let growing = tracker.growing();
    let names: Vec<&str> = growing.iter().map(|t| &*t.type_name).collect();
    // Both listener types grew at every one of the last 4 collections; requests went up and
    // down, and the emitter stayed at one.
    assert_eq!(names, ["Closure onData", "Env"]);
    assert_eq!(growing[0].counts, vec![3, 5, 6, 8]);
    assert_eq!(growing[0].count_growth(), 5);
    assert_eq!(growing[0].bytes, vec![3 * 64, 5 * 64, 6 * 64, 8 * 64]);

    // Fix the leak: the next collection ends the streak.
    tracker.push(TypeCensus::of(&heap_after(8, 0)));
    assert!(tracker.growing().is_empty());
}

#[test]
fn three_snapshots_point_at_the_emitter() {
    let g1 = heap_after(2, 2);
    let g2 = heap_after(4, 2); // requests 2 and 3 ran
    let g3 = heap_after(6, 1); // requests 4 and 5 ran; 5 is still in flight
    let leaks = three_snapshot_leaks(&g1, &g2, &g3);
    let mut ids: Vec<u64> = leaks.iter().map(|&n| g3.nodes[n as usize].id).collect();
    ids.sort_unstable();
    // Request 2 and 3's listeners survived; their Request objects (and request 5's) did not
    // come from the middle round or are gone.
    assert_eq!(ids, vec![1002, 1003, 2002, 2003]);

    let paths = PathIndex::new(&g3);
    let groups = group_leaks(&paths, &leaks);
    assert_eq!(groups.len(), 2);
    assert_eq!(
        groups[0].to_string(),
        "2 × Closure onData (128 B), e.g. \
         [global] server → EventEmitter .listeners → Array [2] → Closure onData (64 B)"
    );
    assert_eq!(&*groups[1].type_name, "Env");
    assert_eq!(groups[1].bytes, 34 + 35);
    assert_eq!(groups[1].path.as_ref().unwrap().len(), 3);
}
