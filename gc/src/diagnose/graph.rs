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
