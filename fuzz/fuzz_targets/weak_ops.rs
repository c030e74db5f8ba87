//! Any bytes → a plan, a small heap profile and a short weak-reference program
//! (`gclab::testing::weak::decode_weak`: weak refs, ephemeron chains and cycles,
//! registrations, unregistrations, host objects), run against the weak reference model; the
//! checks run after every collection.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(init: gclab_fuzz::init(), |data: &[u8]| {
    let (config, ops) = gclab::testing::weak::decode_weak(data);
    if let Err(e) = gclab::testing::weak::run_weak(config.clone(), &ops) {
        panic!("{e}\nconfig: {config:?}\nprogram: {ops:#?}");
    }
});
