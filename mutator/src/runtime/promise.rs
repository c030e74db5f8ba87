//! Promises whose reactions and values live in the heap.
//!
//! The state machine is the heap-independent
//! [`PromiseTable`](crate::event_loop::promise::PromiseTable); this module roots what it
//! holds. A promise that gets a reaction (`then`, `catch`, `finally`) gets a heap object
//! `Promise` whose `.reactions` array holds the handler closures, kept alive by a
//! `Promise` root labelled `promise #N` **while any of those handlers may still run**: a
//! promise that never settles keeps its reactions — and everything their environments
//! reach — forever, which is the `promise-pending` leak. Values a promise settles with are
//! rooted (`promise value`) while the table or a queued job holds them.
//!
//! At the end of every microtask drain ([`Task::DrainEnd`](crate::event_loop::Task)) the
//! runtime reports unhandled rejections into [`Runtime::unhandled_rejections`] and sweeps:
//! roots no longer named by the table or a queued job are released, and settled promises
//! are forgotten unless the script [retained](Runtime::retain_promise) them (the model's
//! stand-in for collecting a settled promise nobody references).

use super::{tags, RtError, Runtime};
use crate::event_loop::promise::{
    Call, PromiseId, PromiseJob, PromiseState, Resolution, Resolvers, Root,
};
use gclab::{Handle, Persistent, RootKind, Value};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

/// A value held by the promise table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PValue {
    /// `undefined`.
    Undefined,
    /// A small integer.
    Int(i32),
    /// A heap value rooted under this key while the table or a job holds it.
    Obj(u64),
    /// An error message (rejection reasons thrown by the runtime).
    Error(Arc<str>),
}

impl fmt::Display for PValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PValue::Undefined => f.write_str("undefined"),
            PValue::Int(i) => write!(f, "{i}"),
            PValue::Obj(_) => f.write_str("[object]"),
            PValue::Error(m) => f.write_str(m),
        }
    }
}

/// The roots behind the promise table.
#[derive(Default)]
pub(crate) struct PromiseRoots {
    /// Heap `Promise` objects (holding reaction closures) of promises with reactions.
    objs: HashMap<PromiseId, Persistent>,
    /// Handler key → (the promise whose `.reactions` holds it, index).
    handlers: HashMap<u64, (PromiseId, usize)>,
    /// Rooted settled values.
    values: HashMap<u64, Persistent>,
    /// Promises the script keeps a reference to.
    retained: HashSet<PromiseId>,
    /// Promises held by top-level constants.
    named: HashMap<String, PromiseId>,
    /// Resolve functions held by heap code, by the integer key stored in the heap.
    resolve_fns: HashMap<i32, Resolvers>,
    next_resolve_fn: i32,
    /// Promise operations since the last sweep (sweeps are amortised over them).
    ops: usize,
}

impl fmt::Debug for PromiseRoots {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PromiseRoots")
            .field("objects", &self.objs.len())
            .field("handlers", &self.handlers.len())
            .field("values", &self.values.len())
            .finish()
    }
}

const REACTIONS: usize = 0;

impl Runtime {
    /// `new Promise((resolve, reject) => …)`: a pending promise and its resolvers.
    pub fn promise_new(&mut self) -> (PromiseId, Resolvers) {
        self.promise_state.ops += 1;
        self.promises.create()
    }

    /// Stores a resolve/reject pair under an integer key that heap code (an environment
    /// slot) can hold, like a captured `resolve` function.
    pub fn store_resolvers(&mut self, r: Resolvers) -> i32 {
        let st = &mut self.promise_state;
        st.next_resolve_fn = st.next_resolve_fn.wrapping_add(1);
        st.resolve_fns.insert(st.next_resolve_fn, r);
        st.next_resolve_fn
    }

    /// Takes back a pair stored by [`store_resolvers`](Self::store_resolvers).
    pub fn take_resolvers(&mut self, key: i32) -> Option<Resolvers> {
        self.promise_state.resolve_fns.remove(&key)
    }

    /// `const name = promise` at top level: keeps the promise (even settled) and lets
    /// code find it by name.
    pub fn set_promise_global(&mut self, name: &str, p: PromiseId) {
        self.retain_promise(p);
        self.promise_state.named.insert(name.to_string(), p);
    }

    /// A promise stored by [`set_promise_global`](Self::set_promise_global).
    pub fn promise_global(&self, name: &str) -> Option<PromiseId> {
        self.promise_state.named.get(name).copied()
    }

    /// Keeps a settled promise in the table so reactions can still be attached later
    /// (the script holds a reference to it).
    pub fn retain_promise(&mut self, p: PromiseId) {
        self.promise_state.retained.insert(p);
    }

    /// Drops the script's reference taken by [`retain_promise`](Self::retain_promise).
    pub fn forget_promise(&mut self, p: PromiseId) {
        self.promise_state.retained.remove(&p);
    }

    /// The state of a promise: `Some(Ok(v))` fulfilled, `Some(Err(r))` rejected, `None`
    /// pending or forgotten.
    pub fn promise_result(&self, p: PromiseId) -> Option<Result<PValue, PValue>> {
        match self.promises.state(p)? {
            PromiseState::Pending => None,
            PromiseState::Fulfilled(v) => Some(Ok(v.clone())),
            PromiseState::Rejected(v) => Some(Err(v.clone())),
        }
    }

    /// Whether `p` is still pending.
    pub fn promise_is_pending(&self, p: PromiseId) -> bool {
        matches!(self.promises.state(p), Some(PromiseState::Pending))
    }

    /// Number of promises in the table.
    pub fn promise_count(&self) -> usize {
        self.promises.len()
    }

    /// Number of heap `Promise` objects rooted (promises whose reactions may still run).
    pub fn promise_roots(&self) -> usize {
        self.promise_state.objs.len()
    }

    /// Turns a value into what the promise table stores (rooting a reference).
    ///
    /// # Errors
    /// Heap errors.
    pub fn to_pvalue(&mut self, v: Value) -> Result<PValue, RtError> {
        Ok(match v {
            Value::Int(i) => PValue::Int(i),
            Value::Ref(h) => {
                let p = self.heap.root(RootKind::Promise, "promise value", h)?;
                let k = self.key();
                self.promise_state.values.insert(k, p);
                PValue::Obj(k)
            }
            _ => PValue::Undefined,
        })
    }

    /// The value a [`PValue`] stands for (a reference comes back as a local).
    ///
    /// # Errors
    /// Heap errors.
    pub fn from_pvalue(&mut self, v: &PValue) -> Result<Value, RtError> {
        Ok(match v {
            PValue::Int(i) => Value::Int(*i),
            PValue::Obj(k) => match self.promise_state.values.get(k) {
                Some(p) => {
                    let h: Handle = p.into();
                    Value::Ref(self.heap.local(h)?)
                }
                None => Value::Undefined,
            },
            _ => Value::Undefined,
        })
    }

    /// `resolve(v)`.
    ///
    /// # Errors
    /// Heap errors.
    pub fn promise_resolve(&mut self, r: Resolvers, v: impl Into<Value>) -> Result<bool, RtError> {
        let pv = self.to_pvalue(v.into())?;
        self.promise_state.ops += 1;
        Ok(self
            .promises
            .resolve(&mut self.event_loop, r, Resolution::Value(pv)))
    }

    /// `resolve(otherPromise)`: adopts another promise's outcome.
    pub fn promise_adopt(&mut self, r: Resolvers, other: PromiseId) -> bool {
        self.promises
            .resolve(&mut self.event_loop, r, Resolution::Promise(other))
    }

    /// `reject(new Error(message))`.
    pub fn promise_reject(&mut self, r: Resolvers, message: &str) -> bool {
        self.promise_state.ops += 1;
        self.promises
            .reject(&mut self.event_loop, r, PValue::Error(Arc::from(message)))
    }

    /// Roots `cb` in the `.reactions` array of `p`'s heap object and returns its key.
    fn add_reaction(&mut self, p: PromiseId, cb: Handle) -> Result<u64, RtError> {
        if !self.promise_state.objs.contains_key(&p) {
            let frame = self.heap.push_frame("new Promise");
            let r = (|| -> Result<Persistent, RtError> {
                let reactions = self.array_new(2)?;
                let obj = self.heap.alloc(tags::PROMISE, 2, 0)?;
                self.heap.set(obj, REACTIONS, reactions)?;
                let label = format!("promise #{}", promise_number(p));
                Ok(self.heap.root(RootKind::Promise, &label, obj)?)
            })();
            self.heap.pop_frame(frame)?;
            let root: Persistent = r?;
            self.promise_state.objs.insert(p, root);
        }
        let obj: Handle = (&self.promise_state.objs[&p]).into();
        let frame = self.heap.push_frame("promise reaction");
        let r = (|| -> Result<usize, RtError> {
            let reactions = self
                .heap
                .get(obj, REACTIONS)?
                .as_ref()
                .expect("a Promise object has a reactions array");
            let index = self.array_len(reactions)?;
            self.array_push(reactions, cb)?;
            Ok(index)
        })();
        self.heap.pop_frame(frame)?;
        let index = r?;
        let k = self.key();
        self.promise_state.handlers.insert(k, (p, index));
        Ok(k)
    }

    /// `p.then(onFulfilled, onRejected)`: returns the derived promise.
    ///
    /// # Errors
    /// Heap errors.
    pub fn promise_then(
        &mut self,
        p: PromiseId,
        on_fulfilled: Option<Handle>,
        on_rejected: Option<Handle>,
    ) -> Result<PromiseId, RtError> {
        let f = on_fulfilled.map(|h| self.add_reaction(p, h)).transpose()?;
        let r = on_rejected.map(|h| self.add_reaction(p, h)).transpose()?;
        self.promise_state.ops += 1;
        Ok(self.promises.then(&mut self.event_loop, p, f, r))
    }

    /// `p.catch(onRejected)`.
    ///
    /// # Errors
    /// Heap errors.
    pub fn promise_catch(
        &mut self,
        p: PromiseId,
        on_rejected: Handle,
    ) -> Result<PromiseId, RtError> {
        self.promise_then(p, None, Some(on_rejected))
    }

    /// `p.finally(onFinally)`.
    ///
    /// # Errors
    /// Heap errors.
    pub fn promise_finally(
        &mut self,
        p: PromiseId,
        on_finally: Handle,
    ) -> Result<PromiseId, RtError> {
        let k = self.add_reaction(p, on_finally)?;
        self.promise_state.ops += 1;
        Ok(self.promises.finally(&mut self.event_loop, p, k))
    }

    /// The closure behind a handler key (a local), if still rooted.
    fn handler(&mut self, key: u64) -> Result<Option<Handle>, RtError> {
        let Some(&(p, index)) = self.promise_state.handlers.get(&key) else {
            return Ok(None);
        };
        let Some(root) = self.promise_state.objs.get(&p) else {
            return Ok(None);
        };
        let obj: Handle = root.into();
        let Some(reactions) = self.heap.get(obj, REACTIONS)?.as_ref() else {
            return Ok(None);
        };
        Ok(self.array_get(reactions, index)?.as_ref())
    }

    /// Runs a promise job the loop dispatched.
    pub(crate) fn run_promise_job(&mut self, job: PromiseJob<u64, PValue>) -> Result<(), RtError> {
        self.promise_state.ops += 1;
        let mut table = std::mem::replace(
            &mut self.promises,
            crate::event_loop::promise::PromiseTable::new(PValue::Undefined),
        );
        let mut lp = std::mem::take(&mut self.event_loop);
        let mut failure = None;
        table.run_job(&mut lp, job, |table, q, call| {
            std::mem::swap(table, &mut self.promises);
            std::mem::swap(q, &mut self.event_loop);
            let r = self.host_call(call);
            std::mem::swap(table, &mut self.promises);
            std::mem::swap(q, &mut self.event_loop);
            match r {
                Ok(c) => c,
                Err(e) => {
                    failure = Some(e);
                    Err(PValue::Error(Arc::from("internal error")))
                }
            }
        });
        self.promises = table;
        self.event_loop = lp;
        match failure {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Performs host code for a promise job: `Ok(completion)`, or `Err` for a heap error
    /// (a thrown exception is a rejection, part of the completion).
    fn host_call(
        &mut self,
        call: Call<u64, PValue>,
    ) -> Result<crate::event_loop::promise::Completion<u64, PValue>, RtError> {
        let (key, arg) = match call {
            Call::Reaction {
                handler, argument, ..
            } => (handler, Some(argument)),
            Call::Finally { handler } => (handler, None),
            Call::Then { .. } => {
                return Ok(Err(PValue::Error(Arc::from(
                    "TypeError: foreign thenables are not modelled",
                ))))
            }
        };
        let frame = self.heap.push_frame("promise job");
        let r = (|| {
            let Some(cb) = self.handler(key)? else {
                return Ok(Ok(Resolution::Value(PValue::Undefined)));
            };
            let args = match &arg {
                Some(a) => vec![self.from_pvalue(a)?],
                None => Vec::new(),
            };
            match self.invoke(cb, &args) {
                Ok(v) => Ok(Ok(Resolution::Value(self.to_pvalue(v)?))),
                Err(RtError::Heap(e)) => Err(RtError::Heap(e)),
                Err(e) => Ok(Err(PValue::Error(Arc::from(e.to_string())))),
            }
        })();
        self.heap.pop_frame(frame)?;
        r
    }

    /// End of a microtask drain: report unhandled rejections, release roots nothing can
    /// use any more, forget settled promises nobody retained.
    pub(crate) fn on_drain_end(&mut self) -> Result<(), RtError> {
        for (id, reason) in self.promises.take_unhandled_rejections() {
            self.unhandled_rejections
                .push(format!("promise #{}: {}", promise_number(id), reason));
        }
        // Sweeping costs time proportional to what the table holds: do it once the
        // operations since the last sweep match that (amortised constant time per
        // operation, and at most about twice the roots that are really needed).
        let st = &self.promise_state;
        let held = self.promises.len() + st.handlers.len() + st.values.len() + st.objs.len();
        if st.ops == 0 || st.ops * 2 < held {
            return Ok(());
        }
        self.sweep_promises();
        Ok(())
    }

    /// Releases every promise root nothing can use any more and forgets settled promises
    /// nobody retained (done automatically at the end of microtask drains).
    pub fn sweep_promises(&mut self) {
        self.promise_state.ops = 0;
        // Settled promises nobody retained.
        let mut settled = Vec::new();
        self.promises.for_each_root(|id, _| {
            if let Some(id) = id {
                settled.push(id);
            }
        });
        settled.dedup();
        for id in settled {
            if !self.promise_is_pending(id) && !self.promise_state.retained.contains(&id) {
                self.promises.release(id);
            }
        }
        // What the table and queued jobs still name.
        let mut handlers = HashSet::new();
        let mut values = HashSet::new();
        let mut visit = |r: Root<'_, u64, PValue>| match r {
            Root::Handler(&k) => {
                handlers.insert(k);
            }
            Root::Value(PValue::Obj(k)) => {
                values.insert(*k);
            }
            Root::Value(_) => {}
        };
        self.promises.for_each_root(|_, r| visit(r));
        for (_, job) in self.event_loop.payloads() {
            if let super::Job::Promise(j) = job {
                j.for_each_root(&mut visit);
            }
        }
        let st = &mut self.promise_state;
        st.handlers.retain(|k, _| handlers.contains(k));
        let owners: HashSet<PromiseId> = st.handlers.values().map(|&(p, _)| p).collect();
        let dead_objs: Vec<PromiseId> = st
            .objs
            .keys()
            .filter(|p| !owners.contains(p))
            .copied()
            .collect();
        for p in dead_objs {
            if let Some(root) = st.objs.remove(&p) {
                self.heap.release(root).expect("a root of this heap");
            }
        }
        let dead_values: Vec<u64> = st
            .values
            .keys()
            .filter(|k| !values.contains(k))
            .copied()
            .collect();
        for k in dead_values {
            if let Some(root) = self.promise_state.values.remove(&k) {
                self.heap.release(root).expect("a root of this heap");
            }
        }
    }
}

/// The number in a promise's label (`promise #N`).
pub fn promise_number(p: PromiseId) -> u64 {
    let s = format!("{p:?}");
    s.trim_start_matches("PromiseId(")
        .trim_end_matches(')')
        .parse()
        .unwrap_or(0)
}
