//! The GC log: one JSON object per line, one line per collection.
//!
//! A run's collections are written as [JSON lines](https://jsonlines.org/) so that a log can be
//! appended to while the run goes on, cut with `head`/`tail`, filtered with `grep` or `jq`, and
//! read back without loading a whole document.
//!
//! # Schema
//!
//! Each line is a [`GcLogRecord`]: the serde form of [`gclab::stats::GcEvent`] with its fields
//! at the top level, plus two optional context fields naming the run it came from.
//!
//! | field              | type    | meaning                                                      |
//! |--------------------|---------|--------------------------------------------------------------|
//! | `scenario`         | string  | optional: the scenario that produced the event               |
//! | `plan`             | string  | optional: the collector plan (`generational`, `mark-sweep`, ...) |
//! | `seq`              | integer | sequence number of the collection, from 0                    |
//! | `kind`             | string  | `"minor"` or `"major"`                                       |
//! | `cause`            | string  | `"nursery-full"`, `"old-threshold"`, `"heap-limit"`, `"requested"`, `"stress"`, `"incremental"` or `"measurement"` |
//! | `start`            | integer | nanoseconds from heap creation to the start of the pause     |
//! | `pause`            | integer | pause length in nanoseconds                                  |
//! | `allocated_before` | integer | bytes allocated since heap creation, when the pause started  |
//! | `before`, `after`  | object  | `{"nursery": U, "old": U, "large": U}` with `U = {"bytes": n, "objects": n}` |
//! | `copied_bytes`, `promoted_bytes`, `marked_bytes`, `swept_bytes`, `reclaimed_bytes` | integer | see [`GcEvent`] |
//!
//! The context fields are left out when they are not set, so a bare serialised `GcEvent` is a
//! valid line too. Blank lines are skipped by the reader; anything else that does not parse is
//! an error that names its (1-based) line number.
//!
//! ```text
//! {"scenario":"interval-leak","plan":"generational","seq":0,"kind":"minor","cause":"nursery-full","start":1503000,"pause":210000,"allocated_before":4194304,"before":{"nursery":{"bytes":4194304,"objects":52000},"old":{"bytes":0,"objects":0},"large":{"bytes":0,"objects":0}},"after":{...},"copied_bytes":...}
//! ```
//!
//! # Trace lines
//!
//! [`trace_line`] formats one event for people, in the spirit of V8's `--trace-gc`:
//!
//! ```text
//! [gc #12 @ 143.2 ms] Scavenge 4.0 (6.1) -> 0.4 (2.5) MB, 0.21 ms, reason: allocation failure
//! ```

use gclab::stats::GcEvent;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::io::{self, BufRead, Write};

/// Bytes in the "MB" that trace lines and plots print (2^20, as V8 does).
pub const BYTES_PER_MB: f64 = (1u64 << 20) as f64;

/// One line of the GC log: a collection and, optionally, the run it belongs to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GcLogRecord {
    /// The scenario that produced the event, when the writer was told.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    /// The collector plan the scenario ran under, when the writer was told.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    /// The collection itself; its fields sit at the top level of the line.
    #[serde(flatten)]
    pub event: GcEvent,
}

impl GcLogRecord {
    /// A record with no scenario or plan.
    pub fn bare(event: GcEvent) -> Self {
        GcLogRecord {
            scenario: None,
            plan: None,
            event,
        }
    }
}

/// Writes [`GcLogRecord`]s as JSON lines to any [`io::Write`].
///
/// Each record is serialised into an internal buffer and handed to the sink with a single
/// `write_all`, so the sink does not need to be buffered and lines from one writer never
/// interleave mid-line. Call [`GcLogWriter::flush`] (or [`GcLogWriter::into_inner`]) when done.
#[derive(Debug)]
pub struct GcLogWriter<W: Write> {
    out: W,
    scenario: Option<String>,
    plan: Option<String>,
    line: Vec<u8>,
    written: u64,
}

impl<W: Write> GcLogWriter<W> {
    /// A writer that records bare events (no scenario or plan).
    pub fn new(out: W) -> Self {
        GcLogWriter {
            out,
            scenario: None,
            plan: None,
            line: Vec::with_capacity(512),
            written: 0,
        }
    }

    /// Tags every following line with this scenario name.
    pub fn with_scenario(mut self, scenario: impl Into<String>) -> Self {
        self.scenario = Some(scenario.into());
        self
    }

    /// Tags every following line with this plan name.
    pub fn with_plan(mut self, plan: impl Into<String>) -> Self {
        self.plan = Some(plan.into());
        self
    }

    /// Writes one event as one line, with this writer's scenario and plan.
    ///
    /// # Errors
    /// Any error of the underlying writer.
    pub fn write_event(&mut self, event: &GcEvent) -> io::Result<()> {
        #[derive(Serialize)]
        struct Borrowed<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            scenario: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            plan: Option<&'a str>,
            #[serde(flatten)]
            event: &'a GcEvent,
        }
        let record = Borrowed {
            scenario: self.scenario.as_deref(),
            plan: self.plan.as_deref(),
            event,
        };
        self.line.clear();
        serde_json::to_writer(&mut self.line, &record)?;
        self.finish_line()
    }

    /// Writes a record as one line, keeping its own scenario and plan.
    ///
    /// # Errors
    /// Any error of the underlying writer.
    pub fn write_record(&mut self, record: &GcLogRecord) -> io::Result<()> {
        self.line.clear();
        serde_json::to_writer(&mut self.line, record)?;
        self.finish_line()
    }

    /// Writes every event in order, as [`GcLogWriter::write_event`] does.
    ///
    /// # Errors
    /// The first error of the underlying writer; later events are not written.
    pub fn write_events<'a>(
        &mut self,
        events: impl IntoIterator<Item = &'a GcEvent>,
    ) -> io::Result<()> {
        events.into_iter().try_for_each(|e| self.write_event(e))
    }

    /// Lines written so far.
    pub fn lines_written(&self) -> u64 {
        self.written
    }

    /// Flushes the underlying writer.
    ///
    /// # Errors
    /// Any error of the underlying writer.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Flushes and returns the underlying writer.
    ///
    /// # Errors
    /// Any error of the underlying writer's flush.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }

    fn finish_line(&mut self) -> io::Result<()> {
        self.line.push(b'\n');
        self.out.write_all(&self.line)?;
        self.written += 1;
        Ok(())
    }
}

/// Why a GC log could not be read.
#[derive(Debug)]
pub enum GcLogError {
    /// The reader failed (or the bytes were not UTF-8) on this line.
    Io {
        /// 1-based line number.
        line: usize,
        /// The underlying error.
        source: io::Error,
    },
    /// This line is not a valid record.
    Parse {
        /// 1-based line number.
        line: usize,
        /// What serde_json objected to; its column is within the line.
        source: serde_json::Error,
    },
}

impl GcLogError {
    /// The 1-based line number the error was found on.
    pub fn line(&self) -> usize {
        match self {
            GcLogError::Io { line, .. } | GcLogError::Parse { line, .. } => *line,
        }
    }
}

impl fmt::Display for GcLogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GcLogError::Io { line, source } => {
                write!(f, "GC log line {line}: read failed: {source}")
            }
            GcLogError::Parse { line, source } => {
                write!(f, "GC log line {line}: invalid record: {source}")
            }
        }
    }
}

impl std::error::Error for GcLogError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            GcLogError::Io { source, .. } => Some(source),
            GcLogError::Parse { source, .. } => Some(source),
        }
    }
}

/// Reads a whole GC log, one record per non-blank line.
///
/// # Errors
/// The first line that cannot be read or parsed, with its 1-based line number.
pub fn read_gc_log(reader: impl BufRead) -> Result<Vec<GcLogRecord>, GcLogError> {
    let mut records = Vec::new();
    for (index, line) in reader.lines().enumerate() {
        let line_no = index + 1;
        let text = line.map_err(|source| GcLogError::Io {
            line: line_no,
            source,
        })?;
        if text.trim().is_empty() {
            continue;
        }
        let record = serde_json::from_str(&text).map_err(|source| GcLogError::Parse {
            line: line_no,
            source,
        })?;
        records.push(record);
    }
    Ok(records)
}

/// Formats one event as a human-readable line, in the spirit of V8's `--trace-gc`.
///
/// ```text
/// [gc #<seq> @ <start> ms] <kind> <space> (<total>) -> <space> (<total>) MB, <pause> ms, reason: <cause>
/// ```
///
/// `<kind>` is `Scavenge` for a minor collection and `Mark-Sweep` for a major one. `<space>` is
/// the generation the collection targets, before and after: the nursery for a scavenge, the old
/// generation plus large objects for a mark-sweep. `<total>` is the whole heap (every space).
/// Sizes are in MB of 2^20 bytes with one decimal; the pause has two decimals.
pub fn trace_line(event: &GcEvent) -> String {
    event.trace_line()
}

#[cfg(test)]
mod tests {
    use super::*;
    use gclab::stats::{CollectionCause, CollectionKind, HeapUsage, PhaseTimes, SpaceEntry};
    use std::time::Duration;

    fn usage(nursery: u64, old: u64, large: u64) -> HeapUsage {
        let u = |name, bytes| SpaceEntry::new(name, bytes, bytes / 32, 0);
        [u("nursery", nursery), u("old", old), u("large", large)]
            .into_iter()
            .collect()
    }

    fn event(kind: CollectionKind) -> GcEvent {
        let before = usage(4 << 20, 2 << 20, 1 << 20);
        let after = usage(0, 3 << 20, 1 << 20);
        GcEvent {
            seq: 3,
            kind,
            cause: CollectionCause::OldThreshold,
            start: Duration::from_micros(2_500),
            pause: Duration::from_micros(1_234),
            allocated_before: 9 << 20,
            before,
            after,
            copied_bytes: 0,
            promoted_bytes: 1 << 20,
            marked_bytes: 4 << 20,
            swept_bytes: 0,
            reclaimed_bytes: before.bytes() - after.bytes(),
            phases: PhaseTimes {
                prepare: Duration::from_micros(4),
                roots: Duration::from_micros(30),
                closure: Duration::from_micros(1_000),
                weak: Duration::ZERO,
                release: Duration::from_micros(200),
            },
            incremental: None,
        }
    }

    #[test]
    fn bare_event_line_has_no_context_fields_and_reads_back() {
        let mut w = GcLogWriter::new(Vec::new());
        w.write_event(&event(CollectionKind::Minor)).unwrap();
        let bytes = w.into_inner().unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(!text.contains("scenario") && !text.contains("plan"));
        assert!(text.contains("\"pause\":1234000"), "{text}");
        // A bare line is exactly the serde form of the event.
        let direct = serde_json::to_string(&event(CollectionKind::Minor)).unwrap();
        assert_eq!(text, format!("{direct}\n"));
        let back = read_gc_log(text.as_bytes()).unwrap();
        assert_eq!(back, vec![GcLogRecord::bare(event(CollectionKind::Minor))]);
    }

    #[test]
    fn blank_lines_are_skipped_but_counted() {
        let line = serde_json::to_string(&event(CollectionKind::Major)).unwrap();
        let text = format!("\n{line}\n   \n{{oops\n");
        let err = read_gc_log(text.as_bytes()).unwrap_err();
        assert_eq!(err.line(), 4);
        assert!(matches!(err, GcLogError::Parse { .. }));
    }

    #[test]
    fn major_trace_line_reports_old_plus_large() {
        let line = trace_line(&event(CollectionKind::Major));
        assert_eq!(
            line,
            "[gc #3 @ 2.5 ms] Mark-Sweep 3.0 (7.0) -> 4.0 (4.0) MB, 1.23 ms, \
             reason: old generation threshold; nursery 4.0 -> 0.0, old 2.0 -> 3.0, \
             large 1.0 -> 1.0 MB; prepare 0.00, roots 0.03, closure 1.00, release 0.20 ms"
        );
    }
}
