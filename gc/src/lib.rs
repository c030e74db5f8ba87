#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]
//! # gclab — a garbage-collector research heap
//!
//! A standalone heap with **precise roots**, a **semispace copying nursery** and a
//! **mark-sweep old generation**, where every collection is recorded and measured.
//!
//! ## The model
//!
//! An object is a header, `n` reference **slots** (each a NaN-boxed [`RawValue`]: a
//! reference, a small integer, a double, `undefined`, `null` or a boolean) and `m` raw
//! **bytes** the collector never looks at. The embedder picks a [`TypeTag`] per object and
//! may [register](Heap::register_type) a name and slot names for it, which diagnostics use.
//!
//! ## Why safe code cannot see a moved or freed object
//!
//! gclab uses **handle indirection**, as V8 does. Safe code never holds an object address:
//! every allocation and every read of a reference slot returns a [`Handle`], an index into a
//! root table that the collector updates when it moves the object. A handle is
//! either a **local** in the current call-stack [`Frame`] (popped frames release their
//! locals) or a [`Persistent`] root of a given [`RootKind`] — timer, listener, promise… — or a
//! named global. Using a handle whose frame was popped or whose root was released returns
//! [`HeapError::StaleHandle`]; it never reads memory. Borrowed byte slices
//! ([`Heap::bytes`]) borrow the heap, and every operation that may collect takes
//! `&mut Heap`, so the borrow checker rejects a slice held across a collection.
//!
//! An interpreter keeps its operand stack in a [`RootStack`] ([`Heap::root_stack`]): owned by
//! the embedder, scanned and updated by the collector, with push/pop/get/set at the cost of a
//! bounds check and a store, safe stack operations ([`Heap::alloc_on`],
//! [`Heap::stack_set_slot`]) and the `unsafe` raw accessors ([`Heap::alloc_raw`],
//! [`Heap::get_raw`], [`Heap::set_raw`]) for the last instructions; `gc/examples/lisp` is a
//! small Scheme built that way. Other embedder-owned roots implement the `unsafe` trait
//! [`RootSource`] and can label their slots for diagnostics ([`RootVisitor::visit_labelled`]);
//! [`Heap::why_alive`] says which root holds an object.
//!
//! ## Example
//!
//! ```
//! use gclab::{CollectionKind, Heap, HeapConfig, HeapError, RootKind, Value};
//!
//! # fn main() -> Result<(), HeapError> {
//! let mut heap = Heap::with_config(HeapConfig::default())?;
//! const CELL: u16 = 1;
//! heap.register_type(CELL, "Cell", &["value", "next"]);
//!
//! // A frame models a call: its locals are roots until it is popped.
//! let frame = heap.push_frame("main");
//! let a = heap.alloc(CELL, 2, 0)?;              // two slots, undefined
//! let b = heap.alloc(CELL, 2, 0)?;
//! heap.set(a, 0, Value::Int(42))?;
//! heap.set(a, 1, b)?;                            // a.next = b, through the write barrier
//!
//! // A persistent root, e.g. what an interval timer keeps alive.
//! let timer = heap.root(RootKind::Timer, "interval timer #1", a)?;
//!
//! heap.collect(CollectionKind::Minor);           // a and b survive and move
//! heap.verify().expect("invariants hold");
//! assert_eq!(heap.get(a, 0)?, Value::Int(42));   // the handle still finds `a`
//!
//! heap.pop_frame(frame)?;                        // locals gone; the timer still holds a
//! heap.collect(CollectionKind::Major);
//! heap.scope("inspect", |heap| {                 // reads root their results in a frame
//!     let next = heap.get(&timer, 1)?.as_ref().unwrap();
//!     assert_eq!(heap.type_tag(next)?, CELL);
//!     Ok::<_, HeapError>(())                     // `scope` takes the caller's error type
//! })?;                                           // ...which this pops again
//!
//! heap.release(timer)?;                          // clearInterval: now unreachable
//! heap.collect(CollectionKind::Major);
//! assert_eq!(heap.usage().bytes(), 0);
//!
//! let stats = heap.stats();
//! assert_eq!(stats.count(Some(CollectionKind::Major)), 2);
//! println!("p50 pause {:?}, reclaim rate {:.2}", stats.pauses(None).p50, stats.reclaim_rate(None));
//! # Ok(())
//! # }
//! ```
//!
//! ## Plans
//!
//! [`Plan::GenImmix`] (default), [`Plan::Generational`], [`Plan::MarkSweep`],
//! [`Plan::SemiSpace`], [`Plan::Immix`] and [`Plan::NoGc`] share this API, so a workload runs
//! under each and the numbers compare ([`Plan::ALL`] lists them).
//! See [`HeapConfig`] for sizes, the promotion age and the major-collection trigger.
//!
//! ## Weak references, ephemerons, finalization, host objects
//!
//! An object allocated with [`SlotLayout::Weak`] holds its targets weakly (a `WeakRef`); one
//! allocated with [`SlotLayout::Ephemeron`] is a table of key → value pairs whose values live
//! only while their keys do (a `WeakMap`); [`Heap::register_finalizer`] queues a held value
//! when its target dies; [`Heap::attach_host`] makes an object own a Rust value dropped after
//! the collection that frees it. See [`weak`] for the semantics under minor and major
//! collections and how lookups survive moves.
//!
//! ## Write barrier
//!
//! Every store of a reference goes through the barrier. gclab keeps an **object-granularity
//! remembered set**: the first store of a nursery reference into an old or large object sets
//! the object's *remembered* flag and logs it; a minor collection scans exactly the logged
//! objects instead of the old generation. A store that creates no old→young edge costs one
//! tag check and one range check. The trade-off against a card table: a huge array with one
//! young element is rescanned whole at each minor collection.
//!
//! ## Pause goal
//!
//! [`HeapConfig::pause_goal`] asks the generational plans for short pauses: the nursery is
//! sized so a scavenge's predicted copy time fits the goal, and the old generation is marked
//! incrementally, in slices paced by allocation, behind a snapshot-at-the-beginning barrier
//! (see [`pause`]). Every slice is a [`GcEvent`] with its [`IncrementalPhase`].

mod collector;
pub mod config;
pub mod diagnose;
pub mod docs;
mod error;
mod heap;
mod mem;
pub mod object;
pub mod pause;
mod plan;
pub mod roots;
mod space;
pub mod stats;
#[cfg(feature = "testing")]
pub mod testing;
mod trace;
mod value;
mod verify;
mod view;
pub mod weak;

#[path = "diagnose/build.rs"]
mod graph_build;

pub use config::{HeapConfig, Plan};
pub use error::{HeapError, OutOfMemory};
pub use heap::{Heap, SpaceKind, TypeInfo};
pub use object::{object_size, TypeTag};
pub use roots::{
    Frame, GlobalId, Handle, Persistent, RootKind, RootSource, RootStack, RootVisitor, SourceId,
};
pub use stats::{
    CollectionCause, CollectionKind, GcEvent, HeapUsage, IncrementalPhase, PauseSummary,
    SpaceUsage, Stats,
};
pub use trace::SlotLayout;
pub use value::{Immediate, RawValue, Value};
pub use verify::{VerifyError, VerifyReport};
pub use view::{ObjRef, ViewValue};
pub use weak::{Finalized, HostValue, RegistryId, WEAK_CELL_TAG};
