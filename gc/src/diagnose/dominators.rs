//! Dominators and retained sizes: how many bytes would go away with this object?
//!
//! The analysis runs on a flow graph built from a [`HeapGraph`]:
//!
//! ```text
//! super-root ─► root entry 0 ─► its target object
//!            ├► root entry 1 ─► …
//!            └► …                 objects ─► objects (the graph's edges)
//! ```
//!
//! One synthetic node per root *entry* (not per root kind) sits between the super-root and the
//! objects, so bytes held by exactly one root are attributed to that root's label. A node `d`
//! *dominates* `v` when every path from the super-root to `v` passes through `d`; the
//! *immediate* dominator of `v` is its closest strict dominator. The *retained size* of a node is
//! the sum of the self sizes of all nodes it dominates (itself included): the bytes that would be
//! freed if it were gone. Root entries and the super-root have self size 0.
//!
//! Guarantees:
//! - Immediate dominators come from the iterative algorithm of Cooper, Harvey and Kennedy
//!   ("A Simple, Fast Dominance Algorithm", 2001) over a reverse postorder computed with an
//!   explicit stack. Retained sizes are summed bottom-up in reverse postorder (a dominator
//!   always precedes the nodes it dominates). Nothing recurses.
//! - Objects unreachable from every root are excluded: they have no dominator and no retained
//!   size, and count towards no one else's.
//! - Successors are visited in the graph's order (roots in registration order, edges in slot
//!   order), so results are deterministic.
//!
//! ```
//! use gclab::diagnose::{Dominator, Dominators, HeapGraphBuilder, Holder};
//! use gclab::roots::RootKind;
//!
//! let mut b = HeapGraphBuilder::new();
//! let cache = b.node(1, "Cache", 32);
//! let entry = b.node(2, "Entry", 16);
//! let blob = b.node(3, "Blob", 1000);
//! b.field(cache, 0, "head", entry).field(entry, 0, "value", blob);
//! b.root(RootKind::Global, "cache", cache);
//! let g = b.build();
//!
//! let d = Dominators::new(&g);
//! assert_eq!(d.immediate_dominator(blob), Some(Dominator::Object(entry)));
//! assert_eq!(d.immediate_dominator(cache), Some(Dominator::Root(0)));
//! assert_eq!(d.retained_size(cache), Some(1048));
//! let top = d.top_retainers(1);
//! assert!(matches!(&top[0].holder, Holder::Root { label, .. } if &**label == "cache"));
//! assert_eq!(top[0].retained_size, 1048);
//! ```

use super::graph::HeapGraph;
use crate::roots::RootKind;
use std::sync::Arc;

const NONE: u32 = u32::MAX;

/// The immediate dominator of an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dominator {
    /// No single root or object: the object is reachable from two or more roots along paths
    /// that share no object.
    SuperRoot,
    /// Root entry `.0` (an index into `HeapGraph::roots`).
    Root(usize),
    /// Another object (a dense node index).
    Object(u32),
}

/// Something that retains bytes: a root entry or an object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Holder {
    /// A root entry.
    Root {
        /// Index of the entry in `HeapGraph::roots`.
        index: usize,
        /// The root's kind.
        kind: RootKind,
        /// The root's label.
        label: Arc<str>,
    },
    /// An object.
    Object {
        /// Dense node index.
        node: u32,
        /// Stable object id.
        id: u64,
        /// Type name.
        type_name: Arc<str>,
    },
}

/// One entry of [`Dominators::top_retainers`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retainer {
    /// Who retains the bytes.
    pub holder: Holder,
    /// The bytes it retains (its dominator subtree's self sizes).
    pub retained_size: u64,
}

/// The dominator tree of one graph, with retained sizes.
///
/// See the [module docs](self) for definitions and guarantees.
#[derive(Debug)]
pub struct Dominators<'g> {
    graph: &'g HeapGraph,
    /// Reverse-postorder number of each flow node (`NONE` when unreachable). Flow nodes are
    /// `0` = super-root, `1..=R` = root entries, `R + 1 + i` = object `i`.
    rpo_of: Vec<u32>,
    /// The flow node at each reverse-postorder position.
    order: Vec<u32>,
    /// Immediate dominator of each position, as a position (`idom[0] == 0`).
    idom: Vec<u32>,
    /// Retained size of each position.
    retained: Vec<u64>,
}

impl<'g> Dominators<'g> {
    /// Computes the dominator tree and retained sizes of `graph`.
    ///
    /// # Panics
    /// If the graph has `u32::MAX - 1` or more nodes plus root entries.
    pub fn new(graph: &'g HeapGraph) -> Self {
        let flow = Flow::new(graph);
        let (order, rpo_of) = flow.reverse_postorder();
        let preds = flow.predecessors(&order, &rpo_of);
        let idom = cooper_harvey_kennedy(&preds);
        let mut retained: Vec<u64> = order.iter().map(|&v| flow.self_size(v)).collect();
        for i in (1..order.len()).rev() {
            let d = idom[i] as usize;
            retained[d] += retained[i];
        }
        Dominators {
            graph,
            rpo_of,
            order,
            idom,
            retained,
        }
    }

    /// The graph this was computed over.
    pub fn graph(&self) -> &'g HeapGraph {
        self.graph
    }

    fn root_count(&self) -> usize {
        self.graph.roots.len()
    }

    fn object_pos(&self, node: u32) -> Option<usize> {
        assert!(
            (node as usize) < self.graph.nodes.len(),
            "node {node} out of range"
        );
        let p = self.rpo_of[self.root_count() + 1 + node as usize];
        (p != NONE).then_some(p as usize)
    }

    /// Whether `node` is reachable from some root.
    ///
    /// # Panics
    /// If `node` is not a node index of the graph (also for the other per-node queries).
    pub fn is_reachable(&self, node: u32) -> bool {
        self.object_pos(node).is_some()
    }

    /// Number of objects reachable from the roots.
    pub fn reachable_count(&self) -> usize {
        self.order.len() - 1 - self.root_count()
    }

    /// Total self size of all reachable objects (the super-root's retained size).
    pub fn reachable_size(&self) -> u64 {
        self.retained[0]
    }

    /// The immediate dominator of `node`, or `None` when it is unreachable.
    pub fn immediate_dominator(&self, node: u32) -> Option<Dominator> {
        let p = self.object_pos(node)?;
        let v = self.order[self.idom[p] as usize] as usize;
        let r = self.root_count();
        Some(if v == 0 {
            Dominator::SuperRoot
        } else if v <= r {
            Dominator::Root(v - 1)
        } else {
            Dominator::Object((v - r - 1) as u32)
        })
    }

    /// The bytes `node` retains (its own size included), or `None` when it is unreachable.
    pub fn retained_size(&self, node: u32) -> Option<u64> {
        Some(self.retained[self.object_pos(node)?])
    }

    /// The bytes root entry `root` retains alone: the objects every path to which goes through
    /// it. An object held by two root entries is retained by neither.
    ///
    /// # Panics
    /// If `root` is not an index into `graph.roots`.
    pub fn root_retained_size(&self, root: usize) -> u64 {
        assert!(root < self.root_count(), "root {root} out of range");
        self.retained[self.rpo_of[1 + root] as usize]
    }

    /// The `k` holders (root entries and objects) retaining the most bytes, largest first.
    ///
    /// A root entry and the object it holds often retain the same bytes; both are listed, the
    /// root first. Ties are broken by listing root entries before objects, then by index.
    /// Holders retaining 0 bytes are listed only when fewer than `k` others exist.
    pub fn top_retainers(&self, k: usize) -> Vec<Retainer> {
        let r = self.root_count();
        // Rank positions (excluding the super-root) by (retained desc, flow node asc): flow
        // numbering already puts roots before objects, and each in index order.
        let key = |&p: &u32| {
            (
                std::cmp::Reverse(self.retained[p as usize]),
                self.order[p as usize],
            )
        };
        let mut ranked: Vec<u32> = (1..self.order.len() as u32).collect();
        let k = k.min(ranked.len());
        if k == 0 {
            return Vec::new();
        }
        if k < ranked.len() {
            ranked.select_nth_unstable_by_key(k - 1, key);
            ranked.truncate(k);
        }
        ranked.sort_unstable_by_key(key);
        ranked
            .into_iter()
            .map(|p| {
                let v = self.order[p as usize] as usize;
                let holder = if v <= r {
                    let root = &self.graph.roots[v - 1];
                    Holder::Root {
                        index: v - 1,
                        kind: root.kind,
                        label: root.label.clone(),
                    }
                } else {
                    let node = (v - r - 1) as u32;
                    let n = &self.graph.nodes[node as usize];
                    Holder::Object {
                        node,
                        id: n.id,
                        type_name: n.type_name.clone(),
                    }
                };
                Retainer {
                    holder,
                    retained_size: self.retained[p as usize],
                }
            })
            .collect()
    }
}

/// The flow graph: super-root, one node per root entry, then the objects, with successors in
/// compressed sparse rows of flow node numbers (built once, so the searches below read two flat
/// arrays instead of the graph's edge records).
struct Flow<'g> {
    graph: &'g HeapGraph,
    roots: u32,
    succ: Csr,
}

impl<'g> Flow<'g> {
    fn new(graph: &'g HeapGraph) -> Self {
        let r = graph.roots.len();
        let len = 1 + r + graph.nodes.len();
        assert!(
            len < NONE as usize && 2 * r + graph.edges.len() < NONE as usize,
            "graph too large for 32-bit node numbers"
        );
        let roots = r as u32;
        let obj = |n: u32| roots + 1 + n;
        let mut first = Vec::with_capacity(len + 1);
        first.push(0);
        first.push(roots);
        first.extend((1..=roots).map(|i| roots + i));
        // Weak edges retain nothing: they are left out of the flow graph.
        let mut strong = 2 * roots;
        for n in 0..graph.nodes.len() as u32 {
            strong += graph.out_edges(n).iter().filter(|e| !e.weak).count() as u32;
            first.push(strong);
        }
        let mut items = Vec::with_capacity(2 * r + graph.edges.len());
        items.extend(1..=roots);
        items.extend(graph.roots.iter().map(|g| obj(g.target)));
        items.extend(
            graph
                .edges
                .iter()
                .filter(|e| !e.weak)
                .map(|e| obj(e.target)),
        );
        debug_assert_eq!(first.len(), len + 1);
        debug_assert_eq!(*first.last().unwrap() as usize, items.len());
        Flow {
            graph,
            roots,
            succ: Csr { first, items },
        }
    }

    fn len(&self) -> usize {
        self.succ.first.len() - 1
    }

    fn self_size(&self, v: u32) -> u64 {
        if v <= self.roots {
            0
        } else {
            self.graph.nodes[(v - self.roots - 1) as usize].self_size
        }
    }

    /// Depth-first search from the super-root with an explicit stack of
    /// `(node, next successor position, end of its successors)`. Returns the reachable nodes in
    /// reverse postorder, and each node's position (or `NONE`).
    fn reverse_postorder(&self) -> (Vec<u32>, Vec<u32>) {
        let Csr { first, items } = &self.succ;
        let mut rpo_of = vec![NONE; self.len()];
        let mut post = Vec::with_capacity(self.len());
        let mut stack: Vec<(u32, u32, u32)> = vec![(0, first[0], first[1])];
        // Mark on push so that each node is pushed once; `rpo_of` doubles as the visited set
        // until the real numbers are written.
        rpo_of[0] = 0;
        while let Some(top) = stack.last_mut() {
            let (v, k, end) = *top;
            if k < end {
                top.1 += 1;
                let w = items[k as usize] as usize;
                if rpo_of[w] == NONE {
                    rpo_of[w] = 0;
                    stack.push((w as u32, first[w], first[w + 1]));
                }
            } else {
                post.push(v);
                stack.pop();
            }
        }
        post.reverse();
        for (i, &v) in post.iter().enumerate() {
            rpo_of[v as usize] = i as u32;
        }
        (post, rpo_of)
    }

    /// Predecessor lists of the reachable nodes, in reverse-postorder positions.
    fn predecessors(&self, order: &[u32], rpo_of: &[u32]) -> Csr {
        let n = order.len();
        let mut first = vec![0u32; n + 1];
        // Walk sources in flow order (sequential reads); only reachable ones count.
        let reachable_rows = || {
            (0..self.len()).filter_map(|u| {
                let pu = rpo_of[u];
                (pu != NONE).then(|| (pu, self.succ.row(u)))
            })
        };
        for (_, row) in reachable_rows() {
            for &w in row {
                first[rpo_of[w as usize] as usize + 1] += 1;
            }
        }
        for i in 0..n {
            first[i + 1] += first[i];
        }
        let mut cursor = first[..n].to_vec();
        let mut items = vec![0u32; first[n] as usize];
        for (pu, row) in reachable_rows() {
            for &w in row {
                let c = &mut cursor[rpo_of[w as usize] as usize];
                items[*c as usize] = pu;
                *c += 1;
            }
        }
        Csr { first, items }
    }
}

/// Compressed sparse rows.
struct Csr {
    first: Vec<u32>,
    items: Vec<u32>,
}

impl Csr {
    fn row(&self, i: usize) -> &[u32] {
        &self.items[self.first[i] as usize..self.first[i + 1] as usize]
    }
}

/// Immediate dominators over reverse-postorder positions (position 0 is the start node; every
/// position is reachable). Returns `idom[p]` as a position, with `idom[0] == 0`.
fn cooper_harvey_kennedy(preds: &Csr) -> Vec<u32> {
    let n = preds.first.len() - 1;
    let mut idom = vec![NONE; n];
    if n == 0 {
        return idom;
    }
    idom[0] = 0;
    let intersect = |idom: &[u32], mut a: u32, mut b: u32| {
        while a != b {
            while a > b {
                a = idom[a as usize];
            }
            while b > a {
                b = idom[b as usize];
            }
        }
        a
    };
    let mut changed = true;
    while changed {
        changed = false;
        for b in 1..n {
            let mut new = NONE;
            for &p in preds.row(b) {
                if idom[p as usize] == NONE {
                    continue;
                }
                new = if new == NONE {
                    p
                } else {
                    intersect(&idom, p, new)
                };
            }
            debug_assert_ne!(new, NONE, "position {b} has a processed predecessor in RPO");
            if idom[b] != new {
                idom[b] = new;
                changed = true;
            }
        }
    }
    idom
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::HeapGraphBuilder;

    #[test]
    fn diamond_is_dominated_by_its_top() {
        let mut b = HeapGraphBuilder::new();
        let top = b.node(1, "Top", 10);
        let l = b.node(2, "L", 20);
        let r = b.node(3, "R", 30);
        let bottom = b.node(4, "Bottom", 40);
        b.edge(top, 0, l)
            .edge(top, 1, r)
            .edge(l, 0, bottom)
            .edge(r, 0, bottom);
        b.root(RootKind::StackFrame, "main/local 0", top);
        let g = b.build();
        let d = Dominators::new(&g);
        assert_eq!(d.immediate_dominator(bottom), Some(Dominator::Object(top)));
        assert_eq!(d.immediate_dominator(l), Some(Dominator::Object(top)));
        assert_eq!(d.retained_size(top), Some(100));
        assert_eq!(d.retained_size(l), Some(20));
        assert_eq!(d.root_retained_size(0), 100);
        assert_eq!(d.reachable_size(), 100);
    }

    #[test]
    fn shared_objects_belong_to_the_super_root_and_unreachable_ones_to_no_one() {
        let mut b = HeapGraphBuilder::new();
        let a = b.node(1, "A", 1);
        let c = b.node(2, "C", 2);
        let shared = b.node(3, "Shared", 100);
        let lost = b.node(4, "Lost", 1000);
        b.edge(a, 0, shared).edge(c, 0, shared).edge(lost, 0, a);
        b.root(RootKind::Global, "a", a)
            .root(RootKind::Timer, "t", c);
        let g = b.build();
        let d = Dominators::new(&g);
        assert_eq!(d.immediate_dominator(shared), Some(Dominator::SuperRoot));
        assert_eq!(d.immediate_dominator(lost), None);
        assert_eq!(d.retained_size(lost), None);
        assert_eq!(d.reachable_count(), 3);
        assert_eq!(d.reachable_size(), 103);
        let top = d.top_retainers(10);
        assert_eq!(top.len(), 5);
        assert_eq!(top[0].retained_size, 100);
        assert!(matches!(top[0].holder, Holder::Object { node, .. } if node == shared));
        assert!(matches!(top[1].holder, Holder::Root { index: 1, .. }));
        assert!(matches!(top[2].holder, Holder::Object { node, .. } if node == c));
    }

    #[test]
    fn empty_and_rootless_graphs_have_nothing_reachable() {
        let empty = HeapGraph::default();
        let d = Dominators::new(&empty);
        assert_eq!((d.reachable_count(), d.reachable_size()), (0, 0));
        assert!(d.top_retainers(3).is_empty());

        let mut b = HeapGraphBuilder::new();
        let a = b.node(1, "A", 5);
        b.edge(a, 0, a);
        let g = b.build();
        let d = Dominators::new(&g);
        assert!(!d.is_reachable(a));
        assert!(d.top_retainers(3).is_empty());
    }

    #[test]
    fn two_entries_for_one_object_share_it() {
        let mut b = HeapGraphBuilder::new();
        let a = b.node(1, "A", 7);
        b.root(RootKind::Global, "x", a)
            .root(RootKind::Handle, "y", a);
        let g = b.build();
        let d = Dominators::new(&g);
        assert_eq!(d.immediate_dominator(a), Some(Dominator::SuperRoot));
        assert_eq!(d.root_retained_size(0), 0);
        assert_eq!(d.root_retained_size(1), 0);
        assert_eq!(d.retained_size(a), Some(7));
    }
}
