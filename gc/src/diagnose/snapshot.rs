//! V8 heap snapshots: the `.heapsnapshot` JSON that Chrome DevTools' Memory panel and memlab
//! load.
//!
//! [`write_heap_snapshot`] streams a [`HeapGraph`] in the layout current V8 writes
//! (`node_fields` `type,name,id,self_size,edge_count,trace_node_id,detachedness`; `edge_fields`
//! `type,name_or_index,to_node`; the same node and edge type tables; empty trace, sample and
//! location sections). It writes number by number and keeps only the string table in memory, so
//! a million-object graph needs no intermediate JSON value.
//!
//! # How the graph is mapped
//!
//! ```text
//! node 0  synthetic ""            id 1   ─element 1─►  (GC roots)
//! node 1  synthetic "(GC roots)"  id 3   ─element 1..─► one node per root kind present
//! node 2… synthetic "(<kind> roots)", e.g. "(timer roots)", "(stack frame roots)"
//!                                 id 5 + 2·k (k = the kind's position in RootKind::ALL)
//!                                        ─internal "<root label>"─► the object the root holds
//! node …  one node per object, in dense-index order
//! ```
//!
//! - Root edges follow V8's GC-subroot convention: edge type `internal`, named with the root's
//!   label, one edge per root entry in registration order.
//! - An object node's name is its type name and its `self_size` is the object's size. Its node
//!   type comes from the first word of the type name: `Closure…`/`Function…` give `closure`,
//!   `Array…` gives `array`, anything else `object` (`"ArrayBuffer"` is an `object`: the first
//!   word must match exactly).
//! - An object node's id is [`snapshot_node_id`]`(id)`: odd, as V8 uses for heap objects, and
//!   above the synthetic ids, so DevTools' `@id` finds the object again in the next snapshot.
//! - A named slot becomes a `property` edge named after the field; an unnamed slot becomes an
//!   `element` edge whose index is the slot number. `to_node` is the target's index into the
//!   `nodes` array (node index × 7), as the format requires.
//! - `trace_node_id` and `detachedness` are 0 (no allocation traces, no DOM).

use super::graph::HeapGraph;
use crate::roots::RootKind;
use std::collections::HashMap;
use std::io::{self, Write};

/// Number of fields per node in the `nodes` array.
const NODE_FIELDS: usize = 7;
/// Node and edge type names, as V8 orders them (the numbers in the arrays index these).
const NODE_TYPES: [&str; 16] = [
    "hidden",
    "array",
    "string",
    "object",
    "code",
    "closure",
    "regexp",
    "number",
    "native",
    "synthetic",
    "concatenated string",
    "sliced string",
    "symbol",
    "bigint",
    "object shape",
    "wasm object",
];
const EDGE_TYPES: [&str; 7] = [
    "context", "element", "property", "internal", "hidden", "shortcut", "weak",
];
const NT_ARRAY: u64 = 1;
const NT_OBJECT: u64 = 3;
const NT_CLOSURE: u64 = 5;
const NT_SYNTHETIC: u64 = 9;
const ET_ELEMENT: u64 = 1;
const ET_PROPERTY: u64 = 2;
const ET_INTERNAL: u64 = 3;
const ET_WEAK: u64 = 6;

/// The id of the synthetic root node.
const ROOT_ID: u64 = 1;
/// The id of the `(GC roots)` node.
const GC_ROOTS_ID: u64 = 3;
/// The id of the first per-kind root node; kind `k` gets `FIRST_SUBROOT_ID + 2k`.
const FIRST_SUBROOT_ID: u64 = 5;
/// The smallest id an object node can get.
const FIRST_OBJECT_ID: u64 = 101;

/// The snapshot id of the object whose stable id is `object_id`: `2 · object_id + 101`.
///
/// The result is odd (V8's convention for heap objects) and never collides with the synthetic
/// nodes' ids (1, 3 and 5…19). JavaScript reads ids as doubles, so ids stay exact up to
/// `object_id < 2^52`.
pub fn snapshot_node_id(object_id: u64) -> u64 {
    object_id.wrapping_mul(2).wrapping_add(FIRST_OBJECT_ID)
}

/// The snapshot name of the synthetic node that groups roots of `kind`, e.g. `"(timer roots)"`.
pub fn root_group_name(kind: RootKind) -> String {
    format!("({} roots)", kind.name())
}

fn node_type_of(type_name: &str) -> u64 {
    let word = type_name
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .next()
        .unwrap_or("");
    match word {
        "Closure" | "Function" => NT_CLOSURE,
        "Array" => NT_ARRAY,
        _ => NT_OBJECT,
    }
}

/// Writes `graph` to `out` as a V8 `.heapsnapshot` (see the [module docs](self) for the
/// mapping).
///
/// Output is buffered internally; `out` need not be. Errors come only from `out`.
///
/// ```
/// use gclab::diagnose::{write_heap_snapshot, HeapGraphBuilder};
/// use gclab::roots::RootKind;
///
/// let mut b = HeapGraphBuilder::new();
/// let a = b.node(7, "Array", 64);
/// b.root(RootKind::Global, "items", a);
/// let mut json = Vec::new();
/// write_heap_snapshot(&b.build(), &mut json).unwrap();
/// let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
/// assert_eq!(v["snapshot"]["node_count"], 4); // root, (GC roots), (global roots), the array
/// ```
pub fn write_heap_snapshot(graph: &HeapGraph, out: impl Write) -> io::Result<()> {
    let mut w = io::BufWriter::with_capacity(1 << 16, out);
    write_body(graph, &mut w)?;
    w.flush()
}

/// The string table, built while nodes and edges are written.
struct Strings<'a> {
    index: HashMap<&'a str, u64>,
    list: Vec<&'a str>,
}

impl<'a> Strings<'a> {
    fn new() -> Self {
        let mut s = Strings {
            index: HashMap::new(),
            list: Vec::new(),
        };
        // V8 starts its table with a placeholder.
        s.id("<dummy>");
        s
    }

    fn id(&mut self, s: &'a str) -> u64 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.list.len() as u64;
        self.index.insert(s, i);
        self.list.push(s);
        i
    }
}

/// Writes `values` as one comma-separated row; every row but the first starts with `,`.
fn row(w: &mut impl Write, num: &mut itoa::Buffer, first: bool, values: &[u64]) -> io::Result<()> {
    if !first {
        w.write_all(b",")?;
    }
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        w.write_all(num.format(*v))?;
    }
    w.write_all(b"\n")
}

fn write_body(g: &HeapGraph, w: &mut impl Write) -> io::Result<()> {
    // Root kinds present, in `RootKind::ALL` order, with their group names.
    let kinds: Vec<(RootKind, String)> = RootKind::ALL
        .iter()
        .filter(|k| g.roots.iter().any(|r| r.kind == **k))
        .map(|&k| (k, root_group_name(k)))
        .collect();
    let object_base = 2 + kinds.len();
    let node_count = object_base + g.nodes.len();
    let edge_count = 1 + kinds.len() + g.roots.len() + g.edges.len();
    // Names of unnamed weak slots (`[3]`), owned here for the string table to borrow.
    let weak_slots: std::collections::BTreeMap<u32, String> = g
        .edges
        .iter()
        .filter(|e| e.weak && e.name.is_none())
        .map(|e| (e.slot, format!("[{}]", e.slot)))
        .collect();
    let mut strings = Strings::new();
    let num = &mut itoa::Buffer::default();

    write!(w, "{{\"snapshot\":{{\"meta\":")?;
    serde_json::to_writer(&mut *w, &meta())?;
    writeln!(
        w,
        ",\"node_count\":{node_count},\"edge_count\":{edge_count},\"trace_function_count\":0}},"
    )?;

    // Nodes.
    w.write_all(b"\"nodes\":[")?;
    let empty = strings.id("");
    row(w, num, true, &[NT_SYNTHETIC, empty, ROOT_ID, 0, 1, 0, 0])?;
    let gc_roots = strings.id("(GC roots)");
    let n_kinds = kinds.len() as u64;
    row(
        w,
        num,
        false,
        &[NT_SYNTHETIC, gc_roots, GC_ROOTS_ID, 0, n_kinds, 0, 0],
    )?;
    for (kind, name) in &kinds {
        let pos = RootKind::ALL.iter().position(|k| k == kind).unwrap_or(0) as u64;
        let held = g.roots.iter().filter(|r| r.kind == *kind).count() as u64;
        let s = strings.id(name);
        let id = FIRST_SUBROOT_ID + 2 * pos;
        row(w, num, false, &[NT_SYNTHETIC, s, id, 0, held, 0, 0])?;
    }
    for (i, n) in g.nodes.iter().enumerate() {
        let edges = u64::from(g.first_edge[i + 1] - g.first_edge[i]);
        let fields = [
            node_type_of(&n.type_name),
            strings.id(&n.type_name),
            snapshot_node_id(n.id),
            n.self_size,
            edges,
            0,
            0,
        ];
        row(w, num, false, &fields)?;
    }

    // Edges, grouped by source node in node order.
    w.write_all(b"],\n\"edges\":[")?;
    let to = |node_index: usize| (node_index * NODE_FIELDS) as u64;
    row(w, num, true, &[ET_ELEMENT, 1, to(1)])?;
    for j in 0..kinds.len() {
        row(w, num, false, &[ET_ELEMENT, j as u64 + 1, to(2 + j)])?;
    }
    for (kind, _) in &kinds {
        for r in g.roots.iter().filter(|r| r.kind == *kind) {
            let label = strings.id(&r.label);
            let target = to(object_base + r.target as usize);
            row(w, num, false, &[ET_INTERNAL, label, target])?;
        }
    }
    for e in &g.edges {
        let target = to(object_base + e.target as usize);
        // V8 names weak edges with a string, as DevTools and memlab expect; they skip them
        // when computing retainers.
        let fields = match (&e.name, e.weak) {
            (Some(name), true) => [ET_WEAK, strings.id(name), target],
            (None, true) => [ET_WEAK, strings.id(&weak_slots[&e.slot]), target],
            (Some(name), false) => [ET_PROPERTY, strings.id(name), target],
            (None, false) => [ET_ELEMENT, u64::from(e.slot), target],
        };
        row(w, num, false, &fields)?;
    }

    w.write_all(b"],\n\"trace_function_infos\":[],\n\"trace_tree\":[],\n\"samples\":[],\n")?;
    w.write_all(b"\"locations\":[],\n\"strings\":[")?;
    for (i, s) in strings.list.iter().enumerate() {
        if i > 0 {
            w.write_all(b",\n")?;
        }
        serde_json::to_writer(&mut *w, s)?;
    }
    w.write_all(b"]}")
}

/// The `snapshot.meta` object, as V8 writes it.
fn meta() -> serde_json::Value {
    serde_json::json!({
        "node_fields": ["type", "name", "id", "self_size", "edge_count", "trace_node_id", "detachedness"],
        "node_types": [NODE_TYPES, "string", "number", "number", "number", "number", "number"],
        "edge_fields": ["type", "name_or_index", "to_node"],
        "edge_types": [EDGE_TYPES, "string_or_number", "node"],
        "trace_function_info_fields": ["function_id", "name", "script_name", "script_id", "line", "column"],
        "trace_node_fields": ["id", "function_info_index", "count", "size", "children"],
        "sample_fields": ["timestamp_us", "last_assigned_id"],
        "location_fields": ["object_index", "script_id", "line", "column"],
    })
}

mod itoa {
    //! Decimal formatting of `u64` without going through `fmt` (the snapshot writes millions).

    #[derive(Default)]
    pub(super) struct Buffer([u8; 20]);

    impl Buffer {
        pub(super) fn format(&mut self, mut v: u64) -> &[u8] {
            let mut i = self.0.len();
            loop {
                i -= 1;
                self.0[i] = b'0' + (v % 10) as u8;
                v /= 10;
                if v == 0 {
                    break;
                }
            }
            &self.0[i..]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::HeapGraphBuilder;
    use serde_json::Value;

    fn parse(g: &HeapGraph) -> Value {
        let mut out = Vec::new();
        write_heap_snapshot(g, &mut out).unwrap();
        serde_json::from_slice(&out).expect("valid JSON")
    }

    #[test]
    fn numbers_format_like_display() {
        let mut b = itoa::Buffer::default();
        for v in [0, 1, 9, 10, 99, 100, 12345, u64::MAX] {
            assert_eq!(b.format(v), v.to_string().as_bytes());
        }
    }

    #[test]
    fn node_types_follow_the_first_word() {
        assert_eq!(node_type_of("Closure tick"), NT_CLOSURE);
        assert_eq!(node_type_of("Function"), NT_CLOSURE);
        assert_eq!(node_type_of("Array"), NT_ARRAY);
        assert_eq!(node_type_of("Array(8)"), NT_ARRAY);
        assert_eq!(node_type_of("ArrayBuffer"), NT_OBJECT);
        assert_eq!(node_type_of("Env"), NT_OBJECT);
        assert_eq!(node_type_of(""), NT_OBJECT);
    }

    #[test]
    fn layout_counts_and_targets_are_consistent() {
        let mut b = HeapGraphBuilder::new();
        let f = b.node(10, "Closure tick", 64);
        let env = b.node(11, "Env", 48);
        let arr = b.node(12, "Array", 800);
        b.field(f, 0, "env", env).edge(env, 3, arr).edge(arr, 0, f);
        b.root(RootKind::Timer, "interval timer #1", f);
        b.root(RootKind::Global, "weird \"name\"\n", arr);
        b.root(RootKind::Timer, "timeout #2", env);
        let g = b.build();
        let v = parse(&g);
        let nodes: Vec<u64> = v["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap())
            .collect();
        let edges: Vec<u64> = v["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap())
            .collect();
        let strings: Vec<&str> = v["strings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap())
            .collect();
        // root, (GC roots), (global roots), (timer roots), 3 objects.
        assert_eq!(v["snapshot"]["node_count"], 7);
        assert_eq!(nodes.len(), 7 * 7);
        assert_eq!(v["snapshot"]["edge_count"], 1 + 2 + 3 + 3);
        assert_eq!(edges.len(), 9 * 3);
        let edge_sum: u64 = nodes.chunks(7).map(|n| n[4]).sum();
        assert_eq!(edge_sum, 9);
        let names: Vec<&str> = nodes.chunks(7).map(|n| strings[n[1] as usize]).collect();
        assert_eq!(
            names,
            [
                "",
                "(GC roots)",
                "(global roots)",
                "(timer roots)",
                "Closure tick",
                "Env",
                "Array"
            ]
        );
        let ids: Vec<u64> = nodes.chunks(7).map(|n| n[2]).collect();
        assert_eq!(ids, [1, 3, 5, 9, 121, 123, 125]);
        let types: Vec<u64> = nodes.chunks(7).map(|n| n[0]).collect();
        assert_eq!(types, [9, 9, 9, 9, NT_CLOSURE, NT_OBJECT, NT_ARRAY]);
        // Timer roots' edges: internal, labelled, to the closure then the env.
        let timer_edges = &edges[3 * 4..3 * 6];
        assert_eq!(timer_edges[0], ET_INTERNAL);
        assert_eq!(strings[timer_edges[1] as usize], "interval timer #1");
        assert_eq!(timer_edges[2], 4 * 7);
        assert_eq!(strings[timer_edges[4] as usize], "timeout #2");
        assert_eq!(timer_edges[5], 5 * 7);
        assert_eq!(strings[edges[3 * 3 + 1] as usize], "weird \"name\"\n");
        // Object edges: property "env", element 3, element 0.
        let obj = &edges[3 * 6..];
        assert_eq!(&obj[..1], &[ET_PROPERTY]);
        assert_eq!(strings[obj[1] as usize], "env");
        assert_eq!(obj[2], 5 * 7);
        assert_eq!(&obj[3..], &[ET_ELEMENT, 3, 6 * 7, ET_ELEMENT, 0, 4 * 7]);
    }

    #[test]
    fn empty_graph_is_still_a_snapshot() {
        let v = parse(&HeapGraph::default());
        assert_eq!(v["snapshot"]["node_count"], 2);
        assert_eq!(v["snapshot"]["edge_count"], 1);
        assert_eq!(v["strings"][0], "<dummy>");
    }
}
