//! `console.log` formatting: a port of the parts of Node's `util.format` and `util.inspect`
//! (`lib/internal/util/inspect.js`, Node 20) that plain programs hit: primitives, arrays
//! (with Node's grouping of more than six short entries into columns), plain objects and
//! class instances, functions and classes, `Map`, `Set`, promises, errors, buffers; depth 2,
//! break length 80, `compact: 3`.

use super::convert::fmt_number;
use super::object::Key;
use super::realm::tags::*;
use super::realm::Code;
use super::{Interp, R};
use gclab::{Handle, Value};

const BREAK_LENGTH: usize = 80;
const MAX_DEPTH: usize = 2;
const MAX_ARRAY: usize = 100;

/// Formatting state (`ctx` in Node).
struct Ctx {
    indentation: usize,
    current_depth: usize,
    /// Objects referenced circularly, numbered from 1.
    refs: Vec<Handle>,
    seen: Vec<Handle>,
}

fn quote(s: &str) -> String {
    let q = if !s.contains('\'') {
        '\''
    } else if !s.contains('"') {
        '"'
    } else if !s.contains('`') {
        '`'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(q);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\\' => out.push_str("\\\\"),
            c if c == q => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\x{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push(q);
    out
}

fn is_identifier(s: &str) -> bool {
    let mut cs = s.chars();
    matches!(cs.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == '$')
        && cs.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

fn number(v: Value) -> String {
    match v {
        Value::Int(i) => i.to_string(),
        Value::Float(f) if f == 0.0 && f.is_sign_negative() => "-0".into(),
        Value::Float(f) => fmt_number(f),
        _ => unreachable!(),
    }
}

fn group_array_elements(
    output: Vec<String>,
    indentation: usize,
    all_numbers: bool,
    more: bool,
) -> Vec<String> {
    let mut total = 0usize;
    let mut max_len = 0usize;
    let len = if more { output.len() - 1 } else { output.len() };
    let sep = 2;
    let data_len: Vec<usize> = output[..len].iter().map(|s| s.chars().count()).collect();
    for &l in &data_len {
        total += l + sep;
        max_len = max_len.max(l);
    }
    let actual_max = max_len + sep;
    if actual_max * 3 + indentation < BREAK_LENGTH
        && (total as f64 / actual_max as f64 > 5.0 || max_len <= 6)
    {
        let average_bias = (actual_max as f64 - total as f64 / output.len() as f64).sqrt();
        let biased_max = (actual_max as f64 - 3.0 - average_bias).max(1.0);
        let columns = [
            ((2.5 * biased_max * len as f64).sqrt() / biased_max).round() as usize,
            (BREAK_LENGTH - indentation) / actual_max,
            3 * 4,
            15,
        ]
        .into_iter()
        .min()
        .unwrap_or(1);
        if columns <= 1 {
            return output;
        }
        let mut max_line = Vec::new();
        for i in 0..columns {
            let mut line = 0;
            let mut j = i;
            while j < len {
                line = line.max(data_len[j]);
                j += columns;
            }
            max_line.push(line + sep);
        }
        let mut tmp = Vec::new();
        let mut i = 0;
        while i < len {
            let max = (i + columns).min(len);
            let mut s = String::new();
            let mut j = i;
            while j < max - 1 {
                let cell = format!("{}, ", output[j]);
                let pad = max_line[j - i].saturating_sub(data_len[j] + 2);
                if all_numbers {
                    s.push_str(&" ".repeat(pad));
                    s.push_str(&cell);
                } else {
                    s.push_str(&cell);
                    s.push_str(&" ".repeat(pad));
                }
                j += 1;
            }
            if all_numbers {
                let pad = (max_line[j - i] - sep).saturating_sub(data_len[j]);
                s.push_str(&" ".repeat(pad));
            }
            s.push_str(&output[j]);
            tmp.push(s);
            i += columns;
        }
        if more {
            tmp.push(output[len].clone());
        }
        return tmp;
    }
    output
}

impl<'a> Interp<'a> {
    /// `console.log(...args)`: the line it prints.
    pub(crate) fn format_log(&mut self, args: &[Value]) -> R<String> {
        let mut parts = Vec::new();
        let mut rest = args;
        if let Some(&first) = args.first() {
            if self.is_str(first) {
                let f = self.to_str(first)?;
                if f.contains('%') && args.len() > 1 {
                    let mut out = String::new();
                    let mut i = 1;
                    let mut cs = f.chars().peekable();
                    while let Some(c) = cs.next() {
                        if c != '%' {
                            out.push(c);
                            continue;
                        }
                        match cs.peek().copied() {
                            Some('%') => {
                                cs.next();
                                out.push('%');
                            }
                            Some(k @ ('s' | 'd' | 'i' | 'f' | 'o' | 'O' | 'j' | 'c'))
                                if i < args.len() =>
                            {
                                cs.next();
                                let a = args[i];
                                i += 1;
                                match k {
                                    's' if !matches!(a, Value::Ref(_)) || self.is_str(a) => {
                                        out.push_str(&self.to_str(a)?)
                                    }
                                    'd' | 'i' => {
                                        let n = self.to_number(a)?;
                                        let n = if k == 'i' { n.trunc() } else { n };
                                        out.push_str(&number(super::convert::num(n)));
                                    }
                                    'f' => out.push_str(&fmt_number(self.to_number(a)?)),
                                    'c' => {}
                                    _ => out.push_str(&self.inspect(a)?),
                                }
                            }
                            _ => out.push('%'),
                        }
                    }
                    parts.push(out);
                    rest = &args[i..];
                } else {
                    parts.push(f);
                    rest = &args[1..];
                }
            }
        }
        for &a in rest {
            parts.push(if self.is_str(a) {
                self.to_str(a)?
            } else {
                self.inspect(a)?
            });
        }
        Ok(parts.join(" "))
    }

    /// `util.inspect(v)`.
    pub(crate) fn inspect(&mut self, v: Value) -> R<String> {
        let mut ctx = Ctx {
            indentation: 0,
            current_depth: 0,
            refs: Vec::new(),
            seen: Vec::new(),
        };
        self.format_value(&mut ctx, v, 0, false)
    }

    /// The number of a circularly referenced object (`*1`, `*2`… in order of discovery).
    fn ref_number(&mut self, ctx: &mut Ctx, h: Handle) -> R<usize> {
        for (i, &r) in ctx.refs.iter().enumerate() {
            if self.heap.same_object(r, h)? {
                return Ok(i + 1);
            }
        }
        ctx.refs.push(h);
        Ok(ctx.refs.len())
    }

    fn format_value(&mut self, ctx: &mut Ctx, v: Value, depth: usize, nested: bool) -> R<String> {
        Ok(match v {
            Value::Int(_) | Value::Float(_) => number(v),
            Value::Bool(b) => b.to_string(),
            Value::Undefined => "undefined".into(),
            Value::Null => "null".into(),
            Value::Ref(h) => {
                let tag = self.heap.type_tag(h)?;
                if tag == STRING {
                    let s = self.str_of(h)?;
                    return Ok(if nested || depth > 0 { quote(&s) } else { s });
                }
                if tag == SYMBOL {
                    return self.symbol_to_string(h);
                }
                for &s in &ctx.seen {
                    if self.heap.same_object(s, h)? {
                        let n = self.ref_number(ctx, h)?;
                        return Ok(format!("[Circular *{n}]"));
                    }
                }
                let body = self.format_object(ctx, h, tag, depth)?;
                let mut marked = None;
                for (i, &r) in ctx.refs.iter().enumerate() {
                    if self.heap.same_object(r, h)? {
                        marked = Some(i + 1);
                    }
                }
                match marked {
                    Some(n) => format!("<ref *{n}> {body}"),
                    None => body,
                }
            }
        })
    }

    fn constructor_name(&mut self, h: Handle) -> R<Option<String>> {
        let mut cur = self.proto_of(h)?;
        while let Some(p) = cur {
            if let Some(c) = self.get_own(p, super::object::atom::CONSTRUCTOR)? {
                let n = self.function_name(c)?;
                return Ok(Some(n));
            }
            cur = self.proto_of(p)?;
        }
        Ok(None)
    }

    fn format_object(&mut self, ctx: &mut Ctx, h: Handle, tag: u16, depth: usize) -> R<String> {
        let v = Value::Ref(h);
        if self.is_callable(v) {
            let name = self.function_name(v)?;
            if let Some(id) = self.func_of(v) {
                if let Code::Class(c) = self.funcs[id as usize].code {
                    let ext = match &c.heritage {
                        Some(_) => {
                            let p = self.heap.get(h, PROTO)?;
                            format!(" extends {}", self.function_name(p)?)
                        }
                        None => String::new(),
                    };
                    return Ok(if name.is_empty() {
                        format!("[class (anonymous){ext}]")
                    } else {
                        format!("[class {name}{ext}]")
                    });
                }
            }
            return Ok(if name.is_empty() {
                "[Function (anonymous)]".into()
            } else {
                format!("[Function: {name}]")
            });
        }
        if tag == OBJECT && self.is_error(h)? {
            let stack = self.get_named(v, "stack")?;
            return self.to_str(stack);
        }
        let ctor = self.constructor_name(h)?;
        let mut preview = Vec::new();
        let (prefix, kind) = match tag {
            ITERATOR => match self.iterator_preview(h)? {
                (name, Some(items)) => {
                    preview = items;
                    (format!("[{name}] "), 'i')
                }
                (name, None) => (format!("Object [{name}] "), 'o'),
            },
            GENERATOR => ("Object [Generator] ".into(), 'o'),
            ARRAY => {
                let n = self.array_len(h)?;
                (
                    if ctor.as_deref() == Some("Array") {
                        String::new()
                    } else {
                        format!("{}({n}) ", ctor.clone().unwrap_or_default())
                    },
                    'a',
                )
            }
            MAP | SET => {
                let size = self.heap.get(h, 6)?.as_int().unwrap_or(0);
                let name = if tag == MAP { "Map" } else { "Set" };
                (
                    format!("{}({size}) ", ctor.clone().unwrap_or_else(|| name.into())),
                    if tag == MAP { 'm' } else { 's' },
                )
            }
            PROMISE => ("Promise ".into(), 'p'),
            BUFFER => {
                let bytes = self.heap.bytes(h)?;
                let shown: Vec<String> =
                    bytes.iter().take(50).map(|b| format!("{b:02x}")).collect();
                let more = if bytes.len() > 50 {
                    format!(" ... {} more bytes", bytes.len() - 50)
                } else {
                    String::new()
                };
                return Ok(if shown.is_empty() {
                    "<Buffer >".into()
                } else {
                    format!("<Buffer {}{more}>", shown.join(" "))
                });
            }
            _ => match ctor.as_deref() {
                Some("Object") => (String::new(), 'o'),
                None => ("[Object: null prototype] ".into(), 'o'),
                Some(c) => (format!("{c} "), 'o'),
            },
        };
        let (open, close) = if kind == 'a' { ('[', ']') } else { ('{', '}') };
        if depth > MAX_DEPTH {
            return Ok(match kind {
                'a' => "[Array]".into(),
                'o' => format!("[{}]", ctor.unwrap_or_else(|| "Object".into())),
                _ => format!("[{}]", prefix.trim_end()),
            });
        }
        ctx.seen.push(h);
        ctx.current_depth = depth;
        let mut output = Vec::new();
        let mut all_numbers = true;
        let mut more = false;
        match kind {
            'a' => {
                let items = self.array_items(h)?;
                for (i, x) in items.iter().enumerate() {
                    if i == MAX_ARRAY {
                        let rest = items.len() - MAX_ARRAY;
                        output.push(format!(
                            "... {rest} more item{}",
                            if rest > 1 { "s" } else { "" }
                        ));
                        more = true;
                        break;
                    }
                    if !matches!(x, Value::Int(_) | Value::Float(_)) {
                        all_numbers = false;
                    }
                    ctx.indentation += 2;
                    let s = self.format_value(ctx, *x, depth + 1, true)?;
                    ctx.indentation -= 2;
                    output.push(s);
                }
            }
            'm' | 's' => {
                for (k, x) in self.collection_entries(h)? {
                    ctx.indentation += 2;
                    let ks = self.format_value(ctx, k, depth + 1, true)?;
                    let s = if kind == 'm' {
                        format!("{ks} => {}", self.format_value(ctx, x, depth + 1, true)?)
                    } else {
                        ks
                    };
                    ctx.indentation -= 2;
                    output.push(s);
                }
            }
            'i' => {
                for x in preview {
                    ctx.indentation += 2;
                    let s = self.format_value(ctx, x, depth + 1, true)?;
                    ctx.indentation -= 2;
                    output.push(s);
                }
            }
            'p' => {
                let state = self.heap.get(h, 3)?.as_int().unwrap_or(0);
                let r = self.heap.get(h, 4)?;
                ctx.indentation += 2;
                output.push(match state {
                    0 => "<pending>".into(),
                    1 => self.format_value(ctx, r, depth + 1, true)?,
                    _ => format!("<rejected> {}", self.format_value(ctx, r, depth + 1, true)?),
                });
                ctx.indentation -= 2;
            }
            _ => {}
        }
        let keys = self.own_keys(h)?;
        for k in keys {
            if matches!(k, Key::Index(_)) && kind == 'a' {
                continue;
            }
            let name = self.key_name(k);
            let key = if is_identifier(&name) {
                name.to_string()
            } else {
                quote(&name)
            };
            if let Some(label) = self.accessor_label_of(h, k)? {
                output.push(format!("{key}: {label}"));
                continue;
            }
            let x = self.get_prop(v, k)?;
            ctx.indentation += 2;
            let s = self.format_value(ctx, x, depth + 1, true)?;
            ctx.indentation -= 2;
            output.push(format!("{key}: {s}"));
        }
        for k in self.own_symbol_keys(h)? {
            let Key::Atom(a) = k else { continue };
            let name = self.symbol_name(a).unwrap_or_default();
            let x = self.get_prop(v, k)?;
            ctx.indentation += 2;
            let s = self.format_value(ctx, x, depth + 1, true)?;
            ctx.indentation -= 2;
            output.push(format!("[{name}]: {s}"));
        }
        ctx.seen.pop();
        if output.is_empty() {
            return Ok(format!("{prefix}{open}{close}"));
        }
        let entries = output.len();
        if kind == 'a' && entries > 6 {
            output = group_array_elements(output, ctx.indentation, all_numbers, more);
        }
        if ctx.current_depth - depth < 3 && entries == output.len() {
            let start = output.len() + ctx.indentation + 1 + prefix.len() + 10;
            let mut total = output.len() + start;
            let mut fits = total + output.len() <= BREAK_LENGTH;
            if fits {
                for o in &output {
                    total += o.chars().count();
                    if total > BREAK_LENGTH {
                        fits = false;
                        break;
                    }
                }
            }
            let joined = output.join(", ");
            if fits && !joined.contains('\n') {
                return Ok(format!("{prefix}{open} {joined} {close}"));
            }
        }
        let ind = " ".repeat(ctx.indentation);
        Ok(format!(
            "{prefix}{open}\n{ind}  {}\n{ind}{close}",
            output.join(&format!(",\n{ind}  "))
        ))
    }
}
