//! Retaining paths: why is this object still alive?
//!
//! [`PathIndex::new`] runs one breadth-first search over a [`HeapGraph`] from a synthetic
//! super-root whose children are the graph's roots, in registration order. It records, for
//! every reachable node, the edge it was first reached through. After that:
//!
//! - [`PathIndex::path_to`] returns a *shortest* path from a root to a node in
//!   `O(path length)`. The search is deterministic: roots are enqueued in registration order and
//!   each node's edges are followed in slot order, so among equally short paths the one through
//!   the earliest root and the lowest slots wins, and the same graph always gives the same path.
//! - [`PathIndex::retaining_roots`] lists every root entry from which the node is reachable
//!   (a reverse search over a reverse-edge index built on first use), in `O(nodes + edges)`.
//!
//! Weak edges ([`GraphEdge::weak`]: weak slots, ephemeron keys) retain nothing: no path goes
//! through one, and they are not predecessors in the reverse search.
//!
//! Nothing here recurses: a chain of a million objects takes the same stack as a chain of two.
//!
//! # Display format
//!
//! A [`RetainingPath`] prints as the root, then each object on the way, joined by `→`:
//!
//! ```text
//! [timer] interval timer #1 → Closure .env → Env .bigData → Array (8000016 B)
//! ```
//!
//! - The root is `[kind] label`, with the kind's [`RootKind::name`].
//! - Each object is its type name. An object is followed by the edge that leads to the next one:
//!   `.name` for a named field, `[3]` for an unnamed slot.
//! - The last object (the one asked about) ends with its self size in bytes: `(N B)`.
//! - The alternate form (`{:#}`) prints every object's self size, not only the last one's.
//!
//! ```
//! use gclab::diagnose::{HeapGraphBuilder, PathIndex};
//! use gclab::roots::RootKind;
//!
//! let mut b = HeapGraphBuilder::new();
//! let tick = b.node(1, "Closure", 64);
//! let env = b.node(2, "Env", 48);
//! let data = b.node(3, "Array", 8_000_016);
//! b.field(tick, 0, "env", env).field(env, 2, "bigData", data);
//! b.root(RootKind::Timer, "interval timer #1", tick);
//! let g = b.build();
//!
//! let paths = PathIndex::new(&g);
//! let p = paths.path_to(data).unwrap();
//! assert_eq!(
//!     p.to_string(),
//!     "[timer] interval timer #1 → Closure .env → Env .bigData → Array (8000016 B)"
//! );
//! assert_eq!(
//!     format!("{p:#}"),
//!     "[timer] interval timer #1 → Closure (64 B) .env → Env (48 B) .bigData → Array (8000016 B)"
//! );
//! assert_eq!(paths.retaining_roots(data), vec![0]);
//! ```

use super::graph::{GraphEdge, HeapGraph, ReverseEdges};
use crate::roots::RootKind;
use std::fmt;
use std::sync::{Arc, OnceLock};

/// How the breadth-first search first reached a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Via {
    /// Not reachable from any root.
    Unreached,
    /// Held directly by root entry `.0`.
    Root(u32),
    /// Reached through edge `edge` (an index into `HeapGraph::edges`) of node `from`.
    Edge { from: u32, edge: u32 },
}

/// Shortest retaining paths for every node of one graph, computed once.
///
/// Building the index is `O(nodes + edges)`; see the [module docs](self) for the guarantees.
#[derive(Debug)]
pub struct PathIndex<'g> {
    graph: &'g HeapGraph,
    via: Vec<Via>,
    depth: Vec<u32>,
    reverse: OnceLock<ReverseEdges>,
}

impl<'g> PathIndex<'g> {
    /// Runs the breadth-first search over `graph`.
    pub fn new(graph: &'g HeapGraph) -> Self {
        let n = graph.nodes.len();
        let mut via = vec![Via::Unreached; n];
        let mut depth = vec![u32::MAX; n];
        let mut queue: Vec<u32> = Vec::new();
        for (i, r) in graph.roots.iter().enumerate() {
            let t = r.target as usize;
            if via[t] == Via::Unreached {
                via[t] = Via::Root(i as u32);
                depth[t] = 0;
                queue.push(r.target);
            }
        }
        let mut head = 0;
        while head < queue.len() {
            let from = queue[head];
            head += 1;
            let d = depth[from as usize] + 1;
            let start = graph.first_edge[from as usize];
            for (k, e) in graph.out_edges(from).iter().enumerate() {
                let t = e.target as usize;
                if via[t] == Via::Unreached && !e.weak {
                    via[t] = Via::Edge {
                        from,
                        edge: start + k as u32,
                    };
                    depth[t] = d;
                    queue.push(e.target);
                }
            }
        }
        PathIndex {
            graph,
            via,
            depth,
            reverse: OnceLock::new(),
        }
    }

    /// The graph this index was built over.
    pub fn graph(&self) -> &'g HeapGraph {
        self.graph
    }

    /// Whether `node` is reachable from some root.
    ///
    /// # Panics
    /// If `node` is not a node index of the graph (also for the other queries).
    pub fn is_reachable(&self, node: u32) -> bool {
        self.via[node as usize] != Via::Unreached
    }

    /// The number of edges on a shortest path from a root to `node` (0 when a root holds it),
    /// or `None` when it is unreachable.
    pub fn distance(&self, node: u32) -> Option<u32> {
        self.is_reachable(node).then(|| self.depth[node as usize])
    }

    /// A shortest path from a root to `node`, or `None` when no root reaches it.
    ///
    /// Runs in `O(path length)`.
    pub fn path_to(&self, node: u32) -> Option<RetainingPath> {
        let len = self.distance(node)? as usize;
        let g = self.graph;
        let mut objects = Vec::with_capacity(len + 1);
        let mut edges = Vec::with_capacity(len);
        let mut cur = node;
        loop {
            objects.push(PathObject::of(g, cur));
            match self.via[cur as usize] {
                Via::Edge { from, edge } => {
                    edges.push(EdgeLabel::of(&g.edges[edge as usize]));
                    cur = from;
                }
                Via::Root(r) => {
                    objects.reverse();
                    edges.reverse();
                    let root = &g.roots[r as usize];
                    return Some(RetainingPath {
                        root: PathRoot {
                            index: r as usize,
                            kind: root.kind,
                            label: root.label.clone(),
                        },
                        objects,
                        edges,
                    });
                }
                Via::Unreached => unreachable!("a reached node's parent chain ends at a root"),
            }
        }
    }

    /// Every root entry from which `node` is reachable, as indices into `graph.roots`, in
    /// registration order. Each entry appears at most once; two entries with the same label
    /// both appear.
    ///
    /// Runs a reverse breadth-first search from `node`: `O(nodes + edges)` per call. The
    /// reverse-edge index is built on the first call and kept.
    pub fn retaining_roots(&self, node: u32) -> Vec<usize> {
        if !self.is_reachable(node) {
            return Vec::new();
        }
        let rev = self.reverse.get_or_init(|| self.graph.reverse_edges());
        let mut seen = vec![false; self.graph.nodes.len()];
        seen[node as usize] = true;
        let mut queue = vec![node];
        let mut head = 0;
        while head < queue.len() {
            let n = queue[head];
            head += 1;
            for &p in rev.predecessors(n) {
                // Only reachable nodes can lie on a path from a root.
                if !seen[p as usize] && self.via[p as usize] != Via::Unreached {
                    seen[p as usize] = true;
                    queue.push(p);
                }
            }
        }
        self.graph
            .roots
            .iter()
            .enumerate()
            .filter(|(_, r)| seen[r.target as usize])
            .map(|(i, _)| i)
            .collect()
    }
}

/// The root a [`RetainingPath`] starts from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathRoot {
    /// Index of the root entry in `HeapGraph::roots`.
    pub index: usize,
    /// Why the runtime keeps it.
    pub kind: RootKind,
    /// The runtime's label for it.
    pub label: Arc<str>,
}

/// One object on a [`RetainingPath`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathObject {
    /// Dense node index in the graph.
    pub node: u32,
    /// The object's stable id.
    pub id: u64,
    /// The object's type name.
    pub type_name: Arc<str>,
    /// The object's own size in bytes.
    pub self_size: u64,
}

impl PathObject {
    fn of(g: &HeapGraph, node: u32) -> Self {
        let n = &g.nodes[node as usize];
        PathObject {
            node,
            id: n.id,
            type_name: n.type_name.clone(),
            self_size: n.self_size,
        }
    }
}

/// The edge between two objects on a [`RetainingPath`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EdgeLabel {
    /// A named field (prints as `.name`).
    Field(Arc<str>),
    /// An unnamed slot index (prints as `[i]`).
    Slot(u32),
}

impl EdgeLabel {
    /// The label of `edge`: its field name when it has one, else its slot index.
    pub fn of(edge: &GraphEdge) -> Self {
        match &edge.name {
            Some(n) => EdgeLabel::Field(n.clone()),
            None => EdgeLabel::Slot(edge.slot),
        }
    }
}

impl fmt::Display for EdgeLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EdgeLabel::Field(n) => write!(f, ".{n}"),
            EdgeLabel::Slot(i) => write!(f, "[{i}]"),
        }
    }
}

/// A path from a root to an object: `root → objects[0] → … → objects[last]`.
///
/// `objects[0]` is the object the root holds and the last object is the one asked about;
/// `edges[i]` leads from `objects[i]` to `objects[i + 1]`, so
/// `edges.len() + 1 == objects.len()`. See the [module docs](self) for the printed form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetainingPath {
    /// The root the path starts from.
    pub root: PathRoot,
    /// The objects on the path, from the root's target to the queried node.
    pub objects: Vec<PathObject>,
    /// The edges between consecutive objects.
    pub edges: Vec<EdgeLabel>,
}

impl RetainingPath {
    /// The number of edges between objects (0 when a root holds the object directly).
    pub fn len(&self) -> usize {
        self.edges.len()
    }

    /// Whether a root holds the object directly.
    pub fn is_empty(&self) -> bool {
        self.edges.is_empty()
    }

    /// The object the path leads to.
    pub fn target(&self) -> &PathObject {
        self.objects.last().expect("a path has at least one object")
    }
}

impl fmt::Display for RetainingPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}", self.root.kind, self.root.label)?;
        let last = self.objects.len() - 1;
        for (i, o) in self.objects.iter().enumerate() {
            write!(f, " → {}", o.type_name)?;
            if f.alternate() || i == last {
                write!(f, " ({} B)", o.self_size)?;
            }
            if let Some(e) = self.edges.get(i) {
                write!(f, " {e}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::HeapGraphBuilder;

    #[test]
    fn prefers_earlier_roots_and_lower_slots_among_equal_paths() {
        let mut b = HeapGraphBuilder::new();
        let a = b.node(1, "A", 1);
        let c = b.node(2, "C", 1);
        let x = b.node(3, "X", 1);
        let y = b.node(4, "Y", 1);
        // Both a and c reach y in two steps; a's root comes second.
        b.edge(a, 5, x).edge(a, 1, y).edge(c, 0, x).edge(x, 0, y);
        b.root(RootKind::Global, "g", c)
            .root(RootKind::Handle, "h", a);
        let g = b.build();
        let p = PathIndex::new(&g);
        assert_eq!(p.distance(y), Some(1));
        assert_eq!(
            p.path_to(y).unwrap().to_string(),
            "[handle] h → A [1] → Y (1 B)"
        );
        // x is one step from both roots; the earlier root wins.
        assert_eq!(
            p.path_to(x).unwrap().to_string(),
            "[global] g → C [0] → X (1 B)"
        );
        assert_eq!(p.retaining_roots(x), vec![0, 1]);
        assert_eq!(p.retaining_roots(a), vec![1]);
    }

    #[test]
    fn unreachable_nodes_have_no_path_and_no_roots() {
        let mut b = HeapGraphBuilder::new();
        let a = b.node(1, "A", 1);
        let lost = b.node(2, "Lost", 1);
        b.edge(lost, 0, a).edge(lost, 1, lost);
        b.root(RootKind::Global, "g", a);
        let g = b.build();
        let p = PathIndex::new(&g);
        assert!(p.path_to(lost).is_none());
        assert!(p.retaining_roots(lost).is_empty());
        assert_eq!(p.distance(lost), None);
        let held = p.path_to(a).unwrap();
        assert!(held.is_empty());
        assert_eq!(held.to_string(), "[global] g → A (1 B)");
    }
}
