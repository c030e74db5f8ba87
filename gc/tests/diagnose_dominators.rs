//! Dominators and retained sizes against the definition, on random small graphs.
//!
//! The brute force works on the same flow graph as the analysis (super-root → one node per
//! root entry → objects): `d` dominates `v` iff `v` is unreachable from the super-root once `d`
//! is removed. Graphs have up to 30 objects, any number of roots (including none and repeats),
//! cycles and self-loops.

use gclab::diagnose::{Dominator, Dominators, HeapGraph, HeapGraphBuilder, Holder};
use gclab::roots::RootKind;
use proptest::prelude::*;

const CASES: u32 = if cfg!(miri) { 8 } else { 256 };

#[derive(Debug, Clone)]
struct Spec {
    sizes: Vec<u64>,
    edges: Vec<(usize, usize)>,
    roots: Vec<(usize, usize)>,
}

fn spec() -> impl Strategy<Value = Spec> {
    (1usize..=30).prop_flat_map(|n| {
        (
            prop::collection::vec(0u64..1000, n),
            prop::collection::vec((0..n, 0..n), 0..=3 * n),
            prop::collection::vec((0..RootKind::ALL.len(), 0..n), 0..=5),
        )
            .prop_map(|(sizes, edges, roots)| Spec {
                sizes,
                edges,
                roots,
            })
    })
}

fn build(s: &Spec) -> HeapGraph {
    let mut b = HeapGraphBuilder::new();
    for (i, &size) in s.sizes.iter().enumerate() {
        b.node(100 + i as u64, &format!("T{}", i % 4), size);
    }
    for (slot, &(from, to)) in s.edges.iter().enumerate() {
        b.edge(from as u32, slot as u32, to as u32);
    }
    for (i, &(kind, target)) in s.roots.iter().enumerate() {
        b.root(RootKind::ALL[kind], &format!("root {i}"), target as u32);
    }
    b.build()
}

/// The flow graph as adjacency lists: 0 = super-root, 1..=R = root entries, R+1+i = object i.
fn flow(g: &HeapGraph) -> Vec<Vec<usize>> {
    let r = g.roots.len();
    let mut adj = vec![Vec::new(); 1 + r + g.len()];
    adj[0] = (1..=r).collect();
    for (i, root) in g.roots.iter().enumerate() {
        adj[1 + i].push(1 + r + root.target as usize);
    }
    for n in 0..g.len() {
        for e in g.out_edges(n as u32) {
            adj[1 + r + n].push(1 + r + e.target as usize);
        }
    }
    adj
}

fn reachable_without(adj: &[Vec<usize>], removed: Option<usize>) -> Vec<bool> {
    let mut seen = vec![false; adj.len()];
    if removed == Some(0) {
        return seen;
    }
    seen[0] = true;
    let mut stack = vec![0];
    while let Some(v) = stack.pop() {
        for &w in &adj[v] {
            if !seen[w] && Some(w) != removed {
                seen[w] = true;
                stack.push(w);
            }
        }
    }
    seen
}

/// `dom[v]` = the set of flow nodes dominating `v` (itself included), for reachable `v`.
fn dominator_sets(adj: &[Vec<usize>]) -> Vec<Option<Vec<usize>>> {
    let all = reachable_without(adj, None);
    let mut dom: Vec<Option<Vec<usize>>> = all
        .iter()
        .enumerate()
        .map(|(v, &r)| r.then(|| vec![v]))
        .collect();
    for d in 0..adj.len() {
        if !all[d] {
            continue;
        }
        let without = reachable_without(adj, Some(d));
        for v in 0..adj.len() {
            if v != d && all[v] && !without[v] {
                dom[v].as_mut().unwrap().push(d);
            }
        }
    }
    dom
}

fn to_flow(g: &HeapGraph, d: Dominator) -> usize {
    match d {
        Dominator::SuperRoot => 0,
        Dominator::Root(i) => 1 + i,
        Dominator::Object(n) => 1 + g.roots.len() + n as usize,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, ..ProptestConfig::default() })]

    #[test]
    fn matches_the_brute_force_definition(s in spec()) {
        let g = build(&s);
        let r = g.roots.len();
        let adj = flow(&g);
        let dom = dominator_sets(&adj);
        let d = Dominators::new(&g);
        let size_of = |v: usize| if v <= r { 0 } else { g.nodes[v - r - 1].self_size };
        // Retained size of flow node x: the sizes of everything x dominates.
        let retained = |x: usize| -> u64 {
            (0..adj.len())
                .filter(|&v| dom[v].as_ref().is_some_and(|ds| ds.contains(&x)))
                .map(size_of)
                .sum()
        };

        for n in 0..g.len() {
            let v = 1 + r + n;
            match &dom[v] {
                None => {
                    prop_assert!(!d.is_reachable(n as u32));
                    prop_assert_eq!(d.immediate_dominator(n as u32), None);
                    prop_assert_eq!(d.retained_size(n as u32), None);
                }
                Some(ds) => {
                    // The immediate dominator is the strict dominator with the most
                    // dominators of its own (dominator sets form a chain).
                    let idom = ds
                        .iter()
                        .copied()
                        .filter(|&x| x != v)
                        .max_by_key(|&x| dom[x].as_ref().unwrap().len())
                        .unwrap();
                    let got = d.immediate_dominator(n as u32).unwrap();
                    prop_assert_eq!(to_flow(&g, got), idom, "idom of node {}", n);
                    prop_assert_eq!(d.retained_size(n as u32), Some(retained(v)), "node {}", n);
                }
            }
        }
        for i in 0..r {
            prop_assert_eq!(d.root_retained_size(i), retained(1 + i), "root {}", i);
        }
        prop_assert_eq!(d.reachable_size(), retained(0));

        // top_retainers(everything) lists each root entry and reachable object once, sorted.
        let top = d.top_retainers(usize::MAX);
        prop_assert_eq!(top.len(), r + d.reachable_count());
        prop_assert!(top.windows(2).all(|w| w[0].retained_size >= w[1].retained_size));
        for t in &top {
            let expected = match &t.holder {
                Holder::Root { index, kind, label } => {
                    prop_assert_eq!(*kind, g.roots[*index].kind);
                    prop_assert_eq!(label, &g.roots[*index].label);
                    retained(1 + index)
                }
                Holder::Object { node, id, .. } => {
                    prop_assert_eq!(*id, g.nodes[*node as usize].id);
                    retained(1 + r + *node as usize)
                }
            };
            prop_assert_eq!(t.retained_size, expected);
        }
        let k = top.len() / 2;
        prop_assert_eq!(d.top_retainers(k), top[..k].to_vec());
    }
}

#[test]
fn retained_sizes_are_attributed_to_root_labels() {
    // A timer keeps a closure alive, the closure an environment, the environment a big array.
    // A global shares a small config object with the closure.
    let mut b = HeapGraphBuilder::new();
    let tick = b.node(1, "Closure tick", 64);
    let env = b.node(2, "Env", 48);
    let data = b.node(3, "Array", 8_000_016);
    let config = b.node(4, "Config", 100);
    let app = b.node(5, "App", 40);
    b.field(tick, 0, "env", env).field(env, 0, "bigData", data);
    b.field(env, 1, "config", config)
        .field(app, 0, "config", config);
    b.root(RootKind::Timer, "interval timer #1", tick);
    b.root(RootKind::Global, "app", app);
    let g = b.build();
    let d = Dominators::new(&g);
    let top = d.top_retainers(2);
    assert_eq!(
        top[0].holder,
        Holder::Root {
            index: 0,
            kind: RootKind::Timer,
            label: "interval timer #1".into()
        }
    );
    assert_eq!(top[0].retained_size, 64 + 48 + 8_000_016);
    assert!(matches!(top[1].holder, Holder::Object { node, .. } if node == tick));
    assert_eq!(d.root_retained_size(1), 40);
    assert_eq!(d.immediate_dominator(config), Some(Dominator::SuperRoot));
    assert_eq!(d.reachable_size(), 64 + 48 + 8_000_016 + 100 + 40);
}
