//! The interpreter state ([`Interp`]): the heap, the type tags of JavaScript objects, the
//! intrinsic prototypes (persistent roots), atoms, function and scope tables, the event loop.
//!
//! Invariant: every heap object the interpreter creates has one of the tags of [`tags`] (or a
//! per-function closure tag, or a per-scope environment tag), and its slot layout is the one
//! documented there; code that reads a slot by index checks the tag first.

use super::scope::Layout;
use super::tables::{IdentCache, TagTable};
use crate::event_loop::{EventLoop, TimerId};
use gclab::{Heap, HeapConfig, Persistent, RootKind, TypeTag, Value};
use oxc_ast::ast::{ArrowFunctionExpression, Class, Function};
use rustc_hash::FxHashMap as HashMap;
use std::io::Write;
use std::rc::Rc;
use std::sync::Arc;

/// Type tags and slot layouts of JavaScript objects.
pub use super::tags;

/// Where a function's code lives in the AST.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Code<'a> {
    Function(&'a Function<'a>),
    Arrow(&'a ArrowFunctionExpression<'a>),
    /// A class constructor (explicit or implicit).
    Class(&'a Class<'a>),
}

impl Code<'_> {
    /// A key unique to the AST node (its address).
    pub(crate) fn key(&self) -> usize {
        match self {
            Code::Function(f) => *f as *const Function<'_> as usize,
            Code::Arrow(a) => *a as *const ArrowFunctionExpression<'_> as usize,
            Code::Class(c) => *c as *const Class<'_> as usize,
        }
    }
}

/// What the interpreter knows of one function literal.
#[derive(Debug)]
pub(crate) struct FuncInfo<'a> {
    pub code: Code<'a>,
    pub name: Arc<str>,
    /// Frame label: `name (file:line:col)`, interned for the process
    /// ([`static_label`](super::tables::static_label)) so a call pushes its frame without
    /// looking the label up.
    pub label: &'static str,
    pub tag: TypeTag,
    /// Layout of the function's own scope (params, vars, top-level lexical names).
    pub layout: Rc<Layout>,
    /// For a parameter list of plain names (no defaults, patterns or rest): each
    /// parameter's slot in the function's environment, bound without name lookups.
    pub param_slots: Option<Rc<[usize]>>,
    /// Whether the body declares functions (hoisted at each call).
    pub hoists: bool,
    /// For a function whose calls keep its variables in frame slots instead of a heap
    /// environment (its body captures nothing and opens no scope: [`super::capture`]): each
    /// slot's initial value, in layout order. `None` for a function with an environment.
    pub frame_init: Option<Rc<[super::frame::SlotInit]>>,
}

/// Options of a run.
#[derive(Clone, Debug)]
pub struct JsOptions {
    /// Heap configuration.
    pub config: HeapConfig,
    /// Maximum JavaScript call depth before `RangeError: Maximum call stack size exceeded`.
    pub max_depth: usize,
    /// Stop the event loop before virtual time passes this (ms).
    pub until: Option<u64>,
    /// Unused by the progress-paced checkpoints (see [`super::pace`]); kept for the command
    /// line's `--checkpoint-every`.
    pub checkpoint_ms: u64,
    /// Define `gc()` (as `node --expose-gc`).
    pub expose_gc: bool,
    /// Rust stack the interpreter may use (bytes) before a deep recursion, of calls or of
    /// nested expressions, becomes `RangeError: Maximum call stack size exceeded`.
    /// [`run_source`](super::run_source) runs the program on a thread whose stack is
    /// [`STACK_RESERVE`] bytes larger than this.
    pub stack_bytes: usize,
    /// Write a V8 `.heapsnapshot` here at the end of the work.
    pub snapshot: Option<std::path::PathBuf>,
    /// Take leak checkpoints (forced full collections at a doubling stride, in the one run).
    /// `false` reports collections only (for benchmarks).
    pub probe: bool,
}

/// Stack kept in reserve above [`JsOptions::stack_bytes`]: what the deepest step between two
/// checks (a native, the parser on a bounded nesting, printing a value) may use, and what a
/// `catch` handler of the `RangeError` runs on.
pub const STACK_RESERVE: usize = 64 << 20;

impl Default for JsOptions {
    fn default() -> Self {
        JsOptions {
            config: HeapConfig::default(),
            max_depth: 9_000,
            until: None,
            checkpoint_ms: 1000,
            expose_gc: false,
            stack_bytes: 2 << 30,
            snapshot: None,
            probe: true,
        }
    }
}

/// Intrinsic objects, each a persistent handle root.
#[derive(Debug)]
pub(crate) struct Intrinsics {
    pub object_proto: Persistent,
    pub function_proto: Persistent,
    pub array_proto: Persistent,
    pub string_proto: Persistent,
    pub number_proto: Persistent,
    pub boolean_proto: Persistent,
    pub error_proto: Persistent,
    pub type_error_proto: Persistent,
    pub range_error_proto: Persistent,
    pub reference_error_proto: Persistent,
    pub syntax_error_proto: Persistent,
    pub map_proto: Persistent,
    pub set_proto: Persistent,
    pub promise_proto: Persistent,
    pub buffer_proto: Persistent,
    pub generator_proto: Persistent,
    /// The deleted-entry marker of maps and sets.
    pub hole: Persistent,
}

/// A native function: `(interp, this, args, callee)`.
pub(crate) type NativeFn =
    for<'a> fn(&mut Interp<'a>, Value, &[Value], gclab::Handle) -> super::R<Value>;

/// The interpreter: one JavaScript program on one heap.
pub struct Interp<'a> {
    /// The heap every value lives in.
    pub heap: Heap,
    pub(crate) file: Arc<str>,
    pub(crate) source: &'a str,
    pub(crate) line_starts: Vec<u32>,
    pub(crate) atoms: Vec<Rc<str>>,
    pub(crate) atom_ids: HashMap<Rc<str>, i32>,
    pub(crate) funcs: Vec<FuncInfo<'a>>,
    pub(crate) func_ids: HashMap<usize, i32>,
    pub(crate) layouts: HashMap<u64, Rc<Layout>>,
    pub(crate) func_of_tag: TagTable<i32>,
    pub(crate) layout_of_tag: TagTable<Rc<Layout>>,
    /// Where each identifier read found its name last time. Checked against the tag before
    /// use.
    pub(crate) ident_cache: IdentCache,
    /// While a program's main body runs: its module environment's tag and handle (a local
    /// of the main frame), so names found there are read without walking the chain.
    pub(crate) module_env: Option<(TypeTag, gclab::Handle)>,
    /// The atom of recent `o.name` property nodes, direct-mapped by node address.
    pub(crate) static_atoms: Vec<(usize, i32)>,
    pub(crate) next_tag: TypeTag,
    pub(crate) natives: Vec<(&'static str, NativeFn)>,
    pub(crate) intr: Option<Intrinsics>,
    pub(crate) depth: usize,
    pub(crate) max_depth: usize,
    pub(crate) strict: bool,
    /// The event loop; payloads are keys of [`Interp::jobs`].
    pub(crate) event_loop: EventLoop<u64>,
    /// Callbacks and promise jobs waiting in the loop, each a persistent root.
    pub(crate) jobs: HashMap<u64, Persistent>,
    pub(crate) timers: HashMap<u32, (TimerId, u64)>,
    pub(crate) immediates: HashMap<u32, (crate::event_loop::ImmediateId, u64)>,
    pub(crate) next_job: u64,
    pub(crate) next_timer: u32,
    /// What the program printed with `console.log` (stdout).
    pub(crate) out: Box<dyn Write>,
    /// What it printed with `console.error` and warnings (stderr).
    pub(crate) err: Box<dyn Write>,
    /// Promises rejected with no handler yet (persistent roots), in rejection order.
    pub(crate) pending_rejections: Vec<Persistent>,
    /// Promises reported unhandled that got a handler since: `rejectionHandled` is emitted
    /// for each at the end of the next drain.
    pub(crate) handled_late: Vec<Persistent>,
    /// Unhandled rejections reported so far.
    pub unhandled_rejections: usize,
    /// The innermost `this` (rooted by the current frame).
    pub(crate) this: Value,
    /// The function being run, for `super` (rooted by the current frame).
    pub(crate) callee: Option<gclab::Handle>,
    /// The current lexical environment (rooted by the current frame).
    pub(crate) env: Value,
    /// The variables of the running frame-slot calls, innermost last: locals of their calls'
    /// heap frames (so each is a precise root exactly while its call runs), `frame.base..`
    /// for the innermost.
    pub(crate) slots: Vec<gclab::Handle>,
    /// The innermost running frame-slot call, if any.
    pub(crate) frame: Option<super::frame::FrameScope>,
    pub(crate) options: JsOptions,
    pub(crate) random_state: u64,
    /// Start offset of the call expression being evaluated (for natives' messages and labels).
    pub(crate) call_site: u32,
    /// Address of a local of [`Interp::new`]: where this interpreter's use of the Rust stack
    /// starts (the stack grows down).
    stack_base: usize,
    /// Whether the event loop runs: checkpoints are then taken between macrotasks only, where
    /// what the program keeps is held by its timers, listeners and promises, not by a frame.
    pub(crate) in_event_loop: bool,
    /// Globals created by assigning to an undeclared name, with where (`file:line`).
    pub(crate) accidental_globals: HashMap<String, String>,
    /// Symbols and the built-in iterators' prototypes.
    pub(crate) lang: super::builtins::LangState,
    /// Checkpoints of the run (`None` without `probe`).
    pub(crate) pacer: Option<super::pace::Pacer>,
    /// Arrays being joined by ToString, innermost last (a cycle joins as `""`, as in V8).
    pub(crate) joining: Vec<gclab::Handle>,
    /// The async function state or generator being run (rooted by its step's frame).
    pub(crate) async_state: Option<gclab::Handle>,
    /// Cursor entries still to replay while resuming, outermost last.
    pub(crate) resume: Vec<super::resume::Entry>,
    /// How the suspended function is resumed and with what value, taken by its `await`/`yield`.
    pub(crate) resume_value: Option<(super::resume::Resumed, Value)>,
    /// Labels of `break`/`continue` completions pending across an `await` in `finally`.
    pub(crate) label_pool: Vec<&'a str>,
}

impl std::fmt::Debug for Interp<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interp")
            .field("file", &self.file)
            .field("depth", &self.depth)
            .finish_non_exhaustive()
    }
}

impl<'a> Interp<'a> {
    /// A fresh interpreter for `source` (named `file` in messages), with the intrinsics
    /// installed.
    ///
    /// # Errors
    /// Heap errors (a configuration the heap refuses, out of memory).
    pub fn new(
        file: &str,
        source: &'a str,
        options: JsOptions,
        out: Box<dyn Write>,
        err: Box<dyn Write>,
    ) -> Result<Interp<'a>, gclab::HeapError> {
        let mut heap = Heap::with_config(options.config.clone())?;
        use tags::*;
        let obj = ["__proto__", "properties", "count"];
        heap.register_type(OBJECT, "Object", &obj);
        heap.register_type(GLOBAL, "global", &obj);
        heap.register_type(PROPSTORE, "(object properties)", &[]);
        heap.register_type(
            ARRAY,
            "Array",
            &[obj[0], obj[1], obj[2], "length", "elements"],
        );
        heap.register_type(ELEMENTS, "(elements)", &[]);
        heap.register_type(STRING, "string", &[]);
        heap.register_type(
            NATIVE,
            "native function",
            &[obj[0], obj[1], obj[2], "id", "bound", "bound2"],
        );
        heap.register_type(MAP, "Map", &[obj[0], obj[1], obj[2], "keys", "values"]);
        heap.register_type(SET, "Set", &[obj[0], obj[1], obj[2], "keys", "values"]);
        heap.register_type(
            PROMISE,
            "Promise",
            &[obj[0], obj[1], obj[2], "state", "result", "reactions"],
        );
        heap.register_type(
            REACTION,
            "(promise reaction)",
            &["onFulfilled", "onRejected", "derived"],
        );
        heap.register_type(JOB, "(job)", &["kind", "callback", "argument", "derived"]);
        heap.register_type(BUFFER, "Buffer", &obj);
        heap.register_type(
            ASYNC,
            "(suspended async function)",
            &["context", "this", "callee", "promise", "cursor"],
        );
        heap.register_type(
            GENERATOR,
            "Generator",
            &[
                obj[0],
                obj[1],
                obj[2],
                "context",
                "this",
                "callee",
                "yielded",
                "cursor",
                "state",
                "returning",
            ],
        );
        let mut line_starts = vec![0u32];
        for (i, b) in source.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i as u32 + 1);
            }
        }
        let max_depth = options.max_depth;
        let mut it = Interp {
            heap,
            file: file.into(),
            source,
            line_starts,
            atoms: Vec::new(),
            atom_ids: HashMap::default(),
            funcs: Vec::new(),
            func_ids: HashMap::default(),
            layouts: HashMap::default(),
            func_of_tag: TagTable::default(),
            layout_of_tag: TagTable::default(),
            ident_cache: IdentCache::default(),
            module_env: None,
            static_atoms: vec![(0, 0); super::atoms::STATIC_KEY_CACHE],
            next_tag: FIRST_DYNAMIC,
            natives: Vec::new(),
            intr: None,
            depth: 0,
            max_depth,
            strict: false,
            event_loop: EventLoop::new(),
            jobs: HashMap::default(),
            timers: HashMap::default(),
            immediates: HashMap::default(),
            next_job: 1,
            next_timer: 1,
            out,
            err,
            pending_rejections: Vec::new(),
            handled_late: Vec::new(),
            unhandled_rejections: 0,
            this: Value::Undefined,
            callee: None,
            env: Value::Undefined,
            slots: Vec::new(),
            frame: None,
            options,
            random_state: 0x2545_f491_4f6c_dd1d,
            call_site: 0,
            stack_base: stack_address(),
            joining: Vec::new(),
            async_state: None,
            resume: Vec::new(),
            resume_value: None,
            label_pool: Vec::new(),
            pacer: None,
            in_event_loop: false,
            accidental_globals: HashMap::default(),
            lang: Default::default(),
        };
        it.install_intrinsics()?;
        if it.options.expose_gc {
            if let Some(gc) = it.heap.global("__gc") {
                it.heap.set_global("gc", gc)?;
            }
        }
        Ok(it)
    }

    fn install_intrinsics(&mut self) -> Result<(), gclab::HeapError> {
        let mk = |h: &mut Heap, label: &str| -> Result<Persistent, gclab::HeapError> {
            let o = h.alloc(tags::OBJECT, 3, 0)?;
            h.set(o, tags::NPROPS, Value::Int(0))?;
            h.root(RootKind::Handle, label, o)
        };
        let h = &mut self.heap;
        let object_proto = mk(h, "Object.prototype")?;
        let intr = Intrinsics {
            function_proto: mk(h, "Function.prototype")?,
            array_proto: mk(h, "Array.prototype")?,
            string_proto: mk(h, "String.prototype")?,
            number_proto: mk(h, "Number.prototype")?,
            boolean_proto: mk(h, "Boolean.prototype")?,
            error_proto: mk(h, "Error.prototype")?,
            type_error_proto: mk(h, "TypeError.prototype")?,
            range_error_proto: mk(h, "RangeError.prototype")?,
            reference_error_proto: mk(h, "ReferenceError.prototype")?,
            syntax_error_proto: mk(h, "SyntaxError.prototype")?,
            map_proto: mk(h, "Map.prototype")?,
            set_proto: mk(h, "Set.prototype")?,
            promise_proto: mk(h, "Promise.prototype")?,
            buffer_proto: mk(h, "Buffer.prototype")?,
            generator_proto: mk(h, "Generator.prototype")?,
            hole: mk(h, "(hole)")?,
            object_proto,
        };
        let op = intr.object_proto.handle();
        for p in [
            &intr.function_proto,
            &intr.array_proto,
            &intr.string_proto,
            &intr.number_proto,
            &intr.boolean_proto,
            &intr.error_proto,
            &intr.map_proto,
            &intr.set_proto,
            &intr.promise_proto,
            &intr.buffer_proto,
            &intr.generator_proto,
        ] {
            h.set(p.handle(), tags::PROTO, op)?;
        }
        let ep = intr.error_proto.handle();
        for p in [
            &intr.type_error_proto,
            &intr.range_error_proto,
            &intr.reference_error_proto,
            &intr.syntax_error_proto,
        ] {
            h.set(p.handle(), tags::PROTO, ep)?;
        }
        h.set(intr.object_proto.handle(), tags::PROTO, Value::Null)?;
        self.intr = Some(intr);
        super::builtins::install(self).map_err(|e| match e {
            super::Exc::Heap(h) => *h,
            other => panic!("installing the built-ins failed: {other:?}"),
        })
    }

    pub(crate) fn intr(&self) -> &Intrinsics {
        self.intr
            .as_ref()
            .expect("intrinsics are installed in new()")
    }

    /// The type tag of `h` (as `Heap::type_tag`, inlined: the interpreter asks on every
    /// property access, call and name lookup).
    #[inline(always)]
    pub(crate) fn tag_of(&self, h: gclab::Handle) -> Result<TypeTag, gclab::HeapError> {
        Ok(self.heap.view(h)?.type_tag())
    }

    /// A fresh type tag for a closure or environment type.
    pub(crate) fn fresh_tag(&mut self) -> TypeTag {
        let t = self.next_tag;
        self.next_tag = self.next_tag.saturating_add(1);
        t
    }

    /// `file:line:col` of a byte offset (1-based line and column).
    pub(crate) fn loc(&self, offset: u32) -> String {
        let (l, c) = self.line_col(offset);
        format!("{}:{l}:{c}", self.file)
    }

    /// `file:line` of a byte offset.
    pub(crate) fn loc_line(&self, offset: u32) -> String {
        format!("{}:{}", self.file, self.line_col(offset).0)
    }

    /// 1-based line and column of a byte offset.
    pub(crate) fn line_col(&self, offset: u32) -> (usize, usize) {
        // An offset from another source (the prelude's, for a call site inside it) is clamped,
        // never a panic.
        let mut end = (offset as usize).min(self.source.len());
        while !self.source.is_char_boundary(end) {
            end -= 1;
        }
        let offset = end as u32;
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let col = self.source[self.line_starts[line] as usize..offset as usize]
            .chars()
            .count();
        (line + 1, col + 1)
    }

    /// The source line (without newline) containing `offset`.
    pub(crate) fn source_line(&self, offset: u32) -> &'a str {
        let (l, _) = self.line_col(offset);
        let start = self.line_starts[l - 1] as usize;
        let end = self.source[start..]
            .find('\n')
            .map_or(self.source.len(), |e| start + e);
        &self.source[start..end]
    }

    /// Whether this interpreter has used more than [`JsOptions::stack_bytes`] of Rust stack.
    #[inline]
    pub(crate) fn stack_exhausted(&self) -> bool {
        self.stack_base.saturating_sub(stack_address()) > self.options.stack_bytes
    }

    /// `Err(RangeError: Maximum call stack size exceeded)` when the Rust stack budget is used
    /// up: called by every expression and statement, so no input nests Rust frames without
    /// bound.
    #[inline]
    pub(crate) fn check_stack(&mut self) -> super::R<()> {
        if self.stack_exhausted() {
            return Err(self.throw_range("Maximum call stack size exceeded")?);
        }
        Ok(())
    }

    /// An [`Exc::Unsupported`] naming `what` at `offset`.
    pub(crate) fn unsupported<T>(&self, what: &str, offset: u32) -> super::R<T> {
        Err(super::Exc::Unsupported(
            format!(
                "{}: {what} is not supported by the gclab interpreter",
                self.loc(offset)
            )
            .into(),
        ))
    }
}

/// The address of a local of the calling function: the current depth of the Rust stack.
/// Inlined (every expression and statement asks): the local then lives in the caller's own
/// frame, which is what is measured.
#[inline(always)]
fn stack_address() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}
