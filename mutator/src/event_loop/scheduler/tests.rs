//! The ordering guarantees of the [module docs](crate::event_loop), one scenario each.

use std::convert::Infallible;

use super::*;
use crate::event_loop::{RunError, Source, Task};

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
