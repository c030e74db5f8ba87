//! `mutator`: runs the scenario suite on the gclab heap and reports pauses, reclaim rates and
//! leak verdicts. With no arguments it runs every scenario with the defaults.

use clap::{Parser, Subcommand};
use gclab::HeapConfig;
use gclab_mutator::compare;
use gclab_mutator::report::gclog::GcLogWriter;
use gclab_mutator::report::plot::render_svg_file;
use gclab_mutator::runner::{
    json_line, run_workload, table_header, table_row, RunOptions, RunReport,
};
use gclab_mutator::scenario::ScenarioParams;
use gclab_mutator::suite::{self, Workload};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(Parser, Debug)]
#[command(
    name = "mutator",
    version,
    about = "Node.js-like workloads and leak scenarios on the gclab heap"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List the scenarios with a one-line description each.
    List,
    /// Run a scenario, or `all`.
    Run(Box<RunArgs>),
    /// Show what a scenario models and the JavaScript it stands for.
    Explain {
        /// Scenario name.
        scenario: String,
    },
}

#[derive(clap::Args, Debug, Default)]
struct RunArgs {
    /// Scenario name, `all`, or a JavaScript file (`program.js`).
    #[arg(default_value = "all")]
    scenario: String,
    /// JavaScript: stop the event loop at this virtual time (ms), for programs whose
    /// intervals never stop.
    #[arg(long, value_name = "MS")]
    until: Option<u64>,
    /// JavaScript: force a full collection and record the live size every MS virtual ms.
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    checkpoint_every: u64,
    /// JavaScript: define `gc()` as `node --expose-gc` does.
    #[arg(long)]
    expose_gc: bool,
    /// JavaScript: no leak checkpoints (no forced full collections); the report has the
    /// collections but no verdict.
    #[arg(long)]
    no_probe: bool,
    /// Collector plan: generational, mark-sweep, semispace, no-gc, immix or gen-immix; `all`
    /// or a comma-separated list runs the scenario under each and prints one comparison table
    /// (`--svg` then overlays their pause distributions).
    #[arg(long, default_value = "gen-immix", value_parser = compare::parse_plan_arg)]
    plan: compare::Plans,
    /// Size of each nursery semispace (e.g. 4M, 512K, 1048576).
    #[arg(long, value_parser = parse_size)]
    nursery: Option<usize>,
    /// Pause-time goal in milliseconds (e.g. 1 or 0.5): bounded scavenges and incremental
    /// marking under the generational plans; pauses over it are counted in the report.
    #[arg(long, value_name = "MS", value_parser = parse_goal)]
    pause_goal: Option<std::time::Duration>,
    /// Threads for a stop-the-world collection's closure (1..=64; default 1, or
    /// `GCLAB_GC_THREADS`).
    #[arg(long, value_name = "N")]
    gc_threads: Option<usize>,
    /// Maximum heap size (e.g. 512M, 2G).
    #[arg(long, value_parser = parse_size)]
    max_heap: Option<usize>,
    /// Work multiplier of the native workloads (1.0 = default size; the `.js` scenarios have
    /// the sizes their source gives).
    #[arg(long, default_value_t = 1.0, value_parser = parse_scale)]
    scale: f64,
    /// Seed of the scenarios' pseudo-random choices.
    #[arg(long)]
    seed: Option<u64>,
    /// Print one line per collection to stderr.
    #[arg(long)]
    trace_gc: bool,
    /// One JSON object per line per scenario instead of the table.
    #[arg(long)]
    json: bool,
    /// Write a V8 .heapsnapshot at the end of the run (`-<scenario>` is added with `all`).
    #[arg(long, value_name = "FILE")]
    snapshot: Option<PathBuf>,
    /// Draw occupancy and pauses to an SVG file (`-<scenario>` is added with `all`).
    #[arg(long, value_name = "FILE")]
    svg: Option<PathBuf>,
    /// Write every collection as JSON lines to FILE.
    #[arg(long, value_name = "FILE")]
    gc_log: Option<PathBuf>,
}

fn parse_goal(s: &str) -> Result<std::time::Duration, String> {
    match s.parse::<f64>() {
        Ok(ms) if ms > 0.0 && ms.is_finite() && ms <= 60_000.0 => {
            Ok(std::time::Duration::from_secs_f64(ms / 1e3))
        }
        _ => Err(format!(
            "`{s}` is not a pause goal in milliseconds (a number above 0, at most 60000)"
        )),
    }
}

fn parse_scale(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x > 0.0 && x.is_finite() => Ok(x),
        _ => Err(format!("`{s}` is not a positive number")),
    }
}

/// Parses `4096`, `512K`, `4M`, `2G` (binary units, optional `iB`/`B`).
fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    let body = lower.trim_end_matches("ib").trim_end_matches('b');
    let (num, mult) = match body.chars().last() {
        Some('k') => (&body[..body.len() - 1], 1usize << 10),
        Some('m') => (&body[..body.len() - 1], 1 << 20),
        Some('g') => (&body[..body.len() - 1], 1 << 30),
        _ => (body, 1),
    };
    let n: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a size (try 4M, 512K or 1G)"))?;
    if n.is_nan() || n <= 0.0 || !n.is_finite() {
        return Err(format!("`{s}` must be a positive size"));
    }
    Ok((n * mult as f64) as usize)
}

fn with_suffix(path: &Path, name: &str, many: bool) -> PathBuf {
    if !many {
        return path.to_path_buf();
    }
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("out");
    let file = match path.extension().and_then(|e| e.to_str()) {
        Some(ext) => format!("{stem}-{name}.{ext}"),
        None => format!("{stem}-{name}"),
    };
    path.with_file_name(file)
}

fn progress_bar(name: &str) -> (ProgressBar, Instant) {
    let bar = ProgressBar::with_draw_target(Some(1000), ProgressDrawTarget::hidden());
    bar.set_style(
        ProgressStyle::with_template("{prefix:>18} [{bar:30}] {percent:>3}% {elapsed}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_prefix(name.to_string());
    (bar, Instant::now())
}

/// `mutator run FILE.js`: the program's stdout exactly as node prints it; the report on stderr.
fn run_js(args: &RunArgs) -> ExitCode {
    let mut config = HeapConfig::for_plan(args.plan.first());
    if let Some(n) = args.nursery {
        config.nursery_size = n;
    }
    if let Some(m) = args.max_heap {
        config.max_heap = m;
    }
    config.trace_gc = args.trace_gc;
    if args.pause_goal.is_some() {
        config.pause_goal = args.pause_goal;
    }
    if let Some(n) = args.gc_threads {
        config.gc_threads = n;
    }
    if let Err(e) = gclab::Heap::with_config(config.clone()) {
        eprintln!("mutator: {e}");
        return ExitCode::from(2);
    }
    let options = gclab_mutator::js::JsOptions {
        config,
        until: args.until,
        checkpoint_ms: args.checkpoint_every.max(1),
        expose_gc: args.expose_gc,
        probe: !args.no_probe,
        ..Default::default()
    };
    let path = Path::new(&args.scenario);
    let out: Box<dyn std::io::Write + Send> = Box::new(std::io::BufWriter::new(std::io::stdout()));
    let err: Box<dyn std::io::Write + Send> = Box::new(std::io::stderr());
    // The interpreter runs on a thread of its own with a stack sized for `max_depth` calls.
    let result = gclab_mutator::js::run_file(path, options, out, err);
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("mutator: cannot read {}: {e}", path.display());
            return ExitCode::from(2);
        }
    };
    if args.json {
        eprintln!(
            "{}",
            serde_json::to_string(&report).expect("reports serialise")
        );
    } else {
        eprint!("{}", report.render());
    }
    ExitCode::from(report.exit_code.clamp(0, 255) as u8)
}

fn run(args: RunArgs) -> ExitCode {
    if args.plan.compare {
        return compare_plans(&args);
    }
    if args.scenario.ends_with(".js") && suite::find(&args.scenario).is_none()
        || Path::new(&args.scenario).is_file()
    {
        return run_js(&args);
    }
    let selected: Vec<Workload> = if args.scenario == "all" {
        suite::all()
    } else {
        match suite::find(&args.scenario) {
            Some(s) => vec![s],
            None => {
                let all = suite::all();
                let names: Vec<&str> = all.iter().map(Workload::name).collect();
                eprintln!(
                    "mutator: unknown scenario `{}` (known: all, {})",
                    args.scenario,
                    names.join(", ")
                );
                return ExitCode::from(2);
            }
        }
    };
    let mut config = HeapConfig::for_plan(args.plan.first());
    if let Some(n) = args.nursery {
        config.nursery_size = n;
    }
    if let Some(m) = args.max_heap {
        config.max_heap = m;
    }
    config.trace_gc = args.trace_gc;
    if args.pause_goal.is_some() {
        config.pause_goal = args.pause_goal;
    }
    if let Some(n) = args.gc_threads {
        config.gc_threads = n;
    }
    if let Err(e) = gclab::Heap::with_config(config.clone()) {
        eprintln!("mutator: {e}");
        return ExitCode::from(2);
    }
    let mut params = ScenarioParams {
        scale: args.scale,
        ..ScenarioParams::default()
    };
    if let Some(seed) = args.seed {
        params.seed = seed;
    }
    let many = selected.len() > 1;
    let mut log = match &args.gc_log {
        Some(p) => match std::fs::File::create(p) {
            Ok(f) => Some(std::io::BufWriter::new(f)),
            Err(e) => {
                eprintln!("mutator: cannot write {}: {e}", p.display());
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    if !args.json {
        println!("{}", table_header());
    }
    let mut failed = false;
    for s in &selected {
        let opts = RunOptions {
            config: config.clone(),
            params,
            snapshot: args
                .snapshot
                .as_ref()
                .map(|p| with_suffix(p, s.name(), many)),
        };
        let (bar, started) = progress_bar(s.name());
        let b = bar.clone();
        let report: RunReport = run_workload(s, &opts, move |done| {
            if started.elapsed() > Duration::from_secs(1) && b.is_hidden() {
                b.set_draw_target(ProgressDrawTarget::stderr());
            }
            b.set_position((done * 1000.0) as u64);
        });
        bar.finish_and_clear();
        if args.json {
            println!("{}", json_line(&report));
        } else {
            println!("{}", table_row(&report));
        }
        if let Some(path) = &args.svg {
            let path = with_suffix(path, s.name(), many);
            let title = format!("{} — {}", s.name(), args.plan.first());
            if let Err(e) = render_svg_file(&report.events, &title, &path) {
                eprintln!("mutator: cannot draw {}: {e}", path.display());
                failed = true;
            }
        }
        if let Some(out) = log.as_mut() {
            let mut w = GcLogWriter::new(out)
                .with_scenario(s.name())
                .with_plan(args.plan.first().name());
            if let Err(e) = w.write_events(&report.events) {
                eprintln!("mutator: cannot write the GC log: {e}");
                failed = true;
            }
        }
        failed |= report.error.is_some();
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `mutator run SCENARIO --plan all|a,b,…`: see [`compare`].
fn compare_plans(args: &RunArgs) -> ExitCode {
    let mut params = ScenarioParams {
        scale: args.scale,
        ..ScenarioParams::default()
    };
    if let Some(seed) = args.seed {
        params.seed = seed;
    }
    let configure = |plan| {
        let mut config = HeapConfig::for_plan(plan);
        config.nursery_size = args.nursery.unwrap_or(config.nursery_size);
        config.max_heap = args.max_heap.unwrap_or(config.max_heap);
        config.trace_gc = args.trace_gc;
        config
    };
    for &plan in &args.plan.plans {
        if let Err(e) = gclab::Heap::with_config(configure(plan)) {
            eprintln!("mutator: {plan}: {e}");
            return ExitCode::from(2);
        }
    }
    let cargs = compare::CompareArgs {
        scenario: &args.scenario,
        plans: &args.plan.plans,
        params,
        json: args.json,
        svg: args.svg.as_deref(),
        js: gclab_mutator::js::JsOptions {
            until: args.until,
            checkpoint_ms: args.checkpoint_every.max(1),
            expose_gc: args.expose_gc,
            ..Default::default()
        },
    };
    compare::run_cli(&cargs, configure)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::List) => {
            for s in suite::all() {
                let kind = s.expected().map_or("-".to_string(), |v| v.to_string());
                println!("{:<22} {:<8} {}", s.name(), kind, s.description());
            }
            ExitCode::SUCCESS
        }
        Some(Command::Run(args)) => run(*args),
        Some(Command::Explain { scenario }) => match suite::find(&scenario) {
            Some(s) => {
                let kind = match s.expected() {
                    Some(gclab_mutator::probe::Verdict::Leak) => "leaks by design",
                    Some(_) => "healthy",
                    None => "no verdict stated",
                };
                println!(
                    "{} ({kind}): {}\n\n{}",
                    s.name(),
                    s.description(),
                    s.javascript().trim_end()
                );
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("mutator: unknown scenario `{scenario}` (see `mutator list`)");
                ExitCode::from(2)
            }
        },
        None => run(RunArgs {
            scenario: "all".into(),
            scale: 1.0,
            checkpoint_every: 1000,
            ..RunArgs::default()
        }),
    }
}
