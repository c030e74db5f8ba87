//! `listener-leak` / `listener-cleanup`: each request registers a `'close'` listener on the
//! long-lived `server` emitter, closing over a buffer.
//!
//! In `listener-leak` the listener is never removed, so the emitter's listener array keeps
//! every closure and buffer (`server → Emitter .listeners → Array`). In
//! `listener-cleanup` the handler removes it with `server.off` when the response is done.

use super::{int_arg, ref_arg, respond, scaled, serve_probed, setup};
use crate::probe::Probe;
use crate::runtime::{RtError, Runtime};
use crate::scenario::{Scenario, ScenarioError, ScenarioParams};
use gclab::{Handle, HeapConfig, Value};

/// `listener-leak` (`cleanup: false`) and `listener-cleanup` (`cleanup: true`).
#[derive(Debug)]
pub struct ListenerScenario {
    /// Remove the listener when the request is done.
    pub cleanup: bool,
}

fn on_close(rt: &mut Runtime, this: Handle, _: &[Value]) -> Result<Value, RtError> {
    let buf = rt.env_get(this, 0)?;
    Ok(match buf {
        Value::Ref(b) => Value::Int(rt.heap.bytes(b)?.len() as i32),
        _ => Value::Undefined,
    })
}

fn handler(cleanup: bool) -> crate::runtime::Code {
    fn leaky(rt: &mut Runtime, this: Handle, args: &[Value]) -> Result<Value, RtError> {
        serve_one(rt, this, args, false)
    }
    fn clean(rt: &mut Runtime, this: Handle, args: &[Value]) -> Result<Value, RtError> {
        serve_one(rt, this, args, true)
    }
    if cleanup {
        clean
    } else {
        leaky
    }
}

fn serve_one(
    rt: &mut Runtime,
    _this: Handle,
    args: &[Value],
    cleanup: bool,
) -> Result<Value, RtError> {
    let req = ref_arg(args, 0)?;
    let id = int_arg(args, 1);
    if id % 10 != 0 {
        // Only keep-alive connections (one request in ten) watch for 'close'.
        return Ok(respond(rt, req)?.into());
    }
    let server = rt
        .global("server")
        .and_then(|v| v.as_ref())
        .expect("server");
    let big = rt.buffer(1024, (id & 0xff) as u8)?;
    let env = rt.new_env(&["bigBuffer"], &[big.into()])?;
    let listener = rt.closure("onClose", on_close, Some(env))?;
    rt.on(server, "close", listener)?;
    let res = respond(rt, req)?;
    if cleanup && !rt.off(server, "close", listener)? {
        return Err(RtError::Thrown("listener not found".into()));
    }
    Ok(res.into())
}

impl Scenario for ListenerScenario {
    fn name(&self) -> &'static str {
        if self.cleanup {
            "listener-cleanup"
        } else {
            "listener-leak"
        }
    }
    fn description(&self) -> &'static str {
        if self.cleanup {
            "each request's listener is removed with off() when the request is done"
        } else {
            "each request adds a listener closing over a buffer to a long-lived emitter"
        }
    }
    fn javascript(&self) -> &'static str {
        if self.cleanup {
            "server.on('request', (req, res) => {\n\
             \x20 if (!req.keepAlive) return res.end(render(req));  // one in ten\n\
             \x20 const bigBuffer = Buffer.alloc(1024);\n\
             \x20 const onClose = () => bigBuffer.length;\n\
             \x20 server.on('close', onClose);\n\
             \x20 res.end(render(req));\n\
             \x20 server.off('close', onClose);\n\
             });"
        } else {
            "server.on('request', (req, res) => {\n\
             \x20 if (!req.keepAlive) return res.end(render(req));  // one in ten\n\
             \x20 const bigBuffer = Buffer.alloc(1024);\n\
             \x20 server.on('close', () => bigBuffer.length);  // never removed\n\
             \x20 res.end(render(req));\n\
             });"
        }
    }
    fn leaks(&self) -> bool {
        !self.cleanup
    }
    fn run(
        &self,
        config: HeapConfig,
        params: &ScenarioParams,
        probe: &mut Probe,
    ) -> Result<(), ScenarioError> {
        let mut rt = Runtime::new(config)?;
        let cleanup = self.cleanup;
        setup(&mut rt, |rt| {
            let server = rt.emitter_new()?;
            rt.set_global("server", server)?;
            let h = rt.closure("onRequest", handler(cleanup), None)?;
            rt.set_global("onRequest", h)
        })?;
        serve_probed(
            &mut rt,
            probe,
            scaled(240_000, params.scale, 256),
            params.seed,
        )?;
        probe.finish(&mut rt.heap);
        Ok(())
    }
}
