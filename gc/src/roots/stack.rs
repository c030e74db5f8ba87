//! The root stack: an interpreter's operand stack that the collector scans and updates.
//!
//! A [`RootStack`] lives **outside** the [`Heap`](crate::Heap): the embedder owns it, and the
//! heap keeps a second reference-counted pointer to the same slots, which every collection
//! visits and rewrites when objects move. So pushing, popping and reading cost a bounds check
//! and a store — no table lookup, no dynamic call, no downcast — and the stack stays usable
//! while the heap is borrowed (`heap.alloc_raw(..)` then `stack.push(..)` compiles, where a
//! stack reached through `&mut Heap` would not).
//!
//! # Why this is sound
//!
//! The slots are a `Vec<RawValue>` in an `UnsafeCell`, shared by exactly two places:
//!
//! 1. the embedder's `RootStack`, whose methods touch the vector only for the length of the
//!    method, copy words in and out, never hand out a reference into it, and never call out to
//!    other code meanwhile;
//! 2. the heap, which touches it only inside a collection or a diagnostic walk, with the
//!    collector's own visitor (never embedder code) running while it holds the reference.
//!
//! Both are on one thread (`RootStack` is neither `Send` nor `Sync`, through its `Rc`), and
//! neither runs the other's code while it holds the vector, so the two mutable borrows never
//! overlap. A word read out of the stack is only bits: turning a reference back into an object
//! takes the heap ([`Heap::stack_handle`](crate::Heap::stack_handle), which checks the stack
//! belongs to it) or the `unsafe` raw API. Safe code can therefore never observe a stale
//! reference.
//!
//! Invariant: every word on a registered stack is an immediate or a reference to a live object
//! of the stack's heap. Safe pushes keep it by construction (immediates, or words the heap
//! resolved); [`RootStack::push`] and [`RootStack::set`] are `unsafe` and ask it of the
//! caller. When the embedder drops its `RootStack`, the heap drops its half at the next
//! collection.

use super::kind::RootKind;
use crate::value::{Immediate, RawValue};
use std::cell::UnsafeCell;
use std::rc::Rc;
use std::sync::Arc;

/// The slots shared between a [`RootStack`] and its heap.
pub(crate) struct StackCell {
    slots: UnsafeCell<Vec<RawValue>>,
    /// The heap the stack was made by (see `RootTable::heap_id`).
    pub(crate) heap: u32,
    pub(crate) kind: RootKind,
    pub(crate) label: Arc<str>,
}

impl StackCell {
    /// The slots, for the collector.
    ///
    /// # Safety
    /// No other reference to the slots is live for as long as the returned one is used: the
    /// caller runs no embedder code meanwhile (see the module docs).
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn slots_mut(&self) -> &mut Vec<RawValue> {
        // SAFETY: the caller's contract.
        unsafe { &mut *self.slots.get() }
    }
}

/// An operand (value) stack whose slots are roots: the collector visits them at every
/// collection and rewrites them when objects move.
///
/// Make one with [`Heap::root_stack`](crate::Heap::root_stack). Immediates and handles go
/// on safely ([`push_immediate`](Self::push_immediate),
/// [`Heap::stack_push`](crate::Heap::stack_push), [`Heap::alloc_on`](crate::Heap::alloc_on));
/// raw words from the raw path go on with the `unsafe` [`push`](Self::push). Reading is always
/// safe: it yields words, which only the heap turns back into objects.
///
/// ```
/// use gclab::{Heap, HeapError, Immediate, RawValue};
///
/// # fn main() -> Result<(), HeapError> {
/// const PAIR: u16 = 1;
/// let mut heap = Heap::new()?;
/// let mut stack = heap.root_stack("operand stack");
///
/// // (cons 1 (cons 2 nil)) on the raw path: the stack keeps each new pair alive.
/// stack.push_immediate(Immediate::Null);
/// for i in [2, 1] {
///     let pair = heap.alloc_raw(PAIR, 2, 0)?;        // may collect: stack slots are updated
///     let tail = stack.pop().unwrap();
///     // SAFETY: `pair` is fresh and `tail` was on the stack, so both are live.
///     unsafe {
///         heap.set_raw(pair, 0, RawValue::int(i))?;
///         heap.set_raw(pair, 1, tail)?;
///         stack.push(pair);
///     }
/// }
/// heap.collect(gclab::CollectionKind::Major);          // the list moves or stays: either way
/// let list = heap.stack_handle(&stack, 0)?;            // safe: a checked handle to stack[0]
/// assert_eq!(heap.get(list, 0)?, gclab::Value::Int(1));
/// assert_eq!(stack.len(), 1);
/// # Ok(())
/// # }
/// ```
pub struct RootStack {
    cell: Rc<StackCell>,
}

impl std::fmt::Debug for RootStack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RootStack({:?}, {} slots)", self.cell.label, self.len())
    }
}

impl RootStack {
    pub(crate) fn new(heap: u32, kind: RootKind, label: Arc<str>) -> (RootStack, Rc<StackCell>) {
        let cell = Rc::new(StackCell {
            slots: UnsafeCell::new(Vec::new()),
            heap,
            kind,
            label,
        });
        (
            RootStack {
                cell: Rc::clone(&cell),
            },
            cell,
        )
    }

    pub(crate) fn cell(&self) -> &StackCell {
        &self.cell
    }

    #[inline(always)]
    fn slots(&self) -> &Vec<RawValue> {
        // SAFETY: the heap touches the slots only inside its own methods, none of which is
        // running: this method holds the reference for its own length and calls nothing.
        unsafe { &*self.cell.slots.get() }
    }

    #[inline(always)]
    fn slots_mut(&mut self) -> &mut Vec<RawValue> {
        // SAFETY: as in `slots`; `&mut self` also rules out a second borrow through this
        // `RootStack`.
        unsafe { self.cell.slots_mut() }
    }

    /// The stack's label, as diagnostics print it (`operand stack[3]`).
    pub fn label(&self) -> &str {
        &self.cell.label
    }

    /// Number of slots.
    #[inline(always)]
    pub fn len(&self) -> usize {
        self.slots().len()
    }

    /// Whether the stack is empty.
    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.slots().is_empty()
    }

    /// Pushes a raw word.
    ///
    /// # Safety
    /// `raw` is a valid word ([`RawValue::is_valid`]) and, if it is a reference, points at a
    /// live object of the heap that made this stack (fresh from its raw path with no
    /// collection since, or read from a slot the collector keeps up to date).
    #[inline(always)]
    pub unsafe fn push(&mut self, raw: RawValue) {
        debug_assert!(raw.is_valid(), "RootStack::push of {raw:?}");
        self.slots_mut().push(raw)
    }

    /// Pushes an immediate (never a reference, so always safe).
    #[inline(always)]
    pub fn push_immediate(&mut self, v: Immediate) {
        self.slots_mut().push(v.into())
    }

    /// Pops the top word; `None` when empty.
    #[inline(always)]
    pub fn pop(&mut self) -> Option<RawValue> {
        self.slots_mut().pop()
    }

    /// The word at `index` (0 is the bottom); `None` past the top.
    #[inline(always)]
    pub fn get(&self, index: usize) -> Option<RawValue> {
        self.slots().get(index).copied()
    }

    /// The word `depth` slots below the top (`peek(0)` is the top).
    #[inline(always)]
    pub fn peek(&self, depth: usize) -> Option<RawValue> {
        let s = self.slots();
        s.len().checked_sub(depth + 1).map(|i| s[i])
    }

    /// Overwrites slot `index`; returns `false` (and stores nothing) past the top.
    ///
    /// # Safety
    /// As [`push`](Self::push) for `raw`.
    #[inline(always)]
    pub unsafe fn set(&mut self, index: usize, raw: RawValue) -> bool {
        debug_assert!(raw.is_valid(), "RootStack::set of {raw:?}");
        match self.slots_mut().get_mut(index) {
            Some(s) => {
                *s = raw;
                true
            }
            None => false,
        }
    }

    /// Copies slot `from` into slot `to` (both words stay valid, so this is safe); returns
    /// `false` if either is past the top.
    #[inline(always)]
    pub fn copy(&mut self, from: usize, to: usize) -> bool {
        let s = self.slots_mut();
        match (s.get(from).copied(), s.get_mut(to)) {
            (Some(v), Some(t)) => {
                *t = v;
                true
            }
            _ => false,
        }
    }

    /// Keeps the bottom `len` slots (a frame's worth of slots popped at once).
    #[inline(always)]
    pub fn truncate(&mut self, len: usize) {
        self.slots_mut().truncate(len)
    }

    /// Pushes the word at `index` again (a `dup`/`load local` instruction); returns `false`
    /// past the top.
    #[inline(always)]
    pub fn push_copy(&mut self, index: usize) -> bool {
        let s = self.slots_mut();
        match s.get(index).copied() {
            Some(v) => {
                s.push(v);
                true
            }
            None => false,
        }
    }

    /// Reserves room for `additional` more slots, so the pushes that follow never reallocate.
    pub fn reserve(&mut self, additional: usize) {
        self.slots_mut().reserve(additional)
    }
}

#[cfg(test)]
mod tests {
    use crate::{CollectionKind, Heap, HeapConfig, Immediate, Plan, RawValue};

    fn small(plan: Plan) -> Heap {
        let kib = 1024;
        Heap::with_config(HeapConfig {
            max_heap: 256 * kib,
            nursery_size: 4 * kib,
            min_major_threshold: 8 * kib,
            ..HeapConfig::for_plan(plan)
        })
        .expect("small heap")
    }

    /// Raw and safe pushes, collections that move the slots' objects, reads through the
    /// updated words, and the stack dropped while the heap lives (then the heap drops its
    /// half): the aliasing the module docs argue for, exercised under Miri.
    #[test]
    fn stack_words_follow_moves_and_the_heap_lets_go() {
        for plan in [Plan::GenImmix, Plan::SemiSpace, Plan::MarkSweep] {
            let mut heap = small(plan);
            let mut stack = heap.root_stack("s");
            stack.push_immediate(Immediate::Int(-1));
            for i in 0..40 {
                let o = heap.alloc_raw(1, 1, 8).unwrap();
                // SAFETY: `o` is fresh from this heap.
                unsafe {
                    heap.set_raw(o, 0, RawValue::int(i)).unwrap();
                    heap.bytes_mut_raw(o).unwrap()[0] = i as u8;
                    stack.push(o);
                }
                if i % 10 == 9 {
                    heap.collect(CollectionKind::Minor);
                }
            }
            heap.collect(CollectionKind::Major);
            heap.verify().expect("verifies");
            for i in 0..40 {
                let o = stack.get(i as usize + 1).unwrap();
                // SAFETY: `o` is on the stack, kept up to date by the collector.
                unsafe {
                    assert_eq!(heap.get_raw(o, 0).unwrap(), RawValue::int(i));
                    assert_eq!(heap.bytes_raw(o).unwrap()[0], i as u8);
                }
            }
            let top = stack.peek(0);
            assert_eq!(top, stack.get(40));
            assert_eq!(stack.pop(), top);
            drop(stack);
            heap.collect(CollectionKind::Major);
            assert_eq!(heap.root_stack_count(), 0);
            assert_eq!(heap.usage().objects(), 0, "{plan:?}");
        }
    }
}
