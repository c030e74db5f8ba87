//! The names a scope declares, collected from the AST: parameters, `var`s (hoisted to the
//! function), and the lexical names (`let`, `const`, `class`, function declarations) of a
//! statement list.
//!
//! Invariant: these functions read the AST only; a scope's layout ([`super::scope::Layout`])
//! lists exactly the names they return for it, in that order, duplicates removed.

use oxc_ast::ast::*;

/// Collects the names a binding pattern binds.
pub(crate) fn bound_names<'a>(p: &BindingPattern<'a>, out: &mut Vec<&'a str>) {
    match p {
        BindingPattern::BindingIdentifier(id) => out.push(id.name.as_str()),
        BindingPattern::ObjectPattern(o) => {
            for prop in &o.properties {
                bound_names(&prop.value, out);
            }
            if let Some(r) = &o.rest {
                bound_names(&r.argument, out);
            }
        }
        BindingPattern::ArrayPattern(a) => {
            for e in a.elements.iter().flatten() {
                bound_names(e, out);
            }
            if let Some(r) = &a.rest {
                bound_names(&r.argument, out);
            }
        }
        BindingPattern::AssignmentPattern(a) => bound_names(&a.left, out),
    }
}

/// `var` names declared anywhere in `stmts` (not inside nested functions).
fn var_names<'a>(stmts: &[Statement<'a>], out: &mut Vec<&'a str>) {
    for s in stmts {
        var_names_stmt(s, out);
    }
}

fn var_decl<'a>(d: &VariableDeclaration<'a>, out: &mut Vec<&'a str>) {
    if d.kind == VariableDeclarationKind::Var {
        for x in &d.declarations {
            bound_names(&x.id, out);
        }
    }
}

fn var_names_stmt<'a>(s: &Statement<'a>, out: &mut Vec<&'a str>) {
    match s {
        Statement::VariableDeclaration(d) => var_decl(d, out),
        Statement::BlockStatement(b) => var_names(&b.body, out),
        Statement::IfStatement(i) => {
            var_names_stmt(&i.consequent, out);
            if let Some(a) = &i.alternate {
                var_names_stmt(a, out);
            }
        }
        Statement::ForStatement(f) => {
            if let Some(ForStatementInit::VariableDeclaration(d)) = &f.init {
                var_decl(d, out);
            }
            var_names_stmt(&f.body, out);
        }
        Statement::ForInStatement(f) => {
            if let ForStatementLeft::VariableDeclaration(d) = &f.left {
                var_decl(d, out);
            }
            var_names_stmt(&f.body, out);
        }
        Statement::ForOfStatement(f) => {
            if let ForStatementLeft::VariableDeclaration(d) = &f.left {
                var_decl(d, out);
            }
            var_names_stmt(&f.body, out);
        }
        Statement::WhileStatement(w) => var_names_stmt(&w.body, out),
        Statement::DoWhileStatement(w) => var_names_stmt(&w.body, out),
        Statement::LabeledStatement(l) => var_names_stmt(&l.body, out),
        Statement::TryStatement(t) => {
            var_names(&t.block.body, out);
            if let Some(h) = &t.handler {
                var_names(&h.body.body, out);
            }
            if let Some(f) = &t.finalizer {
                var_names(&f.body, out);
            }
        }
        Statement::SwitchStatement(sw) => {
            for c in &sw.cases {
                var_names(&c.consequent, out);
            }
        }
        _ => {}
    }
}

/// Lexically scoped names declared directly in `stmts` (let, const, class, functions).
pub(crate) fn lexical_names<'a>(stmts: &[Statement<'a>], out: &mut Vec<&'a str>) {
    declared_names(stmts, true, out);
}

/// `let`, `const` and `class` names declared directly in `stmts`: in their temporal dead
/// zone until their declaration runs.
pub(crate) fn tdz_names<'a>(stmts: &[Statement<'a>], out: &mut Vec<&'a str>) {
    declared_names(stmts, false, out);
}

/// `let`, `const` and `class` names declared directly in `stmts`, in source order, with
/// function declarations' names among them if `functions`.
fn declared_names<'a>(stmts: &[Statement<'a>], functions: bool, out: &mut Vec<&'a str>) {
    for s in stmts {
        match s {
            Statement::VariableDeclaration(d) if d.kind != VariableDeclarationKind::Var => {
                for x in &d.declarations {
                    bound_names(&x.id, out);
                }
            }
            Statement::FunctionDeclaration(f) if functions => {
                if let Some(id) = &f.id {
                    out.push(id.name.as_str());
                }
            }
            Statement::ClassDeclaration(c) => {
                if let Some(id) = &c.id {
                    out.push(id.name.as_str());
                }
            }
            _ => {}
        }
    }
}

/// Names of a function scope: parameters, then vars, then top-level lexical names.
pub(crate) fn function_scope_names<'a>(
    params: Option<&FormalParameters<'a>>,
    body: &[Statement<'a>],
) -> Vec<&'a str> {
    let mut out = Vec::new();
    if let Some(p) = params {
        for item in &p.items {
            bound_names(&item.pattern, &mut out);
        }
        if let Some(r) = &p.rest {
            bound_names(&r.rest.argument, &mut out);
        }
    }
    var_names(body, &mut out);
    lexical_names(body, &mut out);
    out
}
