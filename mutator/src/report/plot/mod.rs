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

mod draw;
mod layout;
#[cfg(test)]
mod tests;

use draw::draw_chart;
use layout::Layout;

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
