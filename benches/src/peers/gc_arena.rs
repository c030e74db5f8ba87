//! `gc-arena` (0.7): an incremental mark-sweep collector over a branded arena.
//!
//! **Collection cadence.** gc-arena never collects inside a `mutate` callback, so each tree is
//! built and checked in its own callback, and `Arena::collect_debt` runs after every tree (and
//! after building the long-lived data). `collect_debt` does an amount of incremental marking and
//! sweeping proportional to the allocation debt since the last call, following the crate's
//! default pacing. Long-lived data is reachable from the arena root. GCBench's top-down
//! construction links children into an allocated parent, so its nodes hold their children in
//! `Lock`s and every link goes through the write barrier (`Gc::write` + `unlock!`).

use gc_arena::barrier::unlock;
use gc_arena::{Arena, Collect, Gc, Lock, Mutation, Rootable};

use crate::workload::{binary_trees, gcbench, Workload};

/// Runs `workload` with gc-arena nodes and returns its checksum.
pub fn run(workload: &Workload) -> u64 {
    match workload {
        Workload::BinaryTrees { max_depth } => binary_trees::run(*max_depth, &mut Trees::new()),
        Workload::GcBench(params) => gcbench::run(params, &mut Bench::new()),
    }
}

#[derive(Collect)]
#[collect(no_drop)]
struct TreeNode<'gc> {
    left: Option<Gc<'gc, TreeNode<'gc>>>,
    right: Option<Gc<'gc, TreeNode<'gc>>>,
}

fn bottom_up_tree<'gc>(mc: &Mutation<'gc>, depth: u32) -> Gc<'gc, TreeNode<'gc>> {
    if depth == 0 {
        Gc::new(
            mc,
            TreeNode {
                left: None,
                right: None,
            },
        )
    } else {
        let left = bottom_up_tree(mc, depth - 1);
        let right = bottom_up_tree(mc, depth - 1);
        Gc::new(
            mc,
            TreeNode {
                left: Some(left),
                right: Some(right),
            },
        )
    }
}

fn check_tree(node: &TreeNode<'_>) -> u64 {
    1 + node.left.as_deref().map_or(0, check_tree) + node.right.as_deref().map_or(0, check_tree)
}

#[derive(Collect)]
#[collect(no_drop)]
struct TreesRoot<'gc> {
    long_lived: Option<Gc<'gc, TreeNode<'gc>>>,
}

struct Trees {
    arena: Arena<Rootable![TreesRoot<'_>]>,
}

impl Trees {
    fn new() -> Trees {
        Trees {
            arena: Arena::new(|_| TreesRoot { long_lived: None }),
        }
    }
}

impl binary_trees::BinaryTreesHeap for Trees {
    fn temp_tree(&mut self, depth: u32) -> u64 {
        let checked = self
            .arena
            .mutate(|mc, _| check_tree(&bottom_up_tree(mc, depth)));
        self.arena.collect_debt();
        checked
    }

    fn make_long_lived(&mut self, depth: u32) {
        self.arena
            .mutate_root(|mc, root| root.long_lived = Some(bottom_up_tree(mc, depth)));
        self.arena.collect_debt();
    }

    fn check_long_lived(&mut self) -> u64 {
        self.arena
            .mutate(|_, root| root.long_lived.as_deref().map_or(0, check_tree))
    }
}

type Link<'gc> = Lock<Option<Gc<'gc, Node<'gc>>>>;

#[derive(Collect)]
#[collect(no_drop)]
struct Node<'gc> {
    left: Link<'gc>,
    right: Link<'gc>,
    i: i32,
    j: i32,
}

impl<'gc> Node<'gc> {
    fn new(left: Option<Gc<'gc, Node<'gc>>>, right: Option<Gc<'gc, Node<'gc>>>) -> Node<'gc> {
        Node {
            left: Lock::new(left),
            right: Lock::new(right),
            i: 0,
            j: 0,
        }
    }
}

fn populate<'gc>(mc: &Mutation<'gc>, depth: u32, node: Gc<'gc, Node<'gc>>) {
    if depth == 0 {
        return;
    }
    let left = Gc::new(mc, Node::new(None, None));
    let right = Gc::new(mc, Node::new(None, None));
    let node = Gc::write(mc, node);
    unlock!(node, Node, left).set(Some(left));
    unlock!(node, Node, right).set(Some(right));
    populate(mc, depth - 1, left);
    populate(mc, depth - 1, right);
}

fn make_tree<'gc>(mc: &Mutation<'gc>, depth: u32) -> Gc<'gc, Node<'gc>> {
    if depth == 0 {
        Gc::new(mc, Node::new(None, None))
    } else {
        let left = make_tree(mc, depth - 1);
        let right = make_tree(mc, depth - 1);
        Gc::new(mc, Node::new(Some(left), Some(right)))
    }
}

fn top_down_tree<'gc>(mc: &Mutation<'gc>, depth: u32) -> Gc<'gc, Node<'gc>> {
    let tree = Gc::new(mc, Node::new(None, None));
    populate(mc, depth, tree);
    tree
}

fn count(node: &Node<'_>) -> u64 {
    let own = 1 + (node.i + node.j) as u64;
    own + node.left.get().as_deref().map_or(0, count) + node.right.get().as_deref().map_or(0, count)
}

#[derive(Collect)]
#[collect(no_drop)]
struct BenchRoot<'gc> {
    long_lived: Option<Gc<'gc, Node<'gc>>>,
    array: Option<Gc<'gc, Vec<f64>>>,
}

struct Bench {
    arena: Arena<Rootable![BenchRoot<'_>]>,
}

impl Bench {
    fn new() -> Bench {
        Bench {
            arena: Arena::new(|_| BenchRoot {
                long_lived: None,
                array: None,
            }),
        }
    }
}

impl gcbench::GcBenchHeap for Bench {
    fn top_down(&mut self, depth: u32) -> u64 {
        let counted = self.arena.mutate(|mc, _| count(&top_down_tree(mc, depth)));
        self.arena.collect_debt();
        counted
    }

    fn bottom_up(&mut self, depth: u32) -> u64 {
        let counted = self.arena.mutate(|mc, _| count(&make_tree(mc, depth)));
        self.arena.collect_debt();
        counted
    }

    fn make_long_lived(&mut self, depth: u32) {
        self.arena
            .mutate_root(|mc, root| root.long_lived = Some(top_down_tree(mc, depth)));
        self.arena.collect_debt();
    }

    fn make_array(&mut self, len: usize) {
        self.arena.mutate_root(|mc, root| {
            let mut array = vec![0.0; len];
            gcbench::fill_array(&mut array);
            root.array = Some(Gc::new(mc, array));
        });
        self.arena.collect_debt();
    }

    fn array_intact(&mut self) -> bool {
        self.arena
            .mutate(|_, root| root.array.is_some_and(|a| gcbench::array_intact(&a)))
    }

    fn check_long_lived(&mut self) -> u64 {
        self.arena
            .mutate(|_, root| root.long_lived.as_deref().map_or(0, count))
    }
}
