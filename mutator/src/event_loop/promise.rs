//! A heap-independent model of ECMAScript promises (ECMA-262 §27.2) whose
//! jobs run as microtasks through an [`EventLoop`].
//!
//! Promises live in a [`PromiseTable<H, V>`] and are named by [`PromiseId`].
//! `H` is an opaque host handler (a callback payload) and `V` a settled value;
//! the table never calls host code itself. Instead, each job the table queues
//! is a [`PromiseJob`]; when the loop dispatches one, the host passes it to
//! [`PromiseTable::run_job`] with a callback that performs the [`Call`] the job
//! needs (a `then` handler, a `finally` callback, a foreign thenable's `then`).
//!
//! # What is modelled, and the Node 20 (V8) behaviour it reproduces
//!
//! - **Resolve functions** (§27.2.1.3.2): a resolve/reject pair
//!   ([`Resolvers`]) acts once; resolving with a value fulfills, resolving a
//!   promise with itself rejects with the table's `type_error` value, and
//!   resolving with a promise or a thenable queues a
//!   *NewPromiseResolveThenableJob*. That job calls `then` on the promise, and
//!   the reaction that `then` registers resolves the outer promise later: this
//!   is why `return promise` inside a handler, or `resolve(promise)` in an
//!   executor, costs two extra microtask turns in V8, and returning a foreign
//!   thenable one extra turn (plus whatever its `then` does).
//! - **Reactions** (`then`, `catch`, `finally`; §27.2.5) run as
//!   *PromiseReactionJob*s in FIFO order with all other microtasks. A missing
//!   handler passes the value or reason through. `finally` follows the spec's
//!   *thenFinally*/*catchFinally* closures exactly, including the
//!   `PromiseResolve(result).then(() => value)` step and its extra turns.
//! - **Rejection tracking** (*HostPromiseRejectionTracker*, as Node implements
//!   it in `lib/internal/process/promises.js`): a promise rejected with no
//!   handler is remembered; if a handler is attached before the host asks
//!   ([`PromiseTable::take_unhandled_rejections`], which a host calls on
//!   [`Task::DrainEnd`](super::Task::DrainEnd), i.e. once ticks and microtasks
//!   have drained) it is forgotten; otherwise it is reported once as
//!   unhandled. Attaching a handler after the report makes it show up in
//!   [`PromiseTable::take_rejections_handled`] (Node's `rejectionHandled`).
//!   Node emits `rejectionHandled` events before `unhandledRejection` events
//!   of the same drain.
//!
//! Not modelled: `await` (V8 awaits a native promise without the extra turns),
//! the promise combinators (`all`, `race`, …), subclassing and `then` getters.
//!
//! # Rooting support
//!
//! A runtime that keeps handlers and values in a GC heap must root what the
//! table holds: [`PromiseTable::for_each_root`] visits every handler and value
//! stored in the table (pending reactions, settled values, the `type_error`
//! value), [`PromiseTable::pending`] and [`PromiseTable::for_each_reaction_root`]
//! enumerate pending promises and their reactions, and
//! [`PromiseJob::for_each_root`] visits what a queued job holds. With
//! [`PromiseTable::set_event_recording`] on, every settlement is recorded as a
//! [`PromiseEvent`] so the host can un-root reactions that can no longer run.
//! [`PromiseTable::release`] forgets a promise the host found unreachable.

use std::collections::{BTreeMap, VecDeque};

use super::EventLoop;

/// Names a promise in a [`PromiseTable`]. Ids are never reused by one table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PromiseId(u64);

/// A promise's resolve/reject function pair. It acts at most once: the first
/// [`PromiseTable::resolve`] or [`PromiseTable::reject`] through it wins and
/// later calls return `false`, as the spec's `[[AlreadyResolved]]` record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Resolvers {
    promise: PromiseId,
    generation: u32,
}

impl Resolvers {
    /// The promise these functions resolve.
    pub fn promise(&self) -> PromiseId {
        self.promise
    }
}

/// What a promise is resolved with (the argument of a resolve function, or a
/// handler's return value).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolution<H, V> {
    /// A non-thenable value: fulfills at once.
    Value(V),
    /// A promise of this table: adopted through a thenable job (two turns).
    Promise(PromiseId),
    /// A foreign thenable: `object` with a callable `then` (a host handler).
    /// Adopted through a thenable job that performs [`Call::Then`].
    Thenable {
        /// The thenable object (`this` of the call).
        object: V,
        /// Its `then` method.
        then: H,
    },
}

/// The completion of host code: `Ok` on a normal return, `Err(reason)` on a
/// throw.
pub type Completion<H, V> = Result<Resolution<H, V>, V>;

/// The state of a promise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromiseState<'a, V> {
    /// Not settled (possibly already locked in to another promise).
    Pending,
    /// Fulfilled with a value.
    Fulfilled(&'a V),
    /// Rejected with a reason.
    Rejected(&'a V),
}

/// Host code a job needs run; see [`PromiseTable::run_job`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Call<H, V> {
    /// Call a `then`/`catch` handler with the settled value. The returned
    /// [`Completion`] resolves or rejects the derived promise.
    Reaction {
        /// The handler.
        handler: H,
        /// The fulfillment value or rejection reason.
        argument: V,
        /// True if the promise was rejected (an `onRejected` handler).
        rejected: bool,
    },
    /// Call a `finally` callback with no arguments. A throw (`Err`) rejects
    /// the derived promise; otherwise the result is awaited (as a promise or
    /// thenable if it is one) before the original outcome passes through.
    Finally {
        /// The callback.
        handler: H,
    },
    /// Call a foreign thenable's `then(resolve, reject)`: the host calls
    /// [`PromiseTable::resolve`]/[`PromiseTable::reject`] with `resolvers`,
    /// now or later. Returning `Err` rejects unless already resolved; an `Ok`
    /// value is ignored.
    Then {
        /// The thenable's `then` method.
        then: H,
        /// The thenable (`this`).
        thenable: V,
        /// The resolve/reject functions passed to `then`.
        resolvers: Resolvers,
    },
}

/// Something a [`PromiseTable`] holds that a GC runtime must keep alive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Root<'a, H, V> {
    /// A host handler.
    Handler(&'a H),
    /// A value (settled value, captured `finally` value, thenable object).
    Value(&'a V),
}

/// Something that happened to a promise (recorded only when enabled with
/// [`PromiseTable::set_event_recording`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromiseEvent {
    /// The promise settled; its pending reactions were queued as jobs (the
    /// branch not taken was dropped), so it holds no handlers any more.
    Settled {
        /// The promise.
        promise: PromiseId,
        /// True if it was rejected.
        rejected: bool,
    },
}

/// Where a promise job goes: an [`EventLoop`] whose payload can wrap a job,
/// or a plain queue (for tests and embedders with their own loop).
pub trait JobQueue<H, V> {
    /// Queues a job as a microtask.
    fn enqueue_job(&mut self, job: PromiseJob<H, V>);
}

impl<H, V, T> JobQueue<H, V> for EventLoop<T>
where
    T: Clone + From<PromiseJob<H, V>>,
{
    fn enqueue_job(&mut self, job: PromiseJob<H, V>) {
        self.queue_microtask(T::from(job));
    }
}

impl<H, V> JobQueue<H, V> for VecDeque<PromiseJob<H, V>> {
    fn enqueue_job(&mut self, job: PromiseJob<H, V>) {
        self.push_back(job);
    }
}

/// A reaction handler: host code or one of the spec's built-in closures.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Handler<H, V> {
    Host(H),
    /// A resolve function passed to `then` by a thenable job.
    Resolve(Resolvers),
    /// A reject function passed to `then` by a thenable job.
    Reject(Resolvers),
    /// `thenFinally` closing over the `finally` callback.
    ThenFinally(H),
    /// `catchFinally` closing over the `finally` callback.
    CatchFinally(H),
    /// `() => value` made by `thenFinally`.
    ReturnValue(V),
    /// `() => { throw reason }` made by `catchFinally`.
    Throw(V),
}

impl<H, V> Handler<H, V> {
    fn for_each_root(&self, f: &mut impl FnMut(Root<'_, H, V>)) {
        match self {
            Handler::Host(h) | Handler::ThenFinally(h) | Handler::CatchFinally(h) => {
                f(Root::Handler(h))
            }
            Handler::ReturnValue(v) | Handler::Throw(v) => f(Root::Value(v)),
            Handler::Resolve(_) | Handler::Reject(_) => {}
        }
    }
}

#[derive(Clone, Debug)]
struct Reaction<H, V> {
    /// Resolvers of the derived promise; `None` for the throwaway promise of
    /// a `then` made by a thenable job (never observable).
    capability: Option<Resolvers>,
    on_fulfilled: Option<Handler<H, V>>,
    on_rejected: Option<Handler<H, V>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Thenable<H, V> {
    Native(PromiseId),
    Foreign { object: V, then: H },
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum JobKind<H, V> {
    /// PromiseReactionJob.
    Reaction {
        capability: Option<Resolvers>,
        handler: Option<Handler<H, V>>,
        rejected: bool,
        argument: V,
    },
    /// NewPromiseResolveThenableJob.
    ResolveThenable {
        promise: PromiseId,
        thenable: Thenable<H, V>,
    },
}

/// A promise job waiting in the microtask queue. Run it with
/// [`PromiseTable::run_job`] when the loop dispatches it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PromiseJob<H, V>(JobKind<H, V>);

impl<H, V> PromiseJob<H, V> {
    /// True for a *NewPromiseResolveThenableJob* (adopting a promise or
    /// thenable), false for a *PromiseReactionJob*.
    pub fn is_resolve_thenable(&self) -> bool {
        matches!(self.0, JobKind::ResolveThenable { .. })
    }

    /// Visits every handler and value the job holds.
    pub fn for_each_root(&self, mut f: impl FnMut(Root<'_, H, V>)) {
        match &self.0 {
            JobKind::Reaction {
                handler, argument, ..
            } => {
                if let Some(h) = handler {
                    h.for_each_root(&mut f);
                }
                f(Root::Value(argument));
            }
            JobKind::ResolveThenable { thenable, .. } => {
                if let Thenable::Foreign { object, then } = thenable {
                    f(Root::Value(object));
                    f(Root::Handler(then));
                }
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tracking {
    /// Not rejected, or rejected but handled in time.
    None,
    /// Rejected without a handler; not reported yet.
    Unhandled,
    /// Reported as unhandled.
    Reported,
}

#[derive(Debug)]
enum Slot<H, V> {
    Pending(Vec<Reaction<H, V>>),
    Fulfilled(V),
    Rejected(V),
}

#[derive(Debug)]
struct Entry<H, V> {
    slot: Slot<H, V>,
    /// Bumped when a thenable job makes a fresh resolve/reject pair.
    generation: u32,
    already_resolved: bool,
    /// `[[PromiseIsHandled]]`.
    handled: bool,
    tracking: Tracking,
}

/// A table of promises with handlers `H` and values `V`.
///
/// `V: Clone` because a settled value is handed to each reaction; `H: Clone`
/// because `finally` uses its callback on both branches.
#[derive(Debug)]
pub struct PromiseTable<H, V> {
    entries: BTreeMap<u64, Entry<H, V>>,
    next_id: u64,
    type_error: V,
    unhandled: Vec<PromiseId>,
    handled_late: Vec<PromiseId>,
    record_events: bool,
    events: Vec<PromiseEvent>,
}

impl<H: Clone, V: Clone> PromiseTable<H, V> {
    /// An empty table. `type_error` is the reason used where the spec throws a
    /// `TypeError` (a promise resolved with itself: "Chaining cycle detected").
    pub fn new(type_error: V) -> Self {
        Self {
            entries: BTreeMap::new(),
            next_id: 1,
            type_error,
            unhandled: Vec::new(),
            handled_late: Vec::new(),
            record_events: false,
            events: Vec::new(),
        }
    }

    /// Promises in the table (not released).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True if the table holds no promise.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// `new Promise(executor)` without the executor: a pending promise and its
    /// resolve/reject pair. The host runs the executor; if it throws, call
    /// [`reject`](Self::reject) with the pair.
    pub fn create(&mut self) -> (PromiseId, Resolvers) {
        let id = PromiseId(self.next_id);
        self.next_id += 1;
        self.entries.insert(
            id.0,
            Entry {
                slot: Slot::Pending(Vec::new()),
                generation: 0,
                already_resolved: false,
                handled: false,
                tracking: Tracking::None,
            },
        );
        (
            id,
            Resolvers {
                promise: id,
                generation: 0,
            },
        )
    }

    /// `Promise.resolve(x)`: a promise is returned as is; anything else gives
    /// a new promise resolved with it (a thenable through a thenable job).
    pub fn promise_resolve(
        &mut self,
        q: &mut impl JobQueue<H, V>,
        x: Resolution<H, V>,
    ) -> PromiseId {
        if let Resolution::Promise(p) = x {
            return p;
        }
        let (p, r) = self.create();
        self.resolve(q, r, x);
        p
    }

    /// `Promise.reject(reason)`: a new promise rejected with `reason` (tracked
    /// as unhandled until a handler is attached).
    pub fn promise_reject(&mut self, q: &mut impl JobQueue<H, V>, reason: V) -> PromiseId {
        let (p, r) = self.create();
        self.reject(q, r, reason);
        p
    }

    /// Calls a resolve function. Returns `false` (and does nothing) if the
    /// pair already acted or the promise was released.
    pub fn resolve(
        &mut self,
        q: &mut impl JobQueue<H, V>,
        resolvers: Resolvers,
        resolution: Resolution<H, V>,
    ) -> bool {
        if !self.claim(resolvers) {
            return false;
        }
        let promise = resolvers.promise;
        match resolution {
            Resolution::Value(v) => self.settle(q, promise, v, false),
            Resolution::Promise(p) if p == promise => {
                let reason = self.type_error.clone();
                self.settle(q, promise, reason, true);
            }
            Resolution::Promise(p) => q.enqueue_job(PromiseJob(JobKind::ResolveThenable {
                promise,
                thenable: Thenable::Native(p),
            })),
            Resolution::Thenable { object, then } => {
                q.enqueue_job(PromiseJob(JobKind::ResolveThenable {
                    promise,
                    thenable: Thenable::Foreign { object, then },
                }))
            }
        }
        true
    }

    /// Calls a reject function. Returns `false` (and does nothing) if the pair
    /// already acted or the promise was released.
    pub fn reject(&mut self, q: &mut impl JobQueue<H, V>, resolvers: Resolvers, reason: V) -> bool {
        if !self.claim(resolvers) {
            return false;
        }
        self.settle(q, resolvers.promise, reason, true);
        true
    }

    /// `promise.then(on_fulfilled, on_rejected)`: returns the derived promise.
    /// If `promise` is already settled the reaction job is queued at once.
    /// A released `promise` never settles, so neither does the result.
    pub fn then(
        &mut self,
        q: &mut impl JobQueue<H, V>,
        promise: PromiseId,
        on_fulfilled: Option<H>,
        on_rejected: Option<H>,
    ) -> PromiseId {
        let (derived, r) = self.create();
        self.perform_then(
            q,
            promise,
            Reaction {
                capability: Some(r),
                on_fulfilled: on_fulfilled.map(Handler::Host),
                on_rejected: on_rejected.map(Handler::Host),
            },
        );
        derived
    }

    /// `promise.catch(on_rejected)`, i.e. `then(None, Some(on_rejected))`.
    pub fn catch(
        &mut self,
        q: &mut impl JobQueue<H, V>,
        promise: PromiseId,
        on_rejected: H,
    ) -> PromiseId {
        self.then(q, promise, None, Some(on_rejected))
    }

    /// `promise.finally(on_finally)`: the callback runs on either outcome
    /// (see [`Call::Finally`]); the derived promise then takes the original
    /// outcome, unless the callback throws or returns a rejected promise.
    pub fn finally(
        &mut self,
        q: &mut impl JobQueue<H, V>,
        promise: PromiseId,
        on_finally: H,
    ) -> PromiseId {
        let (derived, r) = self.create();
        self.perform_then(
            q,
            promise,
            Reaction {
                capability: Some(r),
                on_fulfilled: Some(Handler::ThenFinally(on_finally.clone())),
                on_rejected: Some(Handler::CatchFinally(on_finally)),
            },
        );
        derived
    }

    /// Runs a job the loop dispatched. `call` performs host code and is called
    /// at most once; it receives the table and queue so the host code can use
    /// promises itself.
    pub fn run_job<Q, C>(&mut self, q: &mut Q, job: PromiseJob<H, V>, mut call: C)
    where
        Q: JobQueue<H, V>,
        C: FnMut(&mut Self, &mut Q, Call<H, V>) -> Completion<H, V>,
    {
        match job.0 {
            JobKind::Reaction {
                capability,
                handler,
                rejected,
                argument,
            } => {
                let completion = match handler {
                    None if rejected => Err(argument),
                    None => Ok(Resolution::Value(argument)),
                    Some(Handler::Host(handler)) => call(
                        self,
                        q,
                        Call::Reaction {
                            handler,
                            argument,
                            rejected,
                        },
                    ),
                    Some(Handler::Resolve(r)) => {
                        self.resolve(q, r, Resolution::Value(argument));
                        return;
                    }
                    Some(Handler::Reject(r)) => {
                        self.reject(q, r, argument);
                        return;
                    }
                    Some(Handler::ThenFinally(h)) => {
                        self.finally_step(q, h, argument, false, &mut call)
                    }
                    Some(Handler::CatchFinally(h)) => {
                        self.finally_step(q, h, argument, true, &mut call)
                    }
                    Some(Handler::ReturnValue(v)) => Ok(Resolution::Value(v)),
                    Some(Handler::Throw(v)) => Err(v),
                };
                if let Some(cap) = capability {
                    match completion {
                        Ok(resolution) => self.resolve(q, cap, resolution),
                        Err(reason) => self.reject(q, cap, reason),
                    };
                }
            }
            JobKind::ResolveThenable { promise, thenable } => {
                let Some(resolvers) = self.fresh_resolvers(promise) else {
                    return;
                };
                match thenable {
                    Thenable::Native(p) => self.perform_then(
                        q,
                        p,
                        Reaction {
                            capability: None,
                            on_fulfilled: Some(Handler::Resolve(resolvers)),
                            on_rejected: Some(Handler::Reject(resolvers)),
                        },
                    ),
                    Thenable::Foreign { object, then } => {
                        let then_call = Call::Then {
                            then,
                            thenable: object,
                            resolvers,
                        };
                        if let Err(reason) = call(self, q, then_call) {
                            self.reject(q, resolvers, reason);
                        }
                    }
                }
            }
        }
    }

    /// The state of a promise, or `None` if it was released.
    pub fn state(&self, promise: PromiseId) -> Option<PromiseState<'_, V>> {
        self.entries.get(&promise.0).map(|e| match &e.slot {
            Slot::Pending(_) => PromiseState::Pending,
            Slot::Fulfilled(v) => PromiseState::Fulfilled(v),
            Slot::Rejected(v) => PromiseState::Rejected(v),
        })
    }

    /// `[[PromiseIsHandled]]`: whether a reaction was ever attached.
    pub fn is_handled(&self, promise: PromiseId) -> bool {
        self.entries.get(&promise.0).is_some_and(|e| e.handled)
    }

    /// Whether [`take_unhandled_rejections`](Self::take_unhandled_rejections)
    /// or [`take_rejections_handled`](Self::take_rejections_handled) may have
    /// something to report (Node's `hasRejectionToWarn`).
    pub fn has_rejections_to_report(&self) -> bool {
        !self.unhandled.is_empty() || !self.handled_late.is_empty()
    }

    /// Rejected promises that still have no handler, in rejection order, with
    /// their reasons; each is reported once. Call it when the microtask queue
    /// has drained ([`Task::DrainEnd`](super::Task::DrainEnd)) to get Node's
    /// `unhandledRejection` events.
    pub fn take_unhandled_rejections(&mut self) -> Vec<(PromiseId, V)> {
        let mut out = Vec::new();
        for id in std::mem::take(&mut self.unhandled) {
            let Some(entry) = self.entries.get_mut(&id.0) else {
                continue;
            };
            if entry.tracking != Tracking::Unhandled {
                continue;
            }
            entry.tracking = Tracking::Reported;
            if let Slot::Rejected(reason) = &entry.slot {
                out.push((id, reason.clone()));
            }
        }
        out
    }

    /// Promises that got a handler after being reported unhandled, in order
    /// (Node's `rejectionHandled` events, emitted before `unhandledRejection`).
    pub fn take_rejections_handled(&mut self) -> Vec<PromiseId> {
        std::mem::take(&mut self.handled_late)
    }

    /// Pending promises, in creation order.
    pub fn pending(&self) -> impl Iterator<Item = PromiseId> + '_ {
        self.entries
            .iter()
            .filter(|(_, e)| matches!(e.slot, Slot::Pending(_)))
            .map(|(&id, _)| PromiseId(id))
    }

    /// Visits the handlers and captured values of a pending promise's
    /// reactions (nothing for a settled or released promise).
    pub fn for_each_reaction_root(&self, promise: PromiseId, mut f: impl FnMut(Root<'_, H, V>)) {
        if let Some(Entry {
            slot: Slot::Pending(reactions),
            ..
        }) = self.entries.get(&promise.0)
        {
            for r in reactions {
                for h in [&r.on_fulfilled, &r.on_rejected].into_iter().flatten() {
                    h.for_each_root(&mut f);
                }
            }
        }
    }

    /// Visits everything the table holds: each promise's reaction handlers and
    /// captured values or its settled value (tagged with the promise), then
    /// the `type_error` value (tagged `None`).
    pub fn for_each_root(&self, mut f: impl FnMut(Option<PromiseId>, Root<'_, H, V>)) {
        for (&id, entry) in &self.entries {
            let id = PromiseId(id);
            match &entry.slot {
                Slot::Pending(_) => self.for_each_reaction_root(id, |r| f(Some(id), r)),
                Slot::Fulfilled(v) | Slot::Rejected(v) => f(Some(id), Root::Value(v)),
            }
        }
        f(None, Root::Value(&self.type_error));
    }

    /// Turns recording of [`PromiseEvent`]s on or off.
    pub fn set_event_recording(&mut self, on: bool) {
        self.record_events = on;
    }

    /// Recorded events since the last call, in order.
    pub fn take_events(&mut self) -> Vec<PromiseEvent> {
        std::mem::take(&mut self.events)
    }

    /// Forgets a promise the host found unreachable, returning whether it was
    /// present. Its reactions are dropped; jobs or resolvers that still name
    /// it later do nothing, and promises adopting it stay pending.
    pub fn release(&mut self, promise: PromiseId) -> bool {
        self.entries.remove(&promise.0).is_some()
    }

    /// Checks and sets `[[AlreadyResolved]]` for a resolve/reject call.
    fn claim(&mut self, r: Resolvers) -> bool {
        match self.entries.get_mut(&r.promise.0) {
            Some(e) if e.generation == r.generation && !e.already_resolved => {
                e.already_resolved = true;
                true
            }
            _ => false,
        }
    }

    /// CreateResolvingFunctions for a promise being resolved by a thenable
    /// job; the earlier pair already acted, so only the new one is live.
    fn fresh_resolvers(&mut self, promise: PromiseId) -> Option<Resolvers> {
        let e = self.entries.get_mut(&promise.0)?;
        e.generation += 1;
        e.already_resolved = false;
        Some(Resolvers {
            promise,
            generation: e.generation,
        })
    }

    /// FulfillPromise / RejectPromise + TriggerPromiseReactions.
    fn settle(
        &mut self,
        q: &mut impl JobQueue<H, V>,
        promise: PromiseId,
        value: V,
        rejected: bool,
    ) {
        let Some(entry) = self.entries.get_mut(&promise.0) else {
            return;
        };
        let settled = if rejected {
            Slot::Rejected(value.clone())
        } else {
            Slot::Fulfilled(value.clone())
        };
        let Slot::Pending(reactions) = std::mem::replace(&mut entry.slot, settled) else {
            unreachable!("a promise settles once: its resolvers act once");
        };
        if rejected && !entry.handled {
            entry.tracking = Tracking::Unhandled;
            self.unhandled.push(promise);
        }
        if self.record_events {
            self.events
                .push(PromiseEvent::Settled { promise, rejected });
        }
        for r in reactions {
            let handler = if rejected {
                r.on_rejected
            } else {
                r.on_fulfilled
            };
            q.enqueue_job(PromiseJob(JobKind::Reaction {
                capability: r.capability,
                handler,
                rejected,
                argument: value.clone(),
            }));
        }
    }

    /// PerformPromiseThen with an already-built reaction.
    fn perform_then(
        &mut self,
        q: &mut impl JobQueue<H, V>,
        promise: PromiseId,
        reaction: Reaction<H, V>,
    ) {
        let Some(entry) = self.entries.get_mut(&promise.0) else {
            return;
        };
        let (handler, rejected, argument) = match &mut entry.slot {
            Slot::Pending(reactions) => {
                reactions.push(reaction);
                entry.handled = true;
                return;
            }
            Slot::Fulfilled(v) => (reaction.on_fulfilled, false, v.clone()),
            Slot::Rejected(v) => (reaction.on_rejected, true, v.clone()),
        };
        if rejected && !entry.handled {
            // HostPromiseRejectionTracker(promise, "handle").
            match entry.tracking {
                Tracking::Unhandled => entry.tracking = Tracking::None,
                Tracking::Reported => {
                    entry.tracking = Tracking::None;
                    self.handled_late.push(promise);
                }
                Tracking::None => {}
            }
        }
        entry.handled = true;
        q.enqueue_job(PromiseJob(JobKind::Reaction {
            capability: reaction.capability,
            handler,
            rejected,
            argument,
        }));
    }

    /// The body of thenFinally / catchFinally (ECMA-262 §27.2.5.3).
    fn finally_step<Q, C>(
        &mut self,
        q: &mut Q,
        on_finally: H,
        outcome: V,
        rejected: bool,
        call: &mut C,
    ) -> Completion<H, V>
    where
        Q: JobQueue<H, V>,
        C: FnMut(&mut Self, &mut Q, Call<H, V>) -> Completion<H, V>,
    {
        let result = call(
            self,
            q,
            Call::Finally {
                handler: on_finally,
            },
        )?;
        let p = self.promise_resolve(q, result);
        let thunk = if rejected {
            Handler::Throw(outcome)
        } else {
            Handler::ReturnValue(outcome)
        };
        let (derived, r) = self.create();
        self.perform_then(
            q,
            p,
            Reaction {
                capability: Some(r),
                on_fulfilled: Some(thunk),
                on_rejected: None,
            },
        );
        Ok(Resolution::Promise(derived))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Handlers are small scripts interpreted by `run_all`.
    #[derive(Clone, Debug, PartialEq)]
    enum H {
        /// Log `name` and the argument, return the argument.
        Log(&'static str),
        /// Log `name`, return a new promise already fulfilled with the value.
        ReturnResolved(&'static str, i32),
        /// Log `name`, throw the value.
        Throw(&'static str, i32),
        /// A thenable's `then`: resolves synchronously with the value.
        ThenResolves(i32),
    }

    type Table = PromiseTable<H, i32>;
    type Queue = VecDeque<PromiseJob<H, i32>>;

    fn run_all(t: &mut Table, q: &mut Queue, log: &mut Vec<String>) {
        while let Some(job) = q.pop_front() {
            t.run_job(q, job, |t, q, call| match call {
                Call::Reaction {
                    handler: H::Log(name),
                    argument,
                    rejected,
                } => {
                    log.push(format!(
                        "{name}:{argument}{}",
                        if rejected { "!" } else { "" }
                    ));
                    Ok(Resolution::Value(argument))
                }
                Call::Reaction {
                    handler: H::ReturnResolved(name, v),
                    ..
                } => {
                    log.push(name.to_string());
                    Ok(Resolution::Promise(
                        t.promise_resolve(q, Resolution::Value(v)),
                    ))
                }
                Call::Reaction {
                    handler: H::Throw(name, v),
                    ..
                }
                | Call::Finally {
                    handler: H::Throw(name, v),
                } => {
                    log.push(name.to_string());
                    Err(v)
                }
                Call::Finally {
                    handler: H::Log(name),
                } => {
                    log.push(name.to_string());
                    Ok(Resolution::Value(0))
                }
                Call::Then {
                    then: H::ThenResolves(v),
                    resolvers,
                    ..
                } => {
                    log.push("then".into());
                    t.resolve(q, resolvers, Resolution::Value(v));
                    Ok(Resolution::Value(0))
                }
                other => panic!("unexpected call {other:?}"),
            });
        }
    }

    #[test]
    fn resolvers_act_once() {
        let mut t = Table::new(-1);
        let mut q = Queue::new();
        let (p, r) = t.create();
        assert!(t.resolve(&mut q, r, Resolution::Value(1)));
        assert!(!t.resolve(&mut q, r, Resolution::Value(2)));
        assert!(!t.reject(&mut q, r, 3));
        assert_eq!(t.state(p), Some(PromiseState::Fulfilled(&1)));
    }

    #[test]
    fn self_resolution_rejects_with_type_error() {
        let mut t = Table::new(-1);
        let mut q = Queue::new();
        let (p, r) = t.create();
        t.resolve(&mut q, r, Resolution::Promise(p));
        assert_eq!(t.state(p), Some(PromiseState::Rejected(&-1)));
        assert_eq!(t.take_unhandled_rejections(), vec![(p, -1)]);
    }

    #[test]
    fn returning_a_promise_costs_two_extra_turns() {
        let mut t = Table::new(-1);
        let mut q = Queue::new();
        let mut log = Vec::new();
        let a0 = t.promise_resolve(&mut q, Resolution::Value(0));
        let a1 = t.then(&mut q, a0, Some(H::ReturnResolved("a1", 7)), None);
        t.then(&mut q, a1, Some(H::Log("a2")), None);
        let mut b = t.promise_resolve(&mut q, Resolution::Value(0));
        for name in ["b1", "b2", "b3", "b4"] {
            b = t.then(&mut q, b, Some(H::Log(name)), None);
        }
        run_all(&mut t, &mut q, &mut log);
        assert_eq!(log, ["a1", "b1:0", "b2:0", "b3:0", "a2:7", "b4:0"]);
    }

    #[test]
    fn foreign_thenable_costs_one_extra_turn() {
        let mut t = Table::new(-1);
        let mut q = Queue::new();
        let mut log = Vec::new();
        let (p, r) = t.create();
        t.resolve(
            &mut q,
            r,
            Resolution::Thenable {
                object: 0,
                then: H::ThenResolves(5),
            },
        );
        t.then(&mut q, p, Some(H::Log("p")), None);
        let b0 = t.promise_resolve(&mut q, Resolution::Value(0));
        let b1 = t.then(&mut q, b0, Some(H::Log("b1")), None);
        t.then(&mut q, b1, Some(H::Log("b2")), None);
        run_all(&mut t, &mut q, &mut log);
        assert_eq!(log, ["then", "b1:0", "p:5", "b2:0"]);
    }

    #[test]
    fn rejection_passes_through_then_to_catch_and_finally() {
        let mut t = Table::new(-1);
        let mut q = Queue::new();
        let mut log = Vec::new();
        let p = t.promise_reject(&mut q, 9);
        let p = t.then(&mut q, p, Some(H::Log("never")), None);
        let p = t.catch(&mut q, p, H::Log("catch"));
        let p = t.finally(&mut q, p, H::Log("finally"));
        let p = t.then(&mut q, p, Some(H::Log("after")), None);
        run_all(&mut t, &mut q, &mut log);
        assert_eq!(log, ["catch:9!", "finally", "after:9"]);
        assert_eq!(t.state(p), Some(PromiseState::Fulfilled(&9)));
        assert!(t.take_unhandled_rejections().is_empty());
    }

    #[test]
    fn finally_that_throws_overrides_the_outcome() {
        let mut t = Table::new(-1);
        let mut q = Queue::new();
        let mut log = Vec::new();
        let p = t.promise_resolve(&mut q, Resolution::Value(1));
        let f = t.finally(&mut q, p, H::Throw("boom", 4));
        run_all(&mut t, &mut q, &mut log);
        assert_eq!(log, ["boom"]);
        assert_eq!(t.state(f), Some(PromiseState::Rejected(&4)));
        assert_eq!(t.take_unhandled_rejections(), vec![(f, 4)]);
    }

    #[test]
    fn unhandled_tracking_and_late_handling() {
        let mut t = Table::new(-1);
        let mut q = Queue::new();
        let mut log = Vec::new();
        let early = t.promise_reject(&mut q, 1);
        let late = t.promise_reject(&mut q, 2);
        t.catch(&mut q, early, H::Log("early"));
        run_all(&mut t, &mut q, &mut log);
        assert_eq!(t.take_unhandled_rejections(), vec![(late, 2)]);
        assert!(t.take_unhandled_rejections().is_empty(), "reported once");
        t.catch(&mut q, late, H::Log("late"));
        run_all(&mut t, &mut q, &mut log);
        assert_eq!(log, ["early:1!", "late:2!"]);
        assert_eq!(t.take_rejections_handled(), vec![late]);
        assert!(!t.has_rejections_to_report());
    }

    #[test]
    fn roots_and_events_expose_what_the_table_holds() {
        let mut t = Table::new(-1);
        let mut q = Queue::new();
        t.set_event_recording(true);
        let (p, r) = t.create();
        t.then(&mut q, p, Some(H::Log("f")), Some(H::Log("r")));
        t.finally(&mut q, p, H::Log("fin"));
        assert_eq!(t.pending().collect::<Vec<_>>().first(), Some(&p));
        let mut handlers = Vec::new();
        t.for_each_reaction_root(p, |root| {
            if let Root::Handler(h) = root {
                handlers.push(h.clone());
            }
        });
        assert_eq!(
            handlers,
            [H::Log("f"), H::Log("r"), H::Log("fin"), H::Log("fin")]
        );
        t.resolve(&mut q, r, Resolution::Value(3));
        assert_eq!(
            t.take_events(),
            [PromiseEvent::Settled {
                promise: p,
                rejected: false
            }]
        );
        let mut held = 0;
        t.for_each_reaction_root(p, |_| held += 1);
        assert_eq!(held, 0, "a settled promise holds no reactions");
        let mut job_roots = Vec::new();
        for job in &q {
            job.for_each_root(|root| job_roots.push(format!("{root:?}")));
        }
        assert_eq!(
            job_roots,
            [
                "Handler(Log(\"f\"))",
                "Value(3)",
                "Handler(Log(\"fin\"))",
                "Value(3)"
            ]
        );
        let mut values = 0;
        t.for_each_root(|_, root| values += matches!(root, Root::Value(_)) as usize);
        assert_eq!(values, 1 + 1, "p's value and the type_error value");
        assert!(t.release(p));
        assert_eq!(t.state(p), None);
    }
}
