//! The phase machine of [`EventLoop`]: [`run`](EventLoop::run) and
//! [`run_until`](EventLoop::run_until) walk libuv's phases (timers → poll → check → close)
//! and drain ticks and microtasks after every callback.
//!
//! Invariant: every return — finished, deadline, dispatcher error, starvation — leaves `phase`
//! and `drain_pending` naming exactly the work still owed, so the next call resumes there.

use super::{EventLoop, Phase};
use crate::event_loop::{ImmediateId, IoId, LoopStats, RunError, Task};

impl<T: Clone> EventLoop<T> {
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
    /// again resumes where it stopped (see the [module docs](crate::event_loop)).
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
