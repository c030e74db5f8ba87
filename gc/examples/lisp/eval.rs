//! The evaluator: a tree walker whose every value lives on the machine's operand stack.
//!
//! Invariant: `eval` pushes exactly one value, and every value it works with sits at a stack
//! index below the top; no word is held in a Rust variable across an allocation (which may
//! collect and move it). Calls in tail position reuse the caller's slot, so loops written as
//! tail recursion run in constant stack; other calls nest at most `max_depth` deep, past
//! which the program gets a `stack overflow` error instead of the process crashing.

use super::host::ClosedLogs;
use super::machine::Machine;
use super::reader::{read_all, Compiler, Datum, Expr, Lambda};
use gclab::{CollectionKind, GlobalId, HeapError, Immediate, ObjRef, RawValue, ViewValue};
use std::rc::Rc;

pub const PAIR: u16 = 1;
pub const STR: u16 = 2;
pub const CLOSURE: u16 = 3;
pub const ENV: u16 = 4;
pub const PRIM: u16 = 5;
pub const SYM: u16 = 6;
pub const LOG: u16 = 7;
pub const SYMTAB: u16 = 8;

/// A run-time error, as the program's user reads it.
pub type Error = String;

pub(crate) fn heap_err(e: HeapError) -> Error {
    format!("heap: {e}")
}

const BUILTINS: &[&str] = &[
    "+",
    "-",
    "*",
    "<",
    ">",
    "=",
    "<=",
    ">=",
    "quotient",
    "remainder",
    "cons",
    "car",
    "cdr",
    "set-car!",
    "set-cdr!",
    "null?",
    "pair?",
    "not",
    "eq?",
    "list",
    "display",
    "newline",
    "string-append",
    "number->string",
    "string-length",
    "why-alive",
    "gc",
    "heap-objects",
    "string->symbol",
    "symbol->string",
    "symbol?",
    "interned-count",
    "open-log",
    "log-write!",
    "closed-count",
    "closed-logs",
];

/// An interpreter over a machine.
pub struct Interp<M: Machine> {
    pub m: M,
    lambdas: Vec<Rc<Lambda>>,
    depth: usize,
    pub max_depth: usize,
    /// What `display` and `newline` wrote since the caller last took it.
    pub out: String,
    /// The hidden global holding the weak symbol table (see the `host` module).
    pub(crate) symbols: GlobalId,
    /// The logs closed so far, as their `Drop` recorded them.
    pub(crate) closed: ClosedLogs,
}

impl<M: Machine> Interp<M> {
    pub fn new(mut m: M) -> Result<Self, Error> {
        let h = m.heap();
        h.register_type(PAIR, "Pair", &["car", "cdr"]);
        h.register_type(STR, "String", &[]);
        h.register_type(CLOSURE, "Closure", &["env", "code"]);
        h.register_type(ENV, "Env", &["parent"]);
        h.register_type(PRIM, "Builtin", &["id"]);
        h.register_type(SYM, "Symbol", &[]);
        h.register_type(LOG, "Log", &["name"]);
        h.register_type(SYMTAB, "SymbolTable", &[]);
        let symbols = h.global_id(" symbols");
        m.push_imm(Immediate::Null); // slot 0: the top-level environment
        for (id, name) in BUILTINS.iter().enumerate() {
            let g = m.heap().global_id(name);
            m.alloc(PRIM, 1, 0).map_err(heap_err)?;
            m.push_imm(Immediate::Int(id as i32));
            m.set_slot(1, 0, 2).map_err(heap_err)?;
            m.set_global(g, 1).map_err(heap_err)?;
            m.truncate(1);
        }
        Ok(Interp {
            m,
            lambdas: Vec::new(),
            depth: 0,
            max_depth: 10_000,
            out: String::new(),
            symbols,
            closed: ClosedLogs::default(),
        })
    }

    /// Runs every form of `src`; an error ends the form it happened in (written to `out` as
    /// `error: …`) and the next form runs. With `echo`, prints each form's value (a REPL).
    pub fn run(&mut self, src: &str, echo: bool) -> Result<(), Error> {
        let forms = read_all(src)?;
        for d in &forms {
            let r = Compiler::new(self.m.heap()).compile(d).and_then(|e| {
                self.eval(&e, 0)?;
                if echo && self.m.word(1) != RawValue::UNDEFINED {
                    let s = self.show(1, false);
                    self.out.push_str(&s);
                    self.out.push('\n');
                }
                Ok(())
            });
            self.m.truncate(1);
            self.depth = 0;
            if let Err(e) = r {
                self.out.push_str(&format!("error: {e}\n"));
            }
        }
        Ok(())
    }

    fn eval(&mut self, e: &Rc<Expr>, env: usize) -> Result<(), Error> {
        if self.depth >= self.max_depth {
            return Err(format!(
                "stack overflow: more than {} nested calls",
                self.max_depth
            ));
        }
        self.depth += 1;
        let r = self.eval_loop(Rc::clone(e), env);
        self.depth -= 1;
        r
    }

    fn eval_loop(&mut self, mut e: Rc<Expr>, mut env: usize) -> Result<(), Error> {
        let base = self.m.len();
        loop {
            let next = match &*e {
                Expr::Int(i) => self.push(Immediate::Int(*i)),
                Expr::Bool(b) => self.push(Immediate::Bool(*b)),
                Expr::Nil => self.push(Immediate::Null),
                Expr::Str(s) => self.new_string(s.as_bytes()).map(|_| None)?,
                Expr::Quote(d) => self.quote(d).map(|_| None)?,
                Expr::Local(d, i) => self.load_local(env, *d, *i).map(|_| None)?,
                Expr::Global(g, name) => {
                    self.m.push_global(*g).map_err(heap_err)?;
                    if self.m.word(self.m.top()) == RawValue::UNDEFINED {
                        return Err(format!("unbound variable {name}"));
                    }
                    None
                }
                Expr::Define(g, x) | Expr::SetGlobal(g, x) => {
                    self.eval(x, env)?;
                    let t = self.m.top();
                    self.m.set_global(*g, t).map_err(heap_err)?;
                    None
                }
                Expr::SetLocal(d, i, x) => {
                    self.eval(x, env)?;
                    let v = self.m.top();
                    self.env_at(env, *d)?;
                    self.m
                        .set_slot(v + 1, *i as usize + 1, v)
                        .map_err(heap_err)?;
                    self.m.truncate(v + 1);
                    None
                }
                Expr::If(c, t, f) => {
                    self.eval(c, env)?;
                    let top = self.m.top();
                    let w = self.m.word(top);
                    self.m.truncate(top);
                    let truthy = w != RawValue::FALSE && w != RawValue::NULL;
                    Some((Rc::clone(if truthy { t } else { f }), env))
                }
                Expr::Begin(xs) => {
                    let (last, init) = xs.split_last().expect("a body has a form");
                    for x in init {
                        self.eval(x, env)?;
                        self.m.truncate(self.m.len() - 1);
                    }
                    Some((Rc::clone(last), env))
                }
                Expr::Lambda(l) => self.make_closure(l, env).map(|_| None)?,
                Expr::Call(f, args) => {
                    let fi = self.m.len();
                    self.eval(f, env)?;
                    for a in args {
                        self.eval(a, env)?;
                    }
                    self.apply(fi, args.len(), base)?
                }
            };
            match next {
                None => break,
                Some((x, en)) => (e, env) = (x, en),
            }
        }
        let top = self.m.top();
        if top != base {
            self.m.copy(top, base);
            self.m.truncate(base + 1);
        }
        Ok(())
    }

    fn push(&mut self, v: Immediate) -> Option<(Rc<Expr>, usize)> {
        self.m.push_imm(v);
        None
    }

    /// Pushes the environment `depth` levels above the one at `env`.
    fn env_at(&mut self, env: usize, depth: u32) -> Result<(), Error> {
        self.m.push_copy(env);
        for _ in 0..depth {
            let t = self.m.top();
            self.m.get_slot(t, 0).map_err(heap_err)?;
            self.m.copy(t + 1, t);
            self.m.truncate(t + 1);
        }
        Ok(())
    }

    fn load_local(&mut self, env: usize, depth: u32, index: u32) -> Result<(), Error> {
        if depth == 0 {
            return self.m.get_slot(env, index as usize + 1).map_err(heap_err);
        }
        self.env_at(env, depth)?;
        let t = self.m.top();
        self.m.get_slot(t, index as usize + 1).map_err(heap_err)?;
        self.m.copy(t + 1, t);
        self.m.truncate(t + 1);
        Ok(())
    }

    fn make_closure(&mut self, l: &Rc<Lambda>, env: usize) -> Result<(), Error> {
        let id = match self.lambdas.iter().rposition(|x| Rc::ptr_eq(x, l)) {
            Some(id) => id,
            None => {
                self.lambdas.push(Rc::clone(l));
                self.lambdas.len() - 1
            }
        };
        self.m.alloc(CLOSURE, 2, 0).map_err(heap_err)?;
        let t = self.m.top();
        self.m.set_slot(t, 0, env).map_err(heap_err)?;
        self.m.push_imm(Immediate::Int(id as i32));
        self.m.set_slot(t, 1, t + 1).map_err(heap_err)?;
        self.m.truncate(t + 1);
        Ok(())
    }

    /// Calls the procedure at `fi` with the `n` arguments above it. A closure's body is
    /// returned to run in the caller's loop (a tail call), with its new environment at `base`;
    /// a builtin pushes its result.
    fn apply(
        &mut self,
        fi: usize,
        n: usize,
        base: usize,
    ) -> Result<Option<(Rc<Expr>, usize)>, Error> {
        let (tag, code) = match self.m.view(fi) {
            Ok(o) => (o.type_tag(), o.get(if o.slot_count() > 1 { 1 } else { 0 })),
            Err(_) => return Err(format!("{} is not a procedure", self.show(fi, false))),
        };
        let id = match code {
            Some(ViewValue::Int(id)) if tag == CLOSURE || tag == PRIM => id as usize,
            _ => return Err(format!("{} is not a procedure", self.show(fi, false))),
        };
        if tag == PRIM {
            self.builtin(id, fi, n)?;
            return Ok(None);
        }
        let l = Rc::clone(&self.lambdas[id]);
        if l.params as usize != n {
            return Err(format!(
                "{}: expected {} arguments, got {n}",
                l.name, l.params
            ));
        }
        self.m.alloc(ENV, n + 1, 0).map_err(heap_err)?;
        let t = self.m.top();
        self.m.get_slot(fi, 0).map_err(heap_err)?;
        self.m.set_slot(t, 0, t + 1).map_err(heap_err)?;
        self.m.truncate(t + 1);
        for i in 0..n {
            self.m.set_slot(t, i + 1, fi + 1 + i).map_err(heap_err)?;
        }
        self.m.copy(t, base);
        self.m.truncate(base + 1);
        Ok(Some((Rc::clone(&l.body), base)))
    }

    pub fn new_string(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.m.alloc(STR, 0, bytes.len()).map_err(heap_err)?;
        let t = self.m.top();
        self.m
            .bytes_mut(t)
            .map_err(heap_err)?
            .copy_from_slice(bytes);
        Ok(())
    }

    /// Pushes a pair of the values at `car` and `cdr`.
    pub fn cons(&mut self, car: usize, cdr: usize) -> Result<(), Error> {
        self.m.alloc(PAIR, 2, 0).map_err(heap_err)?;
        let t = self.m.top();
        self.m.set_slot(t, 0, car).map_err(heap_err)?;
        self.m.set_slot(t, 1, cdr).map_err(heap_err)
    }

    fn quote(&mut self, d: &Datum) -> Result<(), Error> {
        match d {
            Datum::Int(i) => self.m.push_imm(Immediate::Int(*i)),
            Datum::Bool(b) => self.m.push_imm(Immediate::Bool(*b)),
            Datum::Str(s) => self.new_string(s.as_bytes())?,
            Datum::Sym(s) => self.intern(s.as_bytes())?,
            Datum::List(items) => {
                self.m.push_imm(Immediate::Null);
                for item in items.iter().rev() {
                    let tail = self.m.top();
                    self.quote(item)?;
                    self.cons(tail + 1, tail)?;
                    self.m.copy(tail + 2, tail);
                    self.m.truncate(tail + 1);
                }
            }
        }
        Ok(())
    }

    /// The value at `i` as text (`display` form when `display`, else `write` form).
    pub fn show(&self, i: usize, display: bool) -> String {
        let mut s = String::new();
        match self.m.word(i).immediate() {
            Some(v) => show_value(&mut s, v.into_view(), display),
            None => match self.m.view(i) {
                Ok(o) => show_value(&mut s, ViewValue::Ref(o), display),
                Err(e) => s.push_str(&format!("#<{e}>")),
            },
        }
        s
    }

    pub(crate) fn collect(&mut self) {
        self.m.heap().collect(CollectionKind::Major);
    }
}

/// `Immediate` → `ViewValue`, for printing.
trait IntoView {
    fn into_view(self) -> ViewValue<'static>;
}

impl IntoView for Immediate {
    fn into_view(self) -> ViewValue<'static> {
        match self {
            Immediate::Undefined => ViewValue::Undefined,
            Immediate::Null => ViewValue::Null,
            Immediate::Bool(b) => ViewValue::Bool(b),
            Immediate::Int(i) => ViewValue::Int(i),
            Immediate::Float(f) => ViewValue::Float(f),
        }
    }
}

fn show_value(s: &mut String, v: ViewValue<'_>, display: bool) {
    match v {
        ViewValue::Undefined => s.push_str("#<undefined>"),
        ViewValue::Null => s.push_str("()"),
        ViewValue::Bool(b) => s.push_str(if b { "#t" } else { "#f" }),
        ViewValue::Int(i) => s.push_str(&i.to_string()),
        ViewValue::Float(f) => s.push_str(&f.to_string()),
        ViewValue::Ref(o) => show_obj(s, o, display),
        ViewValue::Invalid(w) => s.push_str(&format!("#<invalid {w:?}>")),
    }
}

fn show_obj(s: &mut String, o: ObjRef<'_>, display: bool) {
    match o.type_tag() {
        STR if display => s.push_str(&String::from_utf8_lossy(o.bytes())),
        STR => s.push_str(&format!("{:?}", String::from_utf8_lossy(o.bytes()))),
        PAIR => {
            s.push('(');
            let mut cur = o;
            loop {
                show_value(s, cur.get(0).expect("car"), display);
                match cur.get(1).expect("cdr") {
                    ViewValue::Null => break,
                    ViewValue::Ref(next) if next.type_tag() == PAIR => {
                        s.push(' ');
                        cur = next;
                    }
                    other => {
                        s.push_str(" . ");
                        show_value(s, other, display);
                        break;
                    }
                }
            }
            s.push(')');
        }
        SYM => s.push_str(&String::from_utf8_lossy(o.bytes())),
        LOG => {
            s.push_str("#<log ");
            show_value(s, o.get(0).expect("name"), false);
            s.push('>');
        }
        CLOSURE => s.push_str("#<procedure>"),
        PRIM => match o.get(0) {
            Some(ViewValue::Int(id)) => {
                s.push_str(&format!("#<builtin {}>", BUILTINS[id as usize]))
            }
            _ => s.push_str("#<builtin>"),
        },
        tag => s.push_str(&format!("#<object {tag}>")),
    }
}

/// Every builtin's name, indexed by id.
pub fn builtin_names() -> &'static [&'static str] {
    BUILTINS
}

/// The builtins' names, by id (for the builtin module).
pub fn builtin_name(id: usize) -> &'static str {
    BUILTINS[id]
}
