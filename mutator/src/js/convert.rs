//! Conversions and comparisons (ECMA-262 §7): `ToNumber`, `ToString`, `ToBoolean`,
//! `typeof`, strict and loose equality, and `Number.prototype.toString` formatting; plus the
//! helpers that build and throw `Error` objects.
//!
//! Numbers are `Int` when they are integers that fit an `i32` (and not `-0`), `Float`
//! otherwise; every arithmetic result goes through [`num`] to keep that normal form.

use super::realm::tags::*;
use super::{Exc, Interp, R};
use gclab::Value;

/// The normal form of a number: `Int` for integral `i32` values except `-0`.
pub(crate) fn num(f: f64) -> Value {
    if f.fract() == 0.0
        && f >= i32::MIN as f64
        && f <= i32::MAX as f64
        && !(f == 0.0 && f.is_sign_negative())
    {
        Value::Int(f as i32)
    } else {
        Value::Float(f)
    }
}

/// `Number.prototype.toString()` (radix 10), as V8 prints it.
pub(crate) fn fmt_number(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f == 0.0 {
        return "0".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if f.fract() == 0.0 && f.abs() < 1e21 {
        return format!("{f:.0}");
    }
    // Shortest round-trip digits and exponent from Rust's scientific formatting.
    let sci = format!("{:e}", f.abs());
    let (mant, exp) = sci.split_once('e').expect("scientific notation");
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let e: i32 = exp.parse().expect("exponent");
    let k = digits.len() as i32;
    let n = e + 1;
    let sign = if f < 0.0 { "-" } else { "" };
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let es = if n > 0 {
            format!("+{}", n - 1)
        } else {
            format!("{}", n - 1)
        };
        if k == 1 {
            format!("{digits}e{es}")
        } else {
            format!("{}.{}e{es}", &digits[..1], &digits[1..])
        }
    };
    format!("{sign}{body}")
}

/// `StringToNumber`.
pub(crate) fn str_to_number(s: &str) -> f64 {
    let t = s.trim();
    if t.is_empty() {
        return 0.0;
    }
    if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return i64::from_str_radix(h, 16).map_or(f64::NAN, |v| v as f64);
    }
    match t {
        "Infinity" | "+Infinity" => f64::INFINITY,
        "-Infinity" => f64::NEG_INFINITY,
        _ if t.contains(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E') => f64::NAN,
        _ => t.parse::<f64>().unwrap_or(f64::NAN),
    }
}

impl<'a> Interp<'a> {
    /// `ToNumber`.
    pub(crate) fn to_number(&mut self, v: Value) -> R<f64> {
        Ok(match v {
            Value::Int(i) => i as f64,
            Value::Float(f) => f,
            Value::Bool(b) => b as i32 as f64,
            Value::Undefined => f64::NAN,
            Value::Null => 0.0,
            Value::Ref(h) => {
                if self.tag_of(h)? == STRING {
                    str_to_number(&self.str_of(h)?)
                } else {
                    let p = self.to_primitive(v)?;
                    if matches!(p, Value::Ref(_)) && !self.is_str(p) {
                        f64::NAN
                    } else {
                        self.to_number(p)?
                    }
                }
            }
        })
    }

    /// `ToPrimitive` (hint default): arrays join, dates are not supported, other objects call
    /// their own `toString` if it is a JavaScript function, else `[object Object]`.
    pub(crate) fn to_primitive(&mut self, v: Value) -> R<Value> {
        let Value::Ref(h) = v else { return Ok(v) };
        if matches!(self.tag_of(h)?, STRING | SYMBOL) {
            return Ok(v);
        }
        let f = self.get_prop(v, super::object::Key::Atom(super::object::atom::TO_STRING))?;
        if self.is_callable(f) {
            let r = self.call(f, v, &[])?;
            if !matches!(r, Value::Ref(_)) || self.is_str(r) {
                return Ok(r);
            }
        }
        let s = self.default_to_string(h)?;
        self.new_str(&s)
    }

    pub(crate) fn default_to_string(&mut self, h: gclab::Handle) -> R<String> {
        Ok(match self.tag_of(h)? {
            ARRAY => {
                for &j in &self.joining {
                    if self.heap.same_object(j, h)? {
                        return Ok(String::new());
                    }
                }
                self.check_stack()?;
                let items = self.array_items(h)?;
                self.joining.push(h);
                let r = self.join_items(&items);
                self.joining.pop();
                r?
            }
            _ if self.is_callable(Value::Ref(h)) => "function () { [native code] }".into(),
            ITERATOR | GENERATOR => format!("[object {}]", self.to_string_tag(h)?),
            _ => {
                if self.is_error(h)? {
                    let name = self.get_named(Value::Ref(h), "name")?;
                    let msg = self.get_named(Value::Ref(h), "message")?;
                    let (n, m) = (self.to_str(name)?, self.to_str(msg)?);
                    if m.is_empty() {
                        n
                    } else {
                        format!("{n}: {m}")
                    }
                } else {
                    "[object Object]".into()
                }
            }
        })
    }

    /// The elements of an array joined with `,` (`null` and `undefined` as empty strings).
    fn join_items(&mut self, items: &[Value]) -> R<String> {
        let mut parts = Vec::new();
        for &x in items {
            parts.push(match x {
                Value::Undefined | Value::Null => String::new(),
                _ => self.to_str(x)?,
            });
        }
        Ok(parts.join(","))
    }

    /// `ToString`, as a Rust string.
    pub(crate) fn to_str(&mut self, v: Value) -> R<String> {
        Ok(match v {
            Value::Int(i) => i.to_string(),
            Value::Float(f) => fmt_number(f),
            Value::Bool(b) => b.to_string(),
            Value::Undefined => "undefined".into(),
            Value::Null => "null".into(),
            Value::Ref(h) => {
                if self.tag_of(h)? == STRING {
                    self.str_of(h)?
                } else if self.tag_of(h)? == SYMBOL {
                    return Err(self.throw_type("Cannot convert a Symbol value to a string")?);
                } else {
                    let p = self.to_primitive(v)?;
                    if matches!(p, Value::Ref(_)) && !self.is_str(p) {
                        self.default_to_string(h)?
                    } else {
                        self.to_str(p)?
                    }
                }
            }
        })
    }

    /// `ToString`, as a heap string (strings are returned as they are).
    pub(crate) fn to_string_value(&mut self, v: Value) -> R<Value> {
        if self.is_str(v) {
            return Ok(v);
        }
        let s = self.to_str(v)?;
        self.new_str(&s)
    }

    /// `ToBoolean`.
    pub(crate) fn truthy(&self, v: Value) -> R<bool> {
        Ok(match v {
            Value::Int(i) => i != 0,
            Value::Float(f) => !(f == 0.0 || f.is_nan()),
            Value::Bool(b) => b,
            Value::Undefined | Value::Null => false,
            Value::Ref(h) => self.tag_of(h)? != STRING || !self.heap.bytes(h)?.is_empty(),
        })
    }

    /// `typeof v`.
    pub(crate) fn type_of(&self, v: Value) -> &'static str {
        match v {
            Value::Int(_) | Value::Float(_) => "number",
            Value::Bool(_) => "boolean",
            Value::Undefined => "undefined",
            Value::Null => "object",
            Value::Ref(h) => match self.tag_of(h) {
                Ok(STRING) => "string",
                Ok(SYMBOL) => "symbol",
                _ if self.is_callable(v) => "function",
                _ => "object",
            },
        }
    }

    /// `a === b`.
    pub(crate) fn strict_equals(&self, a: Value, b: Value) -> R<bool> {
        Ok(match (a, b) {
            (Value::Int(x), Value::Int(y)) => x == y,
            (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
                as_f64(a) == as_f64(b)
            }
            (Value::Ref(x), Value::Ref(y)) => {
                if self.heap.same_object(x, y)? {
                    true
                } else if self.tag_of(x)? == STRING && self.tag_of(y)? == STRING {
                    self.heap.bytes(x)? == self.heap.bytes(y)?
                } else {
                    false
                }
            }
            _ => a == b,
        })
    }

    /// `a == b`.
    pub(crate) fn loose_equals(&mut self, a: Value, b: Value) -> R<bool> {
        let nullish = |v: Value| matches!(v, Value::Undefined | Value::Null);
        if nullish(a) || nullish(b) {
            return Ok(nullish(a) && nullish(b));
        }
        let is_obj = |it: &Self, v: Value| matches!(v, Value::Ref(_)) && !it.is_str(v);
        if is_obj(self, a) && is_obj(self, b) {
            return self.strict_equals(a, b);
        }
        if self.is_str(a) && self.is_str(b) {
            return self.strict_equals(a, b);
        }
        if is_obj(self, a) || is_obj(self, b) {
            let (pa, pb) = (self.to_primitive(a)?, self.to_primitive(b)?);
            if self.is_str(pa) && self.is_str(pb) {
                return self.strict_equals(pa, pb);
            }
            return Ok(self.to_number(pa)? == self.to_number(pb)?);
        }
        Ok(self.to_number(a)? == self.to_number(b)?)
    }

    // ------------------------------------------------------------------ errors

    /// A new error object of the given prototype with `message` (and a `stack`).
    pub(crate) fn make_error(&mut self, proto: gclab::Handle, message: &str) -> R<Value> {
        let o = self.new_object_with(OBJECT, 3, Value::Ref(proto))?;
        let m = self.new_str(message)?;
        self.set_own(o, super::object::atom::MESSAGE, m)?;
        let name = self.get_named(Value::Ref(o), "name")?;
        let name = self.to_str(name)?;
        let stack = if message.is_empty() {
            format!("{name}\n    at {}", self.file)
        } else {
            format!("{name}: {message}\n    at {}", self.file)
        };
        let s = self.new_str(&stack)?;
        self.set_own(o, super::object::atom::STACK, s)?;
        Ok(Value::Ref(o))
    }

    fn throw_with(&mut self, proto: gclab::Handle, message: &str) -> R<Exc> {
        Ok(Exc::Throw(self.make_error(proto, message)?))
    }

    /// A `TypeError` to return as `Err`.
    pub(crate) fn throw_type(&mut self, message: &str) -> R<Exc> {
        let p = self.intr().type_error_proto.handle();
        self.throw_with(p, message)
    }

    /// A `RangeError` to return as `Err`.
    pub(crate) fn throw_range(&mut self, message: &str) -> R<Exc> {
        let p = self.intr().range_error_proto.handle();
        self.throw_with(p, message)
    }

    /// A `ReferenceError` to return as `Err`.
    pub(crate) fn throw_reference(&mut self, message: &str) -> R<Exc> {
        let p = self.intr().reference_error_proto.handle();
        self.throw_with(p, message)
    }

    /// Whether `h` inherits from `Error.prototype`.
    pub(crate) fn is_error(&mut self, h: gclab::Handle) -> R<bool> {
        let ep = self.intr().error_proto.handle();
        let mut cur = self.proto_of(h)?;
        while let Some(c) = cur {
            if self.heap.same_object(c, ep)? {
                return Ok(true);
            }
            cur = self.proto_of(c)?;
        }
        Ok(false)
    }
}

/// A number as `f64` (0 for non-numbers).
pub(crate) fn as_f64(v: Value) -> f64 {
    match v {
        Value::Int(i) => i as f64,
        Value::Float(f) => f,
        _ => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::fmt_number;

    #[test]
    fn numbers_print_as_v8_prints_them() {
        assert_eq!(fmt_number(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(fmt_number(1e21), "1e+21");
        assert_eq!(fmt_number(123456789012.0), "123456789012");
        assert_eq!(fmt_number(1.5e-7), "1.5e-7");
        assert_eq!(fmt_number(0.000001), "0.000001");
        assert_eq!(fmt_number(-2.5), "-2.5");
        assert_eq!(fmt_number(f64::NAN), "NaN");
    }
}
