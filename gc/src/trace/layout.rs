//! What an object's words mean to the collector: which are slots, and of which kind.
//!
//! An object's [`SlotLayout`] is chosen at allocation and kept in two header flag bits, so the
//! collector decodes it from the header words it reads anyway (no per-type lookup on the hot
//! path) and it travels with the object when it moves.
//!
//! Invariant: a layout describes exactly the object's `slot_count` slots (indices
//! `0..slot_count`); raw bytes are never part of it.

use crate::object::{Flags, Header};

/// How the collector treats a slot's reference.
///
/// Visitors match on the kind, so a new kind is a compile error wherever it must be handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum SlotKind {
    /// Keeps its target alive.
    Strong,
    /// Does not keep its target alive; cleared (`undefined`) by the collection that finds
    /// the target unreachable, updated when the target moves.
    Weak,
    /// The key of an ephemeron pair (the slot after it is the value): weak like
    /// [`Weak`](Self::Weak), and clearing it clears the value too.
    EphemeronKey,
    /// The value of an ephemeron pair (the slot before it is the key): strong while the key
    /// is reachable other than through this pair, else nothing.
    EphemeronValue,
}

/// How the slots of an object are traced, chosen when it is allocated
/// ([`Heap::alloc_layout`](crate::Heap::alloc_layout)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum SlotLayout {
    /// Every slot is strong (the ordinary object).
    #[default]
    Strong,
    /// Every slot is weak: a slot does not keep its target alive, and reads `undefined` once a
    /// collection has found the target unreachable. A `WeakRef` is a one-slot weak object.
    Weak,
    /// The slots are ephemeron pairs `(key, value)` at `(2i, 2i + 1)`: the value is kept alive
    /// only while the key is reachable from elsewhere; when the key dies both slots read
    /// `undefined`. A trailing odd slot is strong. A `WeakMap`'s backing store is one such
    /// table. A pair whose key is not a reference holds its value strongly.
    Ephemeron,
}

impl SlotLayout {
    /// The header flag bits that encode the layout.
    #[inline(always)]
    pub(crate) fn flags(self) -> u8 {
        match self {
            SlotLayout::Strong => 0,
            SlotLayout::Weak => Flags::WEAK,
            SlotLayout::Ephemeron => Flags::EPHEMERON,
        }
    }

    /// The layout encoded in header flag bits `flags`.
    #[inline(always)]
    pub(crate) fn from_flags(flags: u8) -> SlotLayout {
        if flags & Flags::WEAK != 0 {
            SlotLayout::Weak
        } else if flags & Flags::EPHEMERON != 0 {
            SlotLayout::Ephemeron
        } else {
            SlotLayout::Strong
        }
    }
}

/// The slot layout of one object, decoded from its header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Layout {
    slots: usize,
    shape: SlotLayout,
}

impl Layout {
    /// The layout of the object whose header words are `h`.
    #[inline(always)]
    pub fn of(h: Header) -> Layout {
        Layout {
            slots: h.slot_count(),
            shape: SlotLayout::from_flags(h.flags()),
        }
    }

    /// Number of slots.
    #[inline(always)]
    pub fn slots(self) -> usize {
        self.slots
    }

    /// The object's slot layout.
    #[inline(always)]
    pub fn shape(self) -> SlotLayout {
        self.shape
    }

    /// The kind of slot `index` (below [`slots`](Self::slots)).
    #[inline(always)]
    pub fn kind(self, index: usize) -> SlotKind {
        match self.shape {
            SlotLayout::Strong => SlotKind::Strong,
            SlotLayout::Weak => SlotKind::Weak,
            SlotLayout::Ephemeron if index + 1 == self.slots && index % 2 == 0 => SlotKind::Strong,
            SlotLayout::Ephemeron if index % 2 == 0 => SlotKind::EphemeronKey,
            SlotLayout::Ephemeron => SlotKind::EphemeronValue,
        }
    }
}
