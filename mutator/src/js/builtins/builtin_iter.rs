//! The built-in iterators: `Map`/`Set` `keys`/`values`/`entries`/`[Symbol.iterator]`,
//! `Array` `keys`/`values`/`entries`/`[Symbol.iterator]`, `String[Symbol.iterator]` (by code
//! point), their prototypes (which inherit `[Symbol.iterator]() { return this }` from
//! `%IteratorPrototype%`, as `Generator.prototype` does), and what `console.log` shows of
//! them. The object layout and the protocol are in [`super::iterator`].
//!
//! Invariant: an iterator's index only grows; a map or set iterator's index is one past the
//! entry it gave last (slot `I_LAST`), or is re-derived from that key when the collection
//! compacted its store since.

use super::iterator::{ENTRIES, F_ARRAY, F_MAP, F_SET, F_STRING, KEYS, VALUES};
use crate::js::object::Key;
use crate::js::realm::tags::*;
use crate::js::{Interp, R};
use gclab::{Handle, RootKind, Value};

const I_TARGET: usize = 3;
const I_INDEX: usize = 4;
const I_KIND: usize = 5;
const I_LAST: usize = 6;

impl<'a> Interp<'a> {
    /// `next()` of a built-in iterator: the next item, `None` when done.
    pub(crate) fn builtin_next(&mut self, h: Handle) -> R<Option<Value>> {
        let Value::Ref(target) = self.heap.get(h, I_TARGET)? else {
            return Ok(None);
        };
        let kind = self.heap.get(h, I_KIND)?.as_int().unwrap_or(0);
        let (family, mode) = (kind / 3, kind % 3);
        let i = self.heap.get(h, I_INDEX)?.as_int().unwrap_or(0) as usize;
        let item = match family {
            F_MAP | F_SET => {
                let (mut i, used) = self.collection_position(h, target, i)?;
                let keys = self.heap.get(target, 3)?.as_ref().expect("keys");
                let hole = self.intr().hole.handle();
                let mut found = None;
                while i < used {
                    let k = self.heap.get(keys, i)?;
                    i += 1;
                    if let Value::Ref(kh) = k {
                        if self.heap.same_object(kh, hole)? {
                            continue;
                        }
                    }
                    self.heap.set(h, I_INDEX, Value::Int(i as i32))?;
                    self.heap.set(h, I_LAST, k)?;
                    let vals = self.heap.get(target, 4)?.as_ref().expect("values");
                    let v = if family == F_MAP {
                        self.heap.get(vals, i - 1)?
                    } else {
                        k
                    };
                    found = Some(match mode {
                        KEYS => k,
                        VALUES => v,
                        _ => Value::Ref(self.array_of(&[k, v])?),
                    });
                    break;
                }
                found
            }
            F_ARRAY => {
                let t = Value::Ref(target);
                let n = if self.tag_of(target)? == ARRAY {
                    self.array_len(target)?
                } else {
                    let n = self.get_prop(t, Key::Atom(crate::js::object::atom::LENGTH))?;
                    self.to_number(n)?.max(0.0) as usize
                };
                if i < n {
                    self.heap.set(h, I_INDEX, Value::Int(i as i32 + 1))?;
                    let v = self.get_prop(t, Key::Index(i as u32))?;
                    Some(match mode {
                        KEYS => Value::Int(i as i32),
                        VALUES => v,
                        _ => Value::Ref(self.array_of(&[Value::Int(i as i32), v])?),
                    })
                } else {
                    None
                }
            }
            _ => {
                let bytes = self.heap.bytes(target)?;
                match bytes.get(i..).and_then(|b| {
                    let len = b.len().min(4);
                    let s = match std::str::from_utf8(&b[..len]) {
                        Ok(s) => s,
                        Err(e) => std::str::from_utf8(&b[..e.valid_up_to()]).ok()?,
                    };
                    s.chars().next()
                }) {
                    Some(c) => {
                        let next = i + c.len_utf8();
                        self.heap.set(h, I_INDEX, Value::Int(next as i32))?;
                        Some(self.new_str(c.encode_utf8(&mut [0; 4]))?)
                    }
                    None => None,
                }
            }
        };
        if item.is_none() {
            self.heap.set(h, I_TARGET, Value::Undefined)?;
            self.heap.set(h, I_LAST, Value::Undefined)?;
        }
        Ok(item)
    }

    /// Where a map or set iterator resumes in collection `m`, and the entries used there.
    fn collection_position(&mut self, h: Handle, m: Handle, i: usize) -> R<(usize, usize)> {
        let used = self.heap.get(m, 5)?.as_int().unwrap_or(0) as usize;
        if i == 0 {
            return Ok((0, used));
        }
        let last = self.heap.get(h, I_LAST)?;
        let keys = self.heap.get(m, 3)?.as_ref().expect("keys");
        let at = if i <= used {
            Some(self.heap.get(keys, i - 1)?)
        } else {
            None
        };
        let same = match (at, last) {
            (Some(Value::Ref(a)), Value::Ref(b)) => self.heap.same_object(a, b)?,
            (Some(a), b) => a == b,
            (None, _) => false,
        };
        if same {
            return Ok((i, used));
        }
        // The store was compacted (or cleared) since: resume after the last key if it is
        // still there.
        Ok(match self.find_key(m, last)? {
            Some(j) => (j + 1, used),
            None => (i.min(used), used),
        })
    }

    /// The `Symbol.toStringTag` of a built-in iterator or a generator (`Map Iterator`…).
    pub(crate) fn to_string_tag(&mut self, h: Handle) -> R<&'static str> {
        if self.tag_of(h)? == GENERATOR {
            return Ok("Generator");
        }
        let kind = self.heap.get(h, I_KIND)?.as_int().unwrap_or(0);
        Ok(match kind / 3 {
            F_MAP => "Map Iterator",
            F_SET => "Set Iterator",
            F_ARRAY => "Array Iterator",
            _ => "String Iterator",
        })
    }

    /// What `console.log` shows of a built-in iterator: `[Map Iterator]` and the entries it
    /// has left, or `None` for an array or string iterator (`Object [Array Iterator] {}`)
    /// with its name.
    pub(crate) fn iterator_preview(&mut self, h: Handle) -> R<(String, Option<Vec<Value>>)> {
        let kind = self.heap.get(h, I_KIND)?.as_int().unwrap_or(0);
        let (family, mode) = (kind / 3, kind % 3);
        let name = match family {
            F_MAP => "Map",
            F_SET => "Set",
            F_ARRAY => return Ok(("Array Iterator".into(), None)),
            _ => return Ok(("String Iterator".into(), None)),
        };
        let what = if mode == ENTRIES {
            "Entries"
        } else {
            "Iterator"
        };
        let mut items = Vec::new();
        if let Value::Ref(m) = self.heap.get(h, I_TARGET)? {
            let i = self.heap.get(h, I_INDEX)?.as_int().unwrap_or(0) as usize;
            let (start, _) = self.collection_position(h, m, i)?;
            let entries = self.collection_entries_from(m, start)?;
            for (k, v) in entries {
                let v = if family == F_MAP { v } else { k };
                items.push(match mode {
                    KEYS => k,
                    VALUES => v,
                    _ => Value::Ref(self.array_of(&[k, v])?),
                });
            }
        }
        Ok((format!("{name} {what}"), Some(items)))
    }
}

/// A native method that makes a built-in iterator over `this` (of the given tags).
macro_rules! iter_method {
    ($it:expr, $name:expr, $family:expr, $mode:expr, $tags:pat) => {
        $it.native($name, |it, t, _a, _c| {
            if !matches!(it.tag(t), $tags) {
                let s = it.inspect(t)?;
                let m = format!("Method {}() called on incompatible receiver {s}", $name);
                return Err(it.throw_type(&m)?);
            }
            it.new_iterator(t, $family, $mode)
        })?
    };
}

/// Installs `%IteratorPrototype%`, the iterator prototypes and the iterator methods.
pub(super) fn install(it: &mut Interp<'_>) -> R<()> {
    let slots = [
        "__proto__",
        "properties",
        "count",
        "iterated",
        "index",
        "kind",
        "lastKey",
    ];
    it.heap.register_type(ITERATOR, "Iterator", &slots);
    let op = it.intr().object_proto.handle();
    let ip = it.new_object_with(OBJECT, 3, Value::Ref(op))?;
    let held = it.heap.root(RootKind::Handle, "%IteratorPrototype%", ip)?;
    it.lang.held.push(held);
    let sym_iter = it.lang.iterator;
    let self_iter = it.native("[Symbol.iterator]", |_it, t, _a, _c| Ok(t))?;
    it.set_own(ip, sym_iter, Value::Ref(self_iter))?;
    let gp = it.intr().generator_proto.handle();
    it.heap.set(gp, PROTO, ip)?;
    for name in [
        "Map Iterator",
        "Set Iterator",
        "Array Iterator",
        "String Iterator",
    ] {
        let p = it.new_object_with(OBJECT, 3, Value::Ref(ip))?;
        it.method(p, "next", |it, t, _a, _c| {
            let h = match t {
                Value::Ref(h) if it.tag_of(h)? == ITERATOR => h,
                _ => {
                    let s = it.inspect(t)?;
                    let m = format!("next method called on incompatible receiver {s}");
                    return Err(it.throw_type(&m)?);
                }
            };
            let v = it.builtin_next(h)?;
            it.iter_result(v.unwrap_or(Value::Undefined), v.is_none())
        })?;
        let persistent = it.heap.root(RootKind::Handle, name, p)?;
        it.lang.iterator_protos.push(persistent);
    }
    let sym = Key::Atom(sym_iter);
    let mp = Value::Ref(it.intr().map_proto.handle());
    let f = iter_method!(it, "Map.prototype.keys", F_MAP, KEYS, Some(MAP));
    put(it, mp, "keys", Value::Ref(f))?;
    let f = iter_method!(it, "Map.prototype.values", F_MAP, VALUES, Some(MAP));
    put(it, mp, "values", Value::Ref(f))?;
    let f = iter_method!(it, "Map.prototype.entries", F_MAP, ENTRIES, Some(MAP));
    put(it, mp, "entries", Value::Ref(f))?;
    it.set_prop(mp, sym, Value::Ref(f))?;
    let sp = Value::Ref(it.intr().set_proto.handle());
    let f = iter_method!(it, "Set.prototype.values", F_SET, VALUES, Some(SET));
    put(it, sp, "values", Value::Ref(f))?;
    put(it, sp, "keys", Value::Ref(f))?;
    it.set_prop(sp, sym, Value::Ref(f))?;
    let f = iter_method!(it, "Set.prototype.entries", F_SET, ENTRIES, Some(SET));
    put(it, sp, "entries", Value::Ref(f))?;
    let ap = Value::Ref(it.intr().array_proto.handle());
    let f = iter_method!(
        it,
        "Array.prototype.keys",
        F_ARRAY,
        KEYS,
        Some(ARRAY | OBJECT | STRING | BUFFER)
    );
    put(it, ap, "keys", Value::Ref(f))?;
    let f = iter_method!(
        it,
        "Array.prototype.values",
        F_ARRAY,
        VALUES,
        Some(ARRAY | OBJECT | STRING | BUFFER)
    );
    put(it, ap, "values", Value::Ref(f))?;
    it.set_prop(ap, sym, Value::Ref(f))?;
    let f = iter_method!(
        it,
        "Array.prototype.entries",
        F_ARRAY,
        ENTRIES,
        Some(ARRAY | OBJECT | STRING | BUFFER)
    );
    put(it, ap, "entries", Value::Ref(f))?;
    // The prelude's `Promise.all`/`race`/`allSettled` take their items through this.
    let to_list = it.native("__toList", |it, _t, a, _c| {
        let items = it.iterate(super::arg(a, 0), super::iterator::Site::Native)?;
        Ok(Value::Ref(it.array_of(&items)?))
    })?;
    it.heap.set_global("__toList", to_list)?;
    let strp = Value::Ref(it.intr().string_proto.handle());
    let f = iter_method!(it, "[Symbol.iterator]", F_STRING, VALUES, Some(STRING));
    it.set_prop(strp, sym, Value::Ref(f))?;
    Ok(())
}

fn put(it: &mut Interp<'_>, o: Value, name: &str, v: Value) -> R<()> {
    let k = Key::Atom(it.intern(name));
    it.set_prop(o, k, v)
}
