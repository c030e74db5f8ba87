//! The [`Heap`]: allocation, object access through handles, roots, and collection triggers.

use crate::config::{HeapConfig, Plan};
use crate::error::HeapError;
use crate::object::TypeTag;
use crate::plan::common::Scratch;
use crate::plan::ActivePlan;
use crate::roots::RootTable;
use crate::stats::{HeapUsage, SpaceEntry, SpaceName, Stats};
use crate::value::{RawValue, Value};

mod access;
mod alloc;
mod frames;
mod globals;
mod raw;
mod stack;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The safe value of a word that is not a reference.
#[inline]
pub(crate) fn immediate_value(raw: RawValue) -> Result<Value, HeapError> {
    match raw.immediate() {
        Some(i) => Ok(i.into()),
        None => Err(HeapError::InvalidValue { bits: raw.bits() }),
    }
}

/// Names the embedder gives a type tag, for diagnostics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeInfo {
    /// The type's name (`"Closure"`, `"Array"`…).
    pub name: Arc<str>,
    /// Names of the reference slots, by index; slots past the list are shown by index.
    pub slot_names: Vec<Arc<str>>,
}

/// Which space an object lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SpaceKind {
    /// The nursery (generational), the copying space (semispace) or the bump region (no-gc).
    Young,
    /// The mark-sweep old generation.
    Old,
    /// The large-object space.
    Large,
}

/// A garbage-collected heap. See the [crate documentation](crate) for the model and an example.
///
/// A heap belongs to the thread that made it: neither it nor its
/// [`Persistent`](crate::Persistent) roots can be sent to another thread (their release queue
/// is shared with the heap without locks).
///
/// ```compile_fail
/// let heap = gclab::Heap::new().unwrap();
/// std::thread::spawn(move || drop(heap)); // `Heap` is not `Send`
/// ```
///
/// ```compile_fail
/// let mut heap = gclab::Heap::new().unwrap();
/// let root = heap.root(gclab::RootKind::Timer, "t", gclab::Value::Int(1)).unwrap();
/// std::thread::spawn(move || drop(root)); // `Persistent` is not `Send`
/// ```
pub struct Heap {
    pub(crate) config: HeapConfig,
    /// The collector: its spaces, allocation slow path, triggers and collections.
    pub(crate) plan: ActivePlan,
    pub(crate) roots: RootTable,
    pub(crate) types: HashMap<TypeTag, TypeInfo>,
    pub(crate) stats: Stats,
    next_id: u64,
    /// Bytes allocated, not counting the nursery's bytes since the last collection.
    pub(crate) allocated_retired: u64,
    /// Nursery bytes in use right after the last collection (survivors, not new allocation).
    pub(crate) nursery_baseline: usize,
    pub(crate) major_threshold: u64,
    /// The barrier's young range: `[barrier_lo, barrier_lo + barrier_len)`; empty unless
    /// the plan has an object-remembering barrier.
    barrier_lo: usize,
    barrier_len: usize,
    /// `barrier_lo` as a reference's bits (tag included): a stored value is a reference
    /// into the nursery exactly when `bits - barrier_ref_lo < barrier_len`, one compare that
    /// also rejects every immediate (their tags differ from the reference tag). Kept beside
    /// the untagged bound so neither test has to add or strip the tag.
    barrier_ref_lo: u64,
    pub(crate) epoch: Instant,
    /// The collections' scratch: the mark stack's storage and the phase clock.
    pub(crate) mark_stack: Scratch,
    /// An incremental marking cycle needs the deletion barrier ([`crate::pause::satb`]).
    pub(crate) satb_active: bool,
    /// The deletion barrier's log: old values of overwritten slots, drained by the slices.
    pub(crate) satb: Vec<RawValue>,
    /// Objects larger than this go to the large-object space (the plan's threshold).
    large_threshold: usize,
    /// The largest object the inlined fast path allocates: `large_threshold`, or 0 in stress
    /// mode so that every allocation reaches the slow path and its countdown.
    fast_max: usize,
    /// Stress mode: allocations left before the next forced collection (0: off), and the
    /// number of forced collections so far.
    stress_countdown: u32,
    stress_count: u64,
    /// Finalization registrations and host objects, processed after each collection.
    pub(crate) weak: crate::weak::WeakState,
}

impl std::fmt::Debug for Heap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Heap")
            .field("plan", &self.config.plan)
            .field("usage", &self.usage())
            .field("collections", &self.stats.events().len())
            .finish()
    }
}

impl Heap {
    /// A heap with the default configuration (gen-immix plan, 16 MiB nursery semispaces).
    pub fn new() -> Result<Heap, HeapError> {
        Heap::with_config(HeapConfig::default())
    }

    /// A heap with the given configuration.
    ///
    /// # Errors
    /// [`HeapError::Config`] for inconsistent settings, [`HeapError::Map`] if the OS refuses
    /// to reserve the address space.
    pub fn with_config(config: HeapConfig) -> Result<Heap, HeapError> {
        config.validate().map_err(HeapError::Config)?;
        let plan = ActivePlan::new(&config)?;
        let large_threshold = plan.large_threshold(&config);
        let stress = config.gc_interval.unwrap_or(0);
        let mut heap = Heap {
            major_threshold: config.min_major_threshold as u64,
            config,
            plan,
            roots: RootTable::new(),
            types: HashMap::new(),
            stats: Stats::default(),
            next_id: 0,
            allocated_retired: 0,
            nursery_baseline: 0,
            barrier_lo: 0,
            barrier_len: 0,
            barrier_ref_lo: 0,
            epoch: Instant::now(),
            mark_stack: Scratch::default(),
            satb_active: false,
            satb: Vec::new(),
            large_threshold,
            fast_max: if stress > 0 { 0 } else { large_threshold },
            stress_countdown: stress,
            stress_count: 0,
            weak: Default::default(),
        };
        heap.mark_stack.threads = heap.config.gc_threads;
        heap.update_limits();
        Ok(heap)
    }

    /// The configuration the heap was built with.
    pub fn config(&self) -> &HeapConfig {
        &self.config
    }

    /// The plan.
    pub fn plan(&self) -> Plan {
        self.config.plan
    }

    /// Whether collections may move objects under this plan. Handles hide moves; a raw
    /// reference kept outside the heap's roots is only stable when this is `false`.
    pub fn moves_objects(&self) -> bool {
        self.plan.constraints().moves_objects
    }

    /// Collection statistics.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Time since the heap was created (the clock events are stamped with).
    pub fn elapsed(&self) -> Duration {
        self.epoch.elapsed()
    }

    /// Bytes, objects and committed memory of each of the plan's spaces right now (exact
    /// object sizes), in the plan's order.
    pub fn usage(&self) -> HeapUsage {
        let mut u = HeapUsage::default();
        self.plan.for_each_space(&mut |s| {
            let su = s.usage();
            let name = SpaceName::new(s.name()).expect("space names are short");
            let entry = SpaceEntry {
                name,
                bytes: su.bytes,
                objects: su.objects,
                committed: s.committed(),
            };
            u.try_add(entry)
                .expect("a plan has at most MAX_SPACES spaces");
        });
        u
    }

    /// Bytes occupied by objects in all spaces (live or not yet collected).
    pub fn occupied_bytes(&self) -> u64 {
        let mut bytes = 0;
        self.plan.for_each_space(&mut |s| bytes += s.usage().bytes);
        bytes
    }

    /// Total bytes allocated since the heap was created.
    pub fn allocated_bytes(&self) -> u64 {
        let nursery_new = self
            .plan
            .bump_space()
            .map_or(0, |y| y.used().saturating_sub(self.nursery_baseline) as u64);
        self.allocated_retired + nursery_new
    }

    /// Total objects allocated since the heap was created.
    pub fn allocated_objects(&self) -> u64 {
        self.next_id
    }

    /// Memory the heap holds from the OS for objects right now, in whole pages: the pages of
    /// the copying spaces filled so far (they are never given back) or prefaulted, old-space
    /// blocks in use or retained, and each large object's page-rounded mapping. Address space
    /// merely reserved is not counted.
    pub fn committed_bytes(&self) -> u64 {
        let mut bytes = 0;
        self.plan.for_each_space(&mut |s| bytes += s.committed());
        bytes
    }

    /// Bytes of the cells (mark-sweep) or lines (Immix) holding objects in the spaces that
    /// allocate in blocks: object bytes plus internal fragmentation (compare with the exact
    /// bytes of those spaces in [`usage`](Self::usage)).
    pub fn old_cell_bytes(&self) -> u64 {
        let mut bytes = 0;
        self.plan
            .for_each_space(&mut |s| bytes += s.fragmentation().map_or(0, |f| f.cell_bytes));
        bytes
    }

    /// Blocks holding at least one object in the spaces that allocate in blocks (mark-sweep:
    /// 64 KiB each; Immix: 32 KiB, counting the blocks being allocated into). Empty blocks are
    /// kept in a committed pool and the rest returned to the OS.
    pub fn old_blocks_in_use(&self) -> usize {
        let mut blocks = 0;
        self.plan
            .for_each_space(&mut |s| blocks += s.fragmentation().map_or(0, |f| f.blocks_in_use));
        blocks
    }

    /// Number of registered external root sources.
    pub fn root_source_count(&self) -> usize {
        self.roots.source_count()
    }

    /// Registers names for a type tag, used by diagnostics and snapshots.
    pub fn register_type(&mut self, tag: TypeTag, name: &str, slot_names: &[&str]) {
        self.types.insert(
            tag,
            TypeInfo {
                name: name.into(),
                slot_names: slot_names.iter().map(|s| (*s).into()).collect(),
            },
        );
    }

    /// The names registered for a type tag.
    pub fn type_info(&self, tag: TypeTag) -> Option<&TypeInfo> {
        self.types.get(&tag)
    }
}
