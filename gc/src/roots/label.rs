//! Root labels: how diagnostics name a root, built only when they ask.
//!
//! Invariant: the collector never formats a label; a [`RootLabel`] borrows the pieces and is
//! turned into a string by [`RootLabel::to_arc`] only for diagnostics.

use super::kind::RootKind;
use crate::value::RawValue;
use std::sync::Arc;

/// A frame's label: a `'static` string, or an index into the root table's interned frame
/// labels. `Copy`, so pushing and popping a frame never touches a reference count.
#[derive(Clone, Copy)]
pub(crate) enum FrameLabel {
    Static(&'static str),
    Shared(u32),
}

/// One root, for diagnostics.
pub(crate) struct RootRef<'a> {
    pub kind: RootKind,
    pub label: RootLabel<'a>,
    pub value: RawValue,
}

/// A root's label, built lazily (locals are named after their frame).
pub(crate) enum RootLabel<'a> {
    Named(&'a Arc<str>),
    Local {
        frame: &'a str,
        index: u32,
    },
    Source {
        source: &'a Arc<str>,
        index: u32,
    },
    /// A label the source gave the slot itself (`RootVisitor::visit_labelled`).
    Owned(Arc<str>),
}

impl RootLabel<'_> {
    pub fn to_arc(&self) -> Arc<str> {
        match self {
            RootLabel::Named(s) => Arc::clone(s),
            RootLabel::Local { frame, index } => format!("{frame} local #{index}").into(),
            RootLabel::Source { source, index } => format!("{source}[{index}]").into(),
            RootLabel::Owned(s) => Arc::clone(s),
        }
    }
}
