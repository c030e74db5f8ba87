//! Any bytes → a plan, a small heap profile and a short program (`gclab::testing::decode`),
//! run against the reference model; the checker runs after every collection.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(init: gclab_fuzz::init(), |data: &[u8]| {
    let (config, ops) = gclab::testing::decode(data);
    gclab_fuzz::run(&config, &ops);
});
