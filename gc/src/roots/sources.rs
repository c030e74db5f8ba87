//! The root table's external sources: registration, lookup and removal.

use super::kind::RootKind;
use super::source::ErasedSource;
use super::source::SourceId;
use super::table::RootTable;
use std::marker::PhantomData;
use std::sync::Arc;

/// One registered source; `source` is `None` once it was removed or unregistered.
pub(super) struct SourceEntry {
    pub(super) kind: RootKind,
    pub(super) label: Arc<str>,
    pub(super) check: u32,
    pub(super) source: Option<Box<dyn ErasedSource>>,
}

impl RootTable {
    // ----- external sources -----

    pub fn add_source<S: super::RootSource>(
        &mut self,
        kind: RootKind,
        label: Arc<str>,
        s: S,
    ) -> SourceId<S> {
        let check = self.serials.next();
        let entry = SourceEntry {
            kind,
            label,
            check,
            source: Some(Box::new(s)),
        };
        let index = match self.sources.iter().position(|e| e.source.is_none()) {
            Some(i) => {
                self.sources[i] = entry;
                i
            }
            None => {
                self.sources.push(entry);
                self.sources.len() - 1
            }
        };
        SourceId {
            index: index as u32,
            check,
            _type: PhantomData,
        }
    }

    pub fn source_mut<S: super::RootSource>(&mut self, id: &SourceId<S>) -> Option<&mut S> {
        let e = self.sources.get_mut(id.index as usize)?;
        if e.check != id.check {
            return None;
        }
        e.source.as_mut()?.as_any_mut().downcast_mut::<S>()
    }

    pub fn remove_source<S: super::RootSource>(&mut self, id: SourceId<S>) -> Option<S> {
        let e = self.sources.get_mut(id.index as usize)?;
        if e.check != id.check || e.source.is_none() {
            return None;
        }
        e.source.take()?.into_any().downcast::<S>().ok().map(|b| *b)
    }

    pub fn source_count(&self) -> usize {
        self.sources.iter().filter(|e| e.source.is_some()).count()
    }
}
