//! Reports on a run's collections: a machine-readable GC log and SVG charts.
//!
//! Both are computed from the heap's per-collection [`gclab::stats::GcEvent`]s alone:
//!
//! * [`gclog`] writes and reads the log (JSON lines, one event per line) and formats
//!   V8-style `--trace-gc` lines for people;
//! * [`plot`] draws heap occupancy and pauses against bytes allocated, for one run or two
//!   side by side.

pub mod gclog;
pub mod plot;

pub use gclog::{read_gc_log, trace_line, GcLogError, GcLogRecord, GcLogWriter};
pub use plot::{render_svg, render_svg_file, render_svg_pair, render_svg_to_string, PlotError};
