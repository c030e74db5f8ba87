//! Accessor properties (`get`/`set` in literals and classes, `Object.defineProperty`) and
//! data properties with attributes other than the defaults (not enumerable, not writable).
//!
//! Such a property's value in the object's store is a `PROPCELL` heap object: the getter (or
//! the value) at 0, the setter at 1, the flags at 2 ([`ACCESSOR`], [`ENUMERABLE`],
//! [`WRITABLE`]). A property with the default attributes stays a plain value in the store.
//!
//! Invariant: `LangState::cells` is false until the program makes its first cell; while it
//! is false no store holds a cell, so `get_prop`, `set_prop` and `own_keys` skip every
//! check on their plain-data paths (one boolean test each).

use super::arg;
use crate::js::object::Key;
use crate::js::realm::tags::*;
use crate::js::{Interp, R};
use gclab::{Handle, Value};

/// The cell is an accessor (slots: getter, setter); otherwise a data property (value).
pub(crate) const ACCESSOR: i32 = 1;
/// The property shows in `Object.keys`, `for…in`, `JSON.stringify`, `console.log`.
pub(crate) const ENUMERABLE: i32 = 2;
/// A data property that assignment may change.
pub(crate) const WRITABLE: i32 = 4;
/// The property may be deleted or redefined.
pub(crate) const CONFIGURABLE: i32 = 8;

const C_GET: usize = 0;
const C_SET: usize = 1;
const C_FLAGS: usize = 2;

impl<'a> Interp<'a> {
    /// The cell `v` is, if it is one.
    #[inline]
    pub(crate) fn as_cell(&self, v: Value) -> R<Option<Handle>> {
        match v {
            Value::Ref(h) if self.tag_of(h)? == PROPCELL => Ok(Some(h)),
            _ => Ok(None),
        }
    }

    /// Own enumerable property names of `o`, in insertion order (array indices first).
    pub(crate) fn own_keys(&mut self, o: Handle) -> R<Vec<Key>> {
        self.own_keys_with(o, true)
    }

    /// Own property names of `o`, enumerable or not (no symbols).
    pub(crate) fn own_keys_all(&mut self, o: Handle) -> R<Vec<Key>> {
        self.own_keys_with(o, false)
    }

    fn own_keys_with(&mut self, o: Handle, enumerable_only: bool) -> R<Vec<Key>> {
        use gclab::ViewValue as V;
        let cells = enumerable_only && self.lang.cells;
        let mut keys = Vec::new();
        if self.tag_of(o)? == ARRAY {
            let n = self.array_len(o)?;
            keys.extend((0..n as u32).map(Key::Index));
        }
        let n = self.heap.get(o, NPROPS)?.as_int().unwrap_or(0) as usize;
        if n > 0 {
            if let Some(store) = self.heap.get(o, PROPS)?.as_ref() {
                let view = self.heap.view(store)?;
                for i in 0..n {
                    if let Some(V::Int(k)) = view.get(2 * i) {
                        if self.is_symbol_atom(k) {
                            continue;
                        }
                        if cells {
                            if let Some(V::Ref(c)) = view.get(2 * i + 1) {
                                let hidden = c.type_tag() == PROPCELL
                                    && !matches!(c.get(2), Some(V::Int(f)) if f & ENUMERABLE != 0);
                                if hidden {
                                    continue;
                                }
                            }
                        }
                        keys.push(Key::Atom(k));
                    }
                }
            }
        }
        Ok(keys)
    }

    /// A property's value as `[[Get]]` sees it: a data cell's value, or the getter's result
    /// called on `receiver` (`undefined` without a getter).
    pub(crate) fn cell_get(&mut self, cell: Handle, receiver: Value) -> R<Value> {
        let flags = self.heap.get(cell, C_FLAGS)?.as_int().unwrap_or(0);
        let g = self.heap.get(cell, C_GET)?;
        if flags & ACCESSOR == 0 {
            return Ok(g);
        }
        if self.is_callable(g) {
            self.call(g, receiver, &[])
        } else {
            Ok(Value::Undefined)
        }
    }

    /// `receiver.key = x` where the property found is `cell`: the setter, or the data cell's
    /// value when writable; a getter-only or read-only property ignores the assignment
    /// (a `TypeError` in strict code).
    pub(crate) fn cell_set(&mut self, cell: Handle, receiver: Value, key: Key, x: Value) -> R<()> {
        let flags = self.heap.get(cell, C_FLAGS)?.as_int().unwrap_or(0);
        if flags & ACCESSOR != 0 {
            let s = self.heap.get(cell, C_SET)?;
            if self.is_callable(s) {
                self.call(s, receiver, &[x])?;
                return Ok(());
            }
            if self.strict {
                let name = self.key_display(key);
                let m = format!("Cannot set property {name} of #<Object> which has only a getter");
                return Err(self.throw_type(&m)?);
            }
            return Ok(());
        }
        if flags & WRITABLE != 0 {
            self.heap.set(cell, C_GET, x)?;
        } else if self.strict {
            let name = self.key_display(key);
            let m = format!("Cannot assign to read only property '{name}' of object '#<Object>'");
            return Err(self.throw_type(&m)?);
        }
        Ok(())
    }

    fn key_display(&self, key: Key) -> String {
        match key {
            Key::Atom(a) if self.is_symbol_atom(a) => {
                self.symbol_name(a).unwrap_or_default().to_string()
            }
            k => self.key_name(k).to_string(),
        }
    }

    /// The cell of the property `key` that `o.key = x` meets first on the prototype chain
    /// (`None` when that property is plain data, or there is none).
    pub(crate) fn find_cell(&mut self, o: Handle, atom: i32) -> R<Option<Handle>> {
        let mut cur = Some(o);
        let mut hops = 0;
        while let Some(c) = cur {
            if let Some(v) = self.get_own(c, atom)? {
                return self.as_cell(v);
            }
            cur = self.proto_of(c)?;
            hops += 1;
            if hops > 10_000 {
                break;
            }
        }
        Ok(None)
    }

    /// `base[key]` with getters called on `receiver` (`super.x`).
    pub(crate) fn get_prop_for(&mut self, base: Value, key: Key, receiver: Value) -> R<Value> {
        if let (Value::Ref(o), Key::Atom(atom)) = (base, key) {
            if let Some(c) = self.find_cell(o, atom)? {
                return self.cell_get(c, receiver);
            }
        }
        self.get_prop(base, key)
    }

    fn new_cell(&mut self, a: Value, b: Value, flags: i32) -> R<Handle> {
        let c = self.heap.alloc(PROPCELL, 3, 0)?;
        self.heap.set(c, C_GET, a)?;
        self.heap.set(c, C_SET, b)?;
        self.heap.set(c, C_FLAGS, Value::Int(flags))?;
        self.lang.cells = true;
        Ok(c)
    }

    /// Defines a getter (`setter` false) or setter of `o`, keeping the other half of an
    /// accessor already there (`get a() {…} set a(v) {…}`).
    pub(crate) fn define_accessor_half(
        &mut self,
        o: Handle,
        key: Key,
        f: Value,
        setter: bool,
        enumerable: bool,
    ) -> R<()> {
        let atom = self.key_atom(key);
        let slot = if setter { C_SET } else { C_GET };
        if let Some(old) = self.get_own(o, atom)? {
            if let Some(c) = self.as_cell(old)? {
                let flags = self.heap.get(c, C_FLAGS)?.as_int().unwrap_or(0);
                if flags & ACCESSOR != 0 {
                    self.heap.set(c, slot, f)?;
                    return Ok(());
                }
            }
        }
        let flags = ACCESSOR | CONFIGURABLE | if enumerable { ENUMERABLE } else { 0 };
        let (g, s) = if setter {
            (Value::Undefined, f)
        } else {
            (f, Value::Undefined)
        };
        let c = self.new_cell(g, s, flags)?;
        self.set_own(o, atom, Value::Ref(c))
    }

    /// What `console.log` shows for own property `k` of `o` when it is an accessor
    /// (`[Getter]`, `[Setter]`, `[Getter/Setter]`); `None` for data.
    pub(crate) fn accessor_label_of(&mut self, o: Handle, k: Key) -> R<Option<&'static str>> {
        if !self.lang.cells {
            return Ok(None);
        }
        let atom = self.key_atom(k);
        let Some(v) = self.get_own(o, atom)? else {
            return Ok(None);
        };
        let Some(c) = self.as_cell(v)? else {
            return Ok(None);
        };
        let flags = self.heap.get(c, C_FLAGS)?.as_int().unwrap_or(0);
        if flags & ACCESSOR == 0 {
            return Ok(None);
        }
        let g = self.heap.get(c, C_GET)? != Value::Undefined;
        let s = self.heap.get(c, C_SET)? != Value::Undefined;
        Ok(Some(match (g, s) {
            (true, true) => "[Getter/Setter]",
            (true, false) => "[Getter]",
            (false, true) => "[Setter]",
            (false, false) => "undefined",
        }))
    }

    /// `Object.defineProperty(o, key, desc)` for a non-array, non-global object.
    fn define_property(&mut self, o: Handle, key: Key, desc: Value) -> R<()> {
        let Value::Ref(_) = desc else {
            let s = self.inspect(desc)?;
            return Err(self.throw_type(&format!("Property description must be an object: {s}"))?);
        };
        let flag = |it: &mut Self, name: &str| -> R<Option<bool>> {
            let a = it.intern(name);
            if !it.has_prop_value(desc, a)? {
                return Ok(None);
            }
            let v = it.get_named(desc, name)?;
            Ok(Some(it.truthy(v)?))
        };
        let atom = self.key_atom(key);
        if !self.is_configurable(o, atom)? {
            let name = self.key_display(key);
            return Err(self.throw_type(&format!("Cannot redefine property: {name}"))?);
        }
        let enumerable = flag(self, "enumerable")?.unwrap_or(false);
        let writable = flag(self, "writable")?.unwrap_or(false);
        let configurable = flag(self, "configurable")?.unwrap_or(false);
        let attrs =
            if enumerable { ENUMERABLE } else { 0 } | if configurable { CONFIGURABLE } else { 0 };
        let (ga, sa) = (self.intern("get"), self.intern("set"));
        let (has_get, has_set) = (
            self.has_prop_value(desc, ga)?,
            self.has_prop_value(desc, sa)?,
        );
        if has_get || has_set {
            let g = self.get_named(desc, "get")?;
            let s = self.get_named(desc, "set")?;
            for f in [g, s] {
                if f != Value::Undefined && !self.is_callable(f) {
                    let t = self.inspect(f)?;
                    return Err(self.throw_type(&format!("Getter must be a function: {t}"))?);
                }
            }
            let c = self.new_cell(g, s, ACCESSOR | attrs)?;
            return self.set_own(o, atom, Value::Ref(c));
        }
        let va = self.intern("value");
        let value = if self.has_prop_value(desc, va)? {
            self.get_named(desc, "value")?
        } else {
            match self.get_own(o, atom)? {
                Some(old) => match self.as_cell(old)? {
                    Some(c) => self.heap.get(c, C_GET)?,
                    None => old,
                },
                None => Value::Undefined,
            }
        };
        if enumerable && writable && configurable {
            return self.set_own(o, atom, value);
        }
        let flags = attrs | if writable { WRITABLE } else { 0 };
        let c = self.new_cell(value, Value::Undefined, flags)?;
        self.set_own(o, atom, Value::Ref(c))
    }

    /// Whether own property `atom` of `o` may be deleted or redefined (absent ones may).
    pub(crate) fn is_configurable(&mut self, o: Handle, atom: i32) -> R<bool> {
        if !self.lang.cells {
            return Ok(true);
        }
        let Some(v) = self.get_own(o, atom)? else {
            return Ok(true);
        };
        Ok(match self.as_cell(v)? {
            Some(c) => self.heap.get(c, C_FLAGS)?.as_int().unwrap_or(0) & CONFIGURABLE != 0,
            None => true,
        })
    }

    fn has_prop_value(&mut self, v: Value, atom: i32) -> R<bool> {
        match v {
            Value::Ref(h) => self.has_prop(h, Key::Atom(atom)),
            _ => Ok(false),
        }
    }
}

/// `Object.getOwnPropertyDescriptor(o, key)`.
fn descriptor(it: &mut Interp<'_>, o: Handle, key: Key) -> R<Value> {
    let atom = it.key_atom(key);
    let raw = match (it.tag_of(o)?, key) {
        (ARRAY | STRING | GLOBAL, _) => {
            if !it.has_prop(o, key)? {
                return Ok(Value::Undefined);
            }
            Some(it.get_prop(Value::Ref(o), key)?)
        }
        _ => it.get_own(o, atom)?,
    };
    let Some(raw) = raw else {
        return Ok(Value::Undefined);
    };
    let d = it.new_object()?;
    let (flags, a, b) = match it.as_cell(raw)? {
        Some(c) => (
            it.heap.get(c, C_FLAGS)?.as_int().unwrap_or(0),
            it.heap.get(c, C_GET)?,
            it.heap.get(c, C_SET)?,
        ),
        None => (ENUMERABLE | WRITABLE | CONFIGURABLE, raw, Value::Undefined),
    };
    if flags & ACCESSOR != 0 {
        it.set_named(d, "get", a)?;
        it.set_named(d, "set", b)?;
    } else {
        it.set_named(d, "value", a)?;
        it.set_named(d, "writable", Value::Bool(flags & WRITABLE != 0))?;
    }
    it.set_named(d, "enumerable", Value::Bool(flags & ENUMERABLE != 0))?;
    it.set_named(d, "configurable", Value::Bool(flags & CONFIGURABLE != 0))?;
    Ok(Value::Ref(d))
}

/// Installs `Object.defineProperty`, `Object.getOwnPropertyDescriptor`,
/// `Object.getOwnPropertyNames` and the descriptors argument of `Object.create`.
pub(super) fn install(it: &mut Interp<'_>, object: Handle) -> R<()> {
    it.method(
        object,
        "Object.getOwnPropertyDescriptor",
        |it, _t, a, _c| {
            let Value::Ref(o) = arg(a, 0) else {
                return Ok(Value::Undefined);
            };
            let key = it.to_key(arg(a, 1))?;
            descriptor(it, o, key)
        },
    )?;
    it.method(object, "Object.create", |it, _t, a, _c| {
        let proto = arg(a, 0);
        if !matches!(proto, Value::Ref(_) | Value::Null) || it.is_str(proto) {
            let s = it.inspect(proto)?;
            let m = format!("Object prototype may only be an Object or null: {s}");
            return Err(it.throw_type(&m)?);
        }
        let o = it.new_object_with(OBJECT, 3, proto)?;
        let props = arg(a, 1);
        if let Value::Ref(ph) = props {
            let mut keys = it.own_keys(ph)?;
            keys.extend(it.own_symbol_keys(ph)?);
            for k in keys {
                let desc = it.get_prop(props, k)?;
                it.define_property(o, k, desc)?;
            }
        }
        Ok(Value::Ref(o))
    })?;
    it.heap
        .register_type(PROPCELL, "(accessor)", &["get", "set", "flags"]);
    it.method(object, "Object.defineProperty", |it, _t, a, _c| {
        let target = arg(a, 0);
        let o = match target {
            Value::Ref(h) if matches!(it.tag_of(h)?, ARRAY | GLOBAL | STRING | SYMBOL) => {
                let at = it.call_site;
                return it.unsupported("`Object.defineProperty` on this kind of object", at);
            }
            Value::Ref(h) => h,
            _ => return Err(it.throw_type("Object.defineProperty called on non-object")?),
        };
        let key = it.to_key(arg(a, 1))?;
        it.define_property(o, key, arg(a, 2))?;
        Ok(target)
    })?;
    it.method(object, "Object.getOwnPropertyNames", |it, _t, a, _c| {
        let Value::Ref(o) = arg(a, 0) else {
            return Ok(Value::Ref(it.array_of(&[])?));
        };
        let mut names = Vec::new();
        for k in it.own_keys_all(o)? {
            let n = it.key_name(k);
            names.push(it.new_str(&n)?);
        }
        if it.tag_of(o)? == ARRAY {
            let l = it.new_str("length")?;
            names.push(l);
        }
        Ok(Value::Ref(it.array_of(&names)?))
    })?;
    Ok(())
}
