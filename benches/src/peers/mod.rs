//! The peer implementations: the same workloads on other Rust memory managers.
//!
//! Each module implements [`BinaryTreesHeap`](crate::workload::binary_trees::BinaryTreesHeap)
//! and [`GcBenchHeap`](crate::workload::gcbench::GcBenchHeap) for its own node types and
//! exposes one `run(&Workload) -> u64` entry point, which [`implementations`](crate::implementations)
//! registers.

pub mod boxed;
pub mod bump;
pub mod dumpster;
pub mod gc_arena;
pub mod gclab;
pub mod lisp;
pub mod rc;
pub mod rust_gc;

#[cfg(test)]
mod tests {
    use crate::workload::{GcBenchParams, Workload};
    use crate::{find_implementation, implementations};

    /// A GCBench small enough for debug builds: every phase still runs.
    const TINY_GCBENCH: GcBenchParams = GcBenchParams {
        stretch_depth: 10,
        long_lived_depth: 8,
        array_size: 4000,
        min_depth: 4,
        max_depth: 8,
    };

    fn assert_all_agree(workload: Workload) {
        let expected = workload.expected_checksum();
        for imp in implementations() {
            assert_eq!((imp.run)(&workload), expected, "{} on {workload}", imp.name);
        }
    }

    #[test]
    fn the_lisp_rows_agree_on_binary_trees_and_skip_gcbench() {
        let w = Workload::BinaryTrees { max_depth: 8 };
        for imp in crate::lisp_implementations() {
            assert_eq!((imp.run)(&w), w.expected_checksum(), "{}", imp.name);
            assert!(crate::runs(&imp, &w));
            assert!(!crate::runs(&imp, &Workload::GcBench(TINY_GCBENCH)));
        }
        assert!(crate::runs(
            &find_implementation("box").unwrap(),
            &Workload::GcBench(TINY_GCBENCH)
        ));
    }

    #[test]
    fn all_peers_agree_on_binary_trees() {
        assert_all_agree(Workload::BinaryTrees { max_depth: 10 });
    }

    #[test]
    fn all_peers_agree_on_gcbench() {
        assert_all_agree(Workload::GcBench(TINY_GCBENCH));
    }

    #[test]
    fn peers_survive_repeated_runs_on_one_thread() {
        // rust-gc and dumpster keep thread-local heaps; a second run must start clean.
        for name in ["rust-gc", "dumpster", "gc-arena"] {
            let imp = find_implementation(name).expect("registered");
            let w = Workload::BinaryTrees { max_depth: 8 };
            assert_eq!((imp.run)(&w), (imp.run)(&w), "{name}");
        }
    }

    #[test]
    fn tiny_gcbench_is_valid() {
        assert!(TINY_GCBENCH.is_valid());
        assert_eq!(TINY_GCBENCH.num_iters(4), 2 * 2047 / 31);
    }
}
