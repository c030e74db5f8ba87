//! gclab itself, under each plan, through the safe API an embedder would use: a frame per call
//! (the V8 `HandleScope` discipline), nodes allocated and linked through handles, trees read
//! through borrowed views.
//!
//! Failures of the heap (out of memory) abort the run with a message: the workloads are
//! sized to fit the default 2 GiB limit.

use crate::measure::PauseFigures;
use crate::workload::{binary_trees, gcbench, Workload};
use gclab::{Handle, Heap, HeapConfig, ObjRef, Plan, Value};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The pause goal the `gclab-*` implementations run with (`None`: each plan's default).
static PAUSE_GOAL: Mutex<Option<Duration>> = Mutex::new(None);

/// The pause figures of the last `gclab-*` run in this process.
static LAST_PAUSES: Mutex<Option<PauseFigures>> = Mutex::new(None);

/// Sets the pause goal of the following `gclab-*` runs in this process.
pub fn set_pause_goal(goal: Option<Duration>) {
    *PAUSE_GOAL.lock().unwrap_or_else(|e| e.into_inner()) = goal;
}

/// The pause figures of the last `gclab-*` run in this process (taken: a second call
/// returns `None`).
pub fn take_pause_figures() -> Option<PauseFigures> {
    LAST_PAUSES.lock().unwrap_or_else(|e| e.into_inner()).take()
}

const TREE: u16 = 1;
const NODE: u16 = 2;
const ARRAY: u16 = 3;

fn heap(plan: Plan) -> Heap {
    Heap::with_config(HeapConfig::for_plan(plan)).expect("default heap")
}

/// Runs `workload` on a heap built from `config` through the safe API and returns the
/// checksum with the heap, for its statistics. Panics with the heap's error if it runs out of
/// memory (the pause report catches that to search for the minimum heap).
pub fn run_with(config: HeapConfig, workload: &Workload) -> (u64, Heap) {
    let mut h = Heap::with_config(config).expect("heap configuration");
    h.register_type(TREE, "TreeNode", &["left", "right"]);
    h.register_type(NODE, "Node", &["left", "right"]);
    h.register_type(ARRAY, "Array", &[]);
    match workload {
        Workload::BinaryTrees { max_depth } => {
            let mut t = Trees {
                h,
                long_lived: None,
            };
            let sum = binary_trees::run(*max_depth, &mut t);
            (sum, t.h)
        }
        Workload::GcBench(params) => {
            let mut b = Bench {
                h,
                long_lived: None,
                array: None,
            };
            let sum = gcbench::run(params, &mut b);
            (sum, b.h)
        }
    }
}

fn run_plan(plan: Plan, workload: &Workload) -> u64 {
    let mut config = HeapConfig::for_plan(plan);
    if let Some(goal) = *PAUSE_GOAL.lock().unwrap_or_else(|e| e.into_inner()) {
        config.pause_goal = Some(goal);
    }
    let start = Instant::now();
    let (sum, heap) = run_with(config, workload);
    let elapsed = start.elapsed();
    let stats = heap.stats();
    let all = stats.pauses(None);
    *LAST_PAUSES.lock().unwrap_or_else(|e| e.into_inner()) = Some(PauseFigures {
        max_ms: all.max.as_secs_f64() * 1e3,
        p99_ms: all.p99.as_secs_f64() * 1e3,
        mmu10: gclab::pause::mmu(stats.events(), Duration::from_millis(10), elapsed),
    });
    sum
}

/// `gclab-generational`.
pub fn generational(w: &Workload) -> u64 {
    run_plan(Plan::Generational, w)
}

/// `gclab-mark-sweep`.
pub fn mark_sweep(w: &Workload) -> u64 {
    run_plan(Plan::MarkSweep, w)
}

/// `gclab-semispace`.
pub fn semispace(w: &Workload) -> u64 {
    run_plan(Plan::SemiSpace, w)
}

/// `gclab-immix`.
pub fn immix(w: &Workload) -> u64 {
    run_plan(Plan::Immix, w)
}

/// `gclab-gen-immix`.
pub fn gen_immix(w: &Workload) -> u64 {
    run_plan(Plan::GenImmix, w)
}

fn expect<T>(r: Result<T, gclab::HeapError>) -> T {
    r.unwrap_or_else(|e| panic!("gclab: {e}"))
}

fn escaped(v: Value) -> Handle {
    v.as_ref().expect("an object escapes its frame")
}

/// Builds a tree bottom-up; the result is a local in the caller's frame.
fn bottom_up(h: &mut Heap, tag: u16, extra_bytes: usize, depth: u32) -> Handle {
    let f = h.push_frame_static("bottom_up");
    let node = expect(h.alloc(tag, 2, extra_bytes));
    if depth > 0 {
        let l = bottom_up(h, tag, extra_bytes, depth - 1);
        expect(h.set(node, 0, l));
        let r = bottom_up(h, tag, extra_bytes, depth - 1);
        expect(h.set(node, 1, r));
    }
    escaped(expect(h.pop_frame_escape(f, node)))
}

/// Counts a tree through a borrowed view: reading allocates nothing, so no handles are needed.
fn check(h: &Heap, node: Handle) -> u64 {
    fn count(o: ObjRef<'_>) -> u64 {
        1 + o.get_ref(0).map_or(0, count) + o.get_ref(1).map_or(0, count)
    }
    count(expect(h.view(node)))
}

struct Trees {
    h: Heap,
    long_lived: Option<gclab::Persistent>,
}

impl binary_trees::BinaryTreesHeap for Trees {
    fn temp_tree(&mut self, depth: u32) -> u64 {
        let f = self.h.push_frame_static("temp_tree");
        let t = bottom_up(&mut self.h, TREE, 0, depth);
        let n = check(&self.h, t);
        expect(self.h.pop_frame(f));
        n
    }

    fn make_long_lived(&mut self, depth: u32) {
        let f = self.h.push_frame_static("long_lived");
        let t = bottom_up(&mut self.h, TREE, 0, depth);
        self.long_lived = Some(expect(self.h.root(
            gclab::RootKind::Handle,
            "long-lived tree",
            t,
        )));
        expect(self.h.pop_frame(f));
    }

    fn check_long_lived(&mut self) -> u64 {
        check_kept(&self.h, &self.long_lived)
    }
}

/// Counts the tree a kept root holds.
fn check_kept(h: &Heap, kept: &Option<gclab::Persistent>) -> u64 {
    check(
        h,
        kept.as_ref().map(|p| p.handle()).expect("long-lived tree"),
    )
}

/// Stores GCBench's doubles (`fill_array`) into the raw bytes of `array`.
fn fill_array(h: &mut Heap, array: Handle, len: usize) {
    let mut values = vec![0.0f64; len];
    gcbench::fill_array(&mut values);
    for (chunk, v) in expect(h.bytes_mut(array)).chunks_exact_mut(8).zip(&values) {
        chunk.copy_from_slice(&v.to_le_bytes());
    }
}

/// GCBench's final check on the doubles kept in `array`'s raw bytes.
fn array_intact(h: &Heap, array: &Option<gclab::Persistent>) -> bool {
    let a = array.as_ref().map(|p| p.handle()).expect("array");
    let values: Vec<f64> = expect(h.bytes(a))
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect();
    gcbench::array_intact(&values)
}

/// GCBench nodes: `left`, `right` slots and the two `int` fields in 8 raw bytes.
fn populate(h: &mut Heap, depth: u32, node: Handle) {
    if depth == 0 {
        return;
    }
    let f = h.push_frame_static("populate");
    let l = expect(h.alloc(NODE, 2, 8));
    expect(h.set(node, 0, l));
    let r = expect(h.alloc(NODE, 2, 8));
    expect(h.set(node, 1, r));
    populate(h, depth - 1, l);
    populate(h, depth - 1, r);
    expect(h.pop_frame(f));
}

struct Bench {
    h: Heap,
    long_lived: Option<gclab::Persistent>,
    array: Option<gclab::Persistent>,
}

impl gcbench::GcBenchHeap for Bench {
    fn top_down(&mut self, depth: u32) -> u64 {
        let f = self.h.push_frame_static("top_down");
        let t = expect(self.h.alloc(NODE, 2, 8));
        populate(&mut self.h, depth, t);
        let n = check(&self.h, t);
        expect(self.h.pop_frame(f));
        n
    }

    fn bottom_up(&mut self, depth: u32) -> u64 {
        let f = self.h.push_frame_static("bottom_up_tree");
        let t = bottom_up(&mut self.h, NODE, 8, depth);
        let n = check(&self.h, t);
        expect(self.h.pop_frame(f));
        n
    }

    fn make_long_lived(&mut self, depth: u32) {
        let f = self.h.push_frame_static("long_lived");
        let t = expect(self.h.alloc(NODE, 2, 8));
        populate(&mut self.h, depth, t);
        self.long_lived = Some(expect(self.h.root(
            gclab::RootKind::Handle,
            "long-lived tree",
            t,
        )));
        expect(self.h.pop_frame(f));
    }

    fn make_array(&mut self, len: usize) {
        let f = self.h.push_frame_static("array");
        let a = expect(self.h.alloc(ARRAY, 0, len * 8));
        fill_array(&mut self.h, a, len);
        self.array = Some(expect(self.h.root(gclab::RootKind::Handle, "array", a)));
        expect(self.h.pop_frame(f));
    }

    fn array_intact(&mut self) -> bool {
        array_intact(&self.h, &self.array)
    }

    fn check_long_lived(&mut self) -> u64 {
        check_kept(&self.h, &self.long_lived)
    }
}

/// The embedder's raw path: what an interpreter with its own operand stack does. The stack is
/// a [`RootSource`] the collector visits and updates; objects are allocated unrooted
/// ([`Heap::alloc_raw`]) and linked with [`Heap::set_raw`] (through the write barrier), and
/// every value that must survive an allocation sits on the stack meanwhile.
pub mod raw {
    use super::*;
    use gclab::{RawValue, RootKind, RootSource, RootVisitor};
    use std::cell::RefCell;
    use std::rc::Rc;

    /// The operand stack, shared between the embedder and the heap's root-source table.
    #[derive(Clone, Default)]
    struct Stack(Rc<RefCell<Vec<RawValue>>>);

    // SAFETY: the stack only ever holds values returned by this heap's `alloc_raw` or read
    // from its objects with no collection in between, and the collector sees every slot.
    unsafe impl RootSource for Stack {
        fn visit_roots(&mut self, visitor: &mut RootVisitor<'_>) {
            visitor.visit_all(&mut self.0.borrow_mut());
        }
    }

    fn alloc(h: &mut Heap, tag: u16, extra: usize) -> RawValue {
        expect(h.alloc_raw(tag, 2, extra))
    }

    /// Builds a tree bottom-up; children wait on the stack while their parent is allocated.
    fn bottom_up(h: &mut Heap, s: &Stack, tag: u16, extra: usize, depth: u32) -> RawValue {
        if depth == 0 {
            return alloc(h, tag, extra);
        }
        let l = bottom_up(h, s, tag, extra, depth - 1);
        s.0.borrow_mut().push(l);
        let r = bottom_up(h, s, tag, extra, depth - 1);
        s.0.borrow_mut().push(r);
        let node = alloc(h, tag, extra);
        let (l, r) = {
            let mut st = s.0.borrow_mut();
            let r = st.pop().expect("pushed above");
            (st.pop().expect("pushed above"), r)
        };
        // SAFETY: `node` was just allocated and `l`, `r` were updated by any collection that
        // allocation ran (they were on the stack); nothing collects before these stores.
        unsafe {
            expect(h.set_raw(node, 0, l));
            expect(h.set_raw(node, 1, r));
        }
        node
    }

    /// `Populate`: the parent stays on the stack while its children are allocated.
    fn populate(h: &mut Heap, s: &Stack, depth: u32) {
        if depth == 0 {
            return;
        }
        let l = alloc(h, NODE, 8);
        // The parent is on top of the stack (pushed by the caller).
        let parent = *s.0.borrow().last().expect("parent on the stack");
        // SAFETY: `parent` is on the stack and up to date; `l` was just allocated.
        unsafe { expect(h.set_raw(parent, 0, l)) };
        let r = alloc(h, NODE, 8);
        let parent = *s.0.borrow().last().expect("parent on the stack");
        // SAFETY: as above, re-read after the allocation.
        unsafe { expect(h.set_raw(parent, 1, r)) };
        for slot in 0..2 {
            let parent = *s.0.borrow().last().expect("parent on the stack");
            // SAFETY: `parent` is live and up to date.
            let child = unsafe { expect(h.get_raw(parent, slot)) };
            s.0.borrow_mut().push(child);
            populate(h, s, depth - 1);
            s.0.borrow_mut().pop();
        }
    }

    fn count(h: &Heap, o: RawValue) -> u64 {
        fn walk(o: ObjRef<'_>) -> u64 {
            1 + o.get_ref(0).map_or(0, walk) + o.get_ref(1).map_or(0, walk)
        }
        // SAFETY: `o` is on the stack or was just built, with no collection since.
        walk(expect(unsafe { h.view_raw(o) }))
    }

    struct Raw {
        h: Heap,
        s: Stack,
        long_lived: Option<Persistent>,
        array: Option<Persistent>,
    }

    use gclab::Persistent;

    impl Raw {
        fn new(plan: Plan) -> Raw {
            let mut h = heap(plan);
            let s = Stack::default();
            h.add_root_source(RootKind::External, "operand stack", s.clone());
            Raw {
                h,
                s,
                long_lived: None,
                array: None,
            }
        }

        fn keep(&mut self, v: RawValue) -> Persistent {
            // SAFETY: `v` was just built and no collection ran since.
            let local = unsafe { self.h.root_raw(v) };
            expect(self.h.root(RootKind::Handle, "long-lived", local))
        }

        fn top_down_tree(&mut self, depth: u32) -> RawValue {
            let t = alloc(&mut self.h, NODE, 8);
            self.s.0.borrow_mut().push(t);
            populate(&mut self.h, &self.s, depth);
            self.s.0.borrow_mut().pop().expect("pushed above")
        }
    }

    impl binary_trees::BinaryTreesHeap for Raw {
        fn temp_tree(&mut self, depth: u32) -> u64 {
            let t = bottom_up(&mut self.h, &self.s, TREE, 0, depth);
            count(&self.h, t)
        }
        fn make_long_lived(&mut self, depth: u32) {
            let t = bottom_up(&mut self.h, &self.s, TREE, 0, depth);
            self.long_lived = Some(self.keep(t));
        }
        fn check_long_lived(&mut self) -> u64 {
            check_kept(&self.h, &self.long_lived)
        }
    }

    impl gcbench::GcBenchHeap for Raw {
        fn top_down(&mut self, depth: u32) -> u64 {
            let t = self.top_down_tree(depth);
            count(&self.h, t)
        }
        fn bottom_up(&mut self, depth: u32) -> u64 {
            let t = bottom_up(&mut self.h, &self.s, NODE, 8, depth);
            count(&self.h, t)
        }
        fn make_long_lived(&mut self, depth: u32) {
            let t = self.top_down_tree(depth);
            self.long_lived = Some(self.keep(t));
        }
        fn make_array(&mut self, len: usize) {
            let a = expect(self.h.alloc_raw(ARRAY, 0, len * 8));
            let p = self.keep(a);
            fill_array(&mut self.h, p.handle(), len);
            self.array = Some(p);
        }
        fn array_intact(&mut self) -> bool {
            array_intact(&self.h, &self.array)
        }
        fn check_long_lived(&mut self) -> u64 {
            check_kept(&self.h, &self.long_lived)
        }
    }

    /// `gclab-generational-raw`.
    pub fn generational(w: &Workload) -> u64 {
        let mut r = Raw::new(Plan::Generational);
        for (tag, name) in [(TREE, "TreeNode"), (NODE, "Node"), (ARRAY, "Array")] {
            r.h.register_type(tag, name, &["left", "right"]);
        }
        match w {
            Workload::BinaryTrees { max_depth } => binary_trees::run(*max_depth, &mut r),
            Workload::GcBench(params) => gcbench::run(params, &mut r),
        }
    }
}
