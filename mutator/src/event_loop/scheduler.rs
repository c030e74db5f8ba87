//! [`EventLoop`]: the queues and the phase machine that runs them.
//!
//! The loop is a resumable state machine: `phase` records where the current
//! iteration is, and `drain_pending` records that a drain is owed. Every exit
//! from [`EventLoop::run`] (finished, deadline, dispatcher error, starvation)
//! leaves both consistent, so the next call continues exactly where the last
//! one stopped. The ordering rules are in the [module docs](super).

use std::collections::{BTreeMap, HashMap, VecDeque};

use super::timers::TimerQueue;
use super::{ImmediateId, IoId, LoopConfig, LoopStats, RunError, Source, Task, TimerId};

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

    /// Asks for one more [`Task::DrainEnd`] before the current drain ends,
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

    /// Runs the loop until no macrotask source is left (an uncleared interval
    /// keeps it alive forever; use [`run_until`](Self::run_until) then). It
    /// first drains the jobs the main script (or earlier host code) queued.
    ///
    /// `dispatch` runs each callback; it gets the loop back so it can schedule
    /// or cancel work. Returns the counters since creation.
    ///
    /// # Errors
    ///
    /// [`RunError::Dispatch`] when `dispatch` fails, [`RunError::Starvation`]
    /// when a drain exceeds the budget. The loop stays usable: calling `run`
    /// again resumes where it stopped (see the [module docs](super)).
    pub fn run<H, E, D>(&mut self, host: &mut H, dispatch: D) -> Result<LoopStats, RunError<E>>
    where
        D: FnMut(&mut Self, &mut H, Task<T>) -> Result<(), E>,
    {
        self.run_inner(None, host, dispatch)
    }

    /// Like [`run`](Self::run), but returns (with `Ok`) instead of moving
    /// the clock past `deadline` ms. Work due at or before the deadline runs;
    /// a later call resumes from the poll phase where this one stopped.
    ///
    /// # Errors
    ///
    /// As [`run`](Self::run).
    pub fn run_until<H, E, D>(
        &mut self,
        deadline: u64,
        host: &mut H,
        dispatch: D,
    ) -> Result<LoopStats, RunError<E>>
    where
        D: FnMut(&mut Self, &mut H, Task<T>) -> Result<(), E>,
    {
        self.run_inner(Some(deadline), host, dispatch)
    }

    fn run_inner<H, E, D>(
        &mut self,
        deadline: Option<u64>,
        host: &mut H,
        mut dispatch: D,
    ) -> Result<LoopStats, RunError<E>>
    where
        D: FnMut(&mut Self, &mut H, Task<T>) -> Result<(), E>,
    {
        self.drain(host, &mut dispatch)?;
        loop {
            match self.phase {
                Phase::Start => {
                    if !self.is_alive() {
                        return Ok(self.stats());
                    }
                    self.phase = Phase::Timers;
                }
                Phase::Timers => match self.timers.pop_due(self.now) {
                    Some(fired) => {
                        self.stats.timers += 1;
                        self.drain_pending = true;
                        let (id, repeating) = (fired.id, fired.repeating);
                        let task = Task::Timer {
                            id,
                            payload: fired.payload,
                            repeating,
                        };
                        let result = dispatch(self, host, task);
                        if repeating {
                            self.timers.rearm(id, self.now);
                        }
                        result.map_err(RunError::Dispatch)?;
                        self.drain(host, &mut dispatch)?;
                    }
                    None => self.phase = Phase::PollEnter,
                },
                Phase::PollEnter => {
                    // With nothing referenced left, libuv polls without blocking and the loop
                    // ends after this iteration: an unref'd timer does not move the clock.
                    if !self.runnable_without_blocking() && self.is_alive() {
                        let next = match (self.timers.next_due(), self.next_io_due()) {
                            (Some(a), Some(b)) => Some(a.min(b)),
                            (a, b) => a.or(b),
                        };
                        if let Some(next) = next.filter(|&t| t > self.now) {
                            if deadline.is_some_and(|d| next > d) {
                                return Ok(self.stats());
                            }
                            self.now = next;
                            self.stats.clock_advances += 1;
                        }
                    }
                    self.phase = Phase::Poll {
                        boundary: self.next_io,
                    };
                }
                Phase::Poll { boundary } => {
                    let now = self.now;
                    let key = self
                        .io
                        .keys()
                        .take_while(|&&(due, _)| due <= now)
                        .find(|&&(_, id)| id < boundary)
                        .copied();
                    match key {
                        Some(key) => {
                            let payload = self.io.remove(&key).expect("key just found");
                            self.io_due.remove(&key.1);
                            self.stats.io += 1;
                            self.drain_pending = true;
                            let task = Task::Io {
                                id: IoId(key.1),
                                payload,
                            };
                            dispatch(self, host, task).map_err(RunError::Dispatch)?;
                            self.drain(host, &mut dispatch)?;
                        }
                        None => {
                            self.phase = Phase::Check {
                                boundary: self.next_immediate,
                            }
                        }
                    }
                }
                Phase::Check { boundary } => match self.immediates.first_key_value() {
                    Some((&id, _)) if id < boundary => {
                        let payload = self.immediates.remove(&id).expect("key just found");
                        self.stats.immediates += 1;
                        self.drain_pending = true;
                        let task = Task::Immediate {
                            id: ImmediateId(id),
                            payload,
                        };
                        dispatch(self, host, task).map_err(RunError::Dispatch)?;
                        self.drain(host, &mut dispatch)?;
                    }
                    _ => {
                        self.phase = Phase::Close {
                            boundary: self.next_close,
                        }
                    }
                },
                Phase::Close { boundary } => match self.closes.first_key_value() {
                    Some((&seq, _)) if seq < boundary => {
                        let payload = self.closes.remove(&seq).expect("key just found");
                        self.stats.closes += 1;
                        self.drain_pending = true;
                        dispatch(self, host, Task::Close(payload)).map_err(RunError::Dispatch)?;
                        self.drain(host, &mut dispatch)?;
                    }
                    _ => {
                        self.stats.iterations += 1;
                        self.phase = Phase::Start;
                    }
                },
            }
        }
    }

    /// Whether the poll phase has something to do right now or must return
    /// at once (libuv polls with a zero timeout when immediates or closing
    /// handles are pending).
    fn runnable_without_blocking(&self) -> bool {
        !self.immediates.is_empty()
            || !self.closes.is_empty()
            || self.next_io_due().is_some_and(|due| due <= self.now)
            || self.timers.next_due().is_some_and(|due| due <= self.now)
    }

    fn next_io_due(&self) -> Option<u64> {
        self.io.keys().next().map(|&(due, _)| due)
    }

    /// `processTicksAndRejections`: ticks, then microtasks, until both are
    /// empty; then [`Task::DrainEnd`], going round again if it queued work.
    fn drain<H, E, D>(&mut self, host: &mut H, dispatch: &mut D) -> Result<(), RunError<E>>
    where
        D: FnMut(&mut Self, &mut H, Task<T>) -> Result<(), E>,
    {
        if !self.drain_pending {
            return Ok(());
        }
        let budget = self.config.drain_budget;
        let mut ran: u64 = 0;
        loop {
            loop {
                while !self.ticks.is_empty() {
                    if ran >= budget {
                        return Err(RunError::Starvation { ran, budget });
                    }
                    let payload = self.ticks.pop_front().expect("checked non-empty");
                    ran += 1;
                    self.stats.ticks += 1;
                    dispatch(self, host, Task::Tick(payload)).map_err(RunError::Dispatch)?;
                }
                while !self.microtasks.is_empty() {
                    if ran >= budget {
                        return Err(RunError::Starvation { ran, budget });
                    }
                    let payload = self.microtasks.pop_front().expect("checked non-empty");
                    ran += 1;
                    self.stats.microtasks += 1;
                    dispatch(self, host, Task::Microtask(payload)).map_err(RunError::Dispatch)?;
                }
                if self.ticks.is_empty() {
                    break;
                }
            }
            self.drain_end_requested = false;
            dispatch(self, host, Task::DrainEnd).map_err(RunError::Dispatch)?;
            if self.ticks.is_empty() && self.microtasks.is_empty() && !self.drain_end_requested {
                break;
            }
        }
        self.drain_pending = false;
        self.drain_end_requested = false;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use super::*;

    /// Payloads are labels; the dispatcher logs `label@time` and can react.
    type Log = Vec<String>;

    fn label(task: &Task<&'static str>) -> Option<&'static str> {
        match task {
            Task::Tick(l) | Task::Microtask(l) | Task::Close(l) => Some(l),
            Task::Timer { payload, .. }
            | Task::Immediate { payload, .. }
            | Task::Io { payload, .. } => Some(payload),
            Task::DrainEnd => None,
        }
    }

    fn run_logging(
        lp: &mut EventLoop<&'static str>,
        mut react: impl FnMut(&mut EventLoop<&'static str>, &'static str),
    ) -> Log {
        let mut log = Log::new();
        lp.run(&mut log, |lp, log, task| {
            if let Some(l) = label(&task) {
                log.push(format!("{l}@{}", lp.now()));
                react(lp, l);
            }
            Ok::<(), Infallible>(())
        })
        .unwrap();
        log
    }

    #[test]
    fn phases_and_drains_follow_node() {
        let mut lp = EventLoop::new();
        lp.set_timeout(0, "timeout");
        lp.set_immediate("immediate");
        lp.queue_microtask("micro");
        lp.next_tick("tick");
        let log = run_logging(&mut lp, |lp, l| match l {
            "micro" => lp.next_tick("tick-from-micro"),
            "timeout" => lp.queue_microtask("micro-from-timeout"),
            _ => {}
        });
        assert_eq!(
            log,
            [
                "tick@0",
                "micro@0",
                "tick-from-micro@0",
                "immediate@0",
                "timeout@1",
                "micro-from-timeout@1"
            ]
        );
        let stats = lp.stats();
        assert_eq!(
            (stats.ticks, stats.microtasks, stats.macrotasks()),
            (2, 2, 2)
        );
        assert_eq!(stats.now, 1);
        assert!(!lp.is_alive());
    }

    #[test]
    fn clock_only_advances_when_blocked() {
        let mut lp = EventLoop::new();
        lp.set_timeout(100, "t100");
        lp.schedule_io(30, "io30");
        let log = run_logging(&mut lp, |lp, l| {
            if l == "io30" {
                lp.set_immediate("imm");
                lp.set_timeout(5, "t35");
            }
        });
        assert_eq!(log, ["io30@30", "imm@30", "t35@35", "t100@100"]);
        assert_eq!(lp.stats().clock_advances, 3);
    }

    #[test]
    fn an_unrefed_last_timer_neither_fires_nor_moves_the_clock() {
        let mut lp = EventLoop::new();
        let late = lp.set_timeout(1000, "unrefed");
        lp.set_timer_ref(late, false);
        lp.set_timeout(10, "t10");
        let log = run_logging(&mut lp, |_, _| {});
        assert_eq!(log, ["t10@10"]);
        assert_eq!(lp.now(), 10, "the loop ends when the referenced work does");
        // Still armed, and it fires in time if something referenced keeps the loop waiting.
        lp.set_timeout(2000, "t2010");
        let log = run_logging(&mut lp, |_, _| {});
        assert_eq!(log, ["unrefed@1000", "t2010@2010"]);
    }

    #[test]
    fn timers_run_by_due_time_then_creation() {
        let mut lp = EventLoop::new();
        lp.set_timeout(20, "b20");
        lp.set_timeout(10, "a10");
        lp.set_timeout(20, "c20");
        let log = run_logging(&mut lp, |lp, l| {
            if l == "a10" {
                lp.set_timeout(10, "d20");
            }
        });
        assert_eq!(log, ["a10@10", "b20@20", "c20@20", "d20@20"]);
    }

    #[test]
    fn interval_rearms_and_clears_itself() {
        let mut lp = EventLoop::new();
        let mut fired = 0;
        let mut cleared = None;
        let mut ids = Vec::new();
        let iv = lp.set_interval(20, "iv");
        lp.run(&mut (), |lp, _, task| {
            if let Task::Timer { id, repeating, .. } = task {
                assert!(repeating);
                ids.push((id, lp.now()));
                fired += 1;
                if fired == 3 {
                    cleared = lp.clear_interval(id);
                }
            }
            Ok::<(), Infallible>(())
        })
        .unwrap();
        assert_eq!(ids, [(iv, 20), (iv, 40), (iv, 60)]);
        assert_eq!(
            cleared,
            Some("iv"),
            "clearing a firing interval returns its payload"
        );
        assert!(!lp.is_alive());
    }

    #[test]
    fn clear_from_another_callback_in_same_phase() {
        let mut lp = EventLoop::new();
        lp.set_timeout(10, "a");
        let b = lp.set_timeout(10, "b");
        lp.set_timeout(10, "c");
        let mut dropped = None;
        let log = run_logging(&mut lp, |lp, l| {
            if l == "a" {
                dropped = lp.clear_timeout(b);
            }
        });
        assert_eq!(log, ["a@10", "c@10"]);
        assert_eq!(dropped, Some("b"));
        assert_eq!(lp.clear_timeout(b), None, "second clear is a no-op");
    }

    #[test]
    fn immediates_created_in_check_run_next_iteration() {
        let mut lp = EventLoop::new();
        lp.set_immediate("i1");
        lp.set_immediate("i2");
        let i3 = lp.set_immediate("i3");
        let mut iterations = Vec::new();
        let mut log = Log::new();
        lp.run(&mut log, |lp, log, task| {
            if let Task::Immediate { payload, .. } = task {
                log.push(payload.to_string());
                iterations.push(lp.stats().iterations);
                if payload == "i1" {
                    lp.set_immediate("i4");
                    assert_eq!(lp.clear_immediate(i3), Some("i3"));
                }
            }
            Ok::<(), Infallible>(())
        })
        .unwrap();
        assert_eq!(log, ["i1", "i2", "i4"]);
        assert_eq!(iterations, [0, 0, 1]);
    }

    #[test]
    fn io_scheduled_during_poll_waits_for_next_poll() {
        let mut lp = EventLoop::new();
        lp.schedule_io(0, "io1");
        let cancelled = lp.schedule_io(0, "cancelled");
        assert_eq!(lp.cancel_io(cancelled), Some("cancelled"));
        let log = run_logging(&mut lp, |lp, l| {
            if l == "io1" {
                lp.schedule_io(0, "io2");
                lp.set_immediate("imm");
            }
        });
        assert_eq!(log, ["io1@0", "imm@0", "io2@0"]);
        assert_eq!(lp.stats().iterations, 2);
    }

    #[test]
    fn starvation_is_reported_and_loop_stays_usable() {
        let mut lp = EventLoop::with_config(LoopConfig { drain_budget: 100 });
        lp.set_timeout(5, "after");
        lp.queue_microtask("spin");
        let mut count = 0u64;
        let err = lp
            .run(&mut (), |lp, _, task| {
                if let Task::Microtask(_) = task {
                    count += 1;
                    lp.queue_microtask("spin");
                }
                Ok::<(), Infallible>(())
            })
            .unwrap_err();
        assert_eq!(
            err,
            RunError::Starvation {
                ran: 100,
                budget: 100
            }
        );
        assert_eq!(count, 100);
        assert!(err.to_string().contains("budget 100"));
        // The rest of the queue is still there, in order.
        assert_eq!(lp.pending_jobs(), 1);
        let (ticks, micro) = lp.discard_jobs();
        assert_eq!((ticks.len(), micro), (0, vec!["spin"]));
        // The loop continues with its macrotasks.
        let log = run_logging(&mut lp, |_, _| {});
        assert_eq!(log, ["after@5"]);
    }

    #[test]
    fn starvation_resume_continues_the_drain() {
        let mut lp = EventLoop::with_config(LoopConfig { drain_budget: 3 });
        for label in ["m1", "m2", "m3", "m4", "m5"] {
            lp.queue_microtask(label);
        }
        let mut log = Log::new();
        let go = |lp: &mut EventLoop<&'static str>, log: &mut Log| {
            lp.run(log, |_, log, task| {
                if let Some(l) = label(&task) {
                    log.push(l.to_string());
                }
                Ok::<(), Infallible>(())
            })
        };
        assert!(matches!(
            go(&mut lp, &mut log),
            Err(RunError::Starvation { ran: 3, .. })
        ));
        assert!(go(&mut lp, &mut log).is_ok());
        assert_eq!(log, ["m1", "m2", "m3", "m4", "m5"]);
    }

    #[test]
    fn dispatch_error_leaves_loop_resumable() {
        let mut lp = EventLoop::new();
        let iv = lp.set_interval(10, "iv");
        lp.set_timeout(10, "boom");
        let mut seen = Vec::new();
        let step = |lp: &mut EventLoop<&'static str>, seen: &mut Vec<String>| {
            lp.run(seen, |lp, seen, task| {
                let Some(l) = label(&task) else { return Ok(()) };
                seen.push(format!("{l}@{}", lp.now()));
                if l == "boom" {
                    lp.next_tick("after-boom");
                    return Err("boom");
                }
                if l == "iv" && lp.now() == 20 {
                    lp.clear_interval(iv);
                }
                Ok(())
            })
        };
        assert_eq!(step(&mut lp, &mut seen), Err(RunError::Dispatch("boom")));
        assert!(step(&mut lp, &mut seen).is_ok());
        assert_eq!(seen, ["iv@10", "boom@10", "after-boom@10", "iv@20"]);
    }

    #[test]
    fn run_until_stops_before_the_deadline_and_resumes() {
        let mut lp = EventLoop::new();
        lp.set_interval(10, "tick");
        let mut n = 0;
        let stats = lp
            .run_until(35, &mut (), |_, _, task| {
                if matches!(task, Task::Timer { .. }) {
                    n += 1;
                }
                Ok::<(), Infallible>(())
            })
            .unwrap();
        assert_eq!((n, stats.now), (3, 30));
        assert!(lp.is_alive());
        lp.run_until(50, &mut (), |_, _, _| Ok::<(), Infallible>(()))
            .unwrap();
        assert_eq!(lp.now(), 50);
        assert_eq!(lp.timer_due(TimerId(1)), Some(60));
    }

    #[test]
    fn drain_end_after_every_macrotask_and_on_request() {
        let mut lp = EventLoop::new();
        lp.set_timeout(1, "t1");
        lp.set_timeout(1, "t2");
        let mut ends = 0;
        let mut rounds = 0;
        lp.run(&mut (), |lp, _, task| {
            if task == Task::DrainEnd {
                ends += 1;
                if ends == 2 && rounds == 0 {
                    rounds += 1;
                    lp.schedule_drain_end();
                }
            }
            Ok::<(), Infallible>(())
        })
        .unwrap();
        // Main script, t1 (twice: requested once more), t2.
        assert_eq!(ends, 4);
    }

    #[test]
    fn payloads_enumerates_everything_held() {
        let mut lp = EventLoop::new();
        lp.next_tick("tick");
        lp.queue_microtask("micro");
        let t = lp.set_timeout(5, "timer");
        let i = lp.set_immediate("imm");
        let io = lp.schedule_io(3, "io");
        lp.queue_close("close");
        let all: Vec<_> = lp.payloads().map(|(s, p)| (s, *p)).collect();
        assert_eq!(
            all,
            [
                (Source::Tick, "tick"),
                (Source::Microtask, "micro"),
                (Source::Timer(t), "timer"),
                (Source::Immediate(i), "imm"),
                (Source::Io(io), "io"),
                (Source::Close, "close"),
            ]
        );
    }

    #[test]
    fn close_callbacks_run_after_check() {
        let mut lp = EventLoop::new();
        lp.queue_close("close");
        lp.set_immediate("imm");
        let log = run_logging(&mut lp, |lp, l| {
            if l == "close" {
                lp.queue_close("close2");
            }
        });
        assert_eq!(log, ["imm@0", "close@0", "close2@0"]);
        assert_eq!(lp.stats().iterations, 2);
    }
}
