//! Taking a [`HeapGraph`] from the live heap: a breadth-first walk from the roots that reads
//! objects and root tables and writes nothing the collector uses.

use crate::diagnose::graph::{GraphEdge, GraphNode, GraphRoot, HeapGraph};
use crate::heap::Heap;
use crate::object::ObjPtr;
use crate::trace::{self, SlotKind};
use std::collections::HashMap;
use std::sync::Arc;

/// Whether a slot of `kind` leaves its target to others to keep alive.
fn is_weak(kind: SlotKind) -> bool {
    matches!(kind, SlotKind::Weak | SlotKind::EphemeronKey)
}

impl Heap {
    /// A frozen copy of the reachable object graph, with type and slot names from
    /// [`register_type`](Heap::register_type). Nodes are numbered in breadth-first order
    /// from the roots (root registration order), so the numbering is deterministic.
    ///
    /// Objects reachable only through weak slots or ephemeron keys are left out, and the
    /// weak edges that remain are flagged ([`GraphEdge::weak`](crate::diagnose::GraphEdge)).
    ///
    /// Does not collect and does not change any object, root or statistic.
    pub fn graph(&mut self) -> HeapGraph {
        self.graph_indexed(None).0
    }

    /// [`graph`](Self::graph) without the root behind `skip`, with the map from object
    /// address to node index the walk built.
    pub(crate) fn graph_indexed(
        &mut self,
        skip: Option<crate::Handle>,
    ) -> (HeapGraph, HashMap<usize, u32>) {
        let mut index: HashMap<usize, u32> = HashMap::new();
        let mut nodes: Vec<GraphNode> = Vec::new();
        let mut objs: Vec<ObjPtr> = Vec::new();
        let mut roots: Vec<GraphRoot> = Vec::new();
        let mut type_names: HashMap<u16, Arc<str>> = HashMap::new();
        let types = &self.types;
        let mut name_of = |tag: u16| -> Arc<str> {
            type_names
                .entry(tag)
                .or_insert_with(|| match types.get(&tag) {
                    Some(t) => Arc::clone(&t.name),
                    None => format!("Object#{tag}").into(),
                })
                .clone()
        };
        let mut visit = |addr: usize, objs: &mut Vec<ObjPtr>, nodes: &mut Vec<GraphNode>| -> u32 {
            if let Some(&i) = index.get(&addr) {
                return i;
            }
            let i = nodes.len() as u32;
            // SAFETY: `addr` came from a root or a live object's slot: a live object.
            let o = unsafe { ObjPtr::from_value(crate::value::RawValue::from_addr(addr)) };
            // SAFETY: as above.
            let (id, tag, size, slots, bytes) =
                unsafe { (o.id(), o.tag(), o.size(), o.slot_count(), o.byte_count()) };
            nodes.push(GraphNode {
                id: id as u64,
                type_tag: tag,
                type_name: name_of(tag),
                self_size: size as u64,
                slot_count: slots as u32,
                byte_count: bytes as u32,
            });
            objs.push(o);
            index.insert(addr, i);
            i
        };
        self.roots.for_each_root(skip, &mut |r| {
            if let Some(addr) = r.value.ref_addr() {
                let target = visit(addr, &mut objs, &mut nodes);
                roots.push(GraphRoot {
                    kind: r.kind,
                    label: r.label.to_arc(),
                    target,
                });
            }
        });
        // First the nodes: everything reachable through edges that retain (weak slots and
        // ephemeron keys do not); then the edges, weak ones only to nodes found that way.
        let mut next = 0usize;
        while next < objs.len() {
            let o = objs[next];
            // SAFETY: `o` is a live object found by the walk; the walk only reads.
            unsafe {
                trace::for_each_reference(o, |_, kind, v| {
                    if !is_weak(kind) {
                        visit(v.addr(), &mut objs, &mut nodes);
                    }
                })
            };
            next += 1;
        }
        let mut first_edge = vec![0u32];
        let mut edges: Vec<GraphEdge> = Vec::new();
        for &o in &objs {
            // SAFETY: `o` is a live object found by the walk.
            let tag = unsafe { o.tag() };
            let slot_names = self.types.get(&tag).map(|t| &t.slot_names);
            // SAFETY: as above; the walk only reads.
            unsafe {
                trace::for_each_reference(o, |i, kind, v| {
                    let Some(&target) = index.get(&v.addr()) else {
                        return; // a weak target nothing else keeps
                    };
                    let name = slot_names.and_then(|n| n.get(i)).cloned();
                    edges.push(GraphEdge {
                        slot: i as u32,
                        name,
                        target,
                        weak: is_weak(kind),
                    });
                })
            };
            first_edge.push(edges.len() as u32);
        }
        (
            HeapGraph {
                nodes,
                first_edge,
                edges,
                roots,
            },
            index,
        )
    }
}
