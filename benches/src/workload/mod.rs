//! The workloads every implementation runs, and their expected results.
//!
//! A workload is pure data ([`Workload`]); the algorithm lives once in the drivers
//! [`binary_trees::run`] and [`gcbench::run`], which call into a heap through the
//! [`binary_trees::BinaryTreesHeap`] and [`gcbench::GcBenchHeap`] traits. Every peer implements
//! those traits, so all peers run the same algorithm with the same sizes and differ only in how
//! nodes are allocated, linked and reclaimed.

pub mod binary_trees;
pub mod gcbench;

use std::fmt;

pub use gcbench::GcBenchParams;

/// One benchmark workload with its sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workload {
    /// The Benchmarks Game `binary-trees` program with the given maximum depth.
    BinaryTrees {
        /// The depth of the long-lived tree (the program's command-line argument).
        max_depth: u32,
    },
    /// Hans Boehm's GCBench with the given parameters.
    GcBench(GcBenchParams),
}

impl Workload {
    /// The default comparison set, in increasing order of work so that the runner can predict
    /// the cost of the larger workloads from the smaller ones.
    pub const DEFAULT_SET: [Workload; 3] = [
        Workload::GcBench(GcBenchParams::CLASSIC),
        Workload::BinaryTrees { max_depth: 18 },
        Workload::BinaryTrees { max_depth: 21 },
    ];

    /// A small set for smoke runs (`compare --quick`).
    pub const QUICK_SET: [Workload; 2] = [
        Workload::GcBench(GcBenchParams::QUICK),
        Workload::BinaryTrees { max_depth: 14 },
    ];

    /// The family name shared by all sizes of this workload (`binary-trees`, `gcbench`).
    pub fn family(&self) -> &'static str {
        match self {
            Workload::BinaryTrees { .. } => "binary-trees",
            Workload::GcBench(_) => "gcbench",
        }
    }

    /// Parses a name produced by [`Workload`]'s `Display` impl.
    ///
    /// Accepts `binary-trees-N` for any `N` in `1..=24`, `gcbench` (the classic parameters) and
    /// `gcbench-quick`.
    pub fn from_name(name: &str) -> Option<Workload> {
        if let Some(depth) = name.strip_prefix("binary-trees-") {
            let max_depth: u32 = depth.parse().ok()?;
            return (1..=24)
                .contains(&max_depth)
                .then_some(Workload::BinaryTrees { max_depth });
        }
        match name {
            "gcbench" => Some(Workload::GcBench(GcBenchParams::CLASSIC)),
            "gcbench-quick" => Some(Workload::GcBench(GcBenchParams::QUICK)),
            _ => None,
        }
    }

    /// The checksum every correct implementation returns for this workload.
    ///
    /// It is computed in closed form, independently of any heap.
    pub fn expected_checksum(&self) -> u64 {
        match self {
            Workload::BinaryTrees { max_depth } => binary_trees::expected_checksum(*max_depth),
            Workload::GcBench(params) => params.expected_checksum(),
        }
    }

    /// The number of tree nodes the workload allocates (used for throughput figures).
    ///
    /// For both workloads this equals the number of nodes counted by the checksum; GCBench's
    /// array of doubles is not included.
    pub fn nodes_allocated(&self) -> u64 {
        match self {
            Workload::BinaryTrees { max_depth } => binary_trees::expected_checksum(*max_depth),
            Workload::GcBench(params) => params.nodes_allocated(),
        }
    }
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Workload::BinaryTrees { max_depth } => write!(f, "binary-trees-{max_depth}"),
            Workload::GcBench(p) if *p == GcBenchParams::CLASSIC => f.write_str("gcbench"),
            Workload::GcBench(p) if *p == GcBenchParams::QUICK => f.write_str("gcbench-quick"),
            Workload::GcBench(p) => write!(
                f,
                "gcbench-s{}-l{}-d{}..{}",
                p.stretch_depth, p.long_lived_depth, p.min_depth, p.max_depth
            ),
        }
    }
}

/// The number of nodes in a complete binary tree of `depth` (a single node has depth 0).
pub const fn tree_size(depth: u32) -> u64 {
    (1u64 << (depth + 1)) - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for w in Workload::DEFAULT_SET.iter().chain(&Workload::QUICK_SET) {
            assert_eq!(Workload::from_name(&w.to_string()), Some(*w));
        }
        assert_eq!(
            Workload::from_name("binary-trees-10"),
            Some(Workload::BinaryTrees { max_depth: 10 })
        );
        assert_eq!(Workload::from_name("binary-trees-99"), None);
        assert_eq!(Workload::from_name("binary-trees-"), None);
        assert_eq!(Workload::from_name("nbody"), None);
    }

    #[test]
    fn tree_sizes() {
        assert_eq!(tree_size(0), 1);
        assert_eq!(tree_size(1), 3);
        assert_eq!(tree_size(18), 524_287);
    }

    #[test]
    fn default_set_is_ordered_by_work() {
        let work: Vec<u64> = Workload::DEFAULT_SET
            .iter()
            .map(Workload::nodes_allocated)
            .collect();
        assert!(work.windows(2).all(|w| w[0] <= w[1]), "{work:?}");
    }
}
