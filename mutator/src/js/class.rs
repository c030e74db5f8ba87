//! `new` and classes: construction of functions and classes (`extends`, `super(...)`,
//! fields, static members), and `instanceof`.
//!
//! Invariant: as for every call, a constructor saves the interpreter's `env`, `this` and
//! `callee` and restores them before its frame is popped.

use super::object::{atom, Key};
use super::realm::tags::*;
use super::realm::Code;
use super::{Interp, R};
use gclab::{Handle, Value};
use oxc_ast::ast::*;

impl<'a> Interp<'a> {
    /// `new f(...args)`.
    pub(crate) fn construct(&mut self, f: Value, args: &[Value], at: u32) -> R<Value> {
        let Value::Ref(fh) = f else {
            return Err(self.throw_type("value is not a constructor")?);
        };
        let tag = self.tag_of(fh)?;
        // An own `prototype` (every constructor after its first `new`) is what `get_prop`
        // would find first.
        let proto = match self.get_own(fh, atom::PROTOTYPE)? {
            Some(p) => p,
            None => self.get_prop(f, Key::Atom(atom::PROTOTYPE))?,
        };
        let proto = if matches!(proto, Value::Ref(_)) {
            proto
        } else {
            Value::Ref(self.intr().object_proto.handle())
        };
        let this = Value::Ref(self.new_object_with(OBJECT, 3, proto)?);
        if tag == NATIVE {
            let r = self.call(f, this, args)?;
            return Ok(if matches!(r, Value::Ref(_)) { r } else { this });
        }
        let Some(&id) = self.func_of_tag.get(&tag) else {
            return Err(self.throw_type("value is not a constructor")?);
        };
        match self.funcs[id as usize].code {
            Code::Arrow(_) => {
                let _ = at;
                Err(self.throw_type("arrow function is not a constructor")?)
            }
            Code::Function(_) => {
                let r = self.call_closure(fh, id, this, args)?;
                Ok(if matches!(r, Value::Ref(_)) && !self.is_str(r) {
                    r
                } else {
                    this
                })
            }
            Code::Class(_) => self.construct_class(fh, id, this, args),
        }
    }

    /// Runs a class constructor on `this`: fields and body; returns the final `this` (a
    /// native base class may replace it in `super()`).
    pub(crate) fn construct_class(
        &mut self,
        fh: Handle,
        id: i32,
        this: Value,
        args: &[Value],
    ) -> R<Value> {
        self.in_call_frame(id, |it| it.run_class_ctor(fh, id, this, args))
    }

    pub(crate) fn run_class_ctor(
        &mut self,
        fh: Handle,
        id: i32,
        this: Value,
        args: &[Value],
    ) -> R<Value> {
        let Code::Class(class) = self.funcs[id as usize].code else {
            unreachable!()
        };
        let layout = std::rc::Rc::clone(&self.funcs[id as usize].layout);
        self.env = self.heap.get(fh, FN_ENV)?;
        self.callee = Some(self.heap.local(fh)?);
        self.this = this;
        self.push_env(&layout)?;
        let derived = class.heritage.is_some();
        match class_constructor(class) {
            Some(ctor) => {
                if !derived {
                    self.init_fields(class)?;
                }
                self.bind_params(&ctor.params, args)?;
                let body = ctor.body.as_ref().map_or(&[][..], |b| &b.statements[..]);
                self.enter_tdz()?;
                let r = self.run_body(body)?;
                if matches!(r, Value::Ref(_)) {
                    return Ok(r);
                }
            }
            None => {
                if derived {
                    self.super_call(args)?;
                } else {
                    self.init_fields(class)?;
                }
            }
        }
        Ok(self.this)
    }

    /// `super(...args)` inside a derived constructor.
    pub(crate) fn super_call(&mut self, args: &[Value]) -> R<Value> {
        let Some(callee) = self.callee else {
            return Err(self.throw_type("'super' keyword unexpected here")?);
        };
        let parent = self.heap.get(callee, PROTO)?;
        let Value::Ref(ph) = parent else {
            return Err(self.throw_type("Super constructor is not a constructor")?);
        };
        let this = self.this;
        let tag = self.tag_of(ph)?;
        let result = if tag == NATIVE {
            let r = self.call(parent, this, args)?;
            if matches!(r, Value::Ref(_)) {
                r
            } else {
                this
            }
        } else {
            match self.func_of_tag.get(&tag).copied() {
                Some(pid) if matches!(self.funcs[pid as usize].code, Code::Class(_)) => {
                    self.construct_class(ph, pid, this, args)?
                }
                Some(pid) => {
                    self.call_closure(ph, pid, this, args)?;
                    this
                }
                None => return Err(self.throw_type("Super constructor is not a constructor")?),
            }
        };
        self.this = result;
        let id = self
            .func_of(Value::Ref(callee))
            .expect("callee is a closure");
        if let Code::Class(class) = self.funcs[id as usize].code {
            self.init_fields(class)?;
        }
        Ok(Value::Undefined)
    }

    /// Instance fields of `class` on `self.this`.
    pub(crate) fn init_fields(&mut self, class: &'a Class<'a>) -> R<()> {
        for e in &class.body.body {
            if let ClassElement::PropertyDefinition(p) = e {
                if p.r#static {
                    continue;
                }
                let key = self.prop_key(&p.key, p.computed)?;
                let v = match &p.value {
                    Some(x) => self.eval(x)?,
                    None => Value::Undefined,
                };
                self.set_prop(self.this, key, v)?;
            }
        }
        Ok(())
    }

    /// `class Name extends Base { … }`: the constructor function, with its prototype, methods
    /// and static members.
    pub(crate) fn make_class(&mut self, class: &'a Class<'a>) -> R<Value> {
        let name = class.id.as_ref().map_or("", |i| i.name.as_str());
        let parent = match &class.heritage {
            Some(h) => Some(self.eval(&h.expression)?),
            None => None,
        };
        let ctor = self.closure(class.span.start, Code::Class(class), name)?;
        let proto = self.new_object()?;
        self.set_own(proto, atom::CONSTRUCTOR, Value::Ref(ctor))?;
        self.set_own(ctor, atom::PROTOTYPE, Value::Ref(proto))?;
        self.heap.set(ctor, FN_HOME, proto)?;
        if let Some(p) = parent {
            if p == Value::Null {
                self.heap.set(proto, PROTO, Value::Null)?;
            } else {
                if !self.is_callable(p) {
                    return Err(
                        self.throw_type("Class extends value is not a constructor or null")?
                    );
                }
                let pp = self.get_prop(p, Key::Atom(atom::PROTOTYPE))?;
                self.heap.set(proto, PROTO, pp)?;
                self.heap.set(ctor, PROTO, p)?;
            }
        }
        for e in &class.body.body {
            match e {
                ClassElement::MethodDefinition(m) => {
                    if m.kind == MethodDefinitionKind::Constructor {
                        continue;
                    }
                    let key = self.prop_key(&m.key, m.computed)?;
                    let mut mname = self.fn_name_of_key(key).to_string();
                    match m.kind {
                        MethodDefinitionKind::Get => mname = format!("get {mname}"),
                        MethodDefinitionKind::Set => mname = format!("set {mname}"),
                        _ => {}
                    }
                    let f = self.closure(m.value.span.start, Code::Function(&m.value), &mname)?;
                    let home = if m.r#static { ctor } else { proto };
                    self.heap.set(f, FN_HOME, home)?;
                    if m.kind != MethodDefinitionKind::Method {
                        let setter = m.kind == MethodDefinitionKind::Set;
                        self.define_accessor_half(home, key, Value::Ref(f), setter, false)?;
                        continue;
                    }
                    self.set_prop(Value::Ref(home), key, Value::Ref(f))?;
                }
                ClassElement::PropertyDefinition(p) if p.r#static => {
                    let key = self.prop_key(&p.key, p.computed)?;
                    let saved = self.this;
                    self.this = Value::Ref(ctor);
                    let v = match &p.value {
                        Some(x) => self.eval(x),
                        None => Ok(Value::Undefined),
                    };
                    self.this = saved;
                    self.set_prop(Value::Ref(ctor), key, v?)?;
                }
                ClassElement::PropertyDefinition(_) => {}
                ClassElement::StaticBlock(s) => {
                    return self.unsupported("a static block", s.span.start)
                }
                _ => return self.unsupported("this class member", class.span.start),
            }
        }
        Ok(Value::Ref(ctor))
    }

    /// `v instanceof f`.
    pub(crate) fn instance_of(&mut self, v: Value, f: Value) -> R<bool> {
        if !self.is_callable(f) {
            return Err(self.throw_type("Right-hand side of 'instanceof' is not callable")?);
        }
        let Value::Ref(o) = v else { return Ok(false) };
        if self.is_str(v) {
            return Ok(false);
        }
        let p = self.get_prop(f, Key::Atom(atom::PROTOTYPE))?;
        let Value::Ref(p) = p else { return Ok(false) };
        let mut cur = self.proto_of(o)?;
        while let Some(c) = cur {
            if self.heap.same_object(c, p)? {
                return Ok(true);
            }
            cur = self.proto_of(c)?;
        }
        Ok(false)
    }
}

/// The explicit constructor of a class, if any.
pub(crate) fn class_constructor<'a>(c: &'a Class<'a>) -> Option<&'a Function<'a>> {
    c.body.body.iter().find_map(|e| match e {
        ClassElement::MethodDefinition(m) if m.kind == MethodDefinitionKind::Constructor => {
            Some(&*m.value)
        }
        _ => None,
    })
}
