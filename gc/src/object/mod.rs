//! The object model: a two-word header, reference slots, then raw bytes.
//!
//! ```text
//! +0   meta   slots:u32 | type tag:u16 | age:u8 | flags:u8
//! +8   extra  bytes:u32 | id:u32        (or the forwarding address once evacuated)
//! +16  slots  [RawValue; slots]
//! +16+8*slots raw bytes, padded to 8
//! ```
//!
//! Objects are 8-byte aligned and their size is a multiple of 8, so a bump region holding
//! only objects can be walked header to header. The flags hold the collector's per-object
//! state: *forwarded* (the `extra` word is the new address), *marked* (large objects only; the
//! old generation keeps its mark bits in side bitmaps) and *remembered* (the object is in the
//! remembered set); two more flags give the slot layout (weak, ephemeron: see
//! `trace::SlotLayout`), copied with the object. The id is a stable identity assigned at allocation (a 32-bit counter that
//! wraps after 2³² allocations), carried along when an object moves: an *identity hash*, not a
//! unique name. Identity itself is the object's current address, which the collector keeps
//! up to date in every root and slot (weak and ephemeron slots included), so equality
//! ([`Heap::same_object`](crate::Heap::same_object)) and the lookups built on it (ephemeron
//! tables, host values) stay right across moves and across the id's wrap-around.

mod header;

pub use header::{object_size, TypeTag, HEADER_SIZE, MAX_BYTES, MAX_SLOTS};
pub(crate) use header::{Flags, Header, ObjPtr, FLAGS_SHIFT};
