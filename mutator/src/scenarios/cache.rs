//! `unbounded-cache` / `lru-cache`: memoising rendered responses by URL.
//!
//! Most URLs are seen once, so a plain `Map` used as a cache grows with the traffic
//! (`cache → Map .buckets → Elements`); the LRU cache evicts past 1,000 entries and its
//! size levels off.

use super::{int_arg, ref_arg, respond, scaled, serve_probed, setup};
use crate::probe::Probe;
use crate::runtime::map::Key;
use crate::runtime::{RtError, Runtime};
use crate::scenario::{Scenario, ScenarioError, ScenarioParams};
use gclab::{Handle, HeapConfig, Value};

/// Entries the LRU cache keeps.
pub const LRU_CAPACITY: usize = 1000;

/// `unbounded-cache` (`lru: false`) and `lru-cache` (`lru: true`).
#[derive(Debug)]
pub struct CacheScenario {
    /// Use the bounded LRU cache.
    pub lru: bool,
}

fn key_of(id: i32) -> String {
    // One request in four asks for a page nobody asked for before; the rest ask for one
    // of 64 popular pages.
    if id % 4 == 0 {
        format!("/items/{id}")
    } else {
        format!("/popular/{}", id % 64)
    }
}

fn cached(rt: &mut Runtime, args: &[Value], lru: bool) -> Result<Value, RtError> {
    let req = ref_arg(args, 0)?;
    let id = int_arg(args, 1);
    let cache = rt.global("cache").and_then(|v| v.as_ref()).expect("cache");
    let key = key_of(id);
    let hit = if lru {
        rt.lru_get(cache, Key::Str(&key))?
    } else {
        rt.map_get(cache, Key::Str(&key))?
    };
    if let Some(v) = hit {
        return Ok(v);
    }
    let res = respond(rt, req)?;
    let page = rt.buffer(128, b'<')?;
    if lru {
        rt.lru_set(cache, Key::Str(&key), page)?;
    } else {
        rt.map_set(cache, Key::Str(&key), page)?;
    }
    Ok(res.into())
}

fn unbounded(rt: &mut Runtime, _this: Handle, args: &[Value]) -> Result<Value, RtError> {
    cached(rt, args, false)
}

fn bounded(rt: &mut Runtime, _this: Handle, args: &[Value]) -> Result<Value, RtError> {
    cached(rt, args, true)
}

impl Scenario for CacheScenario {
    fn name(&self) -> &'static str {
        if self.lru {
            "lru-cache"
        } else {
            "unbounded-cache"
        }
    }
    fn description(&self) -> &'static str {
        if self.lru {
            "responses memoised in an LRU cache bounded at 1000 entries"
        } else {
            "responses memoised by URL in a Map that is never pruned"
        }
    }
    fn javascript(&self) -> &'static str {
        if self.lru {
            "const cache = new LRU({ max: 1000 });\n\
             function handle(req) {\n\
             \x20 let page = cache.get(req.url);\n\
             \x20 if (!page) cache.set(req.url, page = render(req));\n\
             \x20 return page;\n\
             }"
        } else {
            "const cache = new Map();\n\
             function handle(req) {\n\
             \x20 let page = cache.get(req.url);\n\
             \x20 if (!page) cache.set(req.url, page = render(req));  // never evicted\n\
             \x20 return page;\n\
             }"
        }
    }
    fn leaks(&self) -> bool {
        !self.lru
    }
    fn run(
        &self,
        config: HeapConfig,
        params: &ScenarioParams,
        probe: &mut Probe,
    ) -> Result<(), ScenarioError> {
        let mut rt = Runtime::new(config)?;
        let lru = self.lru;
        setup(&mut rt, |rt| {
            let cache = if lru {
                rt.lru_new(LRU_CAPACITY)?
            } else {
                rt.map_new(16)?
            };
            rt.set_global("cache", cache)?;
            let h = if lru {
                rt.closure("handle", bounded, None)?
            } else {
                rt.closure("handle", unbounded, None)?
            };
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
