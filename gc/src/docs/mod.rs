//! Chapters: longer explanations rendered by `cargo doc -p gclab`.
//!
//! Invariant: every code block of a chapter appears verbatim in the source it walks through
//! (checked by the tests below), so a chapter cannot drift from the code it explains.

#[doc = include_str!("writing_a_plan.md")]
// The blocks are excerpts (an `impl` opened in one block goes on in the next), checked
// against the source by the tests below rather than parsed on their own.
#[allow(rustdoc::invalid_rust_codeblocks)]
pub mod writing_a_plan {}

#[cfg(test)]
mod tests {
    /// The sources the "Writing a plan" chapter quotes.
    const SOURCES: [(&str, &str); 4] = [
        (
            "plan/marksweep/mod.rs",
            include_str!("../plan/marksweep/mod.rs"),
        ),
        ("plan/mod.rs", include_str!("../plan/mod.rs")),
        ("plan/common.rs", include_str!("../plan/common.rs")),
        (
            "tests/prop_reachability.rs",
            include_str!("../../tests/prop_reachability.rs"),
        ),
    ];

    /// The code blocks of a Markdown chapter (fenced with three backticks).
    fn code_blocks(md: &str) -> Vec<String> {
        let mut blocks = Vec::new();
        let mut current: Option<String> = None;
        for line in md.lines() {
            match (&mut current, line.starts_with("```")) {
                (None, true) => current = Some(String::new()),
                (Some(b), true) => {
                    blocks.push(std::mem::take(b));
                    current = None;
                }
                (Some(b), false) => {
                    b.push_str(line);
                    b.push('\n');
                }
                (None, false) => {}
            }
        }
        assert!(current.is_none(), "a code block is not closed");
        blocks
    }

    #[test]
    fn every_code_block_of_writing_a_plan_is_in_the_source() {
        let blocks = code_blocks(include_str!("writing_a_plan.md"));
        assert!(blocks.len() >= 10, "the chapter walks through the plan");
        for block in &blocks {
            let found = SOURCES.iter().any(|(_, src)| src.contains(block.as_str()));
            let names: Vec<&str> = SOURCES.iter().map(|(n, _)| *n).collect();
            assert!(
                found,
                "this block of writing_a_plan.md is in none of {names:?}; update the \
                 chapter:\n{block}"
            );
        }
    }

    #[test]
    fn a_changed_line_is_caught() {
        let blocks = code_blocks("text\n```rust\nfn collect(heap: &mut Heap) {}\n```\n");
        assert_eq!(blocks, ["fn collect(heap: &mut Heap) {}\n"]);
        assert!(!SOURCES.iter().any(|(_, s)| s.contains(blocks[0].as_str())));
    }
}
