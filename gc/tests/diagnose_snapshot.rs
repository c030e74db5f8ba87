//! The `.heapsnapshot` writer, checked by an independent parser: memlab, run under Node.
//!
//! Needs `node` (20 or newer) on `PATH` and the parser installed once with
//! `npm ci --prefix gc/tests/snapshot_node`. Without them these tests fail rather than skip.

use gclab::diagnose::{
    snapshot_node_id, write_heap_snapshot, Dominators, HeapGraph, HeapGraphBuilder,
};
use gclab::roots::RootKind;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn node_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshot_node")
}

/// Runs `node check.js ARGS` and parses the JSON line it prints last.
fn check_js(args: &[&str], needs_memlab: bool) -> Value {
    let dir = node_dir();
    if needs_memlab {
        assert!(
            dir.join("node_modules/@memlab/core").is_dir(),
            "the snapshot parser is not installed: run `npm ci --prefix gc/tests/snapshot_node` \
             from the workspace root (needs Node 20 or newer)"
        );
    }
    let out = Command::new("node")
        .arg(dir.join("check.js"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run `node` ({e}); install Node 20 or newer"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "check.js {args:?} failed ({}):\n{}\n{stdout}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("no JSON from check.js:\n{stdout}"));
    serde_json::from_str(line).expect("check.js prints valid JSON")
}

/// Writes `g` to a fresh temporary file, runs the parser on it and removes the file.
fn parse_with_memlab(g: &HeapGraph, name: &str, path_to_id: u64) -> Value {
    let file =
        std::env::temp_dir().join(format!("gclab-{name}-{}.heapsnapshot", std::process::id()));
    let out = std::fs::File::create(&file).unwrap();
    write_heap_snapshot(g, out).unwrap();
    let id = snapshot_node_id(path_to_id).to_string();
    let result = check_js(&["parse", file.to_str().unwrap(), &id], true);
    std::fs::remove_file(&file).unwrap();
    result
}

fn self_sizes_by_name(g: &HeapGraph) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    for n in &g.nodes {
        *m.entry(n.type_name.to_string()).or_insert(0) += n.self_size;
    }
    m
}

/// Checks memlab's node count, per-name self sizes and per-object retained sizes against ours.
fn assert_counts_and_sizes(g: &HeapGraph, parsed: &Value, synthetic_nodes: u64) {
    assert_eq!(parsed["node_count"], g.len() as u64 + synthetic_nodes);
    let root_groups = synthetic_nodes - 2;
    assert_eq!(
        parsed["edge_count"],
        (1 + root_groups as usize + g.roots.len() + g.edges.len()) as u64
    );
    let by_name = &parsed["self_size_by_name"];
    for (name, bytes) in self_sizes_by_name(g) {
        assert_eq!(by_name[&name], bytes, "self size of {name}");
    }
    let doms = Dominators::new(g);
    let mut compared = 0;
    for (i, n) in g.nodes.iter().enumerate() {
        if let Some(ours) = doms.retained_size(i as u32) {
            let theirs = &parsed["retained_size_by_id"][snapshot_node_id(n.id).to_string()];
            assert_eq!(
                theirs.as_f64(),
                Some(ours as f64),
                "retained size of object {}",
                n.id
            );
            compared += 1;
        }
    }
    assert!(compared > 0);
}

#[test]
fn memlab_reads_the_objects_sizes_and_retaining_path() {
    let mut b = HeapGraphBuilder::new();
    let tick = b.node(1, "Closure tick", 64);
    let env = b.node(2, "Env", 48);
    let data = b.node(3, "Array", 8_000_016);
    let app = b.node(4, "App", 40);
    let cache = b.node(5, "Cache", 32);
    let entry = b.node(6, "Entry", 16);
    let shared = b.node(7, "Config", 100);
    let garbage = b.node(8, "Lost", 1000);
    b.field(tick, 0, "env", env).field(env, 0, "bigData", data);
    b.field(env, 1, "config", shared).edge(env, 2, tick);
    b.field(app, 0, "cache", cache)
        .field(app, 1, "config", shared);
    b.edge(cache, 0, entry)
        .edge(entry, 1, data)
        .edge(entry, 2, entry);
    b.edge(garbage, 0, app);
    b.root(RootKind::Timer, "interval timer #1", tick);
    b.root(RootKind::Global, "app", app);
    b.root(RootKind::StackFrame, "main/local 0", cache);
    let g = b.build();

    let parsed = parse_with_memlab(&g, "known", 3);
    // root, (GC roots), and one group per kind: global, stack frame, timer.
    assert_counts_and_sizes(&g, &parsed, 5);
    assert_eq!(parsed["target"]["name"], "Array");
    assert_eq!(parsed["target"]["type"], "array");
    assert_eq!(parsed["target"]["self_size"], 8_000_016);

    let path = parsed["path"].as_array().unwrap();
    let names: Vec<&str> = path
        .iter()
        .map(|s| s["node"]["name"].as_str().unwrap())
        .collect();
    let edges: Vec<(&str, String)> = path
        .iter()
        .filter(|s| !s["edge"].is_null())
        .map(|s| {
            let e = &s["edge"];
            (e["type"].as_str().unwrap(), e["name_or_index"].to_string())
        })
        .collect();
    let k = names.len();
    assert!(k >= 5, "path too short: {names:?}");
    assert!(names[0] == "(GC roots)" || names[0].is_empty(), "{names:?}");
    assert_eq!(
        &names[k - 4..],
        ["(timer roots)", "Closure tick", "Env", "Array"]
    );
    assert_eq!(path[k - 3]["node"]["type"], "closure");
    assert_eq!(path[k - 2]["node"]["type"], "object");
    assert_eq!(
        &edges[edges.len() - 3..],
        [
            ("internal", "\"interval timer #1\"".to_string()),
            ("property", "\"env\"".to_string()),
            ("property", "\"bigData\"".to_string()),
        ]
    );
    // The unreachable object is still in the snapshot, with its own size.
    assert_eq!(parsed["self_size_by_name"]["Lost"], 1000);
    assert_eq!(
        parsed["retained_size_by_id"][snapshot_node_id(6).to_string()],
        16
    );
    let _ = garbage;
}

#[test]
fn memlab_agrees_on_every_retained_size_of_a_random_graph() {
    // SplitMix64, so the graph is the same on every run.
    let mut state = 42u64;
    let mut next = move |n: u64| {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n
    };
    const N: u64 = 3000;
    let types = ["Object", "Array", "Closure", "Env", "Map"];
    let mut b = HeapGraphBuilder::new();
    for i in 0..N {
        b.node(i * 5 + 1, types[next(5) as usize], 16 + next(500));
    }
    for from in 0..N as u32 {
        for slot in 0..next(4) as u32 {
            let to = next(N) as u32;
            if next(2) == 0 {
                b.field(from, slot, ["a", "b", "next"][next(3) as usize], to);
            } else {
                b.edge(from, slot, to);
            }
        }
    }
    for i in 0..12 {
        let kind = RootKind::ALL[next(8) as usize];
        b.root(kind, &format!("{kind} #{i}"), next(N) as u32);
    }
    let g = b.build();
    let kinds = RootKind::ALL
        .iter()
        .filter(|k| g.roots.iter().any(|r| r.kind == **k))
        .count() as u64;
    let target = g.nodes[g.roots[0].target as usize].id;
    let parsed = parse_with_memlab(&g, "random", target);
    assert_counts_and_sizes(&g, &parsed, 2 + kinds);
}

#[test]
fn meta_layout_matches_the_snapshots_node_itself_writes() {
    let v8 = check_js(&["v8-meta"], false);
    let theirs = &v8["meta"];

    let mut b = HeapGraphBuilder::new();
    let a = b.node(1, "Function f", 8);
    b.root(RootKind::Handle, "h", a);
    let mut json = Vec::new();
    write_heap_snapshot(&b.build(), &mut json).unwrap();
    let ours: Value = serde_json::from_slice(&json).unwrap();
    let ours = &ours["snapshot"]["meta"];

    let node = v8["node_version"].as_str().unwrap_or("?");
    for key in [
        "node_fields",
        "edge_fields",
        "edge_types",
        "trace_function_info_fields",
        "trace_node_fields",
        "sample_fields",
        "location_fields",
    ] {
        assert_eq!(
            ours[key], theirs[key],
            "meta.{key} differs from Node {node}'s"
        );
    }
    // Same per-field value kinds after the type enum…
    assert_eq!(
        ours["node_types"].as_array().unwrap()[1..],
        theirs["node_types"].as_array().unwrap()[1..]
    );
    // …and every node type we declare is one V8 knows.
    let v8_types = theirs["node_types"][0].as_array().unwrap();
    for t in ours["node_types"][0].as_array().unwrap() {
        assert!(v8_types.contains(t), "node type {t} unknown to Node {node}");
    }
}
