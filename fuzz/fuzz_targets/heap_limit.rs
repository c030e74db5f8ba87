//! Any bytes → a program run on the tightest heap (64 KiB) under every plan, so allocations
//! keep running into the limit: each `OutOfMemory` must be predicted by the model and leave
//! the heap consistent.
#![no_main]

use gclab::testing::{decode_ops, profiles, Harness};
use gclab::Plan;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let ops = decode_ops(data);
    for plan in Plan::ALL {
        let config = profiles(plan)[0].clone();
        let mut harness = Harness::new(config).expect("profiles are valid configurations");
        if let Err(failure) = harness.run(&ops) {
            panic!("{failure}\nprogram: {ops:?}");
        }
    }
});
