//! Precise roots: the only places the collector starts from.
//!
//! Four shapes of root, each with a [`RootKind`] and a label:
//!
//! - **locals** in LIFO **frames** that model the call stack ([`Heap::push_frame`],
//!   [`Heap::pop_frame`]); every allocation and every reference read returns a local
//!   [`Handle`] in the top frame, and popping the frame releases its locals;
//! - **persistent roots** ([`Persistent`]) of any other kind — timers, listeners, pending
//!   callbacks, promises, embedder handles — alive until released or dropped;
//! - **named globals**;
//! - **root stacks** ([`RootStack`]): an interpreter's operand stack, owned by the embedder
//!   and shared with the heap, whose push/pop/get/set cost a bounds check and a store;
//! - **external root sources** ([`RootSource`]): an embedder's own slots (an interpreter's
//!   operand stack, say) that the collector visits and updates.
//!
//! Invariant: every `RawValue` in these tables is either an immediate or a reference to a live
//! object; the collector rewrites them when objects move. A [`Handle`] is an index plus a check
//! number, so a handle whose frame was popped or whose root was released is detected
//! ([`HeapError::StaleHandle`](crate::HeapError::StaleHandle)) instead of reading anything.
//!
//! [`Heap::push_frame`]: crate::Heap::push_frame
//! [`Heap::pop_frame`]: crate::Heap::pop_frame

mod globals;
mod handle;
mod kind;
mod label;
mod serial;
mod source;
mod sources;
mod stack;
mod table;
mod walk;

pub use handle::{Frame, GlobalId, Handle, Persistent};
pub use kind::RootKind;
pub use source::{RootSource, RootVisitor, SourceId};
pub use stack::RootStack;
pub(crate) use table::RootTable;
