//! `JSON.stringify` and `JSON.parse`, both over heap values.
//!
//! `stringify(value[, replacer[, space]])` follows the spec's SerializeJSONProperty: `toJSON`
//! methods, `undefined`/functions omitted from objects and `null` in arrays, non-finite numbers
//! as `null`, cycles a `TypeError` (Node's first line of the message), `space` as a number or
//! string. A replacer (function or array) is an unsupported-construct error naming the call
//! site. `parse(text[, reviver])` is a recursive-descent parser that builds heap objects,
//! arrays and strings; a syntax error is a `SyntaxError` with V8's message; a reviver is an
//! unsupported-construct error.
//!
//! Invariant: every value built or read is a local of the native call's frame, so a
//! collection during either walk moves nothing out from under it; nesting is bounded by
//! [`MAX_DEPTH`] so no input overflows the Rust stack.

use super::super::convert::{fmt_number, num};
use super::super::realm::tags::*;
use super::super::{Exc, Interp, R};
use super::arg;
use gclab::{Handle, Value};

/// Deepest nesting either direction accepts (deeper: a `RangeError`, as V8's stack limit).
const MAX_DEPTH: usize = 10_000;

/// `"…"` with JSON's escapes.
fn quote(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

struct Stringify {
    gap: String,
    /// The objects being serialised, outermost first (cycle detection).
    stack: Vec<Handle>,
}

impl Interp<'_> {
    /// `JSON.stringify(value, replacer, space)`.
    fn json_stringify(&mut self, a: &[Value]) -> R<Value> {
        if !matches!(arg(a, 1), Value::Undefined | Value::Null) {
            let at = self.call_site;
            return self.unsupported("a JSON.stringify replacer", at);
        }
        let gap = match arg(a, 2) {
            Value::Int(n) => " ".repeat(n.clamp(0, 10) as usize),
            Value::Float(f) => " ".repeat(f.clamp(0.0, 10.0) as usize),
            v if self.is_str(v) => self.to_str(v)?.chars().take(10).collect(),
            _ => String::new(),
        };
        let mut st = Stringify {
            gap,
            stack: Vec::new(),
        };
        let mut out = String::new();
        if self.json_value(&mut st, arg(a, 0), "", &mut out)? {
            self.new_str(&out)
        } else {
            Ok(Value::Undefined)
        }
    }

    /// Serialises `v` to `out`; `false` if it serialises to nothing (`undefined`, a function).
    fn json_value(
        &mut self,
        st: &mut Stringify,
        v: Value,
        indent: &str,
        out: &mut String,
    ) -> R<bool> {
        let mut v = v;
        if let Value::Ref(h) = v {
            if !self.is_str(v) {
                let to_json = self.get_named(v, "toJSON")?;
                if self.is_callable(to_json) {
                    v = self.call(to_json, Value::Ref(h), &[])?;
                }
            }
        }
        match v {
            Value::Undefined => return Ok(false),
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if b { "true" } else { "false" }),
            Value::Int(i) => out.push_str(&i.to_string()),
            Value::Float(f) if f.is_finite() => out.push_str(&fmt_number(f)),
            Value::Float(_) => out.push_str("null"),
            Value::Ref(h) if self.is_str(v) => quote(&self.str_of(h)?, out),
            Value::Ref(_) if self.is_callable(v) || self.tag(v) == Some(SYMBOL) => {
                return Ok(false)
            }
            Value::Ref(h) => self.json_object(st, h, indent, out)?,
        }
        Ok(true)
    }

    fn json_object(
        &mut self,
        st: &mut Stringify,
        h: Handle,
        indent: &str,
        out: &mut String,
    ) -> R<()> {
        for o in &st.stack {
            if self.heap.same_object(*o, h)? {
                return Err(self.throw_type("Converting circular structure to JSON")?);
            }
        }
        if st.stack.len() >= MAX_DEPTH {
            return Err(self.throw_range("Maximum call stack size exceeded")?);
        }
        st.stack.push(h);
        let inner = format!("{indent}{}", st.gap);
        let (open, close) = if self.heap.type_tag(h)? == ARRAY {
            ('[', ']')
        } else {
            ('{', '}')
        };
        let mut parts: Vec<String> = Vec::new();
        if open == '[' {
            for item in self.array_items(h)? {
                let mut s = String::new();
                if !self.json_value(st, item, &inner, &mut s)? {
                    s = "null".into();
                }
                parts.push(s);
            }
        } else {
            let error = self.is_error(h)?;
            for key in self.own_keys(h)? {
                let name = self.key_name(key);
                if error && matches!(&*name, "message" | "stack") {
                    continue; // not enumerable in V8
                }
                let v = self.get_prop(Value::Ref(h), key)?;
                let mut s = String::new();
                quote(&name, &mut s);
                s.push(':');
                if !st.gap.is_empty() {
                    s.push(' ');
                }
                if self.json_value(st, v, &inner, &mut s)? {
                    parts.push(s);
                }
            }
        }
        st.stack.pop();
        out.push(open);
        if !parts.is_empty() {
            if st.gap.is_empty() {
                out.push_str(&parts.join(","));
            } else {
                let sep = format!(",\n{inner}");
                out.push('\n');
                out.push_str(&inner);
                out.push_str(&parts.join(&sep));
                out.push('\n');
                out.push_str(indent);
            }
        }
        out.push(close);
        Ok(())
    }
}

/// The parser's cursor over the text.
struct Parser<'t> {
    text: &'t str,
    bytes: &'t [u8],
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while self.pos < self.bytes.len()
            && matches!(self.bytes[self.pos], b' ' | b'\t' | b'\n' | b'\r')
        {
            self.pos += 1;
        }
    }

    /// V8's message for the character at the cursor (or the end).
    fn error(&self) -> String {
        match self.text[self.pos.min(self.text.len())..].chars().next() {
            None => "Unexpected end of JSON input".into(),
            Some(c) => {
                let shown: String = if self.text.chars().count() <= 30 {
                    self.text.to_string()
                } else {
                    let s: String = self.text.chars().take(30).collect();
                    format!("{s}...")
                };
                format!("Unexpected token '{c}', \"{shown}\" is not valid JSON")
            }
        }
    }

    fn string(&mut self) -> Result<String, String> {
        // At the opening quote.
        self.pos += 1;
        let mut s = String::new();
        loop {
            let Some(c) = self.text[self.pos..].chars().next() else {
                return Err(
                    "Unterminated string in JSON at position ".to_string() + &self.pos.to_string()
                );
            };
            self.pos += c.len_utf8();
            match c {
                '"' => return Ok(s),
                '\\' => {
                    let Some(e) = self.text[self.pos..].chars().next() else {
                        return Err(self.error());
                    };
                    self.pos += 1;
                    match e {
                        '"' => s.push('"'),
                        '\\' => s.push('\\'),
                        '/' => s.push('/'),
                        'b' => s.push('\u{8}'),
                        'f' => s.push('\u{c}'),
                        'n' => s.push('\n'),
                        'r' => s.push('\r'),
                        't' => s.push('\t'),
                        'u' => {
                            let hex = self
                                .text
                                .get(self.pos..self.pos + 4)
                                .ok_or_else(|| self.error())?;
                            let code = u32::from_str_radix(hex, 16).map_err(|_| self.error())?;
                            self.pos += 4;
                            s.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                        }
                        _ => {
                            self.pos -= 1;
                            return Err(self.error());
                        }
                    }
                }
                c if (c as u32) < 0x20 => {
                    self.pos -= c.len_utf8();
                    return Err(self.error());
                }
                c => s.push(c),
            }
        }
    }

    fn number(&mut self) -> Result<f64, String> {
        let start = self.pos;
        if self.bytes.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        let digits = |p: &mut Self| {
            let s = p.pos;
            while p.bytes.get(p.pos).is_some_and(u8::is_ascii_digit) {
                p.pos += 1;
            }
            p.pos > s
        };
        if !digits(self) {
            return Err(self.error());
        }
        if self.bytes.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if !digits(self) {
                return Err(self.error());
            }
        }
        if matches!(self.bytes.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.bytes.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !digits(self) {
                return Err(self.error());
            }
        }
        self.text[start..self.pos].parse().map_err(|_| self.error())
    }
}

/// Why parsing stopped: a JSON syntax error (message) or a JavaScript-level failure.
enum ParseErr {
    Syntax(String),
    Js(Exc),
}

impl From<Exc> for ParseErr {
    fn from(e: Exc) -> Self {
        ParseErr::Js(e)
    }
}

impl From<String> for ParseErr {
    fn from(e: String) -> Self {
        ParseErr::Syntax(e)
    }
}

impl Interp<'_> {
    /// `JSON.parse(text)`.
    fn json_parse(&mut self, a: &[Value]) -> R<Value> {
        if !matches!(arg(a, 1), Value::Undefined | Value::Null) {
            let at = self.call_site;
            return self.unsupported("a JSON.parse reviver", at);
        }
        let text = self.to_str(arg(a, 0))?;
        let mut p = Parser {
            text: &text,
            bytes: text.as_bytes(),
            pos: 0,
            depth: 0,
        };
        let r = self.json_parse_value(&mut p).and_then(|v| {
            p.skip_ws();
            if p.pos < p.bytes.len() {
                Err(ParseErr::Syntax(p.error()))
            } else {
                Ok(v)
            }
        });
        match r {
            Ok(v) => Ok(v),
            Err(ParseErr::Js(e)) => Err(e),
            Err(ParseErr::Syntax(msg)) => {
                let proto = self.intr().syntax_error_proto.handle();
                Err(Exc::Throw(self.make_error(proto, &msg)?))
            }
        }
    }

    fn json_parse_value(&mut self, p: &mut Parser<'_>) -> Result<Value, ParseErr> {
        p.skip_ws();
        let Some(&c) = p.bytes.get(p.pos) else {
            return Err(p.error().into());
        };
        Ok(match c {
            b'"' => {
                let s = p.string()?;
                self.new_str(&s)?
            }
            b'-' | b'0'..=b'9' => num(p.number()?),
            b't' | b'f' | b'n' => {
                let (word, v) = match c {
                    b't' => ("true", Value::Bool(true)),
                    b'f' => ("false", Value::Bool(false)),
                    _ => ("null", Value::Null),
                };
                for expected in word.bytes() {
                    if p.bytes.get(p.pos) != Some(&expected) {
                        return Err(p.error().into());
                    }
                    p.pos += 1;
                }
                v
            }
            b'[' | b'{' => {
                p.depth += 1;
                if p.depth > MAX_DEPTH {
                    return Err(ParseErr::Js(
                        self.throw_range("Maximum call stack size exceeded")?,
                    ));
                }
                let v = if c == b'[' {
                    self.json_parse_array(p)?
                } else {
                    self.json_parse_object(p)?
                };
                p.depth -= 1;
                v
            }
            _ => return Err(p.error().into()),
        })
    }

    fn json_parse_array(&mut self, p: &mut Parser<'_>) -> Result<Value, ParseErr> {
        p.pos += 1;
        let a = self.new_array(0, 4)?;
        p.skip_ws();
        if p.bytes.get(p.pos) == Some(&b']') {
            p.pos += 1;
            return Ok(Value::Ref(a));
        }
        loop {
            let v = self.json_parse_value(p)?;
            self.array_push(a, v)?;
            p.skip_ws();
            match p.bytes.get(p.pos) {
                Some(b',') => p.pos += 1,
                Some(b']') => {
                    p.pos += 1;
                    return Ok(Value::Ref(a));
                }
                _ => return Err(p.error().into()),
            }
        }
    }

    fn json_parse_object(&mut self, p: &mut Parser<'_>) -> Result<Value, ParseErr> {
        p.pos += 1;
        let o = self.new_object()?;
        p.skip_ws();
        if p.bytes.get(p.pos) == Some(&b'}') {
            p.pos += 1;
            return Ok(Value::Ref(o));
        }
        loop {
            p.skip_ws();
            if p.bytes.get(p.pos) != Some(&b'"') {
                return Err(p.error().into());
            }
            let key = p.string()?;
            p.skip_ws();
            if p.bytes.get(p.pos) != Some(&b':') {
                return Err(p.error().into());
            }
            p.pos += 1;
            let v = self.json_parse_value(p)?;
            let k = self.key_of_str(&key);
            self.set_prop(Value::Ref(o), k, v)?;
            p.skip_ws();
            match p.bytes.get(p.pos) {
                Some(b',') => p.pos += 1,
                Some(b'}') => {
                    p.pos += 1;
                    return Ok(Value::Ref(o));
                }
                _ => return Err(p.error().into()),
            }
        }
    }
}

pub(super) fn install(it: &mut Interp<'_>) -> R<()> {
    let json = it.new_object()?;
    it.method(json, "JSON.stringify", |it, _t, a, _c| it.json_stringify(a))?;
    it.method(json, "JSON.parse", |it, _t, a, _c| it.json_parse(a))?;
    it.heap.set_global("JSON", json)?;
    Ok(())
}
