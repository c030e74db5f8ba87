//! `name` and `length` of functions: closures answer from their code, natives from the
//! name they were registered under and the table of the lengths node gives them.
//!
//! Invariant: these are computed on a property miss only (a program that assigns `f.name`
//! or `f.length` sees its own value), so the property-get path pays nothing for them.

use crate::js::object::atom;
use crate::js::realm::tags::*;
use crate::js::realm::Code;
use crate::js::{Interp, R};
use gclab::{Handle, Value};
use oxc_ast::ast::{ClassElement, FormalParameters, MethodDefinitionKind};

impl<'a> Interp<'a> {
    /// `f.name` / `f.length` of a function with no own property of that name.
    pub(crate) fn function_intrinsic(&mut self, o: Handle, a: i32) -> R<Value> {
        let f = Value::Ref(o);
        if !self.is_callable(f) {
            return Ok(Value::Undefined);
        }
        if a == atom::NAME {
            let name = self.function_name(f)?;
            return self.new_str(&name);
        }
        if let Some(id) = self.func_of(f) {
            let n = match self.funcs[id as usize].code {
                Code::Function(x) => param_count(&x.params),
                Code::Arrow(x) => param_count(&x.params),
                Code::Class(c) => c
                    .body
                    .body
                    .iter()
                    .find_map(|e| match e {
                        ClassElement::MethodDefinition(m)
                            if m.kind == MethodDefinitionKind::Constructor =>
                        {
                            Some(param_count(&m.value.params))
                        }
                        _ => None,
                    })
                    .unwrap_or(0),
            };
            return Ok(Value::Int(n as i32));
        }
        if self.tag_of(o)? == NATIVE {
            let id = self.heap.get(o, 3)?.as_int().unwrap_or(0) as usize;
            let name = self.natives.get(id).map_or("", |n| n.0);
            return Ok(Value::Int(native_length(name)));
        }
        Ok(Value::Int(0))
    }
}

/// `Function.prototype.toString`: a closure's source text; a built-in's (natives and the
/// functions of `prelude.js`) `function name() { [native code] }`.
pub(super) fn install(it: &mut Interp<'_>) -> R<()> {
    let fp = it.intr().function_proto.handle();
    it.method(fp, "Function.prototype.toString", |it, t, _a, _c| {
        if !it.is_callable(t) {
            let m = "Function.prototype.toString requires that 'this' be a Function";
            return Err(it.throw_type(m)?);
        }
        if let Some(id) = it.func_of(t) {
            let info = &it.funcs[id as usize];
            if !info.label.contains("(prelude.js:") {
                use oxc_span::GetSpan;
                let span = match info.code {
                    Code::Function(f) => f.span(),
                    Code::Arrow(a) => a.span(),
                    Code::Class(c) => c.span(),
                };
                if let Some(text) = it.source.get(span.start as usize..span.end as usize) {
                    return it.new_str(text);
                }
            }
        }
        let name = it.function_name(t)?;
        it.new_str(&format!("function {name}() {{ [native code] }}"))
    })?;
    Ok(())
}

/// The number of parameters before the first one with a default or the rest parameter.
fn param_count(p: &FormalParameters<'_>) -> usize {
    p.items
        .iter()
        .take_while(|item| item.initializer.is_none())
        .count()
}

/// The `length` node gives a built-in (0 when not listed).
fn native_length(name: &str) -> i32 {
    match name {
        "Array" => 1,
        "Array.from" => 1,
        "Array.isArray" => 1,
        "Array.prototype.at" => 1,
        "Array.prototype.concat" => 1,
        "Array.prototype.fill" => 1,
        "Array.prototype.includes" => 1,
        "Array.prototype.indexOf" => 1,
        "Array.prototype.join" => 1,
        "Array.prototype.lastIndexOf" => 1,
        "Array.prototype.push" => 1,
        "Array.prototype.slice" => 2,
        "Array.prototype.splice" => 2,
        "Array.prototype.unshift" => 1,
        "Buffer.alloc" => 3,
        "Buffer.from" => 3,
        "Buffer.prototype.toString" => 3,
        "Error" => 1,
        "FinalizationRegistry.prototype.register" => 2,
        "FinalizationRegistry.prototype.unregister" => 1,
        "Function.prototype.apply" => 2,
        "Function.prototype.bind" => 1,
        "Function.prototype.call" => 1,
        "JSON.parse" => 2,
        "JSON.stringify" => 3,
        "Map.prototype.delete" => 1,
        "Map.prototype.forEach" => 1,
        "Map.prototype.get" => 1,
        "Map.prototype.has" => 1,
        "Map.prototype.set" => 2,
        "Math.abs" => 1,
        "Math.ceil" => 1,
        "Math.cos" => 1,
        "Math.exp" => 1,
        "Math.floor" => 1,
        "Math.log" => 1,
        "Math.max" => 2,
        "Math.min" => 2,
        "Math.pow" => 2,
        "Math.round" => 1,
        "Math.sign" => 1,
        "Math.sin" => 1,
        "Math.sqrt" => 1,
        "Math.trunc" => 1,
        "Number.isFinite" => 1,
        "Number.isInteger" => 1,
        "Number.isNaN" => 1,
        "Number.prototype.toFixed" => 1,
        "Number.prototype.toString" => 1,
        "Object.assign" => 2,
        "Object.create" => 2,
        "Object.entries" => 1,
        "Object.freeze" => 1,
        "Object.getPrototypeOf" => 1,
        "Object.keys" => 1,
        "Object.prototype.hasOwnProperty" => 1,
        "Object.setPrototypeOf" => 2,
        "Object.values" => 1,
        "Promise.prototype.catch" => 1,
        "Promise.prototype.then" => 2,
        "Promise.reject" => 1,
        "Promise.resolve" => 1,
        "RangeError" => 1,
        "ReferenceError" => 1,
        "Set.prototype.add" => 1,
        "Set.prototype.delete" => 1,
        "Set.prototype.forEach" => 1,
        "Set.prototype.has" => 1,
        "String" => 1,
        "String.fromCharCode" => 1,
        "String.prototype.at" => 1,
        "String.prototype.charAt" => 1,
        "String.prototype.charCodeAt" => 1,
        "String.prototype.concat" => 1,
        "String.prototype.endsWith" => 1,
        "String.prototype.includes" => 1,
        "String.prototype.indexOf" => 1,
        "String.prototype.lastIndexOf" => 1,
        "String.prototype.padEnd" => 1,
        "String.prototype.padStart" => 1,
        "String.prototype.repeat" => 1,
        "String.prototype.replace" => 2,
        "String.prototype.replaceAll" => 2,
        "String.prototype.slice" => 2,
        "String.prototype.split" => 2,
        "String.prototype.startsWith" => 1,
        "String.prototype.substring" => 2,
        "Symbol.for" => 1,
        "Symbol.keyFor" => 1,
        "SyntaxError" => 1,
        "TypeError" => 1,
        "WeakMap.prototype.delete" => 1,
        "WeakMap.prototype.get" => 1,
        "WeakMap.prototype.has" => 1,
        "WeakMap.prototype.set" => 2,
        "WeakSet.prototype.add" => 1,
        "WeakSet.prototype.delete" => 1,
        "WeakSet.prototype.has" => 1,
        "clearImmediate" => 1,
        "clearTimeout" => 1,
        "isFinite" => 1,
        "isNaN" => 1,
        "parseFloat" => 1,
        "parseInt" => 2,
        "process.exit" => 1,
        "process.hrtime" => 1,
        "process.nextTick" => 1,
        "queueMicrotask" => 1,
        "setImmediate" => 4,
        "setInterval" => 5,
        "setTimeout" => 5,
        _ => 0,
    }
}
