//! The parallel scavenge: a generational plan's nursery evacuated by every worker of the
//! [`Pool`] at once, promoting into the old space.
//!
//! The collecting thread evacuates the roots' targets and queues them and the remembered
//! objects in a shared injector; then every worker pops, steals and scans grey objects as the
//! parallel marker does ([`super::mark`], same termination protocol), copying the from-space
//! objects their slots reach.
//!
//! **Forwarding is claimed with compare-and-swap** on the header's first word: a worker that
//! finds an unforwarded object swaps its first word from the value it read to `BUSY` (the
//! forwarded flag with no address). Exactly one worker wins; it reads the second word, copies
//! the object, writes the copy's address to the second word (where the serial code reads a
//! forwarding address) and then publishes `FORWARDED | address` in the first word with
//! release ordering. A loser never copies (there is no copy to discard): it waits, yielding,
//! until the address is published. Every access to a from-space header's first word during
//! the phase is atomic; the second word is touched only by the winner.
//!
//! **Allocation**: each worker copies into its own to-space chunk ([`super::tlab`]), claimed
//! with one atomic operation per chunk; chunk tails become fillers, so to-space stays one run
//! of objects and fillers end to end (the copying space's walk invariant). Promotion
//! allocates from the old space under a mutex (its allocator is single-threaded).
//! Survivors go where the serial scavenger would send them (age, `promote_all`, the to-space
//! share), so the heap's shape does not depend on the thread count beyond object order.
//!
//! **Remembered set**: an old object scanned (remembered or promoted) keeps its remembered flag
//! exactly when one of its slots points into to-space afterwards, and is then listed in
//! [`Evacuated::remembered`]. Weak slots are deferred per worker and handed, with the to-space
//! fill, to the serial [`Scavenger`](crate::collector::scavenge::Scavenger) that started the
//! phase (`Scavenger::par_evacuate`); its `drain` finishes the ephemerons and weak slots.

use super::steal::{run_phase, Grey, Order, Scan};
use super::tlab::{Tlab, ToSpace};
use super::Pool;
use crate::collector::scavenge::{prefetch, PromotionTarget};
use crate::object::{Flags, Header, ObjPtr, FLAGS_SHIFT};
use crate::trace::weak::{self, WeakRefs, WeakTracer};
use crate::trace::{self, SlotKind};
use crate::value::RawValue;
use crossbeam_deque::Injector;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

const FORWARDED: u64 = (Flags::FORWARDED as u64) << FLAGS_SHIFT;
/// A first header word claimed by a worker that has not published the copy yet.
const BUSY: u64 = FORWARDED;
const ADDR_MASK: u64 = (1 << 48) - 1;

/// What the parallel phase leaves for the serial scavenger.
#[derive(Debug, Default)]
pub(crate) struct Evacuated {
    pub to_top: usize,
    pub to_objects: u64,
    /// Bytes of fillers in `[0, to_top)`.
    pub filler_bytes: usize,
    pub copied_bytes: u64,
    pub promoted_bytes: u64,
    /// Old objects whose slots point into to-space now (their flag is set).
    pub remembered: Vec<ObjPtr>,
    pub weak: WeakRefs,
}

/// The spaces and policy of one scavenge, as the workers share them.
pub(crate) struct ParScavenge<'a, O> {
    pool: &'a Pool,
    from: (usize, usize),
    to: ToSpace,
    old: Locked<'a, O>,
    promotion_age: u8,
    promote_all: bool,
    injector: Injector<RawValue>,
}

/// The promotion target behind a mutex.
struct Locked<'a, O>(Mutex<&'a mut O>);

// SAFETY: the target is only used under the mutex, by one thread at a time; a space's
// allocator keeps no thread-affine state (its raw pointers are plain addresses of memory the
// heap owns).
unsafe impl<O> Sync for Locked<'_, O> {}

impl<'a, O: PromotionTarget> ParScavenge<'a, O> {
    /// The free room (bytes) a nursery of `capacity` with survivor budget `budget` should
    /// keep for this pool's scavenges ([`tlab::filler_reserve`](super::tlab)).
    pub fn filler_reserve(pool: &Pool, capacity: usize, budget: usize) -> usize {
        super::tlab::filler_reserve(capacity, budget, pool.workers())
    }

    /// A scavenge of from-space `from` (`(start, len)`) into to-space `to` (`(start,
    /// capacity)`, survivors allowed up to `to_budget` bytes), promoting into `old`.
    pub fn new(
        pool: &'a Pool,
        from: (usize, usize),
        (to_start, to_capacity, to_budget): (*mut u8, usize, usize),
        old: &'a mut O,
        promotion_age: u8,
        promote_all: bool,
    ) -> Self {
        ParScavenge {
            pool,
            from,
            to: ToSpace::new(to_start.expose_provenance(), to_capacity, to_budget, from.1),
            old: Locked(Mutex::new(old)),
            promotion_age,
            promote_all,
            injector: Injector::new(),
        }
    }

    #[inline(always)]
    fn in_from(&self, addr: usize) -> bool {
        addr.wrapping_sub(self.from.0) < self.from.1
    }

    #[inline(always)]
    fn in_to(&self, addr: usize) -> bool {
        self.to.contains(addr)
    }

    /// Evacuates a root slot's target (before [`run`](Self::run)) and queues the copy.
    pub fn root(&self, slot: &mut RawValue, counts: &mut Local) {
        if slot.is_ref() && self.in_from(slot.addr()) {
            let (n, new) = self.evacuate(*slot, counts);
            if new {
                self.injector.push(n);
            }
            *slot = n;
        }
    }

    /// Queues a remembered old object for scanning.
    pub fn remembered(&self, o: ObjPtr) {
        self.injector.push(o.to_value());
    }

    /// The copy of from-space object `v`, and whether this call made it.
    fn evacuate(&self, v: RawValue, counts: &mut Local) -> (RawValue, bool) {
        // SAFETY: `v` references a from-space object (the callers check), live or forwarded;
        // during the phase its first word is accessed only atomically (module docs).
        let o = unsafe { ObjPtr::from_value(v) };
        // SAFETY: as above; the word is 8-aligned and stays mapped until the flip.
        let meta = unsafe { AtomicU64::from_ptr(o.as_ptr().cast()) };
        let mut m = meta.load(Ordering::Acquire);
        let mut spins = 0u32;
        loop {
            if m & FORWARDED != 0 {
                if m & ADDR_MASK != 0 {
                    return (RawValue::from_addr((m & ADDR_MASK) as usize), false);
                }
                spins += 1;
                if spins < 32 {
                    std::hint::spin_loop();
                } else {
                    std::thread::yield_now();
                }
                m = meta.load(Ordering::Acquire);
                continue;
            }
            match meta.compare_exchange_weak(m, BUSY, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => break,
                Err(now) => m = now,
            }
        }
        // SAFETY: this worker claimed `o`: nobody else reads or writes its second word or
        // copies it until the address is published below.
        let extra = unsafe { o.as_ptr().cast::<u64>().add(1).read() };
        let h = Header { meta: m, extra };
        // SAFETY: `o` is live with header `h`, claimed by this worker.
        let n = unsafe { self.copy(o, h, counts) };
        let addr = n.to_value().addr() as u64;
        debug_assert!(addr != 0 && addr & !ADDR_MASK == 0, "a 48-bit address");
        // SAFETY: the second word is this worker's until the publication just after.
        unsafe { o.as_ptr().cast::<u64>().add(1).write(addr) };
        meta.store(FORWARDED | addr, Ordering::Release);
        (n.to_value(), true)
    }

    /// Copies the claimed object `o` to the old space or to-space.
    ///
    /// # Safety
    /// `o` is a live from-space object with header `h`, claimed by the caller.
    unsafe fn copy(&self, o: ObjPtr, h: Header, local: &mut Local) -> ObjPtr {
        let size = h.size();
        let age = h.age().saturating_add(1);
        if !self.promote_all && age < self.promotion_age {
            if let Some(p) = self.to.alloc(&mut local.tlab, size) {
                // SAFETY: `p` is a to-space cell of `size` bytes this worker alone claimed;
                // `o` is live with header `h` (the caller's contract).
                return unsafe { self.copied(o, h, p, age, local) };
            }
        }
        let p = self
            .old
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .alloc(size);
        if let Some(p) = p {
            local.promoted_bytes += size as u64;
            local.tlab.promoted += size;
            // SAFETY: `p` is a fresh old-space cell of `size` bytes; `o` is live with header
            // `h` (the caller's contract).
            return unsafe { o.copy_with_header(h, p, h.age()) };
        }
        // The old space is full: stays young, past the budget if need be.
        let p = self.to.alloc_past_budget(&mut local.tlab, size);
        // SAFETY: as for the first copy.
        unsafe { self.copied(o, h, p, age, local) }
    }

    /// Copies `o` to the to-space cell `p` and counts it.
    ///
    /// # Safety
    /// `p` is a to-space cell of `h.size()` bytes the caller alone claimed; `o` is live with
    /// header `h`.
    #[inline(always)]
    unsafe fn copied(
        &self,
        o: ObjPtr,
        h: Header,
        p: *mut u8,
        age: u8,
        local: &mut Local,
    ) -> ObjPtr {
        local.to_objects += 1;
        local.copied_bytes += h.size() as u64;
        // SAFETY: the caller's contract.
        unsafe { o.copy_with_header(h, p, age) }
    }
}

/// One thread's counts and to-space chunk.
#[derive(Debug, Default)]
pub(crate) struct Local {
    to_objects: u64,
    copied_bytes: u64,
    promoted_bytes: u64,
    tlab: Tlab,
}

/// One worker's share of the result.
struct Share {
    counts: Local,
    remembered: Vec<ObjPtr>,
    weak: WeakRefs,
}

/// A worker's result on its way to the collecting thread.
struct SendShare(Share);

// SAFETY: the non-`Send` parts are addresses of heap objects and slots the collecting thread
// owns; the worker keeps no copy once it has handed them over.
unsafe impl Send for SendShare {}

impl<O: PromotionTarget> ParScavenge<'_, O> {
    /// Runs the scavenge on every worker of the pool; returns when no grey object is left.
    /// `roots` are the collecting thread's counts from [`root`](Self::root).
    pub fn run(self, mut roots: Local) -> Evacuated {
        self.to.retire(&mut roots.tlab);
        let shares = run_phase(
            self.pool,
            &self.injector,
            Order::Fifo,
            |local| Ctx {
                s: &self,
                local,
                share: Share {
                    counts: Local::default(),
                    remembered: Vec::new(),
                    weak: WeakRefs::default(),
                },
            },
            |mut w| {
                self.to.retire(&mut w.share.counts.tlab);
                SendShare(w.share)
            },
        );
        let mut out = Evacuated {
            to_top: self.to.top(),
            to_objects: roots.to_objects,
            filler_bytes: roots.tlab.fillers,
            copied_bytes: roots.copied_bytes,
            promoted_bytes: roots.promoted_bytes,
            ..Evacuated::default()
        };
        for SendShare(s) in shares {
            out.to_objects += s.counts.to_objects;
            out.copied_bytes += s.counts.copied_bytes;
            out.promoted_bytes += s.counts.promoted_bytes;
            out.filler_bytes += s.counts.tlab.fillers;
            out.remembered.extend(s.remembered);
            out.weak.append(s.weak);
        }
        out
    }
}

/// One worker's state.
struct Ctx<'w, 'a, O> {
    s: &'w ParScavenge<'a, O>,
    local: Grey,
    share: Share,
}

impl<O: PromotionTarget> Scan for Ctx<'_, '_, O> {
    fn grey(&mut self) -> &mut Grey {
        &mut self.local
    }

    /// Prefetches the targets of `v`'s slots: the from-space headers its scan reads.
    fn prefetch(&self, v: RawValue) {
        // SAFETY: `v` is a grey object queued by this worker (a complete copy or a
        // remembered object): its header and slots are only read here, by the worker that
        // will scan it.
        unsafe {
            let o = ObjPtr::from_value(v);
            trace::scan(o, o.header(), |slot, _| {
                let t = slot.load();
                if t.is_ref() {
                    prefetch(t.addr());
                }
            })
        };
    }

    /// Evacuates the slots of grey object `v`: a to-space copy, or an old object (promoted
    /// or remembered), whose remembered flag is then set exactly when a slot points into
    /// to-space.
    ///
    /// # Safety
    /// `v` references a live object outside from-space that only this worker scans: a copy
    /// queued once, by the worker that made it, or a remembered object queued once.
    unsafe fn scan(&mut self, v: RawValue) {
        // SAFETY: the caller's contract; only this worker touches the object's header now.
        let o = unsafe { ObjPtr::from_value(v) };
        // SAFETY: as above.
        let h = unsafe { o.header() };
        let old = !self.s.in_to(o.addr());
        let mut young = false;
        // The targets' headers, the misses that bound the copy, were prefetched when `v`
        // came near the front of the queue (`Scan::prefetch`).
        // SAFETY: `o` is live with header `h` and scanned by this worker alone.
        unsafe {
            trace::scan(o, h, |slot, kind| {
                let v = slot.load();
                if kind == SlotKind::Strong || weak::defer(self, slot, kind).is_some() {
                    if v.is_ref() && self.s.in_from(v.addr()) {
                        let (n, new) = self.s.evacuate(v, &mut self.share.counts);
                        if new && self.local.push(n) {
                            self.prefetch(n);
                        }
                        slot.store(n);
                        young |= self.s.in_to(n.addr());
                    }
                } else {
                    // Deferred: its target may yet be copied to to-space (a spare remembered
                    // entry is safe).
                    young |= v.is_ref() && self.s.in_from(v.addr());
                }
            })
        };
        if old {
            // SAFETY: `o` is a live old or large object only this worker scans.
            unsafe { o.set_flag(Flags::REMEMBERED, young) };
            if young {
                self.share.remembered.push(o);
            }
        }
    }
}

impl<O: PromotionTarget> WeakTracer for Ctx<'_, '_, O> {
    fn weak_refs(&mut self) -> &mut WeakRefs {
        &mut self.share.weak
    }

    /// A from-space object is live once a worker has claimed it (its copy may not be
    /// published yet: only liveness is asked here, for an ephemeron key).
    fn live(&self, v: RawValue) -> Option<RawValue> {
        if !self.s.in_from(v.addr()) {
            return Some(v);
        }
        // SAFETY: a from-space object stays mapped until the flip; its first word is read
        // atomically (module docs).
        let meta = unsafe { AtomicU64::from_ptr(ObjPtr::from_value(v).as_ptr().cast()) };
        (meta.load(Ordering::Acquire) & FORWARDED != 0).then_some(v)
    }

    fn trace_strong(&mut self, v: RawValue) -> RawValue {
        if !v.is_ref() || !self.s.in_from(v.addr()) {
            return v;
        }
        let (n, new) = self.s.evacuate(v, &mut self.share.counts);
        if new && self.local.push(n) {
            self.prefetch(n);
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use crate::{CollectionKind, Heap, HeapConfig, Plan, RootKind, Value};

    /// The collecting thread's chunk (the root's copy) and each worker's last chunk end in
    /// fillers; the nursery accounts for them and verifies.
    #[test]
    #[cfg_attr(
        miri,
        ignore = "crossbeam-epoch needs Tree Borrows: see .ci/check-invariants.sh"
    )]
    fn a_parallel_scavenge_pads_chunk_tails_with_fillers() {
        for plan in [Plan::Generational, Plan::GenImmix] {
            let mut h = Heap::with_config(HeapConfig {
                gc_threads: 2,
                parallel_scavenge: true,
                gc_interval: None,
                nursery_size: if cfg!(miri) { 16 << 10 } else { 1 << 20 },
                ..HeapConfig::for_plan(plan)
            })
            .unwrap();
            let f = h.push_frame("list");
            let mut next = Value::Undefined;
            for _ in 0..if cfg!(miri) { 50 } else { 2000 } {
                let node = h.alloc(1, 2, 8).unwrap();
                h.set(node, 0, next).unwrap();
                next = node.into();
            }
            let _keep = h.root(RootKind::Handle, "list", next).unwrap();
            h.pop_frame(f).unwrap();
            h.collect(CollectionKind::Minor);
            let y = h.plan.bump_space().unwrap();
            assert!(y.filler_bytes() >= 16, "{plan:?}: {}", y.filler_bytes());
            h.verify().unwrap_or_else(|e| panic!("{plan:?}: {e}"));
        }
    }
}
