//! Checking after collections: whenever the heap collected (on request or triggered by an
//! allocation), `verify()` runs, the root counts and frame depth are compared with the
//! model, the checker walks the reachable graph from every root pair, and after a full
//! collection the live set must equal the model's reachable set exactly (under no-gc:
//! nothing was freed). Objects the model can no longer reach are then pruned.

use super::{HandleRef, Harness};
use crate::testing::model::{Census, MValue};
use crate::{CollectionKind, Plan, Value};

impl Harness {
    /// `collect(kind)`, then the checks (also under no-gc, where nothing runs).
    pub(super) fn op_collect(&mut self, kind: CollectionKind) -> Result<(), String> {
        self.heap.collect(kind);
        if !self.observe(Census::default())? {
            // No collection ran (no-gc): check anyway.
            self.check(false, Census::default())?;
        }
        Ok(())
    }

    /// Runs the checks if the heap collected since the last look; returns whether it had.
    pub(super) fn observe(&mut self, extra: Census) -> Result<bool, String> {
        let events = self.heap.stats().events();
        if events.len() == self.events_seen {
            return Ok(false);
        }
        // Plans without a nursery record every collection as major.
        // An incremental marking step is not a full collection (a cycle keeps the garbage
        // made during it, and its end leaves the nursery's survivors).
        let full = events
            .last()
            .is_some_and(|e| e.kind == CollectionKind::Major && e.incremental.is_none());
        self.report.collections += (events.len() - self.events_seen) as u64;
        self.events_seen = events.len();
        self.check(full, extra)?;
        Ok(true)
    }

    /// Verifies the heap and compares it with the model (exactly if `full`).
    pub(super) fn check(&mut self, full: bool, extra: Census) -> Result<(), String> {
        let report = self
            .heap
            .verify()
            .map_err(|e| format!("verify failed: {e}"))?;
        let model_roots = self.model.roots().len() as u64;
        if report.roots != model_roots {
            return Err(format!(
                "the heap has {} root slots, the model {model_roots}",
                report.roots
            ));
        }
        if self.heap.frame_depth() != self.model.frame_depth() {
            return Err("frame depth differs from the model".into());
        }
        let frame = self.heap.push_frame("roots for the check");
        let pairs = self.root_pairs();
        let r = pairs.and_then(|pairs| {
            self.checker
                .check_graph(&mut self.heap, &self.model, &pairs)
                .map_err(|e| e.to_string())
        });
        self.heap.pop_frame(frame).map_err(|e| e.to_string())?;
        r?;
        // One reachability pass of the model serves the exact census and the pruning.
        let live = self.model.live();
        if self.heap.plan() == Plan::NoGc {
            self.checker
                .check_nothing_freed(&self.heap, &self.model)
                .map_err(|e| e.to_string())?;
        } else if full {
            self.report.exact_checks += 1;
            let (reachable, _) = self.model.census_of(&live, u64::MAX);
            self.checker
                .check_exact_census(&self.heap, reachable, extra)
                .map_err(|e| e.to_string())?;
        }
        // An unrooted object just allocated (`extra`) is about to be stored: keep it.
        if extra == Census::default() {
            let dead = self.model.prune_to(&live);
            self.checker.forget(&dead);
        }
        Ok(())
    }

    /// Every model root paired with the heap value of the same root (sources' slots are
    /// rooted as locals of the current frame).
    pub(super) fn root_pairs(&mut self) -> Result<Vec<(MValue, Value)>, String> {
        let mut pairs = Vec::new();
        for i in 0..self.handles.len() {
            let (h, href) = self.handles[i];
            let m = match href {
                HandleRef::Local(l) => self.model.local_get(l),
                HandleRef::Root(id) => self.model.root_get(id),
                HandleRef::Forgotten => continue,
            };
            if let Ok(m) = m {
                let v = self
                    .heap
                    .value_of(h)
                    .map_err(|e| format!("handle {i} is live in the model: {e}"))?;
                pairs.push((m, v));
            }
        }
        let names: Vec<String> = self.model.global_names().map(str::to_owned).collect();
        let heap_names: Vec<String> = self
            .heap
            .global_names()
            .iter()
            .map(|s| s.to_string())
            .collect();
        if names != heap_names {
            return Err(format!("globals: heap {heap_names:?}, model {names:?}"));
        }
        for name in names {
            let m = self.model.global(&name).expect("listed");
            let v = self.heap.global(&name).expect("listed");
            pairs.push((m, v));
        }
        for e in 0..self.sources.len() {
            let (id, key) = (self.sources[e].id, self.sources[e].key);
            let Some(ms) = self.model.source(key) else {
                continue;
            };
            let ms = ms.clone();
            let raws = self
                .heap
                .root_source_mut(&id)
                .ok_or("a source the model holds is not registered")?
                .words()
                .to_vec();
            for (raw, m) in raws.into_iter().zip(ms) {
                // SAFETY: `raw` sits in a registered source slot; the collector keeps it
                // up to date and nothing collected since it was read.
                let h = unsafe { self.heap.root_raw(raw) };
                let v = self.heap.value_of(h).map_err(|e| e.to_string())?;
                pairs.push((m, v));
            }
        }
        Ok(pairs)
    }
}
