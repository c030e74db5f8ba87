//! The parallel transitive closure of a stop-the-world marking collection.
//!
//! The collecting thread marks the roots ([`ParMarker::root`]) into a shared injector queue;
//! then every worker of the [`Pool`] runs the same loop ([`ParMarker::run`]): take a grey
//! object (its own deque first, else stolen), scan it, and push the targets whose mark it
//! set. An object is pushed once — by the thread whose atomic test-and-set flipped its
//! mark — and scanned once, so byte counts summed over the workers are exact.
//!
//! Stealing and termination are [`super::steal`]'s.
//!
//! **Weak slots** are deferred as in the serial tracers ([`weak::defer`]), each worker into
//! its own [`WeakRefs`]; [`Closure`] hands the merged lists to the serial tracer, which runs
//! the ephemeron fixed point (marking what it reaches serially) and clears the dead slots.

use super::steal::{run_phase, Grey, Order, Scan};
use super::{MarkSpace, Pool};
use crate::object::ObjPtr;
use crate::space::LargeObjectSpace;
use crate::trace::weak::{self, WeakRefs, WeakTracer};
use crate::trace::{self, SlotKind};
use crate::value::RawValue;
use crossbeam_deque::{Injector, Steal, Worker};

/// Objects the calling thread scans alone before waking the workers: a small closure
/// (most collections of a small heap) finishes without paying their wake-up and termination
/// (13–25 µs measured, against about 1 µs for a 127-object heap's closure).
const SERIAL_START: usize = if cfg!(miri) { 16 } else { 4096 };

/// What the parallel closure leaves for the serial tracer that finishes the collection.
#[derive(Debug, Default)]
pub(crate) struct Closure {
    /// Bytes of every object scanned.
    pub marked_bytes: u64,
    /// The part of `marked_bytes` in the [`MarkSpace`].
    pub marked_space_bytes: u64,
    /// Objects of the [`MarkSpace`] scanned (each marked object once): the space's live
    /// object count, which its lazy sweep reports.
    pub marked_space_objects: u64,
    /// The weak slots, ephemeron keys and pending ephemeron values the workers deferred.
    pub weak: WeakRefs,
}

/// One worker's share of the result.
#[derive(Default)]
struct Share {
    marked_bytes: u64,
    marked_space_bytes: u64,
    marked_space_objects: u64,
    weak: WeakRefs,
}

/// A worker's result on its way to the collecting thread.
struct SendShare(Share);

// SAFETY: the only non-`Send` part is the deferred slots' addresses, which point into heap
// objects the collecting thread owns; the worker keeps no copy once it has handed them over.
unsafe impl Send for SendShare {}

/// The parallel closure of one collection (see the module docs).
pub(crate) struct ParMarker<'a, M> {
    pool: &'a Pool,
    space: &'a M,
    /// Starts of the large objects, sorted: a copy of the large space's keys, so workers
    /// test membership without sharing the space.
    large: Vec<usize>,
    /// The nursery range traced in place, `[young_lo, young_lo + young_len)`.
    young_lo: usize,
    young_len: usize,
    injector: Injector<RawValue>,
    /// Objects scanned on the calling thread before the workers wake ([`SERIAL_START`]).
    serial: usize,
}

impl<'a, M: MarkSpace> ParMarker<'a, M> {
    /// A closure over `space`, the large objects and the nursery range `young` (if traced in
    /// place, marked with the header flag as the serial marker does).
    pub fn new(
        pool: &'a Pool,
        space: &'a M,
        large: &LargeObjectSpace,
        young: Option<(usize, usize)>,
    ) -> Self {
        let mut starts = Vec::with_capacity(large.objects() as usize);
        large.for_each_object(|o| starts.push(o.addr()));
        let (young_lo, young_len) = young.unwrap_or((0, 0));
        ParMarker {
            pool,
            space,
            large: starts,
            young_lo,
            young_len,
            injector: Injector::new(),
            serial: SERIAL_START,
        }
    }

    /// Sets the mark of the object `v` references (if in a traced space); returns whether
    /// this call set it.
    #[inline(always)]
    fn mark(&self, v: RawValue) -> bool {
        if !v.is_ref() {
            return false;
        }
        let addr = v.addr();
        if self.space.in_range(addr) {
            self.space.mark(addr)
        } else if addr.wrapping_sub(self.young_lo) < self.young_len
            || self.large.binary_search(&addr).is_ok()
        {
            // SAFETY: a live nursery or large object (heap invariant); during the closure its
            // first header word is accessed only atomically (`super` invariant).
            unsafe { ObjPtr::from_value(v).try_mark_shared() }
        } else {
            false
        }
    }

    /// Whether the object `v` references is marked (or outside the traced spaces).
    fn is_live(&self, v: RawValue) -> bool {
        let addr = v.addr();
        if self.space.in_range(addr) {
            self.space.is_marked(addr)
        } else if addr.wrapping_sub(self.young_lo) < self.young_len
            || self.large.binary_search(&addr).is_ok()
        {
            // SAFETY: as in `mark`.
            unsafe { ObjPtr::from_value(v).is_marked_shared() }
        } else {
            true
        }
    }

    /// Marks a root's target and queues it (before [`run`](Self::run)).
    pub fn root(&mut self, v: RawValue) {
        if self.mark(v) {
            self.injector.push(v);
        }
    }

    /// Scans up to `serial` ([`SERIAL_START`]) objects on the calling thread; returns its share and
    /// whether grey objects are left (then queued in the injector for the workers).
    fn serial_start(&self) -> (Share, bool) {
        let mut w = Ctx {
            m: self,
            local: Grey::new(Worker::new_lifo(), Order::Deque),
            share: Share::default(),
        };
        for _ in 0..self.serial {
            let v = match w.local.pop_alone() {
                Some(v) => v,
                None => match self.injector.steal() {
                    Steal::Success(v) => v,
                    Steal::Empty => return (w.share, false),
                    Steal::Retry => continue,
                },
            };
            // SAFETY: as in `run`: pushed once, by the test-and-set that marked it.
            unsafe { w.scan(v) };
        }
        let left = !w.local.is_empty() || !self.injector.is_empty();
        while let Some(v) = w.local.pop_alone() {
            self.injector.push(v);
        }
        (w.share, left)
    }

    /// Runs the closure: on the calling thread alone while it is small ([`SERIAL_START`]),
    /// then on every worker of the pool; returns when no grey object is left.
    pub fn run(self) -> Closure {
        let (first, left) = self.serial_start();
        let mut out = Closure {
            marked_bytes: first.marked_bytes,
            marked_space_bytes: first.marked_space_bytes,
            marked_space_objects: first.marked_space_objects,
            weak: first.weak,
        };
        if !left {
            return out;
        }
        let shares = run_phase(
            self.pool,
            &self.injector,
            Order::Deque,
            |local| Ctx {
                m: &self,
                local,
                share: Share::default(),
            },
            |w| SendShare(w.share),
        );
        for SendShare(s) in shares {
            out.marked_bytes += s.marked_bytes;
            out.marked_space_bytes += s.marked_space_bytes;
            out.marked_space_objects += s.marked_space_objects;
            out.weak.append(s.weak);
        }
        out
    }
}

/// One worker's state.
struct Ctx<'w, 'a, M> {
    m: &'w ParMarker<'a, M>,
    local: Grey,
    share: Share,
}

impl<M: MarkSpace> Scan for Ctx<'_, '_, M> {
    fn grey(&mut self) -> &mut Grey {
        &mut self.local
    }

    /// Counts the marked object `v` references and marks its targets.
    ///
    /// # Safety
    /// `v` references a live object this closure marked and nobody scanned yet: it was
    /// pushed once, by the thread whose test-and-set marked it.
    #[inline(always)]
    unsafe fn scan(&mut self, v: RawValue) {
        // SAFETY: the caller's contract; the first header word is read atomically because
        // another worker may test its mark flag meanwhile.
        let (o, h) = unsafe {
            let o = ObjPtr::from_value(v);
            (o, o.header_shared())
        };
        let size = h.size();
        self.share.marked_bytes += size as u64;
        let space = self.m.space;
        if space.in_range(o.addr()) {
            self.share.marked_space_bytes += size as u64;
            self.share.marked_space_objects += 1;
            space.scanned(o.addr(), size);
        }
        // SAFETY: `o` is live with header `h`; only this worker scans it, and the closure only
        // reads slots (weak processing keeps their addresses).
        unsafe {
            trace::scan(o, h, |slot, kind| {
                if kind == SlotKind::Strong || weak::defer(self, slot, kind).is_some() {
                    let t = slot.load();
                    if self.m.mark(t) {
                        self.local.push(t);
                    }
                }
            })
        }
    }
}

impl<M: MarkSpace> WeakTracer for Ctx<'_, '_, M> {
    fn weak_refs(&mut self) -> &mut WeakRefs {
        &mut self.share.weak
    }

    fn live(&self, v: RawValue) -> Option<RawValue> {
        self.m.is_live(v).then_some(v)
    }

    fn trace_strong(&mut self, v: RawValue) -> RawValue {
        if self.m.mark(v) {
            self.local.push(v);
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::panic::{self, AssertUnwindSafe};
    use std::sync::atomic::{AtomicU64, Ordering};

    /// Objects of three slots (40 bytes) in one buffer, marked in a side bitmap; marking the
    /// object `panic_at` panics.
    struct Fake {
        base: usize,
        len: usize,
        marks: Vec<AtomicU64>,
        panic_at: Option<usize>,
    }

    impl MarkSpace for Fake {
        fn in_range(&self, addr: usize) -> bool {
            addr.wrapping_sub(self.base) < self.len
        }
        fn mark(&self, addr: usize) -> bool {
            let i = (addr - self.base) / 40;
            assert_ne!(Some(i), self.panic_at, "marking object {i} fails");
            self.marks[i / 64].fetch_or(1 << (i % 64), Ordering::Relaxed) & 1 << (i % 64) == 0
        }
        fn is_marked(&self, addr: usize) -> bool {
            let i = (addr - self.base) / 40;
            self.marks[i / 64].load(Ordering::Relaxed) & 1 << (i % 64) != 0
        }
    }

    /// `n` objects: object `i` references `2i + 1` and `2i + 2` (a tree) and `7i mod n`
    /// (sharing, cycles).
    fn graph(buf: &mut [u64], n: usize) -> Vec<RawValue> {
        // SAFETY: `buf` holds `n` objects of 5 words each; each is initialised before any
        // reference to it is read.
        unsafe {
            let base = buf.as_mut_ptr();
            let objs: Vec<ObjPtr> = (0..n)
                .map(|i| ObjPtr::from_ptr(base.add(5 * i).cast()))
                .collect();
            let refs: Vec<RawValue> = objs.iter().map(|o| o.to_value()).collect();
            for (i, o) in objs.iter().enumerate() {
                o.init_header(1, 3, 0, i as u32);
                for (slot, child) in [2 * i + 1, 2 * i + 2].into_iter().enumerate() {
                    o.set_slot(slot, refs.get(child).copied().unwrap_or(RawValue::int(0)));
                }
                o.set_slot(2, refs[(7 * i) % n]);
            }
            refs
        }
    }

    fn fake(buf: &[u64], n: usize, panic_at: Option<usize>) -> Fake {
        Fake {
            base: buf.as_ptr() as usize,
            len: n * 40,
            marks: (0..n.div_ceil(64)).map(|_| AtomicU64::new(0)).collect(),
            panic_at,
        }
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "crossbeam-epoch needs Tree Borrows: see .ci/check-invariants.sh"
    )]
    fn workers_mark_and_count_every_reachable_object_once() {
        // A closure the calling thread finishes alone, and one the workers share.
        let pool = Pool::new(3);
        for n in [10, if cfg!(miri) { 300 } else { 20_000 }] {
            let mut buf = vec![0u64; 5 * n];
            let refs = graph(&mut buf, n);
            let space = fake(&buf, n, None);
            let large = LargeObjectSpace::new();
            let mut m = ParMarker::new(&pool, &space, &large, None);
            m.root(refs[0]);
            m.root(refs[0]);
            let c = m.run();
            assert_eq!(c.marked_bytes, 40 * n as u64, "each object counted once");
            assert_eq!(c.marked_space_bytes, c.marked_bytes);
            assert!((0..n).all(|i| space.is_marked(space.base + 40 * i)));
        }
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "crossbeam-epoch needs Tree Borrows: see .ci/check-invariants.sh"
    )]
    fn a_panicking_worker_stops_the_closure_and_reaches_the_caller() {
        let n = if cfg!(miri) { 200 } else { 5_000 };
        let mut buf = vec![0u64; 5 * n];
        let refs = graph(&mut buf, n);
        let space = fake(&buf, n, Some(n / 2));
        let pool = Pool::new(2);
        let large = LargeObjectSpace::new();
        let mut m = ParMarker::new(&pool, &space, &large, None);
        m.serial = 0;
        m.root(refs[0]);
        let r = panic::catch_unwind(AssertUnwindSafe(|| m.run()));
        let payload = r.expect_err("the worker's panic is re-raised");
        let msg = payload
            .downcast_ref::<String>()
            .expect("a formatted message");
        assert!(msg.contains("fails"), "{msg}");
    }
}
