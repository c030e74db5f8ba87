//! `bumpalo`: the no-reclamation bound. Nodes are bump-allocated and never freed individually.
//!
//! **Policy.** A run uses a single arena for everything, so nothing is reclaimed until the run
//! ends, *unless* the projected arena size (nodes allocated × node size) exceeds
//! [`SINGLE_ARENA_LIMIT`]. Then the long-lived data gets its own arena and the short-lived trees
//! go to a scratch arena that is reset after the stretch tree and after each depth's batch of
//! trees (the driver's `phase_done`). With the default workloads only `binary-trees-21` (about
//! 9.7 GB of nodes) takes the reset path; `binary-trees-18` (about 1.1 GB) and classic GCBench
//! (about 0.35 GB) use one arena, and their peak RSS is the full allocation volume.

use bumpalo::Bump;

use crate::workload::{binary_trees, gcbench, Workload};

/// Projected arena size above which a run resets a scratch arena between phases (4 GiB).
pub const SINGLE_ARENA_LIMIT: u64 = 4 << 30;

/// Whether `workload` runs in one arena with no reclamation at all (see the module docs).
pub fn uses_single_arena(workload: &Workload) -> bool {
    let node_size = match workload {
        Workload::BinaryTrees { .. } => size_of::<TreeNode<'static>>(),
        Workload::GcBench(_) => size_of::<Node<'static>>(),
    };
    workload.nodes_allocated() * node_size as u64 <= SINGLE_ARENA_LIMIT
}

/// Runs `workload` with bump-allocated nodes and returns its checksum.
pub fn run(workload: &Workload) -> u64 {
    let arena = Bump::new();
    let scratch = (!uses_single_arena(workload)).then(Bump::new);
    match workload {
        Workload::BinaryTrees { max_depth } => {
            let mut heap = Trees {
                arena: &arena,
                scratch,
                long_lived: None,
            };
            binary_trees::run(*max_depth, &mut heap)
        }
        Workload::GcBench(params) => {
            let mut heap = Bench {
                arena: &arena,
                scratch,
                long_lived: None,
                array: &[],
            };
            gcbench::run(params, &mut heap)
        }
    }
}

struct TreeNode<'a> {
    left: Option<&'a TreeNode<'a>>,
    right: Option<&'a TreeNode<'a>>,
}

fn bottom_up_tree(arena: &Bump, depth: u32) -> &TreeNode<'_> {
    if depth == 0 {
        arena.alloc(TreeNode {
            left: None,
            right: None,
        })
    } else {
        let left = bottom_up_tree(arena, depth - 1);
        let right = bottom_up_tree(arena, depth - 1);
        arena.alloc(TreeNode {
            left: Some(left),
            right: Some(right),
        })
    }
}

fn check_tree(node: &TreeNode<'_>) -> u64 {
    1 + node.left.map_or(0, check_tree) + node.right.map_or(0, check_tree)
}

struct Trees<'a> {
    /// The run's arena (the only one unless `scratch` is set).
    arena: &'a Bump,
    /// Short-lived trees, reset per phase; `None` in single-arena mode.
    scratch: Option<Bump>,
    long_lived: Option<&'a TreeNode<'a>>,
}

impl binary_trees::BinaryTreesHeap for Trees<'_> {
    fn temp_tree(&mut self, depth: u32) -> u64 {
        let arena = self.scratch.as_ref().unwrap_or(self.arena);
        check_tree(bottom_up_tree(arena, depth))
    }

    fn make_long_lived(&mut self, depth: u32) {
        self.long_lived = Some(bottom_up_tree(self.arena, depth));
    }

    fn check_long_lived(&mut self) -> u64 {
        self.long_lived.map_or(0, check_tree)
    }

    fn phase_done(&mut self) {
        if let Some(scratch) = &mut self.scratch {
            scratch.reset();
        }
    }
}

#[derive(Default)]
struct Node<'a> {
    left: Option<&'a mut Node<'a>>,
    right: Option<&'a mut Node<'a>>,
    i: i32,
    j: i32,
}

fn populate<'a>(arena: &'a Bump, depth: u32, node: &mut Node<'a>) {
    if depth == 0 {
        return;
    }
    node.left = Some(arena.alloc(Node::default()));
    node.right = Some(arena.alloc(Node::default()));
    if let (Some(left), Some(right)) = (node.left.as_deref_mut(), node.right.as_deref_mut()) {
        populate(arena, depth - 1, left);
        populate(arena, depth - 1, right);
    }
}

fn make_tree(arena: &Bump, depth: u32) -> &mut Node<'_> {
    if depth == 0 {
        arena.alloc(Node::default())
    } else {
        let left = make_tree(arena, depth - 1);
        let right = make_tree(arena, depth - 1);
        arena.alloc(Node {
            left: Some(left),
            right: Some(right),
            i: 0,
            j: 0,
        })
    }
}

fn count(node: &Node<'_>) -> u64 {
    let own = 1 + (node.i + node.j) as u64;
    own + node.left.as_deref().map_or(0, count) + node.right.as_deref().map_or(0, count)
}

fn top_down_tree(arena: &Bump, depth: u32) -> &mut Node<'_> {
    let tree = arena.alloc(Node::default());
    populate(arena, depth, tree);
    tree
}

struct Bench<'a> {
    arena: &'a Bump,
    scratch: Option<Bump>,
    long_lived: Option<&'a Node<'a>>,
    array: &'a [f64],
}

impl gcbench::GcBenchHeap for Bench<'_> {
    fn top_down(&mut self, depth: u32) -> u64 {
        let arena = self.scratch.as_ref().unwrap_or(self.arena);
        count(top_down_tree(arena, depth))
    }

    fn bottom_up(&mut self, depth: u32) -> u64 {
        let arena = self.scratch.as_ref().unwrap_or(self.arena);
        count(make_tree(arena, depth))
    }

    fn make_long_lived(&mut self, depth: u32) {
        self.long_lived = Some(top_down_tree(self.arena, depth));
    }

    fn make_array(&mut self, len: usize) {
        let array = self.arena.alloc_slice_fill_copy(len, 0.0);
        gcbench::fill_array(array);
        self.array = array;
    }

    fn array_intact(&mut self) -> bool {
        gcbench::array_intact(self.array)
    }

    fn check_long_lived(&mut self) -> u64 {
        self.long_lived.map_or(0, count)
    }

    fn phase_done(&mut self) {
        if let Some(scratch) = &mut self.scratch {
            scratch.reset();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arena_policy_matches_the_documented_split() {
        assert!(uses_single_arena(&Workload::BinaryTrees { max_depth: 18 }));
        assert!(uses_single_arena(&Workload::GcBench(
            gcbench::GcBenchParams::CLASSIC
        )));
        assert!(!uses_single_arena(&Workload::BinaryTrees { max_depth: 21 }));
    }

    #[test]
    fn reset_mode_keeps_the_long_lived_tree() {
        // Force the scratch path on a small run: the long-lived tree must survive the resets.
        let arena = Bump::new();
        let mut heap = Trees {
            arena: &arena,
            scratch: Some(Bump::new()),
            long_lived: None,
        };
        assert_eq!(
            binary_trees::run(10, &mut heap),
            binary_trees::expected_checksum(10)
        );
        // The long-lived tree lives in the main arena; the short-lived trees never reach it.
        let node = size_of::<TreeNode<'static>>();
        let total = binary_trees::expected_checksum(10) as usize * node;
        assert!(arena.allocated_bytes() >= 2047 * node);
        assert!(
            arena.allocated_bytes() < total / 4,
            "temp trees leaked into the main arena"
        );
    }
}
