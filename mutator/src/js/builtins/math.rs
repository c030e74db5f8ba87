//! `Math`: constants and functions; `Math.random` is a seeded xorshift, so runs are
//! reproducible.

use super::arg;
use crate::js::convert::num;
use crate::js::{Interp, R};
use gclab::Value;

pub(super) fn install(it: &mut Interp<'_>) -> R<()> {
    let math = it.new_object()?;
    it.heap.set_global("Math", math)?;
    it.set_named(math, "PI", Value::Float(std::f64::consts::PI))?;
    it.set_named(math, "E", Value::Float(std::f64::consts::E))?;
    macro_rules! unary {
        ($name:literal, $f:expr) => {
            it.method(math, $name, |it, _t, a, _c| {
                let x = it.to_number(arg(a, 0))?;
                let f: fn(f64) -> f64 = $f;
                Ok(num(f(x)))
            })?;
        };
    }
    unary!("Math.floor", f64::floor);
    unary!("Math.ceil", f64::ceil);
    unary!("Math.round", |x| (x + 0.5).floor());
    unary!("Math.abs", f64::abs);
    unary!("Math.sqrt", f64::sqrt);
    unary!("Math.trunc", f64::trunc);
    unary!("Math.sign", |x| if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        x
    });
    unary!("Math.log", f64::ln);
    unary!("Math.log2", f64::log2);
    unary!("Math.log10", f64::log10);
    unary!("Math.exp", f64::exp);
    unary!("Math.sin", f64::sin);
    unary!("Math.cos", f64::cos);
    it.method(math, "Math.pow", |it, _t, a, _c| {
        Ok(num(it.to_number(arg(a, 0))?.powf(it.to_number(arg(a, 1))?)))
    })?;
    it.method(math, "Math.max", |it, _t, a, _c| {
        let mut m = f64::NEG_INFINITY;
        for &x in a {
            let x = it.to_number(x)?;
            if x.is_nan() {
                return Ok(Value::Float(f64::NAN));
            }
            if x > m {
                m = x
            }
        }
        Ok(num(m))
    })?;
    it.method(math, "Math.min", |it, _t, a, _c| {
        let mut m = f64::INFINITY;
        for &x in a {
            let x = it.to_number(x)?;
            if x.is_nan() {
                return Ok(Value::Float(f64::NAN));
            }
            if x < m {
                m = x
            }
        }
        Ok(num(m))
    })?;
    it.method(math, "Math.random", |it, _t, _a, _c| {
        // A deterministic xorshift: runs are reproducible.
        let mut s = it.random_state;
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        it.random_state = s;
        Ok(Value::Float((s >> 11) as f64 / (1u64 << 53) as f64))
    })?;
    Ok(())
}
