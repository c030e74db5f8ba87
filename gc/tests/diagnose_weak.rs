//! Weak edges in diagnostics: flagged in the graph, never on a retaining path, not a retainer
//! in dominators, V8's `weak` edge type in the heap snapshot; objects only weakly reachable
//! are left out.

use gclab::diagnose::{write_heap_snapshot, Dominators, HeapGraphBuilder, PathIndex};
use gclab::{Heap, RootKind, SlotLayout};

const NODE: u16 = 1;
const CACHE: u16 = 2;

/// `root → cache =weak=> big`, `root2 → holder → big`, and `cache =weak=> orphan` with
/// nothing else holding `orphan`.
#[test]
fn heap_graph_flags_weak_edges_and_drops_weak_only_objects() {
    let mut h = Heap::new().unwrap();
    h.register_type(CACHE, "Cache", &["entry", "other"]);
    h.register_type(NODE, "Node", &["next"]);
    let f = h.push_frame("t");
    let cache = h.alloc_layout(CACHE, 2, 0, SlotLayout::Weak).unwrap();
    let holder = h.alloc(NODE, 1, 0).unwrap();
    let big = h.alloc(NODE, 0, 4000).unwrap();
    let orphan = h.alloc(NODE, 0, 0).unwrap();
    h.set(cache, 0, big).unwrap();
    h.set(cache, 1, orphan).unwrap();
    h.set(holder, 0, big).unwrap();
    let r1 = h.root(RootKind::Timer, "cache", cache).unwrap();
    let r2 = h.root(RootKind::Timer, "holder", holder).unwrap();
    let big_id = h.object_id(big).unwrap();
    h.pop_frame(f).unwrap();
    let g = h.graph();
    assert_eq!(g.len(), 3, "the weak-only object is not in the graph");
    let c = g.roots[0].target;
    let edges = g.out_edges(c);
    assert_eq!(edges.len(), 1);
    assert!(edges[0].weak && edges[0].name.as_deref() == Some("entry"));
    let b = g.find_id(big_id).unwrap();
    let p = PathIndex::new(&g).path_to(b).unwrap();
    assert_eq!(
        p.root.label.as_ref(),
        "holder",
        "the path goes through the strong edge"
    );
    assert_eq!(PathIndex::new(&g).retaining_roots(b), vec![1]);
    let d = Dominators::new(&g);
    let holder_node = g.roots[1].target;
    assert_eq!(
        d.retained_size(holder_node),
        Some(g.nodes[holder_node as usize].self_size + g.nodes[b as usize].self_size)
    );
    let mut out = Vec::new();
    write_heap_snapshot(&g, &mut out).unwrap();
    let snap: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let e = snap["edges"].as_array().unwrap();
    let weak = e.chunks(3).filter(|x| x[0] == 6).count();
    assert_eq!(weak, 1, "one V8 `weak` edge");
    drop((r1, r2));
}

/// Built by hand: a weak edge is the only way into `x` besides its holder; the holder
/// dominates `x`, and the weak source retains nothing.
#[test]
fn dominators_and_paths_ignore_weak_edges() {
    let mut b = HeapGraphBuilder::new();
    let map = b.node(1, "WeakMap", 32);
    let holder = b.node(2, "Holder", 24);
    let x = b.node(3, "Data", 1000);
    b.weak_edge(map, 0, x).field(holder, 0, "data", x);
    b.root(RootKind::Global, "map", map)
        .root(RootKind::Global, "holder", holder);
    let g = b.build();
    let d = Dominators::new(&g);
    assert_eq!(d.retained_size(map), Some(32));
    assert_eq!(d.retained_size(holder), Some(1024));
    let paths = PathIndex::new(&g);
    assert_eq!(paths.path_to(x).unwrap().root.index, 1);
    assert_eq!(paths.retaining_roots(x), vec![1]);
    assert_eq!(g.reverse_edges().predecessors(x), &[holder]);
}
