//! A small model of a JavaScript runtime (Node.js flavoured) whose every object lives in
//! the gclab heap.
//!
//! [`Runtime`] owns a [`Heap`], an [`EventLoop`] and a [`PromiseTable`], and registers
//! each of its roots precisely, with a [`RootKind`](gclab::RootKind) and a label that reads like what a JavaScript
//! programmer wrote:
//!
//! | JavaScript                                   | heap model                                        | root |
//! |----------------------------------------------|---------------------------------------------------|------|
//! | a function call                              | a heap frame (`call`), locals rooted in it         | `StackFrame` |
//! | `function f() { … bigData … }`              | `Closure <name>` object → `Env` (named slots)      | whatever holds the closure |
//! | `setTimeout` / `setInterval`                 | the callback closure                               | `Timer`, `timeout #3` / `interval timer #1` |
//! | `setImmediate`, I/O callbacks                | the callback closure                               | `PendingCallback` |
//! | `queueMicrotask`, `process.nextTick`         | the callback closure                               | `PendingCallback` until run |
//! | a pending promise with reactions             | `Promise` object → `.reactions` → `Array`         | `Promise`, `promise #7` |
//! | `emitter.on(…)`                              | `Emitter .listeners → Array → Listener → Closure` | whatever holds the emitter |
//! | `new Map()`, caches                          | `Map .buckets → Elements → Entry` chains           | whatever holds the map |
//! | `var x` at top level / `x = …` undeclared    | a named global                                     | `Global` |
//!
//! Closure *code* is a Rust function ([`Code`]) kept in a Rust-side table; the closure object
//! stores its index as an integer, and its captured environment as a reference, so the
//! environment lives exactly as long as some reachable closure captured it.
//!
//! The submodules add the pieces: [`array`](mod@array) (arrays, buffers, strings), [`tasks`] (timers,
//! immediates, I/O, ticks, microtasks and running the loop), [`promise`] (promises),
//! [`emitter`] (event emitters) and [`map`] (hash maps, an LRU cache).

pub mod array;
pub mod emitter;
pub mod map;
pub mod promise;
pub mod tasks;

use crate::event_loop::promise::PromiseTable;
use crate::event_loop::{EventLoop, TimerId};
use crate::scenario::ScenarioError;
use gclab::{Handle, Heap, HeapConfig, HeapError, Persistent, TypeTag, Value};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

pub use promise::PValue;
pub use tasks::Job;

/// Type tags of the runtime's built-in object types (registered by [`Runtime::new`]).
pub mod tags {
    use gclab::TypeTag;
    /// `Array`: slots `length` (int) and `elements` (→ `Elements`).
    pub const ARRAY: TypeTag = 1;
    /// `Elements`: an array's backing store (one slot per element).
    pub const ELEMENTS: TypeTag = 2;
    /// `Buffer`: raw bytes (a `Buffer`/`Uint8Array`).
    pub const BUFFER: TypeTag = 3;
    /// `String`: UTF-8 bytes.
    pub const STRING: TypeTag = 4;
    /// `Emitter`: slot `listeners` (→ `Array` of `Listener`).
    pub const EMITTER: TypeTag = 5;
    /// `Listener`: slots `event` (int id), `callback` (→ closure), `once` (bool).
    pub const LISTENER: TypeTag = 6;
    /// `Map`: slots `buckets` (→ `Elements`), `size` (int).
    pub const MAP: TypeTag = 7;
    /// `Entry`: a map entry; slots `key`, `value`, `next` (bucket chain), `newer`, `older`
    /// (the LRU list of an `LruCache`).
    pub const ENTRY: TypeTag = 8;
    /// `LruCache`: slots `map`, `newest`, `oldest`, `capacity`.
    pub const LRU: TypeTag = 9;
    /// `Promise`: slots `reactions` (→ `Array` of closures), `value`.
    pub const PROMISE: TypeTag = 10;
    /// `Request`: slots `url`, `body`, `headers`, `user`.
    pub const REQUEST: TypeTag = 11;
    /// `Response`: slots `status`, `body`.
    pub const RESPONSE: TypeTag = 12;
    /// `Object`: a plain object with unnamed slots.
    pub const OBJECT: TypeTag = 13;
    /// `TreeNode`: slots `left`, `right` (binary-trees, GCBench).
    pub const TREE_NODE: TypeTag = 14;
    /// `Session`: slots `id`, `data`.
    pub const SESSION: TypeTag = 15;
    /// `Node`: GCBench's node; slots `left`, `right`, `i`, `j`.
    pub const GC_NODE: TypeTag = 16;
    /// First tag handed out for closure and environment types.
    pub const FIRST_DYNAMIC: TypeTag = 64;
}

/// Slot indices of closure objects.
pub mod closure_slots {
    /// The captured environment (`Env`), or `undefined`.
    pub const ENV: usize = 0;
    /// The index of the closure's [`Code`](super::Code) in the runtime's table (an int).
    pub const CODE: usize = 1;
}

/// What a closure does when called: gets the runtime, the closure itself (to read its
/// environment with [`Runtime::env_of`]) and the arguments; returns a value or throws.
pub type Code = fn(&mut Runtime, Handle, &[Value]) -> Result<Value, RtError>;

/// An exception or failure inside the runtime.
#[derive(Debug)]
pub enum RtError {
    /// `RangeError: Maximum call stack size exceeded`, thrown at this depth.
    StackOverflow {
        /// The frame depth that would have been exceeded.
        depth: usize,
    },
    /// A thrown JavaScript error, with its message.
    Thrown(String),
    /// The heap refused (out of memory, a stale handle…).
    Heap(HeapError),
}

impl fmt::Display for RtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RtError::StackOverflow { depth } => write!(
                f,
                "RangeError: Maximum call stack size exceeded (depth {depth})"
            ),
            RtError::Thrown(m) => write!(f, "Uncaught {m}"),
            RtError::Heap(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for RtError {}

impl From<HeapError> for RtError {
    fn from(e: HeapError) -> Self {
        RtError::Heap(e)
    }
}

impl From<RtError> for ScenarioError {
    fn from(e: RtError) -> Self {
        match e {
            RtError::Heap(h) => ScenarioError::Heap(h),
            other => ScenarioError::Runtime(other.to_string()),
        }
    }
}

/// Default maximum call depth (frames), after which a call throws
/// [`RtError::StackOverflow`].
pub const DEFAULT_MAX_DEPTH: usize = 10_000;

/// A registered closure code: the function and its name (the frame label of its calls).
#[derive(Clone, Debug)]
struct CodeEntry {
    code: Code,
    name: Arc<str>,
}

/// The runtime: heap, call stack, closures, event loop, promises and globals.
pub struct Runtime {
    /// The heap every object lives in.
    pub heap: Heap,
    /// The event loop (payloads are [`Job`]s naming rooted callbacks).
    pub event_loop: EventLoop<Job>,
    pub(crate) promises: PromiseTable<u64, PValue>,
    pub(crate) promise_state: promise::PromiseRoots,
    codes: Vec<CodeEntry>,
    code_ids: HashMap<&'static str, (i32, TypeTag)>,
    env_types: HashMap<Vec<&'static str>, TypeTag>,
    next_tag: TypeTag,
    depth: usize,
    max_depth: usize,
    /// Callbacks waiting in the event loop, by job key.
    pub(crate) callbacks: HashMap<u64, Persistent>,
    pub(crate) timers: HashMap<TimerId, u64>,
    pub(crate) next_key: u64,
    pub(crate) timer_serial: u64,
    pub(crate) event_ids: HashMap<String, i32>,
    /// Unhandled promise rejections reported so far (Node's `unhandledRejection`), as
    /// messages.
    pub unhandled_rejections: Vec<String>,
    /// Errors thrown by callbacks the event loop ran (Node would print them and exit; the
    /// model records them and goes on).
    pub uncaught: Vec<String>,
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("depth", &self.depth)
            .field("max_depth", &self.max_depth)
            .field("callbacks", &self.callbacks.len())
            .field("promises", &self.promises.len())
            .finish_non_exhaustive()
    }
}

impl Runtime {
    /// A runtime on a fresh heap built from `config`, with the built-in types registered.
    ///
    /// # Errors
    /// Whatever [`Heap::with_config`] refuses.
    pub fn new(config: HeapConfig) -> Result<Runtime, HeapError> {
        let mut heap = Heap::with_config(config)?;
        use tags::*;
        heap.register_type(ARRAY, "Array", &["length", "elements"]);
        heap.register_type(ELEMENTS, "Elements", &[]);
        heap.register_type(BUFFER, "Buffer", &[]);
        heap.register_type(STRING, "String", &[]);
        heap.register_type(EMITTER, "Emitter", &["listeners"]);
        heap.register_type(LISTENER, "Listener", &["event", "callback", "once"]);
        heap.register_type(MAP, "Map", &["buckets", "size"]);
        heap.register_type(ENTRY, "Entry", &["key", "value", "next", "newer", "older"]);
        heap.register_type(LRU, "LruCache", &["map", "newest", "oldest", "capacity"]);
        heap.register_type(PROMISE, "Promise", &["reactions", "value"]);
        heap.register_type(REQUEST, "Request", &["url", "body", "headers", "user"]);
        heap.register_type(RESPONSE, "Response", &["status", "body"]);
        heap.register_type(OBJECT, "Object", &[]);
        heap.register_type(TREE_NODE, "TreeNode", &["left", "right"]);
        heap.register_type(SESSION, "Session", &["id", "data"]);
        heap.register_type(GC_NODE, "Node", &["left", "right", "i", "j"]);
        Ok(Runtime {
            heap,
            event_loop: EventLoop::new(),
            promises: PromiseTable::new(PValue::Undefined),
            promise_state: promise::PromiseRoots::default(),
            codes: Vec::new(),
            code_ids: HashMap::new(),
            env_types: HashMap::new(),
            next_tag: FIRST_DYNAMIC,
            depth: 0,
            max_depth: DEFAULT_MAX_DEPTH,
            callbacks: HashMap::new(),
            timers: HashMap::new(),
            next_key: 1,
            timer_serial: 0,
            event_ids: HashMap::new(),
            unhandled_rejections: Vec::new(),
            uncaught: Vec::new(),
        })
    }

    // ------------------------------------------------------------------ call stack

    /// The maximum call depth.
    pub fn max_depth(&self) -> usize {
        self.max_depth
    }

    /// Sets the maximum call depth.
    pub fn set_max_depth(&mut self, depth: usize) {
        self.max_depth = depth;
    }

    /// Current call depth (frames pushed by [`call`](Self::call)).
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Calls `f` in a new heap frame labelled `label`: locals `f` creates are rooted by the
    /// frame and released when it returns. A returned reference escapes into the caller's
    /// frame. Throws [`RtError::StackOverflow`] instead of pushing a frame past the
    /// maximum depth; an error from `f` unwinds the frame too.
    ///
    /// # Errors
    /// `StackOverflow`, or whatever `f` returns.
    pub fn call(
        &mut self,
        label: &str,
        f: impl FnOnce(&mut Runtime) -> Result<Value, RtError>,
    ) -> Result<Value, RtError> {
        if self.depth >= self.max_depth {
            return Err(RtError::StackOverflow { depth: self.depth });
        }
        let frame = self.heap.push_frame(label);
        self.call_in(frame, f)
    }

    /// Enters a call without a Rust closure (for deep recursion modelled as a loop): pushes
    /// a frame labelled `label`, or throws `StackOverflow` at the maximum depth. Pair with
    /// [`leave`](Self::leave), innermost first.
    ///
    /// # Errors
    /// `StackOverflow`.
    pub fn enter(&mut self, label: &str) -> Result<gclab::Frame, RtError> {
        if self.depth >= self.max_depth {
            return Err(RtError::StackOverflow { depth: self.depth });
        }
        self.depth += 1;
        Ok(self.heap.push_frame(label))
    }

    /// Returns from a call made with [`enter`](Self::enter) (unwinding, if an exception
    /// is propagating).
    ///
    /// # Errors
    /// A heap error if `frame` is not the innermost frame.
    pub fn leave(&mut self, frame: gclab::Frame) -> Result<(), RtError> {
        self.heap.pop_frame(frame)?;
        self.depth -= 1;
        Ok(())
    }

    fn call_shared(
        &mut self,
        label: &Arc<str>,
        f: impl FnOnce(&mut Runtime) -> Result<Value, RtError>,
    ) -> Result<Value, RtError> {
        if self.depth >= self.max_depth {
            return Err(RtError::StackOverflow { depth: self.depth });
        }
        let frame = self.heap.push_frame_shared(label);
        self.call_in(frame, f)
    }

    fn call_in(
        &mut self,
        frame: gclab::Frame,
        f: impl FnOnce(&mut Runtime) -> Result<Value, RtError>,
    ) -> Result<Value, RtError> {
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        match r {
            Ok(Value::Ref(h)) => match self.heap.pop_frame_escape(frame, h) {
                Ok(v) => Ok(v),
                Err(e) => Err(RtError::Heap(e)),
            },
            Ok(v) => {
                self.heap.pop_frame(frame)?;
                Ok(v)
            }
            Err(e) => {
                self.heap.pop_frame(frame)?;
                Err(e)
            }
        }
    }

    // ------------------------------------------------------------------ closures

    fn fresh_tag(&mut self) -> TypeTag {
        let t = self.next_tag;
        self.next_tag = self.next_tag.checked_add(1).expect("type tags exhausted");
        t
    }

    /// The type tag of environments with these slot names (registered as `Env` on first
    /// use, so retaining paths read `Env .bigData`).
    pub fn env_type(&mut self, names: &[&'static str]) -> TypeTag {
        if let Some(&t) = self.env_types.get(names) {
            return t;
        }
        let t = self.fresh_tag();
        self.heap.register_type(t, "Env", names);
        self.env_types.insert(names.to_vec(), t);
        t
    }

    /// Allocates an environment (a closure scope) with the given slot names and values,
    /// as a local of the current frame.
    ///
    /// # Errors
    /// Heap errors (out of memory).
    pub fn new_env(&mut self, names: &[&'static str], values: &[Value]) -> Result<Handle, RtError> {
        let t = self.env_type(names);
        let h = self.heap.alloc(t, names.len(), 0)?;
        for (i, v) in values.iter().enumerate().take(names.len()) {
            self.heap.set(h, i, *v)?;
        }
        Ok(h)
    }

    /// Registers closure code under `name` (once per name) and returns its code index and
    /// the closure type tag (`Closure <name>`).
    fn code_id(&mut self, name: &'static str, code: Code) -> (i32, TypeTag) {
        if let Some(&ids) = self.code_ids.get(name) {
            return ids;
        }
        let t = self.fresh_tag();
        self.heap
            .register_type(t, &format!("Closure {name}"), &["env", "code"]);
        let id = self.codes.len() as i32;
        self.codes.push(CodeEntry {
            code,
            name: Arc::from(name),
        });
        self.code_ids.insert(name, (id, t));
        (id, t)
    }

    /// Creates a function object named `name` running `code` and capturing `env` (a
    /// `function` expression or arrow), as a local of the current frame.
    ///
    /// # Errors
    /// Heap errors.
    pub fn closure(
        &mut self,
        name: &'static str,
        code: Code,
        env: Option<Handle>,
    ) -> Result<Handle, RtError> {
        let (id, tag) = self.code_id(name, code);
        let h = self.heap.alloc(tag, 2, 0)?;
        if let Some(env) = env {
            self.heap.set(h, closure_slots::ENV, env)?;
        }
        self.heap.set(h, closure_slots::CODE, Value::Int(id))?;
        Ok(h)
    }

    /// The environment a closure captured (a new local), or `None`.
    ///
    /// # Errors
    /// Heap errors (a stale handle).
    pub fn env_of(&mut self, closure: Handle) -> Result<Option<Handle>, RtError> {
        Ok(self.heap.get(closure, closure_slots::ENV)?.as_ref())
    }

    /// Reads slot `index` of the environment of `closure`.
    ///
    /// # Errors
    /// `Thrown` if the closure has no environment; heap errors.
    pub fn env_get(&mut self, closure: Handle, index: usize) -> Result<Value, RtError> {
        let env = self
            .env_of(closure)?
            .ok_or_else(|| RtError::Thrown("ReferenceError: no environment".into()))?;
        Ok(self.heap.get(env, index)?)
    }

    /// Whether `v` is a function object made by [`closure`](Self::closure).
    pub fn is_closure(&self, h: Handle) -> bool {
        self.heap
            .type_tag(h)
            .is_ok_and(|t| self.code_ids.values().any(|&(_, ct)| ct == t))
    }

    /// Calls a function object with `args` in a new frame labelled with its name.
    ///
    /// # Errors
    /// `Thrown("TypeError …")` if `f` is not a function; `StackOverflow`; whatever the
    /// code throws.
    pub fn invoke(&mut self, f: Handle, args: &[Value]) -> Result<Value, RtError> {
        let id = match self.heap.get(f, closure_slots::CODE) {
            Ok(Value::Int(i)) if (i as usize) < self.codes.len() => i as usize,
            _ => return Err(RtError::Thrown("TypeError: not a function".into())),
        };
        let CodeEntry { code, name } = self.codes[id].clone();
        self.call_shared(&name, |rt| {
            // Root the callee in its own frame: the caller's root may go away during the
            // call (an interval cleared from its own callback).
            let this = rt.heap.local(f)?;
            code(rt, this, args)
        })
    }

    // ------------------------------------------------------------------ globals

    /// `var name = v` at top level (or `globalThis.name = v`): a named global root.
    ///
    /// # Errors
    /// Heap errors (a stale handle).
    pub fn set_global(&mut self, name: &str, v: impl Into<Value>) -> Result<(), RtError> {
        Ok(self.heap.set_global(name, v)?)
    }

    /// Reads a global (a reference comes back as a local).
    pub fn global(&mut self, name: &str) -> Option<Value> {
        self.heap.global(name)
    }

    /// The global name an undeclared assignment `name = v` creates in sloppy mode.
    pub fn accidental_global_name(name: &str) -> String {
        format!("{name} (accidental)")
    }

    /// `name = v` with no declaration in sloppy mode: silently creates a property of the
    /// global object, a global root labelled `<name> (accidental)`.
    ///
    /// # Errors
    /// Heap errors.
    pub fn accidental_global(&mut self, name: &str, v: impl Into<Value>) -> Result<(), RtError> {
        Ok(self
            .heap
            .set_global(&Self::accidental_global_name(name), v)?)
    }

    /// Reads a global created by [`accidental_global`](Self::accidental_global).
    pub fn accidental(&mut self, name: &str) -> Option<Value> {
        self.heap.global(&Self::accidental_global_name(name))
    }

    /// Interns an event name as a small integer (stored in `Listener.event`).
    pub fn event_id(&mut self, name: &str) -> i32 {
        let n = self.event_ids.len() as i32;
        *self.event_ids.entry(name.to_string()).or_insert(n)
    }

    /// A fresh key for a callback held by the event loop.
    pub(crate) fn key(&mut self) -> u64 {
        let k = self.next_key;
        self.next_key += 1;
        k
    }

    /// Checks the heap's invariants, turning a failure into a runtime error.
    ///
    /// # Errors
    /// `Thrown` with the verifier's message.
    pub fn verify(&mut self) -> Result<(), RtError> {
        self.heap
            .verify()
            .map(|_| ())
            .map_err(|e| RtError::Thrown(format!("heap verification failed: {e}")))
    }
}
