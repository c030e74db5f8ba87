//! Atoms (interned property names) and property keys.
//!
//! Invariant: an atom is an index into `Interp::atoms`, and `atom_ids` maps each name back to
//! it; the well-known atoms of [`atom`] are interned first, in their order.

use super::{Interp, R};
use gclab::Value;
use std::rc::Rc;

/// Entries of the `o.name` atom cache ([`Interp::static_key`]).
pub(crate) const STATIC_KEY_CACHE: usize = 4096;

/// Well-known atoms, interned first in this order by [`Interp::intern_well_known`].
pub(crate) mod atom {
    pub const LENGTH: i32 = 0;
    pub const PROTOTYPE: i32 = 1;
    pub const CONSTRUCTOR: i32 = 2;
    pub const NAME: i32 = 3;
    pub const MESSAGE: i32 = 4;
    pub const STACK: i32 = 5;
    pub const TO_STRING: i32 = 6;
    pub const NAMES: [&str; 7] = [
        "length",
        "prototype",
        "constructor",
        "name",
        "message",
        "stack",
        "toString",
    ];
}

/// A property key: an interned name, or an array index.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Key {
    Atom(i32),
    Index(u32),
}

impl<'a> Interp<'a> {
    pub(crate) fn intern_well_known(&mut self) {
        for n in atom::NAMES {
            self.intern(n);
        }
    }

    /// The atom of a property name.
    pub(crate) fn intern(&mut self, name: &str) -> i32 {
        if let Some(&a) = self.atom_ids.get(name) {
            return a;
        }
        let a = self.atoms.len() as i32;
        let rc: Rc<str> = name.into();
        self.atoms.push(Rc::clone(&rc));
        self.atom_ids.insert(rc, a);
        a
    }

    /// The name of an atom.
    pub(crate) fn atom_name(&self, a: i32) -> Rc<str> {
        Rc::clone(&self.atoms[a as usize])
    }

    /// The key of `o.name` (an identifier, never an index): the node's address is stable for
    /// the run, so a direct-mapped cache by address skips hashing the name (a collision only
    /// costs an [`intern`](Self::intern)).
    #[inline]
    pub(crate) fn static_key(&mut self, name: &'a oxc_ast::ast::IdentifierName<'a>) -> Key {
        let node = name as *const oxc_ast::ast::IdentifierName<'a> as usize;
        let i = (node >> 3) % STATIC_KEY_CACHE;
        let (n, a) = self.static_atoms[i];
        if n == node {
            return Key::Atom(a);
        }
        let a = self.intern(name.name.as_str());
        self.static_atoms[i] = (node, a);
        Key::Atom(a)
    }

    /// The key for a property name (`"3"` is an index).
    pub(crate) fn key_of_str(&mut self, name: &str) -> Key {
        if let Ok(i) = name.parse::<u32>() {
            if i.to_string() == name && i != u32::MAX {
                return Key::Index(i);
            }
        }
        Key::Atom(self.intern(name))
    }

    /// The property key a value converts to.
    pub(crate) fn to_key(&mut self, v: Value) -> R<Key> {
        match v {
            Value::Int(i) if i >= 0 => Ok(Key::Index(i as u32)),
            Value::Float(f) if f >= 0.0 && f.fract() == 0.0 && f < u32::MAX as f64 => {
                Ok(Key::Index(f as u32))
            }
            _ => {
                if let Some(a) = self.symbol_atom(v)? {
                    return Ok(Key::Atom(a));
                }
                let s = self.to_str(v)?;
                Ok(self.key_of_str(&s))
            }
        }
    }

    /// The name of a key.
    pub(crate) fn key_name(&self, k: Key) -> Rc<str> {
        match k {
            Key::Atom(a) => self.atom_name(a),
            Key::Index(i) => i.to_string().into(),
        }
    }

    #[inline]
    pub(crate) fn key_atom(&mut self, k: Key) -> i32 {
        match k {
            Key::Atom(a) => a,
            Key::Index(i) => self.intern(&i.to_string()),
        }
    }
}
