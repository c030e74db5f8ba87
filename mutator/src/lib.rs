//! The runtime model and scenarios (landing).
