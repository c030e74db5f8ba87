//! A pre-parse bound on how deeply a source nests brackets.
//!
//! The parser is recursive descent: each level of `(`, `[`, `{` or `${` costs it Rust stack.
//! [`nesting_exceeds`] scans the source once (skipping strings, template text and comments)
//! and reports where bracket nesting first passes a limit, so a pathological input is a
//! clear error instead of a stack overflow; [`MAX_SOURCE`] bounds the nesting brackets do
//! not show. The scan treats `/` as division: a regular
//! expression literal holding an unbalanced quote or bracket can only shift the count it
//! reports, never make the scan fail.

/// Largest source accepted (bytes). Operators nest without brackets (`!!!…x`, `a ? b : c ? …`)
/// and each level costs the parser stack too (under 1 KiB in a debug build: two million
/// nested `!` parse on the interpreter's 2 GiB stack); bounding the source bounds that depth.
pub const MAX_SOURCE: usize = 2 << 20;

/// Deepest bracket nesting accepted (V8 accepts a little more before its own stack ends).
pub const MAX_NESTING: usize = 1000;

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(source: &str, offset: u32) -> (usize, usize) {
    let mut at = (offset as usize).min(source.len());
    while !source.is_char_boundary(at) {
        at -= 1;
    }
    let before = &source[..at];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// The byte offset where bracket nesting first exceeds `limit`, if it does.
pub fn nesting_exceeds(source: &str, limit: usize) -> Option<u32> {
    let b = source.as_bytes();
    // For each open bracket, whether it is the `${` of a template literal.
    let mut open: Vec<bool> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'(' | b'[' | b'{' => {
                open.push(false);
                if open.len() > limit {
                    return Some(i as u32);
                }
            }
            b')' | b']' => {
                open.pop();
            }
            b'}' if open.last() == Some(&true) => {
                open.pop();
                i = skip_template(b, i + 1, &mut open);
                if open.len() > limit {
                    return Some(i as u32);
                }
                continue;
            }
            b'}' => {
                open.pop();
            }
            b'\'' | b'"' => i = skip_string(b, i),
            b'`' => {
                i = skip_template(b, i + 1, &mut open);
                if open.len() > limit {
                    return Some(i as u32);
                }
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Skips a quoted string starting at `i`: returns the index of its closing quote (or the end).
fn skip_string(b: &[u8], mut i: usize) -> usize {
    let q = b[i];
    i += 1;
    while i < b.len() && b[i] != q && b[i] != b'\n' {
        if b[i] == b'\\' {
            i += 1;
        }
        i += 1;
    }
    i
}

/// Skips template text from `i` to the closing backquote (returns the index after it) or to a
/// `${` (pushes a template bracket and returns the index after it).
fn skip_template(b: &[u8], mut i: usize, open: &mut Vec<bool>) -> usize {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'`' => return i + 1,
            b'$' if b.get(i + 1) == Some(&b'{') => {
                open.push(true);
                return i + 2;
            }
            _ => i += 1,
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_brackets_outside_strings_comments_and_template_text() {
        assert_eq!(nesting_exceeds("f([{a: 1}])", 3), None);
        assert_eq!(nesting_exceeds("f([{a: 1}])", 2), Some(3));
        assert_eq!(
            nesting_exceeds("'((((' + \"[[[[\" // ((((\n /* {{{{ */ x", 1),
            None
        );
        assert_eq!(nesting_exceeds("`((( ${ (a) } ((( ${`${(b)}`}`", 3), None);
        assert_eq!(nesting_exceeds("`${`${`${(b)}`}`}`", 3), Some(9));
    }

    #[test]
    fn deep_input_is_found_without_recursion() {
        let deep = "[".repeat(1_000_000);
        assert_eq!(
            nesting_exceeds(&deep, MAX_NESTING),
            Some(MAX_NESTING as u32)
        );
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
    }
}
