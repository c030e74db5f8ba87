//! Functions: closure creation, calls (each in a heap frame labelled with the function and
//! its location) and binding patterns; `new` and classes are in [`super::class`].
//!
//! Invariant: a call saves the interpreter's `env`, `this`, `callee` and frame-slot call
//! (`frame`, and the length of `slots`), and restores them before its frame is popped, so
//! they always name locals of live frames.

use super::capture::{captures_nothing, expr_captures_nothing};
use super::class::class_constructor;
use super::frame::frame_init;
use super::object::atom;
use super::realm::tags::*;
use super::realm::{Code, FuncInfo};
use super::scope::Layout;
use super::scope::{function_scope_names, tdz_names};
use super::{Exc, Flow, Interp, R};
use gclab::{Frame, Handle, Value};
use oxc_ast::ast::*;
use std::rc::Rc;

impl<'a> Interp<'a> {
    /// Registers a function literal (once) and returns its index.
    pub(crate) fn func_id(&mut self, start: u32, code: Code<'a>, name: &str) -> i32 {
        let key = code.key();
        if let Some(&id) = self.func_ids.get(&key) {
            return id;
        }
        let loc = self.loc_line(start);
        let (type_name, label) = if name.is_empty() {
            (format!("closure ({loc})"), format!("(anonymous) ({loc})"))
        } else {
            (format!("closure {name} ({loc})"), format!("{name} ({loc})"))
        };
        let (params, body): (Option<&'a FormalParameters<'a>>, &'a [Statement<'a>]) = match code {
            Code::Function(f) => (
                Some(&f.params),
                f.body.as_ref().map_or(&[][..], |b| &b.statements[..]),
            ),
            Code::Arrow(a) => (Some(&a.params), arrow_statements(a)),
            Code::Class(c) => match class_constructor(c) {
                Some(f) => (
                    Some(&f.params),
                    f.body.as_ref().map_or(&[][..], |b| &b.statements[..]),
                ),
                None => (None, &[][..]),
            },
        };
        let layout = self.layout_scoped(
            (key as u64) << 3 | 2,
            || function_scope_names(params, body),
            |out| tdz_names(body, out),
            "context",
        );
        let param_slots = params.and_then(|p| simple_param_slots(p, &layout));
        let frame_slots = match code {
            Code::Function(f) => !f.generator && !f.r#async && f.body.is_some(),
            Code::Arrow(a) => {
                !a.r#async && a.body.as_expression().is_none_or(expr_captures_nothing)
            }
            Code::Class(_) => false,
        } && captures_nothing(body);
        let frame_init = match &param_slots {
            Some(params) if frame_slots => Some(frame_init(&layout, params)),
            _ => None,
        };
        let tag = self.fresh_tag();
        self.heap.register_type(
            tag,
            &type_name,
            &[
                "__proto__",
                "properties",
                "count",
                "context",
                "code",
                "this",
                "home",
            ],
        );
        let id = self.funcs.len() as i32;
        self.funcs.push(FuncInfo {
            code,
            name: name.into(),
            label: super::tables::static_label(&label),
            tag,
            layout,
            param_slots,
            hoists: body
                .iter()
                .any(|s| matches!(s, Statement::FunctionDeclaration(_))),
            frame_init,
        });
        self.func_ids.insert(key, id);
        self.func_of_tag.insert(tag, id);
        id
    }

    /// A closure over the current environment.
    pub(crate) fn closure(&mut self, start: u32, code: Code<'a>, name: &str) -> R<Handle> {
        let id = self.func_id(start, code, name);
        let tag = self.funcs[id as usize].tag;
        let fp = self.intr().function_proto.handle();
        let f = self.new_object_with(tag, FN_SLOTS, Value::Ref(fp))?;
        self.heap.set(f, FN_ENV, self.env)?;
        self.heap.set(f, FN_CODE, Value::Int(id))?;
        if let Code::Arrow(_) = code {
            self.heap.set(f, FN_THIS, self.this)?;
            if let Some(c) = self.callee {
                let home = self.heap.get(c, FN_HOME)?;
                self.heap.set(f, FN_HOME, home)?;
            }
        }
        Ok(f)
    }

    /// `function name(…) {…}` (declaration or expression).
    pub(crate) fn make_function(&mut self, f: &'a Function<'a>) -> R<Value> {
        if f.generator && f.r#async {
            return self.unsupported("an async generator function", f.span.start);
        }
        let name = f.id.as_ref().map_or("", |id| id.name.as_str());
        Ok(Value::Ref(self.closure(
            f.span.start,
            Code::Function(f),
            name,
        )?))
    }

    /// `(…) => …`.
    pub(crate) fn make_arrow(
        &mut self,
        a: &'a ArrowFunctionExpression<'a>,
        name: &str,
    ) -> R<Value> {
        Ok(Value::Ref(self.closure(
            a.span.start,
            Code::Arrow(a),
            name,
        )?))
    }

    /// The function info of a closure value.
    pub(crate) fn func_of(&self, v: Value) -> Option<i32> {
        match v {
            Value::Ref(h) => self.func_of_tag.get(&self.tag_of(h).ok()?).copied(),
            _ => None,
        }
    }

    /// Whether `v` can be called.
    #[inline]
    pub(crate) fn is_callable(&self, v: Value) -> bool {
        match v {
            Value::Ref(h) => match self.tag_of(h) {
                Ok(NATIVE) => true,
                Ok(t) => self.func_of_tag.contains_key(&t),
                Err(_) => false,
            },
            _ => false,
        }
    }

    /// Whether `h` is a function usable with `new` (a non-arrow closure or a class).
    pub(crate) fn is_constructor(&self, h: Handle) -> R<bool> {
        let t = self.tag_of(h)?;
        Ok(match self.func_of_tag.get(&t) {
            Some(&id) => !matches!(self.funcs[id as usize].code, Code::Arrow(_)),
            None => false,
        })
    }

    /// Creates `f.prototype` on first use (with `constructor` pointing back).
    pub(crate) fn make_prototype(&mut self, f: Handle) -> R<Handle> {
        let p = self.new_object()?;
        self.set_own(p, atom::CONSTRUCTOR, Value::Ref(f))?;
        self.set_own(f, atom::PROTOTYPE, Value::Ref(p))?;
        Ok(p)
    }

    /// The name of a function value (`""` if anonymous).
    pub(crate) fn function_name(&mut self, v: Value) -> R<String> {
        if let Some(id) = self.func_of(v) {
            return Ok(self.funcs[id as usize].name.to_string());
        }
        if let Value::Ref(h) = v {
            if self.tag_of(h)? == NATIVE {
                let id = self.heap.get(h, 3)?.as_int().unwrap_or(0);
                return Ok(self.natives[id as usize]
                    .0
                    .rsplit('.')
                    .next()
                    .unwrap_or("")
                    .to_string());
            }
        }
        Ok(String::new())
    }

    /// Calls `f` with `this` and `args`.
    pub(crate) fn call(&mut self, f: Value, this: Value, args: &[Value]) -> R<Value> {
        let Value::Ref(fh) = f else {
            let s = self.type_of(f);
            return Err(self.throw_type(&format!("{s} is not a function"))?);
        };
        let tag = self.tag_of(fh)?;
        if tag == NATIVE {
            let id = self.heap.get(fh, 3)?.as_int().unwrap_or(0) as usize;
            let native = self.natives[id].1;
            // Natives count as calls: a native that calls back into JavaScript (ToPrimitive,
            // `forEach`) must not recurse without bound either.
            self.check_depth()?;
            self.depth += 1;
            let r = self.in_frame_static("(native)", |it| native(it, this, args, fh));
            self.depth -= 1;
            return r;
        }
        let Some(&id) = self.func_of_tag.get(&tag) else {
            return Err(self.throw_type("object is not a function")?);
        };
        if let Code::Class(c) = self.funcs[id as usize].code {
            let name = c.id.as_ref().map_or("anonymous", |i| i.name.as_str());
            return Err(self.throw_type(&format!(
                "Class constructor {name} cannot be invoked without 'new'"
            ))?);
        }
        self.call_closure(fh, id, this, args)
    }

    pub(crate) fn check_depth(&mut self) -> R<()> {
        if self.depth >= self.max_depth || self.stack_exhausted() {
            return Err(self.throw_range("Maximum call stack size exceeded")?);
        }
        Ok(())
    }

    /// Runs `f` in a new frame, re-rooting a returned or thrown value in the frame below.
    pub(crate) fn in_frame_static(
        &mut self,
        label: &'static str,
        f: impl FnOnce(&mut Self) -> R<Value>,
    ) -> R<Value> {
        let frame = self.heap.push_frame_static(label);
        let r = f(self);
        self.pop_frame_with(frame, r)
    }

    /// Pops `frame`, escaping the value `r` carries (result or exception) into the frame below.
    pub(crate) fn pop_frame_with(&mut self, frame: Frame, r: R<Value>) -> R<Value> {
        match r {
            Ok(Value::Ref(h)) => Ok(self.heap.pop_frame_escape(frame, h)?),
            Err(Exc::Throw(Value::Ref(h))) => {
                Err(Exc::Throw(self.heap.pop_frame_escape(frame, h)?))
            }
            other => {
                self.heap.pop_frame(frame)?;
                other
            }
        }
    }

    /// Calls a closure: a frame labelled with the function, its scope, parameters, body.
    pub(crate) fn call_closure(
        &mut self,
        fh: Handle,
        id: i32,
        this: Value,
        args: &[Value],
    ) -> R<Value> {
        self.in_call_frame(id, |it| it.run_closure(fh, id, this, args))
    }

    /// Runs `body` as a call of function `id`: checks the stack depth, pushes a frame
    /// labelled with the function, and restores the caller's environment, `this` and callee
    /// (and pops the frame, re-rooting the result) however `body` ends.
    #[inline(always)]
    pub(crate) fn in_call_frame(
        &mut self,
        id: i32,
        body: impl FnOnce(&mut Self) -> R<Value>,
    ) -> R<Value> {
        self.check_depth()?;
        let label = self.funcs[id as usize].label;
        let frame = self.heap.push_frame_static(label);
        self.depth += 1;
        let saved = (self.env, self.this, self.callee, self.frame);
        let slots = self.slots.len();
        self.frame = None;
        let r = body(self);
        (self.env, self.this, self.callee, self.frame) = saved;
        self.slots.truncate(slots);
        self.depth -= 1;
        self.pop_frame_with(frame, r)
    }

    fn run_closure(&mut self, fh: Handle, id: i32, this: Value, args: &[Value]) -> R<Value> {
        if let Some(init) = &self.funcs[id as usize].frame_init {
            let init = Rc::clone(init);
            // (A closure made where no environment was current keeps the general path.)
            if let Value::Ref(env) = self.heap.get(fh, FN_ENV)? {
                return self.run_in_frame_slots(fh, env, id, &init, this, args);
            }
        }
        let info = &self.funcs[id as usize];
        let (code, layout) = (info.code, std::rc::Rc::clone(&info.layout));
        let param_slots = info.param_slots.clone();
        let hoists = info.hoists;
        self.env = self.heap.get(fh, FN_ENV)?;
        self.callee = Some(self.heap.local(fh)?);
        self.this = match code {
            Code::Arrow(_) => self.heap.get(fh, FN_THIS)?,
            _ => this,
        };
        let env = self.push_env(&layout)?;
        let (params, body) = match code {
            Code::Function(f) => (&f.params, f.body.as_ref().map(|b| &b.statements[..])),
            Code::Arrow(a) => (&a.params, Some(arrow_statements(a))),
            Code::Class(_) => unreachable!("class constructors run through construct"),
        };
        if let Code::Function(f) = code {
            if f.generator {
                return self.start_generator(fh, params, body, args);
            }
        }
        if super::async_fn::is_async(code) {
            return self.start_async(fh, code, params, body, args);
        }
        match param_slots {
            Some(slots) => {
                for (i, &slot) in slots.iter().enumerate() {
                    let v = args.get(i).copied().unwrap_or(Value::Undefined);
                    self.heap.set(env, slot, v)?;
                }
            }
            None => self.bind_params(params, args)?,
        }
        if body.is_some() && !layout.tdz_slots.is_empty() {
            self.enter_tdz()?;
        }
        if let Code::Arrow(a) = code {
            if let Some(e) = a.body.as_expression() {
                return self.eval(e);
            }
        }
        let Some(body) = body else {
            return Ok(Value::Undefined);
        };
        if hoists {
            self.hoist_functions(body)?;
        }
        self.run_statements(body)
    }

    /// Runs a function body: hoisting, then statements; the value of `return`.
    pub(crate) fn run_body(&mut self, body: &'a [Statement<'a>]) -> R<Value> {
        self.hoist_functions(body)?;
        self.run_statements(body)
    }

    /// A function body's statements (hoisting done); the value of `return`.
    pub(crate) fn run_statements(&mut self, body: &'a [Statement<'a>]) -> R<Value> {
        for s in body {
            match self.exec(s)? {
                Flow::Normal => {}
                Flow::Return(v) => return Ok(v),
                Flow::Break(_) | Flow::Continue(_) => break,
            }
        }
        Ok(Value::Undefined)
    }

    /// Binds parameters to arguments (defaults, rest, patterns).
    pub(crate) fn bind_params(
        &mut self,
        params: &'a FormalParameters<'a>,
        args: &[Value],
    ) -> R<()> {
        for (i, p) in params.items.iter().enumerate() {
            let mut v = args.get(i).copied().unwrap_or(Value::Undefined);
            if let (Value::Undefined, Some(init)) = (v, &p.initializer) {
                v = self.eval(init)?;
            }
            self.bind_pattern(&p.pattern, v)?;
        }
        if let Some(r) = &params.rest {
            let rest = args.get(params.items.len()..).unwrap_or(&[]);
            let a = self.array_of(rest)?;
            self.bind_pattern(&r.rest.argument, Value::Ref(a))?;
        }
        Ok(())
    }

    /// Binds a pattern to a value, declaring each name in the current scope chain.
    pub(crate) fn bind_pattern(&mut self, p: &'a BindingPattern<'a>, v: Value) -> R<()> {
        match p {
            BindingPattern::BindingIdentifier(id) => self.declare(id.name.as_str(), v),
            BindingPattern::AssignmentPattern(a) => {
                let v = if v == Value::Undefined {
                    self.eval(&a.right)?
                } else {
                    v
                };
                self.bind_pattern(&a.left, v)
            }
            BindingPattern::ObjectPattern(o) => {
                if matches!(v, Value::Undefined | Value::Null) {
                    return Err(
                        self.throw_type("Cannot destructure 'undefined' as it is undefined.")?
                    );
                }
                let mut used = Vec::new();
                for prop in &o.properties {
                    let key = self.prop_key(&prop.key, prop.computed)?;
                    used.push(key);
                    let x = self.get_prop(v, key)?;
                    self.bind_pattern(&prop.value, x)?;
                }
                if let Some(r) = &o.rest {
                    let rest = self.new_object()?;
                    if let Value::Ref(h) = v {
                        for k in self.own_keys(h)? {
                            if !used.contains(&k) {
                                let x = self.get_prop(v, k)?;
                                self.set_prop(Value::Ref(rest), k, x)?;
                            }
                        }
                    }
                    self.bind_pattern(&r.argument, Value::Ref(rest))?;
                }
                Ok(())
            }
            BindingPattern::ArrayPattern(a) => {
                // Only as many items as the pattern takes (an iterator may be infinite).
                let n = a.rest.is_none().then_some(a.elements.len());
                let items = self.pattern_items(v, n)?;
                for (i, e) in a.elements.iter().enumerate() {
                    if let Some(e) = e {
                        self.bind_pattern(e, items.get(i).copied().unwrap_or(Value::Undefined))?;
                    }
                }
                if let Some(r) = &a.rest {
                    let rest = self.array_of(items.get(a.elements.len()..).unwrap_or(&[]))?;
                    self.bind_pattern(&r.argument, Value::Ref(rest))?;
                }
                Ok(())
            }
        }
    }
}

/// The environment slots of a parameter list of plain names (`None` if any parameter has a
/// default, a pattern, or there is a rest parameter).
fn simple_param_slots(p: &FormalParameters<'_>, layout: &Layout) -> Option<Rc<[usize]>> {
    if p.rest.is_some() {
        return None;
    }
    p.items
        .iter()
        .map(|item| match (&item.pattern, &item.initializer) {
            (BindingPattern::BindingIdentifier(id), None) => {
                layout.index.get(id.name.as_str()).map(|&i| i + 1)
            }
            _ => None,
        })
        .collect()
}

/// The statements of an arrow function with a block body (none for an expression body).
pub(crate) fn arrow_statements<'a>(a: &'a ArrowFunctionExpression<'a>) -> &'a [Statement<'a>] {
    match &a.body {
        ArrowFunctionBody::FunctionBody(b) => &b.statements[..],
        _ => &[],
    }
}
