//! The observer a scenario reports to: forced full collections at checkpoints (the leak
//! hunter's "collect, then measure"), and, at the end, retaining paths and an optional
//! heap snapshot taken while the runtime still holds its roots.
//!
//! Besides the live size, some checkpoints freeze the heap graph right after their full
//! collection, for two growth detectors (see [`gclab::diagnose::growth`]):
//!
//! - **Type growth.** A [`TypeCensus`] is taken at the first checkpoint at or past each of
//!   [`CENSUS_AT`] (¼, ½, ¾ of the work, and the end) and pushed into a [`GrowthTracker`] of
//!   window [`GROWTH_WINDOW`] = 4, so a type is reported as growing when its live count rose at
//!   each quarter of the last three quarters of the work: the span the [`verdict()`] reads, past
//!   the warm-up. Quarters rather than every checkpoint: steps a quarter of the work apart make
//!   a chance rise of in-flight objects unlikely, and a graph costs about as much as a full
//!   collection.
//! - **Three snapshots.** The graphs of the first checkpoints at or past [`SNAPSHOT_AT`]
//!   (⅓ and ⅔ of the work) are kept, and [`finish`](Probe::finish) compares them with the
//!   final graph: the objects created between ⅓ and ⅔ that are still alive at the end, grouped
//!   by type with one retaining path each. At most three graphs are alive at once.
//!
//! That is for a run that knows its length (the native workloads call
//! [`checkpoint`](Probe::checkpoint) at known fractions). A run that does not — a JavaScript
//! program — places its checkpoints in one pass with [`online::Phase`], which fills in the
//! same figures.

use gclab::diagnose::dominators::Dominators;
use gclab::diagnose::growth::{
    group_leaks, three_snapshot_leaks, GrowingType, GrowthTracker, TypeCensus,
};
use gclab::diagnose::paths::PathIndex;
use gclab::diagnose::HeapGraph;
use gclab::{CollectionCause, CollectionKind, GcEvent, Heap};
use std::path::PathBuf;

pub mod online;
mod verdict;

pub use verdict::{verdict, Verdict, LEAK_MIN_GROWTH};

/// Censuses the growth tracker compares: a type grows when its live count rose at every step
/// between them.
pub const GROWTH_WINDOW: usize = 4;

/// Fractions of the work at which a [`TypeCensus`] is taken (at the first checkpoint at or
/// past each); the last is the end of the run.
pub const CENSUS_AT: [f64; GROWTH_WINDOW] = [0.25, 0.5, 0.75, 1.0];

/// Fractions of the work whose graphs the three-snapshot comparison keeps (at the first
/// checkpoint at or past each); the third graph is the end of the run.
pub const SNAPSHOT_AT: [f64; 2] = [1.0 / 3.0, 2.0 / 3.0];

/// Groups of the three-snapshot comparison kept in [`Findings::three_snapshot`].
pub const THREE_SNAPSHOT_GROUPS: usize = 3;

/// A type whose live count kept growing (from [`GrowthTracker::growing`]).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct GrowingTypeReport {
    /// The type's name.
    pub type_name: String,
    /// Live objects of the type at each census ([`CENSUS_AT`]), oldest first (strictly
    /// increasing).
    pub counts: Vec<u64>,
    /// Their bytes at each census.
    pub bytes: Vec<u64>,
}

impl From<GrowingType> for GrowingTypeReport {
    fn from(t: GrowingType) -> Self {
        GrowingTypeReport {
            type_name: t.type_name.to_string(),
            counts: t.counts,
            bytes: t.bytes,
        }
    }
}

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
    /// Objects created between the first two snapshot graphs ([`SNAPSHOT_AT`]) and still
    /// alive at the end, grouped by type, most bytes first, at most
    /// [`THREE_SNAPSHOT_GROUPS`]: `count × Type (bytes), e.g. <retaining path>`. Empty if the
    /// run had no checkpoint past ⅔ of its work before the end.
    pub three_snapshot: Vec<String>,
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
    progress: Option<Box<dyn FnMut(f64) + Send>>,
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
    /// Unhandled promise rejections the scenario's runtime reported (see
    /// [`note_unhandled_rejections`](Probe::note_unhandled_rejections)); 0 if none were noted.
    pub unhandled_rejections: usize,
    growth: GrowthTracker,
    /// Censuses taken so far (indexes [`CENSUS_AT`]).
    censuses: usize,
    /// The graphs kept for the three-snapshot comparison (at most [`SNAPSHOT_AT`]`.len()`).
    snapshots: Vec<HeapGraph>,
}

impl std::fmt::Debug for Probe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Probe")
            .field("checkpoints", &self.checkpoints)
            .field("censuses", &self.censuses)
            .field("snapshots", &self.snapshots.len())
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
            unhandled_rejections: 0,
            growth: GrowthTracker::new(GROWTH_WINDOW),
            censuses: 0,
            snapshots: Vec::new(),
        }
    }

    /// Records how many unhandled promise rejections the scenario's runtime reported (Node's
    /// `unhandledRejection` events). Call before [`finish`](Probe::finish); a later call
    /// replaces the number.
    pub fn note_unhandled_rejections(&mut self, n: usize) {
        self.unhandled_rejections = n;
    }

    /// The types whose live count rose at every census of the window, largest count growth
    /// first; empty until [`GROWTH_WINDOW`] censuses have been taken (normally at the end).
    pub fn growing_types(&self) -> Vec<GrowingTypeReport> {
        self.growth
            .growing()
            .into_iter()
            .map(GrowingTypeReport::from)
            .collect()
    }

    /// Calls `f` with the fraction done at every checkpoint (for a progress bar).
    pub fn on_progress(&mut self, f: impl FnMut(f64) + Send + 'static) {
        self.progress = Some(Box::new(f));
    }

    /// Forces a full collection and records the live size. Call at evenly spaced points of
    /// the work (`done` in 0..=1).
    ///
    /// At the checkpoints the growth detectors need (see the module docs) it also freezes the
    /// heap graph after the collection: for a [`TypeCensus`], and kept for the three-snapshot
    /// comparison.
    pub fn checkpoint(&mut self, heap: &mut Heap, done: f64) {
        if let Some(graph) = self.checkpoint_graph(heap, done, false) {
            self.keep_snapshot(graph, done);
        }
    }

    /// The checkpoint proper; returns the heap graph after its collection if `want_graph` or
    /// a detector needs one here.
    fn checkpoint_graph(
        &mut self,
        heap: &mut Heap,
        done: f64,
        want_graph: bool,
    ) -> Option<HeapGraph> {
        heap.collect_to_measure(CollectionKind::Major);
        self.checkpoints.push(Checkpoint {
            done,
            allocated: heap.allocated_bytes(),
            live: heap.occupied_bytes(),
        });
        self.capture(heap);
        let census = CENSUS_AT.get(self.censuses).is_some_and(|&at| done >= at);
        let snapshot = SNAPSHOT_AT
            .get(self.snapshots.len())
            .is_some_and(|&at| done >= at && done < 1.0);
        let graph = (want_graph || census || snapshot).then(|| heap.graph());
        if let (true, Some(g)) = (census, graph.as_ref()) {
            // Skip the marks this checkpoint passed at once (a run with few checkpoints).
            while CENSUS_AT.get(self.censuses).is_some_and(|&at| done >= at) {
                self.censuses += 1;
            }
            self.growth.push(TypeCensus::of(g));
        }
        if let Some(p) = self.progress.as_mut() {
            p(done);
        }
        graph
    }

    /// Keeps `graph` for the three-snapshot comparison if this checkpoint is the next one
    /// [`SNAPSHOT_AT`] asks for.
    fn keep_snapshot(&mut self, graph: HeapGraph, done: f64) {
        if SNAPSHOT_AT
            .get(self.snapshots.len())
            .is_some_and(|&at| done >= at && done < 1.0)
        {
            self.snapshots.push(graph);
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
    ///
    /// Also takes the last census and runs the three-snapshot comparison against the final
    /// graph.
    pub fn finish(&mut self, heap: &mut Heap) {
        let graph = self
            .checkpoint_graph(heap, 1.0, true)
            .expect("a graph was asked for");
        let leaks = match std::mem::take(&mut self.snapshots).as_slice() {
            [g1, g2] => Some(three_snapshot_leaks(g1, g2, &graph)),
            _ => None,
        };
        self.conclude(&graph, leaks.as_deref());
    }

    /// Sets the [`Findings`] from the final `graph` and the three-snapshot survivors `leaks`
    /// (dense indices of `graph`; `None` when the run had no two snapshots), and writes the
    /// `.heapsnapshot` if asked.
    pub(crate) fn conclude(&mut self, graph: &HeapGraph, leaks: Option<&[u32]>) {
        let paths = PathIndex::new(graph);
        let three_snapshot = leaks.map_or_else(Vec::new, |leaks| {
            group_leaks(&paths, leaks)
                .iter()
                .take(THREE_SNAPSHOT_GROUPS)
                .map(|grp| grp.to_string())
                .collect()
        });
        let doms = Dominators::new(graph);
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
            three_snapshot,
        });
        if let Some(path) = self.options.snapshot.clone() {
            let r = std::fs::File::create(&path).and_then(|f| {
                gclab::diagnose::snapshot::write_heap_snapshot(graph, std::io::BufWriter::new(f))
            });
            if let Err(e) = r {
                self.snapshot_error = Some(format!("{}: {e}", path.display()));
            }
        }
    }
}

/// Whether `e` is a checkpoint's forced full collection (cause `measurement`, from
/// [`Heap::collect_to_measure`](gclab::Heap::collect_to_measure)): measurement, not the
/// program's work. Counts, pauses, reclaim, MMU and pauses over the goal all leave these out;
/// a program's own `gc()` under `--expose-gc` is cause `requested` and counts as its work.
pub fn is_checkpoint(e: &GcEvent) -> bool {
    e.cause == CollectionCause::Measurement
}

/// The program's own collections of `events`, in order (see [`is_checkpoint`]).
pub fn program_events(events: &[GcEvent]) -> Vec<GcEvent> {
    events
        .iter()
        .filter(|e| !is_checkpoint(e))
        .cloned()
        .collect()
}

/// Minimum mutator utilisation at [`gclab::pause::MMU_WINDOWS`] over the program's own pauses
/// (see [`is_checkpoint`]) in a run of `wall_ms`: a checkpoint's time counts as the program's.
pub fn program_mmu(events: &[GcEvent], wall_ms: f64) -> [f64; 3] {
    let program = program_events(events);
    let elapsed = std::time::Duration::from_secs_f64(wall_ms / 1e3);
    gclab::pause::MMU_WINDOWS.map(|w| gclab::pause::mmu(&program, w, elapsed))
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
