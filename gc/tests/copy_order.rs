//! The scavenger's copy order: a tree lands in to-space in pre-order (each node, then its
//! first subtree, then its second), the order a recursive walk visits it, whatever order it
//! was allocated in. Cheney's breadth-first order put a node's grandchildren a whole level
//! away and made the program's walks of survivors miss the cache.

use gclab::{object_size, CollectionKind, Handle, Heap, HeapConfig, Plan, RawValue, Value};

const NODE: u16 = 1;
const DEPTH: u32 = 6;

/// Builds a tree bottom-up (children before their parent, as binary-trees does), so the
/// allocation order is not pre-order; only the root stays a root (a local of the caller's
/// frame).
fn bottom_up(h: &mut Heap, depth: u32) -> Handle {
    let f = h.push_frame("bottom_up");
    let n = if depth == 0 {
        h.alloc(NODE, 2, 8).unwrap()
    } else {
        let l = bottom_up(h, depth - 1);
        let r = bottom_up(h, depth - 1);
        let n = h.alloc(NODE, 2, 8).unwrap();
        h.set(n, 0, Value::Ref(l)).unwrap();
        h.set(n, 1, Value::Ref(r)).unwrap();
        n
    };
    h.pop_frame_escape_handle(f, n).unwrap()
}

/// The tree's node addresses in pre-order.
fn pre_order(h: &Heap, root: RawValue) -> Vec<usize> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(v) = stack.pop() {
        out.push(v.ref_addr().expect("a node"));
        for i in [1, 0] {
            // SAFETY: `v` is a live node reached from a rooted tree, read with no collection
            // in between.
            let c = unsafe { h.get_raw(v, i) }.unwrap();
            if c.is_ref() {
                stack.push(c);
            }
        }
    }
    out
}

#[test]
fn a_scavenge_copies_a_tree_in_pre_order() {
    let node = object_size(2, 8);
    for plan in [Plan::SemiSpace, Plan::Generational, Plan::GenImmix] {
        let mut cfg = HeapConfig::for_plan(plan);
        cfg.gc_interval = None;
        cfg.pause_goal = None;
        cfg.gc_threads = 1;
        let mut h = Heap::with_config(cfg).unwrap();
        let f = h.push_frame("tree");
        let root = bottom_up(&mut h, DEPTH);
        let kind = if plan == Plan::SemiSpace {
            CollectionKind::Major
        } else {
            CollectionKind::Minor
        };
        h.collect(kind);
        h.verify().unwrap();
        let addrs = pre_order(&h, h.raw(root).unwrap());
        assert_eq!(addrs.len(), (1 << (DEPTH + 1)) - 1, "{plan:?}");
        // Copied at their first scavenge, not promoted: contiguous, in pre-order.
        for (i, w) in addrs.windows(2).enumerate() {
            assert_eq!(
                w[1],
                w[0] + node,
                "{plan:?}: node {i} and the next in pre-order"
            );
        }
        h.pop_frame(f).unwrap();
    }
}
