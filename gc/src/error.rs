//! Errors. Misuse of the API and exhaustion of the heap are `Result`s, never panics.

use std::fmt;

/// An allocation could not be satisfied even after a full collection.
///
/// The heap is unchanged by the failed allocation and stays usable: release some roots and
/// allocate again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutOfMemory {
    /// The configured maximum heap size in bytes.
    pub limit: u64,
    /// Bytes occupied by objects after the full collection that preceded the error.
    pub live: u64,
    /// Size in bytes of the allocation that failed.
    pub requested: u64,
    /// Bytes of memory the heap's spaces held from the OS when it failed (see
    /// [`Heap::committed_bytes`](crate::Heap::committed_bytes)).
    pub committed: u64,
}

impl OutOfMemory {
    /// Whether fragmentation, not live data, stopped the allocation: the live bytes and the
    /// request fit the limit, but the plan found no place for the object (a non-moving
    /// space's partly used blocks).
    pub fn is_fragmentation(&self) -> bool {
        self.live + self.requested <= self.limit
    }
}

impl fmt::Display for OutOfMemory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = if self.is_fragmentation() {
            "fragmentation"
        } else {
            "live data"
        };
        write!(
            f,
            "out of memory ({why}): {} B requested with {} B live after a full collection \
             ({} B committed, limit {} B)",
            self.requested, self.live, self.committed, self.limit
        )
    }
}

impl std::error::Error for OutOfMemory {}

/// Everything that can go wrong when using a [`Heap`](crate::Heap).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeapError {
    /// The heap is exhausted.
    OutOfMemory(OutOfMemory),
    /// The handle's frame was popped, or its persistent root was released.
    StaleHandle,
    /// A slot index past the object's slot count.
    SlotOutOfBounds {
        /// The index asked for.
        index: usize,
        /// The object's slot count.
        len: usize,
    },
    /// A byte range past the object's byte count.
    BytesOutOfBounds {
        /// The end of the range asked for.
        end: usize,
        /// The object's byte count.
        len: usize,
    },
    /// A value that is not a reference was used where an object was expected.
    NotAnObject,
    /// `pop_frame` was called with a frame that is not the top one.
    FrameOrder {
        /// The label of the frame on top.
        expected: String,
        /// What was passed instead.
        found: String,
    },
    /// A layout larger than the object model allows.
    TooLarge {
        /// Slots asked for.
        slots: usize,
        /// Raw bytes asked for.
        bytes: usize,
    },
    /// A root kind that cannot be registered this way (stack-frame roots come from frames).
    InvalidRootKind(crate::RootKind),
    /// A raw word that encodes nothing (see [`RawValue::is_valid`](crate::RawValue::is_valid))
    /// was found where a value was read: it can only have been stored by breaking the raw
    /// API's contract.
    InvalidValue {
        /// The word's bits.
        bits: u64,
    },
    /// A handle, frame, persistent root or root-source id of another heap was used.
    WrongHeap,
    /// The configuration is inconsistent.
    Config(String),
    /// The operating system refused memory when the heap was created.
    Map(String),
    /// A [`RootStack`](crate::RootStack) index past the top of the stack.
    StackOutOfBounds {
        /// The index asked for.
        index: usize,
        /// The stack's length.
        len: usize,
    },
    /// An argument the operation cannot take (the message says which and why).
    InvalidArgument(&'static str),
}

impl fmt::Display for HeapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeapError::OutOfMemory(oom) => oom.fmt(f),
            HeapError::StaleHandle => {
                f.write_str("stale handle: its frame was popped or its root released")
            }
            HeapError::SlotOutOfBounds { index, len } => {
                write!(
                    f,
                    "slot {index} out of bounds for an object with {len} slots"
                )
            }
            HeapError::BytesOutOfBounds { end, len } => {
                write!(
                    f,
                    "byte range ending at {end} out of bounds for an object with {len} bytes"
                )
            }
            HeapError::NotAnObject => f.write_str("value is not a reference to an object"),
            HeapError::FrameOrder { expected, found } => {
                write!(
                    f,
                    "frames pop in LIFO order: the top frame is {expected}, got {found}"
                )
            }
            HeapError::TooLarge { slots, bytes } => {
                write!(f, "object layout too large: {slots} slots, {bytes} bytes")
            }
            HeapError::InvalidRootKind(k) => write!(f, "cannot register a {k} root this way"),
            HeapError::InvalidValue { bits } => {
                write!(f, "the word {bits:#018x} encodes no value")
            }
            HeapError::WrongHeap => {
                f.write_str("a handle, frame, root or source of another heap was used")
            }
            HeapError::Config(msg) => write!(f, "invalid heap configuration: {msg}"),
            HeapError::Map(msg) => write!(f, "could not map heap memory: {msg}"),
            HeapError::StackOutOfBounds { index, len } => {
                write!(
                    f,
                    "root stack index {index} out of bounds for a stack of {len} slots"
                )
            }
            HeapError::InvalidArgument(msg) => write!(f, "invalid argument: {msg}"),
        }
    }
}

impl std::error::Error for HeapError {}

impl From<OutOfMemory> for HeapError {
    fn from(o: OutOfMemory) -> Self {
        HeapError::OutOfMemory(o)
    }
}
