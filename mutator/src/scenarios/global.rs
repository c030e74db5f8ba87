//! `accidental-global`: a handler assigns to an undeclared variable in sloppy mode, which
//! silently creates a global; the array it holds then grows with every request
//! (`requestLog (accidental) → Array .elements → Elements`).

use super::{int_arg, ref_arg, respond, scaled, serve_probed, setup};
use crate::probe::Probe;
use crate::runtime::{tags, RtError, Runtime};
use crate::scenario::{Scenario, ScenarioError, ScenarioParams};
use gclab::{Handle, HeapConfig, Value};

/// The undeclared variable's name.
pub const NAME: &str = "requestLog";

/// `accidental-global`.
#[derive(Debug)]
pub struct AccidentalGlobal;

fn handle(rt: &mut Runtime, _this: Handle, args: &[Value]) -> Result<Value, RtError> {
    let req = ref_arg(args, 0)?;
    let id = int_arg(args, 1);
    // requestLog = requestLog || [];
    let log = match rt.accidental(NAME).and_then(|v| v.as_ref()) {
        Some(l) => l,
        None => {
            let l = rt.array_new(16)?;
            rt.accidental_global(NAME, l)?;
            l
        }
    };
    // requestLog.push({ id, url: req.url });
    let url = rt.heap.get(req, 0)?;
    let entry = rt.object(tags::OBJECT, &[Value::Int(id), url])?;
    rt.array_push(log, entry)?;
    Ok(respond(rt, req)?.into())
}

impl Scenario for AccidentalGlobal {
    fn name(&self) -> &'static str {
        "accidental-global"
    }
    fn description(&self) -> &'static str {
        "a handler assigns to an undeclared variable, creating a global array that keeps growing"
    }
    fn javascript(&self) -> &'static str {
        "function handle(req) {\n\
         \x20 requestLog = globalThis.requestLog || [];  // no let/const: a property of globalThis\n\
         \x20 requestLog.push({ id: req.id, url: req.url });\n\
         \x20 return render(req);\n\
         }"
    }
    fn leaks(&self) -> bool {
        true
    }
    fn run(
        &self,
        config: HeapConfig,
        params: &ScenarioParams,
        probe: &mut Probe,
    ) -> Result<(), ScenarioError> {
        let mut rt = Runtime::new(config)?;
        setup(&mut rt, |rt| {
            let h = rt.closure("handle", handle, None)?;
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
