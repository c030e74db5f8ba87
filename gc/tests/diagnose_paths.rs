//! Retaining paths on hand-built graphs, up to a million nodes, checked against a plain
//! breadth-first search written here.
//!
//! The large tests print how long each step took; run them with
//! `cargo test --release -p gclab --test diagnose_paths -- --nocapture` for meaningful numbers.

use gclab::diagnose::{
    write_heap_snapshot, Dominators, EdgeLabel, HeapGraph, HeapGraphBuilder, PathIndex,
};
use gclab::roots::RootKind;
use std::time::Instant;

/// SplitMix64: a tiny deterministic generator, so the graphs are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Distances from the roots (multi-source BFS), `u32::MAX` when unreachable.
fn bfs_distances(g: &HeapGraph, sources: &[u32]) -> Vec<u32> {
    let mut dist = vec![u32::MAX; g.len()];
    let mut queue = std::collections::VecDeque::new();
    for &s in sources {
        if dist[s as usize] == u32::MAX {
            dist[s as usize] = 0;
            queue.push_back(s);
        }
    }
    while let Some(n) = queue.pop_front() {
        for e in g.out_edges(n) {
            if dist[e.target as usize] == u32::MAX {
                dist[e.target as usize] = dist[n as usize] + 1;
                queue.push_back(e.target);
            }
        }
    }
    dist
}

/// Asserts that `path` really is a path in `g` from a root to `node`.
fn assert_valid_path(g: &HeapGraph, paths: &PathIndex<'_>, node: u32) {
    let p = paths.path_to(node).expect("reachable node has a path");
    let root = &g.roots[p.root.index];
    assert_eq!((root.kind, &root.label), (p.root.kind, &p.root.label));
    assert_eq!(root.target, p.objects[0].node);
    assert_eq!(p.target().node, node);
    assert_eq!(p.objects.len(), p.edges.len() + 1);
    for (i, label) in p.edges.iter().enumerate() {
        let (from, to) = (p.objects[i].node, p.objects[i + 1].node);
        assert!(
            g.out_edges(from)
                .iter()
                .any(|e| e.target == to && EdgeLabel::of(e) == *label),
            "no edge {label} from {from} to {to}"
        );
    }
    for o in &p.objects {
        let n = &g.nodes[o.node as usize];
        assert_eq!(
            (o.id, &o.type_name, o.self_size),
            (n.id, &n.type_name, n.self_size)
        );
    }
}

#[test]
fn timer_closure_env_array_prints_in_the_runtimes_words() {
    let mut b = HeapGraphBuilder::new();
    let tick = b.node(1, "Closure tick", 64);
    let env = b.node(2, "Env", 48);
    let data = b.node(3, "Array", 8_000_016);
    let other = b.node(4, "Closure onData", 64);
    b.field(tick, 0, "env", env).field(env, 1, "bigData", data);
    b.edge(other, 0, env);
    b.root(RootKind::Timer, "interval timer #1", tick);
    b.root(RootKind::EventListener, "socket 'data' #0", other);
    b.root(RootKind::Global, "config", tick);
    let g = b.build();
    let paths = PathIndex::new(&g);
    let p = paths.path_to(data).unwrap();
    assert_eq!(
        p.to_string(),
        "[timer] interval timer #1 → Closure tick .env → Env .bigData → Array (8000016 B)"
    );
    assert_eq!(p.len(), 2);
    assert_eq!(paths.retaining_roots(data), vec![0, 1, 2]);
    assert_eq!(paths.retaining_roots(tick), vec![0, 2]);
    assert_eq!(
        paths.path_to(other).unwrap().to_string(),
        "[event listener] socket 'data' #0 → Closure onData (64 B)"
    );
}

#[test]
#[cfg_attr(miri, ignore = "a million nodes")]
fn million_long_chain() {
    const N: u32 = 1_000_000;
    let mut b = HeapGraphBuilder::new();
    for i in 0..N {
        b.node(u64::from(i) + 1, "Link", 24);
    }
    for i in 0..N - 1 {
        b.field(i, 0, "next", i + 1);
    }
    b.root(RootKind::StackFrame, "main/local 0", 0);
    b.root(RootKind::Global, "cursor", N / 2);
    let g = b.build();

    let t = Instant::now();
    let paths = PathIndex::new(&g);
    eprintln!("chain: PathIndex::new {:?}", t.elapsed());

    let t = Instant::now();
    let p = paths.path_to(N - 1).unwrap();
    eprintln!("chain: path_to (length {}) {:?}", p.len(), t.elapsed());
    // The global holding the middle of the chain gives the shorter path.
    assert_eq!(p.root.index, 1);
    assert_eq!(p.len() as u32, N - 1 - N / 2);
    assert!(p
        .objects
        .iter()
        .enumerate()
        .all(|(i, o)| o.node == N / 2 + i as u32));
    assert!(p
        .edges
        .iter()
        .all(|e| *e == EdgeLabel::Field("next".into())));
    let first_half = paths.path_to(N / 2 - 1).unwrap();
    assert_eq!(first_half.len() as u32, N / 2 - 1);
    assert_eq!(first_half.root.kind, RootKind::StackFrame);

    let t = Instant::now();
    assert_eq!(paths.retaining_roots(N - 1), vec![0, 1]);
    eprintln!("chain: retaining_roots {:?}", t.elapsed());
    assert_eq!(paths.retaining_roots(10), vec![0]);

    let t = Instant::now();
    let d = Dominators::new(&g);
    eprintln!("chain: Dominators::new {:?}", t.elapsed());
    assert_eq!(d.retained_size(N / 2 - 1), Some(24));
    assert_eq!(d.retained_size(N / 2), Some(24 * u64::from(N / 2)));
    assert_eq!(d.root_retained_size(0), 24 * u64::from(N / 2));
    assert_eq!(d.reachable_size(), 24 * u64::from(N));
}

#[test]
#[cfg_attr(miri, ignore = "a million nodes")]
fn million_node_random_graph() {
    const N: u32 = 1_000_000;
    let mut rng = Rng(0x5eed);
    let mut b = HeapGraphBuilder::new();
    let types = ["Object", "Array", "Closure", "Env", "String"];
    for i in 0..N {
        let ty = types[rng.below(types.len() as u64) as usize];
        b.node(u64::from(i) * 3 + 7, ty, 16 + rng.below(200));
    }
    for from in 0..N {
        for slot in 0..rng.below(5) as u32 {
            let to = rng.below(u64::from(N)) as u32;
            if rng.below(3) == 0 {
                b.field(from, slot, "f", to);
            } else {
                b.edge(from, slot, to);
            }
        }
    }
    let kinds = RootKind::ALL;
    let mut root_targets = Vec::new();
    for i in 0..8 {
        let t = rng.below(u64::from(N)) as u32;
        root_targets.push(t);
        b.root(kinds[i % kinds.len()], &format!("root #{i}"), t);
    }
    let g = b.build();
    eprintln!("random: {} nodes, {} edges", g.len(), g.edges.len());

    let t = Instant::now();
    let paths = PathIndex::new(&g);
    eprintln!("random: PathIndex::new {:?}", t.elapsed());

    // Distances agree with an independent BFS for every node.
    let dist = bfs_distances(&g, &root_targets);
    let mut reachable = 0;
    for n in 0..N {
        let expected = (dist[n as usize] != u32::MAX).then_some(dist[n as usize]);
        assert_eq!(paths.distance(n), expected, "distance of node {n}");
        reachable += usize::from(expected.is_some());
    }
    assert!(
        reachable > N as usize / 2,
        "the test graph should be mostly reachable"
    );
    assert!(reachable < N as usize, "and have some garbage");

    // Sampled paths are real paths of that length.
    let sample: Vec<u32> = (0..2000).map(|_| rng.below(u64::from(N)) as u32).collect();
    let t = Instant::now();
    let mut hops = 0;
    for &n in &sample {
        if let Some(p) = paths.path_to(n) {
            hops += p.len();
        }
    }
    eprintln!(
        "random: {} path_to queries ({hops} hops) {:?}",
        sample.len(),
        t.elapsed()
    );
    for &n in &sample {
        if dist[n as usize] != u32::MAX {
            assert_valid_path(&g, &paths, n);
            assert_eq!(paths.path_to(n).unwrap().len() as u32, dist[n as usize]);
        } else {
            assert!(paths.path_to(n).is_none());
        }
    }

    // Retaining roots agree with one forward search per root.
    let per_root: Vec<Vec<u32>> = root_targets
        .iter()
        .map(|&t| bfs_distances(&g, &[t]))
        .collect();
    let expected_roots = |n: u32| -> Vec<usize> {
        (0..per_root.len())
            .filter(|&r| per_root[r][n as usize] != u32::MAX)
            .collect()
    };
    let probes: Vec<u32> = sample
        .iter()
        .copied()
        .filter(|&n| dist[n as usize] != u32::MAX)
        .take(40)
        .collect();
    let t = Instant::now();
    let first = paths.retaining_roots(probes[0]);
    eprintln!(
        "random: first retaining_roots (builds reverse index) {:?}",
        t.elapsed()
    );
    assert_eq!(first, expected_roots(probes[0]));
    let t = Instant::now();
    let second = paths.retaining_roots(probes[1]);
    eprintln!("random: retaining_roots {:?}", t.elapsed());
    assert_eq!(second, expected_roots(probes[1]));
    for &n in &probes[2..] {
        assert_eq!(paths.retaining_roots(n), expected_roots(n), "node {n}");
    }
    let unreachable = (0..N).find(|&n| dist[n as usize] == u32::MAX).unwrap();
    assert!(paths.retaining_roots(unreachable).is_empty());

    let t = Instant::now();
    let d = Dominators::new(&g);
    eprintln!("random: Dominators::new {:?}", t.elapsed());
    let reachable_bytes: u64 = (0..N)
        .filter(|&n| dist[n as usize] != u32::MAX)
        .map(|n| g.nodes[n as usize].self_size)
        .sum();
    assert_eq!(d.reachable_size(), reachable_bytes);
    assert_eq!(d.reachable_count(), reachable);
    let t = Instant::now();
    let top = d.top_retainers(10);
    eprintln!("random: top_retainers(10) {:?}", t.elapsed());
    assert_eq!(top.len(), 10);
    assert!(top
        .windows(2)
        .all(|w| w[0].retained_size >= w[1].retained_size));

    let t = Instant::now();
    write_heap_snapshot(&g, std::io::sink()).unwrap();
    eprintln!("random: write_heap_snapshot to a sink {:?}", t.elapsed());
}
