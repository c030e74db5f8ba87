//! Expressions: literals, names, operators, member access, calls, `new`, object and array
//! literals, templates, optional chaining.
//!
//! Every value an expression produces is an immediate or a local of the current frame.

use super::convert::{as_f64, num};
use super::object::Key;
use super::realm::tags::*;
use super::{Exc, Interp, R};
use gclab::Value;
use oxc_ast::ast::*;
use oxc_syntax::operator::{
    AssignmentOperator, BinaryOperator, LogicalOperator, UnaryOperator, UpdateOperator,
};

fn to_i32(f: f64) -> i32 {
    if !f.is_finite() {
        return 0;
    }
    (f.trunc().rem_euclid(4294967296.0) as u32) as i32
}

impl<'a> Interp<'a> {
    /// Evaluates an expression.
    pub(crate) fn eval(&mut self, e: &'a Expression<'a>) -> R<Value> {
        self.check_stack()?;
        match e {
            Expression::BooleanLiteral(b) => Ok(Value::Bool(b.value)),
            Expression::NullLiteral(_) => Ok(Value::Null),
            Expression::NumericLiteral(n) => Ok(num(n.value)),
            Expression::StringLiteral(s) => self.new_str(s.value.as_str()),
            Expression::TemplateLiteral(t) => self.template(t),
            Expression::Identifier(id) => self.lookup(id.name.as_str()),
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
            Expression::AwaitExpression(a) => self.unsupported("`await`", a.span.start),
            Expression::YieldExpression(y) => self.unsupported("`yield`", y.span.start),
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

    fn template(&mut self, t: &'a TemplateLiteral<'a>) -> R<Value> {
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

    fn array_literal(&mut self, a: &'a ArrayExpression<'a>) -> R<Value> {
        let arr = self.new_array(0, a.elements.len())?;
        for el in &a.elements {
            match el {
                ArrayExpressionElement::SpreadElement(s) => {
                    let v = self.eval(&s.argument)?;
                    for x in self.iterate(v, s.span.start)? {
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

    fn object_literal(&mut self, o: &'a ObjectExpression<'a>) -> R<Value> {
        let obj = self.new_object()?;
        for p in &o.properties {
            match p {
                ObjectPropertyKind::ObjectProperty(p) => {
                    if p.kind != PropertyKind::Init {
                        return self.unsupported("a getter or setter", p.span.start);
                    }
                    let key = self.prop_key(&p.key, p.computed)?;
                    let name = self.key_name(key);
                    let v = self.eval_named(&p.value, &name)?;
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
                            for k in self.own_keys(src)? {
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
    pub(crate) fn arguments(&mut self, args: &'a [Argument<'a>]) -> R<Vec<Value>> {
        let mut out = Vec::with_capacity(args.len());
        for a in args {
            match a {
                Argument::SpreadElement(s) => {
                    let v = self.eval(&s.argument)?;
                    out.extend(self.iterate(v, s.span.start)?);
                }
                _ => out.push(self.eval(a.to_expression())?),
            }
        }
        Ok(out)
    }

    /// `o.x` / `o[x]`; `None` when an optional link short-circuits.
    fn member(&mut self, m: &'a MemberExpression<'a>) -> R<Option<Value>> {
        let Some((obj, key)) = self.member_parts(m)? else {
            return Ok(None);
        };
        Ok(Some(self.get_prop(obj, key)?))
    }

    /// The object and key of a member expression (`super.x` reads from the home object's
    /// prototype, with `this` as receiver).
    fn member_parts(&mut self, m: &'a MemberExpression<'a>) -> R<Option<(Value, Key)>> {
        let (object, optional) = match m {
            MemberExpression::StaticMemberExpression(s) => (&s.object, s.optional),
            MemberExpression::ComputedMemberExpression(c) => (&c.object, c.optional),
            MemberExpression::PrivateFieldExpression(p) => {
                return self.unsupported("a private field", p.span.start)
            }
        };
        let obj = match object {
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
            MemberExpression::StaticMemberExpression(s) => {
                self.key_of_str(s.property.name.as_str())
            }
            MemberExpression::ComputedMemberExpression(c) => {
                let k = self.eval(&c.expression)?;
                self.to_key(k)?
            }
            MemberExpression::PrivateFieldExpression(_) => unreachable!(),
        };
        Ok(Some((obj, key)))
    }

    fn chain_value(&mut self, e: &'a Expression<'a>) -> R<Option<Value>> {
        match e {
            Expression::CallExpression(c) => self.call_expr(c),
            _ => self.eval(e).map(Some),
        }
    }

    /// The prototype `super.x` reads from.
    fn super_base(&mut self) -> R<Value> {
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
    fn describe_callee(&self, e: &Expression<'a>) -> String {
        use oxc_span::GetSpan;
        let sp = e.span();
        self.source[sp.start as usize..sp.end as usize].to_string()
    }

    /// A call; `None` when an optional link short-circuits.
    fn call_expr(&mut self, c: &'a CallExpression<'a>) -> R<Option<Value>> {
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

    fn unary(&mut self, u: &'a UnaryExpression<'a>) -> R<Value> {
        match u.operator {
            UnaryOperator::Typeof => {
                if let Expression::Identifier(id) = &u.argument {
                    let name = id.name.as_str();
                    if self.resolve(name)?.is_none() && self.heap.global(name).is_none() {
                        return self.new_str("undefined");
                    }
                }
                let v = self.eval(&u.argument)?;
                let t = self.type_of(v);
                self.new_str(t)
            }
            UnaryOperator::Delete => match &u.argument {
                Expression::StaticMemberExpression(_) | Expression::ComputedMemberExpression(_) => {
                    let Some((obj, key)) = self.member_parts(u.argument.to_member_expression())?
                    else {
                        return Ok(Value::Bool(true));
                    };
                    match obj {
                        Value::Ref(h) if !self.is_str(obj) => {
                            Ok(Value::Bool(self.delete_prop(h, key)?))
                        }
                        _ => Ok(Value::Bool(true)),
                    }
                }
                _ => Ok(Value::Bool(true)),
            },
            op => {
                let v = self.eval(&u.argument)?;
                Ok(match op {
                    UnaryOperator::LogicalNot => Value::Bool(!self.truthy(v)?),
                    UnaryOperator::UnaryNegation => match v {
                        Value::Int(i) if i != 0 && i != i32::MIN => Value::Int(-i),
                        _ => num(-self.to_number(v)?),
                    },
                    UnaryOperator::UnaryPlus => num(self.to_number(v)?),
                    UnaryOperator::BitwiseNot => Value::Int(!to_i32(self.to_number(v)?)),
                    UnaryOperator::Void => Value::Undefined,
                    _ => unreachable!(),
                })
            }
        }
    }

    fn update(&mut self, u: &'a UpdateExpression<'a>) -> R<Value> {
        let delta = if u.operator == UpdateOperator::Increment {
            1.0
        } else {
            -1.0
        };
        match &u.argument {
            SimpleAssignmentTarget::AssignmentTargetIdentifier(id) => {
                let old = self.lookup(id.name.as_str())?;
                let old = num(self.to_number(old)?);
                let new = num(as_f64(old) + delta);
                self.assign(id.name.as_str(), new)?;
                Ok(if u.prefix { new } else { old })
            }
            SimpleAssignmentTarget::StaticMemberExpression(_)
            | SimpleAssignmentTarget::ComputedMemberExpression(_) => {
                let m = u.argument.to_member_expression();
                let Some((obj, key)) = self.member_parts(m)? else {
                    return Ok(Value::Undefined);
                };
                let old = self.get_prop(obj, key)?;
                let old = num(self.to_number(old)?);
                let new = num(as_f64(old) + delta);
                self.set_prop(obj, key, new)?;
                Ok(if u.prefix { new } else { old })
            }
            _ => self.unsupported("this update target", u.span.start),
        }
    }

    fn assignment(&mut self, a: &'a AssignmentExpression<'a>) -> R<Value> {
        match &a.left {
            AssignmentTarget::AssignmentTargetIdentifier(id) => {
                let name = id.name.as_str();
                let v = match a.operator {
                    AssignmentOperator::Assign => self.eval_named(&a.right, name)?,
                    op => {
                        let old = self.lookup(name)?;
                        match self.compound(op, old, &a.right)? {
                            Ok(v) => v,
                            Err(keep) => return Ok(keep),
                        }
                    }
                };
                self.assign_at(name, v, id.span.start)?;
                Ok(v)
            }
            AssignmentTarget::StaticMemberExpression(_)
            | AssignmentTarget::ComputedMemberExpression(_) => {
                let m = a.left.to_member_expression();
                let Some((obj, key)) = self.member_parts(m)? else {
                    return Ok(Value::Undefined);
                };
                let v = match a.operator {
                    AssignmentOperator::Assign => self.eval(&a.right)?,
                    op => {
                        let old = self.get_prop(obj, key)?;
                        match self.compound(op, old, &a.right)? {
                            Ok(v) => v,
                            Err(keep) => return Ok(keep),
                        }
                    }
                };
                self.set_prop(obj, key, v)?;
                Ok(v)
            }
            AssignmentTarget::ArrayAssignmentTarget(t)
                if a.operator == AssignmentOperator::Assign =>
            {
                let v = self.eval(&a.right)?;
                let items = self.iterate(v, t.span.start)?;
                for (i, el) in t.elements.iter().enumerate() {
                    let Some(el) = el else { continue };
                    let x = items.get(i).copied().unwrap_or(Value::Undefined);
                    match el.as_assignment_target() {
                        Some(AssignmentTarget::AssignmentTargetIdentifier(id)) => {
                            self.assign(id.name.as_str(), x)?
                        }
                        _ => {
                            return self.unsupported("this destructuring assignment", t.span.start)
                        }
                    }
                }
                if t.rest.is_some() {
                    return self.unsupported("a rest element in assignment", t.span.start);
                }
                Ok(v)
            }
            _ => {
                use oxc_span::GetSpan;
                self.unsupported("this assignment target", a.left.span().start)
            }
        }
    }

    /// `old op= right`: `Ok(new)`, or `Err(old)` when a logical assignment short-circuits.
    fn compound(
        &mut self,
        op: AssignmentOperator,
        old: Value,
        right: &'a Expression<'a>,
    ) -> R<Result<Value, Value>> {
        if let Some(l) = op.to_logical_operator() {
            let keep = match l {
                LogicalOperator::Or => self.truthy(old)?,
                LogicalOperator::And => !self.truthy(old)?,
                LogicalOperator::Coalesce => !matches!(old, Value::Undefined | Value::Null),
            };
            return Ok(if keep {
                Err(old)
            } else {
                Ok(self.eval(right)?)
            });
        }
        let r = self.eval(right)?;
        let b = op.to_binary_operator().expect("compound assignment");
        Ok(Ok(self.binary(b, old, r)?))
    }

    /// A binary operator on two values.
    pub(crate) fn binary(&mut self, op: BinaryOperator, l: Value, r: Value) -> R<Value> {
        use BinaryOperator as B;
        if let (Value::Int(a), Value::Int(b)) = (l, r) {
            match op {
                B::Addition => {
                    return Ok(a
                        .checked_add(b)
                        .map_or_else(|| num(a as f64 + b as f64), Value::Int))
                }
                B::Subtraction => {
                    return Ok(a
                        .checked_sub(b)
                        .map_or_else(|| num(a as f64 - b as f64), Value::Int))
                }
                B::LessThan => return Ok(Value::Bool(a < b)),
                B::LessEqualThan => return Ok(Value::Bool(a <= b)),
                B::GreaterThan => return Ok(Value::Bool(a > b)),
                B::GreaterEqualThan => return Ok(Value::Bool(a >= b)),
                B::StrictEquality | B::Equality => return Ok(Value::Bool(a == b)),
                B::StrictInequality | B::Inequality => return Ok(Value::Bool(a != b)),
                _ => {}
            }
        }
        Ok(match op {
            B::Addition => {
                let (pl, pr) = (self.to_primitive(l)?, self.to_primitive(r)?);
                if self.is_str(pl) || self.is_str(pr) {
                    let s = self.to_str(pl)? + &self.to_str(pr)?;
                    self.new_str(&s)?
                } else {
                    num(self.to_number(pl)? + self.to_number(pr)?)
                }
            }
            B::Subtraction => num(self.to_number(l)? - self.to_number(r)?),
            B::Multiplication => num(self.to_number(l)? * self.to_number(r)?),
            B::Division => num(self.to_number(l)? / self.to_number(r)?),
            B::Remainder => num(self.to_number(l)? % self.to_number(r)?),
            B::Exponential => num(self.to_number(l)?.powf(self.to_number(r)?)),
            B::StrictEquality => Value::Bool(self.strict_equals(l, r)?),
            B::StrictInequality => Value::Bool(!self.strict_equals(l, r)?),
            B::Equality => Value::Bool(self.loose_equals(l, r)?),
            B::Inequality => Value::Bool(!self.loose_equals(l, r)?),
            B::LessThan | B::LessEqualThan | B::GreaterThan | B::GreaterEqualThan => {
                let (pl, pr) = (self.to_primitive(l)?, self.to_primitive(r)?);
                let ord = if self.is_str(pl) && self.is_str(pr) {
                    let (a, b) = (self.to_str(pl)?, self.to_str(pr)?);
                    Some(a.encode_utf16().cmp(b.encode_utf16()))
                } else {
                    self.to_number(pl)?.partial_cmp(&self.to_number(pr)?)
                };
                use std::cmp::Ordering::*;
                Value::Bool(match (op, ord) {
                    (_, None) => false,
                    (B::LessThan, Some(o)) => o == Less,
                    (B::LessEqualThan, Some(o)) => o != Greater,
                    (B::GreaterThan, Some(o)) => o == Greater,
                    (_, Some(o)) => o != Less,
                })
            }
            B::BitwiseAnd => Value::Int(to_i32(self.to_number(l)?) & to_i32(self.to_number(r)?)),
            B::BitwiseOR => Value::Int(to_i32(self.to_number(l)?) | to_i32(self.to_number(r)?)),
            B::BitwiseXOR => Value::Int(to_i32(self.to_number(l)?) ^ to_i32(self.to_number(r)?)),
            B::ShiftLeft => Value::Int(
                to_i32(self.to_number(l)?).wrapping_shl(to_i32(self.to_number(r)?) as u32 & 31),
            ),
            B::ShiftRight => {
                Value::Int(to_i32(self.to_number(l)?) >> (to_i32(self.to_number(r)?) as u32 & 31))
            }
            B::ShiftRightZeroFill => num(((to_i32(self.to_number(l)?) as u32)
                >> (to_i32(self.to_number(r)?) as u32 & 31))
                as f64),
            B::In => {
                let Value::Ref(o) = r else {
                    return Err(self.throw_type(
                        "Cannot use 'in' operator to search for a key in a primitive",
                    )?);
                };
                let k = self.to_key(l)?;
                Value::Bool(self.has_prop(o, k)?)
            }
            B::Instanceof => Value::Bool(self.instance_of(l, r)?),
        })
    }

    /// The values `for…of` and spread iterate over: arrays, strings, maps (entries), sets.
    pub(crate) fn iterate(&mut self, v: Value, at: u32) -> R<Vec<Value>> {
        match self.tag(v) {
            Some(ARRAY) => {
                let Value::Ref(h) = v else { unreachable!() };
                self.array_items(h)
            }
            Some(STRING) => {
                let s = self.to_str(v)?;
                let mut out = Vec::new();
                for c in s.chars() {
                    out.push(self.new_str(&c.to_string())?);
                }
                Ok(out)
            }
            Some(MAP) | Some(SET) => {
                let Value::Ref(h) = v else { unreachable!() };
                self.collection_items(h)
            }
            _ => {
                if matches!(v, Value::Ref(_)) {
                    return Err(Exc::Unsupported(format!(
                        "{}: iterating over this object (custom iterators) is not supported by the gclab interpreter",
                        self.loc(at)
                    )));
                }
                let t = self.to_str(v)?;
                Err(self.throw_type(&format!("{t} is not iterable"))?)
            }
        }
    }
}
