//! Operators: unary (`typeof`, `delete`, `!`, `-`, `~`, `void`), update (`++`, `--`),
//! assignment (plain, compound and logical, to names, members and patterns) and the binary
//! operators with JavaScript's conversions.
//!
//! Every value an operator produces is an immediate or a local of the current frame.

use super::convert::{as_f64, num};
use super::{Interp, R};
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
    pub(crate) fn unary(&mut self, u: &'a UnaryExpression<'a>) -> R<Value> {
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

    pub(crate) fn update(&mut self, u: &'a UpdateExpression<'a>) -> R<Value> {
        let delta = if u.operator == UpdateOperator::Increment {
            1.0
        } else {
            -1.0
        };
        match &u.argument {
            SimpleAssignmentTarget::AssignmentTargetIdentifier(id) => {
                let old = self.lookup_ident(id)?;
                let old = num(self.to_number(old)?);
                let new = num(as_f64(old) + delta);
                self.assign_ident(id, new)?;
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

    pub(crate) fn assignment(&mut self, a: &'a AssignmentExpression<'a>) -> R<Value> {
        match &a.left {
            AssignmentTarget::AssignmentTargetIdentifier(id) => {
                let name = id.name.as_str();
                let v = match a.operator {
                    AssignmentOperator::Assign => self.eval_named(&a.right, name)?,
                    op => {
                        let old = self.lookup_ident(id)?;
                        match self.compound(op, old, &a.right)? {
                            Ok(v) => v,
                            Err(keep) => return Ok(keep),
                        }
                    }
                };
                self.assign_ident(id, v)?;
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
                let n = t.rest.is_none().then_some(t.elements.len());
                let items = self.pattern_items(v, n)?;
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
    pub(crate) fn compound(
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
}
