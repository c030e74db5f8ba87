//! `healthy-churn`: a server whose per-request garbage dies young; a small, fixed-size
//! session table is the only long-lived state.

use super::{int_arg, ref_arg, respond, scaled, serve_probed, setup};
use crate::probe::Probe;
use crate::runtime::{tags, RtError, Runtime};
use crate::scenario::{Scenario, ScenarioError, ScenarioParams};
use gclab::{Handle, HeapConfig, Value};

/// Session slots kept by the server.
const SESSIONS: usize = 256;

/// `healthy-churn`.
#[derive(Debug)]
pub struct HealthyChurn;

fn on_request(rt: &mut Runtime, this: Handle, args: &[Value]) -> Result<Value, RtError> {
    let req = ref_arg(args, 0)?;
    let id = int_arg(args, 1);
    let _ = this;
    let res = respond(rt, req)?;
    let data = rt.buffer(128, 1)?;
    let session = rt.object(tags::SESSION, &[Value::Int(id), data.into()])?;
    let sessions = rt
        .global("sessions")
        .and_then(|v| v.as_ref())
        .expect("sessions");
    rt.array_set(sessions, id as usize % SESSIONS, session)?;
    Ok(res.into())
}

impl Scenario for HealthyChurn {
    fn name(&self) -> &'static str {
        "healthy-churn"
    }
    fn description(&self) -> &'static str {
        "request handling whose temporaries die young; a fixed-size session table"
    }
    fn javascript(&self) -> &'static str {
        "const sessions = new Array(256);\n\
         server.on('request', (req, res) => {\n\
         \x20 const parts = [...Array(6)].map((_, i) => ({ i, len: req.body.length }));\n\
         \x20 sessions[req.id % 256] = { id: req.id, data: Buffer.alloc(128) };\n\
         \x20 res.end(JSON.stringify(parts));\n\
         });"
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
            let sessions = rt.array_new(SESSIONS)?;
            for _ in 0..SESSIONS {
                rt.array_push(sessions, Value::Undefined)?;
            }
            rt.set_global("sessions", sessions)?;
            let handler = rt.closure("onRequest", on_request, None)?;
            rt.set_global("onRequest", handler)
        })?;
        serve_probed(
            &mut rt,
            probe,
            scaled(600_000, params.scale, 256),
            params.seed,
        )?;
        probe.finish(&mut rt.heap);
        Ok(())
    }
}
