//! A deterministic model of Node.js's event loop, independent of the heap.
//!
//! [`EventLoop<T>`] owns every queue; tasks are opaque payloads `T` (a runtime
//! uses small ids that map to rooted closures). [`EventLoop::run`] hands each
//! callback that becomes due to a dispatcher as a [`Task`]; the dispatcher may
//! schedule more work on the loop it is given. Promises live in the heap (see the
//! JavaScript front end's `Promise`) and queue their reaction jobs as microtasks here.
//!
//! # Ordering guarantees (Node 20 semantics)
//!
//! 1. **Drain after every callback.** After the main script (the work queued
//!    before the first [`EventLoop::run`]) and after *every single* macrotask —
//!    each timer, I/O completion, immediate and close callback — the loop
//!    drains the `process.nextTick` queue completely (ticks queued by ticks
//!    included), then the microtask queue completely (microtasks queued by
//!    microtasks included; ticks queued by microtasks wait until the microtask
//!    queue is empty), and repeats until both are empty. Then it delivers
//!    [`Task::DrainEnd`], where a host reports unhandled rejections; if that
//!    queued work, or the host called [`EventLoop::schedule_drain_end`], the
//!    drain goes round again. This is `processTicksAndRejections` in Node's
//!    `lib/internal/process/task_queues.js`, called after each callback since
//!    Node 11 (before, a whole timers or check phase ran first).
//! 2. **Phases** follow libuv's `uv_run`: timers → poll (I/O completions) →
//!    check (`setImmediate`) → close callbacks, then the next iteration. The
//!    pending-callbacks phase of libuv is folded into poll. The loop stops when
//!    no timer, I/O completion, immediate or close callback is left.
//! 3. **Timers** fire in order of due time, then arming order (see
//!    [`timers`] for the rules and the one tie Node orders differently). A
//!    delay of 0 is 1 ms, so a timer armed during the timers phase runs in a
//!    later iteration. Clearing a timer that has not fired yet, from any
//!    callback, prevents it; clearing an interval from its own callback stops
//!    it from being re-armed.
//! 4. **Poll** runs the I/O completions that are due when the phase starts;
//!    completions scheduled during the phase wait for the next poll phase.
//! 5. **Check** runs the immediates that exist when the phase starts, in
//!    creation order; an immediate scheduled during the check phase runs in
//!    the next iteration (Node swaps its immediate queue in `processImmediate`).
//! 6. **Close** runs close callbacks queued before the phase started.
//!
//! # Virtual time
//!
//! The clock is a `u64` of milliseconds starting at 0, and it only moves when
//! the loop would otherwise block: on entering the poll phase with no
//! immediate, close callback or due I/O completion, it jumps to the earliest
//! timer or I/O completion. Callbacks therefore take no time.
//!
//! Where Node's order depends on real time this model picks one order:
//!
//! - `setTimeout(f, 0)` versus `setImmediate(g)` scheduled from the main script
//!   (or from an immediate): Node runs either first, depending on whether 1 ms
//!   passed before the next timers phase. Here **`g` runs first**, as if the
//!   script took less than a millisecond. Inside an I/O callback Node's order
//!   is fixed (immediate first) and the model agrees.
//! - I/O completions have exact virtual completion times; real I/O races.
//!
//! # Starvation
//!
//! A microtask that keeps queueing microtasks (or a tick that keeps queueing
//! ticks) hangs Node. Here one drain runs at most
//! [`LoopConfig::drain_budget`] ticks plus microtasks; past that,
//! [`EventLoop::run`] returns [`RunError::Starvation`]. The remaining ticks and
//! microtasks stay queued in order, and the loop stays consistent: calling
//! `run` again resumes the drain with a fresh budget and then the interrupted
//! phase, while [`EventLoop::discard_jobs`] drops them (handing back their
//! payloads) so the next `run` continues with the macrotasks. A dispatcher
//! error ([`RunError::Dispatch`]) leaves the loop resumable the same way.
//!
//! # Payload lifetime
//!
//! A payload leaves the loop when it is dispatched (a timeout, immediate, I/O
//! completion, tick, microtask or close callback), when it is cleared (the
//! `clear_*`/`cancel_*` methods return it), or when [`EventLoop::discard_jobs`]
//! drops it. An interval keeps its payload, handing a clone to each firing,
//! until it is cleared. [`EventLoop::payloads`] enumerates everything held.

mod scheduler;
pub mod timers;

pub use scheduler::EventLoop;

use std::fmt;

/// Identifies a timer made by [`EventLoop::set_timeout`] or
/// [`EventLoop::set_interval`]. Ids are never reused by one loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimerId(u64);

/// Identifies an immediate made by [`EventLoop::set_immediate`]. Ids grow in
/// creation order and are never reused by one loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ImmediateId(u64);

/// Identifies a simulated I/O completion made by [`EventLoop::schedule_io`].
/// Ids grow in creation order and are never reused by one loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IoId(u64);

/// One callback handed to the dispatcher by [`EventLoop::run`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Task<T> {
    /// A `process.nextTick` callback.
    Tick(T),
    /// A microtask: a promise job or a `queueMicrotask` callback.
    Microtask(T),
    /// A timer callback. For an interval (`repeating`) the payload is a clone
    /// and the loop keeps the original until the interval is cleared.
    Timer {
        /// The timer that fired.
        id: TimerId,
        /// Its payload.
        payload: T,
        /// True for an interval.
        repeating: bool,
    },
    /// A `setImmediate` callback.
    Immediate {
        /// The immediate that fired.
        id: ImmediateId,
        /// Its payload.
        payload: T,
    },
    /// A simulated I/O completion (poll phase).
    Io {
        /// The completion that fired.
        id: IoId,
        /// Its payload.
        payload: T,
    },
    /// A close callback.
    Close(T),
    /// Both job queues are empty at the end of a drain: the point where Node
    /// runs `processPromiseRejections` (emits `rejectionHandled` and
    /// `unhandledRejection`). Hosts without promises can ignore it.
    DrainEnd,
}

/// Where a payload held by the loop is waiting (see [`EventLoop::payloads`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The `process.nextTick` queue.
    Tick,
    /// The microtask queue.
    Microtask,
    /// A timer (armed, or an interval whose callback is running).
    Timer(TimerId),
    /// The immediate queue.
    Immediate(ImmediateId),
    /// A scheduled I/O completion.
    Io(IoId),
    /// The close-callback queue.
    Close,
}

/// Tunables of an [`EventLoop`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoopConfig {
    /// Most ticks plus microtasks one drain may run before [`EventLoop::run`]
    /// reports [`RunError::Starvation`].
    pub drain_budget: u64,
}

impl Default for LoopConfig {
    /// A budget of one million jobs per drain.
    fn default() -> Self {
        Self {
            drain_budget: 1_000_000,
        }
    }
}

/// Counters since the loop was created (they are not reset by `run`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoopStats {
    /// `process.nextTick` callbacks run.
    pub ticks: u64,
    /// Microtasks run.
    pub microtasks: u64,
    /// Timer callbacks run (each interval firing counts).
    pub timers: u64,
    /// Immediates run.
    pub immediates: u64,
    /// I/O completions run.
    pub io: u64,
    /// Close callbacks run.
    pub closes: u64,
    /// Completed loop iterations (timers → poll → check → close).
    pub iterations: u64,
    /// Times the clock moved forward because the loop would have blocked.
    pub clock_advances: u64,
    /// Virtual time reached, in ms.
    pub now: u64,
}

impl LoopStats {
    /// Macrotasks run: timers, immediates, I/O completions and close callbacks.
    pub fn macrotasks(&self) -> u64 {
        self.timers + self.immediates + self.io + self.closes
    }
}

/// Why [`EventLoop::run`] stopped early. The loop stays usable after either.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunError<E> {
    /// The dispatcher returned an error; the callback counts as run.
    Dispatch(E),
    /// One drain ran `ran` ticks plus microtasks, reaching the `budget`, and
    /// more were still queued.
    Starvation {
        /// Jobs run in the drain that starved.
        ran: u64,
        /// The configured [`LoopConfig::drain_budget`].
        budget: u64,
    },
}

impl<E: fmt::Display> fmt::Display for RunError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Dispatch(e) => write!(f, "dispatcher failed: {e}"),
            RunError::Starvation { ran, budget } => write!(
                f,
                "microtask starvation: {ran} ticks and microtasks ran in one drain \
                 (budget {budget}) and the queues are still not empty"
            ),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for RunError<E> {}
