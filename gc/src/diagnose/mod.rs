//! Reading the heap without changing it: retaining paths, dominators, snapshots, growth.
//!
//! Every analysis runs on a [`HeapGraph`], a frozen copy of the object graph, so it can be
//! repeated, tested on hand-built graphs ([`HeapGraphBuilder`]) and run without holding the
//! heap. None of them recurses over the graph.
//!
//! - [`Heap::why_alive`](crate::Heap::why_alive): one call from a handle to its shortest
//!   retaining path and every root that reaches it, with long runs folded ([`WhyAlive`]).
//! - [`PathIndex`]: shortest retaining path from a root to any object, and every root that
//!   retains it.
//! - [`Dominators`]: the dominator tree, retained sizes, and the largest retainers among root
//!   entries and objects.
//! - [`write_heap_snapshot`]: the V8 `.heapsnapshot` format, for Chrome DevTools and memlab.
//! - [`TypeCensus`], [`GrowthTracker`], [`three_snapshot_leaks`]: which types keep growing
//!   from one collection to the next, and which objects survive across snapshots.

pub mod dominators;
pub mod graph;
pub mod growth;
pub mod paths;
pub mod snapshot;
pub mod why_alive;

pub use dominators::{Dominator, Dominators, Holder, Retainer};
pub use graph::{GraphEdge, GraphNode, GraphRoot, HeapGraph, HeapGraphBuilder, ReverseEdges};
pub use growth::{
    group_leaks, three_snapshot_leaks, GrowingType, GrowthTracker, LeakGroup, TypeCensus, TypeCount,
};
pub use paths::{EdgeLabel, PathIndex, PathObject, PathRoot, RetainingPath};
pub use snapshot::{root_group_name, snapshot_node_id, write_heap_snapshot};
pub use why_alive::{Folded, WhyAlive};
