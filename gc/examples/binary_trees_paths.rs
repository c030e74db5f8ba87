//! binary-trees through each way an embedder can keep its roots, to compare their costs:
//!
//! - `safe`: frames and handles (`push_frame_static`, `alloc`, `set`, `pop_frame_escape`);
//! - `stack-safe`: a [`RootStack`] with the safe stack operations (`alloc_on`,
//!   `stack_set_slot`);
//! - `stack-raw`: a [`RootStack`] with the raw path (`alloc_raw`, `set_raw`, `push`);
//! - `shim`: the raw path with the stack in an `Rc<UnsafeCell<Vec>>` registered as a
//!   `RootSource` (what embedders hand-made before root stacks existed);
//! - `source-mut`: the raw path with the stack reached through `root_source_mut`;
//! - `box`: Rust's `Box`, no collector.
//!
//! `cargo run --release -p gclab --example binary_trees_paths -- <mode> [depth]`
//! prints the checksum, the node count and the wall time.

use gclab::{Heap, ObjRef, RawValue, RootKind, RootSource, RootStack, RootVisitor};
use std::cell::UnsafeCell;
use std::rc::Rc;
use std::time::Instant;

const TREE: u16 = 1;
const MIN_DEPTH: u32 = 4;

type R<T> = Result<T, gclab::HeapError>;

fn count(o: ObjRef<'_>) -> u64 {
    1 + o.get_ref(0).map_or(0, count) + o.get_ref(1).map_or(0, count)
}

/// One way of keeping roots: builds a tree of `depth` and returns its node count.
trait Roots {
    fn tree(&mut self, h: &mut Heap, depth: u32) -> R<u64>;
    fn keep(&mut self, h: &mut Heap, depth: u32) -> R<()>;
    fn kept(&mut self, h: &mut Heap) -> R<u64>;
}

// ----- safe: frames and handles -----

struct Safe(Option<gclab::Persistent>);

fn safe_bottom_up(h: &mut Heap, depth: u32) -> R<gclab::Handle> {
    let f = h.push_frame_static("bottom_up");
    let node = h.alloc(TREE, 2, 0)?;
    if depth > 0 {
        let l = safe_bottom_up(h, depth - 1)?;
        h.set(node, 0, l)?;
        let r = safe_bottom_up(h, depth - 1)?;
        h.set(node, 1, r)?;
    }
    h.pop_frame_escape_handle(f, node)
}

impl Roots for Safe {
    fn tree(&mut self, h: &mut Heap, depth: u32) -> R<u64> {
        let f = h.push_frame_static("tree");
        let t = safe_bottom_up(h, depth)?;
        let n = count(h.view(t)?);
        h.pop_frame(f)?;
        Ok(n)
    }
    fn keep(&mut self, h: &mut Heap, depth: u32) -> R<()> {
        let f = h.push_frame_static("keep");
        let t = safe_bottom_up(h, depth)?;
        self.0 = Some(h.root(RootKind::Handle, "long-lived tree", t)?);
        h.pop_frame(f)
    }
    fn kept(&mut self, h: &mut Heap) -> R<u64> {
        Ok(count(h.view(self.0.as_ref().unwrap())?))
    }
}

// ----- the raw path over any stack -----

/// A stack of raw words the collector updates.
trait RawStack {
    /// # Safety
    /// `v` is valid and live.
    unsafe fn push(&mut self, h: &mut Heap, v: RawValue);
    fn pop(&mut self, h: &mut Heap) -> RawValue;
    fn top(&mut self, h: &mut Heap) -> RawValue;
}

fn raw_bottom_up<S: RawStack>(s: &mut S, h: &mut Heap, depth: u32) -> R<()> {
    if depth > 0 {
        raw_bottom_up(s, h, depth - 1)?;
        raw_bottom_up(s, h, depth - 1)?;
    }
    let node = h.alloc_raw(TREE, 2, 0)?;
    if depth > 0 {
        let r = s.pop(h);
        let l = s.pop(h);
        // SAFETY: `node` is fresh and `l`, `r` were on the stack through the allocation;
        // a fresh object may be in the nursery or not, so the barrier stays on.
        unsafe {
            h.set_raw(node, 0, l)?;
            h.set_raw(node, 1, r)?;
        }
    }
    // SAFETY: `node` is fresh from this heap.
    unsafe { s.push(h, node) };
    Ok(())
}

struct Raw<S>(S);

impl<S: RawStack> Roots for Raw<S> {
    fn tree(&mut self, h: &mut Heap, depth: u32) -> R<u64> {
        raw_bottom_up(&mut self.0, h, depth)?;
        let t = self.0.pop(h);
        // SAFETY: `t` was on the stack, and nothing collected since it was popped.
        Ok(count(unsafe { h.view_raw(t)? }))
    }
    fn keep(&mut self, h: &mut Heap, depth: u32) -> R<()> {
        raw_bottom_up(&mut self.0, h, depth)
    }
    fn kept(&mut self, h: &mut Heap) -> R<u64> {
        let t = self.0.top(h);
        // SAFETY: `t` is on the stack.
        Ok(count(unsafe { h.view_raw(t)? }))
    }
}

impl RawStack for RootStack {
    #[inline(always)]
    unsafe fn push(&mut self, _: &mut Heap, v: RawValue) {
        // SAFETY: the caller's contract; the stack is this heap's.
        unsafe { RootStack::push(self, v) }
    }
    #[inline(always)]
    fn pop(&mut self, _: &mut Heap) -> RawValue {
        RootStack::pop(self).expect("operand")
    }
    fn top(&mut self, _: &mut Heap) -> RawValue {
        self.peek(0).expect("operand")
    }
}

/// The hand-made shim: a vector shared with a root source through `Rc<UnsafeCell<..>>`.
struct Shim(Rc<UnsafeCell<Vec<RawValue>>>);

// SAFETY: the source shows every slot, and its owner only pushes live words.
unsafe impl RootSource for Shim {
    fn visit_roots(&mut self, v: &mut RootVisitor<'_>) {
        // SAFETY: the embedder never holds a borrow of the vector across a heap call.
        v.visit_all(unsafe { &mut *self.0.get() })
    }
}

impl RawStack for Shim {
    #[inline(always)]
    unsafe fn push(&mut self, _: &mut Heap, v: RawValue) {
        // SAFETY: no heap call is running.
        unsafe { (*self.0.get()).push(v) }
    }
    #[inline(always)]
    fn pop(&mut self, _: &mut Heap) -> RawValue {
        // SAFETY: as above.
        unsafe { (*self.0.get()).pop().expect("operand") }
    }
    fn top(&mut self, _: &mut Heap) -> RawValue {
        // SAFETY: as above.
        unsafe { *(*self.0.get()).last().expect("operand") }
    }
}

/// The stack as a plain `RootSource`, reached through `root_source_mut` on every access.
struct VecSource(Vec<RawValue>);

// SAFETY: the source shows every slot.
unsafe impl RootSource for VecSource {
    fn visit_roots(&mut self, v: &mut RootVisitor<'_>) {
        v.visit_all(&mut self.0)
    }
}

struct ById(gclab::SourceId<VecSource>);

impl RawStack for ById {
    unsafe fn push(&mut self, h: &mut Heap, v: RawValue) {
        h.root_source_mut(&self.0).expect("registered").0.push(v)
    }
    fn pop(&mut self, h: &mut Heap) -> RawValue {
        let s = h.root_source_mut(&self.0).expect("registered");
        s.0.pop().expect("operand")
    }
    fn top(&mut self, h: &mut Heap) -> RawValue {
        let s = h.root_source_mut(&self.0).expect("registered");
        *s.0.last().expect("operand")
    }
}

// ----- the safe stack operations -----

struct StackSafe(RootStack);

fn stack_safe_bottom_up(h: &mut Heap, s: &mut RootStack, depth: u32) -> R<()> {
    if depth > 0 {
        stack_safe_bottom_up(h, s, depth - 1)?;
        stack_safe_bottom_up(h, s, depth - 1)?;
    }
    h.alloc_on(s, TREE, 2, 0)?;
    if depth > 0 {
        let n = s.len();
        h.stack_set_slot(s, n - 1, 0, n - 3)?;
        h.stack_set_slot(s, n - 1, 1, n - 2)?;
        s.copy(n - 1, n - 3);
        s.truncate(n - 2);
    }
    Ok(())
}

impl Roots for StackSafe {
    fn tree(&mut self, h: &mut Heap, depth: u32) -> R<u64> {
        stack_safe_bottom_up(h, &mut self.0, depth)?;
        let f = h.push_frame_static("tree");
        let t = h.stack_handle(&self.0, self.0.len() - 1)?;
        let n = count(h.view(t)?);
        h.pop_frame(f)?;
        self.0.pop();
        Ok(n)
    }
    fn keep(&mut self, h: &mut Heap, depth: u32) -> R<()> {
        stack_safe_bottom_up(h, &mut self.0, depth)
    }
    fn kept(&mut self, h: &mut Heap) -> R<u64> {
        let f = h.push_frame_static("kept");
        let t = h.stack_handle(&self.0, self.0.len() - 1)?;
        let n = count(h.view(t)?);
        h.pop_frame(f)?;
        Ok(n)
    }
}

// ----- Box -----

struct Node(Option<Box<(Node, Node)>>);

fn box_tree(depth: u32) -> Node {
    if depth == 0 {
        return Node(None);
    }
    Node(Some(Box::new((box_tree(depth - 1), box_tree(depth - 1)))))
}

fn box_count(n: &Node) -> u64 {
    1 + n
        .0
        .as_ref()
        .map_or(0, |b| box_count(&b.0) + box_count(&b.1))
}

// ----- the driver -----

fn run<T: Roots>(h: &mut Heap, r: &mut T, max_depth: u32) -> R<u64> {
    let mut sum = r.tree(h, max_depth + 1)?;
    r.keep(h, max_depth)?;
    for d in (MIN_DEPTH..=max_depth).step_by(2) {
        for _ in 0..1u64 << (max_depth - d + MIN_DEPTH) {
            sum += r.tree(h, d)?;
        }
    }
    Ok(sum + r.kept(h)?)
}

fn run_box(max_depth: u32) -> u64 {
    let mut sum = box_count(&box_tree(max_depth + 1));
    let kept = box_tree(max_depth);
    for d in (MIN_DEPTH..=max_depth).step_by(2) {
        for _ in 0..1u64 << (max_depth - d + MIN_DEPTH) {
            sum += box_count(&box_tree(d));
        }
    }
    sum + box_count(&kept)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map_or("stack-raw", String::as_str);
    let depth: u32 = match args.get(2) {
        Some(d) => d.parse().map_err(|e| format!("depth {d:?}: {e}"))?,
        None => 16,
    };
    let depth = depth.max(MIN_DEPTH + 2);
    let mut h = Heap::new()?;
    let start = Instant::now();
    let sum = match mode {
        "safe" => run(&mut h, &mut Safe(None), depth)?,
        "stack-safe" => {
            let s = h.root_stack("operand stack");
            run(&mut h, &mut StackSafe(s), depth)?
        }
        "stack-raw" => {
            let s = h.root_stack("operand stack");
            run(&mut h, &mut Raw(s), depth)?
        }
        "shim" => {
            let v = Rc::new(UnsafeCell::new(Vec::new()));
            h.add_root_source(RootKind::External, "shim", Shim(Rc::clone(&v)));
            run(&mut h, &mut Raw(Shim(v)), depth)?
        }
        "source-mut" => {
            let id = h.add_root_source(RootKind::External, "stack", VecSource(Vec::new()));
            run(&mut h, &mut Raw(ById(id)), depth)?
        }
        "box" => run_box(depth),
        other => {
            return Err(format!(
                "unknown mode {other:?}: safe, stack-safe, stack-raw, shim, source-mut or box"
            )
            .into())
        }
    };
    let wall = start.elapsed();
    println!(
        "{mode}: depth {depth}, {sum} nodes, {:.3} s, {:.1} ns/node",
        wall.as_secs_f64(),
        wall.as_nanos() as f64 / sum as f64
    );
    Ok(())
}
