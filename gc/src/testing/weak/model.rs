//! The reference model of weak programs: objects with a layout and slots, roots,
//! registrations and host objects; reachability with ephemerons to a fixed point.
//!
//! Invariant: the model shares no code with the collector; it is updated by the same
//! operations as the heap, and by the checker only where the heap cleared a slot it allowed
//! to be cleared.

use crate::SlotLayout;
use std::collections::BTreeSet;

/// A slot's value in the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MSlot {
    /// `undefined`.
    Undef,
    /// A small integer.
    Int(i32),
    /// A reference to model object `n`.
    Ref(usize),
}

/// One model object.
#[derive(Clone, Debug)]
pub struct WObj {
    /// Its layout.
    pub layout: SlotLayout,
    /// Its slots.
    pub slots: Vec<MSlot>,
}

/// A finalization registration in the model.
#[derive(Clone, Debug)]
pub struct WReg {
    /// Registry 0 or 1.
    pub registry: u8,
    /// The target (weak).
    pub target: usize,
    /// The held value (strong).
    pub held: MSlot,
    /// The token (weak).
    pub token: Option<usize>,
}

/// The model: objects (never freed; ids are indices), roots, registrations, host objects.
#[derive(Clone, Debug, Default)]
pub struct WeakModel {
    /// Every object allocated.
    pub objects: Vec<WObj>,
    /// The persistent roots, in the harness's order (`None`: released).
    pub roots: Vec<usize>,
    /// Live registrations.
    pub regs: Vec<WReg>,
    /// Objects owning a host value.
    pub hosts: BTreeSet<usize>,
}

impl WeakModel {
    /// Whether slot `i` of `o` is strong (traced whatever its neighbours hold).
    pub fn is_strong(&self, o: usize, i: usize) -> bool {
        let obj = &self.objects[o];
        match obj.layout {
            SlotLayout::Strong => true,
            SlotLayout::Weak => false,
            SlotLayout::Ephemeron => i % 2 == 0 && i + 1 == obj.slots.len(),
        }
    }

    /// Reachability from the roots and the held values, ephemerons to a fixed point.
    pub fn reachable(&self) -> Vec<bool> {
        let mut reach = vec![false; self.objects.len()];
        let mut stack: Vec<usize> = self.roots.clone();
        for r in &self.regs {
            if let MSlot::Ref(h) = r.held {
                stack.push(h);
            }
        }
        loop {
            while let Some(o) = stack.pop() {
                if std::mem::replace(&mut reach[o], true) {
                    continue;
                }
                let obj = &self.objects[o];
                for (i, s) in obj.slots.iter().enumerate() {
                    let MSlot::Ref(t) = *s else { continue };
                    let traced = match obj.layout {
                        SlotLayout::Strong => true,
                        SlotLayout::Weak => false,
                        SlotLayout::Ephemeron if i % 2 == 0 => i + 1 == obj.slots.len(),
                        SlotLayout::Ephemeron => match obj.slots[i - 1] {
                            MSlot::Ref(k) => reach[k],
                            _ => true,
                        },
                    };
                    if traced && !reach[t] {
                        stack.push(t);
                    }
                }
            }
            // Ephemeron values of reached tables whose keys became reachable later.
            for (o, obj) in self.objects.iter().enumerate() {
                if !reach[o] || obj.layout != SlotLayout::Ephemeron {
                    continue;
                }
                for pair in obj.slots.chunks_exact(2) {
                    if let (MSlot::Ref(k), MSlot::Ref(v)) = (pair[0], pair[1]) {
                        if reach[k] && !reach[v] {
                            stack.push(v);
                        }
                    }
                }
            }
            if stack.is_empty() {
                return reach;
            }
        }
    }
}
