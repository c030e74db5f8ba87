//! The runtime model and scenarios (landing).

pub mod report;
