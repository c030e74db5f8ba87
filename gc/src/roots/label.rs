//! Root labels: how diagnostics name a root, built only when they ask.
//!
//! Invariant: the collector never formats a label; a [`RootLabel`] borrows the pieces and is
//! turned into a string by [`RootLabel::to_arc`] only for diagnostics.

use super::kind::RootKind;
use crate::value::RawValue;
use std::rc::Rc;
use std::sync::Arc;

/// A frame's label: a `'static` string costs nothing to push; others are shared.
#[derive(Clone)]
pub(crate) enum FrameLabel {
    Static(&'static str),
    Shared(Rc<str>),
}

impl std::ops::Deref for FrameLabel {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            FrameLabel::Static(s) => s,
            FrameLabel::Shared(s) => s,
        }
    }
}

impl std::fmt::Display for FrameLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self)
    }
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
