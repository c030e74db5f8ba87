//! Space usage as a list: one named entry per space of the plan, in the plan's order.
//!
//! Reports, trace lines, JSON and plots iterate [`HeapUsage::spaces`] instead of naming
//! fields, so a plan made of new spaces shows up everywhere without edits there.
//!
//! Invariants: a [`HeapUsage`] holds at most [`MAX_SPACES`] entries, with distinct names (the
//! heap merges spaces of one name into one entry), and is `Copy` (an inline array, no heap
//! allocation), so recording it twice per collection costs a few stores. A [`SpaceName`] is at
//! most [`SpaceName::MAX_LEN`] bytes of UTF-8, zero-padded, so equal names compare equal.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Bytes and objects held by one space at one instant.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpaceUsage {
    /// Exact bytes of the objects in the space (headers, slots and raw bytes).
    pub bytes: u64,
    /// Number of objects in the space.
    pub objects: u64,
}

/// A space's name in reports (`"nursery"`, `"old"`, `"immix"`, `"large"`…), stored inline.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SpaceName {
    len: u8,
    bytes: [u8; SpaceName::MAX_LEN],
}

impl SpaceName {
    /// The longest name, in bytes.
    pub const MAX_LEN: usize = 15;

    /// `name`, or `None` if it is longer than [`MAX_LEN`](Self::MAX_LEN) bytes.
    pub fn new(name: &str) -> Option<SpaceName> {
        let src = name.as_bytes();
        if src.len() > Self::MAX_LEN {
            return None;
        }
        let mut bytes = [0; Self::MAX_LEN];
        bytes[..src.len()].copy_from_slice(src);
        Some(SpaceName {
            len: src.len() as u8,
            bytes,
        })
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        // Built from a `&str` cut at its own length, so always valid UTF-8.
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or("")
    }
}

impl fmt::Debug for SpaceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for SpaceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for SpaceName {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SpaceName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        SpaceName::new(&s).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "space name `{s}` is longer than {} bytes",
                SpaceName::MAX_LEN
            ))
        })
    }
}

/// One space's usage at one instant.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpaceEntry {
    /// The space's name.
    pub name: SpaceName,
    /// Exact bytes of the objects in the space.
    pub bytes: u64,
    /// Number of objects in the space.
    pub objects: u64,
    /// Bytes of memory the space holds from the OS for objects (whole pages or blocks).
    pub committed: u64,
}

/// The most spaces a [`HeapUsage`] holds (a plan has at most this many).
pub const MAX_SPACES: usize = 6;

/// The usage of every space of the plan at one instant, in the plan's order (the nursery
/// first when there is one). Serialised as a list of [`SpaceEntry`].
#[derive(Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(into = "Vec<SpaceEntry>", try_from = "Vec<SpaceEntry>")]
pub struct HeapUsage {
    len: u8,
    entries: [SpaceEntry; MAX_SPACES],
}

impl HeapUsage {
    /// No spaces.
    pub const EMPTY: HeapUsage = HeapUsage {
        len: 0,
        entries: [SpaceEntry {
            name: SpaceName {
                len: 0,
                bytes: [0; SpaceName::MAX_LEN],
            },
            bytes: 0,
            objects: 0,
            committed: 0,
        }; MAX_SPACES],
    };

    /// The spaces, in the plan's order.
    pub fn spaces(&self) -> &[SpaceEntry] {
        &self.entries[..self.len as usize]
    }

    /// The space called `name`, if the plan has one.
    pub fn get(&self, name: &str) -> Option<&SpaceEntry> {
        self.spaces().iter().find(|e| e.name.as_str() == name)
    }

    /// Bytes of the space called `name` (0 if the plan has none).
    pub fn bytes_of(&self, name: &str) -> u64 {
        self.get(name).map_or(0, |e| e.bytes)
    }

    /// Adds `entry`, merged into the entry of the same name if there is one; gives `entry`
    /// back if the list is full.
    pub fn try_add(&mut self, entry: SpaceEntry) -> Result<(), SpaceEntry> {
        let len = self.len as usize;
        if let Some(e) = self.entries[..len]
            .iter_mut()
            .find(|e| e.name == entry.name)
        {
            e.bytes += entry.bytes;
            e.objects += entry.objects;
            e.committed += entry.committed;
            return Ok(());
        }
        if len == MAX_SPACES {
            return Err(entry);
        }
        self.entries[len] = entry;
        self.len += 1;
        Ok(())
    }

    /// Total bytes across all spaces.
    pub fn bytes(&self) -> u64 {
        self.spaces().iter().map(|e| e.bytes).sum()
    }

    /// Total objects across all spaces.
    pub fn objects(&self) -> u64 {
        self.spaces().iter().map(|e| e.objects).sum()
    }

    /// Total committed bytes across all spaces.
    pub fn committed(&self) -> u64 {
        self.spaces().iter().map(|e| e.committed).sum()
    }
}

impl fmt::Debug for HeapUsage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.spaces()).finish()
    }
}

impl From<HeapUsage> for Vec<SpaceEntry> {
    fn from(u: HeapUsage) -> Self {
        u.spaces().to_vec()
    }
}

impl TryFrom<Vec<SpaceEntry>> for HeapUsage {
    type Error = String;

    fn try_from(entries: Vec<SpaceEntry>) -> Result<Self, String> {
        let mut u = HeapUsage::EMPTY;
        for e in entries {
            u.try_add(e)
                .map_err(|_| format!("more than {MAX_SPACES} spaces in a usage record"))?;
        }
        Ok(u)
    }
}

impl FromIterator<SpaceEntry> for HeapUsage {
    /// Collects entries; those past [`MAX_SPACES`] distinct names are dropped (use
    /// [`HeapUsage::try_add`] to notice).
    fn from_iter<I: IntoIterator<Item = SpaceEntry>>(iter: I) -> Self {
        let mut u = HeapUsage::EMPTY;
        for e in iter {
            let _ = u.try_add(e);
        }
        u
    }
}

impl SpaceEntry {
    /// An entry named `name` (cut to [`SpaceName::MAX_LEN`] bytes at a character boundary).
    pub fn new(name: &str, bytes: u64, objects: u64, committed: u64) -> SpaceEntry {
        let mut end = name.len().min(SpaceName::MAX_LEN);
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        SpaceEntry {
            name: SpaceName::new(&name[..end]).unwrap_or_default(),
            bytes,
            objects,
            committed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_merge_by_name_and_round_trip_through_json() {
        let mut u = HeapUsage::default();
        u.try_add(SpaceEntry::new("nursery", 100, 2, 4096)).unwrap();
        u.try_add(SpaceEntry::new("immix", 300, 3, 32768)).unwrap();
        u.try_add(SpaceEntry::new("nursery", 50, 1, 0)).unwrap();
        assert_eq!(u.spaces().len(), 2);
        assert_eq!(u.bytes_of("nursery"), 150);
        assert_eq!(u.bytes(), 450);
        assert_eq!(u.objects(), 6);
        assert_eq!(u.committed(), 36864);
        let json = serde_json::to_string(&u).unwrap();
        assert!(
            json.starts_with(r#"[{"name":"nursery","bytes":150"#),
            "{json}"
        );
        let back: HeapUsage = serde_json::from_str(&json).unwrap();
        assert_eq!(back, u);
    }

    #[test]
    fn too_many_spaces_and_long_names_are_errors() {
        let mut u = HeapUsage::default();
        for i in 0..MAX_SPACES {
            u.try_add(SpaceEntry::new(&format!("s{i}"), 1, 1, 0))
                .unwrap();
        }
        assert!(u.try_add(SpaceEntry::new("one-more", 1, 1, 0)).is_err());
        assert!(SpaceName::new("a-name-of-16-byt").is_none());
        assert_eq!(
            SpaceEntry::new("ééééééééé", 0, 0, 0).name.as_str(),
            "ééééééé"
        );
        let long = r#"[{"name":"a-name-of-16-byt","bytes":0,"objects":0,"committed":0}]"#;
        let err = serde_json::from_str::<HeapUsage>(long).unwrap_err();
        assert!(err.to_string().contains("longer than 15 bytes"), "{err}");
    }
}
