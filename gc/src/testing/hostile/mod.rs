//! Hostile inputs, for fuzzers: configurations no embedder should pass, frame and scope
//! misuse, and handles, frames, roots and sources of another heap.
//!
//! [`decode_hostile`] turns any bytes into a [`HostileCase`]: a [`HeapConfig`] whose every
//! field comes from a palette of valid, boundary and absurd values (0, 1, each bound ± 1,
//! sizes near `usize::MAX`, NaN and infinities for the growth factor, or raw bits), and a
//! short list of [`Misuse`] steps. [`run_hostile`] checks what the heap answers:
//!
//! - `Heap::with_config` returns a heap, `Err(Config)` naming the problem, or `Err(Map)`
//!   when the OS refuses the reservation — never a panic, never another error;
//! - on the heap (or, if the configuration was refused, on a heap of the fuzzers' profile
//!   the first byte selects) every step gets the documented answer: popping a frame that is
//!   not on top is `FrameOrder` and pops nothing; a handle works while its frame is pushed
//!   and is `StaleHandle` after; a `scope` returns its callback's result unchanged (success
//!   or error) and, however the callback leaves the frame stack, the depth afterwards is
//!   what it was before; a handle, frame, persistent root or source id of a second heap is
//!   refused with `WrongHeap` (or, for source ids, not found) and changes nothing on either
//!   heap;
//! - after every step the frame depth is what the steps predict, and after each scope and
//!   collection `verify()` passes.

mod cross;
mod scope;

use super::decode::{decode_config, Reader};
use crate::{CollectionKind, Frame, Handle, Heap, HeapConfig, HeapError, Plan, Value};
use cross::Other;
use std::fmt;

/// Most steps decoded from one input.
pub const MAX_STEPS: usize = 48;

/// What a scope's callback does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeBody {
    /// Allocates a local, reads it and returns `Ok`.
    Value,
    /// Returns an error of its own.
    Error,
    /// Pushes this many frames (1–3) and returns without popping them.
    LeaveFrames(u8),
    /// Tries to pop the frame below the scope's (not on top: `FrameOrder`).
    PopOuter,
    /// Allocates, runs a major collection and reads its local and an outer handle.
    Collect,
    /// A scope inside the scope whose callback fails; the error passes through both.
    NestedError,
}

/// One step of a hostile program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Misuse {
    /// `push_frame`.
    PushFrame,
    /// `pop_frame` of the top frame (no-op at top level).
    PopTop,
    /// `pop_frame` of a frame that is not on top: one below it, or one already popped.
    PopNotTop(u8),
    /// A one-slot object, a local of the current frame.
    Alloc,
    /// `get(handle, 0)` of a selected handle, live or stale.
    Use(u8),
    /// `scope` with a callback that does the given thing.
    Scope(ScopeBody),
    /// `collect` (major if `true`) and `verify`.
    Collect(bool),
    /// Something of a second heap used on this one.
    Cross(CrossUse),
}

/// What of the second heap is used on the first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrossUse {
    /// Its handle: `get`, `set`, `bytes`, `local`, `value_of`, `raw`.
    Handle,
    /// Its handle as the value stored into an object of this heap.
    Value,
    /// Its frame: `pop_frame`.
    Frame,
    /// Its persistent root: `release`.
    Root,
    /// Its root source: `root_source_mut`, `remove_root_source`.
    Source,
}

/// A decoded hostile input.
#[derive(Clone, Debug, PartialEq)]
pub struct HostileCase {
    /// The configuration tried first.
    pub config: HeapConfig,
    /// The configuration the steps run on if `config` is refused.
    pub fallback: HeapConfig,
    /// The steps.
    pub steps: Vec<Misuse>,
}

/// Sizes: valid ones, each bound ± 1, and absurd ones.
const SIZES: [usize; 28] = [
    0,
    1,
    15,
    16,
    17,
    1024,
    4095,
    4096,
    4097,
    8191,
    8192,
    8193,
    64 * 1024 - 1,
    64 * 1024,
    64 * 1024 + 1,
    128 * 1024,
    1 << 20,
    1 << 30,
    1 << 40,
    1 << 47,
    1 << 48,
    1 << 62,
    isize::MAX as usize,
    (isize::MAX as usize) + 1,
    usize::MAX - 4095,
    usize::MAX - 8,
    usize::MAX - 1,
    usize::MAX,
];

/// Growth factors: invalid, boundary and valid.
const GROWTHS: [f64; 13] = [
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    0.0,
    -1.0,
    1.0,
    1.0 + f64::EPSILON,
    1.5,
    2.0,
    1e300,
    f64::MAX,
    f64::MIN_POSITIVE,
    5e-324,
];

fn size(r: &mut Reader<'_>) -> usize {
    match r.u8() {
        b @ 0..=223 => SIZES[b as usize % SIZES.len()],
        _ => r.u64() as usize,
    }
}

fn growth(r: &mut Reader<'_>) -> f64 {
    match r.u8() {
        b @ 0..=223 => GROWTHS[b as usize % GROWTHS.len()],
        _ => f64::from_bits(r.u64()),
    }
}

fn step(r: &mut Reader<'_>) -> Misuse {
    match r.u8() % 16 {
        0..=2 => Misuse::PushFrame,
        3 | 4 => Misuse::PopTop,
        5 => Misuse::PopNotTop(r.u8()),
        6..=7 => Misuse::Alloc,
        8 | 9 => Misuse::Use(r.u8()),
        10 => Misuse::Collect(r.u8() & 1 == 1),
        11..=14 => Misuse::Scope(match r.u8() % 6 {
            0 => ScopeBody::Value,
            1 => ScopeBody::Error,
            2 => ScopeBody::LeaveFrames(1 + r.u8() % 3),
            3 => ScopeBody::PopOuter,
            4 => ScopeBody::Collect,
            _ => ScopeBody::NestedError,
        }),
        15 => match r.u8() % 6 {
            0 => Misuse::Cross(CrossUse::Handle),
            1 => Misuse::Cross(CrossUse::Value),
            2 => Misuse::Cross(CrossUse::Frame),
            3 => Misuse::Cross(CrossUse::Root),
            4 => Misuse::Cross(CrossUse::Source),
            _ => Misuse::Collect(r.u8() & 1 == 1),
        },
        _ => unreachable!("an opcode modulo 16"),
    }
}

/// Decodes a hostile case: the first byte picks the plan and the fallback profile, the
/// next bytes the configuration's fields, the rest the steps.
pub fn decode_hostile(data: &[u8]) -> HostileCase {
    let mut r = Reader::new(data);
    let first = r.u8();
    let fallback = decode_config(first);
    let config = HeapConfig {
        plan: Plan::ALL[first as usize % Plan::ALL.len()],
        nursery_size: size(&mut r),
        max_heap: size(&mut r),
        promotion_age: r.u8(),
        large_object_threshold: size(&mut r),
        min_major_threshold: size(&mut r),
        major_growth: growth(&mut r),
        gc_interval: [None, Some(0), Some(1), Some(3), Some(u32::MAX)][r.u8() as usize % 5],
        trace_gc: false,
        pause_goal: [
            None,
            Some(std::time::Duration::ZERO),
            Some(std::time::Duration::from_micros(100)),
            Some(std::time::Duration::from_millis(1)),
            Some(std::time::Duration::MAX),
        ][r.u8() as usize % 5],
        // From the first byte, so existing cases decode their steps as before: one case in
        // four runs parallel, one in four asks for zero threads (refused, the fallback runs).
        gc_threads: [1, 2, 1, 0][(first as usize >> 3) % 4],
        parallel_scavenge: first & 0x20 != 0,
    };
    let mut steps = Vec::new();
    while !r.done() && steps.len() < MAX_STEPS {
        steps.push(step(&mut r));
    }
    HostileCase {
        config,
        fallback,
        steps,
    }
}

/// The frame stack and handles as the steps predict them. Frame ids are never reused; id 0
/// is the top level, always pushed.
#[derive(Default)]
struct Expect {
    frames: Vec<(Frame, u64)>,
    popped: Vec<Frame>,
    handles: Vec<(Handle, u64)>,
    next_id: u64,
    other: Option<Other>,
}

impl Expect {
    fn live(&self, frame: u64) -> bool {
        frame == 0 || self.frames.iter().any(|&(_, id)| id == frame)
    }

    fn top(&self) -> u64 {
        self.frames.last().map_or(0, |&(_, id)| id)
    }

    fn new_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }
}

/// Runs a hostile case (see the module docs); `Err` says what the heap got wrong.
pub fn run_hostile(case: &HostileCase) -> Result<(), String> {
    let mut heap = match Heap::with_config(case.config.clone()) {
        Ok(heap) => heap,
        Err(HeapError::Config(msg)) if !msg.is_empty() => fallback(case)?,
        Err(HeapError::Map(_)) => fallback(case)?,
        Err(e) => return Err(format!("with_config: unexpected error {e:?}")),
    };
    let mut expect = Expect::default();
    for (i, &s) in case.steps.iter().enumerate() {
        apply(&mut heap, &mut expect, s).map_err(|e| format!("step {i} ({s:?}): {e}"))?;
        if heap.frame_depth() != expect.frames.len() {
            return Err(format!(
                "step {i} ({s:?}): frame depth {}, expected {}",
                heap.frame_depth(),
                expect.frames.len()
            ));
        }
    }
    heap.collect(CollectionKind::Major);
    heap.verify()
        .map_err(|e| format!("final verify failed: {e}"))?;
    Ok(())
}

fn fallback(case: &HostileCase) -> Result<Heap, String> {
    Heap::with_config(case.fallback.clone())
        .map_err(|e| format!("the fuzz profile was refused: {e:?}"))
}

fn verify(heap: &mut Heap) -> Result<(), String> {
    heap.verify()
        .map(|_| ())
        .map_err(|e| format!("verify failed: {e}"))
}

fn apply(heap: &mut Heap, x: &mut Expect, step: Misuse) -> Result<(), String> {
    match step {
        Misuse::PushFrame => {
            let f = heap.push_frame("hostile");
            let id = x.new_id();
            x.frames.push((f, id));
        }
        Misuse::PopTop => {
            if let Some(&(f, _)) = x.frames.last() {
                heap.pop_frame(f)
                    .map_err(|e| format!("pop of the top frame: {e:?}"))?;
                x.frames.pop();
                x.popped.push(f);
            }
        }
        Misuse::PopNotTop(k) => {
            let below = x.frames.len().checked_sub(2).map(|i| x.frames[i].0);
            let popped = x.popped.last().copied();
            let target = if k % 2 == 0 {
                below.or(popped)
            } else {
                popped.or(below)
            };
            if let Some(f) = target {
                match heap.pop_frame(f) {
                    Err(HeapError::FrameOrder { .. }) => {}
                    r => return Err(format!("expected FrameOrder, got {r:?}")),
                }
            }
        }
        Misuse::Alloc => {
            let h = heap
                .alloc(1, 1, 0)
                .map_err(|e| format!("alloc of 24 bytes: {e:?}"))?;
            let top = x.top();
            x.handles.push((h, top));
        }
        Misuse::Use(k) => {
            if !x.handles.is_empty() {
                let (h, frame) = x.handles[k as usize % x.handles.len()];
                let r = heap.get(h, 0);
                match (x.live(frame), r) {
                    (true, Ok(Value::Undefined)) | (false, Err(HeapError::StaleHandle)) => {}
                    (live, r) => return Err(format!("get of a handle (live: {live}): {r:?}")),
                }
            }
        }
        Misuse::Scope(body) => {
            scope::scope(heap, x, body)?;
            verify(heap)?;
        }
        Misuse::Cross(what) => {
            if x.other.is_none() {
                x.other = Some(Other::new(&decode_config(0))?);
            }
            let live = x.handles.iter().rev().find(|h| x.live(h.1)).map(|h| h.0);
            let other = x.other.as_mut().expect("made above");
            cross::cross(heap, other, what, live)?;
            other.intact()?;
        }
        Misuse::Collect(major) => {
            let kind = if major {
                CollectionKind::Major
            } else {
                CollectionKind::Minor
            };
            heap.collect(kind);
            verify(heap)?;
        }
    }
    Ok(())
}

impl fmt::Display for HostileCase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "config: {:?}", self.config)?;
        writeln!(f, "fallback: {:?}", self.fallback)?;
        for (i, s) in self.steps.iter().enumerate() {
            writeln!(f, "  {i:>3}: {s:?}")?;
        }
        Ok(())
    }
}
