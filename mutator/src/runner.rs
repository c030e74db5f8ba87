//! Running the suite's workloads — `.js` scenarios through the JavaScript front end, native
//! workloads directly — and turning a run into a report: the figures, the verdict and the
//! retaining paths (in JavaScript words for a `.js` scenario), as a table row or a JSON object.
//!
//! Pause, count, reclaim and MMU figures cover the collections the workload caused. The full
//! collections the probe forces at its checkpoints (cause `measurement`, see
//! [`crate::probe::is_checkpoint`]) are measurement, not workload: they are counted separately
//! (`gc.checkpoint`, and on the `mmu:` line of the table) and left out of every pause figure,
//! but their live sizes are what the verdict reads.
//!
//! Two growth figures come from heap graphs the probe freezes at some checkpoints (see
//! [`crate::probe`]): the types whose live count kept growing, and the objects created between
//! ⅓ and ⅔ of the work that are still alive at the end.

use crate::js::{run_source, JsOptions};
use crate::probe::{
    is_checkpoint, program_events, program_mmu, verdict, GrowingTypeReport, Probe, ProbeOptions,
    Verdict,
};
use crate::scenario::{Scenario, ScenarioError, ScenarioParams};
use crate::suite::{JsScenario, Workload};
use gclab::{CollectionKind, GcEvent, HeapConfig, HeapError};
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// How to run.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Heap configuration (plan, sizes, trace).
    pub config: HeapConfig,
    /// Size and seed.
    pub params: ScenarioParams,
    /// Write a `.heapsnapshot` at the end of the run.
    pub snapshot: Option<PathBuf>,
}

/// Pause figures in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct PauseMs {
    /// Median.
    pub p50: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Longest.
    pub max: f64,
    /// Sum.
    pub total: f64,
}

/// Collection counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct GcCounts {
    /// Minor collections caused by the workload.
    pub minor: u64,
    /// Major collections caused by the workload.
    pub major: u64,
    /// Full collections forced by the probe's checkpoints.
    pub checkpoint: u64,
}

/// Everything reported about one run.
#[derive(Clone, Debug, Serialize)]
pub struct RunReport {
    /// Scenario name.
    pub scenario: String,
    /// Plan name.
    pub plan: String,
    /// `healthy` or `leak` (absent if the run failed before its first checkpoints).
    pub verdict: Option<Verdict>,
    /// The verdict the scenario is designed to get, if it says.
    pub expected: Option<Verdict>,
    /// Pause figures of the workload's collections.
    pub pause_ms: PauseMs,
    /// Collection counts.
    pub gc: GcCounts,
    /// Bytes allocated.
    pub allocated_bytes: u64,
    /// Objects allocated.
    pub allocated_objects: u64,
    /// Bytes reclaimed / bytes occupied before, over the workload's collections.
    pub reclaim_rate: f64,
    /// Minor collections: bytes surviving (copied or promoted) / nursery bytes before.
    pub survival_rate: f64,
    /// Minor collections: bytes promoted / nursery bytes before.
    pub promotion_rate: f64,
    /// Heap occupancy in bytes right after each of the workload's collections.
    pub heap_after_gc: Vec<u64>,
    /// Live bytes after each checkpoint's full collection (what the verdict reads).
    pub live_at_checkpoints: Vec<u64>,
    /// Retaining paths to where the most bytes are held at the end.
    pub retaining_paths: Vec<String>,
    /// Types whose live count rose at each census (¼, ½, ¾ of the work and the end), largest
    /// count growth first.
    pub growing_types: Vec<GrowingTypeReport>,
    /// Objects created between ⅓ and ⅔ of the work and still alive at the end, by type, most
    /// bytes first: `count × Type (bytes), e.g. <retaining path>`.
    pub three_snapshot: Vec<String>,
    /// Unhandled promise rejections the scenario's runtime reported (0 when not reported).
    pub unhandled_rejections: usize,
    /// Wall time of the run in milliseconds.
    pub wall_ms: f64,
    /// Why the run stopped early, if it did (e.g. `OutOfMemory` with its figures).
    pub error: Option<String>,
    /// Minimum mutator utilisation over the run at 1, 10 and 100 ms windows, from the
    /// workload's pauses (the checkpoints' are left out, their time counted as the program's).
    pub mmu: [f64; 3],
    /// The pause goal (ms), if the run had one.
    pub pause_goal_ms: Option<f64>,
    /// The workload's pauses (collections or slices; checkpoints left out) longer than the goal.
    pub pauses_over_goal: u64,
    /// Every collection of the run, checkpoints included (not serialised in the one-line JSON).
    #[serde(skip)]
    pub events: Vec<GcEvent>,
}

impl RunReport {
    /// Whether the verdict matches the scenario's design, when it states one (a failed run
    /// never matches).
    pub fn verdict_ok(&self) -> bool {
        self.error.is_none() && self.expected.is_none_or(|e| self.verdict == Some(e))
    }
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Runs one workload of the suite. `progress` receives the fraction done at each checkpoint
/// of a native workload (a `.js` run reports when it ends).
pub fn run_workload(
    w: &Workload,
    opts: &RunOptions,
    progress: impl FnMut(f64) + Send + 'static,
) -> RunReport {
    match w {
        Workload::Native(s) => run_scenario(s.as_ref(), opts, progress),
        Workload::Js(j) => run_js_scenario(j, opts),
    }
}

/// A `Write` into a shared buffer (the program's stderr, kept for the error line).
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut v = self.0.lock().unwrap_or_else(|e| e.into_inner());
        // Keep the first 64 KiB: enough for an uncaught exception's message.
        let room = (64usize << 10).saturating_sub(v.len());
        v.extend_from_slice(&buf[..buf.len().min(room)]);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs a `.js` scenario through the JavaScript front end, its output discarded (its stderr
/// is kept for the error line of a failed run).
pub fn run_js_scenario(j: &JsScenario, opts: &RunOptions) -> RunReport {
    let options = JsOptions {
        config: opts.config.clone(),
        until: j.until(),
        snapshot: opts.snapshot.clone(),
        ..JsOptions::default()
    };
    let err = Captured::default();
    let start = Instant::now();
    let mut r = run_source(
        &j.file(),
        j.source,
        options,
        Box::new(std::io::sink()),
        Box::new(err.clone()),
    );
    let wall_ms = start.elapsed().as_secs_f64() * 1e3;
    let mut probe = r
        .probe
        .take()
        .unwrap_or_else(|| Probe::new(ProbeOptions::default()));
    let mut error = (r.exit_code != 0).then(|| {
        let text = err.0.lock().map(|v| v.clone()).unwrap_or_default();
        let text = String::from_utf8_lossy(&text);
        let first = text
            .lines()
            .rfind(|l| !l.trim().is_empty() && !l.starts_with("Node.js"));
        format!("exit code {}: {}", r.exit_code, first.unwrap_or("").trim())
    });
    if let Some(e) = probe.snapshot_error.take() {
        error.get_or_insert(format!("snapshot: {e}"));
    }
    probe.note_unhandled_rejections(r.unhandled_rejections);
    report(j.name, j.expected(), opts, probe, wall_ms, error)
}

/// Runs one native workload. `progress` receives the fraction done at each checkpoint.
pub fn run_scenario(
    s: &dyn Scenario,
    opts: &RunOptions,
    progress: impl FnMut(f64) + Send + 'static,
) -> RunReport {
    let mut probe = Probe::new(ProbeOptions {
        snapshot: opts.snapshot.clone(),
    });
    probe.on_progress(progress);
    let start = Instant::now();
    let result = s.run(opts.config.clone(), &opts.params, &mut probe);
    let wall_ms = start.elapsed().as_secs_f64() * 1e3;
    let mut error = match result {
        Ok(()) => None,
        Err(ScenarioError::Heap(HeapError::OutOfMemory(oom))) => Some(format!(
            "OutOfMemory: {} B requested, {} B live after a full collection, limit {} B",
            oom.requested, oom.live, oom.limit
        )),
        Err(e) => Some(e.to_string()),
    };
    if error.is_none() && probe.findings.is_none() {
        error = Some("the scenario did not call Probe::finish".into());
    }
    if let Some(e) = probe.snapshot_error.take() {
        error.get_or_insert(format!("snapshot: {e}"));
    }
    let expected = Some(if s.leaks() {
        Verdict::Leak
    } else {
        Verdict::Healthy
    });
    report(s.name(), expected, opts, probe, wall_ms, error)
}

fn report(
    name: &str,
    expected: Option<Verdict>,
    opts: &RunOptions,
    probe: Probe,
    wall_ms: f64,
    error: Option<String>,
) -> RunReport {
    let workload: Vec<&GcEvent> = probe.events.iter().filter(|e| !is_checkpoint(e)).collect();
    let mut pauses: Vec<f64> = workload
        .iter()
        .map(|e| e.pause.as_secs_f64() * 1e3)
        .collect();
    pauses.sort_by(|a, b| a.total_cmp(b));
    let count = |k| workload.iter().filter(|e| e.kind == k).count() as u64;
    let minors: Vec<&&GcEvent> = workload
        .iter()
        .filter(|e| e.kind == CollectionKind::Minor)
        .collect();
    let nursery_before: u64 = minors.iter().map(|e| e.before.bytes_of("nursery")).sum();
    let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let reclaimed: u64 = workload.iter().map(|e| e.reclaimed_bytes).sum();
    let occupied: u64 = workload.iter().map(|e| e.before.bytes()).sum();
    RunReport {
        scenario: name.to_string(),
        plan: opts.config.plan.name().to_string(),
        verdict: (probe.checkpoints.len() >= 3).then(|| verdict(&probe.checkpoints)),
        expected,
        pause_ms: PauseMs {
            p50: percentile(&pauses, 0.5),
            p99: percentile(&pauses, 0.99),
            max: pauses.last().copied().unwrap_or(0.0),
            total: pauses.iter().fold(0.0, |a, b| a + b),
        },
        gc: GcCounts {
            minor: count(CollectionKind::Minor),
            major: count(CollectionKind::Major),
            checkpoint: (probe.events.len() - workload.len()) as u64,
        },
        allocated_bytes: probe.allocated_bytes,
        allocated_objects: probe.allocated_objects,
        reclaim_rate: ratio(reclaimed, occupied),
        survival_rate: ratio(
            minors
                .iter()
                .map(|e| e.copied_bytes + e.promoted_bytes)
                .sum(),
            nursery_before,
        ),
        promotion_rate: ratio(
            minors.iter().map(|e| e.promoted_bytes).sum(),
            nursery_before,
        ),
        heap_after_gc: workload.iter().map(|e| e.after.bytes()).collect(),
        live_at_checkpoints: probe.checkpoints.iter().map(|c| c.live).collect(),
        growing_types: probe.growing_types(),
        unhandled_rejections: probe.unhandled_rejections,
        retaining_paths: probe
            .findings
            .as_ref()
            .map(|f| f.retaining_paths.clone())
            .unwrap_or_default(),
        three_snapshot: probe.findings.map(|f| f.three_snapshot).unwrap_or_default(),
        wall_ms,
        error,
        mmu: program_mmu(&probe.events, wall_ms),
        pause_goal_ms: opts.config.pause_goal.map(|g| g.as_secs_f64() * 1e3),
        pauses_over_goal: opts.config.pause_goal.map_or(0, |g| {
            gclab::pause::over_goal(&program_events(&probe.events), g)
        }),
        events: probe.events,
    }
}

fn mb(b: u64) -> f64 {
    b as f64 / (1024.0 * 1024.0)
}

/// The header of the readable table.
pub fn table_header() -> String {
    format!(
        "{:<23} {:<12} {:<8} {:>6} {:>5} {:>8} {:>8} {:>8} {:>9} {:>8} {:>8} {:>9} {:>10} {:>8}",
        "scenario",
        "plan",
        "verdict",
        "minor",
        "major",
        "p50 ms",
        "p99 ms",
        "max ms",
        "total ms",
        "reclaim",
        "survive",
        "promoted",
        "alloc MB",
        "live MB"
    )
}

/// Growing types listed on one `growing:` line; the rest are counted.
const GROWING_SHOWN: usize = 3;

/// `+3.6 MB`, `-12.0 KB`, `+512 B`.
fn signed_size(delta: i128) -> String {
    let sign = if delta < 0 { '-' } else { '+' };
    let b = delta.unsigned_abs() as f64;
    if b >= 1024.0 * 1024.0 {
        format!("{sign}{:.1} MB", b / (1024.0 * 1024.0))
    } else if b >= 1024.0 {
        format!("{sign}{:.1} KB", b / 1024.0)
    } else {
        format!("{sign}{b} B")
    }
}

/// `Listener ×600 → ×2400 (+3.6 MB)`: the first and last census of a growing type.
fn growing_entry(t: &GrowingTypeReport) -> String {
    let first = |v: &[u64]| v.first().copied().unwrap_or(0);
    let last = |v: &[u64]| v.last().copied().unwrap_or(0);
    format!(
        "{} ×{} → ×{} ({})",
        t.type_name,
        first(&t.counts),
        last(&t.counts),
        signed_size(i128::from(last(&t.bytes)) - i128::from(first(&t.bytes)))
    )
}

/// One row of the readable table, followed by any growing types, and for a leak its retaining
/// paths and the objects new between ⅓ and ⅔ of the work and still alive; then any error.
pub fn table_row(r: &RunReport) -> String {
    let verdict = match (r.verdict, r.error.is_some()) {
        (_, true) => "error".to_string(),
        (Some(v), _) => v.to_string(),
        (None, _) => "-".to_string(),
    };
    let mark = if r.error.is_none() && !r.verdict_ok() {
        " (unexpected)"
    } else {
        ""
    };
    let mut out = format!(
        "{:<23} {:<12} {:<8} {:>6} {:>5} {:>8.3} {:>8.3} {:>8.3} {:>9.1} {:>7.1}% {:>7.1}% {:>8.1}% {:>10.1} {:>8.2}{}",
        r.scenario,
        r.plan,
        verdict,
        r.gc.minor,
        r.gc.major,
        r.pause_ms.p50,
        r.pause_ms.p99,
        r.pause_ms.max,
        r.pause_ms.total,
        r.reclaim_rate * 100.0,
        r.survival_rate * 100.0,
        r.promotion_rate * 100.0,
        mb(r.allocated_bytes),
        mb(r.live_at_checkpoints.last().copied().unwrap_or(0)),
        mark
    );
    if !r.growing_types.is_empty() {
        let mut shown: Vec<String> = r
            .growing_types
            .iter()
            .take(GROWING_SHOWN)
            .map(growing_entry)
            .collect();
        if r.growing_types.len() > GROWING_SHOWN {
            shown.push(format!("{} more", r.growing_types.len() - GROWING_SHOWN));
        }
        out.push_str(&format!("\n    growing: {}", shown.join(", ")));
    }
    if r.verdict == Some(Verdict::Leak) {
        for p in &r.retaining_paths {
            out.push_str(&format!("\n    held by: {p}"));
        }
        for g in &r.three_snapshot {
            out.push_str(&format!("\n    new and still alive: {g}"));
        }
    }
    out.push_str(&format!(
        "\n    mmu: {:.2} (1 ms) {:.2} (10 ms) {:.2} (100 ms), {} checkpoint collections left out",
        r.mmu[0], r.mmu[1], r.mmu[2], r.gc.checkpoint
    ));
    if let Some(goal) = r.pause_goal_ms {
        out.push_str(&format!(
            "; pause goal {goal} ms, {} pauses over it",
            r.pauses_over_goal
        ));
    }
    if let Some(e) = &r.error {
        out.push_str(&format!("\n    error: {e}"));
    }
    out
}

/// The report as one line of JSON.
pub fn json_line(r: &RunReport) -> String {
    serde_json::to_string(r).expect("reports serialise")
}
