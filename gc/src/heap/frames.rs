//! Frames and roots: the call-stack frames, persistent roots, globals and external root
//! sources the collector starts from.

use super::Heap;
use crate::error::HeapError;
use crate::roots::{Frame, Handle, Persistent, RootKind, RootSource, SourceId};
use crate::value::Value;
use std::sync::Arc;

impl Heap {
    /// Pushes a call-stack frame; locals created until it is popped belong to it.
    pub fn push_frame(&mut self, label: &str) -> Frame {
        self.roots.push_frame(label)
    }

    /// Pushes a frame labelled with a `'static` string: the cheapest push (no copy, no count),
    /// for the frames a runtime pushes on every call.
    #[inline]
    pub fn push_frame_static(&mut self, label: &'static str) -> Frame {
        self.roots.push_frame_static(label)
    }

    /// Pushes a frame with a shared label (no allocation for the label).
    pub fn push_frame_shared(&mut self, label: &Arc<str>) -> Frame {
        self.roots.push_frame(label)
    }

    /// Pops the top frame, releasing its locals.
    ///
    /// # Errors
    /// [`HeapError::FrameOrder`] if `frame` is not the top frame (frames are LIFO); nothing
    /// is popped.
    #[inline]
    pub fn pop_frame(&mut self, frame: Frame) -> Result<(), HeapError> {
        self.roots.pop_frame(frame)
    }

    /// Pops the top frame and re-roots `keep` in the frame below (an escaping local).
    #[inline]
    pub fn pop_frame_escape(
        &mut self,
        frame: Frame,
        keep: impl Into<Handle>,
    ) -> Result<Value, HeapError> {
        let raw = self.roots.get(keep.into())?;
        self.roots.pop_frame(frame)?;
        self.expose(raw)
    }

    /// Pops the top frame and re-roots the object `keep` names in the frame below, returning
    /// its new handle: [`pop_frame_escape`](Self::pop_frame_escape) without the
    /// `.as_ref().expect(..)`.
    ///
    /// # Errors
    /// A stale `keep`, or [`HeapError::NotAnObject`] if it holds an immediate (then, as on
    /// every error, nothing is popped); [`HeapError::FrameOrder`] as in `pop_frame`.
    #[inline]
    pub fn pop_frame_escape_handle(
        &mut self,
        frame: Frame,
        keep: impl Into<Handle>,
    ) -> Result<Handle, HeapError> {
        let raw = self.roots.get(keep.into())?;
        if !raw.is_ref() {
            return Err(HeapError::NotAnObject);
        }
        self.roots.pop_frame(frame)?;
        Ok(self.roots.push_local(raw))
    }

    /// Pops the top frame and returns `value` into the frame below: an immediate as it is, a
    /// reference re-rooted as a local there (a function's return value, whatever its type).
    ///
    /// ```
    /// # use gclab::{Heap, Value};
    /// let mut heap = Heap::new()?;
    /// let f = heap.push_frame_static("add");
    /// assert_eq!(heap.pop_frame_return(f, Value::Int(3))?, Value::Int(3));
    /// let f = heap.push_frame_static("cons");
    /// let pair = heap.alloc(1, 2, 0)?;
    /// let kept = heap.pop_frame_return(f, pair)?.as_ref().unwrap();
    /// assert_eq!(heap.slot_count(kept)?, 2);
    /// # Ok::<(), gclab::HeapError>(())
    /// ```
    #[inline]
    pub fn pop_frame_return(
        &mut self,
        frame: Frame,
        value: impl Into<Value>,
    ) -> Result<Value, HeapError> {
        let raw = self.resolve(value.into())?;
        self.roots.pop_frame(frame)?;
        self.expose(raw)
    }

    /// Runs `f` inside a new frame and pops it afterwards, with any frames `f` pushed and
    /// left: when `scope` returns — `f`'s result, success or error, whatever its error type
    /// — or unwinds from a panic in `f`, the frame depth is what it was before the call.
    ///
    /// ```
    /// # use gclab::{Heap, HeapError, Value};
    /// #[derive(Debug)]
    /// enum EvalError { Heap(HeapError), NotANumber }
    /// impl From<HeapError> for EvalError {
    ///     fn from(e: HeapError) -> Self { EvalError::Heap(e) }
    /// }
    ///
    /// let mut heap = Heap::new()?;
    /// let r = heap.scope("eval", |heap| {
    ///     let cell = heap.alloc(1, 1, 0)?;          // a HeapError converts with `?`
    ///     heap.set(cell, 0, Value::Bool(true))?;
    ///     match heap.get(cell, 0)? {
    ///         Value::Int(i) => Ok(i),
    ///         _ => Err(EvalError::NotANumber),       // the caller's own error passes through
    ///     }
    /// });
    /// assert!(matches!(r, Err(EvalError::NotANumber)));
    /// assert_eq!(heap.frame_depth(), 0);
    /// # Ok::<(), HeapError>(())
    /// ```
    pub fn scope<T, E: From<HeapError>>(
        &mut self,
        label: &str,
        f: impl FnOnce(&mut Heap) -> Result<T, E>,
    ) -> Result<T, E> {
        let depth = self.roots.frame_depth();
        let _frame = self.push_frame(label);
        self.finish_scope(depth, f)
    }

    /// [`scope`](Self::scope) with a `'static` label: the frame costs no label copy (for
    /// scopes entered on every call).
    pub fn scope_static<T, E: From<HeapError>>(
        &mut self,
        label: &'static str,
        f: impl FnOnce(&mut Heap) -> Result<T, E>,
    ) -> Result<T, E> {
        let depth = self.roots.frame_depth();
        let _frame = self.push_frame_static(label);
        self.finish_scope(depth, f)
    }

    /// Runs `f` in the frame just pushed and pops back to `depth`, on return or unwind.
    fn finish_scope<T, E>(
        &mut self,
        depth: usize,
        f: impl FnOnce(&mut Heap) -> Result<T, E>,
    ) -> Result<T, E> {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(self)));
        self.roots.pop_to_depth(depth);
        match r {
            Ok(r) => r,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }

    /// Number of frames above the top level.
    pub fn frame_depth(&self) -> usize {
        self.roots.frame_depth()
    }

    /// Number of locals in all frames.
    pub fn local_count(&self) -> usize {
        self.roots.local_count()
    }

    /// A new local in the current frame holding `value`.
    #[inline]
    pub fn local(&mut self, value: impl Into<Value>) -> Result<Handle, HeapError> {
        let raw = self.resolve(value.into())?;
        Ok(self.roots.push_local(raw))
    }

    /// Overwrites what a local (or persistent root) holds.
    #[inline(always)]
    pub fn set_local(&mut self, h: Handle, value: impl Into<Value>) -> Result<(), HeapError> {
        let raw = self.resolve(value.into())?;
        self.roots.set(h, raw)
    }

    /// A copy of what a local (or persistent root) holds now: an immediate as itself, a
    /// reference as a **new** local in the current frame. Unlike
    /// [`value_of`](Self::value_of), which answers `Value::Ref(h)` itself, the copy does not
    /// change when `h` is overwritten later: the read of a variable kept in a local.
    ///
    /// ```
    /// use gclab::{Heap, HeapError, Value};
    ///
    /// # fn main() -> Result<(), HeapError> {
    /// let mut heap = Heap::new()?;
    /// let a = heap.alloc(1, 0, 0)?;
    /// let var = heap.local(a)?;                  // a variable held in a local
    /// let before = heap.read_local(var)?;        // a copy: its own local
    /// heap.set_local(var, Value::Int(7))?;       // the variable changes …
    /// assert!(heap.same_object(before.as_ref().unwrap(), a)?); // … the copy does not
    /// assert_eq!(heap.read_local(var)?, Value::Int(7));
    /// # Ok(())
    /// # }
    /// ```
    #[inline(always)]
    pub fn read_local(&mut self, h: Handle) -> Result<Value, HeapError> {
        let raw = self.roots.get(h)?;
        self.expose(raw)
    }

    /// Registers a persistent root of `kind` with a label; alive until released or dropped.
    ///
    /// # Errors
    /// [`HeapError::InvalidRootKind`] for `StackFrame` (use frames), `Global` (use
    /// [`set_global`](Self::set_global)) and `External` (use root sources).
    pub fn root(
        &mut self,
        kind: RootKind,
        label: &str,
        value: impl Into<Value>,
    ) -> Result<Persistent, HeapError> {
        if matches!(
            kind,
            RootKind::StackFrame | RootKind::Global | RootKind::External
        ) {
            return Err(HeapError::InvalidRootKind(kind));
        }
        let raw = self.resolve(value.into())?;
        Ok(self.roots.add_persistent(kind, label.into(), raw))
    }

    /// Releases a persistent root now.
    ///
    /// # Errors
    /// [`HeapError::WrongHeap`] for a root of another heap: nothing here is released, and
    /// the root, dropped, is released on its own heap.
    pub fn release(&mut self, root: Persistent) -> Result<(), HeapError> {
        self.roots.release(root)
    }

    /// Number of live persistent roots (not counting globals).
    pub fn persistent_count(&mut self) -> usize {
        self.roots.drain_released();
        self.roots.persistent_count()
    }

    /// Sets a named global (creating it if needed).
    pub fn set_global(&mut self, name: &str, value: impl Into<Value>) -> Result<(), HeapError> {
        let raw = self.resolve(value.into())?;
        self.roots.set_global(name, raw);
        Ok(())
    }

    /// Reads a global; a reference comes back as a local in the current frame.
    pub fn global(&mut self, name: &str) -> Option<Value> {
        let raw = self.roots.global(name)?;
        self.expose(raw).ok()
    }

    /// Deletes a global; returns whether it existed.
    pub fn remove_global(&mut self, name: &str) -> bool {
        self.roots.remove_global(name)
    }

    /// Names of all globals, sorted.
    pub fn global_names(&self) -> Vec<Arc<str>> {
        self.roots.global_names()
    }

    /// Registers an external root source with a kind and label.
    pub fn add_root_source<S: RootSource>(
        &mut self,
        kind: RootKind,
        label: &str,
        source: S,
    ) -> SourceId<S> {
        self.roots.add_source(kind, label.into(), source)
    }

    /// The registered source, to read or change its slots; `None` if `id` was removed or
    /// names a source of another heap.
    pub fn root_source_mut<S: RootSource>(&mut self, id: &SourceId<S>) -> Option<&mut S> {
        self.roots.source_mut(id)
    }

    /// Unregisters a source and gives it back; `None` (and nothing removed) if `id` was
    /// already removed or names a source of another heap.
    pub fn remove_root_source<S: RootSource>(&mut self, id: SourceId<S>) -> Option<S> {
        self.roots.remove_source(id)
    }

    /// The kind and label of the root behind a handle.
    pub fn describe_root(&self, h: Handle) -> Option<(RootKind, Arc<str>)> {
        self.roots.describe(h)
    }
}
