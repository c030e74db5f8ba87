//! `Map` and `Set`: insertion-ordered tables in the heap.
//!
//! Layout (tag `MAP` or `SET`): keys (`ELEMENTS`) at 3, values at 4, `used` entries at 5,
//! `size` at 6, the hash index at 7 (see [`super::hash_index`]; `undefined` while small). A
//! deleted entry's key is the intrinsic hole object; when the entry store is full and at
//! least half holes, it is compacted instead of grown. Lookup probes the index, comparing
//! keys over borrowed views (no handle per entry), or scans a small collection.

use super::arg;
use super::hash_index::INDEX;
use crate::js::object::atom;
use crate::js::realm::tags::*;
use crate::js::{Interp, R};
use gclab::{Handle, Value, ViewValue};

impl<'a> Interp<'a> {
    fn this_collection(&mut self, t: Value, tag: u16) -> R<Handle> {
        match t {
            Value::Ref(h) if self.tag(t) == Some(tag) => Ok(h),
            _ => Err(self.throw_type("incompatible receiver")?),
        }
    }

    /// The index of `key` in collection `m` (SameValueZero), if present.
    pub(super) fn find_key(&mut self, m: Handle, key: Value) -> R<Option<usize>> {
        let used = self.heap.get(m, 5)?.as_int().unwrap_or(0) as usize;
        let keys = self
            .heap
            .get(m, 3)?
            .as_ref()
            .expect("collections have keys");
        let index = match self.heap.get(m, INDEX)? {
            Value::Ref(ix) => Some((ix, self.heap.slot_count(ix)?, self.key_hash(key)?)),
            _ => None,
        };
        let key_is_str = self.is_str(key);
        let heap = &self.heap;
        let key_bytes: Option<&[u8]> = match key {
            Value::Ref(h) if key_is_str => Some(heap.bytes(h)?),
            _ => None,
        };
        let key_view = match key {
            Value::Ref(h) => Some(heap.view(h)?),
            _ => None,
        };
        let kv = heap.view(keys)?;
        let num = |v: &ViewValue<'_>| match v {
            ViewValue::Int(i) => Some(*i as f64),
            ViewValue::Float(f) => Some(*f),
            _ => None,
        };
        let kn = match key {
            Value::Int(i) => Some(i as f64),
            Value::Float(f) => Some(f),
            _ => None,
        };
        let eq_at = |i: usize| -> bool {
            let Some(x) = kv.get(i) else { return false };
            match (&x, key, kn) {
                (_, _, Some(k)) => num(&x).is_some_and(|n| n == k || (n.is_nan() && k.is_nan())),
                (ViewValue::Ref(r), Value::Ref(_), _) => {
                    let kvw = key_view.expect("reference key");
                    r.same(kvw)
                        || key_bytes.is_some_and(|b| r.type_tag() == STRING && r.bytes() == b)
                }
                (ViewValue::Undefined, Value::Undefined, _) | (ViewValue::Null, Value::Null, _) => {
                    true
                }
                (ViewValue::Bool(a), Value::Bool(b), _) => *a == b,
                _ => false,
            }
        };
        let Some((ix, len, hash)) = index else {
            return Ok((0..used).find(|&i| eq_at(i)));
        };
        let iv = heap.view(ix)?;
        let mask = len - 1;
        let mut i = hash as usize & mask;
        loop {
            match iv.get(i) {
                Some(ViewValue::Int(e)) if eq_at(e as usize) => return Ok(Some(e as usize)),
                Some(ViewValue::Int(_)) => i = (i + 1) & mask,
                _ => return Ok(None),
            }
        }
    }

    fn collection_set(&mut self, m: Handle, key: Value, value: Value) -> R<()> {
        if let Some(i) = self.find_key(m, key)? {
            let vals = self.heap.get(m, 4)?.as_ref().expect("values");
            self.heap.set(vals, i, value)?;
            return Ok(());
        }
        let mut used = self.heap.get(m, 5)?.as_int().unwrap_or(0) as usize;
        let keys = self.heap.get(m, 3)?.as_ref().expect("keys");
        let cap = self.heap.slot_count(keys)?;
        if used == cap {
            let size = self.heap.get(m, 6)?.as_int().unwrap_or(0) as usize;
            // Mostly holes (a cache that evicts): compact in place; otherwise grow.
            let ncap = if size * 2 <= cap {
                cap
            } else {
                (cap * 2).max(8)
            };
            let hole = self.intr().hole.handle();
            for slot in [3, 4] {
                let old = self.heap.get(m, slot)?.as_ref().expect("store");
                let new = self.heap.alloc(ELEMENTS, ncap, 0)?;
                let mut j = 0;
                for i in 0..used {
                    if let Value::Ref(k) = self.heap.get(keys, i)? {
                        if self.heap.same_object(k, hole)? {
                            continue;
                        }
                    }
                    let x = self.heap.get(old, i)?;
                    self.heap.set(new, j, x)?;
                    j += 1;
                }
                self.heap.set(m, slot, new)?;
            }
            used = size;
            self.heap.set(m, 5, Value::Int(used as i32))?;
            self.index_rebuild(m)?;
        }
        if let Value::Ref(ix) = self.heap.get(m, INDEX)? {
            let h = self.key_hash(key)?;
            self.index_insert(ix, h, used)?;
        }
        let keys = self.heap.get(m, 3)?.as_ref().expect("keys");
        let vals = self.heap.get(m, 4)?.as_ref().expect("values");
        self.heap.set(keys, used, key)?;
        self.heap.set(vals, used, value)?;
        self.heap.set(m, 5, Value::Int(used as i32 + 1))?;
        let size = self.heap.get(m, 6)?.as_int().unwrap_or(0);
        self.heap.set(m, 6, Value::Int(size + 1))?;
        Ok(())
    }

    fn collection_delete(&mut self, m: Handle, key: Value) -> R<bool> {
        let Some(i) = self.find_key(m, key)? else {
            return Ok(false);
        };
        let hole = self.intr().hole.handle();
        let keys = self.heap.get(m, 3)?.as_ref().expect("keys");
        let vals = self.heap.get(m, 4)?.as_ref().expect("values");
        self.heap.set(keys, i, hole)?;
        self.heap.set(vals, i, Value::Undefined)?;
        let size = self.heap.get(m, 6)?.as_int().unwrap_or(0);
        self.heap.set(m, 6, Value::Int(size - 1))?;
        Ok(true)
    }

    /// Live entries: `(key, value)` pairs in insertion order.
    pub(crate) fn collection_entries(&mut self, m: Handle) -> R<Vec<(Value, Value)>> {
        self.collection_entries_from(m, 0)
    }

    /// Live entries from store index `start` on.
    pub(crate) fn collection_entries_from(
        &mut self,
        m: Handle,
        start: usize,
    ) -> R<Vec<(Value, Value)>> {
        let used = self.heap.get(m, 5)?.as_int().unwrap_or(0) as usize;
        let keys = self.heap.get(m, 3)?.as_ref().expect("keys");
        let vals = self.heap.get(m, 4)?.as_ref().expect("values");
        let hole = self.intr().hole.handle();
        let mut out = Vec::new();
        for i in start..used {
            let k = self.heap.get(keys, i)?;
            if let Value::Ref(kh) = k {
                if self.heap.same_object(kh, hole)? {
                    continue;
                }
            }
            out.push((k, self.heap.get(vals, i)?));
        }
        Ok(out)
    }

    /// What `for…of` yields: `[key, value]` arrays for a map, values for a set.
    pub(crate) fn collection_items(&mut self, m: Handle) -> R<Vec<Value>> {
        let is_map = self.heap.type_tag(m)? == MAP;
        let mut out = Vec::new();
        for (k, v) in self.collection_entries(m)? {
            out.push(if is_map {
                Value::Ref(self.array_of(&[k, v])?)
            } else {
                k
            });
        }
        Ok(out)
    }

    fn new_collection(&mut self, tag: u16, proto: Value) -> R<Handle> {
        let m = self.new_object_with(tag, 8, proto)?;
        for slot in [3, 4] {
            let e = self.heap.alloc(ELEMENTS, 8, 0)?;
            self.heap.set(m, slot, e)?;
        }
        self.heap.set(m, 5, Value::Int(0))?;
        self.heap.set(m, 6, Value::Int(0))?;
        Ok(m)
    }
}

fn ctor(it: &mut Interp<'_>, this: Value, a: &[Value], tag: u16) -> R<Value> {
    let proto = match this {
        Value::Ref(h) if it.tag(this) == Some(OBJECT) => it.heap.get(h, PROTO)?,
        _ => return Err(it.throw_type("Constructor requires 'new'")?),
    };
    let m = it.new_collection(tag, proto)?;
    if !matches!(arg(a, 0), Value::Undefined | Value::Null) {
        for x in it.iterate(arg(a, 0), super::iterator::Site::Native)? {
            if tag == MAP {
                let k = it.get_prop(x, crate::js::object::Key::Index(0))?;
                let v = it.get_prop(x, crate::js::object::Key::Index(1))?;
                it.collection_set(m, k, v)?;
            } else {
                it.collection_set(m, x, Value::Undefined)?;
            }
        }
    }
    Ok(Value::Ref(m))
}

pub(super) fn install(it: &mut Interp<'_>) -> R<()> {
    let mp = it.intr().map_proto.handle();
    let sp = it.intr().set_proto.handle();
    it.constructor("Map", |it, t, a, _c| ctor(it, t, a, MAP), mp)?;
    it.constructor("Set", |it, t, a, _c| ctor(it, t, a, SET), sp)?;
    it.method(mp, "Map.prototype.set", |it, t, a, _c| {
        let m = it.this_collection(t, MAP)?;
        it.collection_set(m, arg(a, 0), arg(a, 1))?;
        Ok(t)
    })?;
    it.method(mp, "Map.prototype.get", |it, t, a, _c| {
        let m = it.this_collection(t, MAP)?;
        match it.find_key(m, arg(a, 0))? {
            Some(i) => {
                let vals = it.heap.get(m, 4)?.as_ref().expect("values");
                Ok(it.heap.get(vals, i)?)
            }
            None => Ok(Value::Undefined),
        }
    })?;
    it.method(sp, "Set.prototype.add", |it, t, a, _c| {
        let m = it.this_collection(t, SET)?;
        it.collection_set(m, arg(a, 0), Value::Undefined)?;
        Ok(t)
    })?;
    for (p, tag) in [(mp, MAP), (sp, SET)] {
        let (has, del, clear, for_each): (&'static str, &'static str, &'static str, &'static str) =
            if tag == MAP {
                (
                    "Map.prototype.has",
                    "Map.prototype.delete",
                    "Map.prototype.clear",
                    "Map.prototype.forEach",
                )
            } else {
                (
                    "Set.prototype.has",
                    "Set.prototype.delete",
                    "Set.prototype.clear",
                    "Set.prototype.forEach",
                )
            };
        it.method(p, has, |it, t, a, _c| {
            let Value::Ref(m) = t else {
                return Ok(Value::Bool(false));
            };
            Ok(Value::Bool(it.find_key(m, arg(a, 0))?.is_some()))
        })?;
        it.method(p, del, |it, t, a, _c| {
            let Value::Ref(m) = t else {
                return Ok(Value::Bool(false));
            };
            Ok(Value::Bool(it.collection_delete(m, arg(a, 0))?))
        })?;
        it.method(p, clear, |it, t, _a, _c| {
            let Value::Ref(m) = t else {
                return Ok(Value::Undefined);
            };
            for slot in [3, 4] {
                let e = it.heap.alloc(ELEMENTS, 8, 0)?;
                it.heap.set(m, slot, e)?;
            }
            it.heap.set(m, 5, Value::Int(0))?;
            it.heap.set(m, 6, Value::Int(0))?;
            it.heap.set(m, INDEX, Value::Undefined)?;
            Ok(Value::Undefined)
        })?;
        it.method(p, for_each, |it, t, a, _c| {
            let Value::Ref(m) = t else {
                return Ok(Value::Undefined);
            };
            // Live, as V8's: through an entries iterator (entries the callback adds are
            // visited, those it deletes skipped).
            use super::iterator::{ENTRIES, F_MAP, F_SET};
            let family = if it.heap.type_tag(m)? == MAP {
                F_MAP
            } else {
                F_SET
            };
            let Value::Ref(i) = it.new_iterator(t, family, ENTRIES)? else {
                unreachable!("an iterator is an object")
            };
            let f = arg(a, 0);
            while let Some(pair) = it.builtin_next(i)? {
                let k = it.get_prop(pair, crate::js::object::Key::Index(0))?;
                let v = it.get_prop(pair, crate::js::object::Key::Index(1))?;
                it.call(f, arg(a, 1), &[v, k, t])?;
            }
            Ok(Value::Undefined)
        })?;
    }
    let _ = atom::LENGTH;
    Ok(())
}
