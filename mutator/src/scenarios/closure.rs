//! `closure-leak` / `closure-fixed`: a monitoring interval whose callback closes over an
//! array it appends a sample to on every tick.
//!
//! In `closure-leak` the interval is started once and never cleared: the `Timer` root keeps
//! the closure, its environment and the ever-growing `bigData` array alive, so live memory
//! grows with the work (`interval timer #1 → Closure tick .env → Env .bigData → Array`). In
//! `closure-fixed` each reporting window ends with `clearInterval`, releasing the closure and
//! everything it captured, and a new monitor starts with a fresh array.

use super::{ref_arg, respond, scaled, serve, serve_probed, setup, Pacer};
use crate::event_loop::TimerId;
use crate::probe::Probe;
use crate::runtime::{RtError, Runtime};
use crate::scenario::{Scenario, ScenarioError, ScenarioParams};
use gclab::{Handle, HeapConfig, Value};

/// Ticks per reporting window in `closure-fixed`.
const WINDOW_TICKS: i32 = 50;

/// `closure-leak` (`fixed: false`) and `closure-fixed` (`fixed: true`).
#[derive(Debug)]
pub struct ClosureScenario {
    /// Clear the interval at the end of each window.
    pub fixed: bool,
}

/// Bytes of each sample.
const SAMPLE: usize = 256;

const ENV: &[&str] = &["bigData", "ticks"];

fn tick(rt: &mut Runtime, this: Handle, _: &[Value]) -> Result<Value, RtError> {
    let env = rt.env_of(this)?.expect("tick captured an environment");
    let big = rt.heap.get(env, 0)?.as_ref().expect("bigData");
    let sample = rt.buffer(SAMPLE, 0x5a)?;
    rt.array_push(big, sample)?;
    let ticks = match rt.heap.get(env, 1)? {
        Value::Int(t) => t + 1,
        _ => 1,
    };
    rt.heap.set(env, 1, Value::Int(ticks))?;
    Ok(Value::Undefined)
}

/// `function monitor() { const bigData = []; return setInterval(function tick() {…}, 10) }`
fn monitor(rt: &mut Runtime) -> Result<TimerId, RtError> {
    let frame = rt.heap.push_frame("monitor");
    let r = (|| {
        let big = rt.array_new(16)?;
        let env = rt.new_env(ENV, &[big.into(), Value::Int(0)])?;
        let cb = rt.closure("tick", tick, Some(env))?;
        rt.set_interval(cb, 10)
    })();
    rt.heap.pop_frame(frame)?;
    r
}

fn on_request(rt: &mut Runtime, _this: Handle, args: &[Value]) -> Result<Value, RtError> {
    let req = ref_arg(args, 0)?;
    Ok(respond(rt, req)?.into())
}

impl Scenario for ClosureScenario {
    fn name(&self) -> &'static str {
        if self.fixed {
            "closure-fixed"
        } else {
            "closure-leak"
        }
    }
    fn description(&self) -> &'static str {
        if self.fixed {
            "the monitoring interval is cleared after each window; its closure and samples die"
        } else {
            "an interval callback closes over an array it grows on every tick and is never cleared"
        }
    }
    fn javascript(&self) -> &'static str {
        if self.fixed {
            "function monitor() {\n\
             \x20 const bigData = [];\n\
             \x20 const timer = setInterval(function tick() { bigData.push(Buffer.alloc(256)); }, 10);\n\
             \x20 return () => clearInterval(timer);\n\
             }\n\
             let stop = monitor();\n\
             setInterval(() => { stop(); stop = monitor(); }, 500);  // flush each window"
        } else {
            "function monitor() {\n\
             \x20 const bigData = [];\n\
             \x20 setInterval(function tick() { bigData.push(Buffer.alloc(256)); }, 10);\n\
             }\n\
             monitor();  // never cleared"
        }
    }
    fn leaks(&self) -> bool {
        !self.fixed
    }
    fn run(
        &self,
        config: HeapConfig,
        params: &ScenarioParams,
        probe: &mut Probe,
    ) -> Result<(), ScenarioError> {
        let mut rt = Runtime::new(config)?;
        let timer = setup(&mut rt, |rt| {
            let handler = rt.closure("onRequest", on_request, None)?;
            rt.set_global("onRequest", handler)?;
            monitor(rt)
        })?;
        let total = scaled(600_000, params.scale, 256);
        if !self.fixed {
            serve_probed(&mut rt, probe, total, params.seed)?;
        } else {
            // Same requests; every reporting window ends with clearInterval and a new monitor.
            let mut timer = timer;
            let mut pacer = Pacer::new(total);
            let window = WINDOW_TICKS as u64 * 10;
            let mut next_window = window;
            serve(&mut rt, total, params.seed, |rt, done| {
                if done >= next_window {
                    rt.clear_interval(timer);
                    timer = monitor(rt)?;
                    next_window += window;
                }
                pacer.step(done, &mut rt.heap, probe);
                Ok(())
            })?;
        }
        probe.finish(&mut rt.heap);
        Ok(())
    }
}
