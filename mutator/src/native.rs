//! The native workloads: the classic allocation benchmarks written against the heap directly,
//! beside their JavaScript twins `scenarios/binary-trees.js` and `scenarios/gcbench.js` — the
//! Benchmarks Game's `binary-trees` and Hans Boehm's `GCBench`. Both are healthy by
//! construction (a long-lived tree plus many short-lived ones); their parameters are scaled
//! down so a run fits the suite's time budget. They show the collector's cost without an
//! interpreter in the way (compare their `alloc MB` per second with the twins').
//!
//! Each calls [`Probe::checkpoint`] at [`CHECKPOINTS`] evenly spaced points of its work and
//! [`Probe::finish`] at the end with its roots alive.

use crate::probe::Probe;
use crate::scenario::{Scenario, ScenarioError, ScenarioParams};
use gclab::{Handle, Heap, HeapConfig, HeapError, TypeTag, Value};

/// Type tags of the native workloads' objects.
mod tags {
    use gclab::TypeTag;
    /// `new TreeNode(left, right)` of binary-trees.
    pub const TREE_NODE: TypeTag = 14;
    /// GCBench's `Node` (left, right, i, j).
    pub const GC_NODE: TypeTag = 16;
    /// GCBench's array of doubles (raw bytes).
    pub const BUFFER: TypeTag = 3;
}

/// A heap for a native workload, its types registered.
fn heap(config: HeapConfig) -> Result<Heap, HeapError> {
    let mut heap = Heap::with_config(config)?;
    heap.register_type(tags::TREE_NODE, "TreeNode", &["left", "right"]);
    heap.register_type(tags::GC_NODE, "Node", &["left", "right", "i", "j"]);
    heap.register_type(tags::BUFFER, "Float64Array", &[]);
    Ok(heap)
}

/// The native workloads, in the order `run all` uses.
pub fn all() -> Vec<Box<dyn Scenario>> {
    vec![Box::new(BinaryTrees), Box::new(GcBench)]
}

/// Number of checkpoints a workload takes before [`Probe::finish`] (which takes the last).
pub const CHECKPOINTS: u64 = 16;

/// Calls [`Probe::checkpoint`] each time the work done crosses another 1/16 of the total.
#[derive(Debug)]
struct Pacer {
    total: u64,
    next: u64,
}

impl Pacer {
    fn new(total: u64) -> Pacer {
        Pacer {
            total: total.max(1),
            next: 1,
        }
    }

    /// Records progress (`done` units of work out of the total).
    fn step(&mut self, done: u64, heap: &mut Heap, probe: &mut Probe) {
        while self.next < CHECKPOINTS && done * CHECKPOINTS >= self.next * self.total {
            probe.checkpoint(heap, self.next as f64 / CHECKPOINTS as f64);
            self.next += 1;
        }
    }
}

/// The tree depth for a scale: `base + log2(scale)`, at least `min`.
fn depth_for(base: u32, scale: f64, min: u32) -> u32 {
    let d = base as f64 + scale.max(1e-6).log2();
    (d.round().max(min as f64)) as u32
}

/// A complete binary tree of `TreeNode`s, built bottom-up (`new TreeNode(left, right)`),
/// returned as a local of the caller's frame.
fn bottom_up(heap: &mut Heap, tag: TypeTag, depth: u32, slots: usize) -> Result<Handle, HeapError> {
    let frame = heap.push_frame("bottomUpTree");
    let r = (|| {
        if depth == 0 {
            return heap.alloc(tag, slots, 0);
        }
        let l = bottom_up(heap, tag, depth - 1, slots)?;
        let r = bottom_up(heap, tag, depth - 1, slots)?;
        let n = heap.alloc(tag, slots, 0)?;
        heap.set(n, 0, l)?;
        heap.set(n, 1, r)?;
        Ok(n)
    })();
    match r {
        Ok(n) => Ok(heap.pop_frame_escape(frame, n)?.as_ref().expect("a node")),
        Err(e) => {
            heap.pop_frame(frame)?;
            Err(e)
        }
    }
}

/// `itemCheck`: counts the nodes.
fn check(heap: &mut Heap, node: Handle) -> Result<u64, HeapError> {
    heap.scope("itemCheck", |heap| {
        let (l, r) = (heap.get(node, 0)?, heap.get(node, 1)?);
        Ok(1 + match (l, r) {
            (Value::Ref(l), Value::Ref(r)) => check(heap, l)? + check(heap, r)?,
            _ => 0,
        })
    })
}

/// `binary-trees-rs`.
#[derive(Debug)]
pub struct BinaryTrees;

impl BinaryTrees {
    /// The maximum depth used at `scale` (16 at 1.0; the Benchmarks Game uses 21).
    pub fn max_depth(scale: f64) -> u32 {
        depth_for(16, scale, 6)
    }
}

impl Scenario for BinaryTrees {
    fn name(&self) -> &'static str {
        "binary-trees-rs"
    }
    fn description(&self) -> &'static str {
        "the Benchmarks Game's binary-trees: a long-lived tree and many short-lived ones"
    }
    fn javascript(&self) -> &'static str {
        "class TreeNode { constructor(l, r) { this.left = l; this.right = r; } }\n\
         const bottomUp = d => d > 0 ? new TreeNode(bottomUp(d - 1), bottomUp(d - 1)) : new TreeNode(null, null);\n\
         const check = t => t.left ? 1 + check(t.left) + check(t.right) : 1;\n\
         check(bottomUp(maxDepth + 1));\n\
         const longLived = bottomUp(maxDepth);\n\
         for (let d = 4; d <= maxDepth; d += 2)\n\
         \x20 for (let i = 0; i < 1 << (maxDepth - d + 4); i++) check(bottomUp(d));"
    }
    fn leaks(&self) -> bool {
        false
    }
    fn run(
        &self,
        config: HeapConfig,
        params: &ScenarioParams,
        probe: &mut Probe,
    ) -> Result<(), ScenarioError> {
        let mut heap = heap(config)?;
        let heap = &mut heap;
        const MIN: u32 = 4;
        let max = Self::max_depth(params.scale);
        let nodes = |d: u32| (1u64 << (d + 1)) - 1;
        let groups: Vec<(u32, u64)> = (MIN..=max)
            .step_by(2)
            .map(|d| (d, 1u64 << (max - d + MIN)))
            .collect();
        let total: u64 = groups.iter().map(|&(d, n)| n * nodes(d)).sum();
        let mut pacer = Pacer::new(total);
        heap.scope("stretch", |heap| {
            let t = bottom_up(heap, tags::TREE_NODE, max + 1, 2)?;
            check(heap, t).map(|_| ())
        })?;
        let long_lived = bottom_up(heap, tags::TREE_NODE, max, 2)?;
        heap.set_global("longLivedTree", long_lived)?;
        let mut done = 0;
        for (d, iterations) in groups {
            let mut sum = 0;
            for _ in 0..iterations {
                sum += heap.scope("iteration", |heap| {
                    let t = bottom_up(heap, tags::TREE_NODE, d, 2)?;
                    check(heap, t)
                })?;
                done += nodes(d);
                pacer.step(done, heap, probe);
            }
            debug_assert_eq!(sum, iterations * nodes(d));
        }
        let n = check(heap, long_lived)?;
        debug_assert_eq!(n, nodes(max));
        probe.finish(heap);
        Ok(())
    }
}

/// `gcbench-rs`.
#[derive(Debug)]
pub struct GcBench;

/// GCBench's parameters at a scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GcBenchParams {
    /// `kStretchTreeDepth` (18 in the original).
    pub stretch: u32,
    /// `kLongLivedTreeDepth` (16).
    pub long_lived: u32,
    /// `kArraySize` (500,000).
    pub array: usize,
    /// `kMinTreeDepth` (4).
    pub min: u32,
    /// `kMaxTreeDepth` (16).
    pub max: u32,
}

impl GcBench {
    /// The parameters used at `scale`: the original's at 1.0, each depth shifted by `log2(scale)`.
    pub fn params(scale: f64) -> GcBenchParams {
        let stretch = depth_for(18, scale, 8);
        GcBenchParams {
            stretch,
            long_lived: stretch - 2,
            array: 500_000 >> (18 - stretch.min(18)),
            min: 4,
            max: stretch - 2,
        }
    }
}

fn tree_size(d: u32) -> u64 {
    (1u64 << (d + 1)) - 1
}

/// `Populate(iDepth, thisNode)`: grows a tree top-down (stores into an older node).
fn populate(heap: &mut Heap, depth: u32, node: Handle) -> Result<(), HeapError> {
    if depth == 0 {
        return Ok(());
    }
    heap.scope("Populate", |heap| {
        let l = heap.alloc(tags::GC_NODE, 4, 0)?;
        let r = heap.alloc(tags::GC_NODE, 4, 0)?;
        heap.set(node, 0, l)?;
        heap.set(node, 1, r)?;
        populate(heap, depth - 1, l)?;
        populate(heap, depth - 1, r)
    })
}

impl Scenario for GcBench {
    fn name(&self) -> &'static str {
        "gcbench-rs"
    }
    fn description(&self) -> &'static str {
        "Boehm's GCBench: top-down and bottom-up trees, a long-lived tree and a big array"
    }
    fn javascript(&self) -> &'static str {
        "class Node { constructor(l, r) { this.left = l; this.right = r; this.i = 0; this.j = 0; } }\n\
         function populate(d, n) { if (d-- > 0) { n.left = new Node(); n.right = new Node(); populate(d, n.left); populate(d, n.right); } }\n\
         const makeTree = d => d <= 0 ? new Node() : new Node(makeTree(d - 1), makeTree(d - 1));\n\
         makeTree(stretch); const longLived = new Node(); populate(longLivedDepth, longLived);\n\
         const array = new Float64Array(arraySize); for (let i = 1; i < arraySize / 2; i++) array[i] = 1 / i;\n\
         for (let d = 4; d <= maxDepth; d += 2) { for (i…) populate(d, new Node()); for (i…) makeTree(d); }"
    }
    fn leaks(&self) -> bool {
        false
    }
    fn run(
        &self,
        config: HeapConfig,
        params: &ScenarioParams,
        probe: &mut Probe,
    ) -> Result<(), ScenarioError> {
        let mut heap = heap(config)?;
        let heap = &mut heap;
        let p = Self::params(params.scale);
        let iters = |d: u32| 2 * tree_size(p.stretch) / tree_size(d);
        let depths: Vec<u32> = (p.min..=p.max).step_by(2).collect();
        let total: u64 = depths.iter().map(|&d| 2 * iters(d) * tree_size(d)).sum();
        let mut pacer = Pacer::new(total);
        // Stretch the heap.
        heap.scope("stretch", |heap| {
            bottom_up(heap, tags::GC_NODE, p.stretch, 4).map(|_| ())
        })?;
        // The long-lived tree and array.
        let long_lived = heap.alloc(tags::GC_NODE, 4, 0)?;
        populate(heap, p.long_lived, long_lived)?;
        heap.set_global("longLivedTree", long_lived)?;
        let array = heap.alloc(tags::BUFFER, 0, p.array * 8)?;
        {
            let bytes = heap.bytes_mut(array)?;
            for i in 1..p.array / 2 {
                bytes[i * 8..i * 8 + 8].copy_from_slice(&(1.0 / i as f64).to_le_bytes());
            }
        }
        heap.set_global("array", array)?;
        let mut done = 0;
        for d in depths {
            let n = iters(d);
            for _ in 0..n {
                heap.scope("TimeConstruction top-down", |heap| {
                    let t = heap.alloc(tags::GC_NODE, 4, 0)?;
                    populate(heap, d, t)
                })?;
                done += tree_size(d);
                pacer.step(done, heap, probe);
            }
            for _ in 0..n {
                heap.scope("TimeConstruction bottom-up", |heap| {
                    bottom_up(heap, tags::GC_NODE, d, 4).map(|_| ())
                })?;
                done += tree_size(d);
                pacer.step(done, heap, probe);
            }
        }
        // The long-lived data must have survived.
        if heap.get(long_lived, 0)?.as_ref().is_none() {
            return Err(ScenarioError::Runtime("long-lived tree lost".into()));
        }
        probe.finish(heap);
        Ok(())
    }
}
