//! `Rc`: reference counting. Trees are immutable `Rc` nodes built bottom-up; GCBench's top-down
//! construction links children into a parent after it was allocated, so its nodes hold their
//! children in `RefCell`s (the shape `Rc` code needs for that algorithm).

use std::cell::RefCell;
use std::rc::Rc;

use crate::workload::{binary_trees, gcbench, Workload};

/// Runs `workload` with `Rc`-allocated nodes and returns its checksum.
pub fn run(workload: &Workload) -> u64 {
    match workload {
        Workload::BinaryTrees { max_depth } => binary_trees::run(*max_depth, &mut Trees::default()),
        Workload::GcBench(params) => gcbench::run(params, &mut Bench::default()),
    }
}

struct TreeNode {
    left: Option<Rc<TreeNode>>,
    right: Option<Rc<TreeNode>>,
}

fn bottom_up_tree(depth: u32) -> Rc<TreeNode> {
    if depth == 0 {
        Rc::new(TreeNode {
            left: None,
            right: None,
        })
    } else {
        Rc::new(TreeNode {
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
    long_lived: Option<Rc<TreeNode>>,
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

type Link = RefCell<Option<Rc<Node>>>;

#[derive(Default)]
struct Node {
    left: Link,
    right: Link,
    i: i32,
    j: i32,
}

fn populate(depth: u32, node: &Node) {
    if depth == 0 {
        return;
    }
    *node.left.borrow_mut() = Some(Rc::default());
    *node.right.borrow_mut() = Some(Rc::default());
    if let Some(left) = node.left.borrow().as_deref() {
        populate(depth - 1, left);
    }
    if let Some(right) = node.right.borrow().as_deref() {
        populate(depth - 1, right);
    }
}

fn make_tree(depth: u32) -> Rc<Node> {
    if depth == 0 {
        Rc::default()
    } else {
        Rc::new(Node {
            left: RefCell::new(Some(make_tree(depth - 1))),
            right: RefCell::new(Some(make_tree(depth - 1))),
            i: 0,
            j: 0,
        })
    }
}

fn count(node: &Node) -> u64 {
    let own = 1 + (node.i + node.j) as u64;
    own + node.left.borrow().as_deref().map_or(0, count)
        + node.right.borrow().as_deref().map_or(0, count)
}

#[derive(Default)]
struct Bench {
    long_lived: Option<Rc<Node>>,
    array: Option<Rc<[f64]>>,
}

impl gcbench::GcBenchHeap for Bench {
    fn top_down(&mut self, depth: u32) -> u64 {
        let tree = Rc::<Node>::default();
        populate(depth, &tree);
        count(&tree)
    }

    fn bottom_up(&mut self, depth: u32) -> u64 {
        count(&make_tree(depth))
    }

    fn make_long_lived(&mut self, depth: u32) {
        let tree = Rc::<Node>::default();
        populate(depth, &tree);
        self.long_lived = Some(tree);
    }

    fn make_array(&mut self, len: usize) {
        let mut array = vec![0.0; len];
        gcbench::fill_array(&mut array);
        self.array = Some(array.into());
    }

    fn array_intact(&mut self) -> bool {
        self.array.as_deref().is_some_and(gcbench::array_intact)
    }

    fn check_long_lived(&mut self) -> u64 {
        self.long_lived.as_deref().map_or(0, count)
    }
}
