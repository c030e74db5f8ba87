//! Hans Boehm's GCBench, with the classic parameters.
//!
//! The program, as in the original:
//!
//! 1. *stretch* the heap: `MakeTree(kStretchTreeDepth)` and drop it;
//! 2. build a long-lived tree top-down (`new Node(); Populate(kLongLivedTreeDepth, node)`);
//! 3. allocate an array of `kArraySize` doubles and fill its first half with `1.0 / i`;
//! 4. for `d` in `(kMinTreeDepth..=kMaxTreeDepth).step_by(2)`, `NumIters(d)` times build a tree
//!    top-down and drop it, then `NumIters(d)` times build one bottom-up (`MakeTree`) and drop it,
//!    where `NumIters(d) = 2 * TreeSize(kStretchTreeDepth) / TreeSize(d)`;
//! 5. check that the long-lived tree and `array[1000] == 1.0 / 1000` survived.
//!
//! Nodes have `left`, `right` and two `int` fields `i`, `j` that stay zero. The original prints
//! timings only; here every tree is walked after it is built and its node count (plus `i + j`
//! of every node, which is zero unless memory was corrupted) is added to a checksum, so the
//! result equals the number of nodes allocated and can be checked ([`GcBenchParams::expected_checksum`]).

use super::tree_size;

/// The array index whose value the final check reads, as in the original.
pub const ARRAY_PROBE: usize = 1000;

/// GCBench's size parameters (the `k...` constants of the original).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GcBenchParams {
    /// `kStretchTreeDepth`: depth of the stretch tree, which also sets the iteration counts.
    pub stretch_depth: u32,
    /// `kLongLivedTreeDepth`: depth of the tree kept alive for the whole run.
    pub long_lived_depth: u32,
    /// `kArraySize`: length of the long-lived array of doubles.
    pub array_size: usize,
    /// `kMinTreeDepth`: depth of the smallest short-lived trees.
    pub min_depth: u32,
    /// `kMaxTreeDepth`: depth of the largest short-lived trees.
    pub max_depth: u32,
}

impl GcBenchParams {
    /// The original parameters: 18, 16, 500000, 4, 16.
    pub const CLASSIC: GcBenchParams = GcBenchParams {
        stretch_depth: 18,
        long_lived_depth: 16,
        array_size: 500_000,
        min_depth: 4,
        max_depth: 16,
    };

    /// A scaled-down variant (about 1/20 of the work) for smoke runs.
    pub const QUICK: GcBenchParams = GcBenchParams {
        stretch_depth: 14,
        long_lived_depth: 12,
        array_size: 20_000,
        min_depth: 4,
        max_depth: 12,
    };

    /// `NumIters(depth)`: how many trees of `depth` are built in each construction order.
    pub fn num_iters(&self, depth: u32) -> u64 {
        2 * tree_size(self.stretch_depth) / tree_size(depth)
    }

    /// Whether the parameters describe a run the driver accepts: depths ordered, at least one
    /// iteration per depth, and an array long enough for the final probe.
    pub fn is_valid(&self) -> bool {
        self.min_depth <= self.max_depth
            && self.max_depth <= self.stretch_depth
            && self.array_size / 2 > ARRAY_PROBE
    }

    /// The checksum [`run`] returns for these parameters, in closed form.
    pub fn expected_checksum(&self) -> u64 {
        let batches: u64 = (self.min_depth..=self.max_depth)
            .step_by(2)
            .map(|d| 2 * self.num_iters(d) * tree_size(d))
            .sum();
        tree_size(self.stretch_depth) + tree_size(self.long_lived_depth) + batches
    }

    /// The number of tree nodes allocated by a run (equal to the checksum).
    pub fn nodes_allocated(&self) -> u64 {
        self.expected_checksum()
    }
}

/// A heap that can run GCBench: the per-implementation half of the benchmark.
///
/// "Count" below means: walk the tree and return the number of nodes plus the sum of every
/// node's `i + j` (which the benchmark never sets, so it is zero).
pub trait GcBenchHeap {
    /// `tempTree = new Node(); Populate(depth, tempTree)`, then count it and let it die.
    fn top_down(&mut self, depth: u32) -> u64;

    /// `tempTree = MakeTree(depth)`, then count it and let it die.
    fn bottom_up(&mut self, depth: u32) -> u64;

    /// `longLivedTree = new Node(); Populate(depth, longLivedTree)`, kept until the end.
    fn make_long_lived(&mut self, depth: u32);

    /// Allocates the long-lived array of `len` zeroed doubles, fills it with [`fill_array`] and
    /// keeps it until the end.
    fn make_array(&mut self, len: usize);

    /// Whether the long-lived array still holds what [`fill_array`] wrote ([`array_intact`]).
    fn array_intact(&mut self) -> bool;

    /// Counts the long-lived tree.
    fn check_long_lived(&mut self) -> u64;

    /// Called after the stretch tree and after each depth's batch of trees.
    ///
    /// Heaps that reclaim in bulk (an arena reset) do it here; the default does nothing.
    fn phase_done(&mut self) {}
}

/// Fills the first half of `array` with `1.0 / i`, as the original does (`array[0]` becomes
/// infinity).
pub fn fill_array(array: &mut [f64]) {
    let half = array.len() / 2;
    for (i, slot) in array[..half].iter_mut().enumerate() {
        *slot = 1.0 / i as f64;
    }
}

/// The original's final check on the array: `array[1000] == 1.0 / 1000`.
pub fn array_intact(array: &[f64]) -> bool {
    array.get(ARRAY_PROBE) == Some(&(1.0 / ARRAY_PROBE as f64))
}

/// Runs GCBench with `params` on `heap` and returns the checksum.
///
/// # Panics
///
/// If `params` is not [valid](GcBenchParams::is_valid), or if the long-lived array did not
/// survive (the original prints "Failed").
pub fn run<H: GcBenchHeap>(params: &GcBenchParams, heap: &mut H) -> u64 {
    assert!(params.is_valid(), "invalid GCBench parameters: {params:?}");
    let mut checksum = heap.bottom_up(params.stretch_depth);
    heap.phase_done();

    heap.make_long_lived(params.long_lived_depth);
    heap.make_array(params.array_size);

    for depth in (params.min_depth..=params.max_depth).step_by(2) {
        let iterations = params.num_iters(depth);
        for _ in 0..iterations {
            checksum += heap.top_down(depth);
        }
        for _ in 0..iterations {
            checksum += heap.bottom_up(depth);
        }
        heap.phase_done();
    }

    assert!(
        heap.array_intact(),
        "GCBench: the long-lived array was corrupted"
    );
    checksum + heap.check_long_lived()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_iteration_counts() {
        let p = GcBenchParams::CLASSIC;
        // 2 * 524287 / 31 and 2 * 524287 / 131071 in integer arithmetic, as in the original.
        assert_eq!(p.num_iters(4), 33_824);
        assert_eq!(p.num_iters(16), 8);
        assert!(p.is_valid());
        assert!(GcBenchParams::QUICK.is_valid());
    }

    #[test]
    fn invalid_params_are_rejected() {
        let mut p = GcBenchParams::QUICK;
        p.array_size = 2 * ARRAY_PROBE;
        assert!(!p.is_valid());
        let mut p = GcBenchParams::QUICK;
        p.max_depth = p.stretch_depth + 1;
        assert!(!p.is_valid());
    }

    #[test]
    fn array_fill_and_probe() {
        let mut a = vec![0.0; 4000];
        assert!(!array_intact(&a));
        fill_array(&mut a);
        assert!(array_intact(&a));
        assert!(a[0].is_infinite());
        assert_eq!(a[2000], 0.0, "second half stays zero");
        assert!(!array_intact(&a[..500]), "too short to probe");
    }

    /// Replays the schedule without building trees.
    #[derive(Default)]
    struct Schedule {
        log: Vec<(char, u32)>,
        array: Vec<f64>,
        long_lived: u32,
    }

    impl GcBenchHeap for Schedule {
        fn top_down(&mut self, depth: u32) -> u64 {
            self.log.push(('t', depth));
            tree_size(depth)
        }
        fn bottom_up(&mut self, depth: u32) -> u64 {
            self.log.push(('b', depth));
            tree_size(depth)
        }
        fn make_long_lived(&mut self, depth: u32) {
            self.long_lived = depth;
        }
        fn make_array(&mut self, len: usize) {
            self.array = vec![0.0; len];
            fill_array(&mut self.array);
        }
        fn array_intact(&mut self) -> bool {
            array_intact(&self.array)
        }
        fn check_long_lived(&mut self) -> u64 {
            tree_size(self.long_lived)
        }
    }

    #[test]
    fn driver_follows_the_original_schedule() {
        let p = GcBenchParams::QUICK;
        let mut heap = Schedule::default();
        assert_eq!(run(&p, &mut heap), p.expected_checksum());
        assert_eq!(heap.log[0], ('b', 14));
        assert_eq!(heap.long_lived, 12);
        // For each depth: all top-down trees, then all bottom-up trees.
        let depth4: Vec<char> = heap.log[1..]
            .iter()
            .filter(|(_, d)| *d == 4)
            .map(|(k, _)| *k)
            .collect();
        let n = p.num_iters(4) as usize;
        assert_eq!(depth4.len(), 2 * n);
        assert!(depth4[..n].iter().all(|&k| k == 't'));
        assert!(depth4[n..].iter().all(|&k| k == 'b'));
    }

    #[test]
    #[should_panic(expected = "corrupted")]
    fn driver_detects_a_lost_array() {
        struct Forgetful(Schedule);
        impl GcBenchHeap for Forgetful {
            fn top_down(&mut self, depth: u32) -> u64 {
                self.0.top_down(depth)
            }
            fn bottom_up(&mut self, depth: u32) -> u64 {
                self.0.bottom_up(depth)
            }
            fn make_long_lived(&mut self, depth: u32) {
                self.0.make_long_lived(depth);
            }
            fn make_array(&mut self, len: usize) {
                self.0.array = vec![0.0; len];
            }
            fn array_intact(&mut self) -> bool {
                self.0.array_intact()
            }
            fn check_long_lived(&mut self) -> u64 {
                self.0.check_long_lived()
            }
        }
        run(&GcBenchParams::QUICK, &mut Forgetful(Schedule::default()));
    }
}
