//! The harness: replays an [`Ops`] program against a real [`Heap`] and the [`Model`] in
//! lockstep, and runs the checker after every collection.
//!
//! Guarantees of a passing [`Harness::run`]:
//! - every operation's result agrees with the model: the same values, and for misuse the same
//!   error (stale handle, slot out of bounds, not an object, frame order, invalid root kind,
//!   too large);
//! - after every collection — requested or triggered by an allocation — `verify()` passes,
//!   the heap has as many root slots as the model, and every model-reachable object is alive
//!   with identical slots and bytes ([`Checker::check_graph`]);
//! - after every full collection the heap holds exactly the reachable objects and bytes
//!   ([`Checker::check_exact`]); under no-gc nothing is ever freed;
//! - an allocation fails with `OutOfMemory` exactly when the model says the object cannot fit
//!   after a full collection (`max_heap`, or half of it for the semispace plan's small
//!   objects), the error reports the model's live bytes, and the heap stays consistent.
//!
//! The harness is split by concern: `select` resolves an operation's selections and
//! compares results, `alloc` allocates and predicts `OutOfMemory`, `access` reads and writes
//! objects, `roots` handles frames, locals, persistent roots and globals, `sources` the raw
//! path through an external root source, and `check` runs the checker after collections.

mod access;
mod alloc;
mod check;
mod roots;
mod select;
mod sources;

use super::checker::Checker;
use super::model::{FrameRef, LocalRef, MValue, Model, RootId, SourceKey};
use super::op::{Op, Ops};
use super::slot_source::SlotSource;
use crate::{
    CollectionKind, Frame, Handle, Heap, HeapConfig, HeapError, Persistent, Plan, RawValue,
    SourceId, TypeTag, Value,
};
use std::fmt;

/// A failed run: which operation, and what went wrong.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    /// The plan.
    pub plan: Plan,
    /// Index of the operation (the program's length for the final check).
    pub step: usize,
    /// The operation, if the failure happened in one.
    pub op: Option<Op>,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.op {
            Some(op) => write!(
                f,
                "plan {}: step {} ({op:?}): {}",
                self.plan, self.step, self.message
            ),
            None => write!(f, "plan {}: final check: {}", self.plan, self.message),
        }
    }
}

impl std::error::Error for Failure {}

/// What a run exercised.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunReport {
    /// Operations applied.
    pub ops: u64,
    /// Collections the heap ran (requested or triggered).
    pub collections: u64,
    /// Checks after a full collection, with exact live-set comparison.
    pub exact_checks: u64,
    /// Allocations that failed with `OutOfMemory` (each one predicted by the model).
    pub out_of_memory: u64,
    /// Misuse errors returned by the heap (each one predicted by the model).
    pub errors: u64,
}

#[derive(Clone, Copy, Debug)]
enum HandleRef {
    Local(LocalRef),
    Root(RootId),
    /// A dropped `Persistent`: the heap releases it at its next collection; not used again.
    Forgotten,
}

struct RootEntry {
    persistent: Option<Persistent>,
    id: RootId,
}

struct SourceEntry {
    id: SourceId<SlotSource>,
    key: SourceKey,
}

/// A value resolved on both sides: what the heap gets, what the model predicts.
type Resolved = (Value, Result<MValue, HeapError>);

const TAG_CHAIN: TypeTag = 100;

fn tag_for(slots: usize, bytes: usize) -> TypeTag {
    ((slots + bytes) % 7) as TypeTag + 1
}

fn raw_immediate(v: MValue) -> RawValue {
    match v {
        MValue::Undefined | MValue::Ref(_) => RawValue::UNDEFINED,
        MValue::Null => RawValue::NULL,
        MValue::Bool(b) => RawValue::bool(b),
        MValue::Int(i) => RawValue::int(i),
        MValue::Float(bits) => RawValue::float(f64::from_bits(bits)),
    }
}

/// Replays programs against a heap and the model. See the [module documentation](self).
pub struct Harness {
    heap: Heap,
    model: Model,
    checker: Checker,
    handles: Vec<(Handle, HandleRef)>,
    frames: Vec<(Frame, FrameRef)>,
    popped: Option<(Frame, FrameRef)>,
    roots: Vec<RootEntry>,
    sources: Vec<SourceEntry>,
    events_seen: usize,
    report: RunReport,
}

impl fmt::Debug for Harness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Harness")
            .field("heap", &self.heap)
            .field("handles", &self.handles.len())
            .field("report", &self.report)
            .finish()
    }
}

impl Harness {
    /// A harness over a fresh heap with `config`.
    pub fn new(config: HeapConfig) -> Result<Harness, HeapError> {
        Ok(Harness {
            heap: Heap::with_config(config)?,
            model: Model::new(),
            checker: Checker::new(),
            handles: Vec::new(),
            frames: Vec::new(),
            popped: None,
            roots: Vec::new(),
            sources: Vec::new(),
            events_seen: 0,
            report: RunReport::default(),
        })
    }

    /// The heap under test.
    pub fn heap(&self) -> &Heap {
        &self.heap
    }

    /// The model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Applies every operation, then a major collection and a final check.
    pub fn run(&mut self, ops: &Ops) -> Result<RunReport, Failure> {
        let plan = self.heap.plan();
        for (step, op) in ops.0.iter().enumerate() {
            self.apply(op).map_err(|message| Failure {
                plan,
                step,
                op: Some(op.clone()),
                message,
            })?;
        }
        self.apply(&Op::Collect(CollectionKind::Major))
            .map_err(|message| Failure {
                plan,
                step: ops.0.len(),
                op: None,
                message,
            })?;
        Ok(self.report)
    }

    /// Applies one operation to both sides and compares.
    /// Applies one operation to both sides and compares.
    pub fn apply(&mut self, op: &Op) -> Result<(), String> {
        self.report.ops += 1;
        match op {
            Op::Alloc { slots, bytes } => {
                let (s, b) = (*slots as usize, *bytes as usize);
                self.alloc(tag_for(s, b), s, b)?;
            }
            Op::AllocWith { values, bytes } => self.alloc_with(values, *bytes as usize)?,
            Op::AllocTooLarge => self.alloc_too_large()?,
            Op::Chain { len, cycle, bytes } => {
                self.chain(*len as usize, *cycle, *bytes as usize)?
            }
            Op::Store { obj, slot, value } => self.op_store(*obj, *slot as usize, *value)?,
            Op::WriteByte { obj, at, byte } => self.op_write_byte(*obj, *at as usize, *byte)?,
            Op::Read { obj, slot } => self.op_read(*obj, *slot as usize)?,
            Op::ReadInto { obj, slot, into } => self.op_read_into(*obj, *slot as usize, *into)?,
            Op::Local { value } => self.op_local(*value)?,
            Op::SetLocal { handle, value } => self.op_set_local(*handle, *value)?,
            Op::PushFrame => self.push_frame(),
            Op::PopFrame => self.pop_escape(usize::MAX)?,
            Op::PopFrameEscape { keep } => {
                if let Some(k) = self.pick(*keep) {
                    self.pop_escape(k)?;
                }
            }
            Op::PopWrongFrame => self.pop_wrong_frame()?,
            Op::Root { kind, value } => self.op_root(*kind, *value)?,
            Op::Release { root } => self.op_release(*root, false)?,
            Op::DropRoot { root } => self.op_release(*root, true)?,
            Op::SetGlobal { name, value } => self.op_set_global(*name, *value)?,
            Op::ReadGlobal { name } => self.op_read_global(*name)?,
            Op::RemoveGlobal { name } => self.op_remove_global(*name)?,
            Op::AddSource { kind, len } => self.op_add_source(*kind, *len),
            Op::SourceStore {
                source,
                slot,
                value,
            } => self.op_source_store(*source, *slot as usize, *value)?,
            Op::SourceLoad { source, slot } => self.op_source_load(*source, *slot as usize)?,
            Op::RawStore {
                source,
                slot,
                field,
                value,
            } => self.op_raw_store(*source, *slot as usize, *field as usize, *value)?,
            Op::RawRead {
                source,
                slot,
                field,
            } => {
                if let Some(s) = self.source(*source)? {
                    self.raw_read(s, *slot as usize, *field as usize)?;
                }
            }
            Op::RawLink {
                source,
                slot,
                field,
                from,
                from_slot,
            } => self.op_raw_link(
                (*source, *slot as usize, *field as usize),
                (*from, *from_slot as usize),
            )?,
            Op::RawLoad {
                source,
                slot,
                field,
                into,
                into_slot,
            } => self.op_raw_load(
                (*source, *slot as usize, *field as usize),
                (*into, *into_slot as usize),
            )?,
            Op::AllocRaw {
                source,
                slot,
                slots,
                bytes,
            } => {
                if let Some(s) = self.source(*source)? {
                    self.alloc_raw(s, *slot as usize, *slots as usize, *bytes as usize)?;
                }
            }
            Op::RemoveSource { source } => self.op_remove_source(*source)?,
            Op::Collect(kind) => self.op_collect(*kind)?,
        }
        Ok(())
    }
}

/// Runs `ops` on a fresh heap under every plan (sizes from `config`).
pub fn run_on_every_plan(
    config: &HeapConfig,
    ops: &Ops,
) -> Result<Vec<(Plan, RunReport)>, Failure> {
    Plan::ALL
        .into_iter()
        .map(|plan| {
            let cfg = HeapConfig {
                plan,
                ..config.clone()
            };
            let mut h = Harness::new(cfg).map_err(|e| Failure {
                plan,
                step: 0,
                op: None,
                message: format!("heap creation: {e}"),
            })?;
            h.run(ops).map(|r| (plan, r))
        })
        .collect()
}
