//! Which functions need no heap environment: those whose calls can keep their variables in
//! frame slots (locals of the call's heap frame) because nothing can outlive the call and
//! still see them.
//!
//! Invariant: [`captures_nothing`] answers `true` only for a body that
//! - creates no closure (no function, arrow, class, method or accessor literal), so no
//!   environment made by the call could ever be captured;
//! - opens no scope below the function's own (no `let`/`const` outside the body's top level,
//!   no function or class declaration, no catch parameter, no `for (let …)`), so no
//!   environment is pushed while the call runs and every name the body declares is one of
//!   the function's layout (its parameters, `var`s and top-level `let`/`const`);
//! - uses only the statements and expressions listed below: anything else (a construct added
//!   to the language later included) answers `false`, keeping the heap environment.
//!
//! Generators, async functions, parameter lists with defaults, patterns or a rest element are
//! refused by the caller ([`Interp::func_id`](super::Interp)).

use oxc_ast::ast::*;

/// Whether the statements of a function body (its top level) capture nothing and open no
/// scope (see the module docs).
pub(crate) fn captures_nothing(body: &[Statement<'_>]) -> bool {
    body.iter().all(|s| stmt(s, true))
}

/// Whether an arrow function's expression body captures nothing.
pub(crate) fn expr_captures_nothing(e: &Expression<'_>) -> bool {
    expr(e)
}

fn stmt(s: &Statement<'_>, top: bool) -> bool {
    match s {
        Statement::ExpressionStatement(e) => expr(&e.expression),
        Statement::VariableDeclaration(d) => {
            (top || d.kind == VariableDeclarationKind::Var) && declaration(d)
        }
        Statement::ReturnStatement(r) => r.argument.as_ref().is_none_or(expr),
        Statement::IfStatement(i) => {
            expr(&i.test)
                && stmt(&i.consequent, false)
                && i.alternate.as_ref().is_none_or(|a| stmt(a, false))
        }
        Statement::BlockStatement(b) => b.body.iter().all(|s| stmt(s, false)),
        Statement::ForStatement(f) => {
            let init = match &f.init {
                None => true,
                Some(ForStatementInit::VariableDeclaration(d)) => {
                    d.kind == VariableDeclarationKind::Var && declaration(d)
                }
                Some(init) => init.as_expression().is_some_and(expr),
            };
            init && f.test.as_ref().is_none_or(expr)
                && f.update.as_ref().is_none_or(expr)
                && stmt(&f.body, false)
        }
        Statement::ForInStatement(f) => for_left(&f.left) && expr(&f.right) && stmt(&f.body, false),
        Statement::ForOfStatement(f) => {
            !f.r#await && for_left(&f.left) && expr(&f.right) && stmt(&f.body, false)
        }
        Statement::WhileStatement(w) => expr(&w.test) && stmt(&w.body, false),
        Statement::DoWhileStatement(w) => expr(&w.test) && stmt(&w.body, false),
        Statement::BreakStatement(_)
        | Statement::ContinueStatement(_)
        | Statement::EmptyStatement(_) => true,
        Statement::ThrowStatement(t) => expr(&t.argument),
        Statement::LabeledStatement(l) => stmt(&l.body, false),
        Statement::TryStatement(t) => {
            t.block.body.iter().all(|s| stmt(s, false))
                && t.handler
                    .as_ref()
                    .is_none_or(|h| h.param.is_none() && h.body.body.iter().all(|s| stmt(s, false)))
                && t.finalizer
                    .as_ref()
                    .is_none_or(|f| f.body.iter().all(|s| stmt(s, false)))
        }
        Statement::SwitchStatement(sw) => {
            expr(&sw.discriminant)
                && sw.cases.iter().all(|c| {
                    c.test.as_ref().is_none_or(expr) && c.consequent.iter().all(|s| stmt(s, false))
                })
        }
        _ => false,
    }
}

/// A declaration of plain names (no patterns) with initialisers that capture nothing.
fn declaration(d: &VariableDeclaration<'_>) -> bool {
    d.declarations.iter().all(|x| {
        matches!(x.id, BindingPattern::BindingIdentifier(_)) && x.init.as_ref().is_none_or(expr)
    })
}

/// The left side of `for (… in/of …)`: `var name` or a plain name.
fn for_left(l: &ForStatementLeft<'_>) -> bool {
    match l {
        ForStatementLeft::VariableDeclaration(d) => {
            d.kind == VariableDeclarationKind::Var && d.declarations.len() == 1 && declaration(d)
        }
        ForStatementLeft::AssignmentTargetIdentifier(_) => true,
        _ => false,
    }
}

fn expr(e: &Expression<'_>) -> bool {
    match e {
        Expression::BooleanLiteral(_)
        | Expression::NullLiteral(_)
        | Expression::NumericLiteral(_)
        | Expression::BigIntLiteral(_)
        | Expression::StringLiteral(_)
        | Expression::ThisExpression(_) => true,
        // `arguments` is bound in the call's environment, which a frame-slot call skips.
        Expression::Identifier(id) => id.name != "arguments",
        Expression::TemplateLiteral(t) => t.expressions.iter().all(expr),
        Expression::ArrayExpression(a) => a.elements.iter().all(|el| match el {
            ArrayExpressionElement::SpreadElement(s) => expr(&s.argument),
            ArrayExpressionElement::Elision(_) => true,
            el => el.as_expression().is_some_and(expr),
        }),
        Expression::ObjectExpression(o) => o.properties.iter().all(|p| match p {
            ObjectPropertyKind::ObjectProperty(p) => {
                p.kind == PropertyKind::Init
                    && !p.method
                    && (!p.computed || p.key.as_expression().is_some_and(expr))
                    && expr(&p.value)
            }
            ObjectPropertyKind::SpreadProperty(s) => expr(&s.argument),
        }),
        Expression::AssignmentExpression(a) => target(&a.left) && expr(&a.right),
        Expression::BinaryExpression(b) => expr(&b.left) && expr(&b.right),
        Expression::LogicalExpression(l) => expr(&l.left) && expr(&l.right),
        Expression::UnaryExpression(u) => expr(&u.argument),
        Expression::UpdateExpression(u) => simple_target(&u.argument),
        Expression::ConditionalExpression(c) => {
            expr(&c.test) && expr(&c.consequent) && expr(&c.alternate)
        }
        Expression::ParenthesizedExpression(p) => expr(&p.expression),
        Expression::SequenceExpression(s) => s.expressions.iter().all(expr),
        Expression::CallExpression(c) => !c.optional && expr(&c.callee) && arguments(&c.arguments),
        Expression::NewExpression(n) => expr(&n.callee) && arguments(&n.arguments),
        Expression::StaticMemberExpression(m) => !m.optional && expr(&m.object),
        Expression::ComputedMemberExpression(m) => {
            !m.optional && expr(&m.object) && expr(&m.expression)
        }
        _ => false,
    }
}

fn arguments(args: &[Argument<'_>]) -> bool {
    args.iter().all(|a| match a {
        Argument::SpreadElement(s) => expr(&s.argument),
        a => a.as_expression().is_some_and(expr),
    })
}

/// An assignment's target: a name or a property (no destructuring).
fn target(t: &AssignmentTarget<'_>) -> bool {
    t.as_simple_assignment_target().is_some_and(simple_target)
}

fn simple_target(t: &SimpleAssignmentTarget<'_>) -> bool {
    match t {
        SimpleAssignmentTarget::AssignmentTargetIdentifier(id) => id.name != "arguments",
        SimpleAssignmentTarget::StaticMemberExpression(m) => expr(&m.object),
        SimpleAssignmentTarget::ComputedMemberExpression(m) => {
            expr(&m.object) && expr(&m.expression)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxc_allocator::Allocator;
    use oxc_parser::Parser;
    use oxc_span::SourceType;

    /// Whether the first function declaration of `src` captures nothing.
    fn first_fn(src: &str) -> bool {
        let alloc = Allocator::default();
        let p = Parser::new(&alloc, src, SourceType::cjs()).parse();
        assert!(p.diagnostics.is_empty(), "{src}");
        let Some(Statement::FunctionDeclaration(f)) = p.program.body.first() else {
            panic!("no function in {src}");
        };
        captures_nothing(&f.body.as_ref().unwrap().statements)
    }

    #[test]
    fn plain_functions_keep_their_variables_in_frame_slots() {
        assert!(first_fn(
            "function f(n) { var s = 0; for (var i = 0; i < n; i++) s += i; return s; }"
        ));
        assert!(first_fn(
            "function f(a) { const o = { x: a, y: [a, ...a] }; let t = `${o.x}`; \
             if (a) { o.y[0] = t; } else throw new Error('e'); return o; }"
        ));
        assert!(first_fn(
            "function f(a) { try { g(a); } catch { a = 1; } finally { a++; } return a; }"
        ));
    }

    /// Whether the arrow of `src` (`const f = (…) => …;`) captures nothing.
    fn arrow(src: &str) -> bool {
        let alloc = Allocator::default();
        let p = Parser::new(&alloc, src, SourceType::cjs()).parse();
        let Some(Statement::VariableDeclaration(d)) = p.program.body.first() else {
            panic!("no declaration in {src}");
        };
        let Some(Expression::ArrowFunctionExpression(a)) = &d.declarations[0].init else {
            panic!("no arrow in {src}");
        };
        match &a.body {
            ArrowFunctionBody::FunctionBody(b) => captures_nothing(&b.statements),
            body => body.as_expression().is_some_and(expr_captures_nothing),
        }
    }

    #[test]
    fn arrow_bodies_are_walked_whether_expression_or_block() {
        assert!(arrow("const f = (a, b) => a + b * 2;"));
        assert!(arrow("const f = (a) => { return a.x; };"));
        assert!(!arrow(
            "const f = (ms) => new Promise((r) => setTimeout(r, ms));"
        ));
        assert!(!arrow("const f = (a) => { return () => a; };"));
    }

    #[test]
    fn closures_and_inner_scopes_keep_the_heap_environment() {
        for src in [
            "function f(a) { return () => a; }",
            "function f(a) { return function () { return a; }; }",
            "function f(a) { function g() { return a; } return g; }",
            "function f(a) { return { m() { return a; } }; }",
            "function f(a) { return { get m() { return a; } }; }",
            "function f(a) { return class { m() { return a; } }; }",
            "function f(a) { if (a) { let b = a; return b; } }",
            "function f(a) { for (let i = 0; i < a; i++) {} }",
            "function f(a) { for (const x of a) {} }",
            "function f(a) { try { g(); } catch (e) { a = e; } }",
            "function f(a) { var [x] = a; return x; }",
            "function f(a) { return a?.b; }",
            "function f(a) { return arguments.length + a; }",
            "function f() { arguments = 1; }",
        ] {
            assert!(!first_fn(src), "{src}");
        }
    }
}
