//! `promise-chain` / `promise-pending`.
//!
//! `promise-chain`: every request runs a chain of `then`s on a promise an I/O callback
//! settles (one in sixteen rejects and is caught; a few are never caught and show up as
//! unhandled rejections). Chains settle, their reactions run, and the runtime releases
//! their roots: healthy.
//!
//! `promise-pending`: requests wait on `dbReady`, a promise whose resolve function was
//! lost, so it never settles; every request adds a reaction closing over its payload, and
//! the pending promise holds them all (`promise #1 → Promise .reactions → Array`).

use super::{int_arg, ref_arg, respond, scaled, serve_probed, setup};
use crate::event_loop::promise::PromiseId;
use crate::probe::Probe;
use crate::runtime::{tags, RtError, Runtime};
use crate::scenario::{Scenario, ScenarioError, ScenarioParams};
use gclab::{Handle, HeapConfig, Value};

/// Steps of each request's `then` chain in `promise-chain`.
pub const CHAIN: usize = 8;

/// `promise-chain` (`pending: false`) and `promise-pending` (`pending: true`).
#[derive(Debug)]
pub struct PromiseScenario {
    /// Wait on a promise that never settles.
    pub pending: bool,
}

/// The I/O reply of `fetchUser`: resolves with a user object, or rejects.
fn db_reply(rt: &mut Runtime, this: Handle, _: &[Value]) -> Result<Value, RtError> {
    let key = match rt.env_get(this, 0)? {
        Value::Int(k) => k,
        _ => return Ok(Value::Undefined),
    };
    let id = match rt.env_get(this, 1)? {
        Value::Int(i) => i,
        _ => 0,
    };
    let Some(r) = rt.take_resolvers(key) else {
        return Ok(Value::Undefined);
    };
    if id % 16 == 5 {
        rt.promise_reject(r, &format!("Error: user {id} not found"));
    } else {
        let profile = rt.buffer(256, 7)?;
        let user = rt.object(tags::SESSION, &[Value::Int(id), profile.into()])?;
        rt.promise_resolve(r, user)?;
    }
    Ok(Value::Undefined)
}

/// `fetchUser(id)`: a promise settled by a simulated database reply 2 ms later.
fn fetch_user(rt: &mut Runtime, id: i32) -> Result<PromiseId, RtError> {
    let (p, r) = rt.promise_new();
    let key = rt.store_resolvers(r);
    let env = rt.new_env(&["resolve", "id"], &[Value::Int(key), Value::Int(id)])?;
    let cb = rt.closure("dbReply", db_reply, Some(env))?;
    rt.schedule_io(cb, 2)?;
    Ok(p)
}

/// A `then` step: wraps its input in a new object (a transformation).
fn step(rt: &mut Runtime, _this: Handle, args: &[Value]) -> Result<Value, RtError> {
    let v = args.first().copied().unwrap_or(Value::Undefined);
    let scratch = rt.buffer(64, 1)?;
    Ok(rt.object(tags::OBJECT, &[v, scratch.into()])?.into())
}

fn log_error(_rt: &mut Runtime, _this: Handle, _args: &[Value]) -> Result<Value, RtError> {
    Ok(Value::Int(500))
}

fn done(_rt: &mut Runtime, _this: Handle, _args: &[Value]) -> Result<Value, RtError> {
    Ok(Value::Undefined)
}

fn chain_handler(rt: &mut Runtime, _this: Handle, args: &[Value]) -> Result<Value, RtError> {
    let req = ref_arg(args, 0)?;
    let id = int_arg(args, 1);
    let mut p = fetch_user(rt, id)?;
    let s = rt.closure("step", step, None)?;
    for _ in 0..CHAIN {
        p = rt.promise_then(p, Some(s), None)?;
    }
    // One request in 1,000 forgets its catch: an unhandled rejection when it fails.
    if id % 1000 != 5 {
        let c = rt.closure("logError", log_error, None)?;
        p = rt.promise_catch(p, c)?;
        let f = rt.closure("done", done, None)?;
        rt.promise_finally(p, f)?;
    }
    Ok(respond(rt, req)?.into())
}

/// The reaction each request adds to the never-settling `dbReady`.
fn send_when_ready(rt: &mut Runtime, this: Handle, _: &[Value]) -> Result<Value, RtError> {
    rt.env_get(this, 0)
}

fn pending_handler(rt: &mut Runtime, _this: Handle, args: &[Value]) -> Result<Value, RtError> {
    let req = ref_arg(args, 0)?;
    let id = int_arg(args, 1);
    let ready = rt
        .promise_global("dbReady")
        .ok_or_else(|| RtError::Thrown("ReferenceError: dbReady is not defined".into()))?;
    let payload = rt.buffer(64, (id & 0xff) as u8)?;
    let env = rt.new_env(&["payload"], &[payload.into()])?;
    let cb = rt.closure("sendWhenReady", send_when_ready, Some(env))?;
    rt.promise_then(ready, Some(cb), None)?;
    Ok(respond(rt, req)?.into())
}

impl Scenario for PromiseScenario {
    fn name(&self) -> &'static str {
        if self.pending {
            "promise-pending"
        } else {
            "promise-chain"
        }
    }
    fn description(&self) -> &'static str {
        if self.pending {
            "every request adds a reaction to a promise that never settles"
        } else {
            "per-request promise chains that settle; their reactions are released"
        }
    }
    fn javascript(&self) -> &'static str {
        if self.pending {
            "const dbReady = new Promise(resolve => db.once('connect', () => {}));  // resolve lost\n\
             function handle(req) {\n\
             \x20 const payload = Buffer.alloc(64);\n\
             \x20 dbReady.then(function sendWhenReady() { return payload; });\n\
             \x20 return render(req);\n\
             }"
        } else {
            "function handle(req) {\n\
             \x20 let p = fetchUser(req.id);\n\
             \x20 for (let i = 0; i < 8; i++) p = p.then(step);\n\
             \x20 p.catch(logError).finally(done);\n\
             \x20 return render(req);\n\
             }"
        }
    }
    fn leaks(&self) -> bool {
        self.pending
    }
    fn run(
        &self,
        config: HeapConfig,
        params: &ScenarioParams,
        probe: &mut Probe,
    ) -> Result<(), ScenarioError> {
        let mut rt = Runtime::new(config)?;
        if self.pending {
            let (ready, _lost) = rt.promise_new();
            rt.set_promise_global("dbReady", ready);
            setup(&mut rt, |rt| {
                let h = rt.closure("handle", pending_handler, None)?;
                rt.set_global("onRequest", h)
            })?;
            serve_probed(
                &mut rt,
                probe,
                scaled(160_000, params.scale, 256),
                params.seed,
            )?;
        } else {
            setup(&mut rt, |rt| {
                let h = rt.closure("handle", chain_handler, None)?;
                rt.set_global("onRequest", h)
            })?;
            serve_probed(
                &mut rt,
                probe,
                scaled(120_000, params.scale, 256),
                params.seed,
            )?;
            rt.run_loop(None)?;
        }
        probe.note_unhandled_rejections(rt.unhandled_rejections.len());
        probe.finish(&mut rt.heap);
        Ok(())
    }
}
