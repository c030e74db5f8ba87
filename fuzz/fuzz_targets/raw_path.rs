//! Any bytes → a plan, a small heap profile and a program of the raw embedder path
//! (`gclab::testing::decode_raw`): objects allocated with `alloc_raw` and kept only as raw
//! words in an external `RootSource`, linked and read with `set_raw`/`get_raw`, checked
//! against the reference model after every collection.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(init: gclab_fuzz::init(), |data: &[u8]| {
    let (config, ops) = gclab::testing::decode_raw(data);
    gclab_fuzz::run(&config, &ops);
});
