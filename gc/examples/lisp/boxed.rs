//! `--mode box`: the same language with no gclab heap at all — the reference point for what
//! the collector costs.
//!
//! The interpreter cannot switch its value representation cheaply (every machine speaks in
//! gclab words and object views), so this is the closest honest equivalent: **the same reader
//! and compiled expressions, the same evaluator structure** (tail calls in a loop, the same
//! depth limit, environments as chained records of variables, the same builtin names and
//! error texts), over Rust values instead of heap objects: pairs, closures and environments
//! are `Rc` (reference counted, freed when the last reference goes), strings `Rc<str>`.
//! Values live in Rust variables, not on an operand stack, since nothing moves them. Cycles
//! (a closure stored in a variable of its own environment) leak, as `Rc` cycles do.
//!
//! Only the core builtins exist here (arithmetic, comparisons, pairs, lists, strings,
//! `display`, quoted symbols); `string->symbol`, logs, `why-alive` and `gc` are about the
//! heap and report an error.
//! Globals are read through a table indexed by `GlobalId` with a trivial hasher.
//!
//! Invariant: for a program using only the core builtins, this evaluator prints exactly what
//! the gclab machines print (the test runs `basics` and `binary-trees` in every mode).

use super::eval::{builtin_name, builtin_names, Error};
use super::reader::{read_all, Compiler, Datum, Expr, Lambda};
use gclab::{GlobalId, Heap};
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;

/// A value of the language, as plain Rust data.
#[derive(Clone)]
pub enum V {
    Undefined,
    Nil,
    Bool(bool),
    Int(i32),
    Str(Rc<str>),
    /// Interned in a strong table: Rust `Rc`s have no weak table that the collector clears.
    Sym(Rc<str>),
    Pair(Rc<(RefCell<V>, RefCell<V>)>),
    Closure(Rc<Closure>),
    Prim(usize),
}

pub struct Closure {
    env: Option<Rc<Env>>,
    code: Rc<Lambda>,
}

pub struct Env {
    parent: Option<Rc<Env>>,
    vars: RefCell<Vec<V>>,
}

/// Mixes the few integers a `GlobalId` hashes to: enough for a table of globals.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u32(&mut self, x: u32) {
        self.write_u64(u64::from(x));
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// The interpreter over Rust values.
pub struct BoxInterp {
    globals: HashMap<GlobalId, V, BuildHasherDefault<IdHasher>>,
    symbols: HashMap<Rc<str>, Rc<str>>,
    depth: usize,
    pub max_depth: usize,
    pub out: String,
}

impl BoxInterp {
    /// An interpreter whose builtins are named through `heap`'s global ids (the compiler's).
    pub fn new(heap: &mut Heap) -> Self {
        let mut globals = HashMap::default();
        for (id, name) in builtin_names().iter().enumerate() {
            globals.insert(heap.global_id(name), V::Prim(id));
        }
        BoxInterp {
            globals,
            symbols: HashMap::new(),
            depth: 0,
            max_depth: 10_000,
            out: String::new(),
        }
    }

    /// Runs every form of `src` as [`Interp::run`](super::eval::Interp::run) does.
    pub fn run(&mut self, heap: &mut Heap, src: &str, echo: bool) -> Result<(), Error> {
        for d in &read_all(src)? {
            let r = Compiler::new(heap)
                .compile(d)
                .and_then(|e| self.eval(&e, &None));
            self.depth = 0;
            match r {
                Ok(V::Undefined) => {}
                Ok(v) if echo => {
                    show(&mut self.out, &v, false);
                    self.out.push('\n');
                }
                Ok(_) => {}
                Err(e) => self.out.push_str(&format!("error: {e}\n")),
            }
        }
        Ok(())
    }

    fn eval(&mut self, e: &Rc<Expr>, env: &Option<Rc<Env>>) -> Result<V, Error> {
        if self.depth >= self.max_depth {
            return Err(format!(
                "stack overflow: more than {} nested calls",
                self.max_depth
            ));
        }
        self.depth += 1;
        let r = self.eval_loop(Rc::clone(e), env.clone());
        self.depth -= 1;
        r
    }

    fn eval_loop(&mut self, mut e: Rc<Expr>, mut env: Option<Rc<Env>>) -> Result<V, Error> {
        loop {
            let (next, next_env) = match &*e {
                Expr::Int(i) => return Ok(V::Int(*i)),
                Expr::Bool(b) => return Ok(V::Bool(*b)),
                Expr::Nil => return Ok(V::Nil),
                Expr::Str(s) => return Ok(V::Str(Rc::clone(s))),
                Expr::Quote(d) => return Ok(self.quote(d)),
                Expr::Local(d, i) => return Ok(env_at(&env, *d).vars.borrow()[*i as usize].clone()),
                Expr::Global(g, name) => {
                    return match self.globals.get(g) {
                        Some(v) => Ok(v.clone()),
                        None => Err(format!("unbound variable {name}")),
                    }
                }
                Expr::Define(g, x) | Expr::SetGlobal(g, x) => {
                    let v = self.eval(x, &env)?;
                    self.globals.insert(*g, v.clone());
                    return Ok(v);
                }
                Expr::SetLocal(d, i, x) => {
                    let v = self.eval(x, &env)?;
                    env_at(&env, *d).vars.borrow_mut()[*i as usize] = v.clone();
                    return Ok(v);
                }
                Expr::If(c, t, f) => {
                    let truthy = !matches!(self.eval(c, &env)?, V::Bool(false) | V::Nil);
                    (Rc::clone(if truthy { t } else { f }), env)
                }
                Expr::Begin(xs) => {
                    let (last, init) = xs.split_last().expect("a body has a form");
                    for x in init {
                        self.eval(x, &env)?;
                    }
                    (Rc::clone(last), env)
                }
                Expr::Lambda(l) => {
                    return Ok(V::Closure(Rc::new(Closure {
                        env: env.clone(),
                        code: Rc::clone(l),
                    })))
                }
                Expr::Call(f, args) => {
                    let f = self.eval(f, &env)?;
                    let mut vals = Vec::with_capacity(args.len());
                    for a in args {
                        vals.push(self.eval(a, &env)?);
                    }
                    match f {
                        V::Prim(id) => return self.builtin(id, vals),
                        V::Closure(c) => {
                            if c.code.params as usize != vals.len() {
                                return Err(format!(
                                    "{}: expected {} arguments, got {}",
                                    c.code.name,
                                    c.code.params,
                                    vals.len()
                                ));
                            }
                            let new = Env {
                                parent: c.env.clone(),
                                vars: RefCell::new(vals),
                            };
                            (Rc::clone(&c.code.body), Some(Rc::new(new)))
                        }
                        other => return Err(format!("{} is not a procedure", text(&other))),
                    }
                }
            };
            e = next;
            env = next_env;
        }
    }

    fn builtin(&mut self, id: usize, args: Vec<V>) -> Result<V, Error> {
        let name = builtin_name(id);
        let n = args.len();
        let arity = |want: usize| {
            if n == want {
                Ok(())
            } else {
                Err(format!("{name}: expected {want} arguments, got {n}"))
            }
        };
        let int = |v: &V| match v {
            V::Int(i) => Ok(*i),
            other => Err(format!("{name}: {} is not an integer", text(other))),
        };
        let pair = |v: &V| match v {
            V::Pair(p) => Ok(Rc::clone(p)),
            other => Err(format!("{name}: {} is not a pair", text(other))),
        };
        let string = |v: &V| match v {
            V::Str(s) => Ok(Rc::clone(s)),
            other => Err(format!("{name}: {} is not a string", text(other))),
        };
        let overflow = || format!("{name}: integer overflow");
        Ok(match name {
            "+" | "*" => {
                let mut acc: i32 = if name == "+" { 0 } else { 1 };
                for a in &args {
                    let v = int(a)?;
                    acc = if name == "+" {
                        acc.checked_add(v)
                    } else {
                        acc.checked_mul(v)
                    }
                    .ok_or_else(overflow)?;
                }
                V::Int(acc)
            }
            "-" | "quotient" | "remainder" => {
                arity(2)?;
                let (a, b) = (int(&args[0])?, int(&args[1])?);
                let r = match name {
                    "-" => a.checked_sub(b),
                    "quotient" => a.checked_div(b),
                    _ => a.checked_rem(b),
                };
                V::Int(r.ok_or_else(|| format!("{name}: overflow or division by zero"))?)
            }
            "<" | ">" | "=" | "<=" | ">=" => {
                arity(2)?;
                let (a, b) = (int(&args[0])?, int(&args[1])?);
                V::Bool(match name {
                    "<" => a < b,
                    ">" => a > b,
                    "=" => a == b,
                    "<=" => a <= b,
                    _ => a >= b,
                })
            }
            "cons" => {
                arity(2)?;
                let mut it = args.into_iter();
                let (a, d) = (it.next().expect("two"), it.next().expect("two"));
                V::Pair(Rc::new((RefCell::new(a), RefCell::new(d))))
            }
            "car" | "cdr" => {
                arity(1)?;
                let p = pair(&args[0])?;
                let v = if name == "car" { &p.0 } else { &p.1 };
                let v = v.borrow().clone();
                v
            }
            "set-car!" | "set-cdr!" => {
                arity(2)?;
                let p = pair(&args[0])?;
                let slot = if name == "set-car!" { &p.0 } else { &p.1 };
                *slot.borrow_mut() = args[1].clone();
                V::Undefined
            }
            "null?" | "pair?" | "not" => {
                arity(1)?;
                V::Bool(matches!(
                    (name, &args[0]),
                    ("null?", V::Nil) | ("not", V::Bool(false)) | ("pair?", V::Pair(_))
                ))
            }
            "eq?" => {
                arity(2)?;
                V::Bool(eq(&args[0], &args[1]))
            }
            "list" => args.into_iter().rev().fold(V::Nil, |tail, v| {
                V::Pair(Rc::new((RefCell::new(v), RefCell::new(tail))))
            }),
            "display" => {
                arity(1)?;
                show(&mut self.out, &args[0], true);
                V::Undefined
            }
            "newline" => {
                arity(0)?;
                self.out.push('\n');
                V::Undefined
            }
            "string-append" => {
                let mut s = String::new();
                for a in &args {
                    s.push_str(&string(a)?);
                }
                V::Str(s.into())
            }
            "number->string" => {
                arity(1)?;
                V::Str(int(&args[0])?.to_string().into())
            }
            "string-length" => {
                arity(1)?;
                V::Int(string(&args[0])?.len() as i32)
            }
            other => return Err(format!("{other}: not available in box mode")),
        })
    }
}

impl BoxInterp {
    fn quote(&mut self, d: &Datum) -> V {
        match d {
            Datum::Int(i) => V::Int(*i),
            Datum::Bool(b) => V::Bool(*b),
            Datum::Str(s) => V::Str(Rc::clone(s)),
            Datum::Sym(s) => V::Sym(Rc::clone(
                self.symbols
                    .entry(Rc::clone(s))
                    .or_insert_with(|| Rc::clone(s)),
            )),
            Datum::List(items) => {
                let mut tail = V::Nil;
                for item in items.iter().rev() {
                    let car = self.quote(item);
                    tail = V::Pair(Rc::new((RefCell::new(car), RefCell::new(tail))));
                }
                tail
            }
        }
    }
}

fn env_at(env: &Option<Rc<Env>>, depth: u32) -> &Env {
    let mut e = env.as_deref().expect("a local has an environment");
    for _ in 0..depth {
        e = e.parent.as_deref().expect("resolved at compile time");
    }
    e
}

fn eq(a: &V, b: &V) -> bool {
    match (a, b) {
        (V::Undefined, V::Undefined) | (V::Nil, V::Nil) => true,
        (V::Bool(x), V::Bool(y)) => x == y,
        (V::Int(x), V::Int(y)) => x == y,
        (V::Prim(x), V::Prim(y)) => x == y,
        (V::Str(x), V::Str(y)) | (V::Sym(x), V::Sym(y)) => Rc::ptr_eq(x, y),
        (V::Pair(x), V::Pair(y)) => Rc::ptr_eq(x, y),
        (V::Closure(x), V::Closure(y)) => Rc::ptr_eq(x, y),
        _ => false,
    }
}

fn text(v: &V) -> String {
    let mut s = String::new();
    show(&mut s, v, false);
    s
}

/// Prints `v` as the gclab machines do (`display` form when `display`, else `write` form).
fn show(s: &mut String, v: &V, display: bool) {
    match v {
        V::Undefined => s.push_str("#<undefined>"),
        V::Nil => s.push_str("()"),
        V::Bool(b) => s.push_str(if *b { "#t" } else { "#f" }),
        V::Int(i) => s.push_str(&i.to_string()),
        V::Str(x) if display => s.push_str(x),
        V::Sym(x) => s.push_str(x),
        V::Str(x) => s.push_str(&format!("{x:?}")),
        V::Closure(_) => s.push_str("#<procedure>"),
        V::Prim(id) => s.push_str(&format!("#<builtin {}>", builtin_name(*id))),
        V::Pair(p) => {
            s.push('(');
            let mut cur = Rc::clone(p);
            loop {
                show(s, &cur.0.borrow(), display);
                let next = match &*cur.1.borrow() {
                    V::Nil => break,
                    V::Pair(next) => Rc::clone(next),
                    other => {
                        s.push_str(" . ");
                        show(s, other, display);
                        break;
                    }
                };
                s.push(' ');
                cur = next;
            }
            s.push(')');
        }
    }
}
