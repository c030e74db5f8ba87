//! The large-object space: objects above the size threshold, each in its own mapping, never
//! moved. Marking uses the header's mark flag; sweeping unmaps what was not marked.
//!
//! Invariant: `bytes` and `objects` are the exact sums over the map, and outside a major
//! collection no object has its mark flag set.

use crate::mem::Region;
use crate::object::{Flags, ObjPtr};
use std::collections::BTreeMap;

pub(crate) struct LargeObjectSpace {
    objects: BTreeMap<usize, Region>,
    sizes: BTreeMap<usize, usize>,
    bytes: u64,
    /// The mappings' lengths: object sizes rounded up to whole pages.
    committed: u64,
}

impl std::fmt::Debug for LargeObjectSpace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LargeObjectSpace")
            .field("objects", &self.objects.len())
            .field("bytes", &self.bytes)
            .finish()
    }
}

impl LargeObjectSpace {
    pub fn new() -> LargeObjectSpace {
        LargeObjectSpace {
            objects: BTreeMap::new(),
            sizes: BTreeMap::new(),
            bytes: 0,
            committed: 0,
        }
    }

    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    pub fn objects(&self) -> u64 {
        self.objects.len() as u64
    }

    /// Bytes mapped for the objects (each object's size rounded up to whole pages).
    pub fn committed_bytes(&self) -> u64 {
        self.committed
    }

    /// Maps a new object of `size` bytes; `None` if the OS refuses.
    pub fn alloc(&mut self, size: usize) -> Option<*mut u8> {
        let region = Region::new(size).ok()?;
        let p = region.start();
        self.committed += region.len() as u64;
        self.objects.insert(p as usize, region);
        self.sizes.insert(p as usize, size);
        self.bytes += size as u64;
        Some(p)
    }

    /// Whether `addr` is the start of a large object.
    pub fn contains(&self, addr: usize) -> bool {
        self.objects.contains_key(&addr)
    }

    /// Marks the object; returns whether it was unmarked before.
    ///
    /// # Safety
    /// `o` is a live large object.
    pub unsafe fn mark(&mut self, o: ObjPtr) -> bool {
        // SAFETY: the caller's contract.
        unsafe {
            if o.has_flag(Flags::MARKED) {
                false
            } else {
                o.set_flag(Flags::MARKED, true);
                true
            }
        }
    }

    /// Frees every unmarked object and clears the marks of the rest.
    /// Returns (bytes freed, objects freed).
    pub fn sweep(&mut self) -> (u64, u64) {
        let mut freed = (0, 0);
        let mut unmapped = 0;
        let sizes = &mut self.sizes;
        self.objects.retain(|&addr, region| {
            // SAFETY: every key is the start of a live large object (module invariant).
            let o = unsafe { ObjPtr::from_ptr(region.start()) };
            // SAFETY: as above.
            if unsafe { o.has_flag(Flags::MARKED) } {
                // SAFETY: as above.
                unsafe { o.set_flag(Flags::MARKED, false) };
                true
            } else {
                let size = sizes.remove(&addr).expect("size of a large object");
                freed.0 += size as u64;
                freed.1 += 1;
                unmapped += region.len() as u64;
                false
            }
        });
        self.bytes -= freed.0;
        self.committed -= unmapped;
        freed
    }

    /// Walks every large object in address order.
    pub fn for_each_object(&self, mut f: impl FnMut(ObjPtr)) {
        for region in self.objects.values() {
            // SAFETY: every region starts with a live large object (module invariant).
            f(unsafe { ObjPtr::from_ptr(region.start()) });
        }
    }

    /// The recorded size of the object at `addr`.
    pub fn size_of(&self, addr: usize) -> Option<usize> {
        self.sizes.get(&addr).copied()
    }
}
