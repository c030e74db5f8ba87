//! The iterator protocol: the built-in iterators of `Map`, `Set`, `Array` and `String`, and
//! the one way every consumer (`for…of`, spread, destructuring, `Array.from`, `new Map(it)`,
//! `yield*`…) pulls items: [`get_iterator`](Interp::get_iterator),
//! [`iter_step`](Interp::iter_step), [`iter_close`](Interp::iter_close).
//!
//! A built-in iterator is an `ITERATOR` heap object: the object slots, the iterated object
//! at 3 (`undefined` once done), the next index at 4, its kind (family × 3 + mode) at 5 and,
//! for a map or set, the last key it gave at 6. It reads its collection live, as V8 does:
//! entries added during the iteration are visited, deleted ones (holes) skipped; when the
//! collection compacted its store meanwhile, the iterator finds its place again from the last
//! key. A plain array is pulled by index without an iterator object (its fast path).
//!
//! Invariant: an iterator holds its collection through slot 3 until it is done, so the
//! collector sees `Iterator .iterated → Map`; consumers that stop early close the iterator
//! (`return()`), except for plain arrays and built-in iterators, which need no closing.

use crate::js::object::Key;
use crate::js::realm::tags::*;
use crate::js::{Exc, Interp, R};
use gclab::{Handle, Value};
use oxc_span::Span;

const I_TARGET: usize = 3;
const I_INDEX: usize = 4;
const I_KIND: usize = 5;
const I_SLOTS: usize = 7;

/// Iterator families (index into `LangState::iterator_protos`).
pub(crate) const F_MAP: i32 = 0;
pub(crate) const F_SET: i32 = 1;
pub(crate) const F_ARRAY: i32 = 2;
pub(crate) const F_STRING: i32 = 3;
/// Modes.
pub(crate) const KEYS: i32 = 0;
pub(crate) const VALUES: i32 = 1;
pub(crate) const ENTRIES: i32 = 2;

/// Where a value is iterated, for node's wording of "not iterable".
#[derive(Clone, Copy)]
pub(crate) enum Site {
    /// An expression of the program (`for (x of o)`, `[...o]`): its source text is named.
    Expr(Span),
    /// The spread of a call's argument.
    CallSpread,
    /// A built-in or a destructuring pattern.
    Native,
}

/// An iteration in progress.
pub(crate) enum Iter {
    /// A plain array, read live by index.
    Array { arr: Handle, next: usize },
    /// An iterator object: a generator, a built-in iterator, or one the program made.
    Object(Handle),
}

impl<'a> Interp<'a> {
    /// A new built-in iterator over `target`.
    pub(crate) fn new_iterator(&mut self, target: Value, family: i32, mode: i32) -> R<Value> {
        let proto = self.lang.iterator_protos[family as usize].handle();
        let h = self.new_object_with(ITERATOR, I_SLOTS, Value::Ref(proto))?;
        self.heap.set(h, I_TARGET, target)?;
        self.heap.set(h, I_INDEX, Value::Int(0))?;
        self.heap.set(h, I_KIND, Value::Int(family * 3 + mode))?;
        Ok(Value::Ref(h))
    }

    /// `GetIterator(v)`.
    pub(crate) fn get_iterator(&mut self, v: Value, site: Site) -> R<Iter> {
        if let Value::Ref(h) = v {
            match self.tag_of(h)? {
                ARRAY => return Ok(Iter::Array { arr: h, next: 0 }),
                GENERATOR | ITERATOR => return Ok(Iter::Object(h)),
                _ => {}
            }
        }
        let method = match v {
            Value::Undefined | Value::Null => Value::Undefined,
            _ => self.get_prop(v, Key::Atom(self.lang.iterator))?,
        };
        if !self.is_callable(method) {
            return Err(self.not_iterable(v, site)?);
        }
        let r = self.call(method, v, &[])?;
        match r {
            Value::Ref(h) if !self.is_str(r) && self.tag_of(h)? != SYMBOL => Ok(Iter::Object(h)),
            _ => Err(self.throw_type("Result of the Symbol.iterator method is not an object")?),
        }
    }

    fn not_iterable(&mut self, v: Value, site: Site) -> R<Exc> {
        let msg = match site {
            Site::Expr(s) => {
                let text = &self.source[s.start as usize..s.end as usize];
                format!("{text} is not iterable")
            }
            Site::CallSpread => {
                "Spread syntax requires ...iterable[Symbol.iterator] to be a function".into()
            }
            Site::Native => {
                let what = match v {
                    Value::Undefined => "undefined".into(),
                    Value::Null => "null".into(),
                    Value::Ref(_) if !self.is_str(v) => "object".into(),
                    _ => format!("{} {}", self.type_of(v), self.to_str(v)?),
                };
                format!("{what} is not iterable (cannot read property Symbol(Symbol.iterator))")
            }
        };
        self.throw_type(&msg)
    }

    /// `IteratorStep`: the next item, `None` when the iterator is done.
    pub(crate) fn iter_step(&mut self, it: &mut Iter) -> R<Option<Value>> {
        match it {
            Iter::Array { arr, next } => {
                if *next >= self.array_len(*arr)? {
                    return Ok(None);
                }
                let e = self.elems(*arr)?;
                let v = self.heap.get(e, *next)?;
                *next += 1;
                Ok(Some(v))
            }
            Iter::Object(h) => self.step_object(*h),
        }
    }

    /// The next item of iterator object `h`.
    pub(crate) fn step_object(&mut self, h: Handle) -> R<Option<Value>> {
        match self.tag_of(h)? {
            GENERATOR => self.generator_next(h),
            ITERATOR => self.builtin_next(h),
            _ => {
                let o = Value::Ref(h);
                let next = self.get_named(o, "next")?;
                if !self.is_callable(next) {
                    let s = self.inspect(next)?;
                    return Err(self.throw_type(&format!("{s} is not a function"))?);
                }
                let r = self.call(next, o, &[])?;
                if !matches!(r, Value::Ref(_)) || self.is_str(r) {
                    let s = self.inspect(r)?;
                    return Err(self.throw_type(&format!("Iterator result {s} is not an object"))?);
                }
                let done = self.get_named(r, "done")?;
                if self.truthy(done)? {
                    return Ok(None);
                }
                Ok(Some(self.get_named(r, "value")?))
            }
        }
    }

    /// `IteratorClose` after a consumer left early with `r` (a `break` or `return` is `Ok`):
    /// calls the iterator's `return()`; a throw from it replaces a normal exit only.
    pub(crate) fn iter_close<T>(&mut self, it: &Iter, r: R<T>) -> R<T> {
        let Iter::Object(h) = *it else { return r };
        match self.tag_of(h)? {
            GENERATOR => self.close_generator(h, r),
            ITERATOR => r,
            _ => match r {
                Err(Exc::Throw(e)) => match self.call_return(h) {
                    Ok(()) | Err(Exc::Throw(_)) => Err(Exc::Throw(e)),
                    Err(other) => Err(other),
                },
                Err(Exc::GeneratorReturn) => {
                    self.call_return(h)?;
                    Err(Exc::GeneratorReturn)
                }
                Err(other) => Err(other),
                Ok(x) => {
                    self.call_return(h)?;
                    Ok(x)
                }
            },
        }
    }

    fn call_return(&mut self, h: Handle) -> R<()> {
        let f = self.get_named(Value::Ref(h), "return")?;
        if matches!(f, Value::Undefined | Value::Null) {
            return Ok(());
        }
        let r = self.call(f, Value::Ref(h), &[])?;
        if !matches!(r, Value::Ref(_)) || self.is_str(r) {
            let s = self.inspect(r)?;
            return Err(self.throw_type(&format!("Iterator result {s} is not an object"))?);
        }
        Ok(())
    }

    /// Every item of `v` (spread, `Array.from`, `new Map(it)`…). Arrays, strings, maps and
    /// sets are read directly (no program code can run meanwhile).
    pub(crate) fn iterate(&mut self, v: Value, site: Site) -> R<Vec<Value>> {
        if let Value::Ref(h) = v {
            match self.tag_of(h)? {
                ARRAY => return self.array_items(h),
                MAP | SET => return self.collection_items(h),
                STRING => {
                    let s = self.str_of(h)?;
                    let mut out = Vec::new();
                    for c in s.chars() {
                        out.push(self.new_str(c.encode_utf8(&mut [0; 4]))?);
                    }
                    return Ok(out);
                }
                _ => {}
            }
        }
        let mut it = self.get_iterator(v, site)?;
        let mut out = Vec::new();
        while let Some(x) = self.iter_step(&mut it)? {
            out.push(x);
        }
        Ok(out)
    }

    /// The items an array pattern binds: `n` of them (then the iterator is closed), or all
    /// of them for a pattern with a rest element (`n` is `None`).
    pub(crate) fn pattern_items(&mut self, v: Value, n: Option<usize>) -> R<Vec<Value>> {
        let Some(n) = n else {
            return self.iterate(v, Site::Native);
        };
        let mut it = self.get_iterator(v, Site::Native)?;
        let mut out = Vec::new();
        while out.len() < n {
            match self.iter_step(&mut it)? {
                Some(x) => out.push(x),
                None => return Ok(out),
            }
        }
        self.iter_close(&it, Ok(out))
    }
}
