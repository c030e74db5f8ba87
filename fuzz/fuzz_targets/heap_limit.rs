//! Any bytes → a plan (first byte) and a program (the rest) on the tightest heap (64 KiB,
//! 4 KiB nursery, 512-byte large objects), so allocations keep running into the limit: each
//! `OutOfMemory` must be predicted by the model and leave the heap consistent.
#![no_main]

use gclab::testing::{decode_ops, fuzz_profiles};
use gclab::Plan;
use libfuzzer_sys::fuzz_target;

fuzz_target!(init: gclab_fuzz::init(), |data: &[u8]| {
    let (first, rest) = data.split_first().map_or((0, &[][..]), |(f, r)| (*f, r));
    let [config, ..] = fuzz_profiles(Plan::ALL[first as usize % Plan::ALL.len()]);
    gclab_fuzz::run(&config, &decode_ops(rest));
});
