//! The spaces objects live in. Each space owns its memory and knows which objects it holds;
//! the collectors in [`crate::collector`] compose them.

pub(crate) mod copy;
pub(crate) mod large;
pub(crate) mod marksweep;

pub(crate) use copy::CopySpace;
pub(crate) use large::LargeObjectSpace;
pub(crate) use marksweep::OldSpace;
