//! What an object's words mean to the collector: which are slots, and of which kind.
//!
//! Invariant: a layout describes exactly the object's `slot_count` slots (indices
//! `0..slot_count`); raw bytes are never part of it.

use crate::object::Header;

/// How the collector treats a slot's reference.
///
/// Only strong slots exist today. Weak slots (cleared when their target dies) and ephemeron
/// slots (a value kept alive only while its key is) are the next kinds; visitors match on the
/// kind so that adding one is a compile error wherever it must be handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum SlotKind {
    /// Keeps its target alive.
    Strong,
}

/// The slot layout of one object, decoded from its header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Layout {
    strong: usize,
}

impl Layout {
    /// The layout of the object whose header words are `h`.
    #[inline(always)]
    pub fn of(h: Header) -> Layout {
        Layout {
            strong: h.slot_count(),
        }
    }

    /// Number of strong slots (indices `0..strong()`).
    #[inline(always)]
    pub fn strong(self) -> usize {
        self.strong
    }
}
