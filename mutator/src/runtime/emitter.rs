//! Node's `EventEmitter`: `on`, `once`, `off`, `emit`.
//!
//! An `Emitter` object holds its listeners in a heap array (`Emitter .listeners → Array`),
//! each a `Listener` record (`event`, `callback`, `once`). A listener closure — and all its
//! environment reaches — lives as long as the emitter does, until `off` removes it: the
//! classic Node leak is a long-lived emitter (a server, a socket pool, `process`) gaining a
//! listener per request that nobody removes.

use super::{tags, RtError, Runtime};
use gclab::{Handle, Value};

const LISTENERS: usize = 0;
const L_EVENT: usize = 0;
const L_CALLBACK: usize = 1;
const L_ONCE: usize = 2;

impl Runtime {
    /// `new EventEmitter()`.
    ///
    /// # Errors
    /// Heap errors.
    pub fn emitter_new(&mut self) -> Result<Handle, RtError> {
        let listeners = self.array_new(4)?;
        Ok(self
            .heap
            .alloc_with(tags::EMITTER, &[listeners.into()], &[])?)
    }

    fn listeners(&mut self, em: Handle) -> Result<Handle, RtError> {
        self.heap
            .get(em, LISTENERS)?
            .as_ref()
            .ok_or_else(|| RtError::Thrown("TypeError: not an emitter".into()))
    }

    fn add_listener(
        &mut self,
        em: Handle,
        event: &str,
        cb: Handle,
        once: bool,
    ) -> Result<(), RtError> {
        let ev = self.event_id(event);
        let frame = self.heap.push_frame("EventEmitter.on");
        let r = (|| {
            let l = self.heap.alloc_with(
                tags::LISTENER,
                &[Value::Int(ev), cb.into(), Value::Bool(once)],
                &[],
            )?;
            let ls = self.listeners(em)?;
            self.array_push(ls, l)
        })();
        self.heap.pop_frame(frame)?;
        r
    }

    /// `emitter.on(event, cb)`.
    ///
    /// # Errors
    /// Heap errors.
    pub fn on(&mut self, em: Handle, event: &str, cb: Handle) -> Result<(), RtError> {
        self.add_listener(em, event, cb, false)
    }

    /// `emitter.once(event, cb)`: removed before its first call.
    ///
    /// # Errors
    /// Heap errors.
    pub fn once(&mut self, em: Handle, event: &str, cb: Handle) -> Result<(), RtError> {
        self.add_listener(em, event, cb, true)
    }

    /// `emitter.off(event, cb)`: removes the most recently added matching listener (as
    /// Node does); returns whether one was removed.
    ///
    /// # Errors
    /// Heap errors.
    pub fn off(&mut self, em: Handle, event: &str, cb: Handle) -> Result<bool, RtError> {
        let ev = self.event_id(event);
        let frame = self.heap.push_frame("EventEmitter.off");
        let r = (|| {
            let ls = self.listeners(em)?;
            let n = self.array_len(ls)?;
            let l = self.heap.local(Value::Undefined)?;
            let f = self.heap.local(Value::Undefined)?;
            for i in (0..n).rev() {
                let Some(lh) = self.array_get(ls, i)?.as_ref() else {
                    continue;
                };
                self.heap.set_local(l, lh)?;
                if self.heap.get(l, L_EVENT)? != Value::Int(ev) {
                    continue;
                }
                if let Value::Ref(_) = self.heap.get_into(l, L_CALLBACK, f)? {
                    if self.heap.same_object(f, cb)? {
                        self.array_remove(ls, i)?;
                        return Ok(true);
                    }
                }
            }
            Ok(false)
        })();
        self.heap.pop_frame(frame)?;
        r
    }

    /// `emitter.listenerCount(event)`.
    ///
    /// # Errors
    /// Heap errors.
    pub fn listener_count(&mut self, em: Handle, event: &str) -> Result<usize, RtError> {
        let ev = self.event_id(event);
        let frame = self.heap.push_frame("EventEmitter.listenerCount");
        let r = (|| {
            let ls = self.listeners(em)?;
            let n = self.array_len(ls)?;
            let mut count = 0;
            for i in 0..n {
                if let Some(l) = self.array_get(ls, i)?.as_ref() {
                    if self.heap.get(l, L_EVENT)? == Value::Int(ev) {
                        count += 1;
                    }
                }
            }
            Ok(count)
        })();
        self.heap.pop_frame(frame)?;
        r
    }

    /// `emitter.emit(event, ...args)`: calls the listeners registered for `event` when the
    /// emit starts, in order (a `once` listener is removed first); returns whether there
    /// were any. An exception from a listener propagates, as in Node.
    ///
    /// # Errors
    /// Whatever a listener throws; heap errors.
    pub fn emit(&mut self, em: Handle, event: &str, args: &[Value]) -> Result<bool, RtError> {
        let ev = self.event_id(event);
        let frame = self.heap.push_frame("EventEmitter.emit");
        let r = (|| {
            let ls = self.listeners(em)?;
            let n = self.array_len(ls)?;
            // Snapshot the callbacks first: listeners may add or remove listeners.
            let mut to_call = Vec::new();
            let mut i = 0;
            let mut len = n;
            while i < len {
                let Some(l) = self.array_get(ls, i)?.as_ref() else {
                    i += 1;
                    continue;
                };
                if self.heap.get(l, L_EVENT)? != Value::Int(ev) {
                    i += 1;
                    continue;
                }
                if let Some(cb) = self.heap.get(l, L_CALLBACK)?.as_ref() {
                    to_call.push(cb);
                }
                if self.heap.get(l, L_ONCE)? == Value::Bool(true) {
                    self.array_remove(ls, i)?;
                    len -= 1;
                } else {
                    i += 1;
                }
            }
            for cb in &to_call {
                self.invoke(*cb, args)?;
            }
            Ok(!to_call.is_empty())
        })();
        self.heap.pop_frame(frame)?;
        r
    }
}
