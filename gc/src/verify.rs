//! Heap verification: walks every space and every root and checks the invariants the
//! collector relies on.
//!
//! Checked:
//! - every reference held by a root or by a live object points at the header of an object in
//!   a live space (so nothing points into from-space or at a freed cell);
//! - no object is forwarded or marked outside a collection, and the old space's mark bitmaps
//!   are clear;
//! - every old or large object that references a nursery object is remembered (flag set and
//!   in the remembered set), and every remembered-set entry is a live old or large object;
//! - the accounting adds up: each space's byte and object counters equal the sums over its
//!   objects, the old space's free lists match its bitmaps, and occupancy is within the limit.

use crate::heap::Heap;
use crate::object::{Flags, ObjPtr};
use crate::plan::BarrierKind;
use crate::trace;
use std::collections::HashSet;
use std::fmt;

/// What `verify` walked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifyReport {
    /// Objects in all spaces (reachable or not yet collected).
    pub objects: u64,
    /// Their exact bytes.
    pub bytes: u64,
    /// Root slots visited.
    pub roots: u64,
}

/// The invariants `verify` found broken (at most the first 32 problems).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyError {
    /// One line per problem.
    pub problems: Vec<String>,
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "heap verification failed:")?;
        for p in &self.problems {
            writeln!(f, "  - {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for VerifyError {}

struct Checker {
    problems: Vec<String>,
}

impl Checker {
    fn fail(&mut self, msg: String) {
        if self.problems.len() < 32 {
            self.problems.push(msg);
        }
    }
}

impl Heap {
    /// Checks the heap's invariants (see the module docs of `verify`). Runs in time linear in
    /// the heap; call it after every collection in tests.
    pub fn verify(&mut self) -> Result<VerifyReport, VerifyError> {
        let mut c = Checker {
            problems: Vec::new(),
        };
        self.roots.drain_released();

        // 1. Every object, per space, with exact accounting.
        let mut objects: HashSet<usize> = HashSet::new();
        let mut all: Vec<ObjPtr> = Vec::new();
        self.plan.for_each_space(&mut |space| {
            if let Err(e) = space.check() {
                // A space whose own walk fails is not walked again (its headers may be bad).
                c.fail(format!("{} space: {e}", space.name()));
                return;
            }
            let (mut bytes, mut count) = (0u64, 0u64);
            let mut outside = 0u64;
            space.for_each_object(&mut |o| {
                outside += u64::from(!space.contains(o.addr()));
                // SAFETY: the space holds `o`, a live object.
                bytes += unsafe { o.size() } as u64;
                count += 1;
                objects.insert(o.addr());
                all.push(o);
            });
            if outside > 0 {
                c.fail(format!(
                    "{} space walks {outside} objects outside its own memory",
                    space.name()
                ));
            }
            let u = space.usage();
            if bytes != u.bytes || count != u.objects {
                c.fail(format!(
                    "{} space accounts {} B / {} objects but holds {bytes} B / {count}",
                    space.name(),
                    u.bytes,
                    u.objects
                ));
            }
        });
        if self.occupied_bytes() > self.config.max_heap as u64 {
            c.fail(format!(
                "occupancy {} B exceeds the limit {} B",
                self.occupied_bytes(),
                self.config.max_heap
            ));
        }

        // During an incremental marking cycle large objects carry mark flags between pauses.
        let marking = self.plan.incremental();
        if let Some(v) = self.plan.violation() {
            c.fail(v);
        }
        let is_object = |addr: usize| -> bool { objects.contains(&addr) };
        let remembered_set = self.plan.remembered();
        let remset: HashSet<usize> = remembered_set.iter().map(|o| o.addr()).collect();
        let generational = self.plan.constraints().barrier == BarrierKind::ObjectRemembering;
        let (young_lo, young_len) = (self.barrier_lo(), self.barrier_len());
        let is_young = |addr: usize| generational && addr.wrapping_sub(young_lo) < young_len;

        // 2. Every object's header and slots.
        let mut total_bytes = 0u64;
        for &o in &all {
            let addr = o.addr();
            let young = is_young(addr);
            // SAFETY: `o` was found by walking a space, so it is a live object.
            let (flags, size) = unsafe { (o.flags(), o.size()) };
            total_bytes += size as u64;
            if flags & Flags::FORWARDED != 0 {
                c.fail(format!(
                    "object at {addr:#x} is forwarded outside a collection"
                ));
                continue;
            }
            if flags & Flags::MARKED != 0 && !marking {
                c.fail(format!(
                    "object at {addr:#x} is marked outside a collection"
                ));
            }
            let remembered = flags & Flags::REMEMBERED != 0;
            if remembered && (young || !remset.contains(&addr)) {
                c.fail(format!(
                    "object at {addr:#x} has the remembered flag but is not in the remembered set"
                ));
            }
            let mut points_young = false;
            // SAFETY: `o` is a live object (found by walking a space); verify only reads.
            unsafe {
                trace::for_each_reference(o, |i, _kind, v| {
                    let target = v.addr();
                    if !is_object(target) {
                        c.fail(format!(
                            "slot {i} of object at {addr:#x} points at {target:#x}, not an object"
                        ));
                    } else if is_young(target) {
                        points_young = true;
                    }
                })
            };
            if generational && !young && points_young && !(remembered && remset.contains(&addr)) {
                c.fail(format!(
                    "old object at {addr:#x} references the nursery but is not remembered"
                ));
            }
        }
        for o in remembered_set {
            if is_young(o.addr()) || !is_object(o.addr()) {
                c.fail(format!(
                    "remembered-set entry {:#x} is not a live old object",
                    o.addr()
                ));
            }
        }

        // 3. Roots.
        let mut roots = 0u64;
        self.roots.for_each_slot_mut(&mut |slot| {
            roots += 1;
            if let Some(target) = slot.ref_addr() {
                if !is_object(target) {
                    c.fail(format!("a root points at {target:#x}, not an object"));
                }
            }
        });
        // A root source that panicked here is unregistered like one that panics mid-collection.
        self.resume_source_panic();

        if c.problems.is_empty() {
            Ok(VerifyReport {
                objects: all.len() as u64,
                bytes: total_bytes,
                roots,
            })
        } else {
            Err(VerifyError {
                problems: c.problems,
            })
        }
    }
}
