//! Operations: one step a program can take against a heap, in a form that is always valid.
//!
//! Operations name handles, roots and sources by [`Sel`], an index taken modulo the number of
//! candidates the harness has at that moment, so any sequence — generated, shrunk or decoded
//! from fuzzer bytes — can be replayed. A selection with no candidate makes the operation a
//! no-op. Operations on stale handles and frames popped out of order are kept on purpose: the
//! model predicts the error and the harness checks the heap returns it.

use crate::CollectionKind;
use std::fmt;

/// Selects one of the harness's current candidates (handles, roots, sources), modulo their
/// number.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sel(pub u16);

impl fmt::Debug for Sel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// A value to store: an immediate, or whatever a selected handle holds.
#[derive(Clone, Copy, PartialEq)]
pub enum ValSel {
    /// `undefined` (clears a slot).
    Undefined,
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A small integer.
    Int(i32),
    /// A double (NaN and `-0.0` included).
    Float(f64),
    /// The value held by a selected handle (usually a reference; stale handles included).
    Handle(Sel),
}

impl fmt::Debug for ValSel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValSel::Undefined => f.write_str("undefined"),
            ValSel::Null => f.write_str("null"),
            ValSel::Bool(b) => write!(f, "{b}"),
            ValSel::Int(i) => write!(f, "{i}"),
            ValSel::Float(x) => write!(f, "{x:?}f"),
            ValSel::Handle(s) => write!(f, "h{}", s.0),
        }
    }
}

/// One step of a program against the heap. See the [module documentation](self).
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// `alloc(tag, slots, bytes)`; the new local joins the handle list.
    Alloc {
        /// Reference slots.
        slots: u16,
        /// Raw bytes.
        bytes: u16,
    },
    /// `alloc_with`: slots initialised from values, bytes from a pattern.
    AllocWith {
        /// Initial slot values.
        values: Vec<ValSel>,
        /// Number of raw bytes (filled with `0, 1, 2, …`).
        bytes: u8,
    },
    /// An allocation past the object model's limits (expects `TooLarge`).
    AllocTooLarge,
    /// Builds a linked list of `len` nodes in a frame and escapes its head; with `cycle` the
    /// last node points back at the head.
    Chain {
        /// Number of nodes.
        len: u16,
        /// Close the list into a cycle.
        cycle: bool,
        /// Raw bytes per node.
        bytes: u8,
    },
    /// `set(obj, slot, value)`: stores, clears (`undefined`), self-references.
    Store {
        /// The object.
        obj: Sel,
        /// The slot (may be out of bounds).
        slot: u8,
        /// The value.
        value: ValSel,
    },
    /// Writes one raw byte (`at` modulo the byte count).
    WriteByte {
        /// The object.
        obj: Sel,
        /// The offset.
        at: u16,
        /// The byte.
        byte: u8,
    },
    /// `get(obj, slot)`; a reference read joins the handle list.
    Read {
        /// The object.
        obj: Sel,
        /// The slot (may be out of bounds).
        slot: u8,
    },
    /// `get_into(obj, slot, into)`: overwrites an existing handle.
    ReadInto {
        /// The object.
        obj: Sel,
        /// The slot.
        slot: u8,
        /// The handle overwritten.
        into: Sel,
    },
    /// `local(value)`.
    Local {
        /// The value.
        value: ValSel,
    },
    /// `set_local(handle, value)` (a local or a persistent root).
    SetLocal {
        /// The handle.
        handle: Sel,
        /// The value.
        value: ValSel,
    },
    /// `push_frame`.
    PushFrame,
    /// `pop_frame` of the top frame (no-op at top level).
    PopFrame,
    /// `pop_frame_escape(top, keep)`.
    PopFrameEscape {
        /// The handle kept.
        keep: Sel,
    },
    /// `pop_frame` of a frame that is not on top (expects `FrameOrder`).
    PopWrongFrame,
    /// `root(kind, label, value)`; kinds that cannot be registered this way are included.
    Root {
        /// Index into [`RootKind::ALL`](crate::RootKind::ALL), modulo 8.
        kind: u8,
        /// The value.
        value: ValSel,
    },
    /// `release(root)`.
    Release {
        /// The root.
        root: Sel,
    },
    /// Drops a `Persistent` (its release is queued until the next collection).
    DropRoot {
        /// The root.
        root: Sel,
    },
    /// `set_global(name, value)`.
    SetGlobal {
        /// Global `g{name % 8}`.
        name: u8,
        /// The value.
        value: ValSel,
    },
    /// `global(name)`.
    ReadGlobal {
        /// Global `g{name % 8}`.
        name: u8,
    },
    /// `remove_global(name)`.
    RemoveGlobal {
        /// Global `g{name % 8}`.
        name: u8,
    },
    /// `add_root_source(kind, …)` of a source with `len` slots (at least one).
    AddSource {
        /// Index into [`RootKind::ALL`](crate::RootKind::ALL), modulo 8.
        kind: u8,
        /// Slots.
        len: u8,
    },
    /// Writes a source slot (`raw` of a handle, or an immediate).
    SourceStore {
        /// The source (removed ones included).
        source: Sel,
        /// The slot, modulo the source's length.
        slot: u8,
        /// The value.
        value: ValSel,
    },
    /// `root_raw` of a source slot; the new local joins the handle list.
    SourceLoad {
        /// The source.
        source: Sel,
        /// The slot.
        slot: u8,
    },
    /// `set_raw` on the object a source slot references.
    RawStore {
        /// The source.
        source: Sel,
        /// The slot holding the object.
        slot: u8,
        /// The object's slot written (may be out of bounds).
        field: u8,
        /// The value.
        value: ValSel,
    },
    /// `get_raw` on the object a source slot references, compared with the model.
    RawRead {
        /// The source.
        source: Sel,
        /// The slot holding the object.
        slot: u8,
        /// The object's slot read.
        field: u8,
    },
    /// `set_raw` of the word one source slot holds into a field of the object another
    /// source slot references: an edge made without any handle.
    RawLink {
        /// The source holding the object.
        source: Sel,
        /// The slot holding the object.
        slot: u8,
        /// The object's slot written (may be out of bounds).
        field: u8,
        /// The source holding the value.
        from: Sel,
        /// The slot holding the value.
        from_slot: u8,
    },
    /// `get_raw` of a field of the object a source slot references, the word kept straight
    /// in a source slot (and compared with the model).
    RawLoad {
        /// The source holding the object.
        source: Sel,
        /// The slot holding the object.
        slot: u8,
        /// The object's slot read (may be out of bounds).
        field: u8,
        /// The source receiving the word.
        into: Sel,
        /// The slot receiving the word.
        into_slot: u8,
    },
    /// `alloc_raw`, stored straight into a source slot.
    AllocRaw {
        /// The source.
        source: Sel,
        /// The slot.
        slot: u8,
        /// Reference slots.
        slots: u16,
        /// Raw bytes.
        bytes: u16,
    },
    /// `remove_root_source` (again on a removed one: expects `None`).
    RemoveSource {
        /// The source.
        source: Sel,
    },
    /// `collect(kind)`.
    Collect(CollectionKind),
}

/// A program: a sequence of operations. Its `Debug` prints one numbered operation per line,
/// so a shrunk failure reads as a short script.
#[derive(Clone, PartialEq, Default)]
pub struct Ops(pub Vec<Op>);

impl fmt::Debug for Ops {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "[")?;
        for (i, op) in self.0.iter().enumerate() {
            writeln!(f, "  {i:>3}: {op:?}")?;
        }
        write!(f, "]")
    }
}
