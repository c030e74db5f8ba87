//! The heap's side of [`RootStack`]s: making them, and the safe operations that move words
//! between a stack and the heap.
//!
//! Invariant: a word reaches a stack through these methods only if it is an immediate or a
//! reference this heap resolved just now, and only onto a stack this heap made (checked), so
//! the stack invariant (every word valid, every reference live) holds without `unsafe`.

use super::{immediate_value, Heap};
use crate::error::HeapError;
use crate::object::{ObjPtr, TypeTag};
use crate::roots::{Handle, RootKind, RootStack};
use crate::value::{RawValue, Value};

#[cold]
#[inline(never)]
fn wrong_heap() -> HeapError {
    HeapError::WrongHeap
}

#[cold]
#[inline(never)]
fn stack_out_of_bounds(stack: &RootStack, index: usize) -> HeapError {
    HeapError::StackOutOfBounds {
        index,
        len: stack.len(),
    }
}

impl Heap {
    /// A new [`RootStack`] whose slots are roots of this heap, of kind
    /// [`RootKind::StackFrame`], labelled `label` in diagnostics (`label[3]` for slot 3).
    ///
    /// The safe stack operations, as an interpreter uses them:
    ///
    /// ```
    /// use gclab::{Heap, HeapError, Immediate, Value};
    /// # fn main() -> Result<(), HeapError> {
    /// const PAIR: u16 = 1;
    /// let mut heap = Heap::new()?;
    /// heap.register_type(PAIR, "Pair", &["car", "cdr"]);
    /// let mut stack = heap.root_stack("operand stack");
    /// heap.alloc_on(&mut stack, PAIR, 2, 0)?;            // a new pair, pushed: a root from birth
    /// stack.push_immediate(Immediate::Int(1));
    /// heap.stack_set_slot(&stack, 0, 0, 1)?;             // stack[0].car = stack[1], with the barrier
    /// let counter = heap.global_id("counter");           // interned once, then used by id
    /// heap.stack_set_global(&stack, counter, 0)?;
    /// heap.stack_push_global(&mut stack, counter)?;      // stack[2] = counter
    /// heap.stack_get_slot(&mut stack, 2, 0)?;            // stack[3] = counter.car
    /// assert_eq!(heap.stack_value(&stack, 3)?, Value::Int(1));
    /// stack.truncate(1);
    /// let pair = heap.stack_handle(&stack, 0)?;          // a checked handle to stack[0]
    /// let why = heap.why_alive(pair)?;
    /// assert_eq!(why.roots.len(), 2);                    // the global and the stack slot
    /// assert_eq!(
    ///     why.path.unwrap().folded().to_string(),
    ///     "[global] counter → Pair (32 B)"
    /// );
    /// # Ok(())
    /// # }
    /// ```
    pub fn root_stack(&mut self, label: &str) -> RootStack {
        self.roots.add_stack(RootKind::StackFrame, label.into())
    }

    /// Number of live root stacks.
    pub fn root_stack_count(&self) -> usize {
        self.roots.stack_count()
    }

    #[inline(always)]
    fn check_stack(&self, stack: &RootStack) -> Result<(), HeapError> {
        if stack.cell().heap == self.roots.heap_id() {
            Ok(())
        } else {
            Err(wrong_heap())
        }
    }

    /// `stack[index]`, checked to be on a stack of this heap.
    #[inline(always)]
    fn stack_word(&self, stack: &RootStack, index: usize) -> Result<RawValue, HeapError> {
        self.check_stack(stack)?;
        match stack.get(index) {
            Some(v) => Ok(v),
            None => Err(stack_out_of_bounds(stack, index)),
        }
    }

    /// The object `stack[index]` refers to.
    #[inline(always)]
    fn stack_obj(&self, stack: &RootStack, index: usize) -> Result<ObjPtr, HeapError> {
        let v = self.stack_word(stack, index)?;
        if !v.is_ref() {
            return Err(HeapError::NotAnObject);
        }
        // SAFETY: a word on a stack of this heap is valid and a reference is live (the stack
        // invariant, kept by the collector between collections).
        Ok(unsafe { ObjPtr::from_value(v) })
    }

    /// Pushes a value (an immediate, or the object a handle names) onto `stack`. Takes the
    /// heap shared: nothing here can collect.
    ///
    /// # Errors
    /// [`HeapError::WrongHeap`] for a stack of another heap; a stale handle's error.
    #[inline(always)]
    pub fn stack_push(
        &self,
        stack: &mut RootStack,
        value: impl Into<Value>,
    ) -> Result<(), HeapError> {
        self.check_stack(stack)?;
        let raw = self.resolve(value.into())?;
        // SAFETY: `raw` is an immediate or a reference this heap resolved from a root, and
        // the stack is this heap's.
        unsafe { stack.push(raw) };
        Ok(())
    }

    /// Allocates an object (as [`alloc`](Self::alloc)) and pushes it onto `stack` instead of
    /// rooting it in a frame. Returns the new object's word (also on top of the stack).
    #[inline(always)]
    pub fn alloc_on(
        &mut self,
        stack: &mut RootStack,
        tag: TypeTag,
        slots: usize,
        bytes: usize,
    ) -> Result<RawValue, HeapError> {
        self.check_stack(stack)?;
        let raw = self.alloc_object(tag, slots, bytes)?.to_value();
        // SAFETY: `raw` is a fresh object of this heap, and the stack is this heap's.
        unsafe { stack.push(raw) };
        Ok(raw)
    }

    /// Stores `stack[value]` into slot `slot` of the object at `stack[obj]`, through the
    /// write barrier.
    #[inline(always)]
    pub fn stack_set_slot(
        &mut self,
        stack: &RootStack,
        obj: usize,
        slot: usize,
        value: usize,
    ) -> Result<(), HeapError> {
        let o = self.stack_obj(stack, obj)?;
        let v = self.stack_word(stack, value)?;
        // SAFETY: `o` is live (stack invariant).
        let o = unsafe { Self::in_bounds(o, slot)? };
        // SAFETY: `slot` is in bounds; `v` is valid and, if a reference, live.
        unsafe { o.set_slot(slot, v) };
        self.write_barrier(o, v);
        Ok(())
    }

    /// Pushes slot `slot` of the object at `stack[obj]` onto `stack`.
    #[inline(always)]
    pub fn stack_get_slot(
        &self,
        stack: &mut RootStack,
        obj: usize,
        slot: usize,
    ) -> Result<RawValue, HeapError> {
        let o = self.stack_obj(stack, obj)?;
        // SAFETY: `o` is live (stack invariant).
        let o = unsafe { Self::in_bounds(o, slot)? };
        // SAFETY: `slot` is in bounds of a live object.
        let v = unsafe { o.slot(slot) };
        // SAFETY: a slot of a live object holds a valid word, a live reference if any.
        unsafe { stack.push(v) };
        Ok(v)
    }

    /// A borrowed view of the object at `stack[index]` (read its tag, slots and bytes with no
    /// handle); the view borrows the heap, so nothing collects while it lives.
    #[inline]
    pub fn stack_view(
        &self,
        stack: &RootStack,
        index: usize,
    ) -> Result<crate::ObjRef<'_>, HeapError> {
        let o = self.stack_obj(stack, index)?;
        // SAFETY: `o` is live (stack invariant) and the view borrows `self` shared.
        Ok(unsafe { crate::ObjRef::new(o) })
    }

    /// The bytes of the object at `stack[index]`, writable (fill a new string).
    #[inline]
    pub fn stack_bytes_mut(
        &mut self,
        stack: &RootStack,
        index: usize,
    ) -> Result<&mut [u8], HeapError> {
        let o = self.stack_obj(stack, index)?;
        // SAFETY: `o` is live (stack invariant); `&mut self` makes the borrow exclusive and
        // rules out a collection while it lives.
        Ok(unsafe { std::slice::from_raw_parts_mut(o.bytes_ptr(), o.byte_count()) })
    }

    /// Pushes the word an interned global holds onto `stack` (no hashing, no local).
    #[inline]
    pub fn stack_push_global(
        &self,
        stack: &mut RootStack,
        global: crate::GlobalId,
    ) -> Result<(), HeapError> {
        self.check_stack(stack)?;
        let w = self.roots.get(global.handle())?;
        // SAFETY: a root's word is valid and, if a reference, live; the stack is this heap's.
        unsafe { stack.push(w) };
        Ok(())
    }

    /// Stores `stack[index]` into an interned global.
    #[inline]
    pub fn stack_set_global(
        &mut self,
        stack: &RootStack,
        global: crate::GlobalId,
        index: usize,
    ) -> Result<(), HeapError> {
        let w = self.stack_word(stack, index)?;
        self.roots.set(global.handle(), w)
    }

    /// `stack[index]` as a safe value: a reference is rooted as a local in the current frame.
    pub fn stack_value(&mut self, stack: &RootStack, index: usize) -> Result<Value, HeapError> {
        let v = self.stack_word(stack, index)?;
        if v.is_ref() {
            return Ok(Value::Ref(self.roots.push_local(v)));
        }
        immediate_value(v)
    }

    /// A handle (a local in the current frame) to the object at `stack[index]`.
    ///
    /// # Errors
    /// [`HeapError::NotAnObject`] if the slot holds an immediate; as
    /// [`stack_value`](Self::stack_value) otherwise.
    pub fn stack_handle(&mut self, stack: &RootStack, index: usize) -> Result<Handle, HeapError> {
        self.stack_value(stack, index)?
            .as_ref()
            .ok_or(HeapError::NotAnObject)
    }
}
