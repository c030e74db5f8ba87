//! `stack-overflow`: unbounded recursion hits the call-depth limit, the `RangeError` is
//! caught, the stack unwinds (every frame's locals released) and the program goes on.

use super::{scaled, setup, Pacer};
use crate::probe::Probe;
use crate::runtime::{tags, RtError, Runtime};
use crate::scenario::{Scenario, ScenarioError, ScenarioParams};
use gclab::{HeapConfig, Value};

/// `stack-overflow`.
#[derive(Debug)]
pub struct StackOverflow;

/// `function walk(node) { const next = { depth: node.depth + 1, parent: node }; return walk(next); }`
/// called until it throws. Each level is a real call frame with a local; the recursion is
/// a loop on the Rust side so the host stack stays small.
fn recurse_until_overflow(rt: &mut Runtime) -> Result<usize, RtError> {
    let mut frames = Vec::new();
    let result = loop {
        match rt.enter("walk") {
            Ok(f) => frames.push(f),
            Err(e) => break e,
        }
        let depth = frames.len() as i32;
        if let Err(e) = rt.object(tags::OBJECT, &[Value::Int(depth), Value::Null]) {
            break e;
        }
    };
    let reached = frames.len();
    // The throw unwinds every frame, innermost first.
    while let Some(f) = frames.pop() {
        rt.leave(f)?;
    }
    match result {
        RtError::StackOverflow { .. } => Ok(reached),
        other => Err(other),
    }
}

impl Scenario for StackOverflow {
    fn name(&self) -> &'static str {
        "stack-overflow"
    }
    fn description(&self) -> &'static str {
        "unbounded recursion hits the stack limit; the RangeError is caught and the run goes on"
    }
    fn javascript(&self) -> &'static str {
        "function walk(node) { return walk({ depth: node.depth + 1, parent: node }); }\n\
         for (const job of jobs) {\n\
         \x20 try { walk({ depth: 0 }); }\n\
         \x20 catch (e) { if (!(e instanceof RangeError)) throw e; errors.push(e.message); }\n\
         }"
    }
    fn leaks(&self) -> bool {
        false
    }
    fn run(
        &self,
        config: HeapConfig,
        params: &ScenarioParams,
        probe: &mut Probe,
    ) -> Result<(), ScenarioError> {
        let mut rt = Runtime::new(config)?;
        setup(&mut rt, |rt| {
            let errors = rt.array_new(16)?;
            rt.set_global("errors", errors)
        })?;
        let jobs = scaled(2_000, params.scale, 16);
        let mut pacer = Pacer::new(jobs);
        for j in 0..jobs {
            let frame = rt.heap.push_frame("job");
            let r = (|| -> Result<(), RtError> {
                let depth = recurse_until_overflow(&mut rt)?;
                if rt.depth() != 0 {
                    return Err(RtError::Thrown(format!(
                        "stack not unwound: depth {}",
                        rt.depth()
                    )));
                }
                // Keep the last few error messages only.
                let msg = rt.string(&format!("RangeError at depth {depth}"))?;
                let errors = rt
                    .global("errors")
                    .and_then(|v| v.as_ref())
                    .expect("errors");
                if rt.array_len(errors)? >= 16 {
                    rt.array_clear(errors)?;
                }
                rt.array_push(errors, msg)?;
                Ok(())
            })();
            rt.heap.pop_frame(frame)?;
            r?;
            pacer.step(j + 1, &mut rt.heap, probe);
        }
        probe.finish(&mut rt.heap);
        Ok(())
    }
}
