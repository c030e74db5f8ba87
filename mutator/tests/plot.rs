//! The GC log and the SVG charts, end to end, on synthetic runs.

use gclab::stats::{CollectionCause, CollectionKind, GcEvent, HeapUsage, PhaseTimes, SpaceEntry};
use gclab_mutator::report::gclog::BYTES_PER_MB;
use gclab_mutator::report::{
    read_gc_log, render_svg, render_svg_file, render_svg_pair, render_svg_to_string, trace_line,
    GcLogError, GcLogRecord, GcLogWriter,
};
use std::time::Duration;

const MB: u64 = 1 << 20;

/// A small deterministic generator, so runs are reproducible without a dependency.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn usage(nursery: u64, old: u64, large: u64) -> HeapUsage {
    let space = |name, bytes| SpaceEntry::new(name, bytes, bytes / 48, 0);
    [
        space("nursery", nursery),
        space("old", old),
        space("large", large),
    ]
    .into_iter()
    .collect()
}

/// A generational run of `minors` scavenges of a 4 MB nursery. A tenth of each nursery
/// survives and is promoted; a large object is allocated every fifth cycle; a major collection
/// runs when the old generation passes 24 MB. With `leak`, each major collection leaves 1.5 MB
/// more behind than the last; without, the live set stays at 3 MB.
fn synthetic_run(minors: usize, leak: bool) -> Vec<GcEvent> {
    let mut rng = Lcg(if leak { 7 } else { 11 });
    let mut events = Vec::new();
    let (mut allocated, mut old, mut large, mut t_ns) = (0u64, 0u64, 0u64, 0u64);
    let mut live = 3 * MB;
    for cycle in 0..minors {
        allocated += 4 * MB;
        if cycle % 5 == 4 {
            allocated += MB;
            large += MB;
        }
        t_ns += (2_000_000.0 * (1.0 + rng.next())) as u64;
        let promoted = (0.4 * MB as f64 * (0.8 + 0.4 * rng.next())) as u64;
        let before = usage(4 * MB, old, large);
        old += promoted;
        let after = usage(0, old, large);
        let pause = Duration::from_micros((150.0 + 120.0 * rng.next()) as u64);
        events.push(event(
            events.len() as u64,
            CollectionKind::Minor,
            CollectionCause::NurseryFull,
            t_ns,
            pause,
            allocated,
            before,
            after,
        ));
        t_ns += pause.as_nanos() as u64;
        if old + large > 24 * MB + live {
            if leak {
                live += 3 * MB / 2;
            }
            let before = usage(0, old, large);
            old = live;
            large = 0;
            let after = usage(0, old, large);
            let pause = Duration::from_micros((400.0 * (old as f64 / MB as f64)) as u64 + 300);
            events.push(event(
                events.len() as u64,
                CollectionKind::Major,
                CollectionCause::OldThreshold,
                t_ns,
                pause,
                allocated,
                before,
                after,
            ));
            t_ns += pause.as_nanos() as u64;
        }
    }
    events
}

#[allow(clippy::too_many_arguments)]
fn event(
    seq: u64,
    kind: CollectionKind,
    cause: CollectionCause,
    start_ns: u64,
    pause: Duration,
    allocated_before: u64,
    before: HeapUsage,
    after: HeapUsage,
) -> GcEvent {
    GcEvent {
        seq,
        kind,
        cause,
        start: Duration::from_nanos(start_ns),
        pause,
        allocated_before,
        before,
        after,
        copied_bytes: 0,
        promoted_bytes: after.bytes_of("old").saturating_sub(before.bytes_of("old")),
        marked_bytes: if kind == CollectionKind::Major {
            after.bytes_of("old")
        } else {
            0
        },
        swept_bytes: before.bytes_of("old").saturating_sub(after.bytes_of("old")),
        reclaimed_bytes: before.bytes() - after.bytes(),
        phases: PhaseTimes::default(),
        incremental: None,
    }
}

// ---------------------------------------------------------------------------------------
// GC log

#[test]
fn log_round_trips_with_and_without_context() {
    let events = synthetic_run(100, true);
    assert!(events.iter().any(|e| e.kind == CollectionKind::Major));

    let mut w = GcLogWriter::new(Vec::new())
        .with_scenario("interval-leak")
        .with_plan("generational");
    w.write_events(&events).unwrap();
    let bare = GcLogRecord::bare(events[0].clone());
    w.write_record(&bare).unwrap();
    assert_eq!(w.lines_written(), events.len() as u64 + 1);
    let bytes = w.into_inner().unwrap();
    let text = std::str::from_utf8(&bytes).unwrap();
    assert_eq!(text.lines().count(), events.len() + 1);
    assert!(text
        .lines()
        .next()
        .unwrap()
        .starts_with(r#"{"scenario":"interval-leak","plan":"generational","seq":0,"kind":"minor","cause":"nursery-full","#));

    let back = read_gc_log(&bytes[..]).unwrap();
    assert_eq!(back.len(), events.len() + 1);
    for (record, original) in back.iter().zip(&events) {
        assert_eq!(record.scenario.as_deref(), Some("interval-leak"));
        assert_eq!(record.plan.as_deref(), Some("generational"));
        assert_eq!(&record.event, original);
    }
    assert_eq!(back.last().unwrap(), &bare);
}

#[test]
fn empty_log_reads_as_no_records() {
    assert!(read_gc_log(&b""[..]).unwrap().is_empty());
    assert!(read_gc_log(&b"\n\n  \n"[..]).unwrap().is_empty());
}

#[test]
fn corrupted_line_is_reported_by_number() {
    let events = synthetic_run(5, false);
    let mut w = GcLogWriter::new(Vec::new());
    w.write_events(&events).unwrap();
    let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    // Truncate line 3 mid-record, as a crash during a write would.
    let half = lines[2].len() / 2;
    lines[2].truncate(half);
    let corrupted = lines.join("\n");

    let err = read_gc_log(corrupted.as_bytes()).unwrap_err();
    assert_eq!(err.line(), 3);
    assert!(matches!(err, GcLogError::Parse { line: 3, .. }));
    assert!(err.to_string().starts_with("GC log line 3:"), "{err}");

    // A well-formed JSON line of the wrong shape is an error too.
    lines[2] = r#"{"seq":2,"kind":"medium"}"#.to_string();
    let err = read_gc_log(lines.join("\n").as_bytes()).unwrap_err();
    assert_eq!(err.line(), 3);
}

#[test]
fn unreadable_line_is_reported_by_number() {
    let line = serde_json::to_string(&synthetic_run(1, false)[0]).unwrap();
    let mut bytes = format!("{line}\n").into_bytes();
    bytes.extend_from_slice(b"\xff\xfe not utf-8\n");
    let err = read_gc_log(&bytes[..]).unwrap_err();
    assert!(matches!(err, GcLogError::Io { line: 2, .. }), "{err:?}");
}

#[test]
fn trace_line_matches_v8_style() {
    let mb_tenths = |tenths: u64| tenths * MB / 10;
    let e = event(
        12,
        CollectionKind::Minor,
        CollectionCause::NurseryFull,
        143_200_000,
        Duration::from_micros(210),
        64 * MB,
        usage(mb_tenths(40), mb_tenths(21), 0),
        usage(mb_tenths(4), mb_tenths(21), 0),
    );
    assert_eq!(
        trace_line(&e),
        "[gc #12 @ 143.2 ms] Scavenge 4.0 (6.1) -> 0.4 (2.5) MB, 0.21 ms, reason: allocation failure; \
         nursery 4.0 -> 0.4, old 2.1 -> 2.1, large 0.0 -> 0.0 MB"
    );

    let e = event(
        13,
        CollectionKind::Major,
        CollectionCause::HeapLimit,
        1_500_000_000,
        Duration::from_micros(12_345),
        80 * MB,
        usage(MB, 20 * MB, 5 * MB),
        usage(0, 10 * MB, 2 * MB),
    );
    assert_eq!(
        trace_line(&e),
        "[gc #13 @ 1500.0 ms] Mark-Sweep 25.0 (26.0) -> 12.0 (12.0) MB, 12.35 ms, reason: heap limit; \
         nursery 1.0 -> 0.0, old 20.0 -> 10.0, large 5.0 -> 2.0 MB"
    );
}

// ---------------------------------------------------------------------------------------
// SVG charts

/// Checks that `svg` is one well-formed SVG document: every tag closes in order, attribute
/// values are quoted, and there is exactly one `<svg>` root. Returns the number of elements.
fn check_well_formed(svg: &str) -> usize {
    let mut stack: Vec<&str> = Vec::new();
    let mut elements = 0;
    let mut roots = 0;
    let mut rest = svg;
    while let Some(open) = rest.find('<') {
        let text = &rest[..open];
        assert!(!text.contains('>'), "stray '>' in text {text:?}");
        if !stack.is_empty() {
            assert_no_bare_ampersand(text);
        }
        rest = &rest[open..];
        if let Some(body) = rest.strip_prefix("<?") {
            let end = body
                .find("?>")
                .expect("unterminated processing instruction");
            rest = &body[end + 2..];
            continue;
        }
        if let Some(body) = rest.strip_prefix("<!--") {
            let end = body.find("-->").expect("unterminated comment");
            rest = &body[end + 3..];
            continue;
        }
        // Find the tag's end, skipping over quoted attribute values.
        let mut quote = None;
        let mut end = None;
        for (i, c) in rest.char_indices().skip(1) {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), '<') => panic!("'<' inside an attribute value"),
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '<') => panic!("'<' inside a tag: {}", &rest[..i]),
                (None, '>') => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let end = end.expect("unterminated tag");
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack.pop().expect("closing tag with nothing open");
            assert_eq!(open, name.trim(), "mismatched closing tag");
        } else {
            let name = tag
                .split(|c: char| c.is_whitespace() || c == '/')
                .next()
                .unwrap();
            assert!(!name.is_empty(), "empty tag name");
            if stack.is_empty() {
                roots += 1;
                assert_eq!(name, "svg", "root element");
            }
            elements += 1;
            if !tag.ends_with('/') {
                stack.push(name);
            }
        }
    }
    assert!(stack.is_empty(), "unclosed tags: {stack:?}");
    assert!(rest.trim().is_empty(), "trailing text after the root");
    assert_eq!(roots, 1, "exactly one root element");
    assert_eq!(svg.matches("<svg").count(), 1);
    elements
}

fn assert_no_bare_ampersand(text: &str) {
    for (i, _) in text.match_indices('&') {
        let entity = &text[i..];
        assert!(
            ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#"]
                .iter()
                .any(|e| entity.starts_with(e)),
            "bare '&' in {text:?}"
        );
    }
}

const LEGEND_LABELS: [&str; 8] = [
    "nursery",
    "large objects",
    "old generation",
    "minor GC (Scavenge)",
    "major GC (Mark-Sweep)",
    "heap after major GC",
    "minor GC pause",
    "major GC pause",
];
const AXIS_LABELS: [&str; 3] = [
    "allocated since heap creation (MB)",
    "heap occupancy (MB)",
    "pause (ms)",
];

/// The text content of every `<text>` element, trimmed.
fn texts(svg: &str) -> Vec<&str> {
    svg.split("<text")
        .skip(1)
        .map(|t| {
            let body = &t[t.find('>').unwrap() + 1..];
            body[..body.find("</text>").unwrap()].trim()
        })
        .collect()
}

fn count_text(svg: &str, text: &str) -> usize {
    texts(svg).iter().filter(|t| **t == text).count()
}

fn assert_labelled(svg: &str) {
    for label in LEGEND_LABELS.iter().chain(&AXIS_LABELS) {
        assert!(count_text(svg, label) >= 1, "missing label {label:?}");
    }
}

/// Stroke colours of minor and major pause bars.
const MINOR: &str = "#1F77B4";
const MAJOR: &str = "#D62728";
/// Legend swatches drawn as the same kind of line as a pause bar (the minor tick and the
/// minor pause swatch; the major pause swatch).
const LEGEND_MINOR_BARS: usize = 2;
const LEGEND_MAJOR_BARS: usize = 1;

/// Number of filled dots of a colour.
fn dots(svg: &str, fill: &str) -> usize {
    svg.lines()
        .filter(|l| l.contains("<circle") && l.contains(&format!("fill=\"{fill}\"")))
        .count()
}

/// Number of vertical pause bars of a colour: `<polyline>`s in the bar's stroke.
fn bars(svg: &str, stroke: &str, width: u32) -> usize {
    svg.lines()
        .filter(|l| {
            l.contains("<polyline")
                && l.contains(&format!("stroke=\"{stroke}\""))
                && l.contains(&format!("stroke-width=\"{width}\""))
        })
        .count()
}

#[test]
fn empty_run_renders_an_empty_chart_with_a_note() {
    let svg = render_svg_to_string(&[], "nothing happened").unwrap();
    check_well_formed(&svg);
    // No events name no spaces: the legend has no space entries, only the markers.
    for label in LEGEND_LABELS[3..].iter().chain(&AXIS_LABELS) {
        assert!(count_text(&svg, label) >= 1, "missing label {label:?}");
    }
    assert_eq!(count_text(&svg, "nursery"), 0);
    assert_eq!(count_text(&svg, "nothing happened"), 1);
    // One note in each panel, and in the summary line.
    assert_eq!(count_text(&svg, "no collections recorded"), 3);
    assert_eq!(
        bars(&svg, MINOR, 2),
        LEGEND_MINOR_BARS,
        "only the legend swatches"
    );
}

#[test]
fn single_event_renders() {
    let events = &synthetic_run(1, false)[..1];
    let svg = render_svg_to_string(events, "one scavenge").unwrap();
    check_well_formed(&svg);
    assert_labelled(&svg);
    assert!(!svg.contains("no collections recorded"));
    assert!(svg.contains("1 collection (1 minor, 0 major)"));
    // One minor pause bar besides the legend's swatches; no major bar.
    assert_eq!(bars(&svg, MINOR, 2), LEGEND_MINOR_BARS + 1);
    assert_eq!(bars(&svg, MAJOR, 3), LEGEND_MAJOR_BARS);
}

#[test]
fn ten_thousand_events_render_exactly_enough() {
    let events = synthetic_run(9_800, true);
    assert!(events.len() >= 10_000, "{}", events.len());
    let majors = events
        .iter()
        .filter(|e| e.kind == CollectionKind::Major)
        .count();
    let dir = std::env::temp_dir().join(format!("gclab-plot-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("ten-thousand.svg");
    render_svg_file(&events, "10k collections", &path).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();

    let elements = check_well_formed(&svg);
    assert_labelled(&svg);
    assert!(svg.contains("decimated for drawing"));
    assert!(svg.contains(&format!(
        "({} minor, {} major)",
        events.len() - majors,
        majors
    )));
    // Decimation bounds the drawing: at most one bar per bucket per kind, not one per event.
    // Too many pauses for bars: one dot per bucket and kind (the legend has one of each).
    let minor_dots = dots(&svg, MINOR) - 1;
    assert!(minor_dots > 500 && minor_dots <= 1_200, "{minor_dots}");
    assert_eq!(bars(&svg, MINOR, 2), 1, "only the legend's tick");
    assert!(elements < 8_000, "{elements} elements");
    assert!(svg.len() < 1_500_000, "{} bytes", svg.len());
}

#[test]
fn hundred_thousand_events_render_small() {
    let events = synthetic_run(100_000, false);
    let svg = render_svg_to_string(&events, "100k").unwrap();
    check_well_formed(&svg);
    assert!(svg.len() < 1_500_000, "{} bytes", svg.len());
}

#[test]
fn exact_drawing_has_one_bar_per_collection() {
    let events = synthetic_run(200, true);
    let majors = events
        .iter()
        .filter(|e| e.kind == CollectionKind::Major)
        .count();
    let mut svg = Vec::new();
    render_svg(&events, "exact", &mut svg).unwrap();
    let svg = String::from_utf8(svg).unwrap();
    check_well_formed(&svg);
    assert!(!svg.contains("decimated"));
    assert!(majors > 0);
    assert_eq!(bars(&svg, MINOR, 2), LEGEND_MINOR_BARS + 200);
    assert_eq!(bars(&svg, MAJOR, 3), LEGEND_MAJOR_BARS + majors);
}

#[test]
fn titles_are_escaped() {
    let svg = render_svg_to_string(&synthetic_run(3, false), "a <b> & \"c\"").unwrap();
    check_well_formed(&svg);
    assert!(svg.contains("a &lt;b&gt; &amp;"));
}

/// Renders the leak and its fixed twin side by side. Set `GCLAB_PLOT_OUT=<file.svg>` to keep
/// the figure for a look.
#[test]
fn leak_and_fixed_pair_share_one_svg() {
    let leak = synthetic_run(400, true);
    let fixed = synthetic_run(400, false);
    let mut out = Vec::new();
    render_svg_pair(
        &leak,
        "leak: listeners never removed",
        &fixed,
        "fixed",
        &mut out,
    )
    .unwrap();
    let svg = String::from_utf8(out).unwrap();
    if let Some(path) = std::env::var_os("GCLAB_PLOT_OUT") {
        std::fs::write(path, &svg).unwrap();
    }
    check_well_formed(&svg);
    assert!(svg.contains(r#"width="2200""#));
    assert_eq!(count_text(&svg, "leak: listeners never removed"), 1);
    assert_eq!(count_text(&svg, "fixed"), 1);
    // Both halves carry the full legend and axes.
    for label in LEGEND_LABELS.iter().chain(&AXIS_LABELS) {
        let per_half = if label.starts_with("allocated") { 2 } else { 1 };
        assert_eq!(count_text(&svg, label), 2 * per_half, "{label}");
    }

    // The leak's post-major occupancy climbs; the fixed run's stays flat.
    let after_major = |run: &[GcEvent]| -> Vec<f64> {
        run.iter()
            .filter(|e| e.kind == CollectionKind::Major)
            .map(|e| e.after.bytes() as f64 / BYTES_PER_MB)
            .collect()
    };
    let (l, f) = (after_major(&leak), after_major(&fixed));
    assert!(l.last().unwrap() > &(l[0] + 10.0));
    assert!(f.iter().all(|&v| (v - f[0]).abs() < 1e-9));
}
