//! Bytes → programs, for fuzzers.
//!
//! Every byte string decodes to a valid program: the first byte picks one of
//! [`profiles`](super::strategy::profiles), then each operation takes an opcode byte and
//! the bytes its fields need; missing bytes read as zero and out-of-range numbers wrap into
//! range. Sizes are bounded (chains of at most 511 nodes, at most 256 operations), so no
//! input can make a run hang.

use super::op::{Op, Ops, Sel, ValSel};
use super::strategy::profiles;
use crate::{CollectionKind, HeapConfig, Plan};

/// Most operations decoded from one input.
pub const MAX_OPS: usize = 256;

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn u8(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }

    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }

    fn sel(&mut self) -> Sel {
        Sel(self.u8() as u16)
    }

    fn done(&self) -> bool {
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
                slots: self.u16() % 320,
                bytes: self.u16() % 4096,
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
                len: 1 + self.u16() % 511,
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

/// Decodes a program (see the module docs).
pub fn decode_ops(data: &[u8]) -> Ops {
    let mut r = Reader { data, pos: 0 };
    let mut ops = Vec::new();
    while !r.done() && ops.len() < MAX_OPS {
        ops.push(r.op());
    }
    Ops(ops)
}

/// Decodes a heap profile (first byte) and a program (the rest) for `plan`.
pub fn decode(plan: Plan, data: &[u8]) -> (HeapConfig, Ops) {
    let profiles = profiles(plan);
    let (first, rest) = data.split_first().map_or((0, &[][..]), |(f, r)| (*f, r));
    let config = profiles[first as usize % profiles.len()].clone();
    (config, decode_ops(rest))
}
