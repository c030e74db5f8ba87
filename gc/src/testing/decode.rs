//! Bytes → programs, for fuzzers.
//!
//! Every byte string decodes to a valid program: the first byte picks the plan, one of the
//! small [`fuzz_profiles`] and a stress mode ([`decode_config`]), then each operation takes an opcode byte and the
//! bytes its fields need; missing bytes read as zero and out-of-range numbers wrap into
//! range. Programs are short and bounded by [`Sizes::FUZZ`] (at most [`MAX_OPS`] operations,
//! chains of at most 48 nodes), and the heaps are small (64–128 KiB, 4–8 KiB nurseries), so
//! collections, promotion and `OutOfMemory` come within a few operations and one input runs
//! in well under a millisecond: fuzzers spend their time on new programs, not long ones.

use super::op::{Op, Ops, Sel, ValSel};
use super::strategy::Sizes;
use crate::{CollectionKind, HeapConfig, Plan};

/// Most operations decoded from one input.
pub const MAX_OPS: usize = 48;

/// The heap shapes the fuzzers run: all small, so a few operations fill the nursery and a
/// few dozen reach `max_heap`. Sizes are the smallest the configuration allows (64 KiB heap,
/// 4 KiB nursery) or close to them; `max_heap` is a multiple of 8 KiB so the semispace
/// plan's halves are exact.
pub fn fuzz_profiles(plan: Plan) -> [HeapConfig; 4] {
    let base = HeapConfig::for_plan(plan);
    let kib = 1024;
    [
        // Promote every survivor; small large-object threshold.
        HeapConfig {
            max_heap: 64 * kib,
            nursery_size: 4 * kib,
            large_object_threshold: 512,
            promotion_age: 1,
            min_major_threshold: 8 * kib,
            ..base.clone()
        },
        // Objects up to the nursery's size stay small; promotion at age 2.
        HeapConfig {
            max_heap: 64 * kib,
            nursery_size: 4 * kib,
            large_object_threshold: 4096,
            promotion_age: 2,
            min_major_threshold: 16 * kib,
            ..base.clone()
        },
        // A little more room: majors come from the threshold, not the limit.
        HeapConfig {
            max_heap: 128 * kib,
            nursery_size: 8 * kib,
            large_object_threshold: 1024,
            promotion_age: 1,
            min_major_threshold: 16 * kib,
            major_growth: 1.5,
            ..base.clone()
        },
        // Largest old-space cells in use, age 3.
        HeapConfig {
            max_heap: 128 * kib,
            nursery_size: 4 * kib,
            large_object_threshold: 8192,
            promotion_age: 3,
            min_major_threshold: 32 * kib,
            ..base
        },
    ]
}

/// `x` wrapped into `0..=max`.
fn wrap(x: u16, max: u16) -> u16 {
    (u32::from(x) % (u32::from(max) + 1)) as u16
}

/// Reads fields from fuzzer bytes; past the end every byte reads as zero.
pub(super) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    limits: Sizes,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `data`, with the fuzzers' size limits.
    pub(super) fn new(data: &'a [u8]) -> Reader<'a> {
        Reader {
            data,
            pos: 0,
            limits: Sizes::FUZZ,
        }
    }

    pub(super) fn u8(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }

    pub(super) fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }

    pub(super) fn u64(&mut self) -> u64 {
        u64::from_le_bytes(std::array::from_fn(|_| self.u8()))
    }

    fn sel(&mut self) -> Sel {
        Sel(self.u8() as u16)
    }

    pub(super) fn done(&self) -> bool {
        self.pos >= self.data.len()
    }

    fn val(&mut self) -> ValSel {
        match self.u8() % 12 {
            0 => ValSel::Undefined,
            1 => ValSel::Null,
            2 => ValSel::Bool(self.u8() & 1 == 1),
            3 => ValSel::Int(i32::from_le_bytes([
                self.u8(),
                self.u8(),
                self.u8(),
                self.u8(),
            ])),
            4 => ValSel::Float([0.5, -0.0, f64::NAN, f64::INFINITY][self.u8() as usize % 4]),
            _ => ValSel::Handle(self.sel()),
        }
    }

    fn op(&mut self) -> Op {
        match self.u8() % 32 {
            0..=5 => Op::Alloc {
                slots: (self.u8() % 9) as u16,
                bytes: (self.u8() % 65) as u16,
            },
            6 => Op::Alloc {
                slots: wrap(self.u16(), self.limits.max_large_slots),
                bytes: wrap(self.u16(), self.limits.max_large_bytes),
            },
            7 => {
                let n = self.u8() % 4;
                let values = (0..n).map(|_| self.val()).collect();
                Op::AllocWith {
                    values,
                    bytes: self.u8() % 24,
                }
            }
            8 => Op::AllocTooLarge,
            9 => Op::Chain {
                len: 1 + wrap(self.u16(), self.limits.max_chain.saturating_sub(1)),
                cycle: self.u8() & 1 == 1,
                bytes: self.u8() % 16,
            },
            10..=13 => Op::Store {
                obj: self.sel(),
                slot: self.u8() % 10,
                value: self.val(),
            },
            14 => Op::WriteByte {
                obj: self.sel(),
                at: self.u16(),
                byte: self.u8(),
            },
            15 => Op::Read {
                obj: self.sel(),
                slot: self.u8() % 10,
            },
            16 => Op::ReadInto {
                obj: self.sel(),
                slot: self.u8() % 10,
                into: self.sel(),
            },
            17 => Op::Local { value: self.val() },
            18 => Op::SetLocal {
                handle: self.sel(),
                value: self.val(),
            },
            19 => Op::PushFrame,
            20 => match self.u8() % 3 {
                0 => Op::PopFrame,
                1 => Op::PopFrameEscape { keep: self.sel() },
                _ => Op::PopWrongFrame,
            },
            21 => Op::Root {
                kind: self.u8() % 8,
                value: self.val(),
            },
            22 => match self.u8() % 2 {
                0 => Op::Release { root: self.sel() },
                _ => Op::DropRoot { root: self.sel() },
            },
            23 => {
                let name = self.u8() % 8;
                match self.u8() % 3 {
                    0 => Op::SetGlobal {
                        name,
                        value: self.val(),
                    },
                    1 => Op::ReadGlobal { name },
                    _ => Op::RemoveGlobal { name },
                }
            }
            24 => Op::AddSource {
                kind: self.u8() % 8,
                len: self.u8() % 8,
            },
            25 => Op::SourceStore {
                source: self.sel(),
                slot: self.u8() % 8,
                value: self.val(),
            },
            26 => match self.u8() % 3 {
                0 => Op::SourceLoad {
                    source: self.sel(),
                    slot: self.u8() % 8,
                },
                1 => Op::RawRead {
                    source: self.sel(),
                    slot: self.u8() % 8,
                    field: self.u8() % 10,
                },
                _ => Op::RemoveSource { source: self.sel() },
            },
            27 => Op::RawStore {
                source: self.sel(),
                slot: self.u8() % 8,
                field: self.u8() % 10,
                value: self.val(),
            },
            28 => Op::AllocRaw {
                source: self.sel(),
                slot: self.u8() % 8,
                slots: (self.u8() % 9) as u16,
                bytes: (self.u8() % 65) as u16,
            },
            29 | 30 => Op::Collect(CollectionKind::Minor),
            _ => Op::Collect(CollectionKind::Major),
        }
    }
}

impl Reader<'_> {
    /// One operation of the raw embedder path: sources, `alloc_raw`, `set_raw` and
    /// `get_raw` between source slots, with a few handle operations mixed in.
    fn raw_op(&mut self) -> Op {
        match self.u8() % 20 {
            0 => Op::AddSource {
                kind: self.u8() % 8,
                len: self.u8() % 8,
            },
            1..=4 => Op::AllocRaw {
                source: self.sel(),
                slot: self.u8() % 8,
                slots: (self.u8() % 9) as u16,
                bytes: (self.u8() % 65) as u16,
            },
            5 => Op::AllocRaw {
                source: self.sel(),
                slot: self.u8() % 8,
                slots: wrap(self.u16(), self.limits.max_large_slots),
                bytes: wrap(self.u16(), self.limits.max_large_bytes),
            },
            6..=8 => Op::RawLink {
                source: self.sel(),
                slot: self.u8() % 8,
                field: self.u8() % 10,
                from: self.sel(),
                from_slot: self.u8() % 8,
            },
            9 | 10 => Op::RawLoad {
                source: self.sel(),
                slot: self.u8() % 8,
                field: self.u8() % 10,
                into: self.sel(),
                into_slot: self.u8() % 8,
            },
            11 => Op::RawStore {
                source: self.sel(),
                slot: self.u8() % 8,
                field: self.u8() % 10,
                value: self.val(),
            },
            12 => Op::RawRead {
                source: self.sel(),
                slot: self.u8() % 8,
                field: self.u8() % 10,
            },
            13 => Op::SourceStore {
                source: self.sel(),
                slot: self.u8() % 8,
                value: self.val(),
            },
            14 => Op::SourceLoad {
                source: self.sel(),
                slot: self.u8() % 8,
            },
            15 => Op::RemoveSource { source: self.sel() },
            16 => match self.u8() % 2 {
                0 => Op::PushFrame,
                _ => Op::PopFrame,
            },
            17 | 18 => Op::Collect(CollectionKind::Minor),
            _ => Op::Collect(CollectionKind::Major),
        }
    }
}

/// Decodes a program within `limits` (see the module docs).
pub fn decode_ops_with(data: &[u8], limits: Sizes) -> Ops {
    let mut r = Reader {
        data,
        pos: 0,
        limits,
    };
    let mut ops = Vec::new();
    while !r.done() && ops.len() < limits.max_ops {
        ops.push(r.op());
    }
    Ops(ops)
}

/// Decodes a program within the fuzzers' [`Sizes::FUZZ`].
pub fn decode_ops(data: &[u8]) -> Ops {
    decode_ops_with(data, Sizes::FUZZ)
}

/// The plan, profile and stress mode the first byte of an input selects: the byte modulo the
/// number of plans the plan, bits 2–3 one of [`fuzz_profiles`], bits 4–7 the stress mode
/// ([`gc_interval`](HeapConfig::gc_interval)): all four set — one input in sixteen — forces
/// a collection at every allocation (bit 2 clear) or at every fourth (bit 2 set); the rest
/// run without, since every forced collection also runs the checker and a stressed input
/// costs about five times as much.
pub fn decode_config(first: u8) -> HeapConfig {
    let plan = Plan::ALL[first as usize % Plan::ALL.len()];
    let profiles = fuzz_profiles(plan);
    let gc_interval = match (first >> 4, first & 4) {
        (15, 0) => Some(1),
        (15, _) => Some(4),
        _ => None,
    };
    HeapConfig {
        gc_interval,
        ..profiles[(first as usize >> 2) % profiles.len()].clone()
    }
}

/// Decodes a configuration (first byte) and a program of the raw embedder path (the rest):
/// one external source of eight slots to start with, then operations that keep their
/// objects in source slots and link them with `set_raw`/`get_raw`, no handle needed.
pub fn decode_raw(data: &[u8]) -> (HeapConfig, Ops) {
    let (first, rest) = data.split_first().map_or((0, &[][..]), |(f, r)| (*f, r));
    let mut r = Reader {
        data: rest,
        pos: 0,
        limits: Sizes::FUZZ,
    };
    let mut ops = vec![Op::AddSource { kind: 7, len: 7 }];
    while !r.done() && ops.len() < Sizes::FUZZ.max_ops {
        ops.push(r.raw_op());
    }
    (decode_config(first), Ops(ops))
}

/// Decodes a heap configuration (first byte) and a program (the rest).
pub fn decode(data: &[u8]) -> (HeapConfig, Ops) {
    let (first, rest) = data.split_first().map_or((0, &[][..]), |(f, r)| (*f, r));
    (decode_config(first), decode_ops(rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_byte_selects_every_plan_profile_and_stress_mode() {
        let mut seen = std::collections::HashSet::new();
        for first in 0..=255u8 {
            let cfg = decode_config(first);
            seen.insert((cfg.plan, (first as usize / 4) % 4, cfg.gc_interval));
            assert_eq!(cfg.plan, Plan::ALL[first as usize % Plan::ALL.len()]);
            let profile = &fuzz_profiles(cfg.plan)[(first as usize / 4) % 4];
            assert_eq!(cfg.max_heap, profile.max_heap);
            assert_eq!(cfg.nursery_size, profile.nursery_size);
            let stress = match first {
                0xF0..=0xFF if first & 4 == 0 => Some(1),
                0xF0..=0xFF => Some(4),
                _ => None,
            };
            assert_eq!(cfg.gc_interval, stress);
            crate::Heap::with_config(cfg).expect("fuzz profiles are valid");
        }
        // Every plan meets every profile unstressed, and every plan each stress mode.
        let plain = seen.iter().filter(|s| s.2.is_none()).count();
        assert_eq!(plain, Plan::ALL.len() * 4);
        for interval in [Some(1), Some(4)] {
            let plans: std::collections::HashSet<_> = seen
                .iter()
                .filter(|s| s.2 == interval)
                .map(|s| s.0)
                .collect();
            assert_eq!(plans.len(), Plan::ALL.len(), "{interval:?}");
        }
    }

    #[test]
    fn programs_stay_within_the_limits() {
        // Every opcode, with all-ones fields: the largest sizes the bytes can ask for.
        let data: Vec<u8> = (0..=255u8)
            .flat_map(|op| [op, 0xFF, 0xFF, 0xFF, 0xFF])
            .collect();
        let ops = decode_ops(&data);
        assert_eq!(ops.0.len(), MAX_OPS);
        let all = decode_ops_with(
            &data,
            Sizes {
                max_ops: usize::MAX,
                ..Sizes::FUZZ
            },
        );
        assert!(all.0.len() > MAX_OPS);
        for op in &all.0 {
            match *op {
                Op::Chain { len, .. } => assert!(len <= Sizes::FUZZ.max_chain),
                Op::Alloc { slots, bytes } => {
                    assert!(slots <= Sizes::FUZZ.max_large_slots);
                    assert!(bytes <= Sizes::FUZZ.max_large_bytes);
                }
                _ => {}
            }
        }
    }
}
