//! Compares every registered implementation on the workloads, one child process per run.
//!
//! ```text
//! cargo run --release -p gclab-benches --bin compare -- [--quick] [--reps N] [--only WORKLOAD]
//!                                                       [--impl NAME]... [--lisp] [--json]
//!                                                       [--pause-goal MS] [--gc-threads N]
//! ```
//!
//! gclab's rows also show the longest pause, the 99th percentile pause and the minimum mutator
//! utilisation over 10 ms windows (medians over the runs); `--pause-goal MS` runs every gclab
//! plan with that pause goal (`HeapConfig::pause_goal`), so the pause targets and the wall-time
//! ratios to the peers come from one invocation. `--gc-threads N` runs gclab with `N` collector
//! threads (`HeapConfig::gc_threads`, passed to the children as `GCLAB_GC_THREADS`).
//!
//! Runs are [`RUN_GAP`] apart: under `chrt -f` the kernel lets real-time tasks use a CPU for
//! 0.95 s of each second (`sched_rt_runtime_us`), and back-to-back runs reach that throttle,
//! which stalls whatever is running (a pause or not) for the rest of the second.
//!
//! The parent re-executes itself as `compare --child IMPL WORKLOAD` for each run; the child runs
//! the workload once, reads its own peak RSS (`VmHWM`) and prints one JSON [`Sample`] line. The
//! parent checks the checksum, applies the [budget policy](gclab_benches::report), and prints a
//! table of medians and ratios (with `--json`: JSON on stdout, the table on stderr). Progress
//! goes to stderr.

use std::io::Read as _;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;
use gclab_benches::measure::{peak_rss_kib, Sample};
use gclab_benches::report::{predict_secs, Budget, Cell, Report, Status};
use gclab_benches::{
    find_implementation, implementations, lisp_implementations, runs, Impl, Workload, BOX, BUMPALO,
    GCLAB_BASELINE,
};

/// Extra seconds a running child may use past the deadline before it is killed.
const DEADLINE_GRACE_SECS: f64 = 60.0;

/// A child is never killed sooner than this, however small the budget.
const MIN_TIMEOUT_SECS: f64 = 5.0;

/// Time off the CPU before every run but the first (see the module docs).
const RUN_GAP: Duration = Duration::from_secs(1);

/// Command-line options.
#[derive(Debug, Parser)]
#[command(about = "Compare gclab's peers (and plans) on binary-trees and GCBench")]
struct Args {
    /// Small workloads (gcbench-quick, binary-trees-14) and one run each, for a smoke test.
    #[arg(long)]
    quick: bool,
    /// Runs per (workload, implementation); the median is reported.
    #[arg(long)]
    reps: Option<usize>,
    /// Only this workload: a family (`binary-trees`, `gcbench`) or a name (`binary-trees-16`).
    #[arg(long, value_name = "WORKLOAD")]
    only: Option<String>,
    /// Only these implementations (repeatable); baselines are not added automatically.
    #[arg(long = "impl", value_name = "NAME")]
    impls: Vec<String>,
    /// Also run binary-trees in the lisp example's language, in each interpreter mode
    /// (`lisp-safe`, `lisp-raw`, `lisp-shim`, `lisp-box`; binary-trees workloads only).
    #[arg(long)]
    lisp: bool,
    /// Print JSON on stdout (the table then goes to stderr).
    #[arg(long)]
    json: bool,
    /// Seconds one (workload, implementation) cell may spend on all its runs.
    #[arg(long, default_value_t = Budget::DEFAULT.cell_secs)]
    budget_secs: f64,
    /// Seconds after which no new run starts.
    #[arg(long, default_value_t = Budget::DEFAULT.deadline_secs)]
    deadline_secs: f64,
    /// Run gclab's plans with this pause goal, in milliseconds (default: none).
    #[arg(long, value_name = "MS")]
    pause_goal: Option<f64>,
    /// Run gclab with this many collector threads (`HeapConfig::gc_threads`; default 1).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=gclab::config::MAX_GC_THREADS as i64))]
    gc_threads: Option<u16>,
    /// Internal: run IMPL on WORKLOAD once in this process and print a sample.
    #[arg(long, hide = true, num_args = 2, value_names = ["IMPL", "WORKLOAD"])]
    child: Option<Vec<String>>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let goal = match args.pause_goal.map(pause_goal).transpose() {
        Ok(goal) => goal,
        Err(message) => {
            eprintln!("compare: {message}");
            return ExitCode::from(2);
        }
    };
    gclab_benches::peers::gclab::set_pause_goal(goal);
    if let Some(n) = args.gc_threads {
        // Read by `HeapConfig::default` in this process and in the children it spawns.
        std::env::set_var("GCLAB_GC_THREADS", n.to_string());
    }
    if let Some(child) = &args.child {
        return run_child(&child[0], &child[1]);
    }
    match run_parent(&args) {
        Ok(report) => {
            if args.json {
                println!("{}", report.json());
                eprint!("{}", report.table());
            } else {
                print!("{}", report.table());
            }
            if report.has_errors() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(message) => {
            eprintln!("compare: {message}");
            ExitCode::from(2)
        }
    }
}

/// The pause goal of `--pause-goal MS`: positive and finite, at most a minute.
fn pause_goal(ms: f64) -> Result<Duration, String> {
    if ms.is_finite() && ms > 0.0 && ms <= 60_000.0 {
        Ok(Duration::from_secs_f64(ms / 1e3))
    } else {
        Err(format!(
            "--pause-goal {ms}: expected milliseconds in (0, 60000]"
        ))
    }
}

fn run_child(imp: &str, workload: &str) -> ExitCode {
    let (Some(imp), Some(workload)) = (find_implementation(imp), Workload::from_name(workload))
    else {
        eprintln!("compare --child: unknown implementation or workload");
        return ExitCode::from(2);
    };
    let start = Instant::now();
    let checksum = (imp.run)(std::hint::black_box(&workload));
    let secs = start.elapsed().as_secs_f64();
    let sample = Sample {
        secs,
        peak_rss_kib: peak_rss_kib().unwrap_or(0),
        checksum,
        pauses: gclab_benches::peers::gclab::take_pause_figures(),
    };
    println!(
        "{}",
        serde_json::to_string(&sample).expect("sample serializes")
    );
    ExitCode::SUCCESS
}

fn select_workloads(args: &Args) -> Result<Vec<Workload>, String> {
    let set: &[Workload] = if args.quick {
        &Workload::QUICK_SET
    } else {
        &Workload::DEFAULT_SET
    };
    let Some(only) = &args.only else {
        return Ok(set.to_vec());
    };
    let family: Vec<Workload> = set.iter().copied().filter(|w| w.family() == only).collect();
    if !family.is_empty() {
        return Ok(family);
    }
    Workload::from_name(only).map(|w| vec![w]).ok_or_else(|| {
        format!("unknown workload {only:?} (try binary-trees, gcbench, binary-trees-16)")
    })
}

fn select_impls(args: &Args) -> Result<Vec<Impl>, String> {
    let mut impls = if args.impls.is_empty() {
        implementations()
    } else {
        args.impls
            .iter()
            .map(|name| {
                find_implementation(name).ok_or_else(|| format!("unknown implementation {name:?}"))
            })
            .collect::<Result<Vec<_>, _>>()?
    };
    if args.lisp {
        let chosen: Vec<&str> = impls.iter().map(|i| i.name).collect();
        let more: Vec<Impl> = lisp_implementations()
            .into_iter()
            .filter(|l| !chosen.contains(&l.name))
            .collect();
        impls.extend(more);
    }
    Ok(impls)
}

/// What the parent learned from one child.
enum Outcome {
    Sample(Sample),
    Timeout(f64),
    Failed(String),
}

fn spawn_child(
    imp: &str,
    workload: &Workload,
    timeout: Duration,
    pause_goal: Option<f64>,
) -> Outcome {
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => return Outcome::Failed(format!("cannot find own executable: {e}")),
    };
    let started = Instant::now();
    let mut child = match Command::new(exe)
        .arg("--child")
        .arg(imp)
        .arg(workload.to_string())
        .args(pause_goal.map(|ms| format!("--pause-goal={ms}")))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => return Outcome::Failed(format!("spawn failed: {e}")),
    };
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() >= timeout => {
                // Best effort: the child may have exited between the two calls.
                let _ = child.kill();
                let _ = child.wait();
                return Outcome::Timeout(started.elapsed().as_secs_f64());
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Outcome::Failed(format!("wait failed: {e}")),
        }
    };
    let mut stdout = String::new();
    if let Some(mut pipe) = child.stdout.take() {
        let _ = pipe.read_to_string(&mut stdout);
    }
    if !status.success() {
        return Outcome::Failed(format!("child exited with {status}"));
    }
    match stdout.lines().last().map(serde_json::from_str::<Sample>) {
        Some(Ok(sample)) => Outcome::Sample(sample),
        _ => Outcome::Failed(format!("no sample in child output {stdout:?}")),
    }
}

/// The most recent measured cell of `imp` to predict `workload` from: same family first.
fn prior<'a>(cells: &'a [(Workload, Cell)], imp: &str, workload: &Workload) -> Option<(u64, f64)> {
    let measured = |(w, c): &&'a (Workload, Cell)| {
        c.implementation == imp && c.median_secs().is_some() && w != workload
    };
    let pick = cells
        .iter()
        .rev()
        .filter(measured)
        .find(|(w, _)| w.family() == workload.family())
        .or_else(|| cells.iter().rev().find(measured))?;
    Some((pick.0.nodes_allocated(), pick.1.median_secs()?))
}

fn run_parent(args: &Args) -> Result<Report, String> {
    let workloads = select_workloads(args)?;
    let impls = select_impls(args)?;
    let reps = args.reps.unwrap_or(if args.quick { 1 } else { 3 }).max(1);
    let budget = Budget {
        cell_secs: args.budget_secs,
        deadline_secs: args.deadline_secs,
    };
    let run_start = Instant::now();
    let hard_stop = budget.deadline_secs + DEADLINE_GRACE_SECS;
    let mut cells: Vec<(Workload, Cell)> = Vec::new();
    let mut first_run = true;

    for workload in &workloads {
        let expected = workload.expected_checksum();
        for imp in impls.iter().filter(|imp| runs(imp, workload)) {
            let mut cell = Cell {
                workload: workload.to_string(),
                implementation: imp.name.to_string(),
                status: Status::Ok,
                samples: Vec::new(),
            };
            let predicted = prior(&cells, imp.name, workload)
                .map(|(nodes, secs)| predict_secs(workload.nodes_allocated(), nodes, secs));
            if budget.skips(predicted) {
                cell.status = Status::SkippedBudget {
                    predicted_secs: predicted.unwrap_or(0.0),
                };
            }
            let mut spent = 0.0;
            while cell.status == Status::Ok && cell.samples.len() < reps {
                let elapsed = run_start.elapsed().as_secs_f64();
                if elapsed >= budget.deadline_secs {
                    cell.status = Status::SkippedDeadline;
                    break;
                }
                if let Some(median) = cell.median_secs() {
                    if !budget.another_rep_fits(spent, median) {
                        break;
                    }
                }
                let timeout = budget
                    .cell_secs
                    .min(hard_stop - elapsed)
                    .max(MIN_TIMEOUT_SECS);
                if !std::mem::take(&mut first_run) {
                    std::thread::sleep(RUN_GAP);
                }
                eprint!("{workload} / {} run {}: ", imp.name, cell.samples.len() + 1);
                let started = Instant::now();
                let outcome = spawn_child(
                    imp.name,
                    workload,
                    Duration::from_secs_f64(timeout),
                    args.pause_goal,
                );
                spent += started.elapsed().as_secs_f64();
                match outcome {
                    Outcome::Sample(s) if s.checksum != expected => {
                        eprintln!("wrong checksum {}", s.checksum);
                        cell.status = Status::WrongChecksum {
                            got: s.checksum,
                            expected,
                        };
                    }
                    Outcome::Sample(s) => {
                        eprintln!("{:.3} s, {} MiB", s.secs, s.peak_rss_kib / 1024);
                        cell.samples.push(s);
                    }
                    Outcome::Timeout(after_secs) => {
                        eprintln!("timeout");
                        cell.status = Status::Timeout { after_secs };
                    }
                    Outcome::Failed(reason) => {
                        eprintln!("failed: {reason}");
                        cell.status = Status::Failed { reason };
                    }
                }
            }
            if let Status::SkippedBudget { predicted_secs } = cell.status {
                eprintln!(
                    "{workload} / {}: skipped, predicted {predicted_secs:.0} s",
                    imp.name
                );
            }
            cells.push((*workload, cell));
        }
    }

    let names: Vec<&str> = impls.iter().map(|i| i.name).collect();
    let baselines = [BOX, BUMPALO, GCLAB_BASELINE]
        .into_iter()
        .filter(|b| names.contains(b))
        .map(String::from)
        .collect();
    Ok(Report {
        reps,
        budget,
        baselines,
        cells: cells.into_iter().map(|(_, c)| c).collect(),
        implementations: impls
            .iter()
            .map(|i| (i.name.into(), i.summary.into()))
            .collect(),
        total_secs: run_start.elapsed().as_secs_f64(),
    })
}
