//! Heap configuration: the plan and the sizes that shape it.

use std::fmt;
use std::str::FromStr;

/// Which collector runs the heap. Every plan has the same API, object model, roots and
/// statistics, so one workload can run under each and the numbers compare.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Plan {
    /// A semispace copying nursery with promotion into a mark-sweep old generation (default).
    #[default]
    Generational,
    /// Everything in the non-moving mark-sweep space; only whole-heap collections.
    MarkSweep,
    /// Whole-heap copying between two semispaces of `max_heap / 2` each.
    SemiSpace,
    /// Bump allocation that never collects: the lower bound used in GC research.
    NoGc,
}

impl Plan {
    /// Every plan.
    pub const ALL: [Plan; 4] = [
        Plan::Generational,
        Plan::MarkSweep,
        Plan::SemiSpace,
        Plan::NoGc,
    ];

    /// The plan's command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Plan::Generational => "generational",
            Plan::MarkSweep => "mark-sweep",
            Plan::SemiSpace => "semispace",
            Plan::NoGc => "no-gc",
        }
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Plan {
    type Err = String;
    fn from_str(s: &str) -> Result<Plan, String> {
        Plan::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| {
                format!(
                    "unknown plan `{s}` (expected generational, mark-sweep, semispace or no-gc)"
                )
            })
    }
}

const MIB: usize = 1 << 20;

/// The smallest `max_heap`: 64 KiB.
pub const MIN_HEAP: usize = 64 * 1024;
/// The largest `max_heap`: 16 TiB. The heap reserves up to 1.5× of it as address space for
/// the old generation, and every object address must fit the 48 bits of a reference.
pub const MAX_HEAP: usize = 1 << 44;
/// The smallest generational nursery semispace: 4 KiB.
pub const MIN_NURSERY: usize = 4096;
/// The largest nursery semispace: 1 TiB (two are reserved).
pub const MAX_NURSERY: usize = 1 << 40;

/// Sizes and policies. Start from [`HeapConfig::default`] (or [`HeapConfig::for_plan`]) and
/// change what the experiment varies.
///
/// **Promotion age.** An object is promoted when it survives its `promotion_age`-th minor
/// collection. The default, 2, keeps an object that was merely caught live by one scavenge
/// (a request in flight) in the nursery for one more cycle, so it can still die young; this
/// is the policy V8's scavenger uses. Set 1 to promote every survivor at once.
///
/// **Nursery size.** 16 MiB per semispace by default, the size V8's scavenger grows its
/// semispaces to: big enough that a request's (or a benchmark tree's) temporaries die before
/// the scavenge that would copy them. Smaller nurseries give shorter minor pauses and promote
/// more; `benches/` measures the trade-off.
///
/// **Major trigger.** A major collection runs when the old generation plus large objects
/// pass `major_threshold`. After each major collection the threshold becomes
/// `max(min_major_threshold, live × major_growth)`, capped at `max_heap`: the heap may grow
/// to `major_growth` times what survived before collecting again, so major work stays
/// proportional to allocation.
#[derive(Clone, Debug, PartialEq)]
pub struct HeapConfig {
    /// The collector.
    pub plan: Plan,
    /// Size of each nursery semispace in bytes (generational plan; default 16 MiB).
    pub nursery_size: usize,
    /// Hard limit on bytes occupied by objects (all spaces). Allocations past it, after a
    /// full collection, fail with `OutOfMemory`.
    pub max_heap: usize,
    /// Minor collections an object must survive to be promoted (≥ 1).
    pub promotion_age: u8,
    /// Objects strictly larger than this many bytes go to the large-object space
    /// (at most 8192, the largest old-space cell).
    pub large_object_threshold: usize,
    /// The first major-collection threshold, and its floor.
    pub min_major_threshold: usize,
    /// Growth factor of the major threshold over the live size (> 1).
    pub major_growth: f64,
    /// Print one line per collection to stderr, like V8's `--trace-gc`.
    pub trace_gc: bool,
    /// Stress mode, like V8's `--gc-interval`: force a collection every `n` allocations
    /// (`Some(1)`: at every allocation) and [`verify`](crate::Heap::verify) the heap after
    /// each, panicking with the verifier's report if it fails. Every fourth forced collection
    /// is a major one, the rest minor (whole-heap plans run every collection whole).
    ///
    /// `None` by default, unless the environment variable `GCLAB_GC_INTERVAL` holds a
    /// positive number when [`HeapConfig::default`] runs: that stresses every heap a program
    /// or test suite makes without changing its code.
    pub gc_interval: Option<u32>,
}

impl Default for HeapConfig {
    fn default() -> Self {
        HeapConfig {
            plan: Plan::Generational,
            nursery_size: if cfg!(miri) { 16 * 1024 } else { 16 * MIB },
            max_heap: if cfg!(miri) { 2 * MIB } else { 2048 * MIB },
            promotion_age: 2,
            large_object_threshold: if cfg!(miri) { 1024 } else { 8192 },
            min_major_threshold: if cfg!(miri) { 256 * 1024 } else { 8 * MIB },
            major_growth: 2.0,
            trace_gc: false,
            gc_interval: std::env::var("GCLAB_GC_INTERVAL")
                .ok()
                .and_then(|v| v.trim().parse().ok())
                .filter(|&n| n > 0),
        }
    }
}

impl HeapConfig {
    /// The defaults with another plan.
    pub fn for_plan(plan: Plan) -> Self {
        HeapConfig {
            plan,
            ..Default::default()
        }
    }

    /// Checks every field against its bounds, naming the field and the bound in the error.
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.promotion_age == 0 {
            return Err("promotion_age must be at least 1".into());
        }
        let max_cell = crate::space::marksweep::MAX_CELL;
        if !(16..=max_cell).contains(&self.large_object_threshold) {
            return Err(format!(
                "large_object_threshold must be between 16 and {max_cell} bytes (got {})",
                self.large_object_threshold
            ));
        }
        if !(MIN_HEAP..=MAX_HEAP).contains(&self.max_heap) {
            return Err(format!(
                "max_heap must be between {MIN_HEAP} and {MAX_HEAP} bytes (got {})",
                self.max_heap
            ));
        }
        // Only the generational plan has a nursery, but a nonsensical size is refused under
        // every plan rather than kept for the day the plan changes.
        let min_nursery = if self.plan == Plan::Generational {
            MIN_NURSERY
        } else {
            0
        };
        if !(min_nursery..=MAX_NURSERY).contains(&self.nursery_size) {
            return Err(format!(
                "nursery_size must be between {MIN_NURSERY} and {MAX_NURSERY} bytes (got {})",
                self.nursery_size
            ));
        }
        if self.min_major_threshold > MAX_HEAP {
            return Err(format!(
                "min_major_threshold must be at most {MAX_HEAP} bytes (got {})",
                self.min_major_threshold
            ));
        }
        if self.gc_interval == Some(0) {
            return Err("gc_interval must be at least 1 (or None)".into());
        }
        if !self.major_growth.is_finite() || self.major_growth <= 1.0 {
            return Err(format!(
                "major_growth must be a finite number greater than 1 (got {})",
                self.major_growth
            ));
        }
        Ok(())
    }
}
