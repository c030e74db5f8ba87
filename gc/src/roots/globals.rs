//! Named globals: root entries of kind `Global` found by name, or by interned id.
//!
//! Invariant: `globals` maps each name to the index of a live `Global` entry; removing a
//! global releases its entry, so ids (entry handles) taken before go stale.

use super::handle::Handle;
use super::kind::RootKind;
use super::table::RootTable;
use crate::value::RawValue;
use std::sync::Arc;

impl RootTable {
    pub fn set_global(&mut self, name: &str, value: RawValue) {
        if let Some(&i) = self.globals.get(name) {
            self.entries[i as usize].value = value;
            return;
        }
        let label: Arc<str> = name.into();
        let h = self.add_entry(RootKind::Global, Arc::clone(&label), value);
        self.globals.insert(label, h.index);
    }

    /// The interned id of global `name`, creating it (`undefined`) if needed.
    pub fn global_id(&mut self, name: &str) -> Handle {
        if let Some(&i) = self.globals.get(name) {
            let check = self.entries[i as usize].check;
            return Handle { index: i, check };
        }
        let label: Arc<str> = name.into();
        let h = self.add_entry(RootKind::Global, Arc::clone(&label), RawValue::UNDEFINED);
        self.globals.insert(label, h.index);
        h
    }

    pub fn global(&self, name: &str) -> Option<RawValue> {
        self.globals
            .get(name)
            .map(|&i| self.entries[i as usize].value)
    }

    pub fn remove_global(&mut self, name: &str) -> bool {
        match self.globals.remove(name) {
            Some(i) => {
                let check = self.entries[i as usize].check;
                self.release_entry(Handle { index: i, check })
            }
            None => false,
        }
    }

    pub fn global_names(&self) -> Vec<Arc<str>> {
        let mut names: Vec<_> = self.globals.keys().cloned().collect();
        names.sort();
        names
    }
}
