//! Conformance of the event-loop and promise model with Node 20.
//!
//! Each `tests/node_order/NAME.js` program prints lines with `console.log`;
//! `NAME.expected` holds what Node 20 printed. Each test here re-expresses the
//! program against [`EventLoop`] and [`PromiseTable`] through a tiny runtime
//! (closures as payloads) and asserts that the model prints exactly the
//! expected lines. It also runs `node NAME.js` and compares with the same file,
//! so drift on either side is caught. Without `node` on `PATH` the tests fail,
//! unless `GCLAB_NO_NODE=1` is set.

use std::cell::{Cell, RefCell};
use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::rc::Rc;

use gclab_mutator::event_loop::promise::{
    Call, Completion, PromiseId, PromiseJob, PromiseTable, Resolution, Resolvers,
};
use gclab_mutator::event_loop::{EventLoop, ImmediateId, LoopConfig, RunError, Task, TimerId};

// ---------------------------------------------------------------------------
// A tiny runtime: JS values, closures as payloads, a dispatcher.
// ---------------------------------------------------------------------------

/// The JS values the programs use.
#[derive(Clone, Debug, PartialEq)]
enum Val {
    Undefined,
    Str(String),
    /// `new Error(message)`.
    Error(String),
}

impl Val {
    /// `'' + v` for strings, `e.message` for errors.
    fn text(&self) -> String {
        match self {
            Val::Undefined => "undefined".into(),
            Val::Str(s) | Val::Error(s) => s.clone(),
        }
    }
}

fn s(text: &str) -> Val {
    Val::Str(text.into())
}

fn error(message: &str) -> Val {
    Val::Error(message.into())
}

type Done = Completion<Handler, Val>;

/// `return undefined`.
fn ok() -> Done {
    Ok(Resolution::Value(Val::Undefined))
}

type ValueFn = dyn Fn(&mut Cx<'_>, Val) -> Done;
type FinallyFn = dyn Fn(&mut Cx<'_>) -> Done;
type ThenFn = dyn Fn(&mut Cx<'_>, Resolvers) -> Done;
type CallbackFn = dyn Fn(&mut Cx<'_>);
type ListenerFn = dyn Fn(&mut Cx<'_>, Val);

/// Promise handlers (host payloads of the promise table).
#[derive(Clone)]
enum Handler {
    /// `then`/`catch` handler.
    OnValue(Rc<ValueFn>),
    /// `finally` callback.
    OnFinally(Rc<FinallyFn>),
    /// A foreign thenable's `then(resolve, reject)`.
    Then(Rc<ThenFn>),
}

/// Loop payloads: a plain callback or a promise job.
#[derive(Clone)]
enum Job {
    Callback(Rc<CallbackFn>),
    Promise(PromiseJob<Handler, Val>),
}

impl From<PromiseJob<Handler, Val>> for Job {
    fn from(job: PromiseJob<Handler, Val>) -> Self {
        Job::Promise(job)
    }
}

type Loop = EventLoop<Job>;
type Promises = PromiseTable<Handler, Val>;

/// Everything but the promise table: output and `process.on` listeners.
#[derive(Default)]
struct Env {
    out: Vec<String>,
    on_unhandled: Option<Rc<ListenerFn>>,
    on_handled: Option<Rc<CallbackFn>>,
}

struct Host {
    promises: Promises,
    env: Env,
}

/// What running JS code can reach.
struct Cx<'a> {
    lp: &'a mut Loop,
    promises: &'a mut Promises,
    env: &'a mut Env,
}

/// Virtual latency of `fs.readFile`.
const READ_FILE_MS: u64 = 2;

fn callback(f: impl Fn(&mut Cx<'_>) + 'static) -> Job {
    Job::Callback(Rc::new(f))
}

/// A `then` handler that logs `msg` and returns undefined.
fn logs(msg: &'static str) -> impl Fn(&mut Cx<'_>, Val) -> Done + 'static {
    move |cx, _| {
        cx.log(msg);
        ok()
    }
}

impl Cx<'_> {
    fn log(&mut self, line: impl Into<String>) {
        self.env.out.push(line.into());
    }

    fn set_timeout(&mut self, ms: u64, f: impl Fn(&mut Cx<'_>) + 'static) -> TimerId {
        self.lp.set_timeout(ms, callback(f))
    }

    fn set_interval(&mut self, ms: u64, f: impl Fn(&mut Cx<'_>) + 'static) -> TimerId {
        self.lp.set_interval(ms, callback(f))
    }

    /// `clearTimeout`/`clearInterval`; true if the loop dropped a payload.
    fn clear_timer(&mut self, id: TimerId) -> bool {
        self.lp.clear_timeout(id).is_some()
    }

    fn set_immediate(&mut self, f: impl Fn(&mut Cx<'_>) + 'static) -> ImmediateId {
        self.lp.set_immediate(callback(f))
    }

    fn clear_immediate(&mut self, id: ImmediateId) -> bool {
        self.lp.clear_immediate(id).is_some()
    }

    fn next_tick(&mut self, f: impl Fn(&mut Cx<'_>) + 'static) {
        self.lp.next_tick(callback(f));
    }

    fn queue_microtask(&mut self, f: impl Fn(&mut Cx<'_>) + 'static) {
        self.lp.queue_microtask(callback(f));
    }

    /// `fs.readFile(__filename, f)` as a simulated I/O completion.
    fn read_file(&mut self, f: impl Fn(&mut Cx<'_>) + 'static) {
        self.lp.schedule_io(READ_FILE_MS, callback(f));
    }

    /// `Promise.resolve(v)`.
    fn resolved(&mut self, v: Val) -> PromiseId {
        self.promises.promise_resolve(self.lp, Resolution::Value(v))
    }

    /// `Promise.reject(v)`.
    fn rejected(&mut self, v: Val) -> PromiseId {
        self.promises.promise_reject(self.lp, v)
    }

    /// `new Promise(executor)`.
    fn new_promise(&mut self, executor: impl FnOnce(&mut Cx<'_>, Resolvers)) -> PromiseId {
        let (p, r) = self.promises.create();
        executor(self, r);
        p
    }

    fn resolve(&mut self, r: Resolvers, resolution: Resolution<Handler, Val>) {
        self.promises.resolve(self.lp, r, resolution);
    }

    fn then(&mut self, p: PromiseId, f: impl Fn(&mut Cx<'_>, Val) -> Done + 'static) -> PromiseId {
        let f = Handler::OnValue(Rc::new(f));
        self.promises.then(self.lp, p, Some(f), None)
    }

    fn then2(
        &mut self,
        p: PromiseId,
        f: impl Fn(&mut Cx<'_>, Val) -> Done + 'static,
        r: impl Fn(&mut Cx<'_>, Val) -> Done + 'static,
    ) -> PromiseId {
        let f = Handler::OnValue(Rc::new(f));
        let r = Handler::OnValue(Rc::new(r));
        self.promises.then(self.lp, p, Some(f), Some(r))
    }

    fn catch(&mut self, p: PromiseId, r: impl Fn(&mut Cx<'_>, Val) -> Done + 'static) -> PromiseId {
        let r = Handler::OnValue(Rc::new(r));
        self.promises.catch(self.lp, p, r)
    }

    fn finally(&mut self, p: PromiseId, f: impl Fn(&mut Cx<'_>) -> Done + 'static) -> PromiseId {
        let f = Handler::OnFinally(Rc::new(f));
        self.promises.finally(self.lp, p, f)
    }

    /// `process.on('unhandledRejection', f)`.
    fn on_unhandled_rejection(&mut self, f: impl Fn(&mut Cx<'_>, Val) + 'static) {
        self.env.on_unhandled = Some(Rc::new(f));
    }

    /// `process.on('rejectionHandled', f)`.
    fn on_rejection_handled(&mut self, f: impl Fn(&mut Cx<'_>) + 'static) {
        self.env.on_handled = Some(Rc::new(f));
    }
}

fn run_job(lp: &mut Loop, host: &mut Host, job: Job) {
    let Host { promises, env } = host;
    match job {
        Job::Callback(f) => f(&mut Cx { lp, promises, env }),
        Job::Promise(job) => promises.run_job(lp, job, |promises, lp, call| {
            let mut cx = Cx { lp, promises, env };
            match call {
                Call::Reaction {
                    handler: Handler::OnValue(f),
                    argument,
                    ..
                } => f(&mut cx, argument),
                Call::Finally {
                    handler: Handler::OnFinally(f),
                } => f(&mut cx),
                Call::Then {
                    then: Handler::Then(f),
                    resolvers,
                    ..
                } => f(&mut cx, resolvers),
                _ => panic!("handler kind does not fit the call"),
            }
        }),
    }
}

/// The dispatcher: run callbacks; at the end of each drain do what Node's
/// `processPromiseRejections` does.
fn dispatch(lp: &mut Loop, host: &mut Host, task: Task<Job>) -> Result<(), Infallible> {
    match task {
        Task::Tick(job)
        | Task::Microtask(job)
        | Task::Close(job)
        | Task::Timer { payload: job, .. }
        | Task::Immediate { payload: job, .. }
        | Task::Io { payload: job, .. } => run_job(lp, host, job),
        Task::DrainEnd => {
            let handled = host.promises.take_rejections_handled();
            let unhandled = host.promises.take_unhandled_rejections();
            if handled.is_empty() && unhandled.is_empty() {
                return Ok(());
            }
            let Host { promises, env } = host;
            for _ in handled {
                if let Some(f) = env.on_handled.clone() {
                    f(&mut Cx { lp, promises, env });
                }
            }
            for (_, reason) in unhandled {
                let f = env.on_unhandled.clone().unwrap_or_else(|| {
                    panic!("unhandled rejection without a listener: {reason:?}")
                });
                f(&mut Cx { lp, promises, env }, reason);
            }
            lp.schedule_drain_end();
        }
    }
    Ok(())
}

fn new_host() -> Host {
    Host {
        promises: Promises::new(error("Chaining cycle detected for promise")),
        env: Env::default(),
    }
}

/// Runs `script` as the main module, then the loop; returns the printed lines.
fn simulate(script: impl FnOnce(&mut Cx<'_>)) -> Vec<String> {
    let mut lp = Loop::new();
    let mut host = new_host();
    {
        let Host { promises, env } = &mut host;
        script(&mut Cx {
            lp: &mut lp,
            promises,
            env,
        });
    }
    lp.run(&mut host, dispatch).expect("the loop finishes");
    assert!(!lp.is_alive());
    assert_eq!(lp.pending_jobs(), 0);
    assert_eq!(host.promises.pending().count(), 0, "every promise settled");
    host.env.out
}

// ---------------------------------------------------------------------------
// Comparison with the recorded output and with node itself.
// ---------------------------------------------------------------------------

fn programs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/node_order")
}

fn expected(name: &str) -> String {
    let path = programs_dir().join(format!("{name}.expected"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn joined(lines: &[String]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// Output of `node NAME.js`, or `None` when node is absent and
/// `GCLAB_NO_NODE=1` allows that.
fn node_output(name: &str) -> Option<(String, String)> {
    let run = Command::new("node")
        .arg(format!("{name}.js"))
        .current_dir(programs_dir())
        .output();
    let output = match run {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if std::env::var("GCLAB_NO_NODE").as_deref() == Ok("1") {
                eprintln!("node not on PATH; GCLAB_NO_NODE=1, skipping the node run of {name}.js");
                return None;
            }
            panic!(
                "`node` is not on PATH: install Node 20 to check {name}.js against Node, \
                 or set GCLAB_NO_NODE=1 to compare with the recorded {name}.expected only"
            );
        }
        Err(e) => panic!("running node {name}.js: {e}"),
    };
    assert!(
        output.status.success(),
        "node {name}.js failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let version = Command::new("node")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    Some((
        String::from_utf8(output.stdout).expect("utf-8 output"),
        version,
    ))
}

/// Asserts the model printed exactly `NAME.expected`, and so does node.
fn check(name: &str, model: Vec<String>) {
    let expected = expected(name);
    assert_eq!(
        joined(&model),
        expected,
        "the model's output differs from {name}.expected"
    );
    if let Some((node, version)) = node_output(name) {
        assert_eq!(
            node, expected,
            "node {version} prints something else than {name}.expected (recorded with Node 20)"
        );
    }
}

// ---------------------------------------------------------------------------
// The programs, one test each (see the .js files for the JavaScript).
// ---------------------------------------------------------------------------

#[test]
fn basic_order() {
    check(
        "basic_order",
        simulate(|cx| {
            cx.log("start");
            cx.set_timeout(0, |cx| cx.log("timer"));
            let p = cx.resolved(Val::Undefined);
            cx.then(p, logs("promise"));
            cx.log("end");
        }),
    );
}

#[test]
fn puzzle_afcedb() {
    check(
        "puzzle_afcedb",
        simulate(|cx| {
            cx.read_file(|cx| {
                cx.log("A");
                cx.set_timeout(0, |cx| cx.log("B"));
                cx.next_tick(|cx| cx.log("C"));
                cx.set_immediate(|cx| cx.log("D"));
                let p = cx.resolved(Val::Undefined);
                cx.then(p, logs("E"));
                cx.log("F");
            });
        }),
    );
}

#[test]
fn tick_vs_promise() {
    check(
        "tick_vs_promise",
        simulate(|cx| {
            let p = cx.resolved(Val::Undefined);
            cx.then(p, |cx, _| {
                cx.log("p1");
                cx.next_tick(|cx| cx.log("tick from p1"));
                let q = cx.resolved(Val::Undefined);
                cx.then(q, logs("p1 inner"));
                ok()
            });
            let p = cx.resolved(Val::Undefined);
            cx.then(p, logs("p2"));
            cx.next_tick(|cx| {
                cx.log("t1");
                cx.next_tick(|cx| cx.log("t1 nested"));
                let q = cx.resolved(Val::Undefined);
                cx.then(q, logs("promise from t1"));
            });
            cx.next_tick(|cx| cx.log("t2"));
            cx.queue_microtask(|cx| cx.log("queueMicrotask"));
            cx.log("sync");
        }),
    );
}

#[test]
fn io_nested() {
    check(
        "io_nested",
        simulate(|cx| {
            cx.read_file(|cx| {
                cx.log("io 1");
                cx.set_timeout(0, |cx| {
                    cx.log("timeout 1");
                    cx.next_tick(|cx| cx.log("timeout 1 tick"));
                    cx.read_file(|cx| {
                        cx.log("io 2");
                        cx.set_timeout(0, |cx| cx.log("timeout 2"));
                        cx.set_immediate(|cx| cx.log("immediate 2"));
                        cx.next_tick(|cx| cx.log("io 2 tick"));
                        let p = cx.resolved(Val::Undefined);
                        cx.then(p, logs("io 2 promise"));
                    });
                });
                cx.set_immediate(|cx| {
                    cx.log("immediate 1");
                    let p = cx.resolved(Val::Undefined);
                    cx.then(p, logs("immediate 1 promise"));
                });
                cx.next_tick(|cx| cx.log("io 1 tick"));
            });
        }),
    );
}

#[test]
fn interval_cancel() {
    check(
        "interval_cancel",
        simulate(|cx| {
            let n = Rc::new(Cell::new(0));
            let iv: Rc<Cell<Option<TimerId>>> = Rc::new(Cell::new(None));
            let iv_in_callback = iv.clone();
            let id = cx.set_interval(100, move |cx| {
                n.set(n.get() + 1);
                let k = n.get();
                cx.log(format!("interval {k}"));
                let p = cx.resolved(Val::Undefined);
                cx.then(p, move |cx, _| {
                    cx.log(format!("interval {k} promise"));
                    ok()
                });
                if k == 3 {
                    let me = iv_in_callback.get().expect("interval id recorded");
                    assert!(
                        cx.clear_timer(me),
                        "the firing interval's payload is dropped"
                    );
                    cx.log("interval cleared");
                }
            });
            iv.set(Some(id));
            cx.set_timeout(250, |cx| cx.log("timeout at 250"));
            cx.set_timeout(500, |cx| cx.log("timeout at 500"));
        }),
    );
}

#[test]
fn clear_from_timer() {
    check(
        "clear_from_timer",
        simulate(|cx| {
            let victims: Rc<RefCell<Vec<TimerId>>> = Rc::default();
            let to_clear = victims.clone();
            cx.set_timeout(10, move |cx| {
                cx.log("a");
                for &id in to_clear.borrow().iter() {
                    assert!(cx.clear_timer(id), "each victim was still pending");
                }
                cx.log("a cleared b, later and iv");
            });
            let b = cx.set_timeout(10, |cx| cx.log("b (never)"));
            cx.set_timeout(10, |cx| cx.log("c"));
            let later = cx.set_timeout(40, |cx| cx.log("later (never)"));
            let iv = cx.set_interval(30, |cx| cx.log("iv (never)"));
            cx.set_timeout(60, |cx| cx.log("last"));
            victims.borrow_mut().extend([b, later, iv]);
        }),
    );
}

/// `let p = Promise.resolve(); for (i = 1..=n) p = p.then(() => log(name + i))`.
fn ladder(cx: &mut Cx<'_>, name: &'static str, n: u32) {
    let mut p = cx.resolved(Val::Undefined);
    for i in 1..=n {
        p = cx.then(p, move |cx, _| {
            cx.log(format!("{name}{i}"));
            ok()
        });
    }
}

#[test]
fn return_promise() {
    check(
        "return_promise",
        simulate(|cx| {
            let p = cx.resolved(Val::Undefined);
            let p = cx.then(p, |cx, _| {
                cx.log("a1");
                Ok(Resolution::Promise(cx.resolved(s("x"))))
            });
            cx.then(p, |cx, v| {
                cx.log(format!("a2 {}", v.text()));
                ok()
            });
            let p = cx.resolved(Val::Undefined);
            let p = cx.then(p, |cx, _| {
                cx.log("t1");
                let then = Handler::Then(Rc::new(|cx: &mut Cx<'_>, resolvers| {
                    cx.log("t then");
                    cx.resolve(resolvers, Resolution::Value(s("y")));
                    ok()
                }));
                Ok(Resolution::Thenable {
                    object: Val::Undefined,
                    then,
                })
            });
            cx.then(p, |cx, v| {
                cx.log(format!("t2 {}", v.text()));
                ok()
            });
            ladder(cx, "b", 6);
            let p = cx.new_promise(|cx, resolvers| {
                let z = cx.resolved(s("z"));
                cx.resolve(resolvers, Resolution::Promise(z));
            });
            cx.then(p, |cx, v| {
                cx.log(format!("executor {}", v.text()));
                ok()
            });
        }),
    );
}

#[test]
fn reject_chains() {
    check(
        "reject_chains",
        simulate(|cx| {
            ladder(cx, "step ", 8);
            let p = cx.rejected(error("boom"));
            let p = cx.then(p, logs("never"));
            let p = cx.catch(p, |cx, e| {
                cx.log(format!("caught {}", e.text()));
                Ok(Resolution::Value(s("recovered")))
            });
            let p = cx.finally(p, |cx| {
                cx.log("finally 1");
                ok()
            });
            cx.then(p, |cx, v| {
                cx.log(format!("after finally {}", v.text()));
                ok()
            });

            let p = cx.resolved(s("ok"));
            let p = cx.finally(p, |_| Err(error("from finally")));
            cx.then2(p, logs("never"), |cx, e| {
                cx.log(format!("rejected by {}", e.text()));
                ok()
            });

            let p = cx.rejected(error("kept"));
            let p = cx.finally(p, |cx| {
                cx.log("finally 2");
                ok()
            });
            cx.catch(p, |cx, e| {
                cx.log(format!("still {}", e.text()));
                ok()
            });
        }),
    );
}

#[test]
fn unhandled() {
    check(
        "unhandled",
        simulate(|cx| {
            cx.on_unhandled_rejection(|cx, reason| {
                cx.log(format!("unhandledRejection {}", reason.text()));
                cx.next_tick(|cx| cx.log("tick from unhandled handler"));
            });
            cx.on_rejection_handled(|cx| cx.log("rejectionHandled"));
            let late = cx.rejected(error("late"));
            let chained = cx.rejected(error("chained"));
            cx.then(chained, logs("never"));
            let soon = cx.rejected(error("soon"));
            let p = cx.resolved(Val::Undefined);
            // The arrow function returns the promise made by `catch`.
            cx.then(p, move |cx, _| {
                let caught = cx.catch(soon, |cx, e| {
                    cx.log(format!("caught {}", e.text()));
                    ok()
                });
                Ok(Resolution::Promise(caught))
            });
            let ticked = cx.rejected(error("ticked"));
            cx.next_tick(move |cx| {
                cx.catch(ticked, |cx, e| {
                    cx.log(format!("caught {}", e.text()));
                    ok()
                });
            });
            cx.set_timeout(10, move |cx| {
                cx.log("timer");
                cx.catch(late, |cx, e| {
                    cx.log(format!("caught {}", e.text()));
                    ok()
                });
            });
            cx.set_timeout(20, |cx| {
                cx.log("timer 2");
                cx.rejected(error("in timer"));
            });
            cx.log("main done");
        }),
    );
}

#[test]
fn timers_microtasks() {
    check(
        "timers_microtasks",
        simulate(|cx| {
            for n in 1..=2 {
                cx.set_timeout(0, move |cx| {
                    cx.log(format!("timeout {n}"));
                    let p = cx.resolved(Val::Undefined);
                    cx.then(p, move |cx, _| {
                        cx.log(format!("promise {n}"));
                        ok()
                    });
                    cx.next_tick(move |cx| cx.log(format!("tick {n}")));
                });
            }
        }),
    );
}

#[test]
fn immediates() {
    check(
        "immediates",
        simulate(|cx| {
            let i3: Rc<Cell<Option<ImmediateId>>> = Rc::new(Cell::new(None));
            let i3_in_callback = i3.clone();
            cx.set_immediate(move |cx| {
                cx.log("i1");
                cx.set_immediate(|cx| cx.log("i4 (next turn)"));
                cx.next_tick(|cx| cx.log("i1 tick"));
                let p = cx.resolved(Val::Undefined);
                cx.then(p, logs("i1 promise"));
                let id = i3_in_callback.get().expect("i3 created");
                assert!(cx.clear_immediate(id));
            });
            cx.set_immediate(|cx| cx.log("i2"));
            i3.set(Some(cx.set_immediate(|cx| cx.log("i3 (never)"))));
            cx.set_immediate(|cx| cx.log("i5"));
        }),
    );
}

/// Not a Node program (Node would hang): a promise handler that re-queues
/// itself forever is reported as starvation, and the loop carries on with its
/// timers once the leftover jobs are discarded.
#[test]
fn promise_recursion_starves_with_report() {
    fn spin(cx: &mut Cx<'_>, _: Val) -> Done {
        let p = cx.resolved(Val::Undefined);
        cx.then(p, spin);
        ok()
    }
    let mut lp = Loop::with_config(LoopConfig { drain_budget: 500 });
    let mut host = new_host();
    {
        let Host { promises, env } = &mut host;
        let mut cx = Cx {
            lp: &mut lp,
            promises,
            env,
        };
        cx.set_timeout(5, |cx| cx.log("timer still runs"));
        let p = cx.resolved(Val::Undefined);
        cx.then(p, spin);
    }
    let err = lp.run(&mut host, dispatch).unwrap_err();
    assert_eq!(
        err,
        RunError::Starvation {
            ran: 500,
            budget: 500
        }
    );
    assert_eq!(lp.pending_jobs(), 1, "the next reaction is still queued");
    let (_, dropped) = lp.discard_jobs();
    assert_eq!(dropped.len(), 1);
    lp.run(&mut host, dispatch)
        .expect("the loop is usable again");
    assert_eq!(host.env.out, ["timer still runs"]);
    assert_eq!(lp.stats().microtasks, 500);
}
