//! Roots (placeholder while the heap lands).
mod kind;
pub use kind::RootKind;
