//! Work stealing and termination detection for the parallel phases ([`super::mark`],
//! [`super::scavenge`]): one crossbeam-deque LIFO `Worker` per worker, their `Stealer`s and a
//! shared `Injector` for the work the collecting thread finds first (roots, remembered set).
//!
//! **Termination.** `active` counts the workers that may still push work. A worker whose
//! deque, the injector and every other deque it tried are empty decrements it and waits
//! ([`Queues::wait`]), watching the queues; if it sees work it increments `active` again
//! *before* stealing. A worker goes idle only with an empty deque, and only active workers
//! push, so when `active` reads zero every queue is empty and stays so: the phase is complete.
//! A worker that panics raises `abort` instead ([`Queues::guard`]), which releases the waiting
//! ones; the pool re-raises the panic on the collecting thread.
//!
//! [`run_phase`] is the one worker loop both phases run: pop or steal, scan, wait for
//! termination, hand the worker's share to the collecting thread.

use super::Pool;
use crate::value::RawValue;
use crossbeam_deque::{Injector, Steal, Stealer, Worker};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

/// The queues of one parallel phase with `n` workers.
pub(crate) struct Queues<'q> {
    injector: &'q Injector<RawValue>,
    locals: Vec<Mutex<Option<Worker<RawValue>>>>,
    stealers: Vec<Stealer<RawValue>>,
    active: AtomicUsize,
    abort: AtomicBool,
}

impl<'q> Queues<'q> {
    pub fn new(injector: &'q Injector<RawValue>, n: usize) -> Self {
        let locals: Vec<Worker<RawValue>> = (0..n).map(|_| Worker::new_lifo()).collect();
        let stealers = locals.iter().map(Worker::stealer).collect();
        Queues {
            injector,
            locals: locals.into_iter().map(|w| Mutex::new(Some(w))).collect(),
            stealers,
            active: AtomicUsize::new(n),
            abort: AtomicBool::new(false),
        }
    }

    /// Worker `me`'s own deque (taken once, at the start of its job).
    pub fn local(&self, me: usize) -> Worker<RawValue> {
        self.locals[me]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .expect("each worker takes its deque once")
    }

    /// A guard that raises the abort flag if the worker unwinds while holding it.
    pub fn guard(&self) -> AbortOnPanic<'_> {
        AbortOnPanic(&self.abort)
    }

    /// The next grey object for worker `me`: its own first, else a batch stolen from the
    /// injector or another worker.
    pub fn find(&self, local: &Worker<RawValue>, me: usize) -> Option<RawValue> {
        if let Some(v) = local.pop() {
            return Some(v);
        }
        loop {
            let mut retry = false;
            let others = self.stealers.iter().enumerate().filter(|&(i, _)| i != me);
            let sources = std::iter::once(self.injector.steal_batch_and_pop(local))
                .chain(others.map(|(_, s)| s.steal_batch_and_pop(local)));
            for steal in sources {
                match steal {
                    Steal::Success(v) => return Some(v),
                    Steal::Retry => retry = true,
                    Steal::Empty => {}
                }
            }
            if !retry {
                return None;
            }
        }
    }

    /// Called by a worker that found nothing: waits until some queue shows work (returns
    /// `true`: look again) or the phase is complete or aborted (`false`: return).
    pub fn wait(&self) -> bool {
        self.active.fetch_sub(1, Ordering::SeqCst);
        let mut spins = 0u32;
        loop {
            if self.abort.load(Ordering::SeqCst) || self.active.load(Ordering::SeqCst) == 0 {
                return false;
            }
            if !self.injector.is_empty() || self.stealers.iter().any(|s| !s.is_empty()) {
                self.active.fetch_add(1, Ordering::SeqCst);
                return true;
            }
            spins += 1;
            if spins < 64 {
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
    }
}

/// Raises the abort flag if dropped while its worker unwinds.
pub(crate) struct AbortOnPanic<'a>(&'a AtomicBool);

impl Drop for AbortOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.store(true, Ordering::SeqCst);
        }
    }
}

/// A worker's state in a parallel phase: its deque and how it scans a grey object.
pub(crate) trait Scan {
    /// The worker's own deque (the one [`Queues::local`] gave it).
    fn deque(&self) -> &Worker<RawValue>;

    /// Scans grey object `v`, pushing what it greys onto [`deque`](Self::deque).
    ///
    /// # Safety
    /// `v` was queued once (by the thread that greyed it) and is scanned once, here: the
    /// phase's own rule for what it queues (see its module docs).
    unsafe fn scan(&mut self, v: RawValue);
}

/// Runs one parallel phase over the grey objects queued in `injector`: every worker of
/// `pool` builds its state from its deque (`start`), scans grey objects until the phase is
/// complete ([`Queues::wait`]), and turns its state into its share (`finish`). Returns the
/// shares, in no particular order.
pub(crate) fn run_phase<W: Scan, S: Send>(
    pool: &Pool,
    injector: &Injector<RawValue>,
    start: impl Fn(Worker<RawValue>) -> W + Sync,
    finish: impl Fn(W) -> S + Sync,
) -> Vec<S> {
    let queues = Queues::new(injector, pool.workers());
    let shares = Mutex::new(Vec::new());
    pool.run(&|me| {
        let _abort = queues.guard();
        let mut w = start(queues.local(me));
        loop {
            while let Some(v) = queues.find(w.deque(), me) {
                // SAFETY: every grey object is queued once and popped or stolen once, so it
                // is scanned once (the `Scan::scan` contract, kept by the phase's pushes).
                unsafe { w.scan(v) };
            }
            if !queues.wait() {
                break;
            }
        }
        let share = finish(w);
        shares
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(share);
    });
    shares.into_inner().unwrap_or_else(PoisonError::into_inner)
}
