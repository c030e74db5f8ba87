//! Small fast structures of the interpreter's hot paths: dense side tables indexed without
//! hashing ([`TagTable`] by dynamic type tag, [`IdentCache`] by identifier node), call
//! arguments held in place ([`Args`]) and process-wide frame labels ([`static_label`]).
//!
//! Invariant: a `TagTable` entry exists exactly for the tags inserted; an `IdentCache` entry
//! is returned only for the identifier node it was stored for (its address is kept beside it
//! and compared), so a node numbered by another interpreter over the same AST is
//! renumbered, never confused with another node.

use super::realm::tags::FIRST_DYNAMIC;
use gclab::TypeTag;
use oxc_ast::ast::IdentifierReference;
use oxc_syntax::reference::ReferenceId;

/// A map from dynamic type tags (`FIRST_DYNAMIC..`) to `T`, as a vector.
#[derive(Debug)]
pub(crate) struct TagTable<T> {
    items: Vec<Option<T>>,
}

impl<T> Default for TagTable<T> {
    fn default() -> Self {
        TagTable { items: Vec::new() }
    }
}

impl<T> TagTable<T> {
    #[inline]
    fn index(tag: TypeTag) -> Option<usize> {
        tag.checked_sub(FIRST_DYNAMIC).map(usize::from)
    }

    /// The entry of `tag`, if any.
    #[inline]
    pub(crate) fn get(&self, tag: &TypeTag) -> Option<&T> {
        self.items.get(Self::index(*tag)?)?.as_ref()
    }

    /// Whether `tag` has an entry.
    #[inline]
    pub(crate) fn contains_key(&self, tag: &TypeTag) -> bool {
        self.get(tag).is_some()
    }

    /// Sets the entry of `tag` (a dynamic tag; static tags are never inserted).
    pub(crate) fn insert(&mut self, tag: TypeTag, v: T) {
        let i = Self::index(tag).expect("only dynamic tags have table entries");
        if self.items.len() <= i {
            self.items.resize_with(i + 1, || None);
        }
        self.items[i] = Some(v);
    }
}

/// Where an identifier's name was found: environments up the chain, that environment's tag,
/// the slot, and whether the slot may hold the temporal-dead-zone marker; or, `in_frame`, the
/// variable's index among the frame slots of the call running the identifier's code (a
/// function that captures nothing: `super::capture`), `hops` and `tag` then unused.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Resolved {
    pub hops: u32,
    pub tag: TypeTag,
    pub slot: usize,
    pub may_hole: bool,
    pub in_frame: bool,
}

/// [`Resolved`] per identifier node, numbered through the node's `reference_id` cell (the
/// parser leaves it empty; no semantic pass runs).
#[derive(Debug, Default)]
pub(crate) struct IdentCache {
    entries: Vec<(usize, Option<Resolved>)>,
}

impl IdentCache {
    /// The cached resolution of `id`, if any.
    #[inline]
    pub(crate) fn get(&self, id: &IdentifierReference<'_>) -> Option<Resolved> {
        let n = id.reference_id.get()?.index();
        match self.entries.get(n) {
            Some(&(node, r)) if node == id as *const IdentifierReference<'_> as usize => r,
            _ => None,
        }
    }

    /// Remembers `r` for `id`.
    pub(crate) fn insert(&mut self, id: &IdentifierReference<'_>, r: Resolved) {
        let node = id as *const IdentifierReference<'_> as usize;
        if let Some(n) = id.reference_id.get().map(|r| r.index()) {
            if let Some(e) = self.entries.get_mut(n) {
                if e.0 == node {
                    e.1 = Some(r);
                    return;
                }
            }
        }
        let n = self.entries.len();
        id.reference_id.set(Some(ReferenceId::from_usize(n)));
        self.entries.push((node, Some(r)));
    }
}

/// Call arguments: up to [`Args::INLINE`] values in place (most calls), more on the Rust heap.
/// Reference values are handles rooted in the caller's frame, as any local.
#[derive(Debug)]
pub(crate) enum Args {
    Inline([gclab::Value; Args::INLINE], usize),
    Spilled(Vec<gclab::Value>),
}

impl Args {
    pub(crate) const INLINE: usize = 6;

    /// An empty list.
    #[inline]
    pub(crate) fn new() -> Args {
        Args::Inline([gclab::Value::Undefined; Args::INLINE], 0)
    }

    /// Appends `v`.
    #[inline(always)]
    pub(crate) fn push(&mut self, v: gclab::Value) {
        match self {
            Args::Inline(items, n) if *n < Args::INLINE => {
                items[*n] = v;
                *n += 1;
            }
            Args::Inline(items, n) => {
                let mut all = items[..*n].to_vec();
                all.push(v);
                *self = Args::Spilled(all);
            }
            Args::Spilled(all) => all.push(v),
        }
    }
}

impl std::ops::Deref for Args {
    type Target = [gclab::Value];
    #[inline]
    fn deref(&self) -> &[gclab::Value] {
        match self {
            Args::Inline(items, n) => &items[..*n],
            Args::Spilled(all) => all,
        }
    }
}

/// `label` as a `&'static str`, allocated once per distinct label for the whole process: a
/// function's frame label, so each call pushes its frame with no lookup. Labels are
/// `name (file:line:col)` of function literals, so the set is bounded by the distinct
/// functions of the programs run, and a program run again reuses its labels.
pub(crate) fn static_label(label: &str) -> &'static str {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    static LABELS: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut set = LABELS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(&l) = set.get(label) {
        return l;
    }
    let l: &'static str = Box::leak(label.into());
    set.insert(l);
    l
}
