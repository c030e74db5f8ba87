//! Statistics (placeholder while the heap lands).
mod event;
pub use event::{CollectionCause, CollectionKind, GcEvent, HeapUsage, SpaceUsage};
