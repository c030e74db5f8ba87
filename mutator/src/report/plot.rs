//! SVG charts of a run's collections, drawn with plotters' SVG backend.
//!
//! # The figure
//!
//! One chart has a title, a one-line summary (collection counts, total and longest pause,
//! bytes allocated) and two panels that share their x axis, **bytes allocated since the heap
//! was created** (each event's `allocated_before`), in MB of 2^20 bytes. Using allocation
//! rather than time as the clock makes runs comparable whatever the machine's speed, and a
//! leak shows as occupancy that grows with the work done.
//!
//! * **Top panel: heap occupancy (MB).** The plan's spaces (from the events' usage lists) are
//!   stacked as areas: the others in the plan's order from the bottom (the old generation or
//!   Immix space, then large objects), the nursery on top. Every collection contributes two points at
//!   the same x, its occupancy before and after, so the outline is a sawtooth: it rises while
//!   the mutator allocates and drops at each collection. Every collection is also marked by a
//!   tick hanging from the top edge, in the headroom above the highest occupancy: short and
//!   blue for minor, longer and red for major collections. The occupancy right after each
//!   major collection (the leak verdict's measure) is a red dot, and the dots are joined by a
//!   line: flat for a healthy run, climbing for a leak. When the first event has `seq == 0`
//!   the outline starts at the origin, since a new heap is empty.
//! * **Bottom panel: pauses (ms).** Each pause is a vertical bar at its collection's x, blue for
//!   minor and red for major collections. Beyond 400 pauses (after decimation), bars would
//!   merge into a solid block, so each pause is drawn as a dot at its height instead.
//!
//! Legends sit in a strip to the right of each panel, so they never cover data.
//!
//! # Size
//!
//! Up to 3,000 events are drawn exactly. Beyond that the x axis is cut into 1,200 buckets
//! (finer than the plot's pixel columns) and each bucket keeps the events that shape what
//! the eye sees at that resolution: the highest occupancy before and the lowest after a
//! collection, the longest minor and major pause, and the last major collection. The peaks,
//! troughs and longest pauses are therefore exact, and 100,000 events render in a few hundred
//! kilobytes. The summary line says when this happened.
//!
//! # Two runs side by side
//!
//! [`render_svg_pair`] draws two charts in one SVG, left and right, with **the same axis ranges**
//! so a leak and its fixed twin can be compared by eye. Embed the file as one image.

use super::gclog::BYTES_PER_MB;
use gclab::stats::{CollectionKind, GcEvent, HeapUsage, MAX_SPACES, NURSERY as NURSERY_SPACE};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::fmt;
use std::io::{self, Write};
use std::path::Path;

/// Width of one chart in pixels.
pub const CHART_WIDTH: u32 = 1100;
/// Height of one chart in pixels.
pub const CHART_HEIGHT: u32 = 720;

/// Events drawn one by one; more than this are decimated (see the module docs).
const MAX_EXACT_EVENTS: usize = 3_000;
/// Pauses drawn as bars; more are drawn as dots, since bars this dense merge into a block.
const MAX_PAUSE_BARS: usize = 400;
/// Buckets along the x axis when decimating.
const BUCKETS: usize = 1_200;
/// Width of the legend strip right of each panel.
const LEGEND_WIDTH: u32 = 210;

const FONT: &str = "sans-serif";
const NURSERY: RGBColor = RGBColor(141, 211, 199);
const OLD: RGBColor = RGBColor(128, 160, 205);
const LARGE: RGBColor = RGBColor(253, 180, 98);
/// Colours of spaces other than `nursery`, `large` and the first old space.
const OTHER: [RGBColor; 3] = [
    RGBColor(190, 186, 218),
    RGBColor(251, 128, 114),
    RGBColor(179, 222, 105),
];
const OUTLINE: RGBColor = RGBColor(42, 140, 125);
const MINOR: RGBColor = RGBColor(31, 119, 180);
const MAJOR: RGBColor = RGBColor(214, 39, 40);
/// Incremental marking steps (start, slices, end).
const SLICE: RGBColor = RGBColor(255, 127, 14);
const GRID: RGBColor = RGBColor(225, 225, 225);
const NOTE: RGBColor = RGBColor(110, 110, 110);

/// Why a chart could not be rendered.
#[derive(Debug)]
pub enum PlotError {
    /// Writing the SVG out failed.
    Io(io::Error),
    /// plotters reported an error while drawing.
    Draw(String),
}

impl fmt::Display for PlotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlotError::Io(e) => write!(f, "writing the chart failed: {e}"),
            PlotError::Draw(e) => write!(f, "drawing the chart failed: {e}"),
        }
    }
}

impl std::error::Error for PlotError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PlotError::Io(e) => Some(e),
            PlotError::Draw(_) => None,
        }
    }
}

impl From<io::Error> for PlotError {
    fn from(e: io::Error) -> Self {
        PlotError::Io(e)
    }
}

fn draw_err<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> PlotError {
    PlotError::Draw(e.to_string())
}

/// Renders one chart of `events` (in any order) as an SVG document into a string.
///
/// # Errors
/// [`PlotError::Draw`] if plotters fails, which it does not for any input we know of.
pub fn render_svg_to_string(events: &[GcEvent], title: &str) -> Result<String, PlotError> {
    let layout = Layout::new(events);
    let ranges = layout.ranges;
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (CHART_WIDTH, CHART_HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        draw_chart(&root, &layout, ranges, title)?;
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}

/// Renders one chart of `events` (in any order) as an SVG document into `out`.
///
/// # Errors
/// [`PlotError::Io`] if writing fails; [`PlotError::Draw`] if plotters fails.
pub fn render_svg(events: &[GcEvent], title: &str, mut out: impl Write) -> Result<(), PlotError> {
    let svg = render_svg_to_string(events, title)?;
    out.write_all(svg.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Renders one chart of `events` into the file at `path`, replacing it.
///
/// # Errors
/// [`PlotError::Io`] if the file cannot be written; [`PlotError::Draw`] if plotters fails.
pub fn render_svg_file(events: &[GcEvent], title: &str, path: &Path) -> Result<(), PlotError> {
    let svg = render_svg_to_string(events, title)?;
    std::fs::write(path, svg)?;
    Ok(())
}

/// Renders two charts side by side in one SVG document (twice as wide as one chart), both
/// with the same axis ranges so that their heights and positions compare directly.
///
/// # Errors
/// [`PlotError::Io`] if writing fails; [`PlotError::Draw`] if plotters fails.
pub fn render_svg_pair(
    left: &[GcEvent],
    left_title: &str,
    right: &[GcEvent],
    right_title: &str,
    mut out: impl Write,
) -> Result<(), PlotError> {
    let left = Layout::new(left);
    let right = Layout::new(right);
    let ranges = left.ranges.union(right.ranges);
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (2 * CHART_WIDTH, CHART_HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let (l, r) = root.split_horizontally(CHART_WIDTH);
        draw_chart(&l, &left, ranges, left_title)?;
        draw_chart(&r, &right, ranges, right_title)?;
        root.present().map_err(draw_err)?;
    }
    out.write_all(svg.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Heap occupancy at one x, in MB per space, in the order of [`Layout::spaces`].
#[derive(Clone, Copy, Debug, PartialEq)]
struct Sample {
    x: f64,
    spaces: [f64; MAX_SPACES],
}

impl Sample {
    fn of(x: f64, usage: &HeapUsage, names: &[String]) -> Self {
        let mut spaces = [0.0; MAX_SPACES];
        for (v, name) in spaces.iter_mut().zip(names) {
            *v = mb(usage.bytes_of(name));
        }
        Sample { x, spaces }
    }

    /// The height of the stack up to and including space `i`.
    fn top(&self, i: usize) -> f64 {
        self.spaces[..=i].iter().sum()
    }
}

/// The spaces the events name, in stacking order (bottom first): every space but the nursery
/// in the order the events list them, then the nursery. At most [`MAX_SPACES`].
fn stacking_order(events: &[&GcEvent]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for e in events {
        for entry in e.before.spaces().iter().chain(e.after.spaces()) {
            let n = entry.name.as_str();
            if !names.iter().any(|m| m == n) && names.len() < MAX_SPACES {
                names.push(n.to_string());
            }
        }
    }
    if let Some(i) = names.iter().position(|n| n == NURSERY_SPACE) {
        let n = names.remove(i);
        names.push(n);
    }
    names
}

/// A space's colour and legend label.
fn space_style(name: &str, index: usize) -> (RGBColor, String) {
    match name {
        NURSERY_SPACE => (NURSERY, "nursery".into()),
        "large" => (LARGE, "large objects".into()),
        "old" => (OLD, "old generation".into()),
        _ if index == 0 => (OLD, format!("{name} space")),
        _ => (OTHER[index % OTHER.len()], format!("{name} space")),
    }
}

/// Upper ends of the three axes (all start at 0).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Ranges {
    x: f64,
    heap: f64,
    pause: f64,
}

impl Ranges {
    fn union(self, other: Ranges) -> Ranges {
        Ranges {
            x: self.x.max(other.x),
            heap: self.heap.max(other.heap),
            pause: self.pause.max(other.pause),
        }
    }
}

/// Everything the chart draws, in chart units (MB, ms), after decimation.
#[derive(Debug)]
struct Layout {
    /// The spaces stacked in the top panel, bottom first.
    spaces: Vec<String>,
    /// The sawtooth: before and after each (kept) collection, in x order.
    occupancy: Vec<Sample>,
    /// x of each (kept) minor collection.
    minor_x: Vec<f64>,
    /// (x, total occupancy after) of each (kept) major collection.
    major_after: Vec<(f64, f64)>,
    minor_pauses: Vec<(f64, f64)>,
    major_pauses: Vec<(f64, f64)>,
    /// Pauses of incremental marking steps (drawn apart from whole major collections).
    slice_pauses: Vec<(f64, f64)>,
    /// Whether pauses are drawn as dots (too many for bars to stay apart) or as bars.
    pause_dots: bool,
    /// Whether events were dropped for drawing.
    decimated: bool,
    ranges: Ranges,
    summary: String,
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / BYTES_PER_MB
}

fn x_of(e: &GcEvent) -> f64 {
    mb(e.allocated_before)
}

fn pause_ms(e: &GcEvent) -> f64 {
    e.pause.as_secs_f64() * 1e3
}

/// `ms` milliseconds for people: "0.21 ms", "143.2 ms", "19.91 s".
fn human_ms(ms: f64) -> String {
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1e3)
    } else if ms >= 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.2} ms")
    }
}

/// `mb` MB (of 2^20 bytes) for people: "126.0 MB", "40.20 GB".
fn human_mb(mb: f64) -> String {
    if mb >= 1024.0 {
        format!("{:.2} GB", mb / 1024.0)
    } else {
        format!("{mb:.1} MB")
    }
}

/// The upper end of an axis showing values up to `v`: `headroom` more, never 0.
fn axis_max(v: f64, headroom: f64) -> f64 {
    if v.is_finite() && v > 0.0 {
        v * (1.0 + headroom)
    } else {
        1.0
    }
}

impl Layout {
    fn new(events: &[GcEvent]) -> Layout {
        let mut order: Vec<&GcEvent> = events.iter().collect();
        order.sort_by_key(|e| (e.allocated_before, e.seq));

        let x_max = order.last().map_or(0.0, |e| x_of(e));
        let decimate = order.len() > MAX_EXACT_EVENTS;
        let bucket_of = |e: &GcEvent| -> usize {
            if x_max <= 0.0 {
                0
            } else {
                ((x_of(e) / x_max * BUCKETS as f64) as usize).min(BUCKETS - 1)
            }
        };
        // Keeps, per bucket, the event with the highest score (the later one on ties).
        // Scores see the event's position in x order as well as the event.
        let pick = |keep: &dyn Fn(&GcEvent) -> bool, score: &dyn Fn(usize, &GcEvent) -> f64| {
            let kept = order.iter().enumerate().filter(|(_, e)| keep(e));
            if !decimate {
                return kept.map(|(i, _)| i).collect::<Vec<usize>>();
            }
            let mut best: Vec<Option<(f64, usize)>> = vec![None; BUCKETS];
            for (i, e) in kept {
                let slot = &mut best[bucket_of(e)];
                let s = score(i, e);
                if slot.is_none_or(|(b, _)| s >= b) {
                    *slot = Some((s, i));
                }
            }
            best.into_iter().flatten().map(|(_, i)| i).collect()
        };
        let any = |_: &GcEvent| true;
        let is_minor = |e: &GcEvent| e.kind == CollectionKind::Minor;
        let is_major = |e: &GcEvent| e.kind == CollectionKind::Major && e.incremental.is_none();
        let is_slice = |e: &GcEvent| e.incremental.is_some();

        // The sawtooth: peaks and troughs per bucket, plus both ends.
        let mut shape = pick(&any, &|_, e| e.before.bytes() as f64);
        shape.extend(pick(&any, &|_, e| -(e.after.bytes() as f64)));
        if !order.is_empty() {
            shape.push(0);
            shape.push(order.len() - 1);
        }
        shape.sort_unstable();
        shape.dedup();
        let spaces = stacking_order(&order);
        let mut occupancy = Vec::with_capacity(2 * shape.len() + 1);
        if order.first().is_some_and(|e| e.seq == 0) {
            occupancy.push(Sample::of(0.0, &HeapUsage::default(), &spaces));
        }
        for &i in &shape {
            let e = order[i];
            occupancy.push(Sample::of(x_of(e), &e.before, &spaces));
            occupancy.push(Sample::of(x_of(e), &e.after, &spaces));
        }

        let points = |idx: Vec<usize>, y: &dyn Fn(&GcEvent) -> f64| -> Vec<(f64, f64)> {
            idx.into_iter()
                .map(|i| (x_of(order[i]), y(order[i])))
                .collect()
        };
        let longest = |_: usize, e: &GcEvent| pause_ms(e);
        let minor_pauses = points(pick(&is_minor, &longest), &pause_ms);
        let major_pauses = points(pick(&is_major, &longest), &pause_ms);
        let slice_pauses = points(pick(&is_slice, &longest), &pause_ms);
        let minor_x = minor_pauses.iter().map(|&(x, _)| x).collect();
        // Score by position so each bucket keeps its last major collection.
        let major_after = points(pick(&is_major, &|i, _| i as f64), &|e| mb(e.after.bytes()));

        let heap_peak = order
            .iter()
            .map(|e| e.before.bytes().max(e.after.bytes()))
            .max()
            .unwrap_or(0);
        let pause_peak = order.iter().map(|e| pause_ms(e)).fold(0.0, f64::max);
        let ranges = Ranges {
            x: axis_max(x_max, 0.02),
            heap: axis_max(mb(heap_peak), 0.08),
            pause: axis_max(pause_peak, 0.08),
        };

        let summary = if order.is_empty() {
            "no collections recorded".to_string()
        } else {
            let minors = order.iter().filter(|e| is_minor(e)).count();
            let total_pause: f64 = order.iter().map(|e| pause_ms(e)).sum();
            let mut s = format!(
                "{} collection{} ({} minor, {} major) · total pause {} · longest {} · {} allocated",
                order.len(),
                if order.len() == 1 { "" } else { "s" },
                minors,
                order.len() - minors,
                human_ms(total_pause),
                human_ms(pause_peak),
                human_mb(x_max),
            );
            if decimate {
                s.push_str(" · decimated for drawing");
            }
            s
        };

        Layout {
            spaces,
            occupancy,
            minor_x,
            major_after,
            pause_dots: minor_pauses.len() + major_pauses.len() + slice_pauses.len()
                > MAX_PAUSE_BARS,
            minor_pauses,
            major_pauses,
            slice_pauses,
            decimated: decimate,
            ranges,
            summary,
        }
    }
}

/// Tick labels with as many decimals as ticks on an axis of this span need, when plotters
/// puts at most `ticks` of them on it (so their step is at least `span / ticks`).
fn tick_label(span: f64, ticks: usize) -> impl Fn(&f64) -> String {
    let step = span / ticks as f64;
    let decimals = (-step.log10()).ceil().clamp(0.0, 6.0) as usize;
    move |v: &f64| format!("{v:.decimals$}")
}

/// What a legend entry's swatch looks like.
enum Swatch {
    Area(RGBColor),
    Line(ShapeStyle),
    Tick(RGBColor, u32),
    Dot(RGBColor, u32),
}

fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    top: i32,
    entries: &[(Swatch, &str)],
) -> Result<(), PlotError> {
    let row = 22;
    let (x0, y0) = (12, top);
    let height = row * entries.len() as i32 + 10;
    area.draw(&Rectangle::new(
        [
            (x0 - 6, y0 - 6),
            (LEGEND_WIDTH as i32 - 12, y0 + height - 6),
        ],
        ShapeStyle::from(&GRID).stroke_width(1),
    ))
    .map_err(draw_err)?;
    for (i, (swatch, label)) in entries.iter().enumerate() {
        let cy = y0 + 8 + row * i as i32;
        let (sx0, sx1) = (x0, x0 + 22);
        match *swatch {
            Swatch::Area(c) => {
                area.draw(&Rectangle::new([(sx0, cy - 6), (sx1, cy + 6)], c.filled()))
            }
            Swatch::Line(style) => area.draw(&PathElement::new(vec![(sx0, cy), (sx1, cy)], style)),
            Swatch::Tick(c, w) => area.draw(&PathElement::new(
                vec![(sx0 + 11, cy - 7), (sx0 + 11, cy + 7)],
                c.stroke_width(w),
            )),
            Swatch::Dot(c, r) => area.draw(&Circle::new((sx0 + 11, cy), r, c.filled())),
        }
        .map_err(draw_err)?;
        area.draw(&Text::new(
            *label,
            (sx1 + 8, cy),
            (FONT, 16)
                .into_font()
                .color(&BLACK)
                .pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(draw_err)?;
    }
    Ok(())
}

/// Margins of each panel's chart; the legend strip aligns with the plot's top edge.
const PANEL_MARGIN: u32 = 12;
const X_LABEL_AREA: u32 = 44;
const Y_LABEL_AREA: u32 = 72;
const X_TICKS: usize = 10;

fn draw_chart<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    layout: &Layout,
    ranges: Ranges,
    title: &str,
) -> Result<(), PlotError> {
    let (_, height) = area.dim_in_pixel();
    let (header, body) = area.split_vertically(64);
    header
        .draw(&Text::new(
            title,
            (20, 12),
            (FONT, 28).into_font().style(FontStyle::Bold).color(&BLACK),
        ))
        .map_err(draw_err)?;
    header
        .draw(&Text::new(
            layout.summary.as_str(),
            (20, 42),
            (FONT, 17).into_font().color(&NOTE),
        ))
        .map_err(draw_err)?;

    let top_height = (height - 64) * 60 / 100;
    let (top, bottom) = body.split_vertically(top_height);
    let (top_plot, top_legend) = top.split_horizontally(CHART_WIDTH - LEGEND_WIDTH);
    let (bottom_plot, bottom_legend) = bottom.split_horizontally(CHART_WIDTH - LEGEND_WIDTH);

    draw_heap_panel(&top_plot, layout, ranges)?;
    // Top of the stack first, as the areas read from the top down.
    let styles: Vec<(RGBColor, String)> = (0..layout.spaces.len())
        .rev()
        .map(|i| space_style(&layout.spaces[i], i))
        .collect();
    let mut entries: Vec<(Swatch, &str)> = styles
        .iter()
        .map(|(c, label)| (Swatch::Area(*c), label.as_str()))
        .collect();
    entries.extend([
        (Swatch::Tick(MINOR, 2), "minor GC (Scavenge)"),
        (Swatch::Tick(MAJOR, 2), "major GC (Mark-Sweep)"),
        (Swatch::Dot(MAJOR, 4), "heap after major GC"),
    ]);
    draw_legend(&top_legend, PANEL_MARGIN as i32 + 4, &entries)?;

    draw_pause_panel(&bottom_plot, layout, ranges)?;
    draw_legend(
        &bottom_legend,
        PANEL_MARGIN as i32 + 4,
        &if layout.pause_dots {
            [
                (Swatch::Dot(MINOR, 2), "minor GC pause"),
                (Swatch::Dot(MAJOR, 3), "major GC pause"),
                (Swatch::Dot(SLICE, 2), "incremental marking step"),
            ]
        } else {
            [
                (Swatch::Line(MINOR.stroke_width(2)), "minor GC pause"),
                (Swatch::Line(MAJOR.stroke_width(3)), "major GC pause"),
                (
                    Swatch::Line(SLICE.stroke_width(2)),
                    "incremental marking step",
                ),
            ]
        },
    )?;
    Ok(())
}

/// Draws "no collections recorded" in the middle of an empty panel.
fn draw_empty_note<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    centre: (i32, i32),
) -> Result<(), PlotError> {
    area.draw(&Text::new(
        "no collections recorded",
        centre,
        (FONT, 20)
            .into_font()
            .color(&NOTE)
            .pos(Pos::new(HPos::Center, VPos::Center)),
    ))
    .map_err(draw_err)?;
    Ok(())
}

fn draw_heap_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    layout: &Layout,
    ranges: Ranges,
) -> Result<(), PlotError> {
    let mut chart = ChartBuilder::on(area)
        .margin(PANEL_MARGIN)
        .x_label_area_size(X_LABEL_AREA)
        .y_label_area_size(Y_LABEL_AREA)
        .build_cartesian_2d(0.0..ranges.x, 0.0..ranges.heap)
        .map_err(draw_err)?;
    let x_fmt = tick_label(ranges.x, X_TICKS);
    let y_fmt = tick_label(ranges.heap, 6);
    chart
        .configure_mesh()
        .bold_line_style(GRID)
        .max_light_lines(0)
        .x_labels(X_TICKS)
        .y_labels(6)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .x_desc("allocated since heap creation (MB)")
        .y_desc("heap occupancy (MB)")
        .axis_desc_style((FONT, 17))
        .label_style((FONT, 15))
        .draw()
        .map_err(draw_err)?;

    // Stacked areas: draw each cumulative top, from the whole heap down, over the last.
    for level in (0..layout.spaces.len()).rev() {
        let (color, _) = space_style(&layout.spaces[level], level);
        // The sawtooth's outline, unless it is too dense to read and would only darken the fill.
        let border = if level + 1 == layout.spaces.len() && !layout.decimated {
            OUTLINE.stroke_width(1)
        } else {
            color.stroke_width(1)
        };
        let top = layout.occupancy.iter().map(|s| (s.x, s.top(level)));
        chart
            .draw_series(AreaSeries::new(top, 0.0, color).border_style(border))
            .map_err(draw_err)?;
    }

    // Each collection's mark: a tick hanging from the top edge, in the headroom above the
    // highest occupancy, so markers never hide the areas however dense they get.
    let rug = |x: f64, depth: f64, style: ShapeStyle| {
        PathElement::new(
            vec![(x, ranges.heap), (x, ranges.heap * (1.0 - depth))],
            style,
        )
    };
    chart
        .draw_series(
            layout
                .minor_x
                .iter()
                .map(|&x| rug(x, 0.025, MINOR.stroke_width(1))),
        )
        .map_err(draw_err)?;
    chart
        .draw_series(
            layout
                .major_after
                .iter()
                .map(|&(x, _)| rug(x, 0.05, MAJOR.stroke_width(2))),
        )
        .map_err(draw_err)?;

    // The occupancy each major collection left behind, joined up: the leak verdict's measure.
    chart
        .draw_series(LineSeries::new(
            layout.major_after.iter().copied(),
            MAJOR.stroke_width(2),
        ))
        .map_err(draw_err)?;
    chart
        .draw_series(
            layout
                .major_after
                .iter()
                .map(|&p| Circle::new(p, 3, MAJOR.filled())),
        )
        .map_err(draw_err)?;

    if layout.occupancy.is_empty() {
        let (w, h) = chart.plotting_area().dim_in_pixel();
        draw_empty_note(
            &chart.plotting_area().strip_coord_spec(),
            (w as i32 / 2, h as i32 / 2),
        )?;
    }
    Ok(())
}

fn draw_pause_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    layout: &Layout,
    ranges: Ranges,
) -> Result<(), PlotError> {
    let mut chart = ChartBuilder::on(area)
        .margin(PANEL_MARGIN)
        .x_label_area_size(X_LABEL_AREA)
        .y_label_area_size(Y_LABEL_AREA)
        .build_cartesian_2d(0.0..ranges.x, 0.0..ranges.pause)
        .map_err(draw_err)?;
    let x_fmt = tick_label(ranges.x, X_TICKS);
    let y_fmt = tick_label(ranges.pause, 5);
    chart
        .configure_mesh()
        .bold_line_style(GRID)
        .max_light_lines(0)
        .x_labels(X_TICKS)
        .y_labels(5)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .x_desc("allocated since heap creation (MB)")
        .y_desc("pause (ms)")
        .axis_desc_style((FONT, 17))
        .label_style((FONT, 15))
        .draw()
        .map_err(draw_err)?;

    if layout.pause_dots {
        let dots = |points: &[(f64, f64)], radius: u32, color: RGBColor| {
            points
                .iter()
                .map(move |&p| Circle::new(p, radius, color.filled()))
                .collect::<Vec<_>>()
        };
        chart
            .draw_series(dots(&layout.minor_pauses, 2, MINOR))
            .map_err(draw_err)?;
        chart
            .draw_series(dots(&layout.major_pauses, 3, MAJOR))
            .map_err(draw_err)?;
        chart
            .draw_series(dots(&layout.slice_pauses, 2, SLICE))
            .map_err(draw_err)?;
    } else {
        let bars = |points: &[(f64, f64)], style: ShapeStyle| {
            points
                .iter()
                .map(move |&(x, p)| PathElement::new(vec![(x, 0.0), (x, p)], style))
                .collect::<Vec<_>>()
        };
        chart
            .draw_series(bars(&layout.minor_pauses, MINOR.stroke_width(2)))
            .map_err(draw_err)?;
        chart
            .draw_series(bars(&layout.major_pauses, MAJOR.stroke_width(3)))
            .map_err(draw_err)?;
        chart
            .draw_series(bars(&layout.slice_pauses, SLICE.stroke_width(2)))
            .map_err(draw_err)?;
    }

    if layout.occupancy.is_empty() {
        let (w, h) = chart.plotting_area().dim_in_pixel();
        draw_empty_note(
            &chart.plotting_area().strip_coord_spec(),
            (w as i32 / 2, h as i32 / 2),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use gclab::stats::{CollectionCause, SpaceEntry};
    use std::time::Duration;

    fn usage(nursery: u64, old: u64) -> HeapUsage {
        [
            SpaceEntry::new("nursery", nursery, 1, 0),
            SpaceEntry::new("old", old, 1, 0),
            SpaceEntry::new("large", 0, 0, 0),
        ]
        .into_iter()
        .collect()
    }

    fn event(seq: u64, kind: CollectionKind, allocated: u64, pause_us: u64) -> GcEvent {
        let before = usage(1 << 20, seq * 1000);
        let after = usage(0, seq * 1000);
        GcEvent {
            seq,
            kind,
            cause: CollectionCause::NurseryFull,
            start: Duration::from_micros(seq * 100),
            pause: Duration::from_micros(pause_us),
            allocated_before: allocated,
            before,
            after,
            copied_bytes: 0,
            promoted_bytes: 0,
            marked_bytes: 0,
            swept_bytes: 0,
            reclaimed_bytes: before.bytes() - after.bytes(),
            phases: Default::default(),
            incremental: None,
        }
    }

    #[test]
    fn incremental_steps_are_drawn_apart_from_major_collections() {
        let mut events: Vec<_> = (0..6)
            .map(|i| event(i, CollectionKind::Major, (i + 1) << 20, 300))
            .collect();
        for e in &mut events[1..5] {
            e.incremental = Some(gclab::IncrementalPhase::MarkSlice);
        }
        let layout = Layout::new(&events);
        assert_eq!(layout.slice_pauses.len(), 4);
        assert_eq!(layout.major_pauses.len(), 2);
        let svg = render_svg_to_string(&events, "slices").unwrap();
        assert!(svg.contains("incremental marking step"));
    }

    #[test]
    fn small_logs_are_drawn_exactly_and_start_at_the_origin() {
        let events: Vec<_> = (0..10)
            .map(|i| event(i, CollectionKind::Minor, (i + 1) << 20, 50))
            .collect();
        let layout = Layout::new(&events);
        assert_eq!(layout.occupancy.len(), 1 + 2 * events.len());
        assert_eq!(layout.spaces, ["old", "large", "nursery"], "nursery on top");
        assert_eq!(layout.occupancy[0].top(2), 0.0);
        assert_eq!(layout.occupancy[1].top(2), mb(1 << 20));
        assert_eq!(layout.minor_pauses.len(), 10);
        assert!(layout.major_pauses.is_empty());
        assert!(!layout.summary.contains("decimated"));
    }

    #[test]
    fn large_logs_are_decimated_but_keep_extremes() {
        let mut events: Vec<_> = (0..100_000u64)
            .map(|i| {
                let kind = if i % 1000 == 999 {
                    CollectionKind::Major
                } else {
                    CollectionKind::Minor
                };
                event(i, kind, (i + 1) * 4096, 10 + i % 7)
            })
            .collect();
        events[54_321].pause = Duration::from_millis(9);
        events.reverse(); // order of the input must not matter
        let layout = Layout::new(&events);
        assert!(layout.occupancy.len() <= 4 * BUCKETS + 3);
        assert!(layout.minor_pauses.len() <= BUCKETS);
        assert_eq!(
            layout.major_pauses.len(),
            100,
            "majors are sparser than buckets"
        );
        let longest = layout
            .minor_pauses
            .iter()
            .map(|&(_, p)| p)
            .fold(0.0, f64::max);
        assert!((longest - 9.0).abs() < 1e-9);
        // The last event's peak (the highest old occupancy) is kept.
        let top = layout
            .occupancy
            .iter()
            .map(|s| s.top(2))
            .fold(0.0, f64::max);
        assert!((top - mb(99_999 * 1000 + (1 << 20))).abs() < 1e-9);
        assert!(layout.summary.contains("decimated"));
        let xs: Vec<f64> = layout.occupancy.iter().map(|s| s.x).collect();
        assert!(xs.windows(2).all(|w| w[0] <= w[1]), "sawtooth in x order");
    }

    #[test]
    fn ranges_are_never_empty() {
        let r = Layout::new(&[]).ranges;
        assert!(r.x > 0.0 && r.heap > 0.0 && r.pause > 0.0);
        let r = Layout::new(&[event(0, CollectionKind::Major, 0, 0)]).ranges;
        assert!(r.x > 0.0 && r.heap > 0.0 && r.pause > 0.0);
    }
}
