//! What the fuzz targets share: process setup and running one decoded case.
//!
//! Every target calls [`init`] once, then [`run`] for each input; a failure panics (libFuzzer
//! records the input as a crash) with the configuration, the failing step and the decoded
//! program.

use gclab::testing::{Harness, Ops};
use gclab::HeapConfig;

/// Once per process: turns off transparent huge pages for this process. The heaps a fuzz
/// input creates are tiny (64–128 KiB) but ask for huge pages, so each one would otherwise
/// make the kernel zero a whole 2 MiB page on its first touch — about a sixth of the time
/// per input. Huge-page behaviour is not what the fuzzers test.
pub fn init() {
    #[cfg(target_os = "linux")]
    // SAFETY: `prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0)` takes plain integers and only sets a
    // flag on this process; its result is ignored (huge pages are then merely slower).
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Runs `ops` on a fresh heap with `config` against the reference model; panics on any
/// disagreement or failed check.
pub fn run(config: &HeapConfig, ops: &Ops) {
    let mut harness = match Harness::new(config.clone()) {
        Ok(h) => h,
        Err(e) => panic!("heap creation failed: {e}\nconfig: {config:?}"),
    };
    if let Err(failure) = harness.run(ops) {
        panic!("{failure}\nconfig: {config:?}\nprogram: {ops:?}");
    }
}
