//! Objects in the heap: strings, property stores, arrays and the generic `[[Get]]`/`[[Set]]`
//! (property keys and atoms are in [`super::atoms`]).
//!
//! Invariant: a property store holds `(Int(atom), value)` pairs in slots `2i`, `2i+1` for
//! `i < count` (the count lives in the owning object's `NPROPS` slot); keys are unique; a
//! value may be a property cell (an accessor, see [`super::builtins::accessor`]). An
//! array's elements store has at least `length` slots.

pub(crate) use super::atoms::{atom, Key};
use super::realm::tags::*;
use super::{Exc, Interp, R};
use gclab::{Handle, Value};

impl<'a> Interp<'a> {
    // ------------------------------------------------------------------ strings

    /// A new string.
    pub(crate) fn new_str(&mut self, s: &str) -> R<Value> {
        let h = self.heap.alloc(STRING, 0, s.len())?;
        self.heap.bytes_mut(h)?.copy_from_slice(s.as_bytes());
        Ok(Value::Ref(h))
    }

    /// The text of a string object (UTF-8).
    pub(crate) fn str_of(&self, h: Handle) -> R<String> {
        Ok(String::from_utf8_lossy(self.heap.bytes(h)?).into_owned())
    }

    /// Whether `v` is a string.
    pub(crate) fn is_str(&self, v: Value) -> bool {
        matches!(v, Value::Ref(h) if self.tag_of(h).ok() == Some(STRING))
    }

    /// The type tag of a reference value.
    pub(crate) fn tag(&self, v: Value) -> Option<u16> {
        match v {
            Value::Ref(h) => self.tag_of(h).ok(),
            _ => None,
        }
    }

    // ------------------------------------------------------------------ objects

    /// A new plain object with prototype `proto`.
    pub(crate) fn new_object_with(&mut self, tag: u16, slots: usize, proto: Value) -> R<Handle> {
        let h = self.heap.alloc(tag, slots, 0)?;
        self.heap.set(h, PROTO, proto)?;
        self.heap.set(h, NPROPS, Value::Int(0))?;
        Ok(h)
    }

    /// A new `{}`.
    pub(crate) fn new_object(&mut self) -> R<Handle> {
        let p = self.intr().object_proto.handle();
        self.new_object_with(OBJECT, 3, Value::Ref(p))
    }

    /// A new array of `len` `undefined`s (capacity at least `cap`).
    pub(crate) fn new_array(&mut self, len: usize, cap: usize) -> R<Handle> {
        let p = self.intr().array_proto.handle();
        let a = self.new_object_with(ARRAY, 5, Value::Ref(p))?;
        let e = self.heap.alloc(ELEMENTS, cap.max(len), 0)?;
        self.heap.set(a, 4, e)?;
        self.heap.set(a, 3, Value::Int(len as i32))?;
        Ok(a)
    }

    /// An array holding `items`.
    pub(crate) fn array_of(&mut self, items: &[Value]) -> R<Handle> {
        let a = self.new_array(items.len(), items.len())?;
        let e = self.elems(a)?;
        for (i, v) in items.iter().enumerate() {
            self.heap.set(e, i, *v)?;
        }
        Ok(a)
    }

    pub(crate) fn elems(&mut self, a: Handle) -> R<Handle> {
        Ok(self.heap.get(a, 4)?.as_ref().expect("arrays have elements"))
    }

    pub(crate) fn array_len(&mut self, a: Handle) -> R<usize> {
        Ok(self.heap.get(a, 3)?.as_int().unwrap_or(0) as usize)
    }

    /// Sets an array's length, growing its store (doubling) when needed.
    pub(crate) fn set_array_len(&mut self, a: Handle, len: usize) -> R<()> {
        if len > i32::MAX as usize {
            return Err(self.throw_range("Invalid array length")?);
        }
        let e = self.elems(a)?;
        let cap = self.heap.slot_count(e)?;
        let old = self.array_len(a)?;
        if len > cap {
            let ncap = len.max(cap * 2).max(4);
            let ne = self.heap.alloc(ELEMENTS, ncap, 0)?;
            let e = self.elems(a)?;
            for i in 0..old.min(len) {
                let v = self.heap.get(e, i)?;
                self.heap.set(ne, i, v)?;
            }
            self.heap.set(a, 4, ne)?;
        } else if len < old {
            for i in len..old {
                self.heap.set(e, i, Value::Undefined)?;
            }
        }
        self.heap.set(a, 3, Value::Int(len as i32))?;
        Ok(())
    }

    /// `a.push(v)`.
    pub(crate) fn array_push(&mut self, a: Handle, v: Value) -> R<()> {
        let n = self.array_len(a)?;
        self.set_array_len(a, n + 1)?;
        let e = self.elems(a)?;
        self.heap.set(e, n, v)?;
        Ok(())
    }

    /// The elements of an array, as locals.
    pub(crate) fn array_items(&mut self, a: Handle) -> R<Vec<Value>> {
        let n = self.array_len(a)?;
        let e = self.elems(a)?;
        (0..n).map(|i| Ok(self.heap.get(e, i)?)).collect()
    }

    /// Finds `atom` in the own properties of `o`: its slot index in the store.
    fn find_own(&mut self, o: Handle, atom: i32) -> R<Option<(Handle, usize)>> {
        let n = self.heap.get(o, NPROPS)?.as_int().unwrap_or(0) as usize;
        if n == 0 {
            return Ok(None);
        }
        let Some(store) = self.heap.get(o, PROPS)?.as_ref() else {
            return Ok(None);
        };
        let view = self.heap.view(store)?;
        for i in 0..n {
            if let Some(gclab::ViewValue::Int(k)) = view.get(2 * i) {
                if k == atom {
                    return Ok(Some((store, 2 * i + 1)));
                }
            }
        }
        Ok(None)
    }

    /// The own property `atom` of object `o`, if present.
    ///
    /// The store is scanned through a borrowed view: a miss (a prototype-chain step) or an
    /// immediate value creates no handle; only a reference found gets one.
    pub(crate) fn get_own(&mut self, o: Handle, atom: i32) -> R<Option<Value>> {
        use gclab::ViewValue as V;
        let found = {
            let view = self.heap.view(o)?;
            let n = match view.get(NPROPS) {
                Some(V::Int(n)) if n > 0 => n as usize,
                _ => return Ok(None),
            };
            let Some(store) = view.get_ref(PROPS) else {
                return Ok(None);
            };
            let mut found = None;
            for i in 0..n {
                if let Some(V::Int(k)) = store.get(2 * i) {
                    if k == atom {
                        found = Some(match store.get(2 * i + 1) {
                            Some(V::Undefined) => Ok(Value::Undefined),
                            Some(V::Null) => Ok(Value::Null),
                            Some(V::Bool(b)) => Ok(Value::Bool(b)),
                            Some(V::Int(x)) => Ok(Value::Int(x)),
                            Some(V::Float(f)) => Ok(Value::Float(f)),
                            _ => Err(2 * i + 1),
                        });
                        break;
                    }
                }
            }
            found
        };
        match found {
            None => Ok(None),
            Some(Ok(v)) => Ok(Some(v)),
            Some(Err(slot)) => {
                let store = self
                    .heap
                    .get(o, PROPS)?
                    .as_ref()
                    .expect("found in the store");
                Ok(Some(self.heap.get(store, slot)?))
            }
        }
    }

    /// Defines or overwrites own property `atom` of `o`.
    ///
    /// The store is scanned through a borrowed view, as in [`get_own`](Self::get_own).
    pub(crate) fn set_own(&mut self, o: Handle, atom: i32, v: Value) -> R<()> {
        use gclab::ViewValue as V;
        let (n, found, room) = {
            let view = self.heap.view(o)?;
            let n = match view.get(NPROPS) {
                Some(V::Int(n)) if n > 0 => n as usize,
                _ => 0,
            };
            match view.get_ref(PROPS) {
                Some(store) => {
                    let found =
                        (0..n).find(|&i| matches!(store.get(2 * i), Some(V::Int(k)) if k == atom));
                    (n, found, store.slot_count() >= 2 * n + 2)
                }
                None => (n, None, false),
            }
        };
        if let Some(i) = found {
            let s = self
                .heap
                .get(o, PROPS)?
                .as_ref()
                .expect("found in the store");
            self.heap.set(s, 2 * i + 1, v)?;
            return Ok(());
        }
        let store = match self.heap.get(o, PROPS)?.as_ref() {
            Some(s) if room => s,
            old => {
                // Two properties first (a constructor's `this.a = …; this.b = …`), then
                // doubling.
                let cap = (2 * n + 2).max(4).max(4 * n);
                let ns = self.heap.alloc(PROPSTORE, cap, 0)?;
                if let Some(old) = old {
                    for i in 0..2 * n {
                        let x = self.heap.get(old, i)?;
                        self.heap.set(ns, i, x)?;
                    }
                }
                self.heap.set(o, PROPS, ns)?;
                ns
            }
        };
        self.heap.set(store, 2 * n, Value::Int(atom))?;
        self.heap.set(store, 2 * n + 1, v)?;
        self.heap.set(o, NPROPS, Value::Int(n as i32 + 1))?;
        Ok(())
    }

    /// Deletes own property `atom`; returns whether it existed.
    pub(crate) fn delete_own(&mut self, o: Handle, atom: i32) -> R<bool> {
        let Some((s, i)) = self.find_own(o, atom)? else {
            return Ok(false);
        };
        let n = self.heap.get(o, NPROPS)?.as_int().unwrap_or(0) as usize;
        // Shift later pairs down to keep insertion order.
        for j in (i - 1)..(2 * n - 2) {
            let x = self.heap.get(s, j + 2)?;
            self.heap.set(s, j, x)?;
        }
        self.heap.set(s, 2 * n - 2, Value::Undefined)?;
        self.heap.set(s, 2 * n - 1, Value::Undefined)?;
        self.heap.set(o, NPROPS, Value::Int(n as i32 - 1))?;
        Ok(true)
    }

    /// The prototype of an object value (`null` is `None`).
    pub(crate) fn proto_of(&mut self, o: Handle) -> R<Option<Handle>> {
        if self.tag_of(o)? == STRING {
            return Ok(Some(self.intr().string_proto.handle()));
        }
        Ok(self.heap.get(o, PROTO)?.as_ref())
    }

    /// `v[key]`: own properties, then the prototype chain; primitives use their wrapper
    /// prototypes. A getter found is called on `v`.
    pub(crate) fn get_prop(&mut self, v: Value, key: Key) -> R<Value> {
        let o = match v {
            Value::Ref(h) => h,
            Value::Int(_) | Value::Float(_) => self.intr().number_proto.handle(),
            Value::Bool(_) => self.intr().boolean_proto.handle(),
            Value::Undefined | Value::Null => {
                let what = if v == Value::Null {
                    "null"
                } else {
                    "undefined"
                };
                let name = self.key_name(key);
                return Err(self.throw_type(&format!(
                    "Cannot read properties of {what} (reading '{name}')"
                ))?);
            }
        };
        let tag = self.tag_of(o)?;
        match (tag, key) {
            (ARRAY, Key::Index(i)) => {
                let n = self.array_len(o)?;
                if (i as usize) < n {
                    let e = self.elems(o)?;
                    return Ok(self.heap.get(e, i as usize)?);
                }
            }
            (ARRAY, Key::Atom(atom::LENGTH)) => {
                return Ok(Value::Int(self.array_len(o)? as i32));
            }
            (STRING, Key::Atom(atom::LENGTH)) => {
                let s = self.str_of(o)?;
                return Ok(Value::Int(s.encode_utf16().count() as i32));
            }
            (STRING, Key::Index(i)) => {
                let s = self.str_of(o)?;
                let units: Vec<u16> = s.encode_utf16().collect();
                return match units.get(i as usize) {
                    Some(&u) => self.new_str(&String::from_utf16_lossy(&[u])),
                    None => Ok(Value::Undefined),
                };
            }
            (BUFFER, Key::Atom(atom::LENGTH)) => {
                return Ok(Value::Int(self.heap.bytes(o)?.len() as i32));
            }
            (BUFFER, Key::Index(i)) => {
                return Ok(self
                    .heap
                    .bytes(o)?
                    .get(i as usize)
                    .map_or(Value::Undefined, |&b| Value::Int(b as i32)));
            }
            (MAP | SET, Key::Atom(a)) if &*self.atoms[a as usize] == "size" => {
                return self.heap.get(o, 6).map_err(Exc::from);
            }
            (GLOBAL, Key::Atom(a)) => {
                let name = self.atom_name(a);
                if let Some(v) = self.heap.global(&name) {
                    return Ok(v);
                }
            }
            _ => {}
        }
        let atom = self.key_atom(key);
        let mut cur = if tag == STRING {
            Some(self.intr().string_proto.handle())
        } else {
            Some(o)
        };
        let mut hops = 0;
        while let Some(c) = cur {
            if let Some(x) = self.get_own(c, atom)? {
                if self.lang.cells {
                    if let Some(cell) = self.as_cell(x)? {
                        return self.cell_get(cell, v);
                    }
                }
                return Ok(x);
            }
            if atom == atom::PROTOTYPE && self.is_constructor(c)? {
                return Ok(Value::Ref(self.make_prototype(c)?));
            }
            cur = self.proto_of(c)?;
            hops += 1;
            if hops > 10_000 {
                break;
            }
        }
        if atom == atom::NAME || atom == atom::LENGTH {
            return self.function_intrinsic(o, atom);
        }
        Ok(Value::Undefined)
    }

    /// `v[key] = x`.
    pub(crate) fn set_prop(&mut self, v: Value, key: Key, x: Value) -> R<()> {
        let o = match v {
            Value::Ref(h) => h,
            Value::Undefined | Value::Null => {
                let what = if v == Value::Null {
                    "null"
                } else {
                    "undefined"
                };
                let name = self.key_name(key);
                return Err(self.throw_type(&format!(
                    "Cannot set properties of {what} (setting '{name}')"
                ))?);
            }
            _ => return Ok(()),
        };
        match (self.tag_of(o)?, key) {
            (ARRAY, Key::Index(i)) => {
                let n = self.array_len(o)?;
                if i as usize >= n {
                    if i as usize > n + 10_000_000 {
                        return self.unsupported("a sparse array", 0);
                    }
                    self.set_array_len(o, i as usize + 1)?;
                }
                let e = self.elems(o)?;
                self.heap.set(e, i as usize, x)?;
                return Ok(());
            }
            (ARRAY, Key::Atom(atom::LENGTH)) => {
                let n = self.to_number(x)?;
                return self.set_array_len(o, n as usize);
            }
            (STRING, _) => return Ok(()),
            (GLOBAL, Key::Atom(a)) => {
                let name = self.atom_name(a);
                self.heap.set_global(&name, x)?;
                return Ok(());
            }
            (BUFFER, Key::Index(i)) => {
                let b = self.to_number(x)? as i64 as u8;
                if let Some(slot) = self.heap.bytes_mut(o)?.get_mut(i as usize) {
                    *slot = b;
                }
                return Ok(());
            }
            _ => {}
        }
        let atom = self.key_atom(key);
        if self.lang.cells {
            if let Some(cell) = self.find_cell(o, atom)? {
                return self.cell_set(cell, v, key, x);
            }
        }
        self.set_own(o, atom, x)
    }

    /// Shorthand: `v.name`.
    pub(crate) fn get_named(&mut self, v: Value, name: &str) -> R<Value> {
        let a = self.intern(name);
        self.get_prop(v, Key::Atom(a))
    }

    /// Shorthand: `o.name = x` (own property).
    pub(crate) fn set_named(&mut self, o: Handle, name: &str, x: Value) -> R<()> {
        let a = self.intern(name);
        self.set_own(o, a, x)
    }

    /// `key in o` (own or inherited).
    pub(crate) fn has_prop(&mut self, o: Handle, key: Key) -> R<bool> {
        match (self.tag_of(o)?, key) {
            (ARRAY, Key::Index(i)) => return Ok((i as usize) < self.array_len(o)?),
            (ARRAY, Key::Atom(atom::LENGTH)) => return Ok(true),
            (GLOBAL, Key::Atom(a)) if self.heap.global(&self.atoms[a as usize]).is_some() => {
                return Ok(true)
            }
            _ => {}
        }
        let atom = self.key_atom(key);
        let mut cur = Some(o);
        while let Some(c) = cur {
            if self.find_own(c, atom)?.is_some() {
                return Ok(true);
            }
            cur = self.proto_of(c)?;
        }
        Ok(false)
    }

    /// `delete o[key]`.
    pub(crate) fn delete_prop(&mut self, o: Handle, key: Key) -> R<bool> {
        if let (ARRAY, Key::Index(i)) = (self.tag_of(o)?, key) {
            if (i as usize) < self.array_len(o)? {
                let e = self.elems(o)?;
                self.heap.set(e, i as usize, Value::Undefined)?;
            }
            return Ok(true);
        }
        if let (GLOBAL, Key::Atom(a)) = (self.tag_of(o)?, key) {
            let name = self.atom_name(a);
            if self.heap.remove_global(&name) {
                self.accidental_globals.remove(&*name);
                return Ok(true);
            }
        }
        let atom = self.key_atom(key);
        if !self.is_configurable(o, atom)? {
            if self.strict {
                let name = self.key_name(key);
                let m = format!("Cannot delete property '{name}' of #<Object>");
                return Err(self.throw_type(&m)?);
            }
            return Ok(false);
        }
        self.delete_own(o, atom)?;
        Ok(true)
    }
}
