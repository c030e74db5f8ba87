//! The observer a scenario reports to: forced full collections at checkpoints (the leak
//! hunter's "collect, then measure"), and, at the end, retaining paths and an optional
//! heap snapshot taken while the runtime still holds its roots.

use gclab::diagnose::dominators::Dominators;
use gclab::diagnose::paths::PathIndex;
use gclab::{CollectionKind, GcEvent, Heap};
use std::path::PathBuf;

/// Heap occupancy measured right after a forced full collection.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Checkpoint {
    /// Fraction of the scenario's work done (0..=1).
    pub done: f64,
    /// Bytes allocated so far.
    pub allocated: u64,
    /// Bytes live after the full collection.
    pub live: u64,
}

/// What the probe found at the end of a run.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Findings {
    /// Retaining paths to where the most bytes are held, in the runtime's words, biggest first.
    pub retaining_paths: Vec<String>,
    /// Live objects at the end.
    pub objects: u64,
    /// Live bytes at the end.
    pub bytes: u64,
}

/// Options for a probe.
#[derive(Clone, Debug, Default)]
pub struct ProbeOptions {
    /// Write a V8 `.heapsnapshot` here at the end.
    pub snapshot: Option<PathBuf>,
}

/// Observes one scenario run.
pub struct Probe {
    options: ProbeOptions,
    progress: Option<Box<dyn FnMut(f64)>>,
    /// Checkpoints in order.
    pub checkpoints: Vec<Checkpoint>,
    /// Set by [`finish`](Probe::finish).
    pub findings: Option<Findings>,
    /// Set if writing the snapshot failed.
    pub snapshot_error: Option<String>,
    /// Every collection of the run, copied from the heap at [`finish`](Probe::finish) (or at
    /// the last checkpoint if the scenario stopped early).
    pub events: Vec<GcEvent>,
    /// Bytes the run allocated (same moment as `events`).
    pub allocated_bytes: u64,
    /// Objects the run allocated.
    pub allocated_objects: u64,
}

impl std::fmt::Debug for Probe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Probe")
            .field("checkpoints", &self.checkpoints)
            .finish()
    }
}

impl Probe {
    /// A probe with the given options.
    pub fn new(options: ProbeOptions) -> Probe {
        Probe {
            options,
            progress: None,
            checkpoints: Vec::new(),
            findings: None,
            snapshot_error: None,
            events: Vec::new(),
            allocated_bytes: 0,
            allocated_objects: 0,
        }
    }

    /// Calls `f` with the fraction done at every checkpoint (for a progress bar).
    pub fn on_progress(&mut self, f: impl FnMut(f64) + 'static) {
        self.progress = Some(Box::new(f));
    }

    /// Forces a full collection and records the live size. Call at evenly spaced points of
    /// the work (`done` in 0..=1).
    pub fn checkpoint(&mut self, heap: &mut Heap, done: f64) {
        heap.collect(CollectionKind::Major);
        self.checkpoints.push(Checkpoint {
            done,
            allocated: heap.allocated_bytes(),
            live: heap.occupied_bytes(),
        });
        self.capture(heap);
        if let Some(p) = self.progress.as_mut() {
            p(done);
        }
    }

    /// Copies the heap's events and allocation totals.
    pub fn capture(&mut self, heap: &Heap) {
        let seen = self.events.len();
        self.events
            .extend_from_slice(&heap.stats().events()[seen.min(heap.stats().events().len())..]);
        self.allocated_bytes = heap.allocated_bytes();
        self.allocated_objects = heap.allocated_objects();
    }

    /// The last checkpoint, retaining paths to where the most bytes are held, and the
    /// snapshot. Call once, at the end, with the runtime's roots still registered.
    pub fn finish(&mut self, heap: &mut Heap) {
        self.checkpoint(heap, 1.0);
        let graph = heap.graph();
        let paths = PathIndex::new(&graph);
        let doms = Dominators::new(&graph);
        let total = doms.reachable_size().max(1);
        // Where the bytes are: the deepest objects that each retain at least a fifth of the
        // live heap (a leak's growth sits under one of them).
        let mut candidates: Vec<(u32, u64, u32)> = (0..graph.len() as u32)
            .filter_map(|n| {
                let r = doms.retained_size(n)?;
                (r * 5 >= total).then(|| (n, r, paths.distance(n).unwrap_or(0)))
            })
            .collect();
        candidates.sort_by(|a, b| b.2.cmp(&a.2).then(b.1.cmp(&a.1)));
        let mut chosen: Vec<u32> = Vec::new();
        for (n, _, _) in candidates {
            // Skip objects that merely dominate an already chosen, deeper one.
            if chosen.iter().any(|&c| dominates(&doms, n, c)) {
                continue;
            }
            chosen.push(n);
            if chosen.len() == 3 {
                break;
            }
        }
        chosen.sort_by_key(|&n| std::cmp::Reverse(doms.retained_size(n).unwrap_or(0)));
        let retaining_paths = chosen
            .iter()
            .filter_map(|&n| Some((paths.path_to(n)?, doms.retained_size(n)?)))
            .map(|(p, retained)| format!("{p} — retains {retained} B"))
            .collect();
        self.findings = Some(Findings {
            retaining_paths,
            objects: graph.len() as u64,
            bytes: doms.reachable_size(),
        });
        if let Some(path) = self.options.snapshot.clone() {
            let r = std::fs::File::create(&path).and_then(|f| {
                gclab::diagnose::snapshot::write_heap_snapshot(&graph, std::io::BufWriter::new(f))
            });
            if let Err(e) = r {
                self.snapshot_error = Some(format!("{}: {e}", path.display()));
            }
        }
    }
}

/// Whether `a` dominates `b` (walks `b`'s dominator chain).
fn dominates(doms: &Dominators<'_>, a: u32, b: u32) -> bool {
    use gclab::diagnose::dominators::Dominator;
    let mut cur = b;
    loop {
        match doms.immediate_dominator(cur) {
            Some(Dominator::Object(d)) => {
                if d == a {
                    return true;
                }
                cur = d;
            }
            _ => return false,
        }
    }
}

/// The leak verdict of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The live size after full collections returns to a bounded level.
    Healthy,
    /// The live size after full collections keeps growing with the work done.
    Leak,
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Verdict::Healthy => "healthy",
            Verdict::Leak => "leak",
        })
    }
}

/// Bytes of growth below which a run is never called a leak (noise from in-flight work).
pub const LEAK_MIN_GROWTH: u64 = 256 * 1024;

/// Decides the verdict from the checkpoints.
///
/// The first quarter of the work is warm-up (caches fill, long-lived structures are built)
/// and is ignored. Over the rest, a run **leaks** when the live size at the last checkpoint is
/// more than 1.5 × the live size at the first one considered, the growth exceeds
/// [`LEAK_MIN_GROWTH`], and the live size did not fall at three quarters or more of the steps
/// in between (it grows with the work, not in one burst). Otherwise it is **healthy**.
pub fn verdict(checkpoints: &[Checkpoint]) -> Verdict {
    let considered: Vec<u64> = checkpoints
        .iter()
        .filter(|c| c.done >= 0.25)
        .map(|c| c.live)
        .collect();
    if considered.len() < 3 {
        return Verdict::Healthy;
    }
    let (first, last) = (considered[0], *considered.last().unwrap());
    let steps = considered.len() - 1;
    let rising = considered.windows(2).filter(|w| w[1] >= w[0]).count();
    if last as f64 > first as f64 * 1.5 && last - first > LEAK_MIN_GROWTH && rising * 4 >= steps * 3
    {
        Verdict::Leak
    } else {
        Verdict::Healthy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(lives: &[u64]) -> Vec<Checkpoint> {
        let n = lives.len() as f64;
        lives
            .iter()
            .enumerate()
            .map(|(i, &live)| Checkpoint {
                done: (i + 1) as f64 / n,
                allocated: i as u64 * 1000,
                live,
            })
            .collect()
    }

    #[test]
    fn verdicts_of_known_shapes() {
        const M: u64 = 1 << 20;
        // Steady growth: a leak.
        assert_eq!(
            verdict(&run(&[M, 2 * M, 3 * M, 4 * M, 5 * M, 6 * M, 7 * M, 8 * M])),
            Verdict::Leak
        );
        // Fills during warm-up, then flat (a bounded cache): healthy.
        assert_eq!(
            verdict(&run(&[
                4 * M,
                8 * M,
                8 * M,
                8 * M,
                8 * M,
                8 * M,
                8 * M,
                8 * M
            ])),
            Verdict::Healthy
        );
        // Sawtooth around a level: healthy.
        assert_eq!(
            verdict(&run(&[M, 2 * M, M, 2 * M, M, 2 * M, M, 2 * M])),
            Verdict::Healthy
        );
        // Growth too small to matter: healthy.
        assert_eq!(
            verdict(&run(&[1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000])),
            Verdict::Healthy
        );
        // Too few checkpoints to say.
        assert_eq!(verdict(&run(&[M, 8 * M])), Verdict::Healthy);
    }
}
