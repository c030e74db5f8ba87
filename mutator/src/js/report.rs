//! Running a JavaScript file: parse, prelude, main script, event loop with checkpoints in
//! virtual time, and the report (collections, pauses, reclaim, leak verdict, retaining paths).
//!
//! Exit codes follow Node: 0 on success, 1 for an uncaught exception or an unhandled
//! rejection, 2 for a syntax error or an unsupported construct (ours), `process.exit(n)`'s.

use super::nesting::{line_col, nesting_exceeds, MAX_NESTING, MAX_SOURCE};
use super::pace::Pacer;
use super::realm::{Interp, JsOptions, STACK_RESERVE};
use super::Exc;
use crate::probe::{verdict, Probe, ProbeOptions, Verdict};
use gclab::{CollectionKind, Value};
use oxc_allocator::Allocator;
use oxc_parser::Parser;
use oxc_span::SourceType;
use std::io::Write;

const PRELUDE: &str = include_str!("prelude.js");

/// What a run produced.
#[derive(Debug, Default, serde::Serialize)]
pub struct JsRunReport {
    /// The file run.
    pub file: String,
    /// Plan name.
    pub plan: String,
    /// Exit code Node would give.
    pub exit_code: i32,
    /// Virtual time reached (ms).
    pub virtual_ms: u64,
    /// Whether the run stopped at `--until` with work still scheduled.
    pub stopped_at_limit: bool,
    /// Live bytes after each checkpoint's full collection, with the virtual time.
    pub checkpoints: Vec<(u64, u64)>,
    /// `healthy` or `leak` (absent with fewer than three checkpoints).
    pub verdict: Option<Verdict>,
    /// Minor and major collections the program caused.
    pub minor: u64,
    /// Major collections the program caused.
    pub major: u64,
    /// Full collections the checkpoints forced (left out of the other figures).
    pub checkpoint_collections: u64,
    /// Pause total and maximum (ms) of those collections.
    pub pause_total_ms: f64,
    /// Longest pause (ms).
    pub pause_max_ms: f64,
    /// Bytes reclaimed / bytes occupied before, over those collections.
    pub reclaim_rate: f64,
    /// Bytes allocated.
    pub allocated_bytes: u64,
    /// Fraction of the work done at each checkpoint (see [`super::pace`]).
    pub progress: Vec<f64>,
    /// Where the most bytes are held at the end, in the program's words.
    pub retaining_paths: Vec<String>,
    /// Objects created between ⅓ and ⅔ of the work and still alive at the end, by type.
    pub three_snapshot: Vec<String>,
    /// Types whose live count rose at each of the last three quarters of the work.
    pub growing_types: Vec<String>,
    /// Unhandled promise rejections.
    pub unhandled_rejections: usize,
    /// Wall time (ms).
    pub wall_ms: f64,
    /// Every collection of the run (not serialised; `--plan all` reads it).
    #[serde(skip)]
    pub events: Vec<gclab::GcEvent>,
    /// The probe of the measured run (events, checkpoints, findings), for the suite's table.
    #[serde(skip)]
    pub probe: Option<Probe>,
    /// Minimum mutator utilisation at 1, 10 and 100 ms windows, from the program's pauses.
    pub mmu: [f64; 3],
}

/// Reads and runs `path`.
///
/// # Errors
/// The file cannot be read.
pub fn run_file(
    path: &std::path::Path,
    options: JsOptions,
    out: Box<dyn Write + Send>,
    err: Box<dyn Write + Send>,
) -> std::io::Result<JsRunReport> {
    let source = std::fs::read_to_string(path)?;
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    Ok(run_source(&name, &source, options, out, err))
}

fn first_error(file: &str, source: &str, errors: &[oxc_diagnostics::OxcDiagnostic]) -> String {
    let e = &errors[0];
    let offset = e.labels.first().map_or(0, |l| l.offset());
    let (line, col) = line_col(source, offset);
    format!("{file}:{line}:{col}: SyntaxError: {}", e.message)
}

/// Runs JavaScript `source` named `file`; stdout and stderr of the program go to `out` and
/// `err`, and the interpreter's own messages (syntax errors, uncaught exceptions) to `err`.
///
/// The parser and the interpreter run on a thread of their own whose stack is
/// [`JsOptions::stack_bytes`] plus [`STACK_RESERVE`] (address space, touched only as used):
/// the interpreter turns a deeper recursion into a `RangeError`, and the source is refused
/// before parsing if it nests deeper than [`MAX_NESTING`], so no input overflows the Rust stack.
pub fn run_source(
    file: &str,
    source: &str,
    options: JsOptions,
    out: Box<dyn Write + Send>,
    err: Box<dyn Write + Send>,
) -> JsRunReport {
    let stack = options.stack_bytes.saturating_add(STACK_RESERVE);
    let plan = options.config.plan.name();
    std::thread::scope(|s| {
        let worker = std::thread::Builder::new()
            .name("js".into())
            .stack_size(stack)
            .spawn_scoped(s, || run_on_this_thread(file, source, options, out, err));
        match worker.map(|w| w.join()) {
            Ok(Ok(report)) => report,
            Ok(Err(_)) => {
                eprintln!("mutator: the interpreter panicked");
                JsRunReport {
                    file: file.into(),
                    plan: plan.into(),
                    exit_code: 70,
                    ..JsRunReport::default()
                }
            }
            Err(e) => {
                eprintln!("mutator: cannot start the interpreter thread: {e}");
                JsRunReport {
                    file: file.into(),
                    plan: plan.into(),
                    exit_code: 2,
                    ..JsRunReport::default()
                }
            }
        }
    })
}

fn run_on_this_thread(
    file: &str,
    source: &str,
    options: JsOptions,
    out: Box<dyn Write>,
    mut err: Box<dyn Write>,
) -> JsRunReport {
    let started = std::time::Instant::now();
    let mut report = JsRunReport {
        file: file.into(),
        plan: options.config.plan.name().into(),
        ..JsRunReport::default()
    };
    if source.len() > MAX_SOURCE {
        let _ = writeln!(
            err,
            "{file}: the source is {} bytes; the gclab interpreter reads at most {MAX_SOURCE}",
            source.len()
        );
        report.exit_code = 2;
        return report;
    }
    if let Some(at) = nesting_exceeds(source, MAX_NESTING) {
        let (line, col) = line_col(source, at);
        let _ = writeln!(
            err,
            "{file}:{line}:{col}: SyntaxError: brackets nest deeper than {MAX_NESTING} levels (not supported by the gclab interpreter)"
        );
        report.exit_code = 2;
        return report;
    }
    let alloc = Allocator::default();
    let parsed = Parser::new(&alloc, source, SourceType::cjs()).parse();
    if !parsed.diagnostics.is_empty() || parsed.panicked {
        let _ = writeln!(err, "{}", first_error(file, source, &parsed.diagnostics));
        report.exit_code = 2;
        return report;
    }
    let palloc = Allocator::default();
    let prelude = Parser::new(&palloc, PRELUDE, SourceType::cjs()).parse();
    assert!(prelude.diagnostics.is_empty(), "the prelude parses");
    let program = &parsed.program;
    let mut it = match Interp::new(file, source, options, out, err) {
        Ok(it) => it,
        Err(e) => {
            report.exit_code = 2;
            eprintln!("mutator: {e}");
            return report;
        }
    };
    if it.options.probe {
        let snapshot = it.options.snapshot.clone();
        it.pacer = Some(Pacer::new(
            ProbeOptions { snapshot },
            it.heap.allocated_bytes(),
        ));
    }
    let r = execute(&mut it, &prelude.program, program);
    report.exit_code = match r {
        Ok(()) => 0,
        Err(e) => it.report_uncaught(e),
    };
    let _ = it.out.flush();
    report.virtual_ms = it.event_loop.now();
    report.stopped_at_limit = it.event_loop.is_alive();
    let (mut probe, times) = match it.settle_checkpoints() {
        Some(s) => (s.probe, s.times),
        None => {
            let mut p = Probe::new(ProbeOptions::default());
            p.capture(&it.heap);
            (p, Vec::new())
        }
    };
    report.events = probe.events.clone();
    let cps = &probe.checkpoints;
    report.checkpoints = cps
        .iter()
        .zip(times.iter())
        .map(|(c, &t)| (t, c.live))
        .collect();
    report.progress = cps.iter().map(|c| c.done).collect();
    report.verdict = (cps.len() >= 3).then(|| verdict(cps));
    let workload: Vec<&gclab::GcEvent> = probe
        .events
        .iter()
        .filter(|e| !crate::probe::is_checkpoint(e))
        .collect();
    report.checkpoint_collections = (probe.events.len() - workload.len()) as u64;
    report.minor = workload
        .iter()
        .filter(|e| e.kind == CollectionKind::Minor)
        .count() as u64;
    report.major = workload
        .iter()
        .filter(|e| e.kind == CollectionKind::Major)
        .count() as u64;
    report.pause_total_ms = workload
        .iter()
        .map(|e| e.pause.as_secs_f64() * 1e3)
        .fold(0.0, |a, b| a + b);
    report.pause_max_ms = workload
        .iter()
        .map(|e| e.pause.as_secs_f64() * 1e3)
        .fold(0.0, f64::max);
    let reclaimed: u64 = workload.iter().map(|e| e.reclaimed_bytes).sum();
    let occupied: u64 = workload.iter().map(|e| e.before.bytes()).sum();
    report.reclaim_rate = if occupied == 0 {
        0.0
    } else {
        reclaimed as f64 / occupied as f64
    };
    report.allocated_bytes = probe.allocated_bytes;
    report.growing_types = probe
        .growing_types()
        .iter()
        .map(|g| {
            let counts: Vec<String> = g.counts.iter().map(u64::to_string).collect();
            format!(
                "{}: live count {} at ¼, ½, ¾ and the end of the work",
                g.type_name,
                counts.join(" → ")
            )
        })
        .collect();
    if let Some(f) = probe.findings.as_mut() {
        f.retaining_paths = std::mem::take(&mut f.retaining_paths)
            .into_iter()
            .map(|p| name_accidental_global(&it, p))
            .collect();
        report.retaining_paths = f.retaining_paths.clone();
        report.three_snapshot = f.three_snapshot.clone();
    }
    report.unhandled_rejections = it.unhandled_rejections;
    report.wall_ms = started.elapsed().as_secs_f64() * 1e3;
    report.mmu = crate::probe::program_mmu(&probe.events, report.wall_ms);
    report.probe = Some(probe);
    report
}

impl JsRunReport {
    /// The human-readable report.
    pub fn render(&self) -> String {
        let mb = |b: u64| b as f64 / (1024.0 * 1024.0);
        let mut s = format!(
            "--- gclab: {} on {} — {} virtual ms{}\n",
            self.file,
            self.plan,
            self.virtual_ms,
            if self.stopped_at_limit {
                " (stopped at --until; timers still pending)"
            } else {
                ""
            }
        );
        s += &format!(
            "collections: {} minor, {} major (and {} checkpoint collections, left out); pauses {:.3} ms total, {:.3} ms max; reclaim {:.1}%; allocated {:.2} MB\n",
            self.minor, self.major, self.checkpoint_collections, self.pause_total_ms, self.pause_max_ms, self.reclaim_rate * 100.0, mb(self.allocated_bytes)
        );
        s += &format!(
            "mmu: {:.2} (1 ms) {:.2} (10 ms) {:.2} (100 ms)\n",
            self.mmu[0], self.mmu[1], self.mmu[2]
        );
        let lives: Vec<String> = self
            .checkpoints
            .iter()
            .map(|(t, l)| format!("{t}ms:{:.2}MB", mb(*l)))
            .collect();
        s += &format!("live after full GC: {}\n", lives.join(" "));
        s += &format!(
            "verdict: {}\n",
            self.verdict
                .map_or("- (fewer than 3 checkpoints)".to_string(), |v| v
                    .to_string())
        );
        for p in &self.retaining_paths {
            s += &format!("held by: {p}\n");
        }
        if self.verdict == Some(Verdict::Leak) {
            for g in &self.three_snapshot {
                s += &format!("created between ⅓ and ⅔ of the work, still alive: {g}\n");
            }
            for t in &self.growing_types {
                s += &format!("growing type: {t}\n");
            }
        }
        s
    }
}

/// `[global] name → …` with where an accidental global was created:
/// `[global] name (accidental, file.js:4) → …`.
fn name_accidental_global(it: &Interp<'_>, path: String) -> String {
    let Some(rest) = path.strip_prefix("[global] ") else {
        return path;
    };
    let name = rest.split(' ').next().unwrap_or("");
    match it.accidental_globals.get(name) {
        Some(loc) => format!("[global] {name} (accidental, {loc}){}", &rest[name.len()..]),
        None => path,
    }
}

/// Runs the prelude, the program, the event loop (checkpoints after each macrotask) and the
/// `exit` listeners.
fn execute<'a>(
    it: &mut Interp<'a>,
    prelude: &'a oxc_ast::ast::Program<'a>,
    program: &'a oxc_ast::ast::Program<'a>,
) -> Result<(), Exc> {
    it.run_prelude(prelude, PRELUDE)?;
    it.start_checkpoints();
    it.run_program(program)?;
    it.in_event_loop = true;
    it.start_turns();
    it.run_event_loop(&mut |it: &mut Interp<'_>, now| it.turn_checkpoint(now))?;
    let process = it.heap.global("process").unwrap_or(Value::Undefined);
    let emit = it.get_named(process, "emit")?;
    let ev = it.new_str("exit")?;
    it.call(emit, process, &[ev, Value::Int(0)])?;
    Ok(())
}

impl<'a> Interp<'a> {
    /// Runs the built-ins written in JavaScript (their locations read `prelude.js`).
    pub(crate) fn run_prelude(
        &mut self,
        program: &'a oxc_ast::ast::Program<'a>,
        source: &'a str,
    ) -> Result<(), Exc> {
        let saved = (
            std::mem::replace(&mut self.file, "prelude.js".into()),
            self.source,
            std::mem::take(&mut self.line_starts),
        );
        self.source = source;
        self.line_starts = std::iter::once(0)
            .chain(source.match_indices('\n').map(|(i, _)| i as u32 + 1))
            .collect();
        let r = self.run_program(program);
        (self.file, self.source, self.line_starts) = saved;
        r
    }

    /// Prints an uncaught exception as Node does (to stderr) and returns the exit code.
    pub(crate) fn report_uncaught(&mut self, e: Exc) -> i32 {
        let _ = self.out.flush();
        match e {
            Exc::Exit(code) => code,
            Exc::Unsupported(msg) => {
                let _ = writeln!(self.err, "{msg}");
                2
            }
            Exc::Suspend | Exc::GeneratorReturn => {
                let _ = writeln!(
                    self.err,
                    "internal error: an await escaped its async function"
                );
                70
            }
            Exc::Heap(h) if matches!(*h, gclab::HeapError::OutOfMemory(_)) => {
                let gclab::HeapError::OutOfMemory(oom) = *h else {
                    unreachable!()
                };
                let _ = writeln!(
                    self.err,
                    "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory ({} B requested, {} B live after a full collection, limit {} B)",
                    oom.requested, oom.live, oom.limit
                );
                134
            }
            Exc::Heap(h) => {
                let _ = writeln!(self.err, "internal error: {h}");
                70
            }
            Exc::Throw(v) | Exc::Unhandled(v) => {
                let unhandled = matches!(e, Exc::Unhandled(_));
                let text = match self.describe_thrown(v) {
                    Ok(t) => t,
                    Err(_) => "(an exception that could not be printed)".into(),
                };
                let at = self.call_site;
                let (line, _) = self.line_col(at);
                let src = self.source_line(at);
                if unhandled && !matches!(v, Value::Ref(_)) {
                    let _ = writeln!(self.err, "node:internal/process/promises:288\n            triggerUncaughtException(err, true /* fromPromise */);\n            ^\n\n[UnhandledPromiseRejection: This error originated either by throwing inside of an async function without a catch block, or by rejecting a promise which was not handled with .catch(). The promise rejected with the reason \"{text}\".] {{\n  code: 'ERR_UNHANDLED_REJECTION'\n}}");
                } else {
                    let _ = writeln!(self.err, "{}:{line}\n{src}\n\n{text}", self.file);
                }
                let _ = writeln!(self.err, "\nNode.js v20 (gclab interpreter)");
                1
            }
        }
    }

    fn describe_thrown(&mut self, v: Value) -> Result<String, Exc> {
        if let Value::Ref(h) = v {
            if !self.is_str(v) && self.is_error(h)? {
                let s = self.get_named(v, "stack")?;
                return self.to_str(s);
            }
            if self.is_str(v) {
                return self.to_str(v);
            }
        }
        self.inspect(v)
    }
}
