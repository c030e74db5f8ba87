//! The comparison's budget policy, results, ratios, and their table and JSON forms.
//!
//! # Budget policy
//!
//! The default comparison must finish in under ten minutes on a 2-core machine, and the slow
//! peers need about ten times longer than `Box` on `binary-trees-21`. The runner therefore
//! applies, per (workload, implementation) *cell*:
//!
//! 1. **Prediction.** Workloads run from least to most work. Before a cell, its single-run time
//!    is predicted from the same implementation's median on the previous workload of the same
//!    family (any family if none), scaled by nodes allocated. A cell predicted to exceed the
//!    cell budget is not run: "skipped (budget)".
//! 2. **Repetitions.** Up to `reps` runs, but another run starts only if the time spent on the
//!    cell plus its median so far stays within the cell budget; the table shows how many ran.
//! 3. **Time-out.** A child still running after the cell budget (or past the run's hard stop)
//!    is killed: "timeout".
//! 4. **Deadline.** No run starts after the run-wide deadline: "skipped (deadline)".

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::measure::{median, Sample};

/// Time limits of a comparison run (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Budget {
    /// Seconds one cell may spend on all its repetitions.
    pub cell_secs: f64,
    /// Seconds after the start of the run at which no new run starts.
    pub deadline_secs: f64,
}

impl Budget {
    /// The defaults: 90 s per cell, no new run after 8.5 minutes.
    pub const DEFAULT: Budget = Budget {
        cell_secs: 90.0,
        deadline_secs: 510.0,
    };

    /// Whether a cell predicted to take `predicted_secs` per run should be skipped.
    pub fn skips(&self, predicted_secs: Option<f64>) -> bool {
        predicted_secs.is_some_and(|p| p > self.cell_secs)
    }

    /// Whether another repetition fits after `spent_secs` on the cell with `median_secs` so far.
    pub fn another_rep_fits(&self, spent_secs: f64, median_secs: f64) -> bool {
        spent_secs + median_secs <= self.cell_secs
    }
}

/// Predicts the time of a run allocating `nodes`, from an earlier run that allocated
/// `prior_nodes` in `prior_secs`, assuming constant throughput.
pub fn predict_secs(nodes: u64, prior_nodes: u64, prior_secs: f64) -> f64 {
    prior_secs * nodes as f64 / prior_nodes.max(1) as f64
}

/// How a cell ended.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Status {
    /// All runs that the budget allowed completed with the right checksum.
    Ok,
    /// Not run: the predicted time of one run exceeds the cell budget.
    SkippedBudget {
        /// The predicted seconds for one run.
        predicted_secs: f64,
    },
    /// Not run (or stopped early): the run-wide deadline had passed.
    SkippedDeadline,
    /// A child was killed after this many seconds.
    Timeout {
        /// Seconds the child ran before it was killed.
        after_secs: f64,
    },
    /// A child failed (crashed, or printed no sample).
    Failed {
        /// What went wrong.
        reason: String,
    },
    /// A run returned a checksum different from the closed form.
    WrongChecksum {
        /// The checksum returned.
        got: u64,
        /// The checksum expected.
        expected: u64,
    },
}

impl Status {
    fn describe(&self) -> String {
        match self {
            Status::Ok => "ok".into(),
            Status::SkippedBudget { predicted_secs } => {
                format!("skipped (budget: predicted {predicted_secs:.0} s per run)")
            }
            Status::SkippedDeadline => "skipped (deadline)".into(),
            Status::Timeout { after_secs } => format!("timeout (killed after {after_secs:.0} s)"),
            Status::Failed { reason } => format!("FAILED: {reason}"),
            Status::WrongChecksum { got, expected } => {
                format!("WRONG CHECKSUM {got} (expected {expected})")
            }
        }
    }

    /// Whether this status means the implementation misbehaved (as opposed to being skipped).
    pub fn is_error(&self) -> bool {
        matches!(self, Status::Failed { .. } | Status::WrongChecksum { .. })
    }
}

/// The result of one (workload, implementation) cell.
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    /// The workload's name.
    pub workload: String,
    /// The implementation's name.
    pub implementation: String,
    /// How the cell ended.
    pub status: Status,
    /// The completed runs (possibly some even when the status is not [`Status::Ok`]).
    pub samples: Vec<Sample>,
}

impl Cell {
    /// The median wall time over the completed runs.
    pub fn median_secs(&self) -> Option<f64> {
        median(&self.samples.iter().map(|s| s.secs).collect::<Vec<_>>())
    }

    /// The median over the runs of one pause figure (`None` when no run recorded pauses).
    pub fn median_pause(
        &self,
        figure: impl Fn(&crate::measure::PauseFigures) -> f64,
    ) -> Option<f64> {
        let v: Vec<f64> = self
            .samples
            .iter()
            .filter_map(|s| s.pauses.as_ref().map(&figure))
            .collect();
        median(&v)
    }

    /// The median peak RSS over the completed runs, in MiB.
    pub fn median_rss_mib(&self) -> Option<f64> {
        let mib: Vec<f64> = self
            .samples
            .iter()
            .map(|s| s.peak_rss_kib as f64 / 1024.0)
            .collect();
        median(&mib)
    }
}

/// A ratio of one cell to a baseline on the same workload (`> 1` means slower or bigger).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Ratio {
    /// Median time divided by the baseline's median time.
    pub time: f64,
    /// Median peak RSS divided by the baseline's median peak RSS.
    pub rss: f64,
}

/// A whole comparison: settings, cells and the baselines that ratios are taken against.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// Repetitions requested per cell.
    pub reps: usize,
    /// The budget the run used.
    pub budget: Budget,
    /// Names of the baseline implementations, in column order.
    pub baselines: Vec<String>,
    /// All cells, in run order.
    pub cells: Vec<Cell>,
    /// `(name, summary)` of every implementation that took part, printed under the table.
    pub implementations: Vec<(String, String)>,
    /// Wall time of the whole comparison, in seconds.
    pub total_secs: f64,
}

impl Report {
    /// The ratio of `cell` to the baseline called `baseline` on the same workload, if both were
    /// measured.
    pub fn ratio(&self, cell: &Cell, baseline: &str) -> Option<Ratio> {
        let base = self
            .cells
            .iter()
            .find(|c| c.workload == cell.workload && c.implementation == baseline)?;
        Some(Ratio {
            time: cell.median_secs()? / base.median_secs()?,
            rss: cell.median_rss_mib()? / base.median_rss_mib()?,
        })
    }

    /// Whether any cell misbehaved ([`Status::is_error`]).
    pub fn has_errors(&self) -> bool {
        self.cells.iter().any(|c| c.status.is_error())
    }

    /// The human-readable table, one row per cell, followed by notes.
    pub fn table(&self) -> String {
        let mut header = vec![
            "workload".to_string(),
            "impl".into(),
            "reps".into(),
            "median s".into(),
            "peak RSS MiB".into(),
        ];
        for b in &self.baselines {
            header.push(format!("time/{b}"));
        }
        for b in &self.baselines {
            header.push(format!("RSS/{b}"));
        }
        header.extend(["max pause ms".into(), "p99 ms".into(), "MMU 10ms".into()]);
        let mut rows = vec![header];
        let mut notes = Vec::new();
        for cell in &self.cells {
            let mut row = vec![
                cell.workload.clone(),
                cell.implementation.clone(),
                cell.samples.len().to_string(),
                fmt_opt(cell.median_secs(), 3),
                fmt_opt(cell.median_rss_mib(), 0),
            ];
            let ratios: Vec<Option<Ratio>> =
                self.baselines.iter().map(|b| self.ratio(cell, b)).collect();
            row.extend(ratios.iter().map(|r| fmt_opt(r.map(|r| r.time), 2)));
            row.extend(ratios.iter().map(|r| fmt_opt(r.map(|r| r.rss), 2)));
            row.push(fmt_opt(cell.median_pause(|p| p.max_ms), 3));
            row.push(fmt_opt(cell.median_pause(|p| p.p99_ms), 3));
            row.push(fmt_opt(cell.median_pause(|p| p.mmu10), 3));
            if cell.status != Status::Ok {
                notes.push(format!(
                    "{} / {}: {}",
                    cell.workload,
                    cell.implementation,
                    cell.status.describe()
                ));
                if cell.samples.is_empty() {
                    row.truncate(3);
                    row.push(cell.status.describe());
                }
            }
            rows.push(row);
        }

        let mut out = render_columns(&rows);
        if !notes.is_empty() {
            out.push_str("\nnotes:\n");
            for n in notes {
                let _ = writeln!(out, "  {n}");
            }
        }
        out.push_str("\nimplementations:\n");
        for (name, summary) in &self.implementations {
            let _ = writeln!(out, "  {name:<10} {summary}");
        }
        let _ = writeln!(
            out,
            "\nmedian of up to {} runs per cell, each in its own process; budget {:.0} s per cell, \
             deadline {:.0} s; total {:.1} s",
            self.reps, self.budget.cell_secs, self.budget.deadline_secs, self.total_secs
        );
        out
    }

    /// The machine-readable form (pretty-printed JSON).
    pub fn json(&self) -> String {
        #[derive(Serialize)]
        struct Row<'a> {
            workload: &'a str,
            implementation: &'a str,
            #[serde(flatten)]
            status: &'a Status,
            reps: usize,
            times_secs: Vec<f64>,
            peak_rss_kib: Vec<u64>,
            median_secs: Option<f64>,
            median_peak_rss_mib: Option<f64>,
            ratios: BTreeMap<&'a str, Ratio>,
        }
        #[derive(Serialize)]
        struct Doc<'a> {
            reps_requested: usize,
            budget: Budget,
            baselines: &'a [String],
            total_secs: f64,
            rows: Vec<Row<'a>>,
        }
        let rows = self
            .cells
            .iter()
            .map(|c| Row {
                workload: &c.workload,
                implementation: &c.implementation,
                status: &c.status,
                reps: c.samples.len(),
                times_secs: c.samples.iter().map(|s| s.secs).collect(),
                peak_rss_kib: c.samples.iter().map(|s| s.peak_rss_kib).collect(),
                median_secs: c.median_secs(),
                median_peak_rss_mib: c.median_rss_mib(),
                ratios: self
                    .baselines
                    .iter()
                    .filter_map(|b| Some((b.as_str(), self.ratio(c, b)?)))
                    .collect(),
            })
            .collect();
        let doc = Doc {
            reps_requested: self.reps,
            budget: self.budget,
            baselines: &self.baselines,
            total_secs: self.total_secs,
            rows,
        };
        serde_json::to_string_pretty(&doc).expect("report serializes")
    }
}

fn fmt_opt(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "-".into(), |v| format!("{v:.decimals$}"))
}

/// Left-aligns the first two columns and right-aligns the rest; a row shorter than the header
/// lets its last cell run on.
fn render_columns(rows: &[Vec<String>]) -> String {
    let columns = rows.first().map_or(0, Vec::len);
    let full_rows = || rows.iter().filter(|r| r.len() == columns);
    let widths: Vec<usize> = (0..columns)
        .map(|i| full_rows().map(|r| r[i].len()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, text) in row.iter().enumerate() {
            let last_of_short = row.len() < columns && i + 1 == row.len();
            if i > 0 {
                line.push_str("  ");
            }
            match (i, last_of_short) {
                (_, true) => line.push_str(text),
                (0 | 1, _) => {
                    let _ = write!(line, "{text:<w$}", w = widths[i]);
                }
                _ => {
                    let _ = write!(line, "{text:>w$}", w = widths[i]);
                }
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(secs: f64, mib: u64) -> Sample {
        Sample {
            secs,
            peak_rss_kib: mib * 1024,
            checksum: 7,
            pauses: None,
        }
    }

    fn cell(workload: &str, imp: &str, samples: Vec<Sample>, status: Status) -> Cell {
        Cell {
            workload: workload.into(),
            implementation: imp.into(),
            status,
            samples,
        }
    }

    fn report() -> Report {
        Report {
            reps: 3,
            budget: Budget::DEFAULT,
            baselines: vec!["box".into(), "bumpalo".into()],
            cells: vec![
                cell(
                    "bt",
                    "box",
                    vec![sample(2.0, 100), sample(1.0, 100), sample(3.0, 120)],
                    Status::Ok,
                ),
                cell("bt", "bumpalo", vec![sample(0.5, 1000)], Status::Ok),
                cell(
                    "bt",
                    "slow",
                    vec![sample(8.0, 50), sample(4.0, 50)],
                    Status::Ok,
                ),
                cell(
                    "bt",
                    "slower",
                    vec![],
                    Status::SkippedBudget {
                        predicted_secs: 120.0,
                    },
                ),
                cell("gcb", "slow", vec![sample(1.0, 10)], Status::Ok),
            ],
            implementations: vec![("box".into(), "Box".into())],
            total_secs: 12.0,
        }
    }

    #[test]
    fn ratios_use_medians_on_the_same_workload() {
        let r = report();
        let slow = &r.cells[2];
        assert_eq!(slow.median_secs(), Some(6.0));
        let vs_box = r.ratio(slow, "box").unwrap();
        assert_eq!(vs_box.time, 3.0);
        assert_eq!(vs_box.rss, 0.5);
        assert_eq!(r.ratio(slow, "bumpalo").unwrap().time, 12.0);
        // No baseline measured on gcb; nothing measured for the skipped cell.
        assert_eq!(r.ratio(&r.cells[4], "box"), None);
        assert_eq!(r.ratio(&r.cells[3], "box"), None);
    }

    #[test]
    fn table_shows_medians_ratios_and_skips() {
        let text = report().table();
        let slow_row = text
            .lines()
            .find(|l| l.starts_with("bt ") && l.contains("slow "))
            .unwrap();
        let fields: Vec<&str> = slow_row.split_whitespace().collect();
        assert_eq!(
            fields,
            ["bt", "slow", "2", "6.000", "50", "3.00", "12.00", "0.50", "0.05", "-", "-", "-"]
        );
        assert!(text.contains("skipped (budget: predicted 120 s per run)"));
        assert!(text.lines().next().unwrap().contains("time/bumpalo"));
    }

    #[test]
    fn table_shows_the_pause_figures_of_collectors_that_record_them() {
        let mut r = report();
        let with = |max_ms| Sample {
            pauses: Some(crate::measure::PauseFigures {
                max_ms,
                p99_ms: 0.5,
                mmu10: 0.8,
            }),
            ..sample(1.0, 10)
        };
        r.cells[0].samples = vec![with(0.9), with(2.0), with(1.0)];
        r.cells[0].status = Status::Ok;
        let text = r.table();
        assert!(text.lines().next().unwrap().ends_with("MMU 10ms"));
        let row: Vec<&str> = text.lines().nth(1).unwrap().split_whitespace().collect();
        assert_eq!(row[row.len() - 3..], ["1.000", "0.500", "0.800"]);
    }

    #[test]
    fn json_has_one_row_per_cell_with_status_tags() {
        let v: serde_json::Value = serde_json::from_str(&report().json()).unwrap();
        let rows = v["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 5);
        assert_eq!(rows[2]["ratios"]["box"]["time"], 3.0);
        assert_eq!(rows[3]["status"], "skipped-budget");
        assert_eq!(rows[3]["predicted_secs"], 120.0);
        assert_eq!(rows[0]["times_secs"].as_array().unwrap().len(), 3);
    }

    #[test]
    fn budget_rules() {
        let b = Budget {
            cell_secs: 90.0,
            deadline_secs: 500.0,
        };
        assert!(!b.skips(None), "no prediction: run it");
        assert!(!b.skips(Some(60.0)));
        assert!(b.skips(Some(115.0)));
        assert!(b.another_rep_fits(20.0, 20.0));
        assert!(!b.another_rep_fits(60.0, 60.0));
        assert_eq!(predict_secs(800, 100, 1.5), 12.0);
    }

    #[test]
    fn errors_are_flagged() {
        let mut r = report();
        assert!(!r.has_errors());
        r.cells[4].status = Status::WrongChecksum {
            got: 1,
            expected: 2,
        };
        assert!(r.has_errors());
    }
}
