//! `why_alive`: one call from a handle to what keeps its object alive, in the embedder's words.
//!
//! [`Heap::why_alive`] takes a frozen [graph](crate::Heap::graph) of the heap **without the
//! root behind the handle it is asked with** (that handle obviously holds the object; the
//! question is who else does), finds the object's node through the address index the walk
//! built (no scan), and answers with a shortest retaining path and every root that reaches the
//! object. Roots are named by their kind and label — a frame's local, a persistent root's
//! label, a global's name, a root stack's `label[i]`, a source's own labels — and objects by
//! the type names given to [`register_type`](crate::Heap::register_type).
//!
//! Printed paths fold runs of the same step: a path down a 100,000-long list reads
//! `[global] list → Pair .cdr ×99,999 → Pair (32 B)` instead of taking megabytes
//! ([`RetainingPath::folded`]).
//!
//! ```
//! use gclab::{Heap, Value};
//!
//! let mut heap = Heap::new()?;
//! const PAIR: u16 = 1;
//! heap.register_type(PAIR, "Pair", &["car", "cdr"]);
//! let list = heap.global_id("list");
//! let f = heap.push_frame_static("build");
//! let mut tail = Value::Null;
//! for i in 0..1000 {
//!     let p = heap.alloc(PAIR, 2, 0)?;
//!     heap.set(p, 0, Value::Int(i))?;
//!     heap.set(p, 1, tail)?;
//!     tail = Value::Ref(p);
//! }
//! heap.put_global(list, tail)?;
//! heap.pop_frame(f)?;
//!
//! let f = heap.push_frame_static("hunt");
//! // Walk to the last pair in one local (a handle per step would root every pair on the way,
//! // and the shortest path would start from the nearest of those locals).
//! let cursor = heap.get_global(list)?.as_ref().unwrap();
//! for _ in 0..999 {
//!     heap.get_into(cursor, 1, cursor)?;
//! }
//! let why = heap.why_alive(cursor)?;
//! assert_eq!(
//!     why.path.as_ref().unwrap().folded().to_string(),
//!     "[global] list → Pair .cdr ×999 → Pair (32 B)"
//! );
//! assert_eq!(why.roots.len(), 1);
//! assert!(why.to_string().starts_with("Pair #1 (32 B) is held by [global] list → Pair .cdr ×999"));
//! heap.pop_frame(f)?;
//! # Ok::<(), gclab::HeapError>(())
//! ```

use super::paths::{PathIndex, PathRoot, RetainingPath};
use crate::error::HeapError;
use crate::heap::Heap;
use crate::roots::Handle;
use std::fmt;
use std::sync::Arc;

/// What keeps an object alive: the answer of [`Heap::why_alive`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WhyAlive {
    /// The object's type name (its registered name, or `Object#tag`).
    pub type_name: Arc<str>,
    /// The object's stable id ([`Heap::object_id`]).
    pub id: u64,
    /// The object's own size in bytes.
    pub self_size: u64,
    /// A shortest path from a root to the object, or `None` when no root but the handle asked
    /// with reaches it (it dies once that handle goes).
    pub path: Option<RetainingPath>,
    /// Every root that reaches the object, in root order (globals and persistent roots,
    /// then frames bottom to top, then root stacks, then sources).
    pub roots: Vec<PathRoot>,
}

/// How many retaining roots the printed form lists before it says "and N more".
const ROOTS_SHOWN: usize = 8;

impl fmt::Display for WhyAlive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} #{} ({} B)", self.type_name, self.id, self.self_size)?;
        let Some(path) = &self.path else {
            return f.write_str(" is held only by the handle asked with");
        };
        write!(f, " is held by {}", path.folded())?;
        if self.roots.len() > 1 {
            write!(f, "\n  reached from {} roots:", self.roots.len())?;
            for r in self.roots.iter().take(ROOTS_SHOWN) {
                write!(f, " [{}] {};", r.kind, r.label)?;
            }
            if self.roots.len() > ROOTS_SHOWN {
                write!(f, " and {} more", self.roots.len() - ROOTS_SHOWN)?;
            }
        }
        Ok(())
    }
}

impl Heap {
    /// Why is the object behind `obj` alive? A shortest retaining path from a root and every
    /// root that reaches it, not counting the root of `obj` itself. See the
    /// [module docs](crate::diagnose::why_alive).
    ///
    /// Takes a heap graph: `O(live objects + edges)`. Does not collect or change anything.
    ///
    /// # Errors
    /// A stale or foreign handle's error; [`HeapError::NotAnObject`] for an immediate.
    pub fn why_alive(&mut self, obj: impl Into<Handle>) -> Result<WhyAlive, HeapError> {
        let h = obj.into();
        let o = self.obj(h)?;
        // SAFETY: `o` is live (resolved from a root).
        let (id, tag, size) = unsafe { (o.id() as u64, o.tag(), o.size() as u64) };
        let type_name = match self.type_info(tag) {
            Some(t) => Arc::clone(&t.name),
            None => format!("Object#{tag}").into(),
        };
        let (graph, index) = self.graph_indexed(Some(h));
        let (path, roots) = match index.get(&o.addr()) {
            None => (None, Vec::new()),
            Some(&node) => {
                let paths = PathIndex::new(&graph);
                let roots = paths
                    .retaining_roots(node)
                    .into_iter()
                    .map(|i| {
                        let r = &graph.roots[i];
                        PathRoot {
                            index: i,
                            kind: r.kind,
                            label: Arc::clone(&r.label),
                        }
                    })
                    .collect();
                (paths.path_to(node), roots)
            }
        };
        Ok(WhyAlive {
            type_name,
            id,
            self_size: size,
            path,
            roots,
        })
    }
}

impl RetainingPath {
    /// The path printed with runs of the same step folded: `→ Pair .cdr ×99,990 →` for
    /// 99,990 consecutive `Pair`s left through `.cdr`. A step repeated once prints plainly.
    pub fn folded(&self) -> Folded<'_> {
        Folded(self)
    }
}

/// A [`RetainingPath`] printed with repeated steps folded (see [`RetainingPath::folded`]).
#[derive(Debug)]
pub struct Folded<'a>(&'a RetainingPath);

impl fmt::Display for Folded<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.0;
        write!(f, "[{}] {}", p.root.kind, p.root.label)?;
        let step = |i: usize| (&p.objects[i].type_name, p.edges.get(i));
        let mut i = 0;
        while i < p.objects.len() {
            let mut run = 1;
            if p.edges.get(i).is_some() {
                while i + run < p.edges.len() && step(i + run) == step(i) {
                    run += 1;
                }
            }
            write!(f, " → {}", p.objects[i].type_name)?;
            if i + run == p.objects.len() {
                write!(f, " ({} B)", p.objects[i].self_size)?;
            }
            if let Some(e) = p.edges.get(i) {
                write!(f, " {e}")?;
                if run > 1 {
                    write!(f, " ×{}", Thousands(run))?;
                }
            }
            i += run;
        }
        Ok(())
    }
}

/// A count with `,` between groups of three digits.
struct Thousands(usize);

impl fmt::Display for Thousands {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0.to_string();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 {
                f.write_str(",")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::HeapGraphBuilder;
    use crate::roots::RootKind;

    #[test]
    fn runs_fold_and_single_steps_do_not() {
        let mut b = HeapGraphBuilder::new();
        let env = b.node(1, "Env", 16);
        let mut prev = b.node(2, "Pair", 32);
        b.field(env, 0, "list", prev);
        let first = prev;
        // Miri runs the short chain; the fold is the same.
        let n: u64 = if cfg!(miri) { 1_234 } else { 12_345 };
        for k in 0..n {
            let n = b.node(3 + k, "Pair", 32);
            b.field(prev, 1, "cdr", n);
            prev = n;
        }
        let s = b.node(n + 3, "Str", 24);
        b.field(prev, 0, "car", s);
        b.root(RootKind::Global, "env", env);
        let g = b.build();
        let paths = PathIndex::new(&g);
        let run = if cfg!(miri) { "1,234" } else { "12,345" };
        assert_eq!(
            paths.path_to(s).unwrap().folded().to_string(),
            format!("[global] env → Env .list → Pair .cdr ×{run} → Pair .car → Str (24 B)")
        );
        assert_eq!(
            paths.path_to(first).unwrap().folded().to_string(),
            "[global] env → Env .list → Pair (32 B)"
        );
    }

    #[test]
    fn thousands_separators() {
        let t = |n| Thousands(n).to_string();
        assert_eq!(t(7), "7");
        assert_eq!(t(999), "999");
        assert_eq!(t(1000), "1,000");
        assert_eq!(t(99_990), "99,990");
        assert_eq!(t(1_234_567), "1,234,567");
    }
}
