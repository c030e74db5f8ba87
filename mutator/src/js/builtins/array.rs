//! `Array` and `Buffer` natives (`String` is in [`super::string`], `console` in
//! [`super::process`]).

use super::arg;
use crate::js::object::atom;
use crate::js::realm::tags::*;
use crate::js::{Interp, R};
use gclab::{Handle, Value};

fn this_array(it: &mut Interp<'_>, t: Value) -> R<Handle> {
    match t {
        Value::Ref(h) if it.tag(t) == Some(ARRAY) => Ok(h),
        _ => Err(it.throw_type("Array.prototype method called on a non-array")?),
    }
}

pub(super) fn rel_index(it: &mut Interp<'_>, v: Value, len: usize, default: usize) -> R<usize> {
    if v == Value::Undefined {
        return Ok(default);
    }
    let x = it.to_number(v)?;
    let x = if x.is_nan() { 0.0 } else { x.trunc() };
    Ok(if x < 0.0 {
        (len as f64 + x).max(0.0) as usize
    } else {
        (x as usize).min(len)
    })
}

pub(super) fn install(it: &mut Interp<'_>) -> R<()> {
    let ap = it.intr().array_proto.handle();
    let array = it.native("Array", |it, _t, a, _c| {
        if let [Value::Int(n)] = a {
            if *n < 0 {
                return Err(it.throw_range("Invalid array length")?);
            }
            return Ok(Value::Ref(it.new_array(*n as usize, *n as usize)?));
        }
        if let [Value::Float(_)] = a {
            return Err(it.throw_range("Invalid array length")?);
        }
        Ok(Value::Ref(it.array_of(a)?))
    })?;
    it.set_own(array, atom::PROTOTYPE, Value::Ref(ap))?;
    it.set_own(ap, atom::CONSTRUCTOR, Value::Ref(array))?;
    it.heap.set_global("Array", array)?;
    it.method(array, "Array.isArray", |it, _t, a, _c| {
        Ok(Value::Bool(it.tag(arg(a, 0)) == Some(ARRAY)))
    })?;
    it.method(array, "Array.of", |it, _t, a, _c| {
        Ok(Value::Ref(it.array_of(a)?))
    })?;
    it.method(array, "Array.from", |it, _t, a, _c| {
        let src = arg(a, 0);
        let sym = crate::js::object::Key::Atom(it.lang.iterator);
        let items = if it.tag(src) == Some(OBJECT) && it.get_prop(src, sym)? == Value::Undefined {
            // An array-like: `length` and indexed properties.
            let n = it.get_prop(src, crate::js::object::Key::Atom(atom::LENGTH))?;
            let n = it.to_number(n)?.max(0.0) as u32;
            let mut items = Vec::new();
            for i in 0..n {
                items.push(it.get_prop(src, crate::js::object::Key::Index(i))?);
            }
            items
        } else {
            it.iterate(src, super::iterator::Site::Native)?
        };
        let f = arg(a, 1);
        let out = it.new_array(0, items.len())?;
        for (i, x) in items.into_iter().enumerate() {
            let v = if it.is_callable(f) {
                it.call(f, Value::Undefined, &[x, Value::Int(i as i32)])?
            } else {
                x
            };
            it.array_push(out, v)?;
        }
        Ok(Value::Ref(out))
    })?;
    it.method(ap, "Array.prototype.push", |it, t, a, _c| {
        let h = this_array(it, t)?;
        for &v in a {
            it.array_push(h, v)?;
        }
        Ok(Value::Int(it.array_len(h)? as i32))
    })?;
    it.method(ap, "Array.prototype.pop", |it, t, _a, _c| {
        let h = this_array(it, t)?;
        let n = it.array_len(h)?;
        if n == 0 {
            return Ok(Value::Undefined);
        }
        let e = it.elems(h)?;
        let v = it.heap.get(e, n - 1)?;
        it.set_array_len(h, n - 1)?;
        Ok(v)
    })?;
    it.method(ap, "Array.prototype.shift", |it, t, _a, _c| {
        let h = this_array(it, t)?;
        let n = it.array_len(h)?;
        if n == 0 {
            return Ok(Value::Undefined);
        }
        let e = it.elems(h)?;
        let v = it.heap.get(e, 0)?;
        for i in 1..n {
            let x = it.heap.get(e, i)?;
            it.heap.set(e, i - 1, x)?;
        }
        it.set_array_len(h, n - 1)?;
        Ok(v)
    })?;
    it.method(ap, "Array.prototype.unshift", |it, t, a, _c| {
        let h = this_array(it, t)?;
        let n = it.array_len(h)?;
        it.set_array_len(h, n + a.len())?;
        let e = it.elems(h)?;
        for i in (0..n).rev() {
            let x = it.heap.get(e, i)?;
            it.heap.set(e, i + a.len(), x)?;
        }
        for (i, &v) in a.iter().enumerate() {
            it.heap.set(e, i, v)?;
        }
        Ok(Value::Int((n + a.len()) as i32))
    })?;
    it.method(ap, "Array.prototype.slice", |it, t, a, _c| {
        let h = this_array(it, t)?;
        let n = it.array_len(h)?;
        let s = rel_index(it, arg(a, 0), n, 0)?;
        let e = rel_index(it, arg(a, 1), n, n)?;
        let items = it.array_items(h)?;
        Ok(Value::Ref(
            it.array_of(items.get(s..e.max(s)).unwrap_or(&[]))?,
        ))
    })?;
    it.method(ap, "Array.prototype.splice", |it, t, a, _c| {
        let h = this_array(it, t)?;
        let n = it.array_len(h)?;
        let s = rel_index(it, arg(a, 0), n, 0)?;
        let count = if a.len() < 2 {
            n - s
        } else {
            (it.to_number(a[1])?.max(0.0) as usize).min(n - s)
        };
        let mut items = it.array_items(h)?;
        let removed: Vec<Value> = items
            .splice(s..s + count, a.get(2..).unwrap_or(&[]).iter().copied())
            .collect();
        it.set_array_len(h, items.len())?;
        let e = it.elems(h)?;
        for (i, v) in items.into_iter().enumerate() {
            it.heap.set(e, i, v)?;
        }
        Ok(Value::Ref(it.array_of(&removed)?))
    })?;
    it.method(ap, "Array.prototype.concat", |it, t, a, _c| {
        let h = this_array(it, t)?;
        let mut items = it.array_items(h)?;
        for &x in a {
            if it.tag(x) == Some(ARRAY) {
                let Value::Ref(xh) = x else { unreachable!() };
                items.extend(it.array_items(xh)?);
            } else {
                items.push(x)
            }
        }
        Ok(Value::Ref(it.array_of(&items)?))
    })?;
    it.method(ap, "Array.prototype.join", |it, t, a, _c| {
        let h = this_array(it, t)?;
        let sep = match arg(a, 0) {
            Value::Undefined => ",".to_string(),
            v => it.to_str(v)?,
        };
        let mut parts = Vec::new();
        for x in it.array_items(h)? {
            parts.push(if matches!(x, Value::Undefined | Value::Null) {
                String::new()
            } else {
                it.to_str(x)?
            });
        }
        it.new_str(&parts.join(&sep))
    })?;
    it.method(ap, "Array.prototype.indexOf", |it, t, a, _c| {
        let h = this_array(it, t)?;
        for (i, x) in it.array_items(h)?.into_iter().enumerate() {
            if it.strict_equals(x, arg(a, 0))? {
                return Ok(Value::Int(i as i32));
            }
        }
        Ok(Value::Int(-1))
    })?;
    it.method(ap, "Array.prototype.lastIndexOf", |it, t, a, _c| {
        let h = this_array(it, t)?;
        for (i, x) in it.array_items(h)?.into_iter().enumerate().rev() {
            if it.strict_equals(x, arg(a, 0))? {
                return Ok(Value::Int(i as i32));
            }
        }
        Ok(Value::Int(-1))
    })?;
    it.method(ap, "Array.prototype.includes", |it, t, a, _c| {
        let h = this_array(it, t)?;
        for x in it.array_items(h)? {
            let nan = |v: Value| matches!(v, Value::Float(f) if f.is_nan());
            if it.strict_equals(x, arg(a, 0))? || (nan(x) && nan(arg(a, 0))) {
                return Ok(Value::Bool(true));
            }
        }
        Ok(Value::Bool(false))
    })?;
    it.method(ap, "Array.prototype.reverse", |it, t, _a, _c| {
        let h = this_array(it, t)?;
        let items = it.array_items(h)?;
        let e = it.elems(h)?;
        for (i, v) in items.into_iter().rev().enumerate() {
            it.heap.set(e, i, v)?;
        }
        Ok(t)
    })?;
    it.method(ap, "Array.prototype.fill", |it, t, a, _c| {
        let h = this_array(it, t)?;
        let n = it.array_len(h)?;
        let s = rel_index(it, arg(a, 1), n, 0)?;
        let e = rel_index(it, arg(a, 2), n, n)?;
        let el = it.elems(h)?;
        for i in s..e {
            it.heap.set(el, i, arg(a, 0))?;
        }
        Ok(t)
    })?;
    it.method(ap, "Array.prototype.flat", |it, t, _a, _c| {
        let h = this_array(it, t)?;
        let mut out = Vec::new();
        for x in it.array_items(h)? {
            match x {
                Value::Ref(xh) if it.tag(x) == Some(ARRAY) => out.extend(it.array_items(xh)?),
                _ => out.push(x),
            }
        }
        Ok(Value::Ref(it.array_of(&out)?))
    })?;
    it.method(ap, "Array.prototype.at", |it, t, a, _c| {
        let h = this_array(it, t)?;
        let n = it.array_len(h)? as i64;
        let i = it.to_number(arg(a, 0))? as i64;
        let i = if i < 0 { n + i } else { i };
        if i < 0 || i >= n {
            return Ok(Value::Undefined);
        }
        let e = it.elems(h)?;
        Ok(it.heap.get(e, i as usize)?)
    })?;
    it.method(ap, "Array.prototype.toString", |it, t, _a, _c| {
        // The join of the elements; calling `to_str(this)` here would find this very
        // method again through ToPrimitive.
        let s = match t {
            Value::Ref(h) => it.default_to_string(h)?,
            other => it.to_str(other)?,
        };
        it.new_str(&s)
    })?;
    super::string::install(it)?;
    super::process::install_console(it)
}
