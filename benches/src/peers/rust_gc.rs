//! `gc` (rust-gc): a thread-local, non-incremental mark-sweep collector with rooting by
//! reference counts on `Gc` handles. Collection is automatic: `Gc::new` collects when the heap
//! passes the crate's default threshold. GCBench's top-down construction needs interior
//! mutability, so its nodes hold their children in `GcCell`s.

// gc_derive 0.5 (the latest release) emits its impls inside an anonymous `const` block, which
// rustc now flags; the impls themselves are the crate's documented usage.
#![allow(non_local_definitions)]

use gc::{Finalize, Gc, GcCell, Trace};

use crate::workload::{binary_trees, gcbench, Workload};

/// Runs `workload` with rust-gc nodes and returns its checksum.
pub fn run(workload: &Workload) -> u64 {
    match workload {
        Workload::BinaryTrees { max_depth } => binary_trees::run(*max_depth, &mut Trees::default()),
        Workload::GcBench(params) => gcbench::run(params, &mut Bench::default()),
    }
}

#[derive(Trace, Finalize)]
struct TreeNode {
    left: Option<Gc<TreeNode>>,
    right: Option<Gc<TreeNode>>,
}

fn bottom_up_tree(depth: u32) -> Gc<TreeNode> {
    if depth == 0 {
        Gc::new(TreeNode {
            left: None,
            right: None,
        })
    } else {
        let left = bottom_up_tree(depth - 1);
        let right = bottom_up_tree(depth - 1);
        Gc::new(TreeNode {
            left: Some(left),
            right: Some(right),
        })
    }
}

fn check_tree(node: &TreeNode) -> u64 {
    1 + node.left.as_deref().map_or(0, check_tree) + node.right.as_deref().map_or(0, check_tree)
}

#[derive(Default)]
struct Trees {
    long_lived: Option<Gc<TreeNode>>,
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

type Link = GcCell<Option<Gc<Node>>>;

#[derive(Trace, Finalize)]
struct Node {
    left: Link,
    right: Link,
    i: i32,
    j: i32,
}

impl Node {
    fn leaf() -> Node {
        Node {
            left: GcCell::new(None),
            right: GcCell::new(None),
            i: 0,
            j: 0,
        }
    }
}

fn populate(depth: u32, node: &Node) {
    if depth == 0 {
        return;
    }
    *node.left.borrow_mut() = Some(Gc::new(Node::leaf()));
    *node.right.borrow_mut() = Some(Gc::new(Node::leaf()));
    if let Some(left) = node.left.borrow().as_deref() {
        populate(depth - 1, left);
    }
    if let Some(right) = node.right.borrow().as_deref() {
        populate(depth - 1, right);
    }
}

fn make_tree(depth: u32) -> Gc<Node> {
    if depth == 0 {
        Gc::new(Node::leaf())
    } else {
        let left = make_tree(depth - 1);
        let right = make_tree(depth - 1);
        Gc::new(Node {
            left: GcCell::new(Some(left)),
            right: GcCell::new(Some(right)),
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

fn top_down_tree(depth: u32) -> Gc<Node> {
    let tree = Gc::new(Node::leaf());
    populate(depth, &tree);
    tree
}

#[derive(Default)]
struct Bench {
    long_lived: Option<Gc<Node>>,
    array: Option<Gc<Vec<f64>>>,
}

impl gcbench::GcBenchHeap for Bench {
    fn top_down(&mut self, depth: u32) -> u64 {
        count(&top_down_tree(depth))
    }

    fn bottom_up(&mut self, depth: u32) -> u64 {
        count(&make_tree(depth))
    }

    fn make_long_lived(&mut self, depth: u32) {
        self.long_lived = Some(top_down_tree(depth));
    }

    fn make_array(&mut self, len: usize) {
        let mut array = vec![0.0; len];
        gcbench::fill_array(&mut array);
        self.array = Some(Gc::new(array));
    }

    fn array_intact(&mut self) -> bool {
        self.array
            .as_deref()
            .is_some_and(|a| gcbench::array_intact(a))
    }

    fn check_long_lived(&mut self) -> u64 {
        self.long_lived.as_deref().map_or(0, count)
    }
}
