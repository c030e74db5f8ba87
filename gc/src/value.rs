//! Slot values: a NaN-boxed 64-bit word, and the safe view of it.
//!
//! Every reference slot of an object holds a [`RawValue`]. Doubles are stored **NaN-boxed**:
//! any `f64` is its own bit pattern, except that NaNs are canonicalised to
//! `0x7FF8_0000_0000_0000`, which frees the top of the negative quiet-NaN space for tags:
//!
//! | top 16 bits | meaning                                            |
//! |-------------|----------------------------------------------------|
//! | `< 0xFFF9`  | an `f64` (never a NaN other than the canonical one) |
//! | `0xFFF9`    | a small integer (`i32` in the low 32 bits)          |
//! | `0xFFFA`    | a special: undefined, null, false, true             |
//! | `0xFFFB`    | a reference: object address in the low 48 bits      |
//! | `> 0xFFFB`  | nothing (as is a special other than the four)       |
//!
//! So no double is ever allocated, and the collector recognises a reference with one compare.
//!
//! **Why small integers stay 32-bit.** The integer tag leaves 48 payload bits, so a 48-bit
//! integer would fit. We keep `i32`: the JavaScript front end needs int32 semantics (as V8's
//! Smis), every integer read would pay a sign extension from bit 47, and [`Value::Int`]
//! would have to become `i64`, changing every embedder's matches for a range that doubles
//! already cover (every integer up to 2⁵³ is an exact `f64`, stored unboxed). An embedder
//! whose language has wider integers stores them as [`Value::Float`] while exact, or as a
//! boxed object beyond 2⁵³.
//! [`Value`] is the safe, public view: its reference variant is a [`Handle`](crate::Handle),
//! never an address, so safe code cannot hold an unrooted pointer.

use crate::roots::Handle;

const TAG_SHIFT: u32 = 48;
const TAG_INT: u64 = 0xFFF9;
const TAG_SPECIAL: u64 = 0xFFFA;
const TAG_REF: u64 = 0xFFFB;
const PAYLOAD_MASK: u64 = (1 << TAG_SHIFT) - 1;
const CANONICAL_NAN: u64 = 0x7FF8_0000_0000_0000;

/// The raw 64-bit word stored in a slot (see the module docs for the encoding).
///
/// A `RawValue` that is a reference is only meaningful while the collector keeps it up to
/// date: in an object slot, in a root table, or in a slot visited by a
/// [`RootSource`](crate::RootSource). Safe code can copy the bits around but can only turn
/// them back into an object through the `unsafe` raw API.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct RawValue(u64);

impl RawValue {
    /// `undefined`; the value every slot of a new object starts with.
    pub const UNDEFINED: RawValue = RawValue(TAG_SPECIAL << TAG_SHIFT);
    /// `null`.
    pub const NULL: RawValue = RawValue((TAG_SPECIAL << TAG_SHIFT) | 1);
    /// `false`.
    pub const FALSE: RawValue = RawValue((TAG_SPECIAL << TAG_SHIFT) | 2);
    /// `true`.
    pub const TRUE: RawValue = RawValue((TAG_SPECIAL << TAG_SHIFT) | 3);

    /// The raw bits.
    #[inline]
    pub fn bits(self) -> u64 {
        self.0
    }

    /// Rebuilds a value from bits produced by [`bits`](Self::bits).
    ///
    /// Building a reference this way is allowed (it is just a number) but using it is not:
    /// only the `unsafe` raw API reads objects through a `RawValue`.
    #[inline]
    pub fn from_bits(bits: u64) -> RawValue {
        RawValue(bits)
    }

    /// A small integer.
    #[inline]
    pub fn int(i: i32) -> RawValue {
        RawValue((TAG_INT << TAG_SHIFT) | (i as u32 as u64))
    }

    /// A double, NaN-boxed (NaNs are canonicalised).
    #[inline]
    pub fn float(f: f64) -> RawValue {
        if f.is_nan() {
            RawValue(CANONICAL_NAN)
        } else {
            RawValue(f.to_bits())
        }
    }

    /// A boolean.
    #[inline]
    pub fn bool(b: bool) -> RawValue {
        if b {
            RawValue::TRUE
        } else {
            RawValue::FALSE
        }
    }

    #[inline]
    pub(crate) fn from_addr(addr: usize) -> RawValue {
        debug_assert!(
            addr as u64 & !PAYLOAD_MASK == 0,
            "address {addr:#x} above 48 bits"
        );
        debug_assert!(addr % 8 == 0, "unaligned object address {addr:#x}");
        RawValue((TAG_REF << TAG_SHIFT) | addr as u64)
    }

    /// Whether this is a reference.
    #[inline]
    pub fn is_ref(self) -> bool {
        self.0 >> TAG_SHIFT == TAG_REF
    }

    /// The address of the referenced object, if this is a reference.
    #[inline]
    pub(crate) fn addr(self) -> usize {
        debug_assert!(self.is_ref());
        (self.0 & PAYLOAD_MASK) as usize
    }

    /// The referenced address, if this is a reference (for diagnostics and raw embedders).
    #[inline]
    pub fn ref_addr(self) -> Option<usize> {
        self.is_ref().then(|| self.addr())
    }

    /// Decodes a non-reference value; `None` for references and for words that encode
    /// nothing (see [`is_valid`](Self::is_valid)).
    #[inline]
    pub fn immediate(self) -> Option<Immediate> {
        match self.0 >> TAG_SHIFT {
            TAG_REF => None,
            TAG_INT => Some(Immediate::Int(self.0 as u32 as i32)),
            TAG_SPECIAL => match self.0 & PAYLOAD_MASK {
                0 => Some(Immediate::Undefined),
                1 => Some(Immediate::Null),
                2 => Some(Immediate::Bool(false)),
                3 => Some(Immediate::Bool(true)),
                _ => None,
            },
            tag if tag > TAG_REF => None,
            _ => Some(Immediate::Float(f64::from_bits(self.0))),
        }
    }

    /// Whether the word encodes something: a double, a small integer, one of the four
    /// specials, or a reference. `from_bits` accepts any bits; a special with another payload
    /// or a word tagged above the reference tag encodes nothing, decodes as neither an
    /// immediate nor a reference, and must not be stored through the raw API.
    #[inline]
    pub fn is_valid(self) -> bool {
        self.is_ref() || self.immediate().is_some()
    }
}

impl std::fmt::Debug for RawValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.immediate() {
            Some(i) => write!(f, "{i:?}"),
            None if self.is_ref() => write!(f, "Ref({:#x})", self.addr()),
            None => write!(f, "Invalid({:#018x})", self.0),
        }
    }
}

/// A value that is not a reference.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Immediate {
    /// `undefined`.
    Undefined,
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A small integer.
    Int(i32),
    /// A double.
    Float(f64),
}

impl From<Immediate> for RawValue {
    #[inline]
    fn from(i: Immediate) -> RawValue {
        match i {
            Immediate::Undefined => RawValue::UNDEFINED,
            Immediate::Null => RawValue::NULL,
            Immediate::Bool(b) => RawValue::bool(b),
            Immediate::Int(i) => RawValue::int(i),
            Immediate::Float(f) => RawValue::float(f),
        }
    }
}

/// The safe view of a slot: an immediate, or a rooted [`Handle`] to an object.
///
/// Reading a reference slot through [`Heap::get`](crate::Heap::get) roots the target in the
/// current frame and returns `Value::Ref`; storing a `Value::Ref` resolves the handle at the
/// moment of the store. Either way no address escapes to safe code.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    /// `undefined`.
    Undefined,
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A small integer.
    Int(i32),
    /// A double.
    Float(f64),
    /// A reference to an object, through a rooted handle.
    Ref(Handle),
}

impl Value {
    /// The handle, if this is a reference.
    #[inline]
    pub fn as_ref(self) -> Option<Handle> {
        match self {
            Value::Ref(h) => Some(h),
            _ => None,
        }
    }

    /// The integer, if this is one.
    #[inline]
    pub fn as_int(self) -> Option<i32> {
        match self {
            Value::Int(i) => Some(i),
            _ => None,
        }
    }

    /// The double, if this is one.
    #[inline]
    pub fn as_float(self) -> Option<f64> {
        match self {
            Value::Float(f) => Some(f),
            _ => None,
        }
    }

    /// Whether this is `undefined`.
    #[inline]
    pub fn is_undefined(self) -> bool {
        matches!(self, Value::Undefined)
    }
}

impl From<Immediate> for Value {
    #[inline]
    fn from(i: Immediate) -> Value {
        match i {
            Immediate::Undefined => Value::Undefined,
            Immediate::Null => Value::Null,
            Immediate::Bool(b) => Value::Bool(b),
            Immediate::Int(i) => Value::Int(i),
            Immediate::Float(f) => Value::Float(f),
        }
    }
}

impl From<i32> for Value {
    #[inline]
    fn from(i: i32) -> Value {
        Value::Int(i)
    }
}

impl From<f64> for Value {
    #[inline]
    fn from(f: f64) -> Value {
        Value::Float(f)
    }
}

impl From<bool> for Value {
    #[inline]
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl<H: Into<Handle>> From<H> for Value {
    #[inline]
    fn from(h: H) -> Value {
        Value::Ref(h.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn immediates_round_trip() {
        for i in [0, 1, -1, i32::MIN, i32::MAX] {
            assert_eq!(RawValue::int(i).immediate(), Some(Immediate::Int(i)));
        }
        for f in [
            0.0,
            -0.0,
            1.5,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
        ] {
            let raw = RawValue::float(f);
            assert!(!raw.is_ref());
            assert_eq!(raw.immediate(), Some(Immediate::Float(f)));
        }
        assert!(
            matches!(RawValue::float(f64::NAN).immediate(), Some(Immediate::Float(x)) if x.is_nan())
        );
        // A NaN whose bits collide with the tag space is canonicalised, not read as a reference.
        let evil = f64::from_bits(0xFFFB_0000_0000_1000);
        assert!(evil.is_nan());
        assert!(!RawValue::float(evil).is_ref());
        assert_eq!(RawValue::UNDEFINED.immediate(), Some(Immediate::Undefined));
        assert_eq!(RawValue::NULL.immediate(), Some(Immediate::Null));
        assert_eq!(
            RawValue::bool(true).immediate(),
            Some(Immediate::Bool(true))
        );
        assert_eq!(
            RawValue::bool(false).immediate(),
            Some(Immediate::Bool(false))
        );
    }

    #[test]
    fn references_carry_their_address() {
        let r = RawValue::from_addr(0x7fff_1234_5678);
        assert!(r.is_ref());
        assert_eq!(r.ref_addr(), Some(0x7fff_1234_5678));
        assert_eq!(r.immediate(), None);
        assert_eq!(RawValue::int(3).ref_addr(), None);
    }

    #[test]
    fn words_that_encode_nothing_decode_as_nothing() {
        for bits in [
            0xFFFA_0000_0000_0004,
            0xFFFA_0000_0000_0009,
            0xFFFA_FFFF_FFFF_FFFF,
            0xFFFC_0000_0000_0000,
            u64::MAX,
        ] {
            let raw = RawValue::from_bits(bits);
            assert!(!raw.is_valid(), "{bits:#x}");
            assert!(!raw.is_ref());
            assert_eq!(raw.immediate(), None);
            assert_eq!(format!("{raw:?}"), format!("Invalid({bits:#018x})"));
        }
        for raw in [RawValue::UNDEFINED, RawValue::TRUE, RawValue::int(-1)] {
            assert!(raw.is_valid());
        }
        assert!(RawValue::from_addr(0x1000).is_valid());
    }
}
