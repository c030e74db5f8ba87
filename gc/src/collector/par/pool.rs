//! A persistent pool of collector threads: `helpers` threads parked on a condition variable,
//! woken for each parallel phase and parked again at its end, so a collection pays a wake-up
//! (a few microseconds), not a thread spawn per worker.
//!
//! [`Pool::run`] calls one job on every worker at once — the calling thread is worker 0, the
//! helpers are workers `1..=helpers` — and returns only when every call has returned.
//!
//! Invariants:
//! - the job a helper calls stays alive until the helper has returned from it: `run` erases
//!   the job's lifetime to hand it over, and does not return (nor unwind) before `busy` has
//!   dropped to zero, which each helper does only after its call returned;
//! - a panic in any worker is caught where the worker runs, the others finish their call, and
//!   `run` then re-raises the first panic on the calling thread (the collector's own
//!   "no half-done collection" rule applies from there: see `collector::run`). A job whose
//!   workers wait for each other must stop waiting when one of them panics (the parallel
//!   closure's abort flag does).

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

/// A job every worker runs, given its worker index.
pub(crate) type Job<'a> = dyn Fn(usize) + Sync + 'a;

/// The job of the current round, its lifetime erased (see the module invariant).
#[derive(Clone, Copy)]
struct JobRef(*const Job<'static>);

// SAFETY: the job is `Sync`, so calling it from several threads at once is sound, and `run`
// keeps it alive while any helper may call it (module invariant).
unsafe impl Send for JobRef {}

#[derive(Default)]
struct State {
    /// Incremented for each job, so a helper runs each job once.
    round: u64,
    job: Option<JobRef>,
    /// Helpers that have not yet returned from the current round's job.
    busy: usize,
    /// The first panic a helper raised in the current round.
    panic: Option<Box<dyn Any + Send>>,
    shutdown: bool,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    /// Signalled when a round starts or the pool shuts down.
    wake: Condvar,
    /// Signalled when the last helper finishes a round.
    done: Condvar,
}

fn lock(m: &Mutex<State>) -> MutexGuard<'_, State> {
    // The lock is never held across a job call, so a poisoned lock holds consistent state.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The collector's worker threads (see the module docs).
pub(crate) struct Pool {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("workers", &self.workers())
            .finish()
    }
}

impl Pool {
    /// A pool with up to `helpers` helper threads (fewer if the OS refuses to start some).
    pub fn new(helpers: usize) -> Pool {
        let shared = Arc::new(Shared::default());
        let threads = (1..=helpers)
            .map_while(|index| {
                let shared = Arc::clone(&shared);
                std::thread::Builder::new()
                    .name(format!("gclab-gc-{index}"))
                    .spawn(move || helper(&shared, index))
                    .ok()
            })
            .collect();
        Pool { shared, threads }
    }

    /// Workers a job runs on: the helpers and the calling thread.
    pub fn workers(&self) -> usize {
        self.threads.len() + 1
    }

    /// Runs `job(i)` for every worker `i` in `0..workers()` at once, the calling thread as
    /// worker 0; returns when all have returned, re-raising the first panic any raised.
    pub fn run(&self, job: &Job<'_>) {
        // SAFETY: only the lifetime is erased (same pointer, same vtable); `run` does not
        // return or unwind before every helper returned from the job (the wait below is not
        // skipped by a panic of worker 0, which is caught).
        let erased = unsafe { std::mem::transmute::<*const Job<'_>, *const Job<'static>>(job) };
        {
            let mut s = lock(&self.shared.state);
            s.job = Some(JobRef(erased));
            s.round += 1;
            s.busy = self.threads.len();
        }
        self.shared.wake.notify_all();
        let mine = panic::catch_unwind(AssertUnwindSafe(|| job(0)));
        let theirs = {
            let mut s = lock(&self.shared.state);
            while s.busy > 0 {
                s = self.shared.done.wait(s).unwrap_or_else(|e| e.into_inner());
            }
            s.job = None;
            s.panic.take()
        };
        if let Err(p) = mine {
            panic::resume_unwind(p);
        }
        if let Some(p) = theirs {
            panic::resume_unwind(p);
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        lock(&self.shared.state).shutdown = true;
        self.shared.wake.notify_all();
        for t in self.threads.drain(..) {
            // A helper never unwinds (its job's panics are caught), so there is nothing to
            // report from a join.
            let _ = t.join();
        }
    }
}

/// A helper thread's loop: wait for a round, run its job, report, repeat.
fn helper(shared: &Shared, index: usize) {
    let mut seen = 0;
    loop {
        let job = {
            let mut s = lock(&shared.state);
            loop {
                if s.shutdown {
                    return;
                }
                if s.round != seen {
                    seen = s.round;
                    break s.job.expect("a round has a job");
                }
                s = shared.wake.wait(s).unwrap_or_else(|e| e.into_inner());
            }
        };
        // SAFETY: `run` keeps the job alive until `busy` reaches zero, which this helper
        // contributes to only after the call returned (module invariant).
        let result = panic::catch_unwind(AssertUnwindSafe(|| unsafe { (*job.0)(index) }));
        let mut s = lock(&shared.state);
        if let Err(p) = result {
            s.panic.get_or_insert(p);
        }
        s.busy -= 1;
        if s.busy == 0 {
            shared.done.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn every_worker_runs_each_job_once() {
        let pool = Pool::new(3);
        assert_eq!(pool.workers(), 4);
        for round in 1..=3 {
            let hits: Vec<AtomicUsize> = (0..4).map(|_| AtomicUsize::new(0)).collect();
            pool.run(&|i| {
                hits[i].fetch_add(1, Ordering::Relaxed);
            });
            let hits: Vec<usize> = hits.iter().map(|h| h.load(Ordering::Relaxed)).collect();
            assert_eq!(hits, [1, 1, 1, 1], "round {round}");
        }
    }

    #[test]
    fn a_helper_panic_reaches_the_caller_after_all_workers_returned() {
        let pool = Pool::new(2);
        let finished = AtomicUsize::new(0);
        let r = panic::catch_unwind(AssertUnwindSafe(|| {
            pool.run(&|i| {
                if i == 1 {
                    panic!("worker one fails");
                }
                finished.fetch_add(1, Ordering::Relaxed);
            })
        }));
        let payload = r.expect_err("the panic is re-raised");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"worker one fails"));
        assert_eq!(finished.load(Ordering::Relaxed), 2, "the others finished");
        // The pool stays usable.
        let ran = AtomicUsize::new(0);
        pool.run(&|_| {
            ran.fetch_add(1, Ordering::Relaxed);
        });
        assert_eq!(ran.load(Ordering::Relaxed), 3);
    }
}
