//! Shared workload code for the benchmarks.
