//! Any bytes → a configuration from a palette of valid, boundary and absurd values and a
//! list of frame and scope misuse steps (`gclab::testing::hostile`): the heap must refuse a
//! bad configuration with an error, never a panic, and answer every misuse as documented.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(init: gclab_fuzz::init(), |data: &[u8]| {
    let case = gclab::testing::decode_hostile(data);
    if let Err(e) = gclab::testing::run_hostile(&case) {
        panic!("{e}\n{case}");
    }
});
