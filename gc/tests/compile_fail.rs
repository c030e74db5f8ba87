//! Misuse that must not compile: the guarantees the crate documentation claims, proven by
//! `trybuild` (each file in `tests/compile_fail/` must fail with the recorded error).

#[test]
#[cfg_attr(miri, ignore = "trybuild runs rustc")]
fn misuse_does_not_compile() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/compile_fail/*.rs");
}
