//! A frozen copy of the object graph, taken from a heap without changing it.
//!
//! Every diagnostic (retaining paths, dominators, snapshots, growth tracking) runs on a
//! [`HeapGraph`] rather than on the live heap: taking the graph reads the heap once, and the
//! analyses can then index nodes densely (`0..nodes.len()`) and walk edges in compressed
//! sparse-row form without touching the collector's state.

use crate::roots::RootKind;
use std::sync::Arc;

/// A node: one live object.
#[derive(Clone, Debug, PartialEq)]
pub struct GraphNode {
    /// The object's stable identity (the same across collections and moves).
    pub id: u64,
    /// The embedder's type tag.
    pub type_tag: u16,
    /// The type's registered name, or `"Object#<tag>"` when none was registered.
    pub type_name: Arc<str>,
    /// Exact size of the object in bytes (header, slots, raw bytes).
    pub self_size: u64,
    /// Number of reference slots (the edges below are only the slots that hold references).
    pub slot_count: u32,
    /// Number of raw bytes.
    pub byte_count: u32,
}

/// An edge: a reference slot of one object pointing at another.
#[derive(Clone, Debug, PartialEq)]
pub struct GraphEdge {
    /// Index of the slot in the source object.
    pub slot: u32,
    /// The slot's registered field name, if the embedder gave one for the source's type.
    pub name: Option<Arc<str>>,
    /// Dense index of the target node.
    pub target: u32,
    /// A weak slot or an ephemeron key: it does not keep the target alive, so retaining
    /// paths, retainers ([`ReverseEdges`]) and dominators ignore it, and snapshots give it
    /// V8's `weak` edge type. The graph only has weak edges to objects something else keeps.
    pub weak: bool,
}

/// A registered root that holds a reference.
#[derive(Clone, Debug, PartialEq)]
pub struct GraphRoot {
    /// Why the runtime keeps it.
    pub kind: RootKind,
    /// The runtime's label for it (`"interval timer #1"`, `"main/local 3"`, a global's name…).
    pub label: Arc<str>,
    /// Dense index of the object it holds.
    pub target: u32,
}

/// The object graph in compressed sparse-row form.
///
/// Node `i`'s outgoing edges are `edges[first_edge[i] as usize..first_edge[i + 1] as usize]`,
/// in slot order; `first_edge.len() == nodes.len() + 1`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HeapGraph {
    /// Live objects, densely indexed.
    pub nodes: Vec<GraphNode>,
    /// Edge ranges per node (see the type docs).
    pub first_edge: Vec<u32>,
    /// All edges, grouped by source node.
    pub edges: Vec<GraphEdge>,
    /// Roots in registration order (several roots may hold the same node).
    pub roots: Vec<GraphRoot>,
}

impl HeapGraph {
    /// The outgoing edges of node `n`.
    pub fn out_edges(&self, n: u32) -> &[GraphEdge] {
        let n = n as usize;
        &self.edges[self.first_edge[n] as usize..self.first_edge[n + 1] as usize]
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the graph has no nodes.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

impl HeapGraph {
    /// The index of the first root entry whose target is `n`, if any.
    ///
    /// Several entries may hold the same node; this returns the earliest in registration order.
    pub fn root_of(&self, n: u32) -> Option<usize> {
        self.roots.iter().position(|r| r.target == n)
    }

    /// The dense index of the node whose stable id is `id` (a linear scan).
    pub fn find_id(&self, id: u64) -> Option<u32> {
        self.nodes.iter().position(|n| n.id == id).map(|i| i as u32)
    }

    /// Builds the reverse-edge index (who points at each node), in `O(nodes + edges)`.
    pub fn reverse_edges(&self) -> ReverseEdges {
        ReverseEdges::new(self)
    }
}

/// For every node, the sources of the *strong* edges that point at it (its retainers): the
/// reverse of [`HeapGraph`]'s compressed sparse rows without the weak edges.
///
/// A source appears once per edge, so a node reached twice from the same object lists that
/// object twice. Sources of each node are in increasing order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReverseEdges {
    first: Vec<u32>,
    sources: Vec<u32>,
}

impl ReverseEdges {
    /// Builds the index for `graph` (two passes over the edges, no hashing).
    pub fn new(graph: &HeapGraph) -> Self {
        let n = graph.nodes.len();
        let mut first = vec![0u32; n + 1];
        for e in graph.edges.iter().filter(|e| !e.weak) {
            first[e.target as usize + 1] += 1;
        }
        for i in 0..n {
            first[i + 1] += first[i];
        }
        let mut cursor: Vec<u32> = first[..n].to_vec();
        let mut sources = vec![0u32; first[n] as usize];
        for src in 0..n {
            for e in graph.out_edges(src as u32).iter().filter(|e| !e.weak) {
                let c = &mut cursor[e.target as usize];
                sources[*c as usize] = src as u32;
                *c += 1;
            }
        }
        ReverseEdges { first, sources }
    }

    /// The nodes with an edge to `n`, one entry per edge.
    pub fn predecessors(&self, n: u32) -> &[u32] {
        let n = n as usize;
        &self.sources[self.first[n] as usize..self.first[n + 1] as usize]
    }
}

/// Builds a [`HeapGraph`] by hand: for tests, examples and embedders that export their own
/// graphs.
///
/// Nodes get dense indices in the order they are added. [`node`](Self::node) assigns type
/// tags per distinct type name in first-seen order (0, 1, 2…) and equal names share one
/// `Arc<str>`; [`add_node`](Self::add_node) takes the node as given, so do not mix the two if
/// tags must stay unique per name. [`build`](Self::build) sorts each node's edges
/// by slot (stably) and sets `slot_count` to at least one past the highest slot used.
///
/// ```
/// use gclab::diagnose::HeapGraphBuilder;
/// use gclab::roots::RootKind;
///
/// let mut b = HeapGraphBuilder::new();
/// let env = b.node(1, "Env", 48);
/// let data = b.node(2, "Array", 8_000_016);
/// b.field(env, 0, "bigData", data);
/// b.root(RootKind::Global, "app", env);
/// let g = b.build();
/// assert_eq!(g.len(), 2);
/// assert_eq!(g.out_edges(env)[0].target, data);
/// ```
#[derive(Debug, Default)]
pub struct HeapGraphBuilder {
    nodes: Vec<GraphNode>,
    edges: Vec<(u32, GraphEdge)>,
    roots: Vec<GraphRoot>,
    names: std::collections::HashMap<Arc<str>, u16>,
    fields: std::collections::HashSet<Arc<str>>,
}

impl HeapGraphBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an object with stable `id`, type `type_name` and `self_size` bytes; returns its
    /// dense index.
    ///
    /// # Panics
    /// If more than `u16::MAX + 1` distinct type names are used.
    pub fn node(&mut self, id: u64, type_name: &str, self_size: u64) -> u32 {
        let next = self.names.len();
        let (name, tag) = match self.names.get_key_value(type_name) {
            Some((k, &t)) => (k.clone(), t),
            None => {
                let tag = u16::try_from(next).expect("more than 65536 distinct type names");
                let k: Arc<str> = Arc::from(type_name);
                self.names.insert(k.clone(), tag);
                (k, tag)
            }
        };
        self.add_node(GraphNode {
            id,
            type_tag: tag,
            type_name: name,
            self_size,
            slot_count: 0,
            byte_count: 0,
        })
    }

    /// Adds a fully specified node; returns its dense index.
    pub fn add_node(&mut self, node: GraphNode) -> u32 {
        let i = u32::try_from(self.nodes.len()).expect("more than u32::MAX nodes");
        self.nodes.push(node);
        i
    }

    /// Adds an unnamed edge: slot `slot` of `from` refers to `to`.
    pub fn edge(&mut self, from: u32, slot: u32, to: u32) -> &mut Self {
        self.edges.push((
            from,
            GraphEdge {
                slot,
                name: None,
                target: to,
                weak: false,
            },
        ));
        self
    }

    /// Adds a weak edge: slot `slot` of `from` holds `to` weakly (see [`GraphEdge::weak`]).
    pub fn weak_edge(&mut self, from: u32, slot: u32, to: u32) -> &mut Self {
        self.edges.push((
            from,
            GraphEdge {
                slot,
                name: None,
                target: to,
                weak: true,
            },
        ));
        self
    }

    /// Adds a named edge: field `name` (slot `slot`) of `from` refers to `to`.
    pub fn field(&mut self, from: u32, slot: u32, name: &str, to: u32) -> &mut Self {
        let name = match self.fields.get(name) {
            Some(k) => k.clone(),
            None => {
                let k: Arc<str> = Arc::from(name);
                self.fields.insert(k.clone());
                k
            }
        };
        self.edges.push((
            from,
            GraphEdge {
                slot,
                name: Some(name),
                target: to,
                weak: false,
            },
        ));
        self
    }

    /// Registers a root of `kind` labelled `label` holding `target`.
    pub fn root(&mut self, kind: RootKind, label: &str, target: u32) -> &mut Self {
        self.roots.push(GraphRoot {
            kind,
            label: Arc::from(label),
            target,
        });
        self
    }

    /// Finishes the graph.
    ///
    /// # Panics
    /// If an edge or root refers to a node index that was never added, or if there are more
    /// than `u32::MAX` edges.
    pub fn build(self) -> HeapGraph {
        let HeapGraphBuilder {
            mut nodes,
            mut edges,
            roots,
            ..
        } = self;
        let n = nodes.len();
        for (from, e) in &edges {
            assert!(
                (*from as usize) < n && (e.target as usize) < n,
                "edge {from} -> {} refers to a node outside 0..{n}",
                e.target
            );
        }
        for r in &roots {
            assert!(
                (r.target as usize) < n,
                "root {:?} targets node {} outside 0..{n}",
                r.label,
                r.target
            );
        }
        u32::try_from(edges.len()).expect("more than u32::MAX edges");
        // Stable sort keeps insertion order among equal slots.
        edges.sort_by_key(|(from, e)| (*from, e.slot));
        let mut first_edge = vec![0u32; n + 1];
        for (from, e) in &edges {
            first_edge[*from as usize + 1] += 1;
            let node = &mut nodes[*from as usize];
            node.slot_count = node.slot_count.max(e.slot.saturating_add(1));
        }
        for i in 0..n {
            first_edge[i + 1] += first_edge[i];
        }
        HeapGraph {
            nodes,
            first_edge,
            edges: edges.into_iter().map(|(_, e)| e).collect(),
            roots,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_sorts_edges_by_slot_and_interns_names() {
        let mut b = HeapGraphBuilder::new();
        let a = b.node(10, "A", 8);
        let c = b.node(11, "A", 8);
        let d = b.node(12, "D", 16);
        b.edge(a, 3, d).field(a, 1, "x", c).edge(c, 0, a);
        b.root(RootKind::Handle, "h", a);
        let g = b.build();
        assert_eq!(g.first_edge, vec![0, 2, 3, 3]);
        assert_eq!(g.out_edges(a)[0].slot, 1);
        assert_eq!(g.out_edges(a)[0].name.as_deref(), Some("x"));
        assert_eq!(g.out_edges(a)[1].target, d);
        assert_eq!(g.nodes[a as usize].slot_count, 4);
        assert_eq!(g.nodes[c as usize].type_tag, g.nodes[a as usize].type_tag);
        assert_ne!(g.nodes[d as usize].type_tag, g.nodes[a as usize].type_tag);
        assert!(Arc::ptr_eq(
            &g.nodes[a as usize].type_name,
            &g.nodes[c as usize].type_name
        ));
        assert_eq!(g.find_id(12), Some(d));
        assert_eq!(g.root_of(a), Some(0));
        assert_eq!(g.root_of(d), None);
    }

    #[test]
    fn reverse_edges_list_every_incoming_edge() {
        let mut b = HeapGraphBuilder::new();
        let a = b.node(1, "A", 8);
        let c = b.node(2, "B", 8);
        b.edge(a, 0, c).edge(a, 1, c).edge(c, 0, a).edge(c, 1, c);
        let g = b.build();
        let r = g.reverse_edges();
        assert_eq!(r.predecessors(a), &[c]);
        assert_eq!(r.predecessors(c), &[a, a, c]);
    }

    #[test]
    #[should_panic(expected = "outside")]
    fn builder_rejects_dangling_edges() {
        let mut b = HeapGraphBuilder::new();
        let a = b.node(1, "A", 8);
        b.edge(a, 0, 7);
        let _ = b.build();
    }
}
