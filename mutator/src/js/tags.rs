//! Type tags and slot layouts of JavaScript objects.
//!
//! Invariant: every heap object the interpreter creates has one of these tags (or a
//! per-function closure tag or per-scope environment tag, from [`FIRST_DYNAMIC`] up), and its
//! slots follow the layout documented here.

use gclab::TypeTag;

/// Every object: slot 0 the prototype, slot 1 the property store, slot 2 its count.
pub const PROTO: usize = 0;
/// Property store slot.
pub const PROPS: usize = 1;
/// Number of properties (int).
pub const NPROPS: usize = 2;
/// Plain object (3 slots).
pub const OBJECT: TypeTag = 100;
/// Property store: `(atom, value)` pairs.
pub const PROPSTORE: TypeTag = 101;
/// Array: `length` (int) at 3, elements at 4.
pub const ARRAY: TypeTag = 102;
/// Backing store of an array, a map or a set.
pub const ELEMENTS: TypeTag = 103;
/// String: UTF-8 bytes, no slots.
pub const STRING: TypeTag = 104;
/// Native function: id (int) at 3, bound data at 4 and 5.
pub const NATIVE: TypeTag = 105;
/// Map: keys at 3, values at 4, used (int) at 5, live (int) at 6; Set uses the same.
pub const MAP: TypeTag = 106;
/// Set (the Map layout).
pub const SET: TypeTag = 107;
/// Promise: state (int) at 3, value at 4, reactions at 5 (Array), handled at 6.
pub const PROMISE: TypeTag = 108;
/// Promise reaction: on-fulfilled, on-rejected, derived promise, kind.
pub const REACTION: TypeTag = 109;
/// A queued job: kind (int), function, argument, derived promise.
pub const JOB: TypeTag = 110;
/// Buffer: raw bytes; slots as an object.
pub const BUFFER: TypeTag = 111;
/// The global object (`globalThis`), slots as an object: its named properties are the
/// heap's named globals, which its own store does not repeat.
pub const GLOBAL: TypeTag = 112;
/// Symbol: object slots, description at 3, its atom (int) at 4 (see `builtins::symbol`).
pub const SYMBOL: TypeTag = 113;
/// Built-in iterator: object slots, iterated object at 3, next index at 4, kind at 5, last
/// key at 6 (see `builtins::iterator`).
pub const ITERATOR: TypeTag = 114;
/// Property cell (an accessor, or data with non-default attributes): getter or value,
/// setter, flags (see `builtins::accessor`).
pub const PROPCELL: TypeTag = 115;
/// A suspended async function: environment, `this`, callee, its promise, the resume
/// path (an `Array` of cursor entries), see [`crate::js::resume`].
pub const ASYNC: TypeTag = 130;
/// A generator object: object slots, then the `ASYNC` slots (the yielded value in place of
/// the promise) and its state, see [`crate::js::generator`].
pub const GENERATOR: TypeTag = 131;
/// First tag of per-function closure types and per-scope environment types.
pub const FIRST_DYNAMIC: TypeTag = 1000;
/// Closure slots after the object slots: environment, code index, captured `this`,
/// home object (class prototype, for `super`).
pub const FN_ENV: usize = 3;
/// Code index (int).
pub const FN_CODE: usize = 4;
/// Captured `this` of an arrow function.
pub const FN_THIS: usize = 5;
/// Home object for `super`.
pub const FN_HOME: usize = 6;
/// Slot count of a closure.
pub const FN_SLOTS: usize = 7;
