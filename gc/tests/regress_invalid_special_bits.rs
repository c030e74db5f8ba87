//! Issue: `RawValue::from_bits(0xFFFA_0000_0000_0009).immediate()` and its `Debug` hit
//! `unreachable!` in safe code. Every bit pattern now decodes: words that encode nothing are
//! neither immediates nor references, and `Debug` prints their bits.

use gclab::{Immediate, RawValue};

#[test]
fn invalid_special_bits_decode_without_panicking() {
    let raw = RawValue::from_bits(0xFFFA_0000_0000_0009);
    assert_eq!(raw.immediate(), None);
    assert!(!raw.is_ref());
    assert!(!raw.is_valid());
    assert_eq!(format!("{raw:?}"), "Invalid(0xfffa000000000009)");
}

#[test]
fn every_tag_and_special_payload_decodes() {
    // One word per tag (the top 16 bits), and every small special payload.
    for tag in 0..=0xFFFFu64 {
        let raw = RawValue::from_bits(tag << 48 | 5);
        let _ = (
            raw.immediate(),
            raw.is_ref(),
            raw.is_valid(),
            format!("{raw:?}"),
        );
    }
    for payload in 0..64u64 {
        let raw = RawValue::from_bits(0xFFFA_0000_0000_0000 | payload);
        assert_eq!(raw.is_valid(), payload < 4, "special {payload}");
        assert_eq!(raw.immediate().is_some(), payload < 4);
    }
    assert_eq!(
        RawValue::from_bits(0xFFFA_0000_0000_0003).immediate(),
        Some(Immediate::Bool(true))
    );
}
