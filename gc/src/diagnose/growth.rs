//! Growth: which types keep growing, and which objects outlive the work that made them.
//!
//! Two leak detectors, both on frozen [`HeapGraph`]s:
//!
//! - **Type growth.** [`TypeCensus::of`] counts objects and bytes per type tag. Push one census
//!   into a [`GrowthTracker`] after each major collection; [`GrowthTracker::growing`] reports
//!   the types whose live count rose strictly at every step over the last `N` censuses (a type
//!   missing from a census counts as 0 there). A healthy type plateaus or dips at some point
//!   within any `N` collections; a leaking one does not. Larger `N` means fewer false alarms and
//!   later detection.
//! - **Three snapshots.** Take a graph before the suspect work (`g1`), after it once (`g2`),
//!   and after it again (`g3`). [`three_snapshot_leaks`] returns the objects of `g3` that were
//!   created between `g1` and `g2` and are still alive in `g3`: allocations from the first round
//!   that the second round did not free. [`group_leaks`] groups them by type and attaches one
//!   retaining path per group. Objects are matched by their stable id.
//!
//! ```
//! use gclab::diagnose::{GrowthTracker, HeapGraphBuilder, TypeCensus};
//! use gclab::roots::RootKind;
//!
//! let mut tracker = GrowthTracker::new(3);
//! for round in 1..=3u64 {
//!     let mut b = HeapGraphBuilder::new();
//!     let list = b.node(0, "List", 16);
//!     for i in 0..round {
//!         let item = b.node(1 + i, "Listener", 32);
//!         b.edge(list, i as u32, item);
//!     }
//!     b.root(RootKind::Global, "listeners", list);
//!     tracker.push(TypeCensus::of(&b.build()));
//! }
//! let growing = tracker.growing();
//! assert_eq!(growing.len(), 1);
//! assert_eq!(&*growing[0].type_name, "Listener");
//! assert_eq!(growing[0].counts, vec![1, 2, 3]);
//! ```

use super::graph::HeapGraph;
use super::paths::{PathIndex, RetainingPath};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::Arc;

/// Objects and bytes of one type in a [`TypeCensus`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeCount {
    /// The type's name (from the first node of that tag).
    pub type_name: Arc<str>,
    /// Number of objects.
    pub count: u64,
    /// Sum of their self sizes.
    pub bytes: u64,
}

/// Object counts and bytes per type tag, over every node of a graph.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TypeCensus {
    types: BTreeMap<u16, TypeCount>,
}

impl TypeCensus {
    /// Counts every node of `graph` (a graph taken right after a collection holds only live
    /// objects).
    pub fn of(graph: &HeapGraph) -> Self {
        let mut types: BTreeMap<u16, TypeCount> = BTreeMap::new();
        for n in &graph.nodes {
            let t = types.entry(n.type_tag).or_insert_with(|| TypeCount {
                type_name: n.type_name.clone(),
                count: 0,
                bytes: 0,
            });
            t.count += 1;
            t.bytes += n.self_size;
        }
        TypeCensus { types }
    }

    /// The entry for `type_tag`, if any object has it.
    pub fn get(&self, type_tag: u16) -> Option<&TypeCount> {
        self.types.get(&type_tag)
    }

    /// Entries in increasing tag order.
    pub fn iter(&self) -> impl Iterator<Item = (u16, &TypeCount)> + '_ {
        self.types.iter().map(|(&t, c)| (t, c))
    }

    /// Total number of objects.
    pub fn total_count(&self) -> u64 {
        self.types.values().map(|c| c.count).sum()
    }

    /// Total bytes.
    pub fn total_bytes(&self) -> u64 {
        self.types.values().map(|c| c.bytes).sum()
    }
}

/// A type reported by [`GrowthTracker::growing`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrowingType {
    /// The type tag.
    pub type_tag: u16,
    /// The type's name in the latest census.
    pub type_name: Arc<str>,
    /// Live count in each census of the window, oldest first (strictly increasing).
    pub counts: Vec<u64>,
    /// Live bytes in each census of the window, oldest first.
    pub bytes: Vec<u64>,
}

impl GrowingType {
    /// How many objects the type gained over the window.
    pub fn count_growth(&self) -> u64 {
        self.counts[self.counts.len() - 1] - self.counts[0]
    }
}

/// Keeps the last `N` censuses and reports types whose live count keeps growing.
///
/// The rule: a type is *growing* when the tracker holds `N` censuses and the type's count is
/// strictly greater in each census than in the one before (0 where the type is absent). Until
/// `N` censuses have been pushed, nothing is reported.
#[derive(Clone, Debug)]
pub struct GrowthTracker {
    window: usize,
    history: VecDeque<TypeCensus>,
}

impl GrowthTracker {
    /// A tracker over the last `window` censuses.
    ///
    /// # Panics
    /// If `window < 3`: two points say nothing about a trend.
    pub fn new(window: usize) -> Self {
        assert!(
            window >= 3,
            "a growth window needs at least 3 censuses, got {window}"
        );
        GrowthTracker {
            window,
            history: VecDeque::with_capacity(window),
        }
    }

    /// The window size `N`.
    pub fn window(&self) -> usize {
        self.window
    }

    /// Number of censuses held (at most `N`).
    pub fn len(&self) -> usize {
        self.history.len()
    }

    /// Whether no census has been pushed.
    pub fn is_empty(&self) -> bool {
        self.history.is_empty()
    }

    /// Records a census, dropping the oldest once `N` are held.
    pub fn push(&mut self, census: TypeCensus) {
        if self.history.len() == self.window {
            self.history.pop_front();
        }
        self.history.push_back(census);
    }

    /// The growing types (see the type docs), largest count growth first, then by tag.
    pub fn growing(&self) -> Vec<GrowingType> {
        if self.history.len() < self.window {
            return Vec::new();
        }
        let latest = self.history.back().expect("window >= 3");
        // A growing type is present (count > 0) in the latest census.
        let mut out: Vec<GrowingType> = latest
            .iter()
            .filter_map(|(tag, now)| {
                let counts: Vec<u64> = self
                    .history
                    .iter()
                    .map(|c| c.get(tag).map_or(0, |t| t.count))
                    .collect();
                if !counts.windows(2).all(|w| w[0] < w[1]) {
                    return None;
                }
                let bytes = self
                    .history
                    .iter()
                    .map(|c| c.get(tag).map_or(0, |t| t.bytes))
                    .collect();
                Some(GrowingType {
                    type_tag: tag,
                    type_name: now.type_name.clone(),
                    counts,
                    bytes,
                })
            })
            .collect();
        out.sort_by_key(|t| (std::cmp::Reverse(t.count_growth()), t.type_tag));
        out
    }
}

/// The nodes of `g3` whose object id is absent from `g1`, present in `g2`, and (being in `g3`)
/// still alive: the three-snapshot technique. Returned as dense indices of `g3`, increasing.
pub fn three_snapshot_leaks(g1: &HeapGraph, g2: &HeapGraph, g3: &HeapGraph) -> Vec<u32> {
    let before: HashSet<u64> = g1.nodes.iter().map(|n| n.id).collect();
    let middle: HashSet<u64> = g2
        .nodes
        .iter()
        .map(|n| n.id)
        .filter(|id| !before.contains(id))
        .collect();
    g3.nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| middle.contains(&n.id))
        .map(|(i, _)| i as u32)
        .collect()
}

/// Leaked objects of one type, from [`group_leaks`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeakGroup {
    /// The type tag.
    pub type_tag: u16,
    /// The type name.
    pub type_name: Arc<str>,
    /// The leaked nodes of this type, increasing.
    pub nodes: Vec<u32>,
    /// Sum of their self sizes.
    pub bytes: u64,
    /// A shortest retaining path to the group's member closest to a root (lowest index among
    /// equals); `None` only if no member is reachable.
    pub path: Option<RetainingPath>,
}

impl fmt::Display for LeakGroup {
    /// `3 × Listener (96 B), e.g. [global] listeners → List [2] → Listener (32 B)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} × {} ({} B)",
            self.nodes.len(),
            self.type_name,
            self.bytes
        )?;
        if let Some(p) = &self.path {
            write!(f, ", e.g. {p}")?;
        }
        Ok(())
    }
}

/// Groups `leaks` (node indices of `paths.graph()`, e.g. from [`three_snapshot_leaks`]) by
/// type tag, largest byte total first (then more objects, then lower tag), each with one
/// retaining path.
pub fn group_leaks(paths: &PathIndex<'_>, leaks: &[u32]) -> Vec<LeakGroup> {
    let g = paths.graph();
    let mut groups: HashMap<u16, LeakGroup> = HashMap::new();
    // For each group, the member with the shortest path so far: (distance, node).
    let mut best: HashMap<u16, (u32, u32)> = HashMap::new();
    for &node in leaks {
        let n = &g.nodes[node as usize];
        let group = groups.entry(n.type_tag).or_insert_with(|| LeakGroup {
            type_tag: n.type_tag,
            type_name: n.type_name.clone(),
            nodes: Vec::new(),
            bytes: 0,
            path: None,
        });
        group.nodes.push(node);
        group.bytes += n.self_size;
        if let Some(d) = paths.distance(node) {
            let slot = best.entry(n.type_tag).or_insert((d, node));
            *slot = (*slot).min((d, node));
        }
    }
    let mut out: Vec<LeakGroup> = groups
        .into_values()
        .map(|mut grp| {
            grp.nodes.sort_unstable();
            grp.path = best
                .get(&grp.type_tag)
                .and_then(|&(_, node)| paths.path_to(node));
            grp
        })
        .collect();
    out.sort_by_key(|grp| {
        (
            std::cmp::Reverse(grp.bytes),
            std::cmp::Reverse(grp.nodes.len()),
            grp.type_tag,
        )
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::HeapGraphBuilder;
    use crate::roots::RootKind;

    fn census(counts: &[(&str, u64)]) -> TypeCensus {
        let mut b = HeapGraphBuilder::new();
        let mut id = 0;
        for &(name, n) in counts {
            for _ in 0..n {
                b.node(id, name, 8);
                id += 1;
            }
        }
        TypeCensus::of(&b.build())
    }

    #[test]
    fn census_sums_counts_and_bytes_per_tag() {
        let mut b = HeapGraphBuilder::new();
        b.node(1, "A", 10);
        b.node(2, "B", 5);
        b.node(3, "A", 7);
        let c = TypeCensus::of(&b.build());
        assert_eq!(c.get(0).map(|t| (t.count, t.bytes)), Some((2, 17)));
        assert_eq!(c.get(1).map(|t| (t.count, t.bytes)), Some((1, 5)));
        assert_eq!(c.get(2), None);
        assert_eq!((c.total_count(), c.total_bytes()), (3, 22));
    }

    #[test]
    fn a_plateau_or_a_dip_inside_the_window_is_not_growth() {
        let mut t = GrowthTracker::new(3);
        t.push(census(&[("A", 1), ("B", 5)]));
        t.push(census(&[("A", 2), ("B", 6)]));
        assert!(t.growing().is_empty(), "fewer than N censuses");
        t.push(census(&[("A", 3), ("B", 6)]));
        let g = t.growing();
        assert_eq!(g.len(), 1);
        assert_eq!(&*g[0].type_name, "A");
        assert_eq!(g[0].bytes, vec![8, 16, 24]);
        // The window slides: A dips, B now rises 6 → 6 → 7 (not strictly at every step).
        t.push(census(&[("A", 2), ("B", 7)]));
        assert!(t.growing().is_empty());
    }

    #[test]
    fn a_type_appearing_from_nothing_counts_from_zero() {
        let mut t = GrowthTracker::new(3);
        t.push(census(&[("A", 1)]));
        t.push(census(&[("A", 1), ("B", 1)]));
        t.push(census(&[("A", 1), ("B", 2)]));
        let g = t.growing();
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].counts, vec![0, 1, 2]);
        assert_eq!(g[0].count_growth(), 2);
    }

    #[test]
    #[should_panic(expected = "at least 3")]
    fn window_must_be_at_least_three() {
        let _ = GrowthTracker::new(2);
    }

    #[test]
    fn three_snapshots_find_survivors_of_the_middle_round() {
        let build = |ids: &[u64]| {
            let mut b = HeapGraphBuilder::new();
            let holder = b.node(0, "Holder", 8);
            for &id in ids {
                let n = b.node(id, if id % 2 == 0 { "Even" } else { "Odd" }, id);
                b.edge(holder, id as u32, n);
            }
            b.root(RootKind::Global, "holder", holder);
            b.build()
        };
        let g1 = build(&[1, 2]);
        let g2 = build(&[1, 2, 3, 4, 5]);
        let g3 = build(&[2, 4, 5, 6, 7]);
        let leaks = three_snapshot_leaks(&g1, &g2, &g3);
        let ids: Vec<u64> = leaks.iter().map(|&i| g3.nodes[i as usize].id).collect();
        assert_eq!(ids, vec![4, 5]);

        let paths = PathIndex::new(&g3);
        let groups = group_leaks(&paths, &leaks);
        assert_eq!(groups.len(), 2);
        assert_eq!(&*groups[0].type_name, "Odd");
        assert_eq!(groups[0].bytes, 5);
        assert_eq!(
            groups[1].to_string(),
            "1 × Even (4 B), e.g. [global] holder → Holder [4] → Even (4 B)"
        );
    }
}
