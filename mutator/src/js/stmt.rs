//! Statements: declarations, control flow, loops (each iteration in its own heap frame, with
//! a fresh environment per iteration for `let` bindings so closures capture that iteration's
//! value), `try`/`catch`/`finally`, `switch`, labels; and the main program.

use super::builtins::iterator::{Iter, Site};
use super::scope::{function_scope_names, tdz_names};
use super::{Exc, Flow, Interp, R};
use gclab::Value;
use oxc_ast::ast::*;
use oxc_span::GetSpan;

impl<'a> Interp<'a> {
    /// Runs the main program in the module scope (a frame labelled `(main) file`).
    pub(crate) fn run_program(&mut self, program: &'a Program<'a>) -> R<()> {
        self.strict = program
            .directives
            .iter()
            .any(|d| d.directive.as_str() == "use strict");
        let label = format!("(main) {}", self.file);
        let frame = self.heap.push_frame(&label);
        let saved = self.module_env.take();
        let r = self.run_program_in(program);
        self.module_env = saved;
        let r = self.pop_frame_with(frame, r.map(|_| Value::Undefined));
        r.map(|_| ())
    }

    fn run_program_in(&mut self, program: &'a Program<'a>) -> R<()> {
        let body = &program.body[..];
        let l = self.layout_scoped(
            (program as *const Program<'_> as u64) << 3,
            || function_scope_names(None, body),
            |out| tdz_names(body, out),
            "context (module)",
        );
        self.env = Value::Undefined;
        let env = self.push_env(&l)?;
        self.module_env = Some((l.tag, env));
        let exports = self.new_object()?;
        self.this = Value::Ref(exports);
        self.enter_tdz()?;
        self.hoist_functions(body)?;
        for s in body {
            // Each top-level statement's temporaries live in a frame of their own, so what
            // the program keeps is held by the module context, not by a leftover temporary.
            let frame = self.heap.push_frame_static("(main)");
            let r = match self.exec(s) {
                Ok(flow) => {
                    self.heap.pop_frame(frame)?;
                    flow
                }
                // A thrown value leaves the statement's frame re-rooted in the one below.
                Err(e) => return self.pop_frame_with(frame, Err(e)).map(|_| ()),
            };
            if let Flow::Return(_) = r {
                break;
            }
        }
        Ok(())
    }

    /// Executes one statement.
    pub(crate) fn exec(&mut self, s: &'a Statement<'a>) -> R<Flow<'a>> {
        self.check_stack()?;
        // Without checkpoints (`--no-probe`) the pacer never reaches a mark: no check.
        if self.options.probe && self.pacer.is_some() && !self.in_event_loop {
            self.maybe_checkpoint(self.event_loop.now());
        }
        match s {
            Statement::ExpressionStatement(e) => {
                self.eval(&e.expression)?;
                Ok(Flow::Normal)
            }
            Statement::VariableDeclaration(d) => {
                self.var_decl(d)?;
                Ok(Flow::Normal)
            }
            Statement::FunctionDeclaration(_) | Statement::EmptyStatement(_) => Ok(Flow::Normal),
            Statement::ClassDeclaration(c) => {
                let v = self.make_class(c)?;
                let name = c.id.as_ref().map_or("", |i| i.name.as_str());
                self.declare(name, v)?;
                Ok(Flow::Normal)
            }
            Statement::ReturnStatement(r) => {
                let v = match &r.argument {
                    Some(e) => self.eval(e)?,
                    None => Value::Undefined,
                };
                Ok(Flow::Return(v))
            }
            Statement::IfStatement(i) => {
                let t = self.eval(&i.test)?;
                if self.truthy(t)? {
                    self.exec(&i.consequent)
                } else if let Some(a) = &i.alternate {
                    self.exec(a)
                } else {
                    Ok(Flow::Normal)
                }
            }
            Statement::BlockStatement(b) => self.block(b.span.start, &b.body),
            Statement::ThrowStatement(t) => {
                let v = self.eval(&t.argument)?;
                Err(Exc::Throw(v))
            }
            Statement::TryStatement(t) => self.try_stmt(t),
            Statement::BreakStatement(b) => {
                Ok(Flow::Break(b.label.as_ref().map(|l| l.name.as_str())))
            }
            Statement::ContinueStatement(c) => {
                Ok(Flow::Continue(c.label.as_ref().map(|l| l.name.as_str())))
            }
            Statement::LabeledStatement(l) => {
                let label = l.label.name.as_str();
                let r = match &l.body {
                    Statement::ForStatement(_)
                    | Statement::WhileStatement(_)
                    | Statement::DoWhileStatement(_)
                    | Statement::ForOfStatement(_)
                    | Statement::ForInStatement(_) => self.exec_loop(&l.body, Some(label))?,
                    other => self.exec(other)?,
                };
                Ok(match r {
                    Flow::Break(Some(x)) if x == label => Flow::Normal,
                    other => other,
                })
            }
            Statement::ForStatement(_)
            | Statement::WhileStatement(_)
            | Statement::DoWhileStatement(_)
            | Statement::ForOfStatement(_)
            | Statement::ForInStatement(_) => self.exec_loop(s, None),
            Statement::SwitchStatement(sw) => self.switch(sw),
            Statement::DebuggerStatement(_) => Ok(Flow::Normal),
            Statement::WithStatement(w) => self.unsupported("`with`", w.span.start),
            other => self.unsupported(
                "this statement (modules and TypeScript)",
                other.span().start,
            ),
        }
    }

    pub(crate) fn var_decl(&mut self, d: &'a VariableDeclaration<'a>) -> R<()> {
        if matches!(
            d.kind,
            VariableDeclarationKind::Using | VariableDeclarationKind::AwaitUsing
        ) {
            return self.unsupported("`using`", d.span.start);
        }
        for x in &d.declarations {
            let v = match (&x.init, &x.id) {
                (Some(init), BindingPattern::BindingIdentifier(id)) => {
                    self.eval_named(init, id.name.as_str())?
                }
                (Some(init), _) => self.eval(init)?,
                (None, _) if d.kind == VariableDeclarationKind::Var => continue,
                (None, _) => Value::Undefined,
            };
            self.bind_pattern(&x.id, v)?;
        }
        Ok(())
    }

    /// A block: its own scope if it declares lexical names.
    pub(crate) fn block(&mut self, start: u32, body: &'a [Statement<'a>]) -> R<Flow<'a>> {
        let saved = self.enter_block(start, body)?;
        let mut r = Ok(Flow::Normal);
        for s in body {
            match self.exec(s) {
                Ok(Flow::Normal) => {}
                other => {
                    r = other;
                    break;
                }
            }
        }
        if let Some(env) = saved {
            self.env = env;
        }
        r
    }

    fn try_stmt(&mut self, t: &'a TryStatement<'a>) -> R<Flow<'a>> {
        let env = self.env;
        let mut r = self.block(t.block.span.start, &t.block.body);
        if let (Err(Exc::Throw(v)), Some(h)) = (&r, &t.handler) {
            let v = *v;
            self.env = env;
            r = self.catch_clause(h, v);
            self.env = env;
        }
        if let Some(f) = &t.finalizer {
            self.env = env;
            match self.block(f.span.start, &f.body)? {
                Flow::Normal => {}
                other => return Ok(other),
            }
        }
        r
    }

    fn catch_clause(&mut self, h: &'a CatchClause<'a>, v: Value) -> R<Flow<'a>> {
        if let Some(p) = &h.param {
            let mut names = Vec::new();
            super::scope::bound_names(&p.pattern, &mut names);
            let l = self.layout(
                (h as *const CatchClause<'_> as u64) << 3 | 3,
                || names,
                "context (catch)",
            );
            self.push_env(&l)?;
            self.bind_pattern(&p.pattern, v)?;
        }
        self.block(h.body.span.start, &h.body.body)
    }

    fn switch(&mut self, sw: &'a SwitchStatement<'a>) -> R<Flow<'a>> {
        let d = self.eval(&sw.discriminant)?;
        let mut matched = None;
        for (i, c) in sw.cases.iter().enumerate() {
            if let Some(t) = &c.test {
                let v = self.eval(t)?;
                if self.strict_equals(d, v)? {
                    matched = Some(i);
                    break;
                }
            }
        }
        let start = matched.or_else(|| sw.cases.iter().position(|c| c.test.is_none()));
        let Some(start) = start else {
            return Ok(Flow::Normal);
        };
        for c in &sw.cases[start..] {
            for s in &c.consequent {
                match self.exec(s)? {
                    Flow::Normal => {}
                    Flow::Break(None) => return Ok(Flow::Normal),
                    other => return Ok(other),
                }
            }
        }
        Ok(Flow::Normal)
    }

    /// Runs `f` as one loop iteration in its own frame.
    pub(crate) fn iteration(&mut self, f: impl FnOnce(&mut Self) -> R<Flow<'a>>) -> R<Flow<'a>> {
        let frame = self.heap.push_frame_static("(loop iteration)");
        let r = f(self);
        match r {
            Ok(Flow::Return(Value::Ref(h))) => {
                Ok(Flow::Return(self.heap.pop_frame_escape(frame, h)?))
            }
            Err(Exc::Throw(Value::Ref(h))) => {
                Err(Exc::Throw(self.heap.pop_frame_escape(frame, h)?))
            }
            other => {
                self.heap.pop_frame(frame)?;
                other
            }
        }
    }

    /// What a loop does after its body completed with `flow`: `Ok(true)` go on, `Ok(false)`
    /// stop normally, `Err(flow)` propagate.
    pub(crate) fn after_body(flow: Flow<'a>, label: Option<&'a str>) -> Result<bool, Flow<'a>> {
        match flow {
            Flow::Normal | Flow::Continue(None) => Ok(true),
            Flow::Continue(Some(l)) if Some(l) == label => Ok(true),
            Flow::Break(None) => Ok(false),
            Flow::Break(Some(l)) if Some(l) == label => Ok(false),
            other => Err(other),
        }
    }

    fn exec_loop(&mut self, s: &'a Statement<'a>, label: Option<&'a str>) -> R<Flow<'a>> {
        let env = self.env;
        let r = self.exec_loop_in(s, label);
        self.env = env;
        r
    }

    fn exec_loop_in(&mut self, s: &'a Statement<'a>, label: Option<&'a str>) -> R<Flow<'a>> {
        match s {
            Statement::WhileStatement(w) => loop {
                let flow = self.iteration(|it| {
                    let t = it.eval(&w.test)?;
                    if !it.truthy(t)? {
                        return Ok(Flow::Break(None));
                    }
                    it.exec(&w.body)
                })?;
                match Self::after_body(flow, label) {
                    Ok(true) => {}
                    Ok(false) => return Ok(Flow::Normal),
                    Err(f) => return Ok(f),
                }
            },
            Statement::DoWhileStatement(w) => loop {
                let flow = self.iteration(|it| {
                    let f = it.exec(&w.body)?;
                    if let Ok(true) = Self::after_body(f, label) {
                        let t = it.eval(&w.test)?;
                        if !it.truthy(t)? {
                            return Ok(Flow::Break(None));
                        }
                        return Ok(Flow::Normal);
                    }
                    Ok(f)
                })?;
                match Self::after_body(flow, label) {
                    Ok(true) => {}
                    Ok(false) => return Ok(Flow::Normal),
                    Err(f) => return Ok(f),
                }
            },
            Statement::ForStatement(f) => self.for_stmt(f, label),
            Statement::ForOfStatement(f) => {
                if f.r#await {
                    return self.unsupported("`for await`", f.span.start);
                }
                let v = self.eval(&f.right)?;
                let iter = self.get_iterator(v, Site::Expr(f.right.span()))?;
                self.for_of_iter(&f.left, iter, &f.body, label)
            }
            Statement::ForInStatement(f) => {
                let v = self.eval(&f.right)?;
                let mut keys = Vec::new();
                if let Value::Ref(h) = v {
                    if !self.is_str(v) {
                        for k in self.own_keys(h)? {
                            let name = self.key_name(k);
                            keys.push(self.new_str(&name)?);
                        }
                    }
                }
                self.for_each_binding(&f.left, f.span.start, &keys, &f.body, label)
            }
            _ => unreachable!("exec_loop is called on loops"),
        }
    }

    /// `for (x of it)`: pulls one item per iteration; leaving early closes the iterator.
    fn for_of_iter(
        &mut self,
        left: &'a ForStatementLeft<'a>,
        mut iter: Iter,
        body: &'a Statement<'a>,
        label: Option<&'a str>,
    ) -> R<Flow<'a>> {
        let env = self.env;
        loop {
            let mut finished = false;
            let flow = self.iteration(|it| {
                let Some(item) = it.iter_step(&mut iter)? else {
                    finished = true;
                    return Ok(Flow::Break(None));
                };
                it.bind_item(left, item)?;
                let r = it.exec(body);
                it.env = env;
                r
            });
            if finished {
                return Ok(Flow::Normal);
            }
            // Leaving early (break, return, a throw) closes the iterator.
            let flow = match flow {
                Ok(f) => f,
                Err(e) => return self.iter_close(&iter, Err(e)),
            };
            match Self::after_body(flow, label) {
                Ok(true) => {}
                Ok(false) => return self.iter_close(&iter, Ok(Flow::Normal)),
                Err(f) => return self.iter_close(&iter, Ok(f)),
            }
        }
    }

    /// `for (x of items)` / `for (k in obj)`: binds each item, runs the body.
    fn for_each_binding(
        &mut self,
        left: &'a ForStatementLeft<'a>,
        start: u32,
        items: &[Value],
        body: &'a Statement<'a>,
        label: Option<&'a str>,
    ) -> R<Flow<'a>> {
        let env = self.env;
        for &item in items {
            let flow = self.iteration(|it| {
                match left {
                    ForStatementLeft::VariableDeclaration(d) => {
                        let decl = &d.declarations[0];
                        if d.kind != VariableDeclarationKind::Var {
                            let mut names = Vec::new();
                            super::scope::bound_names(&decl.id, &mut names);
                            let l = it.layout(
                                (left as *const ForStatementLeft<'_> as u64) << 3 | 4,
                                || names,
                                "context (loop)",
                            );
                            it.push_env(&l)?;
                        }
                        it.bind_pattern(&decl.id, item)?;
                    }
                    ForStatementLeft::AssignmentTargetIdentifier(id) => {
                        it.assign(id.name.as_str(), item)?
                    }
                    _ => return it.unsupported("this for-of/for-in target", start),
                }
                let r = it.exec(body);
                it.env = env;
                r
            })?;
            match Self::after_body(flow, label) {
                Ok(true) => {}
                Ok(false) => return Ok(Flow::Normal),
                Err(f) => return Ok(f),
            }
        }
        Ok(Flow::Normal)
    }

    fn for_stmt(&mut self, f: &'a ForStatement<'a>, label: Option<&'a str>) -> R<Flow<'a>> {
        // A `let` loop gets an environment per iteration, kept in one local of this frame.
        let mut cell = None;
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
                    cell = Some(self.heap.local(e)?);
                    self.env = Value::Ref(cell.expect("just set"));
                }
                self.var_decl(d)?;
            }
            Some(init) => {
                self.eval(init.to_expression())?;
            }
            None => {}
        }
        loop {
            let flow = self.iteration(|it| {
                if let Some(t) = &f.test {
                    let v = it.eval(t)?;
                    if !it.truthy(v)? {
                        return Ok(Flow::Break(None));
                    }
                }
                let flow = it.exec(&f.body)?;
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
            })?;
            match Self::after_body(flow, label) {
                Ok(true) => {}
                Ok(false) => return Ok(Flow::Normal),
                Err(f) => return Ok(f),
            }
        }
    }
}
