//! The diagnostic walk over every root, with its kind and label.
//!
//! Invariant: the walk only reads root words (a source is visited with a describing visitor
//! whose callbacks copy words out), and labels are formatted here, never on the collector's
//! path.

use super::handle::{Handle, LOCAL_BIT};
use super::kind::RootKind;
use super::label::{RootLabel, RootRef};
use super::source::RootVisitor;
use super::table::RootTable;
use crate::value::RawValue;
use std::cell::RefCell;
use std::sync::Arc;

/// A source's slot as diagnostics see it: its word, and the kind and label it was given.
type SourceRow = (RawValue, Option<(RootKind, Arc<str>)>);

impl RootTable {
    /// Visits every root with its kind and label, in a fixed order: globals and persistent
    /// roots by registration slot, then frames bottom to top, then external sources.
    ///
    /// `skip` leaves out the root behind one handle (`why_alive` asks about an object without
    /// counting the handle it was asked with).
    pub fn for_each_root(&mut self, skip: Option<Handle>, f: &mut dyn FnMut(RootRef<'_>)) {
        let skip_local = skip
            .filter(|h| h.index & LOCAL_BIT != 0)
            .map(|h| h.index & !LOCAL_BIT);
        let skip_entry = skip.filter(|h| h.index & LOCAL_BIT == 0).map(|h| h.index);
        for (k, e) in self.entries.iter().enumerate() {
            if e.live && skip_entry != Some(k as u32) {
                f(RootRef {
                    kind: e.kind,
                    label: RootLabel::Named(&e.label),
                    value: e.value,
                });
            }
        }
        for (k, fr) in self.frames.iter().enumerate() {
            let end = self
                .frames
                .get(k + 1)
                .map_or(self.locals.len() as u32, |n| n.base);
            for i in fr.base..end {
                if skip_local == Some(i) {
                    continue;
                }
                f(RootRef {
                    kind: RootKind::StackFrame,
                    label: RootLabel::Local {
                        frame: self.label_str(fr.label),
                        index: i - fr.base,
                    },
                    value: self.locals[i as usize].0,
                });
            }
        }
        for s in &self.stacks {
            // SAFETY: the slots are only read here, and `f` is the diagnostics' own
            // visitor, which runs no embedder code (see `roots::stack`).
            let slots = unsafe { s.slots_mut() };
            for (i, v) in slots.iter().enumerate() {
                f(RootRef {
                    kind: s.kind,
                    label: RootLabel::Source {
                        source: &s.label,
                        index: i as u32,
                    },
                    value: *v,
                });
            }
        }
        for e in &mut self.sources {
            let (kind, label) = (e.kind, &e.label);
            if let Some(s) = e.source.as_mut() {
                // Each slot, with the kind and label the source gave it, if any (the label
                // sink hears a labelled slot right after the slot itself).
                let rows: RefCell<Vec<SourceRow>> = RefCell::new(Vec::new());
                let mut values = |v: &mut RawValue| rows.borrow_mut().push((*v, None));
                let mut labels = |k: RootKind, l: std::fmt::Arguments<'_>| {
                    if let Some(last) = rows.borrow_mut().last_mut() {
                        last.1 = Some((k, l.to_string().into()));
                    }
                };
                s.visit(&mut RootVisitor::describing(&mut values, &mut labels));
                for (i, (v, named)) in rows.into_inner().into_iter().enumerate() {
                    let (kind, label) = match named {
                        Some((k, l)) => (k, RootLabel::Owned(l)),
                        None => (
                            kind,
                            RootLabel::Source {
                                source: label,
                                index: i as u32,
                            },
                        ),
                    };
                    f(RootRef {
                        kind,
                        label,
                        value: v,
                    });
                }
            }
        }
    }
}
