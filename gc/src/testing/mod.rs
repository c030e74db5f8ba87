//! Reachability-invariant testing: a reference model, program strategies, a checker and a
//! harness that proves the heap frees exactly what is unreachable.
//!
//! Compiled with the `testing` feature. The pieces, from the bottom up:
//!
//! - [`Model`] — a plain object graph with no collector that mirrors every heap operation
//!   and computes reachability from its roots (frames, persistent roots of each kind,
//!   globals, external sources). It shares no code with the heap; it predicts, the heap is
//!   checked.
//! - [`Checker`] — walks the model and the heap together from the roots: every reachable
//!   object must be alive with the same tag, slots and bytes; after a full collection the
//!   heap must hold exactly the reachable objects and bytes.
//! - [`Op`] / [`Ops`] — programs in a form where every sequence is valid, and the
//!   [`Harness`] that replays them against a heap and the model, checking each result and
//!   running the checker after every collection (requested or triggered).
//! - [`strategy`] — proptest strategies for programs and heap shapes; [`decode`](mod@decode) — the same
//!   programs from arbitrary bytes, for fuzzers; [`hostile`] — hostile configurations and
//!   frame and scope misuse from arbitrary bytes.
//!
//! The harness guarantees are listed in [`harness`]'s documentation; the property suites in
//! `gc/tests/prop_*.rs` and the fuzz targets in `fuzz/` run it under every plan.
//!
//! # Testing your own runtime
//!
//! An embedder mirrors its own operations in a [`Model`] and asks the [`Checker`] after
//! each collection. Here a tiny stack machine keeps its operand stack as an external
//! [`RootSource`](crate::RootSource) and is property-tested under every plan:
//!
//! ```
//! use gclab::testing::proptest::prelude::*;
//! use gclab::testing::proptest::test_runner::{Config, TestRunner};
//! use gclab::testing::{Checker, MValue, Model};
//! use gclab::{CollectionKind, Heap, HeapConfig, Plan, RawValue, RootKind, RootSource, RootVisitor};
//!
//! /// The machine's operand stack: the collector visits and updates every slot.
//! struct Stack(Vec<RawValue>);
//!
//! // SAFETY: every slot is visited; the machine only pushes immediates and words that
//! // `alloc_raw` returned, before anything else can collect.
//! unsafe impl RootSource for Stack {
//!     fn visit_roots(&mut self, v: &mut RootVisitor<'_>) {
//!         v.visit_all(&mut self.0)
//!     }
//! }
//!
//! #[derive(Clone, Debug)]
//! enum Instr { Push(i32), Pair, Drop, Gc(bool) }
//!
//! fn run(plan: Plan, program: &[Instr]) -> Result<(), String> {
//!     let mut cfg = HeapConfig::for_plan(plan);
//!     cfg.max_heap = 1 << 20;
//!     let mut heap = Heap::with_config(cfg).map_err(|e| e.to_string())?;
//!     let stack = heap.add_root_source(RootKind::External, "operand stack", Stack(vec![]));
//!     let (mut model, mut checker) = (Model::new(), Checker::new());
//!     let key = model.add_source(RootKind::External, 0);
//!     for instr in program {
//!         let depth = model.source(key).unwrap().len();
//!         match *instr {
//!             Instr::Push(i) => {
//!                 heap.root_source_mut(&stack).unwrap().0.push(RawValue::int(i));
//!                 model.source_mut(key).unwrap().push(MValue::Int(i));
//!             }
//!             Instr::Pair if depth >= 2 => {
//!                 // May collect: the stack's words are updated in place.
//!                 let pair = heap.alloc_raw(1, 2, 0).map_err(|e| e.to_string())?;
//!                 let s = &mut heap.root_source_mut(&stack).unwrap().0;
//!                 let (b, a) = (s.pop().unwrap(), s.pop().unwrap());
//!                 // SAFETY: `pair` is fresh and `a`, `b` came off the stack; nothing
//!                 // collected since.
//!                 unsafe {
//!                     heap.set_raw(pair, 0, a).unwrap();
//!                     heap.set_raw(pair, 1, b).unwrap();
//!                 }
//!                 heap.root_source_mut(&stack).unwrap().0.push(pair);
//!                 // The same in the model, and which heap object the new one is.
//!                 let ms = model.source_mut(key).unwrap();
//!                 let (mb, ma) = (ms.pop().unwrap(), ms.pop().unwrap());
//!                 let id = model.alloc_unrooted(1, 2, 0);
//!                 model.set(MValue::Ref(id), 0, ma).unwrap();
//!                 model.set(MValue::Ref(id), 1, mb).unwrap();
//!                 model.source_mut(key).unwrap().push(MValue::Ref(id));
//!                 let f = heap.push_frame("record");
//!                 // SAFETY: `pair` is on the stack and nothing collected since.
//!                 let h = unsafe { heap.root_raw(pair) };
//!                 checker.record(&heap, id, h).map_err(|e| e.to_string())?;
//!                 heap.pop_frame(f).unwrap();
//!             }
//!             Instr::Drop if depth >= 1 => {
//!                 heap.root_source_mut(&stack).unwrap().0.pop();
//!                 model.source_mut(key).unwrap().pop();
//!             }
//!             Instr::Gc(major) => {
//!                 let kind = if major { CollectionKind::Major } else { CollectionKind::Minor };
//!                 heap.collect(kind);
//!                 heap.verify().map_err(|e| e.to_string())?;
//!                 let raws = heap.root_source_mut(&stack).unwrap().0.clone();
//!                 let roots: Vec<_> =
//!                     model.source(key).unwrap().iter().copied().zip(raws).collect();
//!                 // SAFETY: the words are the stack's, just updated by the collector.
//!                 unsafe { checker.check_graph_raw(&mut heap, &model, &roots) }
//!                     .map_err(|e| e.to_string())?;
//!                 let full = major || matches!(plan, Plan::MarkSweep | Plan::SemiSpace);
//!                 if full {
//!                     checker.check_exact(&heap, &model, Default::default())
//!                         .map_err(|e| e.to_string())?;
//!                 }
//!             }
//!             _ => {}
//!         }
//!     }
//!     Ok(())
//! }
//!
//! let instr = prop_oneof![
//!     any::<i32>().prop_map(Instr::Push),
//!     Just(Instr::Pair),
//!     Just(Instr::Drop),
//!     any::<bool>().prop_map(Instr::Gc),
//! ];
//! let mut runner = TestRunner::new(Config { cases: 16, failure_persistence: None, ..Config::default() });
//! for plan in [Plan::Generational, Plan::MarkSweep, Plan::SemiSpace] {
//!     runner
//!         .run(&prop::collection::vec(instr.clone(), 0..40), |program| {
//!             run(plan, &program).map_err(TestCaseError::fail)
//!         })
//!         .unwrap();
//! }
//! ```

pub mod checker;
pub mod decode;
pub mod harness;
pub mod hostile;
pub mod model;
pub mod op;
pub mod slot_source;
pub mod strategy;
pub mod weak;

pub use checker::{CheckError, Checker};
pub use decode::{decode, decode_config, decode_ops, decode_ops_with, decode_raw, fuzz_profiles};
pub use harness::{run_on_every_plan, Failure, Harness, RunReport};
pub use hostile::{decode_hostile, run_hostile, HostileCase, Misuse, ScopeBody};
pub use model::{
    Census, FrameRef, Live, LocalRef, MObject, MValue, Model, ObjId, RootId, SourceKey,
};
pub use op::{Op, Ops, Sel, ValSel};
pub use slot_source::SlotSource;
pub use strategy::{config, ops, profiles, Sizes};

/// The proptest version the strategies are built with, for embedders' own strategies.
pub use proptest;
