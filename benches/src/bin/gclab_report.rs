//! gclab's own figures on the comparison workloads: pause percentiles per plan, and the
//! lower-bound overhead (time against the `no-gc` plan) at 1.5x, 2x and 3x the minimum heap.
//!
//! `cargo run --release -p gclab-benches --bin gclab-report [-- --quick]`
//!
//! The minimum heap is found by bisection on `max_heap` (1 MiB steps) for the generational
//! plan with default settings; a run that exhausts the heap counts as too small. The `no-gc`
//! baseline runs with a heap large enough never to fail (it bump-allocates everything).

use gclab::{CollectionKind, HeapConfig, Plan};
use gclab_benches::peers::gclab::run_with;
use gclab_benches::workload::Workload;
use std::time::{Duration, Instant};

const MIB: usize = 1 << 20;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Runs once; `None` if the heap ran out of memory.
fn attempt(config: HeapConfig, w: &Workload) -> Option<Duration> {
    let start = Instant::now();
    let ok = std::panic::catch_unwind(|| run_with(config, w).0).ok()?;
    assert_eq!(ok, w.expected_checksum(), "checksum");
    Some(start.elapsed())
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let workloads: Vec<(&str, Workload)> = if quick {
        vec![(
            "binary-trees-14",
            Workload::from_name("binary-trees-14").expect("workload"),
        )]
    } else {
        vec![
            (
                "binary-trees-18",
                Workload::from_name("binary-trees-18").expect("workload"),
            ),
            ("gcbench", Workload::from_name("gcbench").expect("workload")),
        ]
    };
    let reps = if quick { 1 } else { 3 };
    println!("pauses (default settings per plan; ms)");
    println!(
        "{:<16} {:<13} {:>7} {:>9} {:>9} {:>9} {:>9} {:>7} {:>9} {:>9} {:>10}",
        "workload", "plan", "minor", "p50", "p90", "p99", "max", "major", "p50", "max", "total"
    );
    for (name, w) in &workloads {
        for plan in Plan::ALL.into_iter().filter(|p| *p != Plan::NoGc) {
            let (_, heap) = run_with(HeapConfig::for_plan(plan), w);
            let s = heap.stats();
            let (mi, ma) = (
                s.pauses(Some(CollectionKind::Minor)),
                s.pauses(Some(CollectionKind::Major)),
            );
            println!(
                "{:<16} {:<13} {:>7} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>7} {:>9.3} {:>9.3} {:>10.1}",
                name,
                plan.name(),
                mi.count,
                ms(mi.p50),
                ms(mi.p90),
                ms(mi.p99),
                ms(mi.max),
                ma.count,
                ms(ma.p50),
                ms(ma.max),
                ms(s.pauses(None).total)
            );
        }
    }
    println!();
    println!(
        "lower-bound overhead: generational time / no-gc time, at multiples of the minimum heap"
    );
    std::panic::set_hook(Box::new(|_| {}));
    for (name, w) in &workloads {
        let gen = |max_heap: usize| HeapConfig {
            max_heap,
            ..HeapConfig::for_plan(Plan::Generational)
        };
        let (mut lo, mut hi) = (1usize, 64usize);
        while attempt(gen(hi * MIB), w).is_none() {
            lo = hi;
            hi *= 2;
        }
        while hi - lo > 1 {
            let mid = (lo + hi) / 2;
            if attempt(gen(mid * MIB), w).is_some() {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        let min_heap = hi;
        let nogc = HeapConfig {
            max_heap: 16 << 30,
            ..HeapConfig::for_plan(Plan::NoGc)
        };
        let base = median(
            (0..reps)
                .map(|_| attempt(nogc.clone(), w).expect("no-gc fits 16 GiB"))
                .collect(),
        );
        print!(
            "{name:<16} min heap {min_heap:>4} MiB, no-gc {:>8.1} ms",
            ms(base)
        );
        for m in [1.5f64, 2.0, 3.0] {
            let heap = (min_heap as f64 * m * MIB as f64) as usize;
            let t = median(
                (0..reps)
                    .map(|_| attempt(gen(heap), w).expect("fits above the minimum"))
                    .collect(),
            );
            print!(
                " | {m}x: {:>8.1} ms ({:.2}x)",
                ms(t),
                t.as_secs_f64() / base.as_secs_f64()
            );
        }
        println!();
    }
}
