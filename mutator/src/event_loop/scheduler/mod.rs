//! [`EventLoop`]: the queues and the phase machine that runs them.
//!
//! The loop is a resumable state machine: `phase` records where the current
//! iteration is, and `drain_pending` records that a drain is owed. Every exit
//! from [`EventLoop::run`] (finished, deadline, dispatcher error, starvation)
//! leaves both consistent, so the next call continues exactly where the last
//! one stopped. The ordering rules are in the [module docs](super).

use std::collections::{BTreeMap, HashMap, VecDeque};

use super::timers::TimerQueue;
use super::{ImmediateId, IoId, LoopConfig, LoopStats, Source, TimerId};

mod run;
#[cfg(test)]
mod tests;

/// Where the current loop iteration is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Between iterations: check whether the loop is still alive.
    Start,
    /// Running due timers.
    Timers,
    /// About to poll: advance the clock if nothing is runnable.
    PollEnter,
    /// Running I/O completions with id below `boundary`.
    Poll { boundary: u64 },
    /// Running immediates with id below `boundary`.
    Check { boundary: u64 },
    /// Running close callbacks with sequence number below `boundary`.
    Close { boundary: u64 },
}

/// A deterministic, virtual-time model of Node's event loop over payloads `T`.
///
/// `T: Clone` because an interval hands a clone of its payload to each firing.
/// See the [module docs](super) for the ordering it guarantees.
#[derive(Debug)]
pub struct EventLoop<T> {
    config: LoopConfig,
    now: u64,
    ticks: VecDeque<T>,
    microtasks: VecDeque<T>,
    timers: TimerQueue<T>,
    immediates: BTreeMap<u64, T>,
    next_immediate: u64,
    io: BTreeMap<(u64, u64), T>,
    io_due: HashMap<u64, u64>,
    next_io: u64,
    closes: BTreeMap<u64, T>,
    next_close: u64,
    phase: Phase,
    drain_pending: bool,
    drain_end_requested: bool,
    /// Timers `unref()`ed: they do not keep the loop alive.
    unrefed: std::collections::HashSet<TimerId>,
    stats: LoopStats,
}

impl<T: Clone> Default for EventLoop<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Clone> EventLoop<T> {
    /// An empty loop at virtual time 0 with the default [`LoopConfig`].
    pub fn new() -> Self {
        Self::with_config(LoopConfig::default())
    }

    /// An empty loop at virtual time 0.
    pub fn with_config(config: LoopConfig) -> Self {
        Self {
            config,
            now: 0,
            ticks: VecDeque::new(),
            microtasks: VecDeque::new(),
            timers: TimerQueue::new(),
            immediates: BTreeMap::new(),
            next_immediate: 1,
            io: BTreeMap::new(),
            io_due: HashMap::new(),
            next_io: 1,
            closes: BTreeMap::new(),
            next_close: 0,
            phase: Phase::Start,
            drain_pending: true,
            drain_end_requested: false,
            unrefed: std::collections::HashSet::new(),
            stats: LoopStats::default(),
        }
    }

    /// The configuration in use.
    pub fn config(&self) -> LoopConfig {
        self.config
    }

    /// Changes the drain budget for later drains.
    pub fn set_drain_budget(&mut self, budget: u64) {
        self.config.drain_budget = budget;
    }

    /// Current virtual time in ms.
    pub fn now(&self) -> u64 {
        self.now
    }

    /// Counters since creation.
    pub fn stats(&self) -> LoopStats {
        LoopStats {
            now: self.now,
            ..self.stats
        }
    }

    /// Whether any macrotask source (timer, I/O completion, immediate, close
    /// callback) is left, i.e. whether [`run`](Self::run) would keep going.
    pub fn is_alive(&self) -> bool {
        let unrefed = self
            .unrefed
            .iter()
            .filter(|id| self.timers.due_of(**id).is_some())
            .count();
        self.timers.len() > unrefed
            || !self.io.is_empty()
            || !self.immediates.is_empty()
            || !self.closes.is_empty()
    }

    /// Ticks plus microtasks waiting to run.
    pub fn pending_jobs(&self) -> usize {
        self.ticks.len() + self.microtasks.len()
    }

    /// Timers armed or firing.
    pub fn timer_count(&self) -> usize {
        self.timers.len()
    }

    /// Due time of `id` if it is armed (not fired, not cleared, not firing).
    pub fn timer_due(&self, id: TimerId) -> Option<u64> {
        self.timers.due_of(id)
    }

    /// `process.nextTick(payload)`.
    pub fn next_tick(&mut self, payload: T) {
        self.ticks.push_back(payload);
        self.drain_pending = true;
    }

    /// `queueMicrotask(payload)`; also the queue promise jobs go to.
    pub fn queue_microtask(&mut self, payload: T) {
        self.microtasks.push_back(payload);
        self.drain_pending = true;
    }

    /// `setTimeout(payload, delay_ms)`: due at `now + delay`, where a delay
    /// outside `1..=TIMEOUT_MAX` is 1 ms (see [`super::timers`]).
    pub fn set_timeout(&mut self, delay_ms: u64, payload: T) -> TimerId {
        self.timers.insert(self.now, delay_ms, payload, false)
    }

    /// `setInterval(payload, period_ms)`: like [`set_timeout`](Self::set_timeout),
    /// re-armed at `now + period` after each firing until cleared.
    pub fn set_interval(&mut self, period_ms: u64, payload: T) -> TimerId {
        self.timers.insert(self.now, period_ms, payload, true)
    }

    /// `clearTimeout(id)`: cancels a timeout or interval and returns the
    /// payload the loop dropped, or `None` if the loop no longer holds one
    /// (unknown id, already cleared, or a timeout that already fired or is
    /// firing now). Clearing an interval from its own callback returns the
    /// payload the loop kept and stops the re-arm.
    pub fn clear_timeout(&mut self, id: TimerId) -> Option<T> {
        self.unrefed.remove(&id);
        self.timers.remove(id)
    }

    /// `timeout.ref()` (`true`) or `timeout.unref()` (`false`): an unreferenced timer still
    /// fires, but does not by itself keep the loop alive (Node's `hasRef`).
    pub fn set_timer_ref(&mut self, id: TimerId, referenced: bool) {
        if referenced {
            self.unrefed.remove(&id);
        } else {
            self.unrefed.insert(id);
        }
    }

    /// Whether `id` keeps the loop alive (`timeout.hasRef()`).
    pub fn timer_has_ref(&self, id: TimerId) -> bool {
        !self.unrefed.contains(&id)
    }

    /// `clearInterval(id)`; the same as [`clear_timeout`](Self::clear_timeout),
    /// as in Node.
    pub fn clear_interval(&mut self, id: TimerId) -> Option<T> {
        self.timers.remove(id)
    }

    /// `setImmediate(payload)`: runs in a check phase, after immediates
    /// created before it; if created during a check phase, in the next one.
    pub fn set_immediate(&mut self, payload: T) -> ImmediateId {
        let id = self.next_immediate;
        self.next_immediate += 1;
        self.immediates.insert(id, payload);
        ImmediateId(id)
    }

    /// `clearImmediate(id)`: returns the dropped payload, or `None` if it
    /// already ran or was cleared.
    pub fn clear_immediate(&mut self, id: ImmediateId) -> Option<T> {
        self.immediates.remove(&id.0)
    }

    /// Schedules a simulated I/O completion `delay_ms` from now (0 allowed);
    /// its callback runs in the first poll phase that starts at or after that
    /// time. Completions due at the same time run in scheduling order.
    pub fn schedule_io(&mut self, delay_ms: u64, payload: T) -> IoId {
        let id = self.next_io;
        self.next_io += 1;
        let due = self.now.saturating_add(delay_ms);
        self.io.insert((due, id), payload);
        self.io_due.insert(id, due);
        IoId(id)
    }

    /// Cancels a pending I/O completion, returning its payload.
    pub fn cancel_io(&mut self, id: IoId) -> Option<T> {
        let due = self.io_due.remove(&id.0)?;
        self.io.remove(&(due, id.0))
    }

    /// Queues a close callback (a handle's `'close'`), run in the close phase.
    pub fn queue_close(&mut self, payload: T) {
        self.closes.insert(self.next_close, payload);
        self.next_close += 1;
    }

    /// Asks for one more [`Task::DrainEnd`](super::Task::DrainEnd) before the current drain ends,
    /// even if no job was queued. Call it from the `DrainEnd` handler after
    /// emitting events, as Node's `processPromiseRejections` returning `true`
    /// makes `processTicksAndRejections` go round again (so a rejection made
    /// by an `unhandledRejection` listener is reported in the same drain).
    pub fn schedule_drain_end(&mut self) {
        self.drain_end_requested = true;
        self.drain_pending = true;
    }

    /// Drops every queued tick and microtask and returns their payloads
    /// (`(ticks, microtasks)`, each in queue order). Use it to abandon a
    /// starving drain; the next [`run`](Self::run) continues with macrotasks.
    pub fn discard_jobs(&mut self) -> (Vec<T>, Vec<T>) {
        (
            self.ticks.drain(..).collect(),
            self.microtasks.drain(..).collect(),
        )
    }

    /// Every payload the loop holds, with where it waits: ticks and
    /// microtasks in queue order, then timers, immediates, I/O completions and
    /// close callbacks, each in the order they would run.
    pub fn payloads(&self) -> impl Iterator<Item = (Source, &T)> + '_ {
        let ticks = self.ticks.iter().map(|t| (Source::Tick, t));
        let micro = self.microtasks.iter().map(|t| (Source::Microtask, t));
        let timers = self.timers.payloads().map(|(id, t)| (Source::Timer(id), t));
        let imm = self
            .immediates
            .iter()
            .map(|(&id, t)| (Source::Immediate(ImmediateId(id)), t));
        let io = self
            .io
            .iter()
            .map(|(&(_, id), t)| (Source::Io(IoId(id)), t));
        let closes = self.closes.values().map(|t| (Source::Close, t));
        ticks
            .chain(micro)
            .chain(timers)
            .chain(imm)
            .chain(io)
            .chain(closes)
    }
}
