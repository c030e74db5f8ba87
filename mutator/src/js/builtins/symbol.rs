//! `Symbol`: unique property keys that are heap objects.
//!
//! A symbol is a `SYMBOL` heap object: the object slots (its prototype is `Symbol.prototype`,
//! its one own property is `description`), the description (a string or `undefined`) at 3 and
//! its atom (int) at 4. Each symbol interns an atom of its own, named `\0@<n>` (a name no
//! program writes by accident), so a symbol-keyed property is an ordinary `(atom, value)` pair
//! of the object's store: the property-get path is the same for string and symbol keys, and
//! the value is traced with the store. `Symbol.for` symbols and the well-known ones
//! (`Symbol.iterator`, `Symbol.asyncIterator`, `Symbol.toStringTag`) are held by handles for
//! the run.
//!
//! Invariant: `LangState::symbol_names[a]` is `Some("Symbol(desc)")` exactly when atom `a`
//! belongs to a symbol; `own_keys` leaves those atoms out (as `Object.keys` and `for…in` do),
//! [`own_symbol_keys`](Interp::own_symbol_keys) lists them. The atom table entry outlives the
//! symbol object (a program that creates symbols without bound grows that table).

use super::arg;
use crate::js::object::Key;
use crate::js::realm::tags::*;
use crate::js::{Interp, R};
use gclab::{Handle, Persistent, RootKind, Value};
use rustc_hash::FxHashMap as HashMap;
use std::rc::Rc;

/// The description slot of a symbol.
const S_DESC: usize = 3;
/// The atom slot of a symbol.
const S_ATOM: usize = 4;

/// Language state that is not an intrinsic prototype of the original realm: symbols and
/// the prototypes of the built-in iterators.
#[derive(Default)]
pub(crate) struct LangState {
    /// Per atom: the printed form of its symbol, for symbol atoms.
    pub symbol_names: Vec<Option<Rc<str>>>,
    /// `Symbol.for` registry.
    pub registry: HashMap<String, Persistent>,
    /// Symbols created so far (names their atoms).
    pub next_symbol: u32,
    /// Whether any property cell (accessor, non-default attributes) was made.
    pub cells: bool,
    /// `Symbol.iterator`'s atom.
    pub iterator: i32,
    /// `Symbol.asyncIterator`'s atom.
    pub async_iterator: i32,
    /// The prototypes of Map, Set, Array and String iterators (in that order).
    pub iterator_protos: Vec<Persistent>,
    /// Handles holding the prototypes and well-known symbols for the run.
    pub held: Vec<Persistent>,
    /// `Symbol.prototype`.
    pub symbol_proto: Option<Persistent>,
}

impl<'a> Interp<'a> {
    /// Whether atom `a` is a symbol's.
    #[inline]
    pub(crate) fn is_symbol_atom(&self, a: i32) -> bool {
        matches!(self.lang.symbol_names.get(a as usize), Some(Some(_)))
    }

    /// The atom of a symbol value, if `v` is a symbol.
    pub(crate) fn symbol_atom(&mut self, v: Value) -> R<Option<i32>> {
        match v {
            Value::Ref(h) if self.tag_of(h)? == SYMBOL => Ok(self.heap.get(h, S_ATOM)?.as_int()),
            _ => Ok(None),
        }
    }

    /// `Symbol(desc)` as node prints it, for a symbol atom.
    pub(crate) fn symbol_name(&self, a: i32) -> Option<Rc<str>> {
        self.lang.symbol_names.get(a as usize).cloned().flatten()
    }

    /// The name a method defined under `key` gets: the key's name, `[desc]` for a symbol.
    pub(crate) fn fn_name_of_key(&self, key: Key) -> Rc<str> {
        if let Key::Atom(a) = key {
            if let Some(s) = self.symbol_name(a) {
                let desc = s.strip_prefix("Symbol(").and_then(|d| d.strip_suffix(')'));
                return format!("[{}]", desc.unwrap_or("")).into();
            }
        }
        self.key_name(key)
    }

    /// A new symbol with description `desc` (a string or `undefined`).
    pub(crate) fn new_symbol(&mut self, desc: Value) -> R<Handle> {
        let text = match desc {
            Value::Undefined => String::new(),
            v => self.to_str(v)?,
        };
        let proto = self
            .lang
            .symbol_proto
            .as_ref()
            .map_or(Value::Null, |p| Value::Ref(p.handle()));
        let s = self.new_object_with(SYMBOL, 5, proto)?;
        self.heap.set(s, S_DESC, desc)?;
        self.lang.next_symbol += 1;
        let atom = self.intern(&format!("\0@{}", self.lang.next_symbol));
        let names = &mut self.lang.symbol_names;
        if names.len() <= atom as usize {
            names.resize(atom as usize + 1, None);
        }
        names[atom as usize] = Some(format!("Symbol({text})").into());
        self.heap.set(s, S_ATOM, Value::Int(atom))?;
        self.set_named(s, "description", desc)?;
        Ok(s)
    }

    /// The printed form of a symbol value.
    pub(crate) fn symbol_to_string(&mut self, h: Handle) -> R<String> {
        let a = self.heap.get(h, S_ATOM)?.as_int().unwrap_or(0);
        Ok(self
            .symbol_name(a)
            .map_or_else(String::new, |s| s.to_string()))
    }

    /// Own symbol-keyed properties of `o`, in insertion order.
    pub(crate) fn own_symbol_keys(&mut self, o: Handle) -> R<Vec<Key>> {
        let n = self.heap.get(o, NPROPS)?.as_int().unwrap_or(0) as usize;
        let mut keys = Vec::new();
        if n > 0 {
            if let Some(store) = self.heap.get(o, PROPS)?.as_ref() {
                for i in 0..n {
                    if let Value::Int(k) = self.heap.get(store, 2 * i)? {
                        if self.is_symbol_atom(k) {
                            keys.push(Key::Atom(k));
                        }
                    }
                }
            }
        }
        Ok(keys)
    }

    /// A well-known symbol `Symbol.<name>`, held for the run: its atom.
    fn well_known(&mut self, ctor: Handle, name: &str) -> R<i32> {
        let d = self.new_str(&format!("Symbol.{name}"))?;
        let s = self.new_symbol(d)?;
        let p = self.heap.root(RootKind::Handle, "well-known symbol", s)?;
        self.lang.held.push(p);
        self.set_named(ctor, name, Value::Ref(s))?;
        Ok(self.heap.get(s, S_ATOM)?.as_int().unwrap_or(0))
    }
}

fn this_symbol(it: &mut Interp<'_>, t: Value) -> R<Handle> {
    match t {
        Value::Ref(h) if it.tag_of(h)? == SYMBOL => Ok(h),
        _ => Err(it.throw_type("Symbol.prototype method called on a non-symbol")?),
    }
}

/// Installs `Symbol`, `Symbol.prototype` and the well-known symbols.
pub(super) fn install(it: &mut Interp<'_>) -> R<()> {
    let obj = ["__proto__", "properties", "count"];
    let slots = [obj[0], obj[1], obj[2], "description"];
    it.heap.register_type(SYMBOL, "Symbol", &slots);
    let op = it.intr().object_proto.handle();
    let sp = it.new_object_with(OBJECT, 3, Value::Ref(op))?;
    let held = it.heap.root(RootKind::Handle, "Symbol.prototype", sp)?;
    it.lang.symbol_proto = Some(held);
    let ctor = it.constructor(
        "Symbol",
        |it, t, a, _c| {
            if let Value::Ref(o) = t {
                if let Value::Ref(p) = it.heap.get(o, PROTO)? {
                    let sp = sym_proto(it);
                    if it.tag_of(o)? == OBJECT && it.heap.same_object(p, sp)? {
                        return Err(it.throw_type("Symbol is not a constructor")?);
                    }
                }
            }
            let d = match arg(a, 0) {
                Value::Undefined => Value::Undefined,
                v => it.to_string_value(v)?,
            };
            Ok(Value::Ref(it.new_symbol(d)?))
        },
        sp,
    )?;
    it.method(ctor, "Symbol.for", |it, _t, a, _c| {
        let key = it.to_str(arg(a, 0))?;
        if let Some(p) = it.lang.registry.get(&key) {
            return Ok(Value::Ref(p.handle()));
        }
        let d = it.new_str(&key)?;
        let s = it.new_symbol(d)?;
        let p = it.heap.root(RootKind::Handle, "Symbol.for registry", s)?;
        it.lang.registry.insert(key, p);
        Ok(Value::Ref(s))
    })?;
    it.method(ctor, "Symbol.keyFor", |it, _t, a, _c| {
        let s = this_symbol(it, arg(a, 0))?;
        let d = it.heap.get(s, S_DESC)?;
        if it.is_str(d) {
            let key = it.to_str(d)?;
            if let Some(p) = it.lang.registry.get(&key) {
                if it.heap.same_object(p.handle(), s)? {
                    return Ok(d);
                }
            }
        }
        Ok(Value::Undefined)
    })?;
    it.method(sp, "Symbol.prototype.toString", |it, t, _a, _c| {
        let s = this_symbol(it, t)?;
        let text = it.symbol_to_string(s)?;
        it.new_str(&text)
    })?;
    it.method(sp, "Symbol.prototype.valueOf", |it, t, _a, _c| {
        this_symbol(it, t)?;
        Ok(t)
    })?;
    it.lang.iterator = it.well_known(ctor, "iterator")?;
    it.lang.async_iterator = it.well_known(ctor, "asyncIterator")?;
    it.well_known(ctor, "toStringTag")?;
    Ok(())
}

fn sym_proto(it: &Interp<'_>) -> Handle {
    it.lang
        .symbol_proto
        .as_ref()
        .expect("Symbol.prototype is installed")
        .handle()
}
