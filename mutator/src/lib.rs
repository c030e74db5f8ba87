//! The runtime model, its scenarios, and the reports the `mutator` command prints.

pub mod compare;
pub mod event_loop;
pub mod js;
pub mod probe;
pub mod report;
pub mod runner;
pub mod runtime;
pub mod scenario;
pub mod scenarios;
