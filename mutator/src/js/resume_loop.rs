//! The loops of the resumable cursor ([`super::resume`]): `while`, `do…while`, `for`,
//! `for…of` and `for…in` in async and generator bodies. Each iteration runs in a heap frame
//! of its own, as in `exec`; a suspended loop records its phase (test or body), the
//! environment outside it, and its per-iteration environment (`for (let …)`), its item list
//! with the index (`for…of` over a collection, collected first) or the generator it pulls
//! from.
//!
//! Invariant: a resumed loop replays into the iteration it left without re-binding its
//! variable or re-running its test; the iterations after that one run as in `exec`.

use super::builtins::iterator::{Iter, Site};
use super::resume::{Entry, DO, FOR, FOR_OF, U, WHILE};
use super::{Flow, Interp, R};
use gclab::Value;
use oxc_ast::ast::*;
use oxc_span::GetSpan;

impl<'a> Interp<'a> {
    /// A loop of an async body (its iterations in frames of their own, as in `exec`).
    pub(super) fn rloop(&mut self, s: &'a Statement<'a>, label: Option<&'a str>) -> R<Flow<'a>> {
        let kind = match s {
            Statement::WhileStatement(_) => WHILE,
            Statement::DoWhileStatement(_) => DO,
            Statement::ForStatement(_) => FOR,
            _ => FOR_OF,
        };
        let entry = self.take(kind)?;
        let env = entry.map_or(self.env, |e| e.a);
        let r = match s {
            Statement::WhileStatement(w) => {
                let mut phase = entry.map(|e| e.n);
                self.rloop_body(label, |it| {
                    if phase.take() != Some(1) {
                        let r = it.rvalue(&w.test);
                        let t = it.mark(r, Entry::new(WHILE, 0, env, U))?;
                        if !it.truthy(t)? {
                            return Ok(Flow::Break(None));
                        }
                    }
                    let r = it.rexec(&w.body);
                    it.mark(r, Entry::new(WHILE, 1, env, U))
                })
            }
            Statement::DoWhileStatement(w) => {
                let mut phase = entry.map(|e| e.n);
                self.rloop_body(label, |it| {
                    let f = if phase.take() == Some(0) {
                        Flow::Normal
                    } else {
                        let r = it.rexec(&w.body);
                        it.mark(r, Entry::new(DO, 1, env, U))?
                    };
                    if let Ok(true) = Self::after_body(f, label) {
                        let r = it.rvalue(&w.test);
                        let t = it.mark(r, Entry::new(DO, 0, env, U))?;
                        if !it.truthy(t)? {
                            return Ok(Flow::Break(None));
                        }
                        return Ok(Flow::Normal);
                    }
                    Ok(f)
                })
            }
            Statement::ForStatement(f) => self.rfor(f, entry, env, label),
            Statement::ForOfStatement(f) if f.r#await => {
                self.unsupported("`for await`", f.span.start)
            }
            Statement::ForOfStatement(f) => {
                self.rfor_items(&f.left, &f.right, false, &f.body, entry, env, label)
            }
            Statement::ForInStatement(f) => {
                self.rfor_items(&f.left, &f.right, true, &f.body, entry, env, label)
            }
            _ => unreachable!("rloop is called on loops"),
        };
        self.env = env;
        r
    }

    /// Runs iterations of `step` until the loop completes.
    fn rloop_body(
        &mut self,
        label: Option<&'a str>,
        mut step: impl FnMut(&mut Self) -> R<Flow<'a>>,
    ) -> R<Flow<'a>> {
        loop {
            let flow = self.iteration(&mut step)?;
            match Self::after_body(flow, label) {
                Ok(true) => {}
                Ok(false) => return Ok(Flow::Normal),
                Err(f) => return Ok(f),
            }
        }
    }

    fn rfor(
        &mut self,
        f: &'a ForStatement<'a>,
        entry: Option<Entry>,
        env: Value,
        label: Option<&'a str>,
    ) -> R<Flow<'a>> {
        let mut cell = None;
        let mut phase = None;
        if let Some(e) = entry {
            if let Value::Ref(c) = e.b {
                cell = Some(self.heap.local(c)?);
            }
            phase = Some(e.n);
        } else {
            match &f.init {
                Some(ForStatementInit::VariableDeclaration(d)) => {
                    if d.kind != VariableDeclarationKind::Var {
                        let mut names = Vec::new();
                        for x in &d.declarations {
                            super::scope::bound_names(&x.id, &mut names);
                        }
                        let l = self.layout(
                            (f as *const ForStatement<'_> as u64) << 3 | 5,
                            || names,
                            "context (loop)",
                        );
                        let e = self.push_env(&l)?;
                        let c = self.heap.local(e)?;
                        cell = Some(c);
                        self.env = Value::Ref(c);
                    }
                    self.var_decl(d)?;
                }
                Some(init) => {
                    self.eval(init.to_expression())?;
                }
                None => {}
            }
        }
        let cellv = cell.map_or(U, Value::Ref);
        self.rloop_body(label, |it| {
            if phase.take() != Some(1) {
                if let Some(t) = &f.test {
                    let r = it.rvalue(t);
                    let v = it.mark(r, Entry::new(FOR, 0, env, cellv))?;
                    if !it.truthy(v)? {
                        return Ok(Flow::Break(None));
                    }
                }
            }
            let r = it.rexec(&f.body);
            let flow = it.mark(r, Entry::new(FOR, 1, env, cellv))?;
            if let Some(c) = cell {
                it.env = Value::Ref(c);
                // Copy this iteration's bindings into a fresh environment for the next.
                let tag = it.heap.type_tag(c)?;
                let n = it.heap.slot_count(c)?;
                let ne = it.heap.alloc(tag, n, 0)?;
                for i in 0..n {
                    let x = it.heap.get(c, i)?;
                    it.heap.set(ne, i, x)?;
                }
                it.heap.set_local(c, ne)?;
            }
            if let Ok(true) = Self::after_body(flow, label) {
                if let Some(u) = &f.update {
                    it.eval(u)?;
                }
            }
            Ok(flow)
        })
    }

    /// `for (x of items)` / `for (k in obj)`: the items are collected into a heap array
    /// first, so a suspended loop keeps its place as an index.
    #[allow(clippy::too_many_arguments)]
    fn rfor_items(
        &mut self,
        left: &'a ForStatementLeft<'a>,
        right: &'a Expression<'a>,
        keys: bool,
        body: &'a Statement<'a>,
        entry: Option<Entry>,
        env: Value,
        label: Option<&'a str>,
    ) -> R<Flow<'a>> {
        let (items, start) = match entry {
            Some(Entry {
                n,
                b: Value::Ref(items),
                ..
            }) if n >= 0 => (items, n as usize),
            _ => {
                let r = self.rvalue(right);
                let v = self.mark(r, Entry::new(FOR_OF, -1, env, U))?;
                if keys {
                    let list = self.key_list(v)?;
                    (self.array_of(&list)?, 0)
                } else {
                    // An array is read live by index; anything else is pulled from its
                    // iterator.
                    match self.get_iterator(v, Site::Expr(right.span()))? {
                        Iter::Array { arr, .. } => (arr, 0),
                        Iter::Object(h) => (h, 0),
                    }
                }
            }
        };
        let pull = self.tag_of(items)? != super::realm::tags::ARRAY;
        let mut i = start;
        loop {
            if !pull && i >= self.array_len(items)? {
                break;
            }
            let mut finished = false;
            let flow = self.iteration(|it| {
                if it.resume.is_empty() {
                    let item = if pull {
                        // An iterator is pulled lazily, one item per iteration.
                        match it.step_object(items)? {
                            Some(v) => v,
                            None => {
                                finished = true;
                                return Ok(Flow::Break(None));
                            }
                        }
                    } else {
                        let e = it.elems(items)?;
                        it.heap.get(e, i)?
                    };
                    it.bind_item(left, item)?;
                }
                let r = it.rexec(body);
                let r = it.mark(r, Entry::new(FOR_OF, i as i32, env, Value::Ref(items)));
                it.env = env;
                r
            });
            if finished {
                break;
            }
            // Leaving an iterator early (break, return, a throw) closes it.
            let close = |it: &mut Self, r: R<Flow<'a>>| {
                if pull {
                    it.iter_close(&Iter::Object(items), r)
                } else {
                    r
                }
            };
            let flow = match flow {
                Ok(f) => f,
                Err(e) => return close(self, Err(e)),
            };
            match Self::after_body(flow, label) {
                Ok(true) => {}
                Ok(false) => return close(self, Ok(Flow::Normal)),
                Err(f) => return close(self, Ok(f)),
            }
            i += 1;
        }
        Ok(Flow::Normal)
    }

    fn key_list(&mut self, v: Value) -> R<Vec<Value>> {
        let mut keys = Vec::new();
        if let Value::Ref(h) = v {
            if !self.is_str(v) {
                for k in self.own_keys(h)? {
                    let name = self.key_name(k);
                    keys.push(self.new_str(&name)?);
                }
            }
        }
        Ok(keys)
    }

    /// Binds one loop item to the loop's left side.
    pub(crate) fn bind_item(&mut self, left: &'a ForStatementLeft<'a>, item: Value) -> R<()> {
        match left {
            ForStatementLeft::VariableDeclaration(d) => {
                let decl = &d.declarations[0];
                if d.kind != VariableDeclarationKind::Var {
                    let mut names = Vec::new();
                    super::scope::bound_names(&decl.id, &mut names);
                    let l = self.layout(
                        (left as *const ForStatementLeft<'_> as u64) << 3 | 4,
                        || names,
                        "context (loop)",
                    );
                    self.push_env(&l)?;
                }
                self.bind_pattern(&decl.id, item)
            }
            ForStatementLeft::AssignmentTargetIdentifier(id) => self.assign(id.name.as_str(), item),
            other => self.unsupported("this for-of/for-in target", other.span().start),
        }
    }
}
