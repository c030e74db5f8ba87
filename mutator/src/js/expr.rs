//! Expressions: literals, names, operators, member access, calls, `new`, object and array
//! literals, templates, optional chaining.
//!
//! Every value an expression produces is an immediate or a local of the current frame.

use super::builtins::iterator::Site;
use super::convert::num;
use super::object::Key;
use super::realm::tags::*;
use super::tables::Args;
use super::{Interp, R};
use gclab::Value;
use oxc_ast::ast::*;
use oxc_span::GetSpan;
use oxc_syntax::operator::LogicalOperator;

impl<'a> Interp<'a> {
    /// Evaluates an expression.
    pub(crate) fn eval(&mut self, e: &'a Expression<'a>) -> R<Value> {
        // Leaves first: they nest nothing, so they need no stack check.
        match e {
            Expression::Identifier(id) => return self.lookup_ident(id),
            Expression::ThisExpression(_) => return Ok(self.this),
            Expression::NumericLiteral(n) => return Ok(num(n.value)),
            Expression::NullLiteral(_) => return Ok(Value::Null),
            // `name.prop` and `this.prop`: no chain to short-circuit, nothing nested.
            Expression::StaticMemberExpression(s) if !s.optional => {
                let obj = match &s.object {
                    Expression::Identifier(id) => Some(self.lookup_ident(id)?),
                    Expression::ThisExpression(_) => Some(self.this),
                    _ => None,
                };
                if let Some(obj) = obj {
                    let key = self.static_key(&s.property);
                    return self.get_prop(obj, key);
                }
            }
            _ => {}
        }
        self.check_stack()?;
        match e {
            Expression::BooleanLiteral(b) => Ok(Value::Bool(b.value)),
            Expression::NullLiteral(_) => Ok(Value::Null),
            Expression::NumericLiteral(n) => Ok(num(n.value)),
            Expression::StringLiteral(s) => self.new_str(s.value.as_str()),
            Expression::TemplateLiteral(t) => self.template(t),
            Expression::Identifier(id) => self.lookup_ident(id),
            Expression::ThisExpression(_) => Ok(self.this),
            Expression::ParenthesizedExpression(p) => self.eval(&p.expression),
            Expression::SequenceExpression(s) => {
                let mut v = Value::Undefined;
                for x in &s.expressions {
                    v = self.eval(x)?;
                }
                Ok(v)
            }
            Expression::ArrayExpression(a) => self.array_literal(a),
            Expression::ObjectExpression(o) => self.object_literal(o),
            Expression::FunctionExpression(f) => self.make_function(f),
            Expression::ArrowFunctionExpression(a) => self.make_arrow(a, ""),
            Expression::ClassExpression(c) => self.make_class(c),
            Expression::AssignmentExpression(a) => self.assignment(a),
            Expression::BinaryExpression(b) => {
                let l = self.eval(&b.left)?;
                let r = self.eval(&b.right)?;
                self.binary(b.operator, l, r)
            }
            Expression::LogicalExpression(l) => {
                let a = self.eval(&l.left)?;
                let short = match l.operator {
                    LogicalOperator::Or => self.truthy(a)?,
                    LogicalOperator::And => !self.truthy(a)?,
                    LogicalOperator::Coalesce => !matches!(a, Value::Undefined | Value::Null),
                };
                if short {
                    Ok(a)
                } else {
                    self.eval(&l.right)
                }
            }
            Expression::ConditionalExpression(c) => {
                let t = self.eval(&c.test)?;
                if self.truthy(t)? {
                    self.eval(&c.consequent)
                } else {
                    self.eval(&c.alternate)
                }
            }
            Expression::UnaryExpression(u) => self.unary(u),
            Expression::UpdateExpression(u) => self.update(u),
            Expression::CallExpression(c) => Ok(self.call_expr(c)?.unwrap_or(Value::Undefined)),
            Expression::NewExpression(n) => {
                let f = self.eval(&n.callee)?;
                let args = self.arguments(&n.arguments)?;
                if !self.is_callable(f) {
                    let what = self.describe_callee(&n.callee);
                    return Err(self.throw_type(&format!("{what} is not a constructor"))?);
                }
                self.call_site = n.span.start;
                self.construct(f, &args, n.span.start)
            }
            Expression::StaticMemberExpression(_) | Expression::ComputedMemberExpression(_) => {
                Ok(self
                    .member(e.to_member_expression())?
                    .unwrap_or(Value::Undefined))
            }
            Expression::ChainExpression(c) => {
                let r = match &c.expression {
                    ChainElement::CallExpression(call) => self.call_expr(call)?,
                    ChainElement::StaticMemberExpression(_)
                    | ChainElement::ComputedMemberExpression(_) => {
                        self.member(c.expression.to_member_expression())?
                    }
                    _ => return self.unsupported("this optional chain", c.span.start),
                };
                Ok(r.unwrap_or(Value::Undefined))
            }
            Expression::AwaitExpression(a) => self.unsupported(
                "`await` inside an expression (an async function awaits as a whole expression \
                 statement, a variable initializer, an assignment's right side, a return or \
                 throw argument, a direct argument of such a call, `x op= await e`, an if/while/do-while/for test or a for-of \
                 iterable)",
                a.span.start,
            ),
            Expression::YieldExpression(y) if y.delegate => self.unsupported("`yield*`", y.span.start),
            Expression::YieldExpression(y) => self.unsupported(
                "`yield` inside an expression (a generator yields where an async function can \
                 await)",
                y.span.start,
            ),
            Expression::RegExpLiteral(r) => self.unsupported("a regular expression", r.span.start),
            Expression::BigIntLiteral(b) => self.unsupported("a BigInt", b.span.start),
            Expression::TaggedTemplateExpression(t) => {
                self.unsupported("a tagged template", t.span.start)
            }
            Expression::PrivateFieldExpression(p) => {
                self.unsupported("a private field", p.span.start)
            }
            Expression::Super(s) => self.unsupported("`super` here", s.span.start),
            Expression::NewTarget(n) => self.unsupported("`new.target`", n.span.start),
            Expression::ImportMeta(m) => self.unsupported("`import.meta`", m.span.start),
            Expression::ImportExpression(i) => self.unsupported("`import()`", i.span.start),
            other => {
                use oxc_span::GetSpan;
                self.unsupported("this expression", other.span().start)
            }
        }
    }

    /// Evaluates `e`, naming an anonymous function or class `name` (`const f = () => …`).
    pub(crate) fn eval_named(&mut self, e: &'a Expression<'a>, name: &str) -> R<Value> {
        match e {
            Expression::ArrowFunctionExpression(a) => self.make_arrow(a, name),
            Expression::FunctionExpression(f) if f.id.is_none() && !f.r#async && !f.generator => {
                let id_name = name.to_string();
                let v = self.make_function(f)?;
                if let Some(id) = self.func_of(v) {
                    if self.funcs[id as usize].name.is_empty() {
                        self.funcs[id as usize].name = id_name.into();
                    }
                }
                Ok(v)
            }
            _ => self.eval(e),
        }
    }

    pub(crate) fn template(&mut self, t: &'a TemplateLiteral<'a>) -> R<Value> {
        let mut s = String::new();
        for (i, q) in t.quasis.iter().enumerate() {
            match &q.value.cooked {
                Some(c) => s.push_str(c.as_str()),
                None => s.push_str(q.value.raw.as_str()),
            }
            if let Some(x) = t.expressions.get(i) {
                let v = self.eval(x)?;
                s.push_str(&self.to_str(v)?);
            }
        }
        self.new_str(&s)
    }

    /// The property key of an object-literal or class member key.
    pub(crate) fn prop_key(&mut self, k: &'a PropertyKey<'a>, computed: bool) -> R<Key> {
        if !computed {
            if let Some(name) = k.static_name() {
                return Ok(self.key_of_str(&name));
            }
        }
        match k.as_expression() {
            Some(e) => {
                let v = self.eval(e)?;
                self.to_key(v)
            }
            None => {
                use oxc_span::GetSpan;
                self.unsupported("a private name", k.span().start)
            }
        }
    }

    pub(crate) fn array_literal(&mut self, a: &'a ArrayExpression<'a>) -> R<Value> {
        let arr = self.new_array(0, a.elements.len())?;
        for el in &a.elements {
            match el {
                ArrayExpressionElement::SpreadElement(s) => {
                    let v = self.eval(&s.argument)?;
                    for x in self.iterate(v, Site::Expr(s.argument.span()))? {
                        self.array_push(arr, x)?;
                    }
                }
                ArrayExpressionElement::Elision(_) => self.array_push(arr, Value::Undefined)?,
                _ => {
                    let v = self.eval(el.to_expression())?;
                    self.array_push(arr, v)?;
                }
            }
        }
        Ok(Value::Ref(arr))
    }

    pub(crate) fn object_literal(&mut self, o: &'a ObjectExpression<'a>) -> R<Value> {
        let obj = self.new_object()?;
        for p in &o.properties {
            match p {
                ObjectPropertyKind::ObjectProperty(p) => {
                    let key = self.prop_key(&p.key, p.computed)?;
                    let name = self.fn_name_of_key(key);
                    let v = match p.kind {
                        PropertyKind::Init => self.eval_named(&p.value, &name)?,
                        PropertyKind::Get => self.eval_named(&p.value, &format!("get {name}"))?,
                        PropertyKind::Set => self.eval_named(&p.value, &format!("set {name}"))?,
                    };
                    if p.kind != PropertyKind::Init {
                        let setter = p.kind == PropertyKind::Set;
                        self.define_accessor_half(obj, key, v, setter, true)?;
                        continue;
                    }
                    if p.method {
                        if let Value::Ref(f) = v {
                            self.heap.set(f, FN_HOME, obj)?;
                        }
                    }
                    self.set_prop(Value::Ref(obj), key, v)?;
                }
                ObjectPropertyKind::SpreadProperty(s) => {
                    let v = self.eval(&s.argument)?;
                    if let Value::Ref(src) = v {
                        if !self.is_str(v) {
                            let mut keys = self.own_keys(src)?;
                            keys.extend(self.own_symbol_keys(src)?);
                            for k in keys {
                                let x = self.get_prop(v, k)?;
                                self.set_prop(Value::Ref(obj), k, x)?;
                            }
                        }
                    }
                }
            }
        }
        Ok(Value::Ref(obj))
    }

    /// Evaluates call arguments (with spread).
    pub(crate) fn arguments(&mut self, args: &'a [Argument<'a>]) -> R<Args> {
        let mut out = Args::new();
        for a in args {
            match a {
                Argument::SpreadElement(s) => {
                    let v = self.eval(&s.argument)?;
                    for x in self.iterate(v, Site::CallSpread)? {
                        out.push(x);
                    }
                }
                _ => out.push(self.eval(a.to_expression())?),
            }
        }
        Ok(out)
    }

    /// `o.x` / `o[x]`; `None` when an optional link short-circuits.
    pub(crate) fn member(&mut self, m: &'a MemberExpression<'a>) -> R<Option<Value>> {
        let Some((obj, key)) = self.member_parts(m)? else {
            return Ok(None);
        };
        if self.lang.cells && matches!(m.object(), Expression::Super(_)) {
            // A getter reached through `super` runs on `this`.
            return self.get_prop_for(obj, key, self.this).map(Some);
        }
        Ok(Some(self.get_prop(obj, key)?))
    }

    /// The object and key of a member expression (`super.x` reads from the home object's
    /// prototype, with `this` as receiver).
    pub(crate) fn member_parts(&mut self, m: &'a MemberExpression<'a>) -> R<Option<(Value, Key)>> {
        let (object, optional) = match m {
            MemberExpression::StaticMemberExpression(s) => (&s.object, s.optional),
            MemberExpression::ComputedMemberExpression(c) => (&c.object, c.optional),
            MemberExpression::PrivateFieldExpression(p) => {
                return self.unsupported("a private field", p.span.start)
            }
        };
        let obj = match object {
            Expression::Identifier(id) => self.lookup_ident(id)?,
            Expression::ThisExpression(_) => self.this,
            Expression::Super(_) => self.super_base()?,
            Expression::ChainExpression(_) | Expression::CallExpression(_) => {
                match self.chain_value(object)? {
                    Some(v) => v,
                    None => return Ok(None),
                }
            }
            Expression::StaticMemberExpression(_) | Expression::ComputedMemberExpression(_) => {
                match self.member(object.to_member_expression())? {
                    Some(v) => v,
                    None => return Ok(None),
                }
            }
            _ => self.eval(object)?,
        };
        if optional && matches!(obj, Value::Undefined | Value::Null) {
            return Ok(None);
        }
        let key = match m {
            MemberExpression::StaticMemberExpression(s) => self.static_key(&s.property),
            MemberExpression::ComputedMemberExpression(c) => {
                let k = self.eval(&c.expression)?;
                self.to_key(k)?
            }
            MemberExpression::PrivateFieldExpression(_) => unreachable!(),
        };
        Ok(Some((obj, key)))
    }

    pub(crate) fn chain_value(&mut self, e: &'a Expression<'a>) -> R<Option<Value>> {
        match e {
            Expression::CallExpression(c) => self.call_expr(c),
            _ => self.eval(e).map(Some),
        }
    }

    /// The prototype `super.x` reads from.
    pub(crate) fn super_base(&mut self) -> R<Value> {
        let home = match self.callee {
            Some(c) => self.heap.get(c, FN_HOME)?,
            None => Value::Undefined,
        };
        match home {
            Value::Ref(h) => Ok(self.heap.get(h, PROTO)?),
            _ => Err(self.throw_type("'super' keyword unexpected here")?),
        }
    }

    /// A readable name for a callee in error messages (`obj.method`).
    pub(crate) fn describe_callee(&self, e: &Expression<'a>) -> String {
        use oxc_span::GetSpan;
        let sp = e.span();
        self.source[sp.start as usize..sp.end as usize].to_string()
    }

    /// A call; `None` when an optional link short-circuits.
    pub(crate) fn call_expr(&mut self, c: &'a CallExpression<'a>) -> R<Option<Value>> {
        let (f, this) = match &c.callee {
            Expression::Super(_) => {
                let args = self.arguments(&c.arguments)?;
                return self.super_call(&args).map(Some);
            }
            Expression::StaticMemberExpression(_) | Expression::ComputedMemberExpression(_) => {
                let Some((obj, key)) = self.member_parts(c.callee.to_member_expression())? else {
                    return Ok(None);
                };
                let this = match c.callee.to_member_expression().object() {
                    Expression::Super(_) => self.this,
                    _ => obj,
                };
                (self.get_prop(obj, key)?, this)
            }
            other => match self.chain_value(other)? {
                Some(f) => (f, Value::Undefined),
                None => return Ok(None),
            },
        };
        if c.optional && matches!(f, Value::Undefined | Value::Null) {
            return Ok(None);
        }
        let args = self.arguments(&c.arguments)?;
        if !self.is_callable(f) {
            let what = self.describe_callee(&c.callee);
            return Err(self.throw_type(&format!("{what} is not a function"))?);
        }
        self.call_site = c.span.start;
        self.call(f, this, &args).map(Some)
    }
}
