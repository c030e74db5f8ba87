//! What a native workload is: a named, deterministic workload written against the heap
//! directly (see [`crate::native`]; the JavaScript scenarios are in [`crate::suite`]) that
//! lets a [`Probe`] observe it.
//!
//! A workload builds its heap and roots from the [`HeapConfig`] it is given, does work
//! proportional to [`ScenarioParams::scale`], calls [`Probe::checkpoint`] at regular points
//! of its work (at least 8, evenly spaced), and calls [`Probe::finish`] once at the end
//! **while every one of its roots is still registered**, so the probe sees the heap as the
//! program holds it.

use crate::probe::Probe;
use gclab::{HeapConfig, HeapError};
use std::fmt;

/// Size and seed of a run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScenarioParams {
    /// Multiplies the amount of work (1.0 = the default size; `run all` at 1.0 takes about a
    /// minute in total on a 2-core machine).
    pub scale: f64,
    /// Seed of the scenario's pseudo-random choices (runs are deterministic per seed).
    pub seed: u64,
}

impl Default for ScenarioParams {
    fn default() -> Self {
        ScenarioParams {
            scale: 1.0,
            seed: 0x6c61_6267,
        }
    }
}

/// Why a scenario stopped early.
#[derive(Debug)]
pub enum ScenarioError {
    /// The heap refused (most often `OutOfMemory`, with its figures).
    Heap(HeapError),
    /// The runtime model reported an error the scenario did not expect.
    Runtime(String),
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScenarioError::Heap(e) => write!(f, "{e}"),
            ScenarioError::Runtime(e) => write!(f, "runtime error: {e}"),
        }
    }
}

impl std::error::Error for ScenarioError {}

impl From<HeapError> for ScenarioError {
    fn from(e: HeapError) -> Self {
        ScenarioError::Heap(e)
    }
}

/// A named workload.
pub trait Scenario: Send + Sync {
    /// The command-line name, e.g. `closure-leak`.
    fn name(&self) -> &'static str;
    /// One line saying what it models.
    fn description(&self) -> &'static str;
    /// The JavaScript the scenario stands for.
    fn javascript(&self) -> &'static str;
    /// Whether the scenario leaks by design (its verdict must be `leak`).
    fn leaks(&self) -> bool;
    /// Runs the workload on a fresh runtime built from `config`.
    fn run(
        &self,
        config: HeapConfig,
        params: &ScenarioParams,
        probe: &mut Probe,
    ) -> Result<(), ScenarioError>;
}
