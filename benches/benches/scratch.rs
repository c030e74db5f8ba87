//! The design card's packages against what gclab uses instead, on the collector's own access
//! patterns (issue 11, part 6):
//!
//! - **per-collection scratch**: a mark stack (push two, pop one, until empty: a tree's
//!   traversal) and a remembered-set snapshot (copy then scan), in a `Vec` kept across
//!   collections (what `plan::common::Scratch` does) against a `bumpalo` arena reset after
//!   each collection;
//! - **mark bitmaps**: one Immix block's object marks (4,096 bits): set-if-clear at scattered
//!   granules, then a walk of the set bits, in plain `[u64; 64]` words (what
//!   `space::immix::block` does) against `bitvec::BitArray`.
//!
//! `cargo bench -p gclab-benches --bench scratch`. The figures and the decision are in
//! `benches/README.md`.

use bitvec::prelude::*;
use bumpalo::Bump;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

/// Objects traced per collection.
const OBJECTS: usize = 100_000;
/// Remembered-set entries per collection.
const REMSET: usize = 10_000;

/// A tree-shaped traversal: each popped entry pushes two children until `n` were pushed.
fn traverse(
    mut push: impl FnMut(usize),
    mut pop: impl FnMut() -> Option<usize>,
    n: usize,
) -> usize {
    let mut pushed = 1;
    let mut sum = 0;
    push(1);
    while let Some(x) = pop() {
        sum += x;
        for c in [2 * x, 2 * x + 1] {
            if pushed < n {
                push(c);
                pushed += 1;
            }
        }
    }
    sum
}

fn scratch(c: &mut Criterion) {
    let mut g = c.benchmark_group("scratch");
    g.throughput(Throughput::Elements(OBJECTS as u64));
    let mut kept: Vec<usize> = Vec::new();
    g.bench_function("mark-stack/vec-kept", |b| {
        b.iter(|| {
            kept.clear();
            let stack = std::cell::RefCell::new(std::mem::take(&mut kept));
            let s = traverse(
                |x| stack.borrow_mut().push(x),
                || stack.borrow_mut().pop(),
                black_box(OBJECTS),
            );
            kept = stack.into_inner();
            s
        })
    });
    let mut arena = Bump::new();
    g.bench_function("mark-stack/bumpalo-reset", |b| {
        b.iter(|| {
            arena.reset();
            let stack = std::cell::RefCell::new(bumpalo::collections::Vec::new_in(&arena));
            traverse(
                |x| stack.borrow_mut().push(x),
                || stack.borrow_mut().pop(),
                black_box(OBJECTS),
            )
        })
    });
    g.throughput(Throughput::Elements(REMSET as u64));
    let remset: Vec<usize> = (0..REMSET).map(|i| i * 48).collect();
    let mut snapshot: Vec<usize> = Vec::new();
    g.bench_function("remset-snapshot/vec-kept", |b| {
        b.iter(|| {
            snapshot.clear();
            snapshot.extend_from_slice(black_box(&remset));
            snapshot.iter().fold(0usize, |a, &x| a ^ x)
        })
    });
    g.bench_function("remset-snapshot/bumpalo-reset", |b| {
        b.iter(|| {
            arena.reset();
            let s = arena.alloc_slice_copy(black_box(&remset));
            s.iter().fold(0usize, |a, &x| a ^ x)
        })
    });
    g.finish();
}

/// Granules of one 32 KiB block.
const GRANULES: usize = 4096;

/// Scattered granule indices: every object start of a block of mixed 24–72-byte objects,
/// visited in a shuffled order (marking follows references, not addresses).
fn starts() -> Vec<usize> {
    let mut v = Vec::new();
    let mut g = 0;
    let mut x = 0x2545_f491_4f6c_dd1du64;
    while g < GRANULES {
        v.push(g);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        g += 3 + (x % 7) as usize;
    }
    for i in (1..v.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.swap(i, (x % (i as u64 + 1)) as usize);
    }
    v
}

fn bitmap(c: &mut Criterion) {
    let idx = starts();
    let mut g = c.benchmark_group("mark-bitmap");
    g.throughput(Throughput::Elements(idx.len() as u64));
    g.bench_function("u64-words", |b| {
        b.iter(|| {
            let mut words = [0u64; GRANULES / 64];
            let mut newly = 0;
            for &i in black_box(&idx) {
                let (w, bit) = (i / 64, 1u64 << (i % 64));
                if words[w] & bit == 0 {
                    words[w] |= bit;
                    newly += 1;
                }
            }
            let mut sum = 0;
            for (w, &word) in words.iter().enumerate() {
                let mut m = word;
                while m != 0 {
                    sum += w * 64 + m.trailing_zeros() as usize;
                    m &= m - 1;
                }
            }
            (newly, sum)
        })
    });
    g.bench_function("bitvec", |b| {
        b.iter(|| {
            let mut bits: BitArray<[u64; GRANULES / 64], Lsb0> = BitArray::ZERO;
            let mut newly = 0;
            for &i in black_box(&idx) {
                if !bits.replace(i, true) {
                    newly += 1;
                }
            }
            let sum: usize = bits.iter_ones().sum();
            (newly, sum)
        })
    });
    g.finish();
}

criterion_group!(benches, scratch, bitmap);
criterion_main!(benches);
