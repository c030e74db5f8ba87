//! Reading the heap without changing it: retaining paths, dominators, snapshots, growth.

pub mod graph;

pub use graph::{GraphEdge, GraphNode, GraphRoot, HeapGraph};
