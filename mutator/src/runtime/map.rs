//! `Map` (a hash map in the heap) and an LRU cache built on it.
//!
//! A `Map` object holds a bucket array (`Map .buckets → Elements`) of `Entry` chains;
//! keys are small integers or strings (`String` objects, compared by bytes). The buckets
//! double when the load passes 3/4. A `Map` used as a cache and never pruned keeps every
//! value it was given — the `unbounded-cache` leak; [`Runtime::lru_set`] bounds it, evicting
//! the least recently used entry (an `LruCache` threads its entries on a doubly linked
//! list through `Entry .newer`/`.older`).

use super::{tags, RtError, Runtime};
use gclab::{Handle, Value};

const BUCKETS: usize = 0;
const SIZE: usize = 1;

const E_KEY: usize = 0;
const E_VALUE: usize = 1;
const E_NEXT: usize = 2;
const E_NEWER: usize = 3;
const E_OLDER: usize = 4;

const L_MAP: usize = 0;
const L_NEWEST: usize = 1;
const L_OLDEST: usize = 2;
const L_CAPACITY: usize = 3;

/// A map key: a small integer or a string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key<'a> {
    /// An integer key.
    Int(i32),
    /// A string key (stored as a `String` object).
    Str(&'a str),
}

fn hash_int(i: i32) -> u64 {
    (i as u32 as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 17
}

fn hash_bytes(b: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &c in b {
        h ^= c as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn hash_key(k: Key<'_>) -> u64 {
    match k {
        Key::Int(i) => hash_int(i),
        Key::Str(s) => hash_bytes(s.as_bytes()),
    }
}

impl Runtime {
    /// `new Map()` with room for about `capacity` entries before it grows.
    ///
    /// # Errors
    /// Heap errors.
    pub fn map_new(&mut self, capacity: usize) -> Result<Handle, RtError> {
        let n = capacity.next_power_of_two().max(8);
        let buckets = self.heap.alloc(tags::ELEMENTS, n, 0)?;
        Ok(self
            .heap
            .alloc_with(tags::MAP, &[buckets.into(), Value::Int(0)], &[])?)
    }

    /// `map.size`.
    ///
    /// # Errors
    /// Heap errors.
    pub fn map_size(&mut self, map: Handle) -> Result<usize, RtError> {
        match self.heap.get(map, SIZE)? {
            Value::Int(n) => Ok(n as usize),
            _ => Err(RtError::Thrown("TypeError: not a map".into())),
        }
    }

    /// The hash of the key stored in `entry`.
    fn entry_hash(&mut self, entry: Handle) -> Result<u64, RtError> {
        Ok(match self.heap.get(entry, E_KEY)? {
            Value::Int(i) => hash_int(i),
            Value::Ref(s) => hash_bytes(self.heap.bytes(s)?),
            _ => 0,
        })
    }

    fn entry_matches(&mut self, entry: Handle, key: Key<'_>, tmp: Handle) -> Result<bool, RtError> {
        Ok(match (self.heap.get_into(entry, E_KEY, tmp)?, key) {
            (Value::Int(a), Key::Int(b)) => a == b,
            (Value::Ref(s), Key::Str(k)) => self.heap.bytes(s)? == k.as_bytes(),
            _ => false,
        })
    }

    /// The entry for `key` as a local of the current frame, and its bucket index.
    fn find_entry(
        &mut self,
        map: Handle,
        key: Key<'_>,
    ) -> Result<(Option<Handle>, usize), RtError> {
        let buckets = self.heap.get(map, BUCKETS)?.as_ref().expect("map buckets");
        let n = self.heap.slot_count(buckets)?;
        let b = (hash_key(key) as usize) & (n - 1);
        let e = self.heap.local(Value::Undefined)?;
        let tmp = self.heap.local(Value::Undefined)?;
        let mut cur = self.heap.get_into(buckets, b, e)?;
        while let Value::Ref(_) = cur {
            if self.entry_matches(e, key, tmp)? {
                return Ok((Some(e), b));
            }
            cur = self.heap.get_into(e, E_NEXT, e)?;
        }
        Ok((None, b))
    }

    /// `map.get(key)`.
    ///
    /// # Errors
    /// Heap errors.
    pub fn map_get(&mut self, map: Handle, key: Key<'_>) -> Result<Option<Value>, RtError> {
        let frame = self.heap.push_frame("Map.prototype.get");
        let r = (|| match self.find_entry(map, key)?.0 {
            Some(e) => Ok(Some(self.heap.get(e, E_VALUE)?)),
            None => Ok(None),
        })();
        match r {
            Ok(Some(Value::Ref(h))) => Ok(Some(self.heap.pop_frame_escape(frame, h)?)),
            other => {
                self.heap.pop_frame(frame)?;
                other
            }
        }
    }

    /// `map.has(key)`.
    ///
    /// # Errors
    /// Heap errors.
    pub fn map_has(&mut self, map: Handle, key: Key<'_>) -> Result<bool, RtError> {
        let frame = self.heap.push_frame("Map.prototype.has");
        let r = self.find_entry(map, key).map(|(e, _)| e.is_some());
        self.heap.pop_frame(frame)?;
        r
    }

    /// `map.set(key, value)`.
    ///
    /// # Errors
    /// Heap errors.
    pub fn map_set(
        &mut self,
        map: Handle,
        key: Key<'_>,
        value: impl Into<Value>,
    ) -> Result<(), RtError> {
        let value = value.into();
        let frame = self.heap.push_frame("Map.prototype.set");
        let r = self.map_set_in(map, key, value).map(|_| ());
        self.heap.pop_frame(frame)?;
        r
    }

    /// Sets `key` and returns its entry (a local) and whether it was new.
    fn map_set_in(
        &mut self,
        map: Handle,
        key: Key<'_>,
        value: Value,
    ) -> Result<(Handle, bool), RtError> {
        if let (Some(e), _) = self.find_entry(map, key)? {
            self.heap.set(e, E_VALUE, value)?;
            return Ok((e, false));
        }
        let size = self.map_size(map)?;
        let buckets = self.heap.get(map, BUCKETS)?.as_ref().expect("map buckets");
        let n = self.heap.slot_count(buckets)?;
        if (size + 1) * 4 > n * 3 {
            self.map_grow(map, n * 2)?;
        }
        let k: Value = match key {
            Key::Int(i) => Value::Int(i),
            Key::Str(s) => self.string(s)?.into(),
        };
        let entry = self.heap.alloc_with(
            tags::ENTRY,
            &[
                k,
                value,
                Value::Undefined,
                Value::Undefined,
                Value::Undefined,
            ],
            &[],
        )?;
        let buckets = self.heap.get(map, BUCKETS)?.as_ref().expect("map buckets");
        let n = self.heap.slot_count(buckets)?;
        let b = (hash_key(key) as usize) & (n - 1);
        let head = self.heap.get(buckets, b)?;
        self.heap.set(entry, E_NEXT, head)?;
        self.heap.set(buckets, b, entry)?;
        self.heap.set(map, SIZE, Value::Int(size as i32 + 1))?;
        Ok((entry, true))
    }

    fn map_grow(&mut self, map: Handle, n: usize) -> Result<(), RtError> {
        let fresh = self.heap.alloc(tags::ELEMENTS, n, 0)?;
        let old = self.heap.get(map, BUCKETS)?.as_ref().expect("map buckets");
        let old_n = self.heap.slot_count(old)?;
        let e = self.heap.local(Value::Undefined)?;
        let next = self.heap.local(Value::Undefined)?;
        let tmp = self.heap.local(Value::Undefined)?;
        for b in 0..old_n {
            let mut cur = self.heap.get_into(old, b, e)?;
            while let Value::Ref(_) = cur {
                let after = self.heap.get_into(e, E_NEXT, next)?;
                let nb = (self.entry_hash(e)? as usize) & (n - 1);
                let head = self.heap.get_into(fresh, nb, tmp)?;
                self.heap.set(e, E_NEXT, head)?;
                self.heap.set(fresh, nb, e)?;
                cur = after;
                if let Value::Ref(_) = after {
                    let v = self.heap.value_of(next)?;
                    self.heap.set_local(e, v)?;
                }
            }
        }
        self.heap.set(map, BUCKETS, fresh)?;
        Ok(())
    }

    /// `map.delete(key)`: returns whether the key was present.
    ///
    /// # Errors
    /// Heap errors.
    pub fn map_delete(&mut self, map: Handle, key: Key<'_>) -> Result<bool, RtError> {
        let frame = self.heap.push_frame("Map.prototype.delete");
        let r = self.map_delete_in(map, key).map(|e| e.is_some());
        self.heap.pop_frame(frame)?;
        r
    }

    /// Unlinks the entry for `key` from its bucket; returns it (a local).
    fn map_delete_in(&mut self, map: Handle, key: Key<'_>) -> Result<Option<Handle>, RtError> {
        let buckets = self.heap.get(map, BUCKETS)?.as_ref().expect("map buckets");
        let n = self.heap.slot_count(buckets)?;
        let b = (hash_key(key) as usize) & (n - 1);
        let prev = self.heap.local(Value::Undefined)?;
        let e = self.heap.local(Value::Undefined)?;
        let tmp = self.heap.local(Value::Undefined)?;
        let mut has_prev = false;
        let mut cur = self.heap.get_into(buckets, b, e)?;
        while let Value::Ref(_) = cur {
            if self.entry_matches(e, key, tmp)? {
                let next = self.heap.get_into(e, E_NEXT, tmp)?;
                if has_prev {
                    self.heap.set(prev, E_NEXT, next)?;
                } else {
                    self.heap.set(buckets, b, next)?;
                }
                self.heap.set(e, E_NEXT, Value::Undefined)?;
                let size = self.map_size(map)?;
                self.heap.set(map, SIZE, Value::Int(size as i32 - 1))?;
                return Ok(Some(e));
            }
            let v = self.heap.value_of(e)?;
            self.heap.set_local(prev, v)?;
            has_prev = true;
            cur = self.heap.get_into(e, E_NEXT, e)?;
        }
        Ok(None)
    }

    // ------------------------------------------------------------------ LRU cache

    /// An LRU cache holding at most `capacity` entries.
    ///
    /// # Errors
    /// Heap errors.
    pub fn lru_new(&mut self, capacity: usize) -> Result<Handle, RtError> {
        let map = self.map_new(capacity)?;
        Ok(self.heap.alloc_with(
            tags::LRU,
            &[
                map.into(),
                Value::Null,
                Value::Null,
                Value::Int(capacity as i32),
            ],
            &[],
        )?)
    }

    /// Number of entries in an LRU cache.
    ///
    /// # Errors
    /// Heap errors.
    pub fn lru_size(&mut self, lru: Handle) -> Result<usize, RtError> {
        let frame = self.heap.push_frame("LruCache.size");
        let r = (|| {
            let map = self.heap.get(lru, L_MAP)?.as_ref().expect("lru map");
            self.map_size(map)
        })();
        self.heap.pop_frame(frame)?;
        r
    }

    /// Unlinks `e` from the recency list.
    fn lru_unlink(&mut self, lru: Handle, e: Handle) -> Result<(), RtError> {
        let newer = self.heap.get(e, E_NEWER)?;
        let older = self.heap.get(e, E_OLDER)?;
        match newer {
            Value::Ref(n) => self.heap.set(n, E_OLDER, older)?,
            _ => self.heap.set(lru, L_NEWEST, older)?,
        }
        match older {
            Value::Ref(o) => self.heap.set(o, E_NEWER, newer)?,
            _ => self.heap.set(lru, L_OLDEST, newer)?,
        }
        self.heap.set(e, E_NEWER, Value::Null)?;
        self.heap.set(e, E_OLDER, Value::Null)?;
        Ok(())
    }

    /// Links `e` as the most recently used.
    fn lru_link_newest(&mut self, lru: Handle, e: Handle) -> Result<(), RtError> {
        let newest = self.heap.get(lru, L_NEWEST)?;
        self.heap.set(e, E_OLDER, newest)?;
        self.heap.set(e, E_NEWER, Value::Null)?;
        match newest {
            Value::Ref(n) => self.heap.set(n, E_NEWER, e)?,
            _ => self.heap.set(lru, L_OLDEST, e)?,
        }
        self.heap.set(lru, L_NEWEST, e)?;
        Ok(())
    }

    /// `cache.get(key)`: marks the entry most recently used.
    ///
    /// # Errors
    /// Heap errors.
    pub fn lru_get(&mut self, lru: Handle, key: Key<'_>) -> Result<Option<Value>, RtError> {
        let frame = self.heap.push_frame("LruCache.get");
        let r = (|| {
            let map = self.heap.get(lru, L_MAP)?.as_ref().expect("lru map");
            match self.find_entry(map, key)?.0 {
                Some(e) => {
                    self.lru_unlink(lru, e)?;
                    self.lru_link_newest(lru, e)?;
                    Ok(Some(self.heap.get(e, E_VALUE)?))
                }
                None => Ok(None),
            }
        })();
        match r {
            Ok(Some(Value::Ref(h))) => Ok(Some(self.heap.pop_frame_escape(frame, h)?)),
            other => {
                self.heap.pop_frame(frame)?;
                other
            }
        }
    }

    /// `cache.set(key, value)`: evicts the least recently used entry past the capacity.
    ///
    /// # Errors
    /// Heap errors.
    pub fn lru_set(
        &mut self,
        lru: Handle,
        key: Key<'_>,
        value: impl Into<Value>,
    ) -> Result<(), RtError> {
        let value = value.into();
        let frame = self.heap.push_frame("LruCache.set");
        let r = (|| {
            let map = self.heap.get(lru, L_MAP)?.as_ref().expect("lru map");
            let (e, new) = self.map_set_in(map, key, value)?;
            if !new {
                self.lru_unlink(lru, e)?;
            }
            self.lru_link_newest(lru, e)?;
            let cap = match self.heap.get(lru, L_CAPACITY)? {
                Value::Int(c) => c as usize,
                _ => usize::MAX,
            };
            if self.map_size(map)? > cap {
                let Some(oldest) = self.heap.get(lru, L_OLDEST)?.as_ref() else {
                    return Ok(());
                };
                self.lru_unlink(lru, oldest)?;
                match self.heap.get(oldest, E_KEY)? {
                    Value::Int(i) => {
                        self.map_delete_in(map, Key::Int(i))?;
                    }
                    Value::Ref(s) => {
                        let k = String::from_utf8_lossy(self.heap.bytes(s)?).into_owned();
                        self.map_delete_in(map, Key::Str(&k))?;
                    }
                    _ => {}
                }
            }
            Ok(())
        })();
        self.heap.pop_frame(frame)?;
        r
    }
}
