//! Misuse that must not compile: the guarantees the crate documentation claims, proven by
//! `trybuild` (each file in `tests/compile_fail/` must fail with the recorded error). That
//! `Heap` and `Persistent` are not `Send` is proven by `compile_fail` examples on `Heap`
//! instead: rustc's message for it lists the heap's private fields, which change.

#[test]
#[cfg_attr(miri, ignore = "trybuild runs rustc")]
fn misuse_does_not_compile() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/compile_fail/*.rs");
}
