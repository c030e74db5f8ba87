//! Unit tests of the Immix space on its own (small: they run under Miri).

use super::block::{BLOCK, LINE};
use super::*;

fn obj(p: *mut u8, size: usize) -> ObjPtr {
    // SAFETY: `p` is fresh space memory of at least `size` bytes.
    unsafe {
        let o = ObjPtr::from_ptr(p);
        o.init_header(1, 0, (size - 16) as u32, 0);
        o
    }
}

fn marked(s: &mut ImmixSpace, o: ObjPtr) -> u64 {
    // SAFETY: `o` is a live object of the space.
    let size = unsafe { o.size() };
    s.mark(o.addr());
    s.mark_lines(o.addr(), size);
    size as u64
}

#[test]
fn bump_allocates_in_address_order_and_walks() {
    let mut s = ImmixSpace::new(4 * BLOCK).unwrap();
    let a = obj(s.alloc(24).unwrap(), 24);
    let b = obj(s.alloc(40).unwrap(), 40);
    assert_eq!(b.addr(), a.addr() + 24, "bump allocation is contiguous");
    let m = obj(s.alloc(3 * LINE).unwrap(), 3 * LINE);
    assert_eq!(
        m.addr(),
        b.addr() + 40,
        "a medium object that fits the hole bumps too"
    );
    let mut seen = Vec::new();
    s.for_each_object(|o| seen.push(o.addr()));
    assert_eq!(seen, [a.addr(), b.addr(), m.addr()]);
    assert_eq!((s.bytes(), s.objects()), (24 + 40 + 3 * LINE as u64, 3));
    // Fill the block up to its last line.
    let end = a.addr() + BLOCK;
    let mut top = m.addr() + 3 * LINE;
    while top + LINE + 64 <= end {
        top = s.alloc(64).unwrap() as usize + 64;
    }
    let o = s.alloc(2 * LINE).unwrap() as usize;
    assert!(
        o >= end || o < a.addr(),
        "a medium object that misses the hole overflows"
    );
    assert_eq!(
        s.alloc(64).unwrap() as usize,
        top,
        "small objects keep the hole"
    );
    s.check_blocks().unwrap();
}

#[test]
fn release_keeps_marked_objects_and_reuses_free_lines() {
    let mut s = ImmixSpace::new(4 * BLOCK).unwrap();
    // Fill four lines with 32-byte objects.
    let objs: Vec<ObjPtr> = (0..4 * LINE / 32)
        .map(|_| obj(s.alloc(32).unwrap(), 32))
        .collect();
    s.prepare(Defrag::None);
    // Keep one object in line 1.
    let keep = objs[LINE / 32];
    let live = marked(&mut s, keep);
    assert_eq!(
        s.release(live),
        (4 * LINE as u64 - 32, 4 * LINE as u64 / 32 - 1)
    );
    assert_eq!((s.bytes(), s.objects()), (32, 1));
    s.check_blocks().unwrap();
    // Line 0 is free; line 1 is marked and line 2 conservatively taken; line 3 on is free.
    let p = s.alloc(32).unwrap();
    assert_eq!(p as usize, objs[0].addr(), "the first hole is line 0");
    let mut last = p as usize;
    for _ in 1..LINE / 32 {
        last = s.alloc(32).unwrap() as usize;
    }
    let next = s.alloc(32).unwrap() as usize;
    assert_eq!(next, objs[0].addr() + 3 * LINE, "lines 1 and 2 are skipped");
    assert_eq!(last, objs[0].addr() + LINE - 32);
}

#[test]
fn an_empty_block_returns_to_the_pool() {
    let mut s = ImmixSpace::new(4 * BLOCK).unwrap();
    for _ in 0..BLOCK / 64 + 1 {
        obj(s.alloc(64).unwrap(), 64);
    }
    assert_eq!(s.blocks_in_use(), 2);
    s.prepare(Defrag::None);
    assert_eq!(s.release(0).1, BLOCK as u64 / 64 + 1);
    assert_eq!(s.objects(), 0, "the usage is exact before the sweep");
    assert_eq!(
        (s.unswept(), s.blocks_in_use()),
        (2, 2),
        "the release is lazy"
    );
    s.check_blocks().unwrap();
    s.finish_sweep();
    assert_eq!(s.blocks_in_use(), 0);
    assert_eq!(
        s.committed(),
        2 * BLOCK as u64,
        "both blocks stay committed"
    );
    s.check_blocks().unwrap();
}

#[test]
fn evacuation_copies_out_of_candidate_blocks() {
    let mut s = ImmixSpace::new(8 * BLOCK).unwrap();
    let objs: Vec<ObjPtr> = (0..LINE * 8 / 32)
        .map(|_| obj(s.alloc(32).unwrap(), 32))
        .collect();
    // A collection leaves every third line live: a fragmented block.
    s.prepare(Defrag::None);
    let mut live = 0;
    for o in objs.iter().step_by(3 * LINE / 32) {
        live += marked(&mut s, *o);
    }
    s.release(live);
    assert_eq!(s.objects(), 3);
    assert_eq!(s.prepare(Defrag::Opportunistic), Defrag::Opportunistic);
    let victim = objs[0];
    assert!(
        s.is_candidate(victim.addr()),
        "a block with several holes is a candidate"
    );
    let p = s.alloc_evac(32).unwrap();
    assert!(!s.is_candidate(p as usize), "copies go to an empty block");
    // SAFETY: `p` is fresh memory of 32 bytes; `victim` is live and 32 bytes.
    let n = unsafe {
        let n = victim.copy_with_header(victim.header(), p, 0);
        victim.forward_to(n);
        n
    };
    let live = marked(&mut s, n);
    s.release(live);
    assert_eq!((s.bytes(), s.objects()), (32, 1));
    s.finish_sweep();
    assert_eq!(s.blocks_in_use(), 1, "the evacuated block is empty again");
    let mut seen = Vec::new();
    s.for_each_object(|o| seen.push(o.addr()));
    assert_eq!(seen, [n.addr()]);
    s.check_blocks().unwrap();
}

#[test]
fn the_mutator_leaves_the_headroom() {
    let mut s = ImmixSpace::new(BLOCK).unwrap();
    let mut n = 0;
    while s.alloc(8192).is_some() {
        n += 1;
    }
    assert_eq!(n, (s.max_blocks - s.headroom) * (BLOCK / 8192));
    assert!(
        s.alloc_evac(8192).is_some(),
        "evacuation may use the headroom"
    );
}

#[test]
fn fragmentation_counts_the_lines_objects_touch() {
    let mut s = ImmixSpace::new(4 * BLOCK).unwrap();
    assert_eq!(Space::fragmentation(&s).unwrap().cell_bytes, 0);
    // 24 + 40 bytes in line 0, then a 3-line medium object from byte 64: lines 0–3.
    obj(s.alloc(24).unwrap(), 24);
    obj(s.alloc(40).unwrap(), 40);
    obj(s.alloc(3 * LINE).unwrap(), 3 * LINE);
    let f = Space::fragmentation(&s).unwrap();
    assert_eq!(f.cell_bytes, 4 * LINE as u64);
    assert_eq!(f.blocks_in_use, 1);
    assert_eq!(Space::committed(&s), BLOCK as u64);
}

#[test]
fn lazy_sweep_allocates_only_from_swept_blocks() {
    let mut s = ImmixSpace::new(8 * BLOCK).unwrap();
    // Three blocks of 64-byte objects.
    let objs: Vec<ObjPtr> = (0..3 * BLOCK / 64)
        .map(|_| obj(s.alloc(64).unwrap(), 64))
        .collect();
    s.prepare(Defrag::None);
    // Keep one object in the first line of each block; the rest dies.
    let keep: Vec<ObjPtr> = objs.iter().step_by(BLOCK / 64).copied().collect();
    let mut live = 0;
    for &o in &keep {
        live += marked(&mut s, o);
    }
    s.release(live);
    assert_eq!((s.bytes(), s.objects(), s.unswept()), (3 * 64, 3, 3));
    // Walkers see only the live objects of unswept blocks.
    let mut seen = Vec::new();
    s.for_each_object(|o| seen.push(o.addr()));
    assert_eq!(seen, keep.iter().map(|o| o.addr()).collect::<Vec<_>>());
    s.check_blocks().unwrap();
    // The allocator sweeps one block on demand and bumps into its hole (lines 2..).
    let p = s.alloc(64).unwrap() as usize;
    assert_eq!(s.unswept(), 2, "one block swept on demand");
    assert_eq!(p, keep[0].addr() + 2 * LINE, "the first block's hole");
    obj(p as *mut u8, 64);
    assert_eq!((s.bytes(), s.objects()), (4 * 64, 4));
    s.check_blocks().unwrap();
    assert_eq!(s.sweep_some(1), 1);
    assert_eq!(s.unswept(), 1);
    // The next collection finishes the sweep before it marks.
    s.prepare(Defrag::None);
    assert_eq!(s.unswept(), 0);
    let live = marked(&mut s, keep[1]);
    s.release(live);
    assert_eq!((s.bytes(), s.objects()), (64, 1));
    s.finish_sweep();
    s.check_blocks().unwrap();
    let mut seen = Vec::new();
    s.for_each_object(|o| seen.push(o.addr()));
    assert_eq!(seen, [keep[1].addr()]);
}
