//! `String`: the constructor and the string methods.

use super::arg;
use super::array::rel_index;
use crate::js::convert::num;
use crate::js::object::atom;
use crate::js::realm::tags::*;
use crate::js::{Interp, R};
use gclab::Value;

pub(super) fn install(it: &mut Interp<'_>) -> R<()> {
    let sp = it.intr().string_proto.handle();
    let string = it.native("String", |it, _t, a, _c| {
        if a.is_empty() {
            return it.new_str("");
        }
        if let Value::Ref(h) = a[0] {
            if it.tag_of(h)? == SYMBOL {
                let s = it.symbol_to_string(h)?;
                return it.new_str(&s);
            }
        }
        it.to_string_value(a[0])
    })?;
    it.set_own(string, atom::PROTOTYPE, Value::Ref(sp))?;
    it.set_own(sp, atom::CONSTRUCTOR, Value::Ref(string))?;
    it.heap.set_global("String", string)?;
    it.method(string, "String.fromCharCode", |it, _t, a, _c| {
        let mut units = Vec::new();
        for &x in a {
            units.push(it.to_number(x)? as u32 as u16);
        }
        it.new_str(&String::from_utf16_lossy(&units))
    })?;
    macro_rules! smethod {
        ($name:literal, |$it:ident, $s:ident, $a:ident| $body:expr) => {
            it.method(sp, $name, |$it, t, $a, _c| {
                let $s = $it.to_str(t)?;
                $body
            })?;
        };
    }
    smethod!("String.prototype.toUpperCase", |it, s, _a| it
        .new_str(&s.to_uppercase()));
    smethod!("String.prototype.toLowerCase", |it, s, _a| it
        .new_str(&s.to_lowercase()));
    smethod!("String.prototype.trim", |it, s, _a| it.new_str(s.trim()));
    smethod!("String.prototype.trimStart", |it, s, _a| it
        .new_str(s.trim_start()));
    smethod!("String.prototype.trimEnd", |it, s, _a| it
        .new_str(s.trim_end()));
    smethod!("String.prototype.toString", |it, s, _a| it.new_str(&s));
    smethod!("String.prototype.slice", |it, s, a| {
        let u: Vec<u16> = s.encode_utf16().collect();
        let b = rel_index(it, arg(a, 0), u.len(), 0)?;
        let e = rel_index(it, arg(a, 1), u.len(), u.len())?;
        it.new_str(&String::from_utf16_lossy(u.get(b..e.max(b)).unwrap_or(&[])))
    });
    smethod!("String.prototype.substring", |it, s, a| {
        let u: Vec<u16> = s.encode_utf16().collect();
        let clamp = |it: &mut Interp<'_>, v: Value, d: usize| -> R<usize> {
            if v == Value::Undefined {
                return Ok(d);
            }
            let x = it.to_number(v)?;
            Ok(if x.is_nan() {
                0
            } else {
                x.max(0.0).min(u.len() as f64) as usize
            })
        };
        let (b, e) = (clamp(it, arg(a, 0), 0)?, clamp(it, arg(a, 1), u.len())?);
        let (b, e) = (b.min(e), b.max(e));
        it.new_str(&String::from_utf16_lossy(&u[b..e]))
    });
    smethod!("String.prototype.charAt", |it, s, a| {
        let i = it.to_number(arg(a, 0))? as usize;
        let u: Vec<u16> = s.encode_utf16().collect();
        it.new_str(
            &u.get(i)
                .map_or(String::new(), |c| String::from_utf16_lossy(&[*c])),
        )
    });
    smethod!("String.prototype.charCodeAt", |it, s, a| {
        let i = match arg(a, 0) {
            Value::Undefined => 0,
            v => it.to_number(v)? as usize,
        };
        Ok(s.encode_utf16()
            .nth(i)
            .map_or(Value::Float(f64::NAN), |c| Value::Int(c as i32)))
    });
    smethod!("String.prototype.indexOf", |it, s, a| {
        let needle = it.to_str(arg(a, 0))?;
        Ok(Value::Int(
            s.find(&needle)
                .map_or(-1, |b| s[..b].encode_utf16().count() as i32),
        ))
    });
    smethod!("String.prototype.lastIndexOf", |it, s, a| {
        let needle = it.to_str(arg(a, 0))?;
        Ok(Value::Int(
            s.rfind(&needle)
                .map_or(-1, |b| s[..b].encode_utf16().count() as i32),
        ))
    });
    smethod!("String.prototype.includes", |it, s, a| {
        let n = it.to_str(arg(a, 0))?;
        Ok(Value::Bool(s.contains(&n)))
    });
    smethod!("String.prototype.startsWith", |it, s, a| {
        let n = it.to_str(arg(a, 0))?;
        Ok(Value::Bool(s.starts_with(&n)))
    });
    smethod!("String.prototype.endsWith", |it, s, a| {
        let n = it.to_str(arg(a, 0))?;
        Ok(Value::Bool(s.ends_with(&n)))
    });
    smethod!("String.prototype.repeat", |it, s, a| {
        let n = it.to_number(arg(a, 0))?;
        if n < 0.0 || n.is_infinite() {
            return Err(it.throw_range(&format!(
                "Invalid count value: {}",
                crate::js::convert::fmt_number(n)
            ))?);
        }
        it.new_str(&s.repeat(n as usize))
    });
    smethod!("String.prototype.padStart", |it, s, a| {
        let n = it.to_number(arg(a, 0))? as usize;
        let pad = match arg(a, 1) {
            Value::Undefined => " ".to_string(),
            v => it.to_str(v)?,
        };
        let len = s.encode_utf16().count();
        if n <= len || pad.is_empty() {
            return it.new_str(&s);
        }
        let fill: String = pad.chars().cycle().take(n - len).collect();
        it.new_str(&(fill + &s))
    });
    smethod!("String.prototype.padEnd", |it, s, a| {
        let n = it.to_number(arg(a, 0))? as usize;
        let pad = match arg(a, 1) {
            Value::Undefined => " ".to_string(),
            v => it.to_str(v)?,
        };
        let len = s.encode_utf16().count();
        if n <= len || pad.is_empty() {
            return it.new_str(&s);
        }
        let fill: String = pad.chars().cycle().take(n - len).collect();
        it.new_str(&(s + &fill))
    });
    smethod!("String.prototype.split", |it, s, a| {
        let parts: Vec<String> = match arg(a, 0) {
            Value::Undefined => vec![s.clone()],
            v => {
                let sep = it.to_str(v)?;
                if sep.is_empty() {
                    s.chars().map(|c| c.to_string()).collect()
                } else {
                    s.split(sep.as_str()).map(str::to_string).collect()
                }
            }
        };
        let arr = it.new_array(0, parts.len())?;
        for p in parts {
            let v = it.new_str(&p)?;
            it.array_push(arr, v)?;
        }
        Ok(Value::Ref(arr))
    });
    smethod!("String.prototype.replace", |it, s, a| {
        if !it.is_str(arg(a, 0)) {
            return it.unsupported("replace with a regular expression", it.call_site);
        }
        let pat = it.to_str(arg(a, 0))?;
        let Some(at) = s.find(&pat) else {
            return it.new_str(&s);
        };
        let with = if it.is_callable(arg(a, 1)) {
            let m = it.new_str(&pat)?;
            let r = it.call(arg(a, 1), Value::Undefined, &[m])?;
            it.to_str(r)?
        } else {
            it.to_str(arg(a, 1))?
        };
        it.new_str(&format!("{}{}{}", &s[..at], with, &s[at + pat.len()..]))
    });
    smethod!("String.prototype.replaceAll", |it, s, a| {
        let pat = it.to_str(arg(a, 0))?;
        let with = it.to_str(arg(a, 1))?;
        it.new_str(&s.replace(&pat, &with))
    });
    smethod!("String.prototype.concat", |it, s, a| {
        let mut out = s;
        for &x in a {
            out.push_str(&it.to_str(x)?);
        }
        it.new_str(&out)
    });
    smethod!("String.prototype.at", |it, s, a| {
        let u: Vec<u16> = s.encode_utf16().collect();
        let i = it.to_number(arg(a, 0))? as i64;
        let i = if i < 0 { u.len() as i64 + i } else { i };
        if i < 0 || i >= u.len() as i64 {
            return Ok(Value::Undefined);
        }
        it.new_str(&String::from_utf16_lossy(&[u[i as usize]]))
    });
    // Buffer: raw bytes in the heap.
    let bp = it.intr().buffer_proto.handle();
    let buffer = it.new_object()?;
    it.heap.set_global("Buffer", buffer)?;
    it.set_own(buffer, atom::PROTOTYPE, Value::Ref(bp))?;
    it.method(buffer, "Buffer.alloc", |it, _t, a, _c| {
        let n = it.to_number(arg(a, 0))?;
        if !(0.0..=4294967296.0).contains(&n) {
            return Err(it.throw_range("The value of \"size\" is out of range.")?);
        }
        let fill = match arg(a, 1) {
            Value::Undefined => 0u8,
            v => it.to_number(v)? as i64 as u8,
        };
        let bp = it.intr().buffer_proto.handle();
        let b = it.heap.alloc(BUFFER, 3, n as usize)?;
        it.heap.set(b, PROTO, bp)?;
        it.heap.set(b, NPROPS, Value::Int(0))?;
        if fill != 0 {
            it.heap.bytes_mut(b)?.fill(fill);
        }
        Ok(Value::Ref(b))
    })?;
    it.method(buffer, "Buffer.from", |it, _t, a, _c| {
        let bytes: Vec<u8> = if it.tag(arg(a, 0)) == Some(ARRAY) {
            let Value::Ref(h) = arg(a, 0) else {
                unreachable!()
            };
            let items = it.array_items(h)?;
            let mut out = Vec::new();
            for x in items {
                out.push(it.to_number(x)? as i64 as u8);
            }
            out
        } else {
            it.to_str(arg(a, 0))?.into_bytes()
        };
        let bp = it.intr().buffer_proto.handle();
        let b = it.heap.alloc(BUFFER, 3, bytes.len())?;
        it.heap.set(b, PROTO, bp)?;
        it.heap.set(b, NPROPS, Value::Int(0))?;
        it.heap.bytes_mut(b)?.copy_from_slice(&bytes);
        Ok(Value::Ref(b))
    })?;
    it.method(bp, "Buffer.prototype.toString", |it, t, _a, _c| {
        let Value::Ref(h) = t else {
            return it.new_str("");
        };
        let s = String::from_utf8_lossy(it.heap.bytes(h)?).into_owned();
        it.new_str(&s)
    })?;
    let _ = num;
    Ok(())
}
