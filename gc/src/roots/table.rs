//! The root tables: frames of locals, persistent entries, globals and sources.
//!
//! Invariant: every word in `locals` and in a live entry is an immediate or a reference to a
//! live object, and [`RootTable::for_each_slot_mut`] shows the collector every one of them.

use super::handle::{Frame, Handle, Persistent, LOCAL_BIT};
use super::kind::RootKind;
use super::label::{FrameLabel, RootLabel};
use super::serial::Serials;
use super::source::{ErasedSource, RootVisitor};
use super::sources::SourceEntry;
use super::stack::StackCell;
use crate::error::HeapError;
use crate::value::RawValue;
use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::rc::Rc;
use std::sync::Arc;

pub(super) struct Entry {
    pub(super) value: RawValue,
    pub(super) kind: RootKind,
    pub(super) label: Arc<str>,
    pub(super) check: u32,
    pub(super) live: bool,
}

pub(super) struct FrameRecord {
    pub(super) base: u32,
    pub(super) serial: u32,
    pub(super) label: FrameLabel,
}

/// Frame labels are mostly the same few strings (a function's name, pushed on every call):
/// the last few are kept so pushing a frame with one of them costs a string compare and a
/// non-atomic reference-count increment instead of an allocation.
const LABEL_CACHE: usize = 8;

pub(crate) struct RootTable {
    pub(super) serials: Serials,
    /// `serials.first_block()`, kept where the root-stack checks read it in one load.
    id: u32,
    /// Each local with the serial of the frame that owns it (checked on every use).
    pub(super) locals: Vec<(RawValue, u32)>,
    pub(super) frames: Vec<FrameRecord>,
    /// The top frame's serial and base, copied out of `frames` so the per-call paths (new
    /// local, pop) read two fields instead of the vector's last element.
    top_serial: u32,
    top_base: u32,
    label_cache: [Option<(Rc<str>, u32)>; LABEL_CACHE],
    label_next: usize,
    /// Every label a frame was pushed with that was not `'static`, interned: grows with the
    /// number of distinct labels (a runtime's function names), not with calls.
    frame_labels: Vec<Rc<str>>,
    frame_label_index: HashMap<Rc<str>, u32>,
    pub(super) entries: Vec<Entry>,
    free_entries: Vec<u32>,
    pub(super) globals: HashMap<Arc<str>, u32>,
    released: Rc<RefCell<Vec<Handle>>>,
    pub(super) sources: Vec<SourceEntry>,
    /// Root stacks, in creation order; one whose `RootStack` was dropped (the only count
    /// left is this one) is dropped at the next collection.
    pub(super) stacks: Vec<Rc<StackCell>>,
    /// Sources whose `visit_roots` panicked during the current collection, with the panic:
    /// skipped by the rest of the collection, unregistered when it ends.
    panicked: Vec<(usize, Box<dyn Any + Send>)>,
}

impl RootTable {
    pub fn new() -> RootTable {
        let mut serials = Serials::new();
        let top_serial = serials.next();
        RootTable {
            id: serials.first_block(),
            locals: Vec::new(),
            frames: vec![FrameRecord {
                base: 0,
                serial: top_serial,
                label: FrameLabel::Static("(top level)"),
            }],
            top_serial,
            top_base: 0,
            label_cache: Default::default(),
            label_next: 0,
            frame_labels: Vec::new(),
            frame_label_index: HashMap::new(),
            entries: Vec::new(),
            free_entries: Vec::new(),
            globals: HashMap::new(),
            released: Rc::new(RefCell::new(Vec::new())),
            sources: Vec::new(),
            stacks: Vec::new(),
            panicked: Vec::new(),
            serials,
        }
    }

    /// This heap's identity among live heaps (its first block of check numbers).
    #[inline(always)]
    pub fn heap_id(&self) -> u32 {
        self.id
    }

    /// Registers a new root stack.
    pub fn add_stack(&mut self, kind: RootKind, label: Arc<str>) -> super::RootStack {
        let (stack, cell) = super::RootStack::new(self.heap_id(), kind, label);
        self.stacks.push(cell);
        stack
    }

    /// Number of root stacks whose `RootStack` is still held.
    pub fn stack_count(&self) -> usize {
        self.stacks
            .iter()
            .filter(|s| Rc::strong_count(s) > 1)
            .count()
    }

    // ----- frames and locals -----

    fn frame_label(&mut self, label: &str) -> u32 {
        for (l, i) in self.label_cache.iter().flatten() {
            if **l == *label {
                return *i;
            }
        }
        let i = match self.frame_label_index.get(label) {
            Some(&i) => i,
            None => {
                let l: Rc<str> = label.into();
                let i = self.frame_labels.len() as u32;
                self.frame_labels.push(Rc::clone(&l));
                self.frame_label_index.insert(l, i);
                i
            }
        };
        let l = Rc::clone(&self.frame_labels[i as usize]);
        self.label_cache[self.label_next] = Some((l, i));
        self.label_next = (self.label_next + 1) % LABEL_CACHE;
        i
    }

    /// The text of a frame label.
    pub(super) fn label_str(&self, l: FrameLabel) -> &str {
        match l {
            FrameLabel::Static(s) => s,
            FrameLabel::Shared(i) => &self.frame_labels[i as usize],
        }
    }

    pub fn push_frame(&mut self, label: &str) -> Frame {
        let label = FrameLabel::Shared(self.frame_label(label));
        self.push_frame_labelled(label)
    }

    #[inline(always)]
    pub fn push_frame_static(&mut self, label: &'static str) -> Frame {
        self.push_frame_labelled(FrameLabel::Static(label))
    }

    #[inline(always)]
    fn push_frame_labelled(&mut self, label: FrameLabel) -> Frame {
        let serial = self.serials.next();
        let base = self.locals.len() as u32;
        self.frames.push(FrameRecord {
            base,
            serial,
            label,
        });
        self.top_serial = serial;
        self.top_base = base;
        Frame {
            serial,
            depth: self.frames.len() as u32 - 1,
        }
    }

    /// Pops `frame`, which must be the top frame (and not the top level).
    #[inline]
    pub fn pop_frame(&mut self, frame: Frame) -> Result<(), HeapError> {
        // The top level's serial is never handed out in a `Frame`, so a match means `frame` is
        // on top and above the top level; serials are unique across heaps, so it is ours.
        if frame.serial != self.top_serial {
            return Err(self.frame_order_error(frame));
        }
        self.locals.truncate(self.top_base as usize);
        self.frames.pop();
        let top = self
            .frames
            .last()
            .expect("the top-level frame is never popped");
        self.top_serial = top.serial;
        self.top_base = top.base;
        Ok(())
    }

    /// Pops every frame above `depth` (0 is the top level), releasing their locals.
    pub fn pop_to_depth(&mut self, depth: usize) {
        if depth + 1 >= self.frames.len() {
            return;
        }
        self.locals.truncate(self.frames[depth + 1].base as usize);
        self.frames.truncate(depth + 1);
        let top = self
            .frames
            .last()
            .expect("the top-level frame is never popped");
        self.top_serial = top.serial;
        self.top_base = top.base;
    }

    #[cold]
    #[inline(never)]
    fn frame_order_error(&self, frame: Frame) -> HeapError {
        if !self.serials.owns(frame.serial) {
            return HeapError::WrongHeap;
        }
        let top = self
            .frames
            .last()
            .expect("the top-level frame is never popped");
        let found = if frame.depth == 0 {
            "(top level)".to_string()
        } else {
            self.frames
                .iter()
                .find(|f| f.serial == frame.serial)
                .map(|f| self.label_str(f.label).to_string())
                .unwrap_or_else(|| "a frame that was already popped".into())
        };
        HeapError::FrameOrder {
            expected: self.label_str(top.label).to_string(),
            found,
        }
    }

    pub fn frame_depth(&self) -> usize {
        self.frames.len() - 1
    }

    pub fn local_count(&self) -> usize {
        self.locals.len()
    }

    #[inline(always)]
    pub fn push_local(&mut self, v: RawValue) -> Handle {
        let index = self.locals.len() as u32;
        let serial = self.top_serial;
        self.locals.push((v, serial));
        Handle {
            index: index | LOCAL_BIT,
            check: serial,
        }
    }

    // ----- persistent entries and globals -----

    pub fn drain_released(&mut self) {
        let released = std::mem::take(&mut *self.released.borrow_mut());
        for h in released {
            self.release_entry(h);
        }
    }

    pub(super) fn release_entry(&mut self, h: Handle) -> bool {
        if h.index & LOCAL_BIT != 0 {
            return false;
        }
        match self.entries.get_mut(h.index as usize) {
            Some(e) if e.live && e.check == h.check => {
                e.live = false;
                e.value = RawValue::UNDEFINED;
                self.free_entries.push(h.index);
                true
            }
            _ => false,
        }
    }

    pub(super) fn add_entry(&mut self, kind: RootKind, label: Arc<str>, value: RawValue) -> Handle {
        self.drain_released();
        // A fresh check number for every entry: handles of the slot's earlier roots go stale.
        let check = self.serials.next();
        match self.free_entries.pop() {
            Some(i) => {
                self.entries[i as usize] = Entry {
                    value,
                    kind,
                    label,
                    check,
                    live: true,
                };
                Handle { index: i, check }
            }
            None => {
                let i = self.entries.len() as u32;
                assert!(i < LOCAL_BIT, "too many persistent roots");
                self.entries.push(Entry {
                    value,
                    kind,
                    label,
                    check,
                    live: true,
                });
                Handle { index: i, check }
            }
        }
    }

    pub fn add_persistent(
        &mut self,
        kind: RootKind,
        label: Arc<str>,
        value: RawValue,
    ) -> Persistent {
        let handle = self.add_entry(kind, label, value);
        Persistent {
            handle,
            queue: Rc::clone(&self.released),
            released: false,
        }
    }

    /// Releases `p` now. A persistent root of another heap is refused: dropping it queues its
    /// release on its own heap.
    pub fn release(&mut self, mut p: Persistent) -> Result<(), HeapError> {
        if !self.serials.owns(p.handle.check) {
            return Err(HeapError::WrongHeap);
        }
        p.released = true;
        self.release_entry(p.handle);
        Ok(())
    }

    pub fn persistent_count(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| e.live && e.kind != RootKind::Global)
            .count()
    }

    // ----- handle resolution -----

    #[inline(always)]
    pub fn get(&self, h: Handle) -> Result<RawValue, HeapError> {
        if h.index & LOCAL_BIT != 0 {
            let i = (h.index & !LOCAL_BIT) as usize;
            match self.locals.get(i) {
                Some(&(v, s)) if s == h.check => Ok(v),
                _ => Err(self.refused(h)),
            }
        } else {
            match self.entries.get(h.index as usize) {
                Some(e) if e.live && e.check == h.check => Ok(e.value),
                _ => Err(self.refused(h)),
            }
        }
    }

    #[inline(always)]
    pub fn set(&mut self, h: Handle, v: RawValue) -> Result<(), HeapError> {
        if h.index & LOCAL_BIT != 0 {
            let i = (h.index & !LOCAL_BIT) as usize;
            match self.locals.get_mut(i) {
                Some((slot, s)) if *s == h.check => {
                    *slot = v;
                    Ok(())
                }
                _ => Err(self.refused(h)),
            }
        } else {
            match self.entries.get_mut(h.index as usize) {
                Some(e) if e.live && e.check == h.check => {
                    e.value = v;
                    Ok(())
                }
                _ => Err(self.refused(h)),
            }
        }
    }

    /// Why `h` does not resolve: a check number of this heap's means its root is gone, any
    /// other number belongs to another heap (see `roots::serial`).
    #[cold]
    #[inline(never)]
    fn refused(&self, h: Handle) -> HeapError {
        if self.serials.owns(h.check) {
            HeapError::StaleHandle
        } else {
            HeapError::WrongHeap
        }
    }

    /// The kind and label of the root behind a handle.
    pub fn describe(&self, h: Handle) -> Option<(RootKind, Arc<str>)> {
        self.get(h).ok()?;
        if h.index & LOCAL_BIT != 0 {
            let i = h.index & !LOCAL_BIT;
            let f = self.frames.iter().rev().find(|f| f.base <= i)?;
            Some((
                RootKind::StackFrame,
                RootLabel::Local {
                    frame: self.label_str(f.label),
                    index: i - f.base,
                }
                .to_arc(),
            ))
        } else {
            let e = &self.entries[h.index as usize];
            Some((e.kind, Arc::clone(&e.label)))
        }
    }

    // ----- what the collector sees -----

    /// Visits every root slot; the visitor may rewrite it.
    ///
    /// A source whose `visit_roots` panics is caught at once: between two of its calls to
    /// `f` the collector's state is whole, so the collection goes on without the slots it did
    /// not show, skips the source for the rest of the collection, and
    /// [`take_source_panic`](Self::take_source_panic) unregisters it at the end.
    pub fn for_each_slot_mut(&mut self, f: &mut dyn FnMut(&mut RawValue)) {
        for (v, _) in &mut self.locals {
            f(v);
        }
        for e in &mut self.entries {
            if e.live {
                f(&mut e.value);
            }
        }
        self.stacks.retain(|s| Rc::strong_count(s) > 1);
        for s in &self.stacks {
            // SAFETY: `f` is the collector's visitor, which runs no embedder code, so no
            // `RootStack` method runs while the slots are borrowed (see `roots::stack`).
            for v in unsafe { s.slots_mut() } {
                f(v);
            }
        }
        for (i, e) in self.sources.iter_mut().enumerate() {
            if self.panicked.iter().any(|(j, _)| *j == i) {
                continue;
            }
            if let Some(s) = e.source.as_mut() {
                let visit = AssertUnwindSafe(|| s.visit(&mut RootVisitor::new(f)));
                if let Err(panic) = std::panic::catch_unwind(visit) {
                    self.panicked.push((i, panic));
                }
            }
        }
    }

    /// After a collection: unregisters every source that panicked during it (their slots may
    /// now hold stale references, so no one may reach them again) and returns the first panic
    /// with the sources, to be dropped once the heap is whole again.
    #[allow(clippy::type_complexity)]
    pub fn take_source_panic(
        &mut self,
    ) -> Option<(Box<dyn Any + Send>, Vec<Box<dyn ErasedSource>>)> {
        if self.panicked.is_empty() {
            return None;
        }
        let mut dropped = Vec::new();
        let mut first = None;
        for (i, panic) in std::mem::take(&mut self.panicked) {
            dropped.extend(self.sources[i].source.take());
            first.get_or_insert(panic);
        }
        first.map(|p| (p, dropped))
    }
}
