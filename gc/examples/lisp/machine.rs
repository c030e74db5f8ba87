//! The interpreter's value stack and heap operations, three ways.
//!
//! The interpreter keeps **every** value it works on in one operand stack and names values by
//! their stack index, never by address: the collector may run at any allocation and moves
//! objects, and only words in a root it scans are updated. [`Machine`] is the handful of
//! operations the interpreter needs:
//!
//! - [`Safe`]: a [`RootStack`] with gclab's safe stack operations (`alloc_on`,
//!   `stack_get_slot`, `stack_set_slot`, `stack_view`) — no `unsafe` at all;
//! - [`Raw`]: the same `RootStack` with the raw path (`alloc_raw`, `get_raw`, `set_raw`),
//!   each `unsafe` block relying on the stack invariant (every word on it is live);
//! - [`Shim`]: the raw path with the stack in an `Rc<UnsafeCell<Vec>>` registered as a
//!   `RootSource` — what embedders built by hand before root stacks existed, kept to compare.

use gclab::{
    GlobalId, Handle, Heap, HeapError, Immediate, ObjRef, RawValue, RootKind, RootSource,
    RootStack, RootVisitor, TypeTag,
};
use std::cell::UnsafeCell;
use std::rc::Rc;

type R<T> = Result<T, HeapError>;

/// What the interpreter asks of its stack and heap. Indices are stack indices.
pub trait Machine {
    fn heap(&mut self) -> &mut Heap;
    fn len(&self) -> usize;
    fn word(&self, i: usize) -> RawValue;
    fn push_imm(&mut self, v: Immediate);
    fn push_copy(&mut self, i: usize);
    fn copy(&mut self, from: usize, to: usize);
    fn truncate(&mut self, len: usize);
    /// Allocates an object and pushes it.
    fn alloc(&mut self, tag: TypeTag, slots: usize, bytes: usize) -> R<()>;
    /// Pushes slot `slot` of the object at `obj`.
    fn get_slot(&mut self, obj: usize, slot: usize) -> R<()>;
    /// Stores the word at `val` into slot `slot` of the object at `obj`.
    fn set_slot(&mut self, obj: usize, slot: usize, val: usize) -> R<()>;
    /// A view of the object at `i`.
    fn view(&self, i: usize) -> R<ObjRef<'_>>;
    /// The bytes of the object at `i`, writable.
    fn bytes_mut(&mut self, i: usize) -> R<&mut [u8]>;
    /// Pushes a global's word.
    fn push_global(&mut self, g: GlobalId) -> R<()>;
    /// Stores the word at `i` into a global.
    fn set_global(&mut self, g: GlobalId, i: usize) -> R<()>;
    /// A handle (a local in the heap's current frame) to the object at `i`.
    fn handle(&mut self, i: usize) -> R<Handle>;
    /// Pushes the object a handle names.
    fn push_handle(&mut self, h: Handle) -> R<()>;

    fn top(&self) -> usize {
        self.len() - 1
    }
}

/// The safe machine: a root stack and the heap's checked stack operations.
pub struct Safe {
    pub heap: Heap,
    pub stack: RootStack,
}

impl Safe {
    pub fn new(mut heap: Heap) -> Self {
        let stack = heap.root_stack("operand stack");
        Safe { heap, stack }
    }
}

impl Machine for Safe {
    #[inline]
    fn heap(&mut self) -> &mut Heap {
        &mut self.heap
    }
    #[inline]
    fn len(&self) -> usize {
        self.stack.len()
    }
    #[inline]
    fn word(&self, i: usize) -> RawValue {
        self.stack.get(i).expect("stack index")
    }
    #[inline]
    fn push_imm(&mut self, v: Immediate) {
        self.stack.push_immediate(v)
    }
    #[inline]
    fn push_copy(&mut self, i: usize) {
        assert!(self.stack.push_copy(i), "stack index");
    }
    #[inline]
    fn copy(&mut self, from: usize, to: usize) {
        assert!(self.stack.copy(from, to), "stack index");
    }
    #[inline]
    fn truncate(&mut self, len: usize) {
        self.stack.truncate(len)
    }
    #[inline]
    fn alloc(&mut self, tag: TypeTag, slots: usize, bytes: usize) -> R<()> {
        self.heap
            .alloc_on(&mut self.stack, tag, slots, bytes)
            .map(drop)
    }
    #[inline]
    fn get_slot(&mut self, obj: usize, slot: usize) -> R<()> {
        self.heap
            .stack_get_slot(&mut self.stack, obj, slot)
            .map(drop)
    }
    #[inline]
    fn set_slot(&mut self, obj: usize, slot: usize, val: usize) -> R<()> {
        self.heap.stack_set_slot(&self.stack, obj, slot, val)
    }
    #[inline]
    fn view(&self, i: usize) -> R<ObjRef<'_>> {
        self.heap.stack_view(&self.stack, i)
    }
    #[inline]
    fn bytes_mut(&mut self, i: usize) -> R<&mut [u8]> {
        self.heap.stack_bytes_mut(&self.stack, i)
    }
    #[inline]
    fn push_global(&mut self, g: GlobalId) -> R<()> {
        self.heap.stack_push_global(&mut self.stack, g)
    }
    #[inline]
    fn set_global(&mut self, g: GlobalId, i: usize) -> R<()> {
        self.heap.stack_set_global(&self.stack, g, i)
    }
    #[inline]
    fn handle(&mut self, i: usize) -> R<Handle> {
        self.heap.stack_handle(&self.stack, i)
    }
    #[inline]
    fn push_handle(&mut self, h: Handle) -> R<()> {
        self.heap.stack_push(&mut self.stack, h)
    }
}

/// The hand-made shim: a vector shared with a root source.
pub struct ShimStack(Rc<UnsafeCell<Vec<RawValue>>>);

struct ShimSource(Rc<UnsafeCell<Vec<RawValue>>>);

// SAFETY: the source shows the collector every word, and the interpreter pushes only words
// that are immediates or live references of this heap.
unsafe impl RootSource for ShimSource {
    fn visit_roots(&mut self, v: &mut RootVisitor<'_>) {
        // SAFETY: the interpreter holds no borrow of the vector across a heap call.
        v.visit_range(
            unsafe { &mut *self.0.get() },
            RootKind::StackFrame,
            "shim stack",
        )
    }
}

impl ShimStack {
    fn words(&self) -> &Vec<RawValue> {
        // SAFETY: the heap touches the vector only inside its calls, and none is running.
        unsafe { &*self.0.get() }
    }
    fn words_mut(&mut self) -> &mut Vec<RawValue> {
        // SAFETY: as above.
        unsafe { &mut *self.0.get() }
    }
}

/// The raw machine, over a root stack or the shim.
pub struct Raw<S> {
    pub heap: Heap,
    pub stack: S,
}

/// A `Raw` over gclab's root stack.
pub fn raw(mut heap: Heap) -> Raw<RootStack> {
    let stack = heap.root_stack("operand stack");
    Raw { heap, stack }
}

/// A `Raw` over the hand-made shim.
pub fn shim(mut heap: Heap) -> Raw<ShimStack> {
    let v = Rc::new(UnsafeCell::new(Vec::new()));
    heap.add_root_source(RootKind::External, "shim", ShimSource(Rc::clone(&v)));
    Raw {
        heap,
        stack: ShimStack(v),
    }
}

/// The stack operations the raw machine needs, for either stack.
pub trait RawStack {
    fn len(&self) -> usize;
    fn get(&self, i: usize) -> RawValue;
    /// # Safety
    /// `w` is valid and, if a reference, live in the machine's heap.
    unsafe fn push(&mut self, w: RawValue);
    fn copy(&mut self, from: usize, to: usize);
    fn truncate(&mut self, len: usize);
}

impl RawStack for RootStack {
    #[inline(always)]
    fn len(&self) -> usize {
        RootStack::len(self)
    }
    #[inline(always)]
    fn get(&self, i: usize) -> RawValue {
        RootStack::get(self, i).expect("stack index")
    }
    #[inline(always)]
    unsafe fn push(&mut self, w: RawValue) {
        // SAFETY: the caller's contract.
        unsafe { RootStack::push(self, w) }
    }
    #[inline(always)]
    fn copy(&mut self, from: usize, to: usize) {
        assert!(RootStack::copy(self, from, to), "stack index");
    }
    #[inline(always)]
    fn truncate(&mut self, len: usize) {
        RootStack::truncate(self, len)
    }
}

impl RawStack for ShimStack {
    #[inline(always)]
    fn len(&self) -> usize {
        self.words().len()
    }
    #[inline(always)]
    fn get(&self, i: usize) -> RawValue {
        self.words()[i]
    }
    #[inline(always)]
    unsafe fn push(&mut self, w: RawValue) {
        self.words_mut().push(w)
    }
    #[inline(always)]
    fn copy(&mut self, from: usize, to: usize) {
        let w = self.words_mut();
        w[to] = w[from];
    }
    #[inline(always)]
    fn truncate(&mut self, len: usize) {
        self.words_mut().truncate(len)
    }
}

impl<S: RawStack> Machine for Raw<S> {
    #[inline]
    fn heap(&mut self) -> &mut Heap {
        &mut self.heap
    }
    #[inline]
    fn len(&self) -> usize {
        self.stack.len()
    }
    #[inline]
    fn word(&self, i: usize) -> RawValue {
        self.stack.get(i)
    }
    #[inline]
    fn push_imm(&mut self, v: Immediate) {
        // SAFETY: an immediate.
        unsafe { self.stack.push(v.into()) }
    }
    #[inline]
    fn push_copy(&mut self, i: usize) {
        let w = self.stack.get(i);
        // SAFETY: `w` is on the stack, so live.
        unsafe { self.stack.push(w) }
    }
    #[inline]
    fn copy(&mut self, from: usize, to: usize) {
        self.stack.copy(from, to)
    }
    #[inline]
    fn truncate(&mut self, len: usize) {
        self.stack.truncate(len)
    }
    #[inline]
    fn alloc(&mut self, tag: TypeTag, slots: usize, bytes: usize) -> R<()> {
        let w = self.heap.alloc_raw(tag, slots, bytes)?;
        // SAFETY: `w` is fresh from this heap.
        unsafe { self.stack.push(w) };
        Ok(())
    }
    #[inline]
    fn get_slot(&mut self, obj: usize, slot: usize) -> R<()> {
        // SAFETY: stack words are live; a slot of a live object is valid and live.
        unsafe {
            let w = self.heap.get_raw(self.stack.get(obj), slot)?;
            self.stack.push(w);
        }
        Ok(())
    }
    #[inline]
    fn set_slot(&mut self, obj: usize, slot: usize, val: usize) -> R<()> {
        let (o, v) = (self.stack.get(obj), self.stack.get(val));
        // SAFETY: both words are on the stack, so valid and live.
        unsafe { self.heap.set_raw(o, slot, v) }
    }
    #[inline]
    fn view(&self, i: usize) -> R<ObjRef<'_>> {
        // SAFETY: the word is on the stack, so live; the view borrows the heap.
        unsafe { self.heap.view_raw(self.stack.get(i)) }
    }
    #[inline]
    fn bytes_mut(&mut self, i: usize) -> R<&mut [u8]> {
        let w = self.stack.get(i);
        // SAFETY: the word is on the stack, so live.
        unsafe { self.heap.bytes_mut_raw(w) }
    }
    #[inline]
    fn push_global(&mut self, g: GlobalId) -> R<()> {
        let w = self.heap.global_raw(g)?;
        // SAFETY: a global's word, read with no collection since: valid and live.
        unsafe { self.stack.push(w) };
        Ok(())
    }
    #[inline]
    fn set_global(&mut self, g: GlobalId, i: usize) -> R<()> {
        let w = self.stack.get(i);
        // SAFETY: the word is on the stack, so valid and live.
        unsafe { self.heap.put_global_raw(g, w) }
    }
    #[inline]
    fn handle(&mut self, i: usize) -> R<Handle> {
        let w = self.stack.get(i);
        if !w.is_ref() {
            return Err(HeapError::NotAnObject);
        }
        // SAFETY: the word is on the stack, so valid and live.
        Ok(unsafe { self.heap.root_raw(w) })
    }
    #[inline]
    fn push_handle(&mut self, h: Handle) -> R<()> {
        let w = self.heap.raw(h)?;
        // SAFETY: the word of a live handle of this heap, read with no collection since.
        unsafe { self.stack.push(w) };
        Ok(())
    }
}
