//! Hostile inputs (`gclab::testing::hostile`), property-tested: any bytes decode to a
//! configuration from the palette of valid, boundary and absurd values plus frame, scope and
//! cross-heap misuse, and the heap answers each as documented — an error, never a panic.
//!
//! `PROPTEST_CASES` sets the number of cases (default 256; 8 under Miri).

use gclab::testing::{decode_hostile, run_hostile};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

#[test]
fn any_bytes_make_a_hostile_case_the_heap_answers() {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if cfg!(miri) { 8 } else { 256 });
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: if cfg!(miri) { 0 } else { 4096 },
        ..Config::default()
    });
    let result = runner.run(&prop::collection::vec(any::<u8>(), 0..160), |bytes| {
        let case = decode_hostile(&bytes);
        run_hostile(&case).map_err(|e| TestCaseError::fail(format!("{e}\n{case}")))
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
