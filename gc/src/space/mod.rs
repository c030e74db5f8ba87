//! The spaces objects live in. Each space owns its memory and knows which objects it holds;
//! the plans in [`crate::plan`] compose them, and the collectors in [`crate::collector`]
//! trace through them.
//!
//! Everything that reports on or verifies the heap sees a space only through [`Space`]:
//! its name, its usage, its objects and its own consistency check, so a plan made of new
//! spaces shows up in usage reports and in `verify` without edits there. Allocation and
//! tracing stay on the concrete types, where they are inlined into the hot loops.

pub(crate) mod copy;
pub(crate) mod immix;
pub(crate) mod large;
pub(crate) mod marksweep;

pub(crate) use copy::CopySpace;
pub(crate) use large::LargeObjectSpace;
pub(crate) use marksweep::OldSpace;

use crate::object::ObjPtr;
use crate::stats::SpaceUsage;

/// Block-level occupancy of a space that allocates in blocks.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Fragmentation {
    /// Bytes of the cells (or lines) in use: object bytes plus internal fragmentation.
    pub cell_bytes: u64,
    /// Blocks holding at least one object.
    pub blocks_in_use: usize,
}

/// What every space answers, whatever its policy.
///
/// Invariant (checked by [`check`](Space::check) and `Heap::verify`): `usage()` is the exact
/// sum over the objects `for_each_object` visits, and `contains(addr)` holds for each of them.
pub(crate) trait Space {
    /// The space's name in reports (`"nursery"`, `"old"`, `"large"`…).
    fn name(&self) -> &'static str;

    /// Whether `addr` lies in memory this space manages (not necessarily an object start).
    fn contains(&self, addr: usize) -> bool;

    /// Exact bytes and count of the objects in the space.
    fn usage(&self) -> SpaceUsage;

    /// Bytes of memory the space holds from the OS for objects right now.
    fn committed(&self) -> u64;

    /// Visits every object of the space.
    fn for_each_object(&self, f: &mut dyn FnMut(ObjPtr));

    /// For a space that allocates in blocks of cells: what its blocks hold beyond the exact
    /// object bytes.
    fn fragmentation(&self) -> Option<Fragmentation> {
        None
    }

    /// The space's own bookkeeping checks (beyond the usage sums); the first problem found.
    fn check(&self) -> Result<(), String> {
        Ok(())
    }
}

impl Space for CopySpace {
    fn name(&self) -> &'static str {
        "nursery"
    }

    fn contains(&self, addr: usize) -> bool {
        let (lo, len) = self.current_range();
        addr.wrapping_sub(lo) < len
    }

    fn usage(&self) -> SpaceUsage {
        SpaceUsage {
            bytes: self.used() as u64,
            objects: self.objects(),
        }
    }

    fn committed(&self) -> u64 {
        self.committed_bytes()
    }

    fn for_each_object(&self, f: &mut dyn FnMut(ObjPtr)) {
        CopySpace::for_each_object(self, f)
    }

    fn check(&self) -> Result<(), String> {
        self.check_walk()
    }
}

impl Space for OldSpace {
    fn name(&self) -> &'static str {
        "old"
    }

    fn contains(&self, addr: usize) -> bool {
        self.in_range(addr)
    }

    fn usage(&self) -> SpaceUsage {
        SpaceUsage {
            bytes: self.bytes(),
            objects: self.objects(),
        }
    }

    fn committed(&self) -> u64 {
        self.block_bytes()
    }

    fn for_each_object(&self, f: &mut dyn FnMut(ObjPtr)) {
        OldSpace::for_each_object(self, f)
    }

    fn fragmentation(&self) -> Option<Fragmentation> {
        Some(Fragmentation {
            cell_bytes: self.cell_bytes(),
            blocks_in_use: self.blocks_in_use(),
        })
    }

    fn check(&self) -> Result<(), String> {
        self.check_blocks()?;
        if self.any_marked() && !self.is_marking() {
            return Err("old-space mark bits set outside a collection".into());
        }
        Ok(())
    }
}

impl Space for LargeObjectSpace {
    fn name(&self) -> &'static str {
        "large"
    }

    fn contains(&self, addr: usize) -> bool {
        LargeObjectSpace::contains(self, addr)
    }

    fn usage(&self) -> SpaceUsage {
        SpaceUsage {
            bytes: self.bytes(),
            objects: self.objects(),
        }
    }

    fn committed(&self) -> u64 {
        self.committed_bytes()
    }

    fn for_each_object(&self, f: &mut dyn FnMut(ObjPtr)) {
        LargeObjectSpace::for_each_object(self, f)
    }

    fn check(&self) -> Result<(), String> {
        let mut problem = None;
        LargeObjectSpace::for_each_object(self, |o| {
            // SAFETY: each large region starts with its object.
            let size = unsafe { o.size() };
            if problem.is_none() && self.size_of(o.addr()) != Some(size) {
                problem = Some(format!(
                    "large object at {:#x}: header size {size} differs from record",
                    o.addr()
                ));
            }
        });
        problem.map_or(Ok(()), Err)
    }
}
