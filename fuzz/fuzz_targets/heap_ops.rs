//! Any bytes → a heap profile and a program, run under every plan against the reference
//! model; the checker runs after every collection. A failure panics with the plan, the step
//! and the decoded program.
#![no_main]

use gclab::testing::{decode, Harness};
use gclab::Plan;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for plan in Plan::ALL {
        let (config, ops) = decode(plan, data);
        let mut harness = Harness::new(config).expect("profiles are valid configurations");
        if let Err(failure) = harness.run(&ops) {
            panic!("{failure}\nprogram: {ops:?}");
        }
    }
});
