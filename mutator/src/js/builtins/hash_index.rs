//! The hash index of a `Map` or `Set`: open addressing over the collection's entry numbers.
//!
//! Slot 7 of a collection is `undefined` while it has at most [`LINEAR_MAX`] entries (a scan
//! is as fast), then an `ELEMENTS` table whose length is a power of two at least twice the
//! entry capacity; each slot holds `undefined` (empty) or the `Int` number of an entry whose
//! key hashes there (linear probing). Keys hash by SameValueZero: numbers by value (`-0` as
//! `0`, every NaN alike), strings by their bytes, `true`/`false`/`null`/`undefined` by kind,
//! other objects by the heap's stable object id (kept when a collection moves them). A deleted
//! entry keeps its index slot (its key is the hole object, which matches nothing), and the
//! index is rebuilt whenever the entry store is grown or compacted.
//!
//! Invariant: with an index present, every entry `i < used` whose key is not the hole is
//! reachable by probing from its key's hash before an empty slot.

use crate::js::realm::tags::*;
use crate::js::{Interp, R};
use gclab::{Handle, Value};

/// Collections up to this many entries are scanned, not indexed.
pub(super) const LINEAR_MAX: usize = 8;

/// Slot of the index in a collection.
pub(super) const INDEX: usize = 7;

/// FNV-1a, then a final mix (the table uses the low bits).
fn mix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h
}

fn hash_bytes(b: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &x in b {
        h ^= u64::from(x);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    mix(h)
}

fn hash_number(n: f64) -> u64 {
    let n = if n == 0.0 { 0.0 } else { n };
    let bits = if n.is_nan() {
        0x7ff8_0000_0000_0000
    } else {
        n.to_bits()
    };
    mix(bits ^ 0x9e37_79b9_7f4a_7c15)
}

impl Interp<'_> {
    /// The SameValueZero hash of a key.
    pub(super) fn key_hash(&mut self, key: Value) -> R<u64> {
        Ok(match key {
            Value::Int(i) => hash_number(f64::from(i)),
            Value::Float(f) => hash_number(f),
            Value::Bool(b) => mix(2 + u64::from(b)),
            Value::Null => mix(4),
            Value::Undefined => mix(5),
            Value::Ref(h) if self.is_str(key) => hash_bytes(self.heap.bytes(h)?),
            Value::Ref(h) => mix(self.heap.object_id(h)? ^ 0x5851_f42d_4c95_7f2d),
        })
    }

    /// Records entry `e` (key hash `hash`) in the index.
    pub(super) fn index_insert(&mut self, index: Handle, hash: u64, e: usize) -> R<()> {
        let len = self.heap.slot_count(index)?;
        let mask = len - 1;
        let mut i = hash as usize & mask;
        while self.heap.get(index, i)? != Value::Undefined {
            i = (i + 1) & mask;
        }
        self.heap.set(index, i, Value::Int(e as i32))?;
        Ok(())
    }

    /// Rebuilds collection `m`'s index for its entry capacity (none while it is small).
    pub(super) fn index_rebuild(&mut self, m: Handle) -> R<()> {
        let used = self.heap.get(m, 5)?.as_int().unwrap_or(0) as usize;
        let keys = self.heap.get(m, 3)?.as_ref().expect("keys");
        let cap = self.heap.slot_count(keys)?;
        if cap <= LINEAR_MAX {
            self.heap.set(m, INDEX, Value::Undefined)?;
            return Ok(());
        }
        let index = self
            .heap
            .alloc(ELEMENTS, (2 * cap).next_power_of_two(), 0)?;
        self.heap.set(m, INDEX, index)?;
        let hole = self.intr().hole.handle();
        for e in 0..used {
            let keys = self.heap.get(m, 3)?.as_ref().expect("keys");
            let k = self.heap.get(keys, e)?;
            if let Value::Ref(kh) = k {
                if self.heap.same_object(kh, hole)? {
                    continue;
                }
            }
            let h = self.key_hash(k)?;
            self.index_insert(index, h, e)?;
        }
        Ok(())
    }
}
