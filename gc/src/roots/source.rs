//! External root sources: slots an embedder owns and the collector visits.

use super::kind::RootKind;
use crate::value::RawValue;
use std::any::Any;
use std::fmt;
use std::marker::PhantomData;

/// Where a labelled visit's label goes when diagnostics walk the roots.
pub(crate) type LabelSink<'a> = &'a mut dyn FnMut(RootKind, fmt::Arguments<'_>);

/// Passed to [`RootSource::visit_roots`]: call [`visit`](RootVisitor::visit) on every slot,
/// or [`visit_labelled`](RootVisitor::visit_labelled) /
/// [`visit_range`](RootVisitor::visit_range) to name it in the embedder's words.
///
/// A collection passes no label sink, so a label costs one predictable branch and is never
/// formatted: `format_args!` builds no string until a diagnostic (a heap graph, `why_alive`, a
/// snapshot) asks for it.
pub struct RootVisitor<'a> {
    f: &'a mut dyn FnMut(&mut RawValue),
    labels: Option<LabelSink<'a>>,
}

impl std::fmt::Debug for RootVisitor<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RootVisitor")
    }
}

impl<'a> RootVisitor<'a> {
    pub(crate) fn new(f: &'a mut dyn FnMut(&mut RawValue)) -> Self {
        RootVisitor { f, labels: None }
    }

    /// A visitor for diagnostics: `labels` hears the label of each labelled slot right after
    /// `f` saw the slot.
    pub(crate) fn describing(f: &'a mut dyn FnMut(&mut RawValue), labels: LabelSink<'a>) -> Self {
        RootVisitor {
            f,
            labels: Some(labels),
        }
    }

    /// Visits one slot and names it: diagnostics show it as `[kind] label` instead of the
    /// source's label and slot index.
    ///
    /// ```
    /// # use gclab::{RawValue, RootKind, RootSource, RootVisitor};
    /// struct Globals { counter: RawValue, stack: Vec<RawValue> }
    /// // SAFETY: every slot is shown to the visitor.
    /// unsafe impl RootSource for Globals {
    ///     fn visit_roots(&mut self, v: &mut RootVisitor<'_>) {
    ///         v.visit_labelled(&mut self.counter, RootKind::Global, format_args!("counter"));
    ///         v.visit_range(&mut self.stack, RootKind::StackFrame, "operand stack");
    ///     }
    /// }
    /// ```
    #[inline]
    pub fn visit_labelled(
        &mut self,
        slot: &mut RawValue,
        kind: RootKind,
        label: fmt::Arguments<'_>,
    ) {
        (self.f)(slot);
        if let Some(l) = self.labels.as_mut() {
            l(kind, label)
        }
    }

    /// Visits every slot of a slice, named `name[i]` with `kind` in diagnostics.
    pub fn visit_range(&mut self, slots: &mut [RawValue], kind: RootKind, name: &str) {
        match self.labels.as_mut() {
            None => {
                for s in slots {
                    (self.f)(s)
                }
            }
            Some(l) => {
                for (i, s) in slots.iter_mut().enumerate() {
                    (self.f)(s);
                    l(kind, format_args!("{name}[{i}]"));
                }
            }
        }
    }

    /// Visits one slot. The collector may rewrite it (the object moved).
    #[inline]
    pub fn visit(&mut self, slot: &mut RawValue) {
        (self.f)(slot)
    }

    /// Visits every slot of a slice.
    pub fn visit_all(&mut self, slots: &mut [RawValue]) {
        for s in slots {
            (self.f)(s)
        }
    }
}

/// An embedder's own root slots, visited by the collector at every collection.
///
/// Register one with [`Heap::add_root_source`](crate::Heap::add_root_source); reach it again
/// with [`Heap::root_source_mut`](crate::Heap::root_source_mut).
///
/// # Safety
///
/// Implementors promise that every `RawValue` passed to the visitor is either an immediate or
/// a reference into **this** heap that was valid at the end of the last collection or was
/// obtained from the heap since (for example from [`Heap::raw`](crate::Heap::raw)), and that
/// between collections the source holds no reference it did not show the visitor (a slot
/// hidden from one visit holds a dangling pointer after the objects move). The collector
/// rewrites the visited slots in place; the source must keep the rewritten values.
///
/// # Panics
///
/// `visit_roots` may panic; the heap stays whole. The collector calls it at a point where its
/// own state is consistent between any two visited slots, and catches the panic right there:
/// the collection runs to its end **without the slots the source did not show** (what only
/// they reached may be freed), the source is unregistered and dropped (its remaining slots may
/// now be stale, so nothing may read them again: [`Heap::root_source_mut`] returns `None`),
/// and then the panic resumes from the call that collected. A caller that catches it finds a
/// heap that verifies, with every other root intact. (The alternative, copying every root
/// slot out before moving anything, cannot cover a source that panics when its slots are
/// written back, so the source is isolated instead.) A panic from anywhere else inside a
/// collection would be a collector bug and aborts the process with a message, so no safe code
/// ever sees a half-done collection.
///
/// [`Heap::root_source_mut`]: crate::Heap::root_source_mut
pub unsafe trait RootSource: 'static {
    /// Visits every slot that may hold a reference.
    fn visit_roots(&mut self, visitor: &mut RootVisitor<'_>);
}

/// The type-erased form the root table stores.
pub(crate) trait ErasedSource {
    fn visit(&mut self, visitor: &mut RootVisitor<'_>);
    fn as_any_mut(&mut self) -> &mut dyn Any;
    fn into_any(self: Box<Self>) -> Box<dyn Any>;
}

impl<S: RootSource> ErasedSource for S {
    fn visit(&mut self, visitor: &mut RootVisitor<'_>) {
        self.visit_roots(visitor)
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }
}

/// Names a registered root source of type `S`.
pub struct SourceId<S> {
    pub(crate) index: u32,
    pub(crate) check: u32,
    pub(crate) _type: PhantomData<fn() -> S>,
}

impl<S> std::fmt::Debug for SourceId<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SourceId({}#{})", self.index, self.check)
    }
}

impl<S> Clone for SourceId<S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S> Copy for SourceId<S> {}
