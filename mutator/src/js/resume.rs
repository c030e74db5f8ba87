//! The resumable statement cursor that async function bodies run on.
//!
//! The heap's frame stack is LIFO and the Rust stack cannot be suspended, so an `await`
//! unwinds instead: it returns [`Exc::Suspend`], and every construct it leaves records one
//! [`Entry`] (which statement of a list, which branch or loop phase, which loop item, the
//! environment to restore, a pending `finally` completion) in the async function's cursor
//! array in the heap, innermost first. Resuming replays the entries outermost first: each
//! construct takes its own entry and descends straight to the recorded child without
//! evaluating anything, until the `await` takes the settled value.
//!
//! `await` is resumable where the cursor can reach it: as the whole expression of an
//! expression statement, a variable initializer, the right side of `=` (and of `op=` on a
//! variable), a `return` or `throw` argument, an `if`/`while`/`do…while`/`for` test, a
//! `for…of`/`for…in` iterable, and as a direct argument of a call in any of those places —
//! inside blocks, `if`/`else`, `switch` cases, loops, labels and `try`/`catch`/`finally`
//! nested arbitrarily.
//! Any other `await` is evaluated by the ordinary interpreter, which reports it as
//! unsupported with its location.
//!
//! Invariant: replay consumes exactly the entries the suspension recorded, because each
//! construct takes its entry before descending and the descent is chosen by the entry
//! alone; the values in entries are heap values (rooted by the cursor array while
//! suspended, by the resuming frame while replayed).

use super::{Exc, Flow, Interp, R};
use gclab::Value;
use oxc_ast::ast::*;

const LEAF: i32 = 0;
const LIST: i32 = 1;
const IF: i32 = 2;
const VAR: i32 = 3;
pub(super) const WHILE: i32 = 4;
pub(super) const DO: i32 = 5;
pub(super) const FOR: i32 = 6;
pub(super) const FOR_OF: i32 = 7;
const TRY: i32 = 8;
const ASSIGN: i32 = 9;
const CALL: i32 = 10;
const SWITCH: i32 = 11;
/// A `yield*`: the iterator it delegates to.
pub(super) const DELEGATE: i32 = 12;

/// How a suspended function resumes at its `await` or `yield`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Resumed {
    /// With a value (a fulfilled promise, `next(v)`).
    Value,
    /// By throwing it (a rejected promise, `throw(e)`).
    Throw,
    /// By returning (`return(v)`): only `finally` blocks run.
    Return,
}

/// One construct's position in a suspended body.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Entry {
    pub kind: i32,
    pub n: i32,
    pub a: Value,
    pub b: Value,
}

impl Entry {
    pub(super) fn new(kind: i32, n: i32, a: Value, b: Value) -> Entry {
        Entry { kind, n, a, b }
    }

    /// The `await` itself.
    pub(crate) fn leaf() -> Entry {
        Entry::new(LEAF, 0, Value::Undefined, Value::Undefined)
    }
}

pub(super) const U: Value = Value::Undefined;

fn is_await(e: &Expression<'_>) -> bool {
    match e {
        Expression::AwaitExpression(_) => true,
        Expression::YieldExpression(_) => true,
        Expression::ParenthesizedExpression(p) => is_await(&p.expression),
        Expression::CallExpression(c) => is_await_call(c),
        _ => false,
    }
}

/// `f(…, await x, …)` / `o.m(…, await x, …)`: a plain call with an `await` as a direct
/// argument (no spread, no optional chain, no `super`).
fn is_await_call(c: &CallExpression<'_>) -> bool {
    let plain_callee = match &c.callee {
        Expression::Identifier(_) => true,
        Expression::StaticMemberExpression(m) => {
            !m.optional && !matches!(m.object, Expression::Super(_))
        }
        Expression::ComputedMemberExpression(m) => {
            !m.optional && !matches!(m.object, Expression::Super(_))
        }
        _ => false,
    };
    plain_callee
        && !c.optional
        && c.arguments.iter().all(|a| a.as_expression().is_some())
        && c.arguments
            .iter()
            .any(|a| a.as_expression().is_some_and(is_await))
}

impl<'a> Interp<'a> {
    /// Takes the next replay entry, which must be of `kind` (none when not resuming).
    pub(super) fn take(&mut self, kind: i32) -> R<Option<Entry>> {
        match self.resume.pop() {
            None => Ok(None),
            Some(e) if e.kind == kind => Ok(Some(e)),
            Some(e) => Err(Exc::Unsupported(
                format!(
                    "internal error: async cursor entry {} where {kind} was expected",
                    e.kind
                )
                .into(),
            )),
        }
    }

    /// Records `e` if `r` is a suspension passing by.
    pub(super) fn mark<T>(&mut self, r: R<T>, e: Entry) -> R<T> {
        if let Err(Exc::Suspend) = r {
            self.record(e)?;
        }
        r
    }

    /// An expression that may be a whole `await`.
    pub(crate) fn rvalue(&mut self, e: &'a Expression<'a>) -> R<Value> {
        if matches!(self.resume.last(), Some(e) if e.kind == LEAF) {
            self.resume.pop();
            let (how, v) = self
                .resume_value
                .take()
                .expect("a resumed await has its value");
            return match how {
                Resumed::Value => Ok(v),
                Resumed::Throw => Err(Exc::Throw(v)),
                Resumed::Return => Err(Exc::GeneratorReturn),
            };
        }
        match e {
            Expression::AwaitExpression(a) => {
                let v = self.eval(&a.argument)?;
                self.await_value(v, a.span.start)
            }
            Expression::YieldExpression(y) if !y.delegate => {
                let v = match &y.argument {
                    Some(a) => self.eval(a)?,
                    None => U,
                };
                self.yield_value(v, y.span.start)
            }
            Expression::YieldExpression(y) => self.yield_star(y),
            Expression::ParenthesizedExpression(p) if is_await(&p.expression) => {
                self.rvalue(&p.expression)
            }
            Expression::CallExpression(c) if is_await_call(c) => self.rcall(c),
            _ => self.eval(e),
        }
    }

    /// A call with awaited arguments: the callee, `this` and the arguments before an `await`
    /// are evaluated before it (and kept in the cursor across it), the rest after.
    fn rcall(&mut self, c: &'a CallExpression<'a>) -> R<Value> {
        let (f, done, start) = match self.take(CALL)? {
            Some(Entry {
                n,
                a,
                b: Value::Ref(done),
                ..
            }) => (a, done, n as usize),
            _ => {
                let (f, this) = match &c.callee {
                    Expression::StaticMemberExpression(_)
                    | Expression::ComputedMemberExpression(_) => {
                        let m = c.callee.to_member_expression();
                        let Some((obj, key)) = self.member_parts(m)? else {
                            return Ok(U);
                        };
                        (self.get_prop(obj, key)?, obj)
                    }
                    other => (self.eval(other)?, U),
                };
                // [this, arguments evaluated so far…]
                (f, self.array_of(&[this])?, 0)
            }
        };
        for (k, a) in c.arguments.iter().enumerate().skip(start) {
            let a = a
                .as_expression()
                .expect("is_await_call checked for spreads");
            let r = if is_await(a) {
                self.rvalue(a)
            } else {
                self.eval(a)
            };
            let v = self.mark(r, Entry::new(CALL, k as i32, f, Value::Ref(done)))?;
            self.array_push(done, v)?;
        }
        let all = self.array_items(done)?;
        if !self.is_callable(f) {
            let what = self.describe_callee(&c.callee);
            return Err(self.throw_type(&format!("{what} is not a function"))?);
        }
        self.call_site = c.span.start;
        self.call(f, all[0], &all[1..])
    }

    /// Executes one statement of an async body.
    pub(crate) fn rexec(&mut self, s: &'a Statement<'a>) -> R<Flow<'a>> {
        self.check_stack()?;
        match s {
            Statement::ExpressionStatement(e) => match &e.expression {
                Expression::AssignmentExpression(a)
                    if a.operator == AssignmentOperator::Assign && is_await(&a.right) =>
                {
                    let v = self.rvalue(&a.right)?;
                    self.assign_to(&a.left, v, a.span.start)?;
                    Ok(Flow::Normal)
                }
                Expression::AssignmentExpression(a)
                    if is_await(&a.right)
                        && a.operator.to_binary_operator().is_some()
                        && matches!(a.left, AssignmentTarget::AssignmentTargetIdentifier(_)) =>
                {
                    self.rcompound(a)?;
                    Ok(Flow::Normal)
                }
                x if is_await(x) => {
                    self.rvalue(x)?;
                    Ok(Flow::Normal)
                }
                _ => self.exec(s),
            },
            Statement::VariableDeclaration(d) => self.rvar(d),
            Statement::ReturnStatement(r) => match &r.argument {
                Some(e) => Ok(Flow::Return(self.rvalue(e)?)),
                None => Ok(Flow::Return(U)),
            },
            Statement::ThrowStatement(t) => {
                let v = self.rvalue(&t.argument)?;
                Err(Exc::Throw(v))
            }
            Statement::IfStatement(i) => self.rif(i),
            Statement::BlockStatement(b) => self.rlist(&b.body, true),
            Statement::TryStatement(t) => self.rtry(t),
            Statement::SwitchStatement(sw) => self.rswitch(sw),
            Statement::LabeledStatement(l) => {
                let label = l.label.name.as_str();
                let r = match &l.body {
                    Statement::ForStatement(_)
                    | Statement::WhileStatement(_)
                    | Statement::DoWhileStatement(_)
                    | Statement::ForOfStatement(_)
                    | Statement::ForInStatement(_) => self.rloop(&l.body, Some(label))?,
                    other => self.rexec(other)?,
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
            | Statement::ForInStatement(_) => self.rloop(s, None),
            _ => self.exec(s),
        }
    }

    /// `x op= await e`: the old value of `x` is read before the `await` (and kept in the
    /// cursor across it), as the spec orders it.
    fn rcompound(&mut self, a: &'a AssignmentExpression<'a>) -> R<()> {
        let AssignmentTarget::AssignmentTargetIdentifier(id) = &a.left else {
            unreachable!("rexec checked the target")
        };
        let old = match self.take(ASSIGN)? {
            Some(e) => e.a,
            None => self.lookup_ident(id)?,
        };
        let r = self.rvalue(&a.right);
        let v = self.mark(r, Entry::new(ASSIGN, 0, old, U))?;
        let op = a.operator.to_binary_operator().expect("checked");
        let nv = self.binary(op, old, v)?;
        self.assign_ident(id, nv)
    }

    /// `target = v` after an awaited right side.
    fn assign_to(&mut self, t: &'a AssignmentTarget<'a>, v: Value, at: u32) -> R<()> {
        match t {
            AssignmentTarget::AssignmentTargetIdentifier(id) => self.assign_ident(id, v),
            AssignmentTarget::StaticMemberExpression(_)
            | AssignmentTarget::ComputedMemberExpression(_) => {
                if let Some((obj, key)) = self.member_parts(t.to_member_expression())? {
                    self.set_prop(obj, key, v)?;
                }
                Ok(())
            }
            _ => self.unsupported("this assignment target of an `await`", at),
        }
    }

    /// A statement list: a block (its own scope when `scoped`) or a function body.
    pub(crate) fn rlist(&mut self, body: &'a [Statement<'a>], scoped: bool) -> R<Flow<'a>> {
        let (start, saved) = match self.take(LIST)? {
            Some(e) => (e.n as usize, (e.a != U).then_some(e.a)),
            None if scoped => (0, self.enter_block(0, body)?),
            None => (0, None),
        };
        let mut r = Ok(Flow::Normal);
        for (i, s) in body.iter().enumerate().skip(start) {
            match self.rexec(s) {
                Ok(Flow::Normal) => {}
                Err(Exc::Suspend) => {
                    self.record(Entry::new(LIST, i as i32, saved.unwrap_or(U), U))?;
                    return Err(Exc::Suspend);
                }
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

    fn rvar(&mut self, d: &'a VariableDeclaration<'a>) -> R<Flow<'a>> {
        if matches!(
            d.kind,
            VariableDeclarationKind::Using | VariableDeclarationKind::AwaitUsing
        ) {
            return self.unsupported("`using`", d.span.start);
        }
        let start = self.take(VAR)?.map_or(0, |e| e.n as usize);
        for (k, x) in d.declarations.iter().enumerate().skip(start) {
            let r = match (&x.init, &x.id) {
                (Some(init), _) if is_await(init) => self.rvalue(init),
                (Some(init), BindingPattern::BindingIdentifier(id)) => {
                    self.eval_named(init, id.name.as_str())
                }
                (Some(init), _) => self.eval(init),
                (None, _) if d.kind == VariableDeclarationKind::Var => continue,
                (None, _) => Ok(U),
            };
            let v = self.mark(r, Entry::new(VAR, k as i32, U, U))?;
            self.bind_pattern(&x.id, v)?;
        }
        Ok(Flow::Normal)
    }

    /// `switch`: the cases' statements as one list, resumed at (case, statement).
    fn rswitch(&mut self, sw: &'a SwitchStatement<'a>) -> R<Flow<'a>> {
        let (start_case, start_stmt) = match self.take(SWITCH)? {
            Some(e) => ((e.n >> 16) as usize, (e.n & 0xffff) as usize),
            None => {
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
                match matched.or_else(|| sw.cases.iter().position(|c| c.test.is_none())) {
                    Some(i) => (i, 0),
                    None => return Ok(Flow::Normal),
                }
            }
        };
        for (i, c) in sw.cases.iter().enumerate().skip(start_case) {
            let skip = if i == start_case { start_stmt } else { 0 };
            for (j, s) in c.consequent.iter().enumerate().skip(skip) {
                let r = self.rexec(s);
                match self.mark(r, Entry::new(SWITCH, (i << 16 | j) as i32, U, U))? {
                    Flow::Normal => {}
                    Flow::Break(None) => return Ok(Flow::Normal),
                    other => return Ok(other),
                }
            }
        }
        Ok(Flow::Normal)
    }

    fn rif(&mut self, i: &'a IfStatement<'a>) -> R<Flow<'a>> {
        let branch = match self.take(IF)? {
            Some(e) if e.n > 0 => e.n,
            _ => {
                let r = self.rvalue(&i.test);
                let t = self.mark(r, Entry::new(IF, 0, U, U))?;
                if self.truthy(t)? {
                    1
                } else {
                    2
                }
            }
        };
        let r = match (branch, &i.alternate) {
            (1, _) => self.rexec(&i.consequent),
            (_, Some(a)) => self.rexec(a),
            (_, None) => return Ok(Flow::Normal),
        };
        self.mark(r, Entry::new(IF, branch, U, U))
    }

    fn rtry(&mut self, t: &'a TryStatement<'a>) -> R<Flow<'a>> {
        let entry = self.take(TRY)?;
        let env = entry.map_or(self.env, |e| e.a);
        let mut phase = entry.map_or(0, |e| e.n & 3);
        let r = match (phase, &t.handler) {
            (0, _) => {
                let r = self.rlist(&t.block.body, true);
                if let Err(Exc::Suspend) = r {
                    self.record(Entry::new(TRY, 0, env, U))?;
                    return r;
                }
                match (r, &t.handler) {
                    (Err(Exc::Throw(v)), Some(h)) => {
                        self.env = env;
                        phase = 1;
                        self.rcatch(h, Some(v))
                    }
                    (r, _) => r,
                }
            }
            (1, Some(h)) => self.rcatch(h, None),
            _ => {
                let e = entry.expect("a finally phase comes from an entry");
                self.decode(e.n >> 2, e.b)
            }
        };
        if phase == 1 {
            self.env = env;
            if let Err(Exc::Suspend) = r {
                self.record(Entry::new(TRY, 1, env, U))?;
                return r;
            }
        }
        if let Some(f) = &t.finalizer {
            if !matches!(r, Ok(_) | Err(Exc::Throw(_) | Exc::GeneratorReturn)) {
                return r;
            }
            // Resuming inside the `finally`, the environment is the one its `await` left.
            if phase != 2 {
                self.env = env;
            }
            match self.rlist(&f.body, true) {
                Err(Exc::Suspend) => {
                    let (code, v) = self.encode(&r);
                    self.record(Entry::new(TRY, 2 | code << 2, env, v))?;
                    return Err(Exc::Suspend);
                }
                Ok(Flow::Normal) => {}
                other => return other,
            }
            self.env = env;
        }
        r
    }

    /// The catch clause: binds the exception (unless resuming), runs the body.
    fn rcatch(&mut self, h: &'a CatchClause<'a>, v: Option<Value>) -> R<Flow<'a>> {
        if let (Some(v), Some(p)) = (v, &h.param) {
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
        self.rlist(&h.body.body, true)
    }

    /// A completion pending across a `finally` that awaits: (code, value).
    fn encode(&mut self, r: &R<Flow<'a>>) -> (i32, Value) {
        let mut label = |l: Option<&'a str>| match l {
            None => Value::Int(-1),
            Some(l) => match self.label_pool.iter().position(|x| *x == l) {
                Some(i) => Value::Int(i as i32),
                None => {
                    self.label_pool.push(l);
                    Value::Int(self.label_pool.len() as i32 - 1)
                }
            },
        };
        match r {
            Ok(Flow::Return(v)) => (1, *v),
            Err(Exc::Throw(v)) => (2, *v),
            Ok(Flow::Break(l)) => (3, label(*l)),
            Ok(Flow::Continue(l)) => (4, label(*l)),
            Err(Exc::GeneratorReturn) => (5, U),
            _ => (0, U),
        }
    }

    fn decode(&mut self, code: i32, v: Value) -> R<Flow<'a>> {
        let label = |it: &Self| {
            v.as_int()
                .and_then(|i| usize::try_from(i).ok())
                .map(|i| it.label_pool[i])
        };
        match code {
            1 => Ok(Flow::Return(v)),
            2 => Err(Exc::Throw(v)),
            3 => Ok(Flow::Break(label(self))),
            4 => Ok(Flow::Continue(label(self))),
            5 => Err(Exc::GeneratorReturn),
            _ => Ok(Flow::Normal),
        }
    }
}
