//! Reading and compiling: text → data → expressions with resolved variables.
//!
//! Variables are resolved once, at compile time: a local becomes `(depth, index)` in the
//! chain of environments, a global becomes a [`GlobalId`] interned in the heap, so running a
//! program never looks a name up.

use gclab::{GlobalId, Heap};
use std::rc::Rc;

/// What the reader produces.
#[derive(Clone, Debug, PartialEq)]
pub enum Datum {
    Int(i32),
    Bool(bool),
    Str(Rc<str>),
    Sym(Rc<str>),
    List(Vec<Datum>),
}

/// A compiled expression.
#[derive(Debug)]
pub enum Expr {
    Int(i32),
    Bool(bool),
    Nil,
    Str(Rc<str>),
    /// A quoted list, built at run time.
    Quote(Datum),
    Local(u32, u32),
    Global(GlobalId, Rc<str>),
    SetLocal(u32, u32, Rc<Expr>),
    SetGlobal(GlobalId, Rc<Expr>),
    Define(GlobalId, Rc<Expr>),
    If(Rc<Expr>, Rc<Expr>, Rc<Expr>),
    Lambda(Rc<Lambda>),
    Begin(Vec<Rc<Expr>>),
    Call(Rc<Expr>, Vec<Rc<Expr>>),
}

/// A function's code.
#[derive(Debug)]
pub struct Lambda {
    pub name: Rc<str>,
    pub params: u32,
    pub body: Rc<Expr>,
}

/// A reading or compiling error, with a message for the user.
pub type Error = String;

/// Reads every datum in `src`.
pub fn read_all(src: &str) -> Result<Vec<Datum>, Error> {
    let tokens = tokenize(src)?;
    let mut pos = 0;
    let mut out = Vec::new();
    while pos < tokens.len() {
        out.push(read(&tokens, &mut pos)?);
    }
    Ok(out)
}

#[derive(Debug, PartialEq)]
enum Token {
    Open,
    Close,
    Quote,
    Str(String),
    Atom(String),
}

fn tokenize(src: &str) -> Result<Vec<Token>, Error> {
    let mut out = Vec::new();
    let mut chars = src.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '(' | '[' => out.push(Token::Open),
            ')' | ']' => out.push(Token::Close),
            '\'' => out.push(Token::Quote),
            ';' => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '"' => {
                let mut s = String::new();
                loop {
                    match chars.next() {
                        None => return Err("unterminated string".into()),
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some('n') => s.push('\n'),
                            Some(c) => s.push(c),
                            None => return Err("unterminated string".into()),
                        },
                        Some(c) => s.push(c),
                    }
                }
                out.push(Token::Str(s));
            }
            c if c.is_whitespace() => {}
            c => {
                let mut s = String::from(c);
                while let Some(&n) = chars.peek() {
                    if n.is_whitespace() || "()[]';\"".contains(n) {
                        break;
                    }
                    s.push(n);
                    chars.next();
                }
                out.push(Token::Atom(s));
            }
        }
    }
    Ok(out)
}

fn read(tokens: &[Token], pos: &mut usize) -> Result<Datum, Error> {
    let t = tokens.get(*pos).ok_or("unexpected end of input")?;
    *pos += 1;
    Ok(match t {
        Token::Open => {
            let mut items = Vec::new();
            loop {
                match tokens.get(*pos) {
                    None => return Err("missing ')'".into()),
                    Some(Token::Close) => {
                        *pos += 1;
                        break;
                    }
                    Some(_) => items.push(read(tokens, pos)?),
                }
            }
            Datum::List(items)
        }
        Token::Close => return Err("unexpected ')'".into()),
        Token::Quote => Datum::List(vec![Datum::Sym("quote".into()), read(tokens, pos)?]),
        Token::Str(s) => Datum::Str(s.as_str().into()),
        Token::Atom(a) => match a.as_str() {
            "#t" => Datum::Bool(true),
            "#f" => Datum::Bool(false),
            _ => match a.parse::<i32>() {
                Ok(i) => Datum::Int(i),
                Err(_) if a.parse::<i64>().is_ok() => {
                    return Err(format!("integer {a} does not fit 32 bits"))
                }
                Err(_) => Datum::Sym(a.as_str().into()),
            },
        },
    })
}

/// The compiler: resolves names against the enclosing lambdas' parameters.
pub struct Compiler<'h> {
    pub heap: &'h mut Heap,
    scopes: Vec<Vec<Rc<str>>>,
}

impl<'h> Compiler<'h> {
    pub fn new(heap: &'h mut Heap) -> Self {
        Compiler {
            heap,
            scopes: Vec::new(),
        }
    }

    fn resolve(&mut self, name: &Rc<str>) -> Expr {
        for (depth, scope) in self.scopes.iter().rev().enumerate() {
            if let Some(i) = scope.iter().position(|p| p == name) {
                return Expr::Local(depth as u32, i as u32);
            }
        }
        Expr::Global(self.heap.global_id(name), Rc::clone(name))
    }

    fn body(&mut self, forms: &[Datum]) -> Result<Rc<Expr>, Error> {
        if forms.is_empty() {
            return Err("empty body".into());
        }
        let mut xs = forms
            .iter()
            .map(|f| self.compile(f))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(if xs.len() == 1 {
            xs.pop().expect("one form")
        } else {
            Rc::new(Expr::Begin(xs))
        })
    }

    fn lambda(&mut self, name: Rc<str>, params: &Datum, body: &[Datum]) -> Result<Expr, Error> {
        let Datum::List(ps) = params else {
            return Err(format!("{name}: parameters must be a list"));
        };
        let names = ps
            .iter()
            .map(|p| match p {
                Datum::Sym(s) => Ok(Rc::clone(s)),
                other => Err(format!("{name}: parameter {other:?} is not a name")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let params = names.len() as u32;
        self.scopes.push(names);
        let body = self.body(body);
        self.scopes.pop();
        Ok(Expr::Lambda(Rc::new(Lambda {
            name,
            params,
            body: body?,
        })))
    }

    /// Compiles one datum.
    pub fn compile(&mut self, d: &Datum) -> Result<Rc<Expr>, Error> {
        Ok(Rc::new(match d {
            Datum::Int(i) => Expr::Int(*i),
            Datum::Bool(b) => Expr::Bool(*b),
            Datum::Str(s) => Expr::Str(Rc::clone(s)),
            Datum::Sym(s) => self.resolve(s),
            Datum::List(items) if items.is_empty() => Expr::Nil,
            Datum::List(items) => return self.form(items),
        }))
    }

    fn form(&mut self, items: &[Datum]) -> Result<Rc<Expr>, Error> {
        let head = match &items[0] {
            Datum::Sym(s) => Some(&**s),
            _ => None,
        };
        let arity = |n: usize, what: &str| {
            if items.len() == n {
                Ok(())
            } else {
                Err(format!("{what} takes {} operands", n - 1))
            }
        };
        Ok(Rc::new(match head {
            Some("quote") => {
                arity(2, "quote")?;
                match &items[1] {
                    Datum::List(l) if l.is_empty() => Expr::Nil,
                    d => Expr::Quote(d.clone()),
                }
            }
            Some("if") => {
                if items.len() != 3 && items.len() != 4 {
                    return Err("if takes 2 or 3 operands".into());
                }
                let c = self.compile(&items[1])?;
                let t = self.compile(&items[2])?;
                let f = match items.get(3) {
                    Some(x) => self.compile(x)?,
                    None => Rc::new(Expr::Nil),
                };
                Expr::If(c, t, f)
            }
            Some("define") => match items.get(1) {
                // (define (name params…) body…)
                Some(Datum::List(sig)) if !sig.is_empty() => {
                    let Datum::Sym(name) = &sig[0] else {
                        return Err("define: the function name must be a name".into());
                    };
                    let g = self.heap.global_id(name);
                    let params = Datum::List(sig[1..].to_vec());
                    let f = self.lambda(Rc::clone(name), &params, &items[2..])?;
                    Expr::Define(g, Rc::new(f))
                }
                Some(Datum::Sym(name)) => {
                    arity(3, "define")?;
                    let g = self.heap.global_id(name);
                    Expr::Define(g, self.compile(&items[2])?)
                }
                _ => return Err("define: expected a name or (name params…)".into()),
            },
            Some("set!") => {
                arity(3, "set!")?;
                let Datum::Sym(name) = &items[1] else {
                    return Err("set!: expected a name".into());
                };
                let v = self.compile(&items[2])?;
                match self.resolve(name) {
                    Expr::Local(d, i) => Expr::SetLocal(d, i, v),
                    Expr::Global(g, _) => Expr::SetGlobal(g, v),
                    _ => unreachable!("resolve gives a local or a global"),
                }
            }
            Some("lambda") => {
                if items.len() < 3 {
                    return Err("lambda: expected parameters and a body".into());
                }
                self.lambda("lambda".into(), &items[1], &items[2..])?
            }
            Some("let") => {
                // (let ((x e) …) body…) is ((lambda (x …) body…) e …)
                let Some(Datum::List(bindings)) = items.get(1) else {
                    return Err("let: expected bindings".into());
                };
                let mut names = Vec::new();
                let mut inits = Vec::new();
                for b in bindings {
                    match b {
                        Datum::List(kv) if kv.len() == 2 => {
                            names.push(kv[0].clone());
                            inits.push(self.compile(&kv[1])?);
                        }
                        _ => return Err("let: a binding is (name value)".into()),
                    }
                }
                let f = self.lambda("let".into(), &Datum::List(names), &items[2..])?;
                Expr::Call(Rc::new(f), inits)
            }
            Some("begin") => return self.body(&items[1..]),
            _ => {
                let f = self.compile(&items[0])?;
                let args = items[1..]
                    .iter()
                    .map(|a| self.compile(a))
                    .collect::<Result<Vec<_>, _>>()?;
                Expr::Call(f, args)
            }
        }))
    }
}
