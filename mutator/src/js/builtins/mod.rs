//! The global object's built-ins: installation, and the natives of `Object`, `Function`,
//! `Math`, `JSON`, numbers, `process`, `require` and `Buffer`. Arrays and strings are in
//! [`array`], maps and sets in [`collections`], promises in [`promise`], timers and the
//! event loop in [`timers`]; a few built-ins are written in JavaScript (`prelude.js`).
//!
//! Invariant: every native is a `NATIVE` heap object whose `id` slot indexes
//! `Interp::natives`; natives receive their arguments as locals of the caller's frame.

pub(crate) mod accessor;
mod array;
mod builtin_iter;
mod collections;
mod function;
mod hash_index;
pub(crate) mod iterator;
mod json;
mod math;
mod process;
pub(crate) mod promise;
mod string;
mod symbol;
pub(crate) mod timers;
mod weak;

use super::convert::{num, str_to_number};
use super::object::{atom, Key};
use super::realm::tags::*;
use super::realm::NativeFn;
use super::{Interp, R};
use gclab::{Handle, Value};
pub(crate) use symbol::LangState;

pub(crate) fn arg(args: &[Value], i: usize) -> Value {
    args.get(i).copied().unwrap_or(Value::Undefined)
}

impl<'a> Interp<'a> {
    /// A native function object.
    pub(crate) fn native(&mut self, name: &'static str, f: NativeFn) -> R<Handle> {
        let id = self.natives.len() as i32;
        self.natives.push((name, f));
        let fp = self.intr().function_proto.handle();
        let h = self.new_object_with(NATIVE, 6, Value::Ref(fp))?;
        self.heap.set(h, 3, Value::Int(id))?;
        Ok(h)
    }

    /// Defines native method `name` on `obj`.
    pub(crate) fn method(&mut self, obj: Handle, name: &'static str, f: NativeFn) -> R<Handle> {
        let short = name.rsplit('.').next().unwrap_or(name);
        let n = self.native(name, f)?;
        self.set_named(obj, short, Value::Ref(n))?;
        Ok(n)
    }

    /// A global constructor whose `prototype` is `proto`.
    fn constructor(&mut self, name: &'static str, f: NativeFn, proto: Handle) -> R<Handle> {
        let c = self.native(name, f)?;
        self.set_own(c, atom::PROTOTYPE, Value::Ref(proto))?;
        self.set_own(proto, atom::CONSTRUCTOR, Value::Ref(c))?;
        self.heap.set_global(name, c)?;
        Ok(c)
    }
}

fn error_ctor(it: &mut Interp<'_>, this: Value, args: &[Value], callee: Handle) -> R<Value> {
    let proto = it.get_prop(Value::Ref(callee), Key::Atom(atom::PROTOTYPE))?;
    let msg = match arg(args, 0) {
        Value::Undefined => String::new(),
        v => it.to_str(v)?,
    };
    let Value::Ref(p) = proto else {
        unreachable!("error constructors have prototypes")
    };
    let e = it.make_error(p, &msg)?;
    // Subclasses construct into `this`: copy message and stack onto it.
    if let Value::Ref(t) = this {
        if it.tag(this) == Some(OBJECT) && it.is_error(t)? {
            for a in [atom::MESSAGE, atom::STACK] {
                let v = it.get_prop(e, Key::Atom(a))?;
                it.set_own(t, a, v)?;
            }
            return Ok(this);
        }
    }
    Ok(e)
}

/// Installs every built-in.
pub(crate) fn install(it: &mut Interp<'_>) -> R<()> {
    it.intern_well_known();
    let frame = it.heap.push_frame("(install built-ins)");
    let r = install_in(it);
    it.heap.pop_frame(frame)?;
    r
}

fn install_in(it: &mut Interp<'_>) -> R<()> {
    let i = it.intr();
    let (op, fp, ep) = (
        i.object_proto.handle(),
        i.function_proto.handle(),
        i.error_proto.handle(),
    );
    let global = it.new_object_with(GLOBAL, 3, Value::Ref(op))?;
    it.heap.set_global("globalThis", global)?;
    it.heap.set_global("global", global)?;
    it.heap.set_global("NaN", Value::Float(f64::NAN))?;
    it.heap
        .set_global("Infinity", Value::Float(f64::INFINITY))?;

    // Object
    let object = it.constructor(
        "Object",
        |it, _t, a, _c| match arg(a, 0) {
            v @ Value::Ref(_) => Ok(v),
            _ => Ok(Value::Ref(it.new_object()?)),
        },
        op,
    )?;
    it.method(object, "Object.keys", |it, _t, a, _c| {
        let Value::Ref(o) = arg(a, 0) else {
            return Ok(Value::Ref(it.array_of(&[])?));
        };
        let mut names = Vec::new();
        for k in it.own_keys(o)? {
            let n = it.key_name(k);
            names.push(it.new_str(&n)?);
        }
        Ok(Value::Ref(it.array_of(&names)?))
    })?;
    it.method(object, "Object.values", |it, _t, a, _c| {
        let v = arg(a, 0);
        let Value::Ref(o) = v else {
            return Ok(Value::Ref(it.array_of(&[])?));
        };
        let mut vals = Vec::new();
        for k in it.own_keys(o)? {
            vals.push(it.get_prop(v, k)?);
        }
        Ok(Value::Ref(it.array_of(&vals)?))
    })?;
    it.method(object, "Object.entries", |it, _t, a, _c| {
        let v = arg(a, 0);
        let Value::Ref(o) = v else {
            return Ok(Value::Ref(it.array_of(&[])?));
        };
        let mut pairs = Vec::new();
        for k in it.own_keys(o)? {
            let n = it.key_name(k);
            let ks = it.new_str(&n)?;
            let x = it.get_prop(v, k)?;
            pairs.push(Value::Ref(it.array_of(&[ks, x])?));
        }
        Ok(Value::Ref(it.array_of(&pairs)?))
    })?;
    it.method(object, "Object.assign", |it, _t, a, _c| {
        let target = arg(a, 0);
        for &src in a.iter().skip(1) {
            if let Value::Ref(s) = src {
                let mut keys = it.own_keys(s)?;
                keys.extend(it.own_symbol_keys(s)?);
                for k in keys {
                    let x = it.get_prop(src, k)?;
                    it.set_prop(target, k, x)?;
                }
            }
        }
        Ok(target)
    })?;
    it.method(object, "Object.freeze", |_it, _t, a, _c| Ok(arg(a, 0)))?;
    it.method(object, "Object.getPrototypeOf", |it, _t, a, _c| {
        match arg(a, 0) {
            Value::Ref(h) => Ok(it.proto_of(h)?.map_or(Value::Null, Value::Ref)),
            _ => Ok(Value::Null),
        }
    })?;
    it.method(object, "Object.setPrototypeOf", |it, _t, a, _c| {
        if let Value::Ref(h) = arg(a, 0) {
            it.heap.set(h, PROTO, arg(a, 1))?;
        }
        Ok(arg(a, 0))
    })?;
    it.method(op, "Object.prototype.hasOwnProperty", |it, t, a, _c| {
        let Value::Ref(o) = t else {
            return Ok(Value::Bool(false));
        };
        let k = it.to_key(arg(a, 0))?;
        let own = it.own_keys_all(o)?.contains(&k) || it.own_symbol_keys(o)?.contains(&k);
        Ok(Value::Bool(own))
    })?;
    it.method(op, "Object.prototype.toString", |it, t, _a, _c| {
        let s = match it.tag(t) {
            _ if it.is_callable(t) => "[object Function]".into(),
            Some(ARRAY) => "[object Array]".into(),
            Some(SYMBOL) => "[object Symbol]".into(),
            Some(h @ (ITERATOR | GENERATOR)) => {
                let Value::Ref(o) = t else {
                    unreachable!("{h} is an object tag")
                };
                format!("[object {}]", it.to_string_tag(o)?)
            }
            _ => "[object Object]".to_string(),
        };
        it.new_str(&s)
    })?;

    accessor::install(it, object)?;

    // Function
    it.constructor(
        "Function",
        |it, _t, _a, _c| it.unsupported("`Function(…)` (code from a string)", 0),
        fp,
    )?;
    it.method(fp, "Function.prototype.call", |it, t, a, _c| {
        it.call(t, arg(a, 0), a.get(1..).unwrap_or(&[]))
    })?;
    it.method(fp, "Function.prototype.apply", |it, t, a, _c| {
        let args = match arg(a, 1) {
            Value::Ref(h) if it.tag(Value::Ref(h)) == Some(ARRAY) => it.array_items(h)?,
            _ => Vec::new(),
        };
        it.call(t, arg(a, 0), &args)
    })?;
    it.method(fp, "Function.prototype.bind", |it, t, a, _c| {
        let bound = it.native("bound", |it, _t, args, callee| {
            let target = it.heap.get(callee, 4)?;
            let Some(pack) = it.heap.get(callee, 5)?.as_ref() else {
                unreachable!("bound functions carry their arguments")
            };
            let mut all = it.array_items(pack)?;
            let this = all.remove(0);
            all.extend_from_slice(args);
            it.call(target, this, &all)
        })?;
        let pack = it.array_of(a)?;
        if a.is_empty() {
            it.array_push(pack, Value::Undefined)?;
        }
        it.heap.set(bound, 4, t)?;
        it.heap.set(bound, 5, pack)?;
        let name = it.function_name(t)?;
        let n = it.new_str(&format!("bound {name}"))?;
        it.set_own(bound, atom::NAME, n)?;
        Ok(Value::Ref(bound))
    })?;

    // Errors
    let i = it.intr();
    let protos = [
        ("Error", ep),
        ("TypeError", i.type_error_proto.handle()),
        ("RangeError", i.range_error_proto.handle()),
        ("ReferenceError", i.reference_error_proto.handle()),
        ("SyntaxError", i.syntax_error_proto.handle()),
    ];
    for (name, p) in protos {
        it.constructor(name, error_ctor, p)?;
        let n = it.new_str(name)?;
        it.set_own(p, atom::NAME, n)?;
        let m = it.new_str("")?;
        it.set_own(p, atom::MESSAGE, m)?;
    }
    it.method(ep, "Error.prototype.toString", |it, t, _a, _c| {
        let Value::Ref(_) = t else {
            return it.new_str("Error");
        };
        let n = it.get_named(t, "name")?;
        let m = it.get_named(t, "message")?;
        let (n, m) = (it.to_str(n)?, it.to_str(m)?);
        it.new_str(&if m.is_empty() { n } else { format!("{n}: {m}") })
    })?;

    // Numbers, strings, booleans
    let np = it.intr().number_proto.handle();
    let number = it.constructor(
        "Number",
        |it, _t, a, _c| {
            Ok(if a.is_empty() {
                Value::Int(0)
            } else {
                num(it.to_number(a[0])?)
            })
        },
        np,
    )?;
    it.set_named(number, "MAX_SAFE_INTEGER", Value::Float(9007199254740991.0))?;
    it.set_named(
        number,
        "MIN_SAFE_INTEGER",
        Value::Float(-9007199254740991.0),
    )?;
    it.set_named(number, "EPSILON", Value::Float(f64::EPSILON))?;
    it.set_named(number, "MAX_VALUE", Value::Float(f64::MAX))?;
    it.set_named(number, "POSITIVE_INFINITY", Value::Float(f64::INFINITY))?;
    it.set_named(number, "NEGATIVE_INFINITY", Value::Float(f64::NEG_INFINITY))?;
    it.set_named(number, "NaN", Value::Float(f64::NAN))?;
    it.method(number, "Number.isInteger", |_it, _t, a, _c| {
        Ok(Value::Bool(match arg(a, 0) {
            Value::Int(_) => true,
            Value::Float(f) => f.is_finite() && f.fract() == 0.0,
            _ => false,
        }))
    })?;
    it.method(number, "Number.isFinite", |_it, _t, a, _c| {
        Ok(Value::Bool(match arg(a, 0) {
            Value::Int(_) => true,
            Value::Float(f) => f.is_finite(),
            _ => false,
        }))
    })?;
    it.method(number, "Number.isNaN", |_it, _t, a, _c| {
        Ok(Value::Bool(
            matches!(arg(a, 0), Value::Float(f) if f.is_nan()),
        ))
    })?;
    let parse_float: NativeFn = |it, _t, a, _c| {
        let s = it.to_str(arg(a, 0))?;
        let t = s.trim_start();
        let end = t
            .char_indices()
            .take_while(|&(i, c)| {
                c.is_ascii_digit()
                    || c == '.'
                    || ((c == '-' || c == '+') && i == 0)
                    || c == 'e'
                    || c == 'E'
            })
            .map(|(i, c)| i + c.len_utf8())
            .last()
            .unwrap_or(0);
        let mut best = f64::NAN;
        for k in (1..=end).rev() {
            if let Ok(f) = t[..k].parse::<f64>() {
                best = f;
                break;
            }
        }
        if t.starts_with("Infinity") {
            best = f64::INFINITY
        }
        Ok(num(best))
    };
    let parse_int: NativeFn = |it, _t, a, _c| {
        let s = it.to_str(arg(a, 0))?;
        let radix = match arg(a, 1) {
            Value::Undefined => 10,
            v => it.to_number(v)? as u32,
        };
        let t = s.trim_start();
        let (neg, t) = match t.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, t.strip_prefix('+').unwrap_or(t)),
        };
        let (radix, t) = if (radix == 16 || radix == 10 && arg(a, 1) == Value::Undefined)
            && (t.starts_with("0x") || t.starts_with("0X"))
        {
            (16, &t[2..])
        } else {
            (radix, t)
        };
        let radix = if radix == 0 { 10 } else { radix };
        if !(2..=36).contains(&radix) {
            return Ok(Value::Float(f64::NAN));
        }
        let mut v: f64 = 0.0;
        let mut any = false;
        for c in t.chars() {
            match c.to_digit(radix) {
                Some(d) => {
                    v = v * radix as f64 + d as f64;
                    any = true
                }
                None => break,
            }
        }
        Ok(if any {
            num(if neg { -v } else { v })
        } else {
            Value::Float(f64::NAN)
        })
    };
    let pf = it.native("parseFloat", parse_float)?;
    let pi = it.native("parseInt", parse_int)?;
    it.set_named(number, "parseFloat", Value::Ref(pf))?;
    it.set_named(number, "parseInt", Value::Ref(pi))?;
    it.heap.set_global("parseFloat", pf)?;
    it.heap.set_global("parseInt", pi)?;
    let isnan = it.native("isNaN", |it, _t, a, _c| {
        Ok(Value::Bool(it.to_number(arg(a, 0))?.is_nan()))
    })?;
    it.heap.set_global("isNaN", isnan)?;
    let isfin = it.native("isFinite", |it, _t, a, _c| {
        Ok(Value::Bool(it.to_number(arg(a, 0))?.is_finite()))
    })?;
    it.heap.set_global("isFinite", isfin)?;
    it.method(np, "Number.prototype.toFixed", |it, t, a, _c| {
        let d = it.to_number(arg(a, 0))? as usize;
        let x = it.to_number(t)?;
        it.new_str(&format!("{x:.d$}"))
    })?;
    it.method(np, "Number.prototype.toString", |it, t, a, _c| {
        let x = it.to_number(t)?;
        match arg(a, 0) {
            Value::Undefined | Value::Int(10) => {
                let s = it.to_str(t)?;
                it.new_str(&s)
            }
            r => {
                let radix = it.to_number(r)? as u32;
                if x.fract() != 0.0 || !(2..=36).contains(&radix) {
                    return it.unsupported("toString with a radix on this number", 0);
                }
                let (mut n, neg) = ((x.abs()) as u64, x < 0.0);
                let mut digits = Vec::new();
                loop {
                    digits.push(
                        std::char::from_digit((n % radix as u64) as u32, radix).unwrap_or('0'),
                    );
                    n /= radix as u64;
                    if n == 0 {
                        break;
                    }
                }
                if neg {
                    digits.push('-')
                }
                let s: String = digits.into_iter().rev().collect();
                it.new_str(&s)
            }
        }
    })?;
    let bp = it.intr().boolean_proto.handle();
    it.constructor(
        "Boolean",
        |it, _t, a, _c| Ok(Value::Bool(it.truthy(arg(a, 0))?)),
        bp,
    )?;
    symbol::install(it)?;
    array::install(it)?;
    collections::install(it)?;
    promise::install(it)?;
    crate::js::generator::install(it)?;
    math::install(it)?;
    json::install(it)?;
    process::install(it)?;
    process::install_outside(it)?;
    timers::install(it)?;
    weak::install(it)?;
    builtin_iter::install(it)?;
    function::install(it)?;
    let _ = str_to_number;
    Ok(())
}
