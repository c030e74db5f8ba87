//! Size classes of the mark-sweep space: the cell sizes, the table from object size to class,
//! and the reciprocal that turns an in-block offset into a cell index without a division.
//!
//! Invariant: `SIZE_CLASSES[size_class(s)]` is the smallest cell size `>= s`, and
//! `offset * reciprocal(d) >> 32 == offset / d` for every in-block offset and cell size.

/// Cell sizes of the size classes, in bytes.
pub const SIZE_CLASSES: [u32; 35] = [
    16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 640, 768,
    896, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096, 5120, 6144, 7168, 8192,
];

/// The largest object the old space holds; larger objects go to the large-object space.
pub const MAX_CELL: usize = 8192;

/// Size class index for an object of `size` bytes (`size <= MAX_CELL`).
#[inline]
pub fn size_class(size: usize) -> usize {
    debug_assert!((16..=MAX_CELL).contains(&size));
    SIZE_CLASS_OF[size.div_ceil(8)]
}

const SIZE_CLASS_OF: [usize; MAX_CELL / 8 + 1] = {
    let mut table = [0usize; MAX_CELL / 8 + 1];
    let mut words = 0;
    let mut class = 0;
    while words <= MAX_CELL / 8 {
        while (SIZE_CLASSES[class] as usize) < words * 8 {
            class += 1;
        }
        table[words] = class;
        words += 1;
    }
    table
};

/// `ceil(2^32 / d)`. For `off < 2^16` and `d < 2^16`, `off * reciprocal(d) >> 32 == off / d`:
/// the product overshoots `off / d` by less than `off / 2^32 < 2^-16`, while the fractional
/// part of `off / d` is at most `1 - 1/d < 1 - 2^-16`, so the floor is unchanged.
pub(super) const fn reciprocal(d: u32) -> u64 {
    (1u64 << 32).div_ceil(d as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::space::marksweep::BLOCK_SIZE;

    #[test]
    fn size_classes_fit() {
        for size in (16..=MAX_CELL).step_by(8) {
            let c = SIZE_CLASSES[size_class(size)] as usize;
            assert!(c >= size, "class {c} too small for {size}");
            if size_class(size) > 0 {
                assert!((SIZE_CLASSES[size_class(size) - 1] as usize) < size);
            }
        }
    }

    #[test]
    fn reciprocal_division_is_exact() {
        // Every offset natively; a sample under Miri, which is slow.
        let step = if cfg!(miri) { 251 } else { 1 };
        for &d in &SIZE_CLASSES {
            let r = reciprocal(d);
            for off in (0..BLOCK_SIZE).step_by(step).chain([BLOCK_SIZE - 1]) {
                assert_eq!(
                    ((off as u64 * r) >> 32) as usize,
                    off / d as usize,
                    "{off} / {d}"
                );
            }
        }
    }
}
