//! Unit tests of the mark-sweep space: allocation order, sweeping, the block pool, and the
//! black allocation of an incremental cycle.

use super::*;

fn obj(p: *mut u8, size: usize) {
    // SAFETY: `p` is a fresh cell of at least `size` bytes.
    unsafe { ObjPtr::from_ptr(p).init_header(1, ((size - 16) / 8) as u32, 0, 0) };
}

#[test]
fn sweep_frees_unmarked_and_returns_empty_blocks() {
    let mut s = OldSpace::new(4 * BLOCK_SIZE).unwrap();
    let a = s.alloc(32).unwrap();
    obj(a, 32);
    let b = s.alloc(32).unwrap();
    obj(b, 32);
    let c = s.alloc(1000).unwrap();
    obj(c, 1000);
    assert_eq!(s.bytes(), 1064);
    assert_eq!(s.objects(), 3);
    assert_eq!(s.blocks_in_use(), 2);
    assert!(s.is_object(a as usize) && s.is_object(c as usize));
    assert!(!s.is_object(a as usize + 8));
    assert!(s.mark(a as usize));
    assert!(!s.mark(a as usize), "second mark reports already marked");
    assert_eq!(s.sweep(32), (1032, 2));
    assert_eq!(
        (s.bytes(), s.objects()),
        (32, 1),
        "exact before the lazy sweep"
    );
    assert!(
        !s.is_object(b as usize),
        "an unswept block's dead cell is no object"
    );
    assert_eq!(
        (s.unswept(), s.blocks_in_use()),
        (2, 2),
        "nothing swept yet"
    );
    s.check_blocks().unwrap();
    let mut seen = Vec::new();
    s.for_each_object(|o| seen.push(o.addr()));
    assert_eq!(seen, [a as usize]);
    s.finish_sweep();
    assert!(!s.any_marked());
    assert_eq!(s.unswept(), 0);
    assert_eq!(
        s.blocks_in_use(),
        1,
        "the 1000-byte block went back to the pool"
    );
    s.check_blocks().unwrap();
    let again = s.alloc(32).unwrap();
    assert_eq!(again, b, "the freed cell is reused first");
    let reuse = s.alloc(1000).unwrap();
    assert_eq!(reuse, c, "the empty block is reused");
}

#[test]
fn alloc_fills_a_block_then_takes_another() {
    let mut s = OldSpace::new(4 * BLOCK_SIZE).unwrap();
    let cells = BLOCK_SIZE / 24;
    let first = s.alloc(24).unwrap();
    let mut last = first;
    for k in 1..cells {
        let p = s.alloc(24).unwrap();
        assert_eq!(
            p as usize,
            first as usize + k * 24,
            "cells in address order"
        );
        last = p;
    }
    assert_eq!(s.blocks_in_use(), 1);
    let next = s.alloc(24).unwrap();
    assert_eq!(s.blocks_in_use(), 2);
    assert!(s.in_range(next as usize) && next as usize >= first as usize + BLOCK_SIZE);
    assert!(s.is_object(last as usize) && s.is_object(next as usize));
    s.check_blocks().unwrap();
}

#[test]
fn reservation_exhaustion_is_none() {
    let mut s = OldSpace::new(BLOCK_SIZE).unwrap();
    let n = BLOCK_SIZE / 8192;
    for _ in 0..n {
        assert!(s.alloc(8192).is_some());
    }
    assert!(s.alloc(8192).is_none());
    assert!(s.alloc(16).is_none(), "no block left for another class");
}

#[test]
fn empty_blocks_past_the_retained_pool_go_back_to_the_os() {
    let blocks = RETAINED_BLOCKS + 8;
    let mut s = OldSpace::new(blocks * BLOCK_SIZE).unwrap();
    for _ in 0..blocks * (BLOCK_SIZE / 8192) {
        let p = s.alloc(8192).unwrap();
        obj(p, 8192);
    }
    assert_eq!(s.block_bytes(), (blocks * BLOCK_SIZE) as u64);
    assert_eq!(
        s.sweep(0),
        (
            (blocks * BLOCK_SIZE) as u64,
            (blocks * (BLOCK_SIZE / 8192)) as u64
        )
    );
    assert_eq!(s.blocks_in_use(), blocks, "swept lazily");
    assert_eq!(s.sweep_some(8), 8);
    s.check_blocks().unwrap();
    s.finish_sweep();
    assert_eq!(s.blocks_in_use(), 0);
    assert_eq!(s.block_bytes(), (RETAINED_BLOCKS * BLOCK_SIZE) as u64);
    s.check_blocks().unwrap();
}

#[test]
fn marking_allocates_black_and_the_sweep_keeps_it() {
    let mut s = OldSpace::new(4 * BLOCK_SIZE).unwrap();
    let old = s.alloc(32).unwrap();
    obj(old, 32);
    let dead = s.alloc(32).unwrap();
    obj(dead, 32);
    s.start_marking();
    assert!(s.is_marking());
    let new = s.alloc(48).unwrap();
    obj(new, 48);
    assert!(s.is_marked(new as usize), "allocated black");
    assert_eq!(s.black_bytes(), 48);
    assert!(s.mark(old as usize));
    // The tracer marked 32 bytes; the sweep adds the black 48.
    assert_eq!(s.sweep(32), (32, 1));
    assert_eq!(s.bytes(), 80);
    assert!(s.is_object(new as usize) && s.is_object(old as usize));
    assert!(!s.is_object(dead as usize));
    assert!(!s.is_marking() && !s.any_marked());
    s.check_blocks().unwrap();
}

#[test]
fn aborted_marking_clears_every_mark() {
    let mut s = OldSpace::new(4 * BLOCK_SIZE).unwrap();
    let a = s.alloc(32).unwrap();
    obj(a, 32);
    s.start_marking();
    assert!(s.mark(a as usize));
    let b = s.alloc(64).unwrap();
    obj(b, 64);
    s.abort_marking();
    assert!(!s.any_marked() && !s.is_marking());
    assert_eq!(s.black_bytes(), 0);
    let c = s.alloc(64).unwrap();
    assert!(!s.is_marked(c as usize), "white again after the abort");
}

#[test]
fn pretouch_commits_blocks_that_allocation_then_reuses() {
    let mut s = OldSpace::new(8 * BLOCK_SIZE).unwrap();
    assert_eq!(s.block_bytes(), 0);
    assert_eq!(s.pretouch(3 * BLOCK_SIZE), 3 * BLOCK_SIZE);
    assert_eq!(
        s.block_bytes(),
        3 * BLOCK_SIZE as u64,
        "committed, not in use"
    );
    assert_eq!(s.pretouch(2 * BLOCK_SIZE), 0, "already enough");
    s.check_blocks().unwrap();
    let p = s.alloc(16).unwrap();
    assert!(s.in_range(p as usize));
    assert_eq!(s.blocks_in_use(), 1);
    assert_eq!(
        s.block_bytes(),
        3 * BLOCK_SIZE as u64,
        "a pretouched block was reused"
    );
    // The reservation bounds it.
    assert_eq!(s.pretouch(100 * BLOCK_SIZE), 5 * BLOCK_SIZE);
    s.check_blocks().unwrap();
}
