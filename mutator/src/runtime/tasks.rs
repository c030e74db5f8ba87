//! Timers, immediates, simulated I/O, `process.nextTick`, `queueMicrotask`, and running
//! the event loop.
//!
//! Every callback handed to the [`EventLoop`](crate::event_loop::EventLoop) is a closure
//! in the heap, kept alive by a persistent root for exactly as long as Node keeps it:
//!
//! - `setTimeout(cb)`: a `Timer` root labelled `timeout #N`, released when it fires or is
//!   cleared;
//! - `setInterval(cb)`: a `Timer` root labelled `interval timer #N`, released only by
//!   `clearInterval` (an interval nobody clears keeps its closure, and everything the
//!   closure's environment reaches, forever);
//! - `setImmediate(cb)` and I/O completions: `PendingCallback` roots (`immediate #N`,
//!   `I/O callback #N`), released when they run or are cancelled;
//! - `queueMicrotask(cb)` and `process.nextTick(cb)`: `PendingCallback` roots (`microtask`,
//!   `nextTick`), released when they run.
//!
//! The loop's payloads are [`Job`]s: a key into the runtime's table of rooted callbacks, or
//! a promise job.

use super::{RtError, Runtime};
use crate::event_loop::promise::PromiseJob;
use crate::event_loop::{ImmediateId, IoId, RunError, Task, TimerId};
use gclab::{Handle, RootKind, Value};

/// A payload of the runtime's event loop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Job {
    /// A callback closure rooted in the runtime's callback table under this key.
    Callback(u64),
    /// A promise job (its handlers and values are rooted by the promise roots).
    Promise(PromiseJob<u64, super::PValue>),
}

impl From<PromiseJob<u64, super::PValue>> for Job {
    fn from(j: PromiseJob<u64, super::PValue>) -> Self {
        Job::Promise(j)
    }
}

impl Runtime {
    fn root_callback(&mut self, kind: RootKind, label: &str, cb: Handle) -> Result<u64, RtError> {
        let p = self.heap.root(kind, label, cb)?;
        let k = self.key();
        self.callbacks.insert(k, p);
        Ok(k)
    }

    fn release_job(&mut self, job: Option<Job>) {
        if let Some(Job::Callback(k)) = job {
            if let Some(p) = self.callbacks.remove(&k) {
                self.heap.release(p).expect("a root of this heap");
            }
        }
    }

    /// `setTimeout(cb, delay)`.
    ///
    /// # Errors
    /// Heap errors.
    pub fn set_timeout(&mut self, cb: Handle, delay_ms: u64) -> Result<TimerId, RtError> {
        self.timer_serial += 1;
        let label = format!("timeout #{}", self.timer_serial);
        let k = self.root_callback(RootKind::Timer, &label, cb)?;
        let id = self.event_loop.set_timeout(delay_ms, Job::Callback(k));
        self.timers.insert(id, k);
        Ok(id)
    }

    /// `setInterval(cb, period)`.
    ///
    /// # Errors
    /// Heap errors.
    pub fn set_interval(&mut self, cb: Handle, period_ms: u64) -> Result<TimerId, RtError> {
        self.timer_serial += 1;
        let label = format!("interval timer #{}", self.timer_serial);
        let k = self.root_callback(RootKind::Timer, &label, cb)?;
        let id = self.event_loop.set_interval(period_ms, Job::Callback(k));
        self.timers.insert(id, k);
        Ok(id)
    }

    /// `clearTimeout(id)`: the callback is released if it had not fired.
    pub fn clear_timeout(&mut self, id: TimerId) {
        self.timers.remove(&id);
        let job = self.event_loop.clear_timeout(id);
        self.release_job(job);
    }

    /// `clearInterval(id)`: the callback is released (also from inside its own call).
    pub fn clear_interval(&mut self, id: TimerId) {
        self.timers.remove(&id);
        let job = self.event_loop.clear_interval(id);
        self.release_job(job);
    }

    /// `setImmediate(cb)`.
    ///
    /// # Errors
    /// Heap errors.
    pub fn set_immediate(&mut self, cb: Handle) -> Result<ImmediateId, RtError> {
        let label = format!("immediate #{}", self.next_key);
        let k = self.root_callback(RootKind::PendingCallback, &label, cb)?;
        Ok(self.event_loop.set_immediate(Job::Callback(k)))
    }

    /// `clearImmediate(id)`.
    pub fn clear_immediate(&mut self, id: ImmediateId) {
        let job = self.event_loop.clear_immediate(id);
        self.release_job(job);
    }

    /// A simulated I/O request whose completion callback runs `delay_ms` later in the poll
    /// phase (`fs.readFile(path, cb)`, a socket read…).
    ///
    /// # Errors
    /// Heap errors.
    pub fn schedule_io(&mut self, cb: Handle, delay_ms: u64) -> Result<IoId, RtError> {
        let label = format!("I/O callback #{}", self.next_key);
        let k = self.root_callback(RootKind::PendingCallback, &label, cb)?;
        Ok(self.event_loop.schedule_io(delay_ms, Job::Callback(k)))
    }

    /// Cancels a simulated I/O request (its callback is released).
    pub fn cancel_io(&mut self, id: IoId) {
        let job = self.event_loop.cancel_io(id);
        self.release_job(job);
    }

    /// `queueMicrotask(cb)`.
    ///
    /// # Errors
    /// Heap errors.
    pub fn queue_microtask(&mut self, cb: Handle) -> Result<(), RtError> {
        let k = self.root_callback(RootKind::PendingCallback, "microtask", cb)?;
        self.event_loop.queue_microtask(Job::Callback(k));
        Ok(())
    }

    /// `process.nextTick(cb)`.
    ///
    /// # Errors
    /// Heap errors.
    pub fn next_tick(&mut self, cb: Handle) -> Result<(), RtError> {
        let k = self.root_callback(RootKind::PendingCallback, "nextTick", cb)?;
        self.event_loop.next_tick(Job::Callback(k));
        Ok(())
    }

    /// Number of callbacks the event loop holds roots for.
    pub fn pending_callbacks(&self) -> usize {
        self.callbacks.len()
    }

    /// Runs the event loop until nothing is left, or until virtual time `deadline` (ms)
    /// would be passed (an uncleared interval keeps the loop alive forever).
    ///
    /// An exception thrown by a callback is recorded in [`Runtime::uncaught`] and the loop
    /// goes on; a heap error (out of memory) stops it.
    ///
    /// # Errors
    /// `Heap` errors; `Thrown` for microtask starvation.
    pub fn run_loop(&mut self, deadline: Option<u64>) -> Result<(), RtError> {
        let mut lp = std::mem::take(&mut self.event_loop);
        let dispatch = |lp: &mut crate::event_loop::EventLoop<Job>,
                        rt: &mut Runtime,
                        task: Task<Job>|
         -> Result<(), RtError> {
            // Give the runtime the running loop so callbacks can schedule work on it.
            std::mem::swap(lp, &mut rt.event_loop);
            let r = rt.dispatch(task);
            std::mem::swap(lp, &mut rt.event_loop);
            r
        };
        let r = match deadline {
            Some(d) => lp.run_until(d, self, dispatch),
            None => lp.run(self, dispatch),
        };
        self.event_loop = lp;
        match r {
            Ok(_) => Ok(()),
            Err(RunError::Dispatch(e)) => Err(e),
            Err(e @ RunError::Starvation { .. }) => Err(RtError::Thrown(e.to_string())),
        }
    }

    /// Runs one callback the loop dispatched, in its own frame (what the callback
    /// returns does not outlive it).
    fn dispatch(&mut self, task: Task<Job>) -> Result<(), RtError> {
        let frame = self.heap.push_frame("event loop");
        let r = self.dispatch_in(task);
        self.heap.pop_frame(frame)?;
        r
    }

    fn dispatch_in(&mut self, task: Task<Job>) -> Result<(), RtError> {
        match task {
            Task::Timer {
                id,
                payload: Job::Callback(k),
                repeating,
            } => {
                let r = self.run_callback(k);
                if !repeating {
                    self.timers.remove(&id);
                    self.release_job(Some(Job::Callback(k)));
                }
                r
            }
            Task::Tick(Job::Callback(k))
            | Task::Microtask(Job::Callback(k))
            | Task::Immediate {
                payload: Job::Callback(k),
                ..
            }
            | Task::Io {
                payload: Job::Callback(k),
                ..
            }
            | Task::Close(Job::Callback(k)) => {
                let r = self.run_callback(k);
                self.release_job(Some(Job::Callback(k)));
                r
            }
            Task::Microtask(Job::Promise(job)) | Task::Tick(Job::Promise(job)) => {
                self.run_promise_job(job)
            }
            Task::DrainEnd => self.on_drain_end(),
            _ => Ok(()),
        }
    }

    fn run_callback(&mut self, k: u64) -> Result<(), RtError> {
        let Some(p) = self.callbacks.get(&k) else {
            return Ok(());
        };
        let cb: Handle = p.into();
        self.catching(|rt| rt.invoke(cb, &[]).map(|_| ()))
    }

    /// Runs `f`; an exception becomes an entry of [`Runtime::uncaught`], a heap error is
    /// passed on.
    pub(crate) fn catching(
        &mut self,
        f: impl FnOnce(&mut Runtime) -> Result<(), RtError>,
    ) -> Result<(), RtError> {
        match f(self) {
            Err(RtError::Heap(e)) => Err(RtError::Heap(e)),
            Err(e) => {
                self.uncaught.push(e.to_string());
                Ok(())
            }
            Ok(()) => Ok(()),
        }
    }

    /// A convenience for callbacks that ignore their arguments: `cb()` with `undefined`.
    ///
    /// # Errors
    /// As [`invoke`](Self::invoke).
    pub fn invoke0(&mut self, cb: Handle) -> Result<Value, RtError> {
        self.invoke(cb, &[])
    }
}
