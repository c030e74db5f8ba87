//! The Computer Language Benchmarks Game `binary-trees` program (single-threaded).
//!
//! With `N = max(MIN_DEPTH + 2, max_depth)`:
//!
//! 1. build, check and drop a *stretch* tree of depth `N + 1`;
//! 2. build a *long-lived* tree of depth `N` and keep it until the end;
//! 3. for `d` in `(MIN_DEPTH..=N).step_by(2)`, build, check and drop `2^(N - d + MIN_DEPTH)`
//!    trees of depth `d`;
//! 4. check the long-lived tree.
//!
//! "Check" counts the nodes of a tree by walking it. The result is the sum of all checks, so
//! it equals the number of nodes allocated; [`expected_checksum`] gives it in closed form.
//! Trees are built bottom-up: children first, then the parent that points at them.

use super::tree_size;

/// The smallest depth of the short-lived trees (`4` in the original program).
pub const MIN_DEPTH: u32 = 4;

/// A heap that can run `binary-trees`: the per-implementation half of the benchmark.
///
/// The driver [`run`] owns the algorithm; an implementation only says how to build and check one
/// tree. Adding a new collector to the comparison means implementing this trait (and
/// [`GcBenchHeap`](super::gcbench::GcBenchHeap)) and registering it in
/// [`implementations`](crate::implementations).
pub trait BinaryTreesHeap {
    /// Builds a tree of `depth` bottom-up, counts its nodes by walking it, and lets it die.
    fn temp_tree(&mut self, depth: u32) -> u64;

    /// Builds a tree of `depth` bottom-up and keeps it alive until [`check_long_lived`] runs.
    ///
    /// [`check_long_lived`]: BinaryTreesHeap::check_long_lived
    fn make_long_lived(&mut self, depth: u32);

    /// Counts the nodes of the long-lived tree.
    fn check_long_lived(&mut self) -> u64;

    /// Called after the stretch tree and after each depth's batch of trees.
    ///
    /// Heaps that reclaim in bulk (an arena reset) do it here; the default does nothing.
    fn phase_done(&mut self) {}
}

/// Runs `binary-trees` with `max_depth` on `heap` and returns the checksum.
pub fn run<H: BinaryTreesHeap>(max_depth: u32, heap: &mut H) -> u64 {
    let max_depth = max_depth.max(MIN_DEPTH + 2);
    let mut checksum = heap.temp_tree(max_depth + 1);
    heap.phase_done();

    heap.make_long_lived(max_depth);
    for depth in (MIN_DEPTH..=max_depth).step_by(2) {
        let iterations = 1u64 << (max_depth - depth + MIN_DEPTH);
        for _ in 0..iterations {
            checksum += heap.temp_tree(depth);
        }
        heap.phase_done();
    }
    checksum + heap.check_long_lived()
}

/// The checksum [`run`] returns for `max_depth`, in closed form.
pub fn expected_checksum(max_depth: u32) -> u64 {
    let max_depth = max_depth.max(MIN_DEPTH + 2);
    let batches: u64 = (MIN_DEPTH..=max_depth)
        .step_by(2)
        .map(|d| (1u64 << (max_depth - d + MIN_DEPTH)) * tree_size(d))
        .sum();
    tree_size(max_depth + 1) + tree_size(max_depth) + batches
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A heap that builds nothing and only replays the counts, to test the driver.
    #[derive(Default)]
    struct Counting {
        calls: Vec<u32>,
        phases: u32,
        long_lived: Option<u32>,
    }

    impl BinaryTreesHeap for Counting {
        fn temp_tree(&mut self, depth: u32) -> u64 {
            self.calls.push(depth);
            tree_size(depth)
        }
        fn make_long_lived(&mut self, depth: u32) {
            self.long_lived = Some(depth);
        }
        fn check_long_lived(&mut self) -> u64 {
            tree_size(self.long_lived.expect("long-lived tree was built"))
        }
        fn phase_done(&mut self) {
            self.phases += 1;
        }
    }

    #[test]
    fn driver_follows_the_original_schedule() {
        let mut heap = Counting::default();
        let sum = run(8, &mut heap);
        assert_eq!(sum, expected_checksum(8));
        // Stretch tree, then 2^8 trees of depth 4, 2^6 of depth 6, 2^4 of depth 8.
        assert_eq!(heap.calls[0], 9);
        assert_eq!(heap.calls.iter().filter(|&&d| d == 4).count(), 256);
        assert_eq!(heap.calls.iter().filter(|&&d| d == 6).count(), 64);
        assert_eq!(heap.calls.iter().filter(|&&d| d == 8).count(), 16);
        assert_eq!(heap.calls.len(), 1 + 256 + 64 + 16);
        assert_eq!(heap.long_lived, Some(8));
        assert_eq!(heap.phases, 4);
    }

    #[test]
    fn known_checksums() {
        // Hand-computed: stretch 2^12-1, long-lived 2^11-1, and for d = 4, 6, 8, 10
        // 2^(14-d) trees of 2^(d+1)-1 nodes each.
        let by_hand = 4095 + 2047 + (1024 * 31) + (256 * 127) + (64 * 511) + (16 * 2047);
        assert_eq!(expected_checksum(10), by_hand);
        // Depths below MIN_DEPTH + 2 are raised, as in the original.
        assert_eq!(expected_checksum(1), expected_checksum(6));
    }
}
