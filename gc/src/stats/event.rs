//! One record per collection: what ran, why, how long, and what it did to each space.

use super::{HeapUsage, PhaseTimes};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// Which collection ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CollectionKind {
    /// A scavenge of the nursery only (generational plan).
    Minor,
    /// A whole-heap collection (nursery, old generation and large objects).
    Major,
}

impl fmt::Display for CollectionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CollectionKind::Minor => "minor",
            CollectionKind::Major => "major",
        })
    }
}

/// Why a collection ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CollectionCause {
    /// The nursery (or the copying space) had no room for an allocation.
    NurseryFull,
    /// The old generation passed its growth threshold.
    OldThreshold,
    /// An allocation would pass the heap limit; a full collection was tried first.
    HeapLimit,
    /// The embedder asked for it (`Heap::collect`).
    Requested,
    /// Stress mode forced it ([`HeapConfig::gc_interval`](crate::HeapConfig::gc_interval)).
    Stress,
    /// A step of incremental marking, paced by allocation (see [`IncrementalPhase`]).
    Incremental,
    /// An observer measured the heap (`Heap::collect_to_measure`): a census or a leak
    /// checkpoint, not the workload's own work, so reports can leave it out.
    Measurement,
}

/// Which step of an incremental marking cycle a pause ran (see `gclab::pause`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IncrementalPhase {
    /// The cycle's start: roots and nursery references marked grey, barrier on.
    MarkStart,
    /// One bounded slice of marking.
    MarkSlice,
    /// The cycle's end: a scavenge, the rest of the closure, the sweep.
    MarkEnd,
}

impl fmt::Display for IncrementalPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IncrementalPhase::MarkStart => "mark start",
            IncrementalPhase::MarkSlice => "mark slice",
            IncrementalPhase::MarkEnd => "mark end",
        })
    }
}

impl fmt::Display for CollectionCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CollectionCause::NurseryFull => "allocation failure",
            CollectionCause::OldThreshold => "old generation threshold",
            CollectionCause::HeapLimit => "heap limit",
            CollectionCause::Requested => "requested",
            CollectionCause::Stress => "stress",
            CollectionCause::Incremental => "incremental marking",
            CollectionCause::Measurement => "measurement",
        })
    }
}

/// One collection, as recorded by the heap.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GcEvent {
    /// Sequence number of this collection (0-based).
    pub seq: u64,
    /// Minor or major.
    pub kind: CollectionKind,
    /// Why it ran.
    pub cause: CollectionCause,
    /// When the collector took control, measured from the heap's creation.
    #[serde(with = "duration_ns")]
    pub start: Duration,
    /// Wall time from taking control to returning it.
    #[serde(with = "duration_ns")]
    pub pause: Duration,
    /// Bytes allocated by the mutator since the heap was created, at the start of this collection.
    pub allocated_before: u64,
    /// Usage of each space when the collection started.
    pub before: HeapUsage,
    /// Usage of each space when the collection ended.
    pub after: HeapUsage,
    /// Bytes copied within the copying space (nursery survivors that stayed young, or
    /// everything under `semispace`).
    pub copied_bytes: u64,
    /// Bytes promoted from the nursery into the old generation.
    pub promoted_bytes: u64,
    /// Bytes of objects marked in the old generation and large-object space.
    pub marked_bytes: u64,
    /// Bytes of dead objects freed by sweeping (old generation and large objects).
    pub swept_bytes: u64,
    /// Bytes reclaimed in total: `before.bytes() - after.bytes()`.
    pub reclaimed_bytes: u64,
    /// Wall time of each phase; they add up to `pause`.
    #[serde(default)]
    pub phases: PhaseTimes,
    /// The step of an incremental marking cycle this pause ran (`None`: a whole collection).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incremental: Option<IncrementalPhase>,
}

impl GcEvent {
    /// Bytes reclaimed divided by bytes occupied before the collection (0 when the heap was empty).
    pub fn reclaim_rate(&self) -> f64 {
        let before = self.before.bytes();
        if before == 0 {
            0.0
        } else {
            self.reclaimed_bytes as f64 / before as f64
        }
    }
}

pub(super) mod duration_ns {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_nanos() as u64)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_nanos(u64::deserialize(d)?))
    }
}
