//! Scopes: the static layout of each scope (which names it declares), environments in the
//! heap (one object per scope instance, type `Env` with the scope's names as slot names, so
//! a retaining path reads `context.bigData`), name lookup and assignment, hoisting.
//!
//! Invariant: an environment object has slot 0 = the enclosing environment (or `undefined`
//! for the module scope) and slot `1 + i` = the variable `layout.names[i]`; its type tag maps
//! to its layout in `Interp::layout_of_tag`. Names not found in the chain are `globalThis`
//! properties, which are named heap globals. A call of a function that captures nothing has
//! no environment of its own: its names are frame slots ([`super::frame`]), looked up before
//! the chain while they are in scope.

use super::frame::Place;
use super::tables::Resolved;
use super::{Interp, R};
use gclab::{Handle, TypeTag, Value};
use oxc_ast::ast::*;
use rustc_hash::FxHashMap as HashMap;
use std::rc::Rc;

pub(crate) use super::names::{bound_names, function_scope_names, lexical_names, tdz_names};

/// The names a scope declares.
#[derive(Debug)]
pub(crate) struct Layout {
    pub names: Vec<Rc<str>>,
    pub index: HashMap<Rc<str>, usize>,
    pub tag: TypeTag,
    /// Environment slots of the scope's `let`/`const`/`class` names: the only slots that
    /// ever hold the temporal-dead-zone marker ([`Interp::enter_tdz`] writes it there).
    pub tdz_slots: Vec<usize>,
    /// Per environment slot: whether it is one of `tdz_slots` (reads of the others need no
    /// initialisation check).
    pub may_hole: Vec<bool>,
}

impl<'a> Interp<'a> {
    /// The layout for a scope identified by `key` (a node's start offset and a kind byte),
    /// built from `names` on first use; `None` if the scope declares nothing and `optional`.
    pub(crate) fn layout(
        &mut self,
        key: u64,
        names: impl FnOnce() -> Vec<&'a str>,
        label: &str,
    ) -> Rc<Layout> {
        self.layout_scoped(key, names, |_| {}, label)
    }

    /// [`layout`](Self::layout) of a scope whose statements declare `let`/`const`/`class`
    /// names: `tdz` collects them (as [`tdz_names`] does for the scope's statements).
    pub(crate) fn layout_scoped(
        &mut self,
        key: u64,
        names: impl FnOnce() -> Vec<&'a str>,
        tdz: impl FnOnce(&mut Vec<&'a str>),
        label: &str,
    ) -> Rc<Layout> {
        if let Some(l) = self.layouts.get(&key) {
            return Rc::clone(l);
        }
        let mut uniq: Vec<Rc<str>> = Vec::new();
        let mut index = HashMap::default();
        for n in names() {
            if !index.contains_key(n) {
                let rc: Rc<str> = n.into();
                index.insert(Rc::clone(&rc), uniq.len());
                uniq.push(rc);
            }
        }
        let tag = self.fresh_tag();
        let mut slot_names: Vec<&str> = vec!["(enclosing context)"];
        slot_names.extend(uniq.iter().map(|s| &**s));
        self.heap.register_type(tag, label, &slot_names);
        let mut tdz_list = Vec::new();
        tdz(&mut tdz_list);
        let mut may_hole = vec![false; uniq.len() + 1];
        let mut tdz_slots = Vec::new();
        for n in tdz_list {
            if let Some(&i) = index.get(n) {
                if !may_hole[i + 1] {
                    may_hole[i + 1] = true;
                    tdz_slots.push(i + 1);
                }
            }
        }
        let l = Rc::new(Layout {
            names: uniq,
            index,
            tag,
            tdz_slots,
            may_hole,
        });
        self.layouts.insert(key, Rc::clone(&l));
        self.layout_of_tag.insert(tag, Rc::clone(&l));
        l
    }

    /// A new environment for `layout` whose parent is the current environment; it becomes
    /// the current one (the caller restores `self.env`).
    pub(crate) fn push_env(&mut self, layout: &Layout) -> R<Handle> {
        let e = self.heap.alloc(layout.tag, layout.names.len() + 1, 0)?;
        self.heap.set(e, 0, self.env)?;
        self.env = Value::Ref(e);
        Ok(e)
    }

    /// Finds where `name` lives: a frame slot in scope, else an environment of the chain.
    pub(crate) fn resolve(&mut self, name: &str) -> R<Option<Place>> {
        if let Some((f, i, _)) = self.frame_slot(name) {
            return Ok(Some(Place::Local(self.slots[f.base as usize + i])));
        }
        let mut cur = self.env;
        while let Value::Ref(e) = cur {
            let tag = self.tag_of(e)?;
            if let Some(l) = self.layout_of_tag.get(&tag) {
                if let Some(&i) = l.index.get(name) {
                    return Ok(Some(Place::Env(e, i + 1)));
                }
            }
            cur = self.heap.get(e, 0)?;
        }
        Ok(None)
    }

    /// Where identifier `id` lives ([`resolve`](Self::resolve)), remembering where its name
    /// was found: an identifier's scope chain has the same shape at every evaluation (no
    /// `with`, no `eval`), so next time it walks that many environments up and, if the one it
    /// reaches has the remembered layout tag, takes the slot without looking the name up. An
    /// identifier of a frame-slot function's own variable is always run by a call of that
    /// function (which declares no closure that could run it elsewhere): its frame slot index
    /// is remembered.
    pub(crate) fn resolve_ident(
        &mut self,
        id: &'a IdentifierReference<'a>,
    ) -> R<Option<(Place, Resolved)>> {
        if let Some(r) = self.ident_cache.get(id) {
            if r.in_frame {
                if let Some(f) = self.frame_in_scope() {
                    return Ok(Some((
                        Place::Local(self.slots[f.base as usize + r.slot]),
                        r,
                    )));
                }
            } else {
                // The module scope has one environment: no walk to reach it.
                if let Some((tag, env)) = self.module_env {
                    if tag == r.tag {
                        return Ok(Some((Place::Env(env, r.slot), r)));
                    }
                }
                let mut cur = self.env;
                for _ in 0..r.hops {
                    match cur {
                        Value::Ref(e) => cur = self.heap.get(e, 0)?,
                        _ => break,
                    }
                }
                if let Value::Ref(e) = cur {
                    if self.tag_of(e)? == r.tag {
                        return Ok(Some((Place::Env(e, r.slot), r)));
                    }
                }
            }
        }
        let name = id.name.as_str();
        if let Some((f, i, may_hole)) = self.frame_slot(name) {
            let r = Resolved {
                hops: 0,
                tag: 0,
                slot: i,
                may_hole,
                in_frame: true,
            };
            self.ident_cache.insert(id, r);
            return Ok(Some((Place::Local(self.slots[f.base as usize + i]), r)));
        }
        let mut cur = self.env;
        let mut hops = 0;
        while let Value::Ref(e) = cur {
            let tag = self.tag_of(e)?;
            if let Some(l) = self.layout_of_tag.get(&tag) {
                if let Some(&i) = l.index.get(name) {
                    let r = Resolved {
                        hops,
                        tag,
                        slot: i + 1,
                        may_hole: l.may_hole[i + 1],
                        in_frame: false,
                    };
                    self.ident_cache.insert(id, r);
                    return Ok(Some((Place::Env(e, i + 1), r)));
                }
            }
            cur = self.heap.get(e, 0)?;
            hops += 1;
        }
        Ok(None)
    }

    /// Reads identifier `id` ([`lookup`](Self::lookup) through [`resolve_ident`](Self::resolve_ident)).
    #[inline(always)]
    pub(crate) fn lookup_ident(&mut self, id: &'a IdentifierReference<'a>) -> R<Value> {
        // The common cases inline: a frame slot, a name of the module scope, or of the
        // current scope.
        if let Some(r) = self.ident_cache.get(id) {
            let v = if r.in_frame {
                match self.frame_in_scope() {
                    Some(f) => Some(self.heap.read_local(self.slots[f.base as usize + r.slot])?),
                    None => None,
                }
            } else {
                let env = match (self.module_env, self.env) {
                    (Some((tag, env)), _) if tag == r.tag => Some(env),
                    (_, Value::Ref(e)) if r.hops == 0 && self.tag_of(e)? == r.tag => Some(e),
                    _ => None,
                };
                match env {
                    Some(e) => Some(self.heap.get(e, r.slot)?),
                    None => None,
                }
            };
            if let Some(v) = v {
                if r.may_hole {
                    return self.check_initialised(id.name.as_str(), v);
                }
                return Ok(v);
            }
        }
        self.lookup_ident_slow(id)
    }

    /// [`lookup_ident`](Self::lookup_ident) past its inline cases: kept out of line so the
    /// inline part stays a few loads (no large frame to set up on every read).
    #[cold]
    #[inline(never)]
    fn lookup_ident_slow(&mut self, id: &'a IdentifierReference<'a>) -> R<Value> {
        match self.resolve_ident(id)? {
            Some((p, r)) => {
                let v = self.read_place(p)?;
                if r.may_hole {
                    return self.check_initialised(id.name.as_str(), v);
                }
                Ok(v)
            }
            None if id.name == "arguments" && self.heap.global("arguments").is_none() => self
                .unsupported(
                    "the `arguments` object (use rest parameters: `...args`)",
                    id.span.start,
                ),
            None => self.lookup(id.name.as_str()),
        }
    }

    /// Writes identifier `id` ([`assign_at`](Self::assign_at) through
    /// [`resolve_ident`](Self::resolve_ident)).
    pub(crate) fn assign_ident(&mut self, id: &'a IdentifierReference<'a>, v: Value) -> R<()> {
        match self.resolve_ident(id)? {
            Some((p, r)) => {
                if r.may_hole {
                    let old = self.read_place(p)?;
                    self.check_initialised(id.name.as_str(), old)?;
                }
                self.write_place(p, v)
            }
            None => self.assign_at(id.name.as_str(), v, id.span.start),
        }
    }

    /// Marks the `let`/`const`/`class` names of the current scope as not yet initialised
    /// (the temporal dead zone): they hold the hole marker until declared. The current
    /// environment's layout lists them ([`layout_scoped`](Self::layout_scoped) from the
    /// scope's statements).
    pub(crate) fn enter_tdz(&mut self) -> R<()> {
        let Value::Ref(env) = self.env else {
            return Ok(());
        };
        let tag = self.tag_of(env)?;
        let Some(l) = self.layout_of_tag.get(&tag) else {
            return Ok(());
        };
        if l.tdz_slots.is_empty() {
            return Ok(());
        }
        let l = Rc::clone(l);
        let hole = self.intr().hole.handle();
        for &i in &l.tdz_slots {
            self.heap.set(env, i, hole)?;
        }
        Ok(())
    }

    /// `Err(ReferenceError)` if `v`, the value of `name`, is the temporal-dead-zone marker.
    #[inline(never)]
    fn check_initialised(&mut self, name: &str, v: Value) -> R<Value> {
        if let Value::Ref(h) = v {
            let hole = self.intr().hole.handle();
            if self.heap.same_object(h, hole)? {
                return Err(
                    self.throw_reference(&format!("Cannot access '{name}' before initialization"))?
                );
            }
        }
        Ok(v)
    }

    /// Reads variable `name` (`ReferenceError` if it does not exist or is in its temporal
    /// dead zone).
    pub(crate) fn lookup(&mut self, name: &str) -> R<Value> {
        if let Some(p) = self.resolve(name)? {
            let v = self.read_place(p)?;
            return self.check_initialised(name, v);
        }
        match self.heap.global(name) {
            Some(v) => Ok(v),
            None if name == "undefined" => Ok(Value::Undefined),
            None => Err(self.throw_reference(&format!("{name} is not defined"))?),
        }
    }

    /// Writes variable `name`; an undeclared name becomes a global (sloppy mode) or throws
    /// `ReferenceError` (strict mode).
    pub(crate) fn assign(&mut self, name: &str, v: Value) -> R<()> {
        if let Some(p) = self.resolve(name)? {
            let old = self.read_place(p)?;
            self.check_initialised(name, old)?;
            return self.write_place(p, v);
        }
        if self.strict && self.heap.global(name).is_none() {
            return Err(self.throw_reference(&format!("{name} is not defined"))?);
        }
        self.heap.set_global(name, v)?;
        Ok(())
    }

    /// [`assign`](Self::assign) from source offset `at`: an accidental global remembers
    /// where it was created, for the retaining paths.
    pub(crate) fn assign_at(&mut self, name: &str, v: Value, at: u32) -> R<()> {
        if !self.accidental_globals.contains_key(name)
            && self.resolve(name)?.is_none()
            && self.heap.global(name).is_none()
        {
            let loc = self.loc_line(at);
            self.accidental_globals.insert(name.to_string(), loc);
        }
        self.assign(name, v)
    }

    /// Initialises a declared name in the nearest environment that declares it.
    pub(crate) fn declare(&mut self, name: &str, v: Value) -> R<()> {
        match self.resolve(name)? {
            Some(p) => self.write_place(p, v),
            None => {
                self.heap.set_global(name, v)?;
                Ok(())
            }
        }
    }

    /// Creates the closures of the function declarations directly in `stmts` (hoisting).
    pub(crate) fn hoist_functions(&mut self, stmts: &'a [Statement<'a>]) -> R<()> {
        for s in stmts {
            if let Statement::FunctionDeclaration(f) = s {
                let c = self.make_function(f)?;
                let name = f.id.as_ref().map_or("", |id| id.name.as_str());
                self.declare(name, c)?;
            }
        }
        Ok(())
    }

    /// Enters a block scope if `stmts` declares lexical names: returns the previous
    /// environment to restore.
    pub(crate) fn enter_block(
        &mut self,
        _start: u32,
        stmts: &'a [Statement<'a>],
    ) -> R<Option<Value>> {
        let key = stmts.as_ptr() as u64;
        let mut names = Vec::new();
        lexical_names(stmts, &mut names);
        if names.is_empty() {
            return Ok(None);
        }
        let l = self.layout_scoped(
            key << 3 | 1,
            || names,
            |out| tdz_names(stmts, out),
            "context (block)",
        );
        let saved = self.env;
        self.push_env(&l)?;
        self.enter_tdz()?;
        self.hoist_functions(stmts)?;
        Ok(Some(saved))
    }
}
