//! `Box`: manual memory management. Every node is a `malloc`, every tree is freed by `Drop` the
//! moment it dies. This is the baseline the other peers are compared to.

use crate::workload::{binary_trees, gcbench, Workload};

/// Runs `workload` with `Box`-allocated nodes and returns its checksum.
pub fn run(workload: &Workload) -> u64 {
    match workload {
        Workload::BinaryTrees { max_depth } => binary_trees::run(*max_depth, &mut Trees::default()),
        Workload::GcBench(params) => gcbench::run(params, &mut Bench::default()),
    }
}

struct TreeNode {
    left: Option<Box<TreeNode>>,
    right: Option<Box<TreeNode>>,
}

fn bottom_up_tree(depth: u32) -> Box<TreeNode> {
    if depth == 0 {
        Box::new(TreeNode {
            left: None,
            right: None,
        })
    } else {
        Box::new(TreeNode {
            left: Some(bottom_up_tree(depth - 1)),
            right: Some(bottom_up_tree(depth - 1)),
        })
    }
}

fn check_tree(node: &TreeNode) -> u64 {
    1 + node.left.as_deref().map_or(0, check_tree) + node.right.as_deref().map_or(0, check_tree)
}

#[derive(Default)]
struct Trees {
    long_lived: Option<Box<TreeNode>>,
}

impl binary_trees::BinaryTreesHeap for Trees {
    fn temp_tree(&mut self, depth: u32) -> u64 {
        check_tree(&bottom_up_tree(depth))
    }

    fn make_long_lived(&mut self, depth: u32) {
        self.long_lived = Some(bottom_up_tree(depth));
    }

    fn check_long_lived(&mut self) -> u64 {
        self.long_lived.as_deref().map_or(0, check_tree)
    }
}

#[derive(Default)]
struct Node {
    left: Option<Box<Node>>,
    right: Option<Box<Node>>,
    i: i32,
    j: i32,
}

fn populate(depth: u32, node: &mut Node) {
    if depth == 0 {
        return;
    }
    node.left = Some(Box::default());
    node.right = Some(Box::default());
    if let (Some(left), Some(right)) = (node.left.as_deref_mut(), node.right.as_deref_mut()) {
        populate(depth - 1, left);
        populate(depth - 1, right);
    }
}

fn make_tree(depth: u32) -> Box<Node> {
    if depth == 0 {
        Box::default()
    } else {
        Box::new(Node {
            left: Some(make_tree(depth - 1)),
            right: Some(make_tree(depth - 1)),
            i: 0,
            j: 0,
        })
    }
}

fn count(node: &Node) -> u64 {
    let own = 1 + (node.i + node.j) as u64;
    own + node.left.as_deref().map_or(0, count) + node.right.as_deref().map_or(0, count)
}

#[derive(Default)]
struct Bench {
    long_lived: Option<Box<Node>>,
    array: Box<[f64]>,
}

impl gcbench::GcBenchHeap for Bench {
    fn top_down(&mut self, depth: u32) -> u64 {
        let mut tree = Box::<Node>::default();
        populate(depth, &mut tree);
        count(&tree)
    }

    fn bottom_up(&mut self, depth: u32) -> u64 {
        count(&make_tree(depth))
    }

    fn make_long_lived(&mut self, depth: u32) {
        let mut tree = Box::<Node>::default();
        populate(depth, &mut tree);
        self.long_lived = Some(tree);
    }

    fn make_array(&mut self, len: usize) {
        let mut array = vec![0.0; len].into_boxed_slice();
        gcbench::fill_array(&mut array);
        self.array = array;
    }

    fn array_intact(&mut self) -> bool {
        gcbench::array_intact(&self.array)
    }

    fn check_long_lived(&mut self) -> u64 {
        self.long_lived.as_deref().map_or(0, count)
    }
}
