//! Incremental marking under a pause goal: cycles run as start, slices and end; stores into
//! marked and unmarked old objects, allocation, root releases and scavenges happen between
//! slices; the heap verifies after every pause and keeps exactly what is reachable.

use gclab::{CollectionKind, Handle, Heap, HeapConfig, IncrementalPhase, Plan, RootKind, Value};
use std::time::Duration;

const NODE: u16 = 1;

/// List length and rounds (smaller under Miri, which is slow).
const LIST: usize = if cfg!(miri) { 500 } else { 20_000 };
const ROUNDS: usize = if cfg!(miri) { 20 } else { 400 };

fn heap(plan: Plan) -> Heap {
    let cfg = HeapConfig {
        nursery_size: if cfg!(miri) { 8 * 1024 } else { 64 * 1024 },
        max_heap: if cfg!(miri) { 2 << 20 } else { 64 << 20 },
        min_major_threshold: if cfg!(miri) { 16 * 1024 } else { 512 * 1024 },
        pause_goal: Some(Duration::from_micros(10)),
        // The test counts cycles: stress mode's forced collections would abandon them.
        gc_interval: None,
        // Pacing follows measured scavenge times, which waking collector threads changes
        // at a 10 µs goal (`GCLAB_GC_THREADS` reruns of the suite).
        gc_threads: 1,
        ..HeapConfig::for_plan(plan)
    };
    Heap::with_config(cfg).unwrap()
}

/// Verifies the heap whenever a pause happened since the last call.
fn verify_new(h: &mut Heap, seen: &mut usize) {
    let n = h.stats().events().len();
    if n != *seen {
        *seen = n;
        h.verify().unwrap_or_else(|e| panic!("{e}"));
    }
}

/// Node `i` of the list starting at `head` (following slot 0).
fn nth(h: &mut Heap, head: Handle, i: usize) -> Handle {
    let mut cur = h.local(Value::Ref(head)).unwrap();
    for _ in 0..i {
        match h.get(cur, 0).unwrap() {
            Value::Ref(n) => cur = n,
            _ => break,
        }
    }
    cur
}

fn list_len(h: &mut Heap, head: Handle) -> usize {
    let f = h.push_frame("len");
    let cur = h.local(Value::Ref(head)).unwrap();
    let mut n = 1;
    while let Value::Ref(_) = h.get_into(cur, 0, cur).unwrap() {
        n += 1;
    }
    h.pop_frame(f).unwrap();
    n
}

fn run(plan: Plan) {
    let mut h = heap(plan);
    let mut seen = 0;
    let outer = h.push_frame("test");
    // A long-lived list, promoted by the scavenges that follow.
    let head = h.alloc(NODE, 2, 0).unwrap();
    let root = h.root(RootKind::Timer, "list", Value::Ref(head)).unwrap();
    let f = h.push_frame("build");
    let tail = h.local(Value::Ref(head)).unwrap();
    for _ in 0..LIST {
        let n = h.alloc(NODE, 2, 0).unwrap();
        h.set(tail, 0, Value::Ref(n)).unwrap();
        h.set_local(tail, Value::Ref(n)).unwrap();
        verify_new(&mut h, &mut seen);
    }
    h.pop_frame(f).unwrap();
    // A cache whose entries live 64 rounds: old-generation garbage for the cycles to find.
    let cache = h.alloc(NODE, 64, 0).unwrap();
    let cache_root = h.root(RootKind::Timer, "cache", Value::Ref(cache)).unwrap();
    let mut expected = LIST + 1;
    let mut released = None;
    for round in 0..ROUNDS {
        let f = h.push_frame("round");
        // Garbage, so that scavenges, promotion and slices keep coming; a chain that lives
        // for 64 rounds in the cache.
        let chain = h.alloc(NODE, 2, 8).unwrap();
        for _ in 0..LIST / 100 {
            let g = h.alloc(NODE, 2, 8).unwrap();
            verify_new(&mut h, &mut seen);
            h.set(g, 1, Value::Int(round as i32)).unwrap();
            let next = h.get(chain, 0).unwrap();
            h.set(g, 0, next).unwrap();
            h.set(chain, 0, Value::Ref(g)).unwrap();
        }
        h.set(cache, round % 64, Value::Ref(chain)).unwrap();
        // Cut the list at a node and splice the cut part back at an earlier node: the only
        // path to the cut part exists for a while in a local only (the deletion barrier
        // must keep it), and it is stored into a node the marker may have scanned already.
        let at = 1 + (round * 7919) % (expected - 2);
        let back = (round * 104_729) % at;
        let a = nth(&mut h, head, at);
        let cut = h.get(a, 0).unwrap();
        h.set(a, 0, Value::Null).unwrap();
        for _ in 0..50 {
            h.alloc(NODE, 2, 0).unwrap();
            verify_new(&mut h, &mut seen);
        }
        verify_new(&mut h, &mut seen);
        let b = nth(&mut h, head, back);
        let b_next = h.get(b, 0).unwrap();
        // b → cut … (old tail of the cut part) → b_next
        let mut last = match cut {
            Value::Ref(c) => c,
            _ => unreachable!("the cut point has a successor"),
        };
        while let Value::Ref(n) = h.get(last, 0).unwrap() {
            last = n;
        }
        h.set(b, 0, cut).unwrap();
        h.set(last, 0, b_next).unwrap();
        // A node born during marking, linked into the old list.
        let fresh = h.alloc(NODE, 2, 0).unwrap();
        let c = nth(&mut h, head, back / 2);
        let c_next = h.get(c, 0).unwrap();
        h.set(fresh, 0, c_next).unwrap();
        h.set(c, 0, Value::Ref(fresh)).unwrap();
        expected += 1;
        // A separate rooted object, released mid-cycle now and then.
        if round % 37 == 0 {
            if let Some(r) = released.take() {
                h.release(r).unwrap();
            }
            let o = h.alloc(NODE, 2, 64).unwrap();
            released = Some(h.root(RootKind::Timer, "t", Value::Ref(o)).unwrap());
        }
        h.pop_frame(f).unwrap();
        verify_new(&mut h, &mut seen);
    }
    let phases = |p| {
        h.stats()
            .events()
            .iter()
            .filter(|e| e.incremental == Some(p))
            .count()
    };
    let (starts, slices, ends) = (
        phases(IncrementalPhase::MarkStart),
        phases(IncrementalPhase::MarkSlice),
        phases(IncrementalPhase::MarkEnd),
    );
    if std::env::var_os("INC_TRACE").is_some() {
        for e in h.stats().events() {
            eprintln!("{} {:?}", e.trace_line(), e.incremental);
        }
    }
    // Natively the scenario runs several cycles of several slices; Miri's heap is small
    // enough for one cycle that may end in one slice.
    let (min_starts, min_slices) = if cfg!(miri) {
        (1, ends)
    } else {
        (2, 2 * ends + 1)
    };
    assert!(
        starts >= min_starts && ends >= 1,
        "{plan}: {starts} starts, {ends} ends"
    );
    assert!(
        slices >= min_slices,
        "{plan}: {slices} slices for {ends} cycles"
    );
    assert_eq!(
        list_len(&mut h, head),
        expected,
        "{plan}: the list is whole"
    );
    if let Some(r) = released.take() {
        h.release(r).unwrap();
    }
    h.release(root).unwrap();
    h.release(cache_root).unwrap();
    h.pop_frame(outer).unwrap();
    h.collect(CollectionKind::Major);
    h.verify().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(h.usage().objects(), 0, "{plan}: everything was garbage");
}

#[test]
fn generational_marks_incrementally() {
    run(Plan::Generational);
}

#[test]
fn gen_immix_marks_incrementally() {
    run(Plan::GenImmix);
}
