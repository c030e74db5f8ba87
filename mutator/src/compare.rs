//! `mutator run SCENARIO --plan all` (or `--plan a,b,c`): the same workload under several
//! plans, one side-by-side table, and optionally one SVG overlaying their pause distributions.
//!
//! Every row is computed from the run's events the same way (the workload's collections; the
//! probe's checkpoint collections, cause `measurement`, are measurement and left out by
//! [`crate::probe::is_checkpoint`], as in [`crate::runner`]), so the rows compare. Peak memory is the highest committed memory any
//! collection saw (before or after it), summed over the plan's spaces — memory the heap holds
//! from the OS for objects, whatever the plan's spaces are called.
//!
//! The runs are sequential in one process, each with a fresh heap, so a row never sees another
//! plan's memory.

use crate::runner::{run_workload, RunOptions, RunReport};
use crate::scenario::ScenarioParams;
use crate::suite::Workload;
use gclab::stats::mmu_of;
use gclab::{GcEvent, HeapConfig, Plan};
use plotters::prelude::*;
use serde::Serialize;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

/// The MMU window the table reports.
pub const MMU_WINDOW: Duration = Duration::from_millis(10);

/// `all` or a comma-separated list of plan names (`generational,immix`); a single name is a
/// list of one.
///
/// # Errors
/// An unknown or empty plan name, or a plan listed twice.
pub fn parse_plans(s: &str) -> Result<Vec<Plan>, String> {
    if s.trim() == "all" {
        return Ok(Plan::ALL.to_vec());
    }
    let mut plans = Vec::new();
    for name in s.split(',') {
        let plan: Plan = name.trim().parse()?;
        if plans.contains(&plan) {
            return Err(format!("plan `{plan}` is listed twice"));
        }
        plans.push(plan);
    }
    Ok(plans)
}

/// One plan's row of the comparison.
#[derive(Clone, Debug, Serialize)]
pub struct PlanRow {
    /// Plan name.
    pub plan: String,
    /// Minor and major collections the workload caused.
    pub collections: u64,
    /// Median pause (ms).
    pub p50_ms: f64,
    /// 99th-percentile pause (ms).
    pub p99_ms: f64,
    /// Longest pause (ms).
    pub max_ms: f64,
    /// Minimum mutator utilisation over [`MMU_WINDOW`] windows (0–1).
    pub mmu: f64,
    /// Bytes reclaimed / bytes occupied before, over the workload's collections.
    pub reclaim_rate: f64,
    /// Wall time of the run (ms).
    pub wall_ms: f64,
    /// Highest committed memory seen at a collection, all spaces (bytes); `None` when the
    /// run had no collection (no-gc) to observe it at.
    pub peak_committed_bytes: Option<u64>,
    /// Why the run stopped early, if it did.
    pub error: Option<String>,
}

impl PlanRow {
    /// The row of a finished scenario run.
    pub fn of(report: &RunReport) -> PlanRow {
        PlanRow::from_events(
            &report.plan,
            &report.events,
            report.wall_ms,
            report.error.clone(),
        )
    }

    /// The row of a run of `plan` that recorded `events` in `wall_ms`.
    pub fn from_events(
        plan: &str,
        events: &[GcEvent],
        wall_ms: f64,
        error: Option<String>,
    ) -> Self {
        let mut pauses: Vec<f64> = workload(events)
            .map(|e| e.pause.as_secs_f64() * 1e3)
            .collect();
        pauses.sort_by(f64::total_cmp);
        // Nearest rank, as `Stats::pauses` and the scenario report compute it.
        let q = |p: f64| -> f64 {
            let n = pauses.len();
            if n == 0 {
                return 0.0;
            }
            pauses[((p * n as f64).ceil() as usize).clamp(1, n) - 1]
        };
        let last_end = workload(events)
            .map(|e| e.start + e.pause)
            .max()
            .unwrap_or_default();
        let elapsed = Duration::from_secs_f64(wall_ms / 1e3).max(last_end);
        let (reclaimed, occupied) = workload(events).fold((0u64, 0u64), |(r, o), e| {
            (r + e.reclaimed_bytes, o + e.before.bytes())
        });
        PlanRow {
            plan: plan.to_string(),
            collections: pauses.len() as u64,
            p50_ms: q(0.5),
            p99_ms: q(0.99),
            max_ms: pauses.last().copied().unwrap_or(0.0),
            mmu: mmu_of(workload(events), MMU_WINDOW, elapsed),
            reclaim_rate: if occupied == 0 {
                0.0
            } else {
                reclaimed as f64 / occupied as f64
            },
            wall_ms,
            peak_committed_bytes: events
                .iter()
                .map(|e| e.before.committed().max(e.after.committed()))
                .max(),
            error,
        }
    }
}

/// The collections the workload caused (not the probe's checkpoints).
fn workload(events: &[GcEvent]) -> impl Iterator<Item = &GcEvent> {
    events.iter().filter(|e| !crate::probe::is_checkpoint(e))
}

/// The plans `--plan` names: one plan runs the usual report, several (or `all`) the
/// comparison.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plans {
    /// The plans, in the order given.
    pub plans: Vec<Plan>,
    /// Whether they were given as `all` or as a list (a comparison, even of one plan).
    pub compare: bool,
}

impl Plans {
    /// The plan of a single run (the first listed).
    pub fn first(&self) -> Plan {
        self.plans.first().copied().unwrap_or_default()
    }
}

impl Default for Plans {
    fn default() -> Self {
        Plans {
            plans: vec![Plan::default()],
            compare: false,
        }
    }
}

/// Parses `--plan`: a plan name, `all`, or a comma-separated list.
///
/// # Errors
/// As [`parse_plans`].
pub fn parse_plan_arg(s: &str) -> Result<Plans, String> {
    Ok(Plans {
        plans: parse_plans(s)?,
        compare: s.trim() == "all" || s.contains(','),
    })
}

/// Runs `scenario` once under each plan, with the heap configuration `configure` gives for
/// the plan. Returns each run's report, in the order of `plans`.
pub fn run_plans(
    scenario: &Workload,
    plans: &[Plan],
    params: ScenarioParams,
    configure: impl Fn(Plan) -> HeapConfig,
) -> Vec<RunReport> {
    plans
        .iter()
        .map(|&plan| {
            let opts = RunOptions {
                config: configure(plan),
                params,
                snapshot: None,
            };
            run_workload(scenario, &opts, |_| {})
        })
        .collect()
}

/// What `mutator run --plan all` was asked for.
#[derive(Clone, Debug)]
pub struct CompareArgs<'a> {
    /// Scenario name.
    pub scenario: &'a str,
    /// The plans to run, in order.
    pub plans: &'a [Plan],
    /// Size and seed.
    pub params: ScenarioParams,
    /// One JSON object per plan per line instead of the table.
    pub json: bool,
    /// Overlay the pause distributions in this SVG file.
    pub svg: Option<&'a Path>,
    /// For a `.js` program: how to run it (its heap configuration is replaced per plan).
    pub js: crate::js::JsOptions,
}

/// The command: runs the comparison and prints it; 1 if a run failed or the chart could not
/// be drawn, 2 for an unknown scenario.
pub fn run_cli(args: &CompareArgs<'_>, configure: impl Fn(Plan) -> HeapConfig) -> ExitCode {
    let (name, runs) = if args.scenario.ends_with(".js") && Path::new(args.scenario).is_file() {
        match run_js_plans(args, configure) {
            Ok(runs) => (args.scenario.to_string(), runs),
            Err(e) => {
                eprintln!("mutator: cannot read {}: {e}", args.scenario);
                return ExitCode::from(2);
            }
        }
    } else {
        let Some(scenario) = crate::suite::find(args.scenario) else {
            eprintln!(
                "mutator: comparing plans needs one scenario or a .js file; `{}` is neither \
                 (see `mutator list`)",
                args.scenario
            );
            return ExitCode::from(2);
        };
        let reports = run_plans(&scenario, args.plans, args.params, configure);
        let runs = reports
            .into_iter()
            .map(|r| (PlanRow::of(&r), r.events))
            .collect();
        (scenario.name().to_string(), runs)
    };
    let rows: Vec<PlanRow> = runs.iter().map(|(row, _)| row.clone()).collect();
    if args.json {
        for r in &rows {
            println!("{}", serde_json::to_string(r).expect("rows serialise"));
        }
    } else {
        print!("{}", table(&name, &rows));
    }
    let mut failed = rows.iter().any(|r| r.error.is_some());
    if let Some(path) = args.svg {
        let runs: Vec<(String, Vec<GcEvent>)> = runs
            .into_iter()
            .map(|(row, events)| (row.plan, events))
            .collect();
        let title = format!("{name}: pause distribution per plan");
        if let Err(e) = render_pause_overlay(&runs, &title, path) {
            eprintln!("mutator: cannot draw {}: {e}", path.display());
            failed = true;
        }
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Runs a `.js` program under each plan (its output discarded; a non-zero exit code is the
/// row's error).
fn run_js_plans(
    args: &CompareArgs<'_>,
    configure: impl Fn(Plan) -> HeapConfig,
) -> std::io::Result<Vec<(PlanRow, Vec<GcEvent>)>> {
    let mut runs = Vec::new();
    for &plan in args.plans {
        let options = crate::js::JsOptions {
            config: configure(plan),
            ..args.js.clone()
        };
        let sink = || -> Box<dyn std::io::Write + Send> { Box::new(std::io::sink()) };
        let r = crate::js::run_file(Path::new(args.scenario), options, sink(), sink())?;
        let error = (r.exit_code != 0).then(|| format!("exit code {}", r.exit_code));
        let row = PlanRow::from_events(plan.name(), &r.events, r.wall_ms, error);
        runs.push((row, r.events));
    }
    Ok(runs)
}

/// The side-by-side table: a header, then one line per row.
pub fn table(scenario: &str, rows: &[PlanRow]) -> String {
    let mut s = format!(
        "{scenario}: the same workload under {} plan{}\n",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" }
    );
    s += &format!(
        "{:<13} {:>6} {:>9} {:>9} {:>9} {:>8} {:>8} {:>10} {:>9}\n",
        "plan", "GCs", "p50 ms", "p99 ms", "max ms", "MMU10ms", "reclaim", "wall ms", "peak MB",
    );
    for r in rows {
        let peak = r.peak_committed_bytes.map_or("-".to_string(), |b| {
            format!("{:.1}", b as f64 / (1024.0 * 1024.0))
        });
        s += &format!(
            "{:<13} {:>6} {:>9.3} {:>9.3} {:>9.3} {:>8.3} {:>7.1}% {:>10.1} {:>9}{}\n",
            r.plan,
            r.collections,
            r.p50_ms,
            r.p99_ms,
            r.max_ms,
            r.mmu,
            r.reclaim_rate * 100.0,
            r.wall_ms,
            peak,
            r.error
                .as_deref()
                .map_or(String::new(), |e| format!("  {e}")),
        );
    }
    s
}

/// Pause distributions of several runs as one SVG: for each plan, the fraction of its
/// workload's pauses (y) at most a given length (x, ms, logarithmic), one line per plan.
///
/// # Errors
/// The file cannot be written, or plotters fails.
pub fn render_pause_overlay(
    runs: &[(String, Vec<GcEvent>)],
    title: &str,
    path: &Path,
) -> Result<(), String> {
    let mut svg = String::new();
    render_pause_overlay_to(runs, title, &mut svg).map_err(|e| e.to_string())?;
    std::fs::write(path, svg).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

const COLOURS: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];

fn render_pause_overlay_to(
    runs: &[(String, Vec<GcEvent>)],
    title: &str,
    svg: &mut String,
) -> Result<(), Box<dyn std::error::Error>> {
    let curves: Vec<(&str, Vec<f64>)> = runs
        .iter()
        .map(|(name, events)| {
            let mut ms: Vec<f64> = workload(events)
                .map(|e| e.pause.as_secs_f64() * 1e3)
                .collect();
            ms.sort_by(f64::total_cmp);
            (name.as_str(), ms)
        })
        .collect();
    let all = curves.iter().flat_map(|(_, ms)| ms.iter().copied());
    let lo = all.clone().fold(f64::INFINITY, f64::min).max(1e-4);
    let hi = all.fold(0.0, f64::max).max(lo * 10.0);
    let (lo, hi) = if lo.is_finite() {
        (lo, hi)
    } else {
        (1e-3, 1.0)
    };
    let root = SVGBackend::with_string(svg, (900, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(56)
        .build_cartesian_2d((lo * 0.8..hi * 1.25).log_scale(), 0.0..1.0)?;
    chart
        .configure_mesh()
        .x_desc("pause (ms, log scale)")
        .y_desc("fraction of pauses at most x")
        .axis_desc_style(("sans-serif", 16))
        .draw()?;
    for (i, (name, ms)) in curves.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let n = ms.len() as f64;
        // A step function: rises by 1/n at each pause.
        let mut points = Vec::with_capacity(2 * ms.len());
        for (k, &x) in ms.iter().enumerate() {
            points.push((x, k as f64 / n));
            points.push((x, (k + 1) as f64 / n));
        }
        let label = format!("{name} ({} pauses)", ms.len());
        chart
            .draw_series(LineSeries::new(points, colour.stroke_width(2)))?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_lists_parse_and_bad_names_are_errors() {
        assert_eq!(parse_plans("all").unwrap(), Plan::ALL.to_vec());
        assert_eq!(
            parse_plans("immix, mark-sweep").unwrap(),
            vec![Plan::Immix, Plan::MarkSweep]
        );
        assert!(parse_plans("immix,bogus").is_err());
        assert!(parse_plans("immix,immix").unwrap_err().contains("twice"));
        assert!(parse_plans("").is_err());
    }
}
