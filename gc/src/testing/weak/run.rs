//! Replaying [`WeakOp`] programs against a heap and the [`WeakModel`], with the checks listed
//! in the [module docs](super) after every collection.
//!
//! Invariant: the i-th persistent root of the run names the model's `roots[i]`, and every
//! object the run allocates carries its model id in its 8 raw bytes, so the checker maps heap
//! objects to model objects by reading them (never by address).

use super::model::{MSlot, WObj, WReg, WeakModel};
use super::WeakOp;
use crate::testing::op::Sel;
use crate::{
    CollectionKind, Handle, Heap, HeapConfig, HeapError, Persistent, Plan, RegistryId, RootKind,
    SlotLayout, Value,
};
use std::collections::{BTreeSet, VecDeque};
use std::sync::{Arc, Mutex};

const NODE: u16 = 1;

/// What a run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WeakReport {
    /// Collections checked.
    pub collections: usize,
    /// Weak slots and ephemeron keys seen cleared.
    pub cleared: usize,
    /// Held values finalized.
    pub finalized: usize,
    /// Host values dropped.
    pub dropped: usize,
    /// Whether the run stopped at `OutOfMemory`.
    pub out_of_memory: bool,
}

/// A host value that logs its model id when dropped.
struct Probe(usize, Arc<Mutex<Vec<usize>>>);

impl Drop for Probe {
    fn drop(&mut self) {
        self.1
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(self.0);
    }
}

struct Run {
    heap: Heap,
    model: WeakModel,
    roots: Vec<Persistent>,
    registries: [RegistryId; 2],
    next_held: i32,
    drops: Arc<Mutex<Vec<usize>>>,
    events: usize,
    report: WeakReport,
}

fn pick(sel: Sel, n: usize) -> Option<usize> {
    (n > 0).then(|| sel.0 as usize % n)
}

fn layout_of(n: u8) -> SlotLayout {
    [SlotLayout::Strong, SlotLayout::Weak, SlotLayout::Ephemeron][n as usize % 3]
}

/// The small heap shapes of the fuzz profiles (`profile % 4`), where a few operations fill the
/// nursery and collections come on their own.
pub fn weak_config(plan: Plan, profile: u8) -> HeapConfig {
    let mut cfg = crate::testing::fuzz_profiles(plan)[profile as usize % 4].clone();
    cfg.max_heap = 256 * 1024;
    cfg
}

/// Runs `ops` on a heap built from `config` and checks it against the model after every
/// collection. `Err` describes the first disagreement.
pub fn run_weak(config: HeapConfig, ops: &[WeakOp]) -> Result<WeakReport, String> {
    let mut heap = Heap::with_config(config).map_err(|e| e.to_string())?;
    let registries = [
        heap.new_finalization_registry(),
        heap.new_finalization_registry(),
    ];
    let mut run = Run {
        heap,
        model: WeakModel::default(),
        roots: Vec::new(),
        registries,
        next_held: 0,
        drops: Arc::default(),
        events: 0,
        report: WeakReport::default(),
    };
    for (i, op) in ops.iter().enumerate() {
        let frame = run.heap.push_frame("op");
        let r = run.apply(op);
        run.heap.pop_frame(frame).map_err(|e| e.to_string())?;
        match r {
            Err(HeapError::OutOfMemory(_)) => {
                run.report.out_of_memory = true;
                return Ok(run.report);
            }
            Err(e) => return Err(format!("op {i} {op:?}: {e}")),
            Ok(Err(msg)) => return Err(format!("op {i} {op:?}: {msg}")),
            Ok(Ok(())) => {}
        }
        run.sync()
            .map_err(|msg| format!("after op {i} {op:?}: {msg}"))?;
    }
    Ok(run.report)
}

type Step = Result<Result<(), String>, HeapError>;

impl Run {
    /// Runs the checks if a collection happened since the last ones.
    fn sync(&mut self) -> Result<(), String> {
        let events = self.heap.stats().events();
        if events.len() > self.events {
            // A stop-the-world major collection, not followed by an incremental marking step
            // (a cycle keeps floating garbage and treats weak slots as strong).
            let new = &events[self.events..];
            let full = new
                .iter()
                .rposition(|e| e.kind == CollectionKind::Major && e.incremental.is_none())
                .is_some_and(|i| new[i..].iter().all(|e| e.incremental.is_none()));
            self.events = events.len();
            self.check(full)
                .map_err(|m| format!("(full: {full}) {m}"))?;
        }
        Ok(())
    }

    /// Allocates a rooted object (both in the heap and the model).
    fn alloc(&mut self, n: usize, layout: SlotLayout) -> Result<(usize, Handle), HeapError> {
        let h = self.heap.alloc_layout(NODE, n, 8, layout)?;
        let id = self.model.objects.len();
        self.heap
            .bytes_mut(h)?
            .copy_from_slice(&(id as u64).to_le_bytes());
        self.model.objects.push(WObj {
            layout,
            slots: vec![MSlot::Undef; n],
        });
        self.add_root(h, id)?;
        Ok((id, h))
    }

    fn store(
        &mut self,
        (o, h): (usize, Handle),
        i: usize,
        (t, th): (usize, Handle),
    ) -> Result<(), HeapError> {
        self.heap.set(h, i, th)?;
        self.model.objects[o].slots[i] = MSlot::Ref(t);
        Ok(())
    }

    fn id_of(&self, h: Handle) -> Result<usize, HeapError> {
        let b = self.heap.bytes(h)?;
        let mut w = [0u8; 8];
        w.copy_from_slice(b.get(..8).ok_or(HeapError::NotAnObject)?);
        Ok(u64::from_le_bytes(w) as usize)
    }

    fn root_obj(&self, sel: Sel) -> Option<(usize, Handle)> {
        pick(sel, self.roots.len()).map(|i| (self.model.roots[i], self.roots[i].handle()))
    }

    fn add_root(&mut self, h: Handle, id: usize) -> Result<(), HeapError> {
        let p = self.heap.root(RootKind::Handle, "weak test", h)?;
        self.roots.push(p);
        self.model.roots.push(id);
        Ok(())
    }

    fn apply(&mut self, op: &WeakOp) -> Step {
        match *op {
            WeakOp::Alloc {
                slots,
                layout,
                large,
            } => {
                let n = if large {
                    self.heap.config().large_object_threshold / 8 + 1
                } else {
                    (slots % 8) as usize + 1
                };
                self.alloc(n, layout_of(layout))?;
            }
            WeakOp::EphemeronChain {
                len,
                root_head,
                cycle,
            } => {
                let n = 1 + len as usize % 6;
                let table = self.alloc(2 * n, SlotLayout::Ephemeron)?;
                if let Err(m) = self.sync() {
                    return Ok(Err(m));
                }
                let first = self.roots.len();
                let mut keys = Vec::new();
                for _ in 0..n + usize::from(!cycle) {
                    keys.push(self.alloc(1, SlotLayout::Strong)?);
                    // A collection here sees the state the model has now: check it now.
                    if let Err(m) = self.sync() {
                        return Ok(Err(m));
                    }
                }
                for i in (0..n).rev() {
                    let j = n - 1 - i;
                    let value = keys[(i + 1) % keys.len()];
                    self.store(table, 2 * j, keys[i])?;
                    self.store(table, 2 * j + 1, value)?;
                }
                let keep = usize::from(root_head);
                while self.roots.len() > first + keep {
                    let p = self.roots.pop().expect("a key's root");
                    self.model.roots.pop();
                    self.heap.release(p)?;
                }
            }
            WeakOp::Store { obj, slot, value } => {
                let Some((o, h)) = self.root_obj(obj) else {
                    return Ok(Ok(()));
                };
                let i = slot as usize % self.model.objects[o].slots.len();
                let (v, m) = match value.and_then(|s| self.root_obj(s)) {
                    Some((t, th)) => (Value::Ref(th), MSlot::Ref(t)),
                    None => (Value::Undefined, MSlot::Undef),
                };
                self.heap.set(h, i, v)?;
                self.model.objects[o].slots[i] = m;
            }
            WeakOp::StoreInt { obj, slot, value } => {
                let Some((o, h)) = self.root_obj(obj) else {
                    return Ok(Ok(()));
                };
                let i = slot as usize % self.model.objects[o].slots.len();
                self.heap.set(h, i, Value::Int(value))?;
                self.model.objects[o].slots[i] = MSlot::Int(value);
            }
            WeakOp::Read { obj, slot } => {
                let Some((o, h)) = self.root_obj(obj) else {
                    return Ok(Ok(()));
                };
                let i = slot as usize % self.model.objects[o].slots.len();
                let got = self.heap.get(h, i)?;
                match (self.model.objects[o].slots[i], got) {
                    (MSlot::Undef, Value::Undefined) => {}
                    (MSlot::Int(a), Value::Int(b)) if a == b => {}
                    (MSlot::Ref(t), Value::Ref(x)) => {
                        if self.id_of(x)? != t {
                            return Ok(Err(format!("slot {i} of {o} reads another object")));
                        }
                        self.add_root(x, t)?;
                    }
                    (MSlot::Ref(t), Value::Undefined) if !self.model.is_strong(o, i) => {
                        // Cleared by a collection that found `t` dead while `o` itself was
                        // unreachable (and not walked); `t` must still be unreachable.
                        if self.model.reachable()[t] {
                            return Ok(Err(format!("slot {i} of {o} cleared, {t} reachable")));
                        }
                        self.clear_slot(o, i);
                    }
                    (m, v) => return Ok(Err(format!("slot {i} of {o}: model {m:?}, heap {v:?}"))),
                }
            }
            WeakOp::Unroot { root } => {
                if let Some(i) = pick(root, self.roots.len()) {
                    let p = self.roots.swap_remove(i);
                    self.model.roots.swap_remove(i);
                    self.heap.release(p)?;
                }
            }
            WeakOp::Register {
                registry,
                target,
                held,
                token,
            } => {
                let Some((t, th)) = self.root_obj(target) else {
                    return Ok(Ok(()));
                };
                let reg = registry % 2;
                let (hv, hm) = match held.and_then(|s| self.root_obj(s)) {
                    Some((x, xh)) => (Value::Ref(xh), MSlot::Ref(x)),
                    None => {
                        self.next_held += 1;
                        (Value::Int(self.next_held), MSlot::Int(self.next_held))
                    }
                };
                let tok = token.and_then(|s| self.root_obj(s));
                let r = self.heap.register_finalizer(
                    self.registries[reg as usize],
                    th,
                    hv,
                    tok.map(|(_, h)| h),
                );
                match r {
                    Err(HeapError::InvalidArgument(_)) if hm == MSlot::Ref(t) => {}
                    Err(e) => return Err(e),
                    Ok(()) if hm == MSlot::Ref(t) => {
                        return Ok(Err("registered a target as its own held value".into()))
                    }
                    Ok(()) => self.model.regs.push(WReg {
                        registry: reg,
                        target: t,
                        held: hm,
                        token: tok.map(|(x, _)| x),
                    }),
                }
            }
            WeakOp::Unregister { registry, token } => {
                let Some((x, xh)) = self.root_obj(token) else {
                    return Ok(Ok(()));
                };
                let reg = registry % 2;
                let n = self
                    .heap
                    .unregister_finalizer(self.registries[reg as usize], xh)?;
                let before = self.model.regs.len();
                self.model
                    .regs
                    .retain(|r| !(r.registry == reg && r.token == Some(x)));
                if before - self.model.regs.len() != n {
                    return Ok(Err(format!(
                        "unregistered {n}, the model {}",
                        before - self.model.regs.len()
                    )));
                }
            }
            WeakOp::AttachHost { obj } => {
                let Some((o, h)) = self.root_obj(obj) else {
                    return Ok(Ok(()));
                };
                if self.model.hosts.insert(o) {
                    let old = self.heap.attach_host(h, Probe(o, self.drops.clone()))?;
                    if old.is_some() {
                        return Ok(Err(format!("{o} owned a host value already")));
                    }
                }
            }
            WeakOp::Collect(kind) => self.heap.collect(kind),
        }
        Ok(Ok(()))
    }

    /// Clears model slot `i` of `o` (and, for an ephemeron key, its value).
    fn clear_slot(&mut self, o: usize, i: usize) {
        let obj = &mut self.model.objects[o];
        obj.slots[i] = MSlot::Undef;
        if obj.layout == SlotLayout::Ephemeron && i % 2 == 0 && i + 1 < obj.slots.len() {
            obj.slots[i + 1] = MSlot::Undef;
        }
    }

    /// The checks after a collection (`full`: a major one ran).
    fn check(&mut self, full: bool) -> Result<(), String> {
        self.report.collections += 1;
        self.heap.verify().map_err(|e| e.to_string())?;
        let reach = self.model.reachable();
        let frame = self.heap.push_frame("check");
        let walked = self.walk(&reach, full);
        self.heap.pop_frame(frame).map_err(|e| e.to_string())?;
        walked?;
        let cells = self.model.regs.len() + self.model.hosts.len();
        self.check_finalized(&reach, full)?;
        self.check_dropped(&reach, full)?;
        if full {
            let want = reach.iter().filter(|r| **r).count() + cells;
            let got = self.heap.usage().objects() as usize;
            if got != want {
                return Err(format!(
                    "after a major collection the heap holds {got} objects, the model predicts \
                     {want} ({cells} of them registration and host cells)"
                ));
            }
        }
        Ok(())
    }

    /// Walks the reachable graph in the heap and the model together.
    fn walk(&mut self, reach: &[bool], full: bool) -> Result<(), String> {
        let e = |e: HeapError| e.to_string();
        let mut seen = vec![false; self.model.objects.len()];
        let mut queue: VecDeque<(usize, Handle)> = self
            .model
            .roots
            .iter()
            .copied()
            .zip(self.roots.iter().map(|p| p.handle()))
            .collect();
        let (mut cleared, mut kept) = (BTreeSet::new(), BTreeSet::new());
        while let Some((o, h)) = queue.pop_front() {
            if std::mem::replace(&mut seen[o], true) {
                continue;
            }
            if self.id_of(h).map_err(e)? != o {
                return Err(format!("object {o} has another id"));
            }
            let layout = self.model.objects[o].layout;
            if self.heap.slot_layout(h).map_err(e)? != layout {
                return Err(format!("object {o} lost its layout"));
            }
            for i in 0..self.model.objects[o].slots.len() {
                let m = self.model.objects[o].slots[i];
                let v = self.heap.get(h, i).map_err(e)?;
                let strong = self.model.is_strong(o, i);
                let key = layout == SlotLayout::Ephemeron && !strong && i % 2 == 0;
                let weak = layout == SlotLayout::Weak || key;
                match (m, v) {
                    (MSlot::Undef, Value::Undefined) => {}
                    (MSlot::Int(a), Value::Int(b)) if a == b => {}
                    (MSlot::Ref(t), Value::Undefined) if weak => {
                        if reach[t] {
                            return Err(format!("slot {i} of {o} cleared; {t} is reachable"));
                        }
                        cleared.insert(t);
                        self.report.cleared += 1;
                        self.clear_slot(o, i);
                    }
                    (MSlot::Ref(t), Value::Ref(x)) => {
                        if self.id_of(x).map_err(e)? != t {
                            return Err(format!("slot {i} of {o} points at another object"));
                        }
                        if weak {
                            if full && !reach[t] {
                                return Err(format!(
                                    "a major collection left slot {i} of {o} to unreachable {t}"
                                ));
                            }
                            kept.insert(t);
                        }
                        if reach[t] {
                            queue.push_back((t, x));
                        }
                    }
                    (m, v) => return Err(format!("slot {i} of {o}: model {m:?}, heap {v:?}")),
                }
            }
        }
        if let Some(t) = cleared.intersection(&kept).next() {
            return Err(format!("some weak slots to {t} were cleared, others not"));
        }
        Ok(())
    }

    fn check_finalized(&mut self, reach: &[bool], full: bool) -> Result<(), String> {
        let e = |e: HeapError| e.to_string();
        for done in self.heap.take_finalized() {
            let reg = self
                .registries
                .iter()
                .position(|r| *r == done.registry)
                .ok_or("unknown registry")? as u8;
            let held = match self.heap.value_of(&done.held).map_err(e)? {
                Value::Int(n) => MSlot::Int(n),
                Value::Ref(h) => MSlot::Ref(self.id_of(h).map_err(e)?),
                v => return Err(format!("held value {v:?}")),
            };
            let at = self
                .model
                .regs
                .iter()
                .position(|r| r.registry == reg && r.held == held && !reach[r.target])
                .ok_or_else(|| format!("finalized {held:?}: no dead registration holds it"))?;
            self.model.regs.remove(at);
            self.heap.release(done.held).map_err(e)?;
            self.report.finalized += 1;
        }
        if full {
            if let Some(r) = self.model.regs.iter().find(|r| !reach[r.target]) {
                return Err(format!("a major collection did not finalize {r:?}"));
            }
        }
        Ok(())
    }

    fn check_dropped(&mut self, reach: &[bool], full: bool) -> Result<(), String> {
        let dropped = std::mem::take(&mut *self.drops.lock().unwrap_or_else(|e| e.into_inner()));
        for o in dropped {
            if reach[o] || !self.model.hosts.remove(&o) {
                return Err(format!(
                    "host value of {o} dropped while reachable or twice"
                ));
            }
            self.report.dropped += 1;
        }
        if full {
            if let Some(o) = self.model.hosts.iter().find(|o| !reach[**o]) {
                return Err(format!(
                    "a major collection kept the host value of dead {o}"
                ));
            }
        }
        Ok(())
    }
}
