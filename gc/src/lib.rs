#![deny(unsafe_op_in_unsafe_fn)]
//! gclab: a garbage-collector research heap (crate docs are written with the heap).

pub mod diagnose;
pub mod roots;
pub mod stats;
