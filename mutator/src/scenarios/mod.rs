//! The scenario suite: workloads written against the [runtime model](crate::runtime), each
//! standing for a few lines of JavaScript, most of them in leaking / fixed pairs.
//!
//! Every scenario is deterministic for a seed, scales its work with
//! [`ScenarioParams::scale`](crate::scenario::ScenarioParams), calls
//! [`Probe::checkpoint`] at 15 evenly spaced points of its work and [`Probe::finish`] at
//! the end with its runtime's roots alive, and returns the heap's `OutOfMemory` as an
//! error instead of panicking.
//!
//! | scenario | models | verdict |
//! |---|---|---|
//! | `healthy-churn` | request handling whose temporaries die young | healthy |
//! | `closure-leak` / `closure-fixed` | an uncleared `setInterval` closing over a growing array | leak / healthy |
//! | `listener-leak` / `listener-cleanup` | a listener per request on a long-lived emitter | leak / healthy |
//! | `unbounded-cache` / `lru-cache` | memoising every response in a `Map` | leak / healthy |
//! | `accidental-global` | an undeclared variable that accumulates | leak |
//! | `promise-chain` / `promise-pending` | promise chains that settle / reactions on a promise that never settles | healthy / leak |
//! | `stack-overflow` | unbounded recursion caught as `RangeError` | healthy |
//! | `binary-trees`, `gcbench` | the classic allocation benchmarks | healthy |

mod benchmarks;
mod cache;
mod churn;
mod closure;
mod global;
mod listener;
mod promise;
mod stack;

use crate::probe::Probe;
use crate::runtime::{tags, RtError, Runtime};
use crate::scenario::{Scenario, ScenarioError};
use gclab::{Handle, Heap, Value};

/// Every scenario, in the order `run all` uses.
pub fn all() -> Vec<Box<dyn Scenario>> {
    vec![
        Box::new(churn::HealthyChurn),
        Box::new(closure::ClosureScenario { fixed: false }),
        Box::new(closure::ClosureScenario { fixed: true }),
        Box::new(listener::ListenerScenario { cleanup: false }),
        Box::new(listener::ListenerScenario { cleanup: true }),
        Box::new(cache::CacheScenario { lru: false }),
        Box::new(cache::CacheScenario { lru: true }),
        Box::new(global::AccidentalGlobal),
        Box::new(promise::PromiseScenario { pending: false }),
        Box::new(promise::PromiseScenario { pending: true }),
        Box::new(stack::StackOverflow),
        Box::new(benchmarks::BinaryTrees),
        Box::new(benchmarks::GcBench),
    ]
}

/// The scenario called `name`, if any.
pub fn find(name: &str) -> Option<Box<dyn Scenario>> {
    all().into_iter().find(|s| s.name() == name)
}

/// Number of checkpoints a scenario takes before [`Probe::finish`] (which takes the last).
pub const CHECKPOINTS: u64 = 16;

/// Calls [`Probe::checkpoint`] each time the work done crosses another 1/16 of the total.
#[derive(Debug)]
pub(crate) struct Pacer {
    total: u64,
    next: u64,
}

impl Pacer {
    pub(crate) fn new(total: u64) -> Pacer {
        Pacer {
            total: total.max(1),
            next: 1,
        }
    }

    /// Records progress (`done` units of work out of the total).
    pub(crate) fn step(&mut self, done: u64, heap: &mut Heap, probe: &mut Probe) {
        while self.next < CHECKPOINTS && done * CHECKPOINTS >= self.next * self.total {
            probe.checkpoint(heap, self.next as f64 / CHECKPOINTS as f64);
            self.next += 1;
        }
    }
}

/// Runs a scenario's set-up code (`const server = …` at top level) in a frame that is
/// popped afterwards, so what it allocates is held only by the globals and roots it
/// registered, not by leftover locals.
pub(crate) fn setup<T>(
    rt: &mut Runtime,
    f: impl FnOnce(&mut Runtime) -> Result<T, RtError>,
) -> Result<T, RtError> {
    let frame = rt.heap.push_frame("main");
    let r = f(rt);
    rt.heap.pop_frame(frame)?;
    r
}

/// `n × scale`, at least `min`.
pub(crate) fn scaled(n: u64, scale: f64, min: u64) -> u64 {
    ((n as f64 * scale).round() as u64).max(min)
}

/// SplitMix64: the scenarios' deterministic pseudo-random numbers.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..hi`.
    pub(crate) fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo).max(1)
    }
}

/// [`serve`] with a checkpoint every 1/16 of the requests.
pub(crate) fn serve_probed(
    rt: &mut Runtime,
    probe: &mut Probe,
    n: u64,
    seed: u64,
) -> Result<(), ScenarioError> {
    let mut pacer = Pacer::new(n);
    serve(rt, n, seed, |rt, done| {
        pacer.step(done, &mut rt.heap, probe);
        Ok(())
    })
}

/// The request loop shared by the server scenarios: `n` requests arrive as simulated I/O
/// completions 1 ms apart, in batches, each calling the global `onRequest(req)` with a
/// fresh `Request` (url string, body buffer, headers object). The event loop runs between
/// batches, so timers interleave with requests. After each batch `after_batch` gets the
/// number of requests done (scenarios take checkpoints there).
pub(crate) fn serve(
    rt: &mut Runtime,
    n: u64,
    seed: u64,
    mut after_batch: impl FnMut(&mut Runtime, u64) -> Result<(), ScenarioError>,
) -> Result<(), ScenarioError> {
    const BATCH: u64 = 64;
    let mut rng = Rng::new(seed);
    let mut done = 0;
    while done < n {
        let b = BATCH.min(n - done);
        let frame = rt.heap.push_frame("server.accept");
        let r = (|| -> Result<(), RtError> {
            for j in 0..b {
                let size = rng.range(256, 1024) as i32;
                let env = rt.new_env(
                    &["id", "size"],
                    &[Value::Int((done + j) as i32), Value::Int(size)],
                )?;
                let cb = rt.closure("incoming", incoming, Some(env))?;
                rt.schedule_io(cb, j + 1)?;
            }
            Ok(())
        })();
        rt.heap.pop_frame(frame)?;
        r?;
        let until = rt.event_loop.now() + b;
        rt.run_loop(Some(until))?;
        done += b;
        after_batch(rt, done)?;
    }
    Ok(())
}

/// The I/O completion of one request: builds the `Request` and calls `onRequest`.
fn incoming(rt: &mut Runtime, this: Handle, _: &[Value]) -> Result<Value, RtError> {
    let id = match rt.env_get(this, 0)? {
        Value::Int(i) => i,
        _ => 0,
    };
    let size = match rt.env_get(this, 1)? {
        Value::Int(s) => s as usize,
        _ => 256,
    };
    let url = rt.string(&format!("/api/items/{id}?page={}", id % 10))?;
    let body = rt.buffer(size, (id & 0xff) as u8)?;
    let headers = rt.object(
        tags::OBJECT,
        &[
            Value::Int(id),
            Value::Int(200),
            Value::Bool(true),
            Value::Null,
        ],
    )?;
    let req = rt.object(
        tags::REQUEST,
        &[url.into(), body.into(), headers.into(), Value::Int(id)],
    )?;
    let handler = rt
        .global("onRequest")
        .and_then(|v| v.as_ref())
        .ok_or_else(|| RtError::Thrown("ReferenceError: onRequest is not defined".into()))?;
    rt.invoke(handler, &[req.into(), Value::Int(id)])
}

/// The work every request handler does whatever else it does: a response with a rendered
/// body and a few short-lived temporaries (they die young).
pub(crate) fn respond(rt: &mut Runtime, req: Handle) -> Result<Handle, RtError> {
    let body = rt.heap.get(req, 1)?;
    let len = match body {
        Value::Ref(b) => rt.heap.bytes(b)?.len(),
        _ => 0,
    };
    let parts = rt.array_new(4)?;
    for i in 0..6 {
        let o = rt.object(tags::OBJECT, &[Value::Int(i), Value::Int(len as i32)])?;
        rt.array_push(parts, o)?;
    }
    let json = rt.buffer(len / 2 + 64, b'{')?;
    rt.object(tags::RESPONSE, &[Value::Int(200), json.into()])
}

/// Reads an `Int` argument (0 when absent).
pub(crate) fn int_arg(args: &[Value], i: usize) -> i32 {
    match args.get(i) {
        Some(Value::Int(n)) => *n,
        _ => 0,
    }
}

/// Reads a reference argument.
pub(crate) fn ref_arg(args: &[Value], i: usize) -> Result<Handle, RtError> {
    args.get(i)
        .and_then(|v| v.as_ref())
        .ok_or_else(|| RtError::Thrown(format!("TypeError: argument {i} is not an object")))
}
