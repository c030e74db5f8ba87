//! Pause-goal figures: wall time, pauses and MMU of gclab's default plan on binary-trees and
//! GCBench under three configurations, and the minor pause against the old generation's size.
//!
//! ```text
//! cargo run --release -p gclab-benches --bin pause_goal -- [--reps N] [--only WORKLOAD]
//!                                                          [--old-size] [--gc-threads N]
//! ```
//!
//! Configurations: `throughput` (no pause goal), `default` (`HeapConfig::default()`),
//! `goal-5ms`, `goal-3ms` and `goal-1ms` (pause goals of 5, 3 and 1 ms). Each run is a child process (`--child CONFIG WORKLOAD`)
//! that prints one line of figures; the parent prints medians over the runs and the wall-time
//! ratio to `throughput`, all from one invocation. Run it under `chrt -f 10` (other builds
//! preempt it otherwise); it sleeps a second between runs so that the real-time throttle
//! (0.95 s of CPU per second) does not stop a run midway — a run longer than 0.95 s can
//! still be stopped once, for ~50 ms, which then shows as one pause of that length.
//!
//! `--gc-threads N` runs every configuration with `N` collector threads
//! (`HeapConfig::gc_threads`, passed to the children as `GCLAB_GC_THREADS`).
//!
//! `PAUSE_GOAL_PLAN=NAME` in the environment runs another plan than the default one;
//! `PAUSE_GOAL_SUMMARY=1` prints, per collection kind and incremental step, the pause count,
//! total, maximum and per-phase totals of each run; `PAUSE_GOAL_TRACE=1` the pauses over 1 ms.
//!
//! `--old-size` instead measures minor pauses of the same young workload (binary trees of
//! depth 10, the last 16 kept in a ring; 300 scavenges) over an old generation of 10 MiB and
//! of 1 GiB of live data.

use gclab::{CollectionKind, Heap, HeapConfig, Value};
use gclab_benches::peers::gclab::run_with;
use gclab_benches::workload::Workload;
use std::process::Command;
use std::time::{Duration, Instant};

const CONFIGS: [&str; 5] = ["throughput", "default", "goal-5ms", "goal-3ms", "goal-1ms"];

fn config(name: &str) -> HeapConfig {
    let mut c = HeapConfig::default();
    // `PAUSE_GOAL_PLAN=NAME` runs another plan than the default one.
    if let Ok(plan) = std::env::var("PAUSE_GOAL_PLAN") {
        c.plan = *gclab::Plan::ALL
            .iter()
            .find(|p| p.name() == plan)
            .unwrap_or_else(|| panic!("unknown plan {plan}"));
    }
    match name {
        "throughput" => c.pause_goal = None,
        "default" => {}
        "goal-1ms" => c.pause_goal = Some(Duration::from_millis(1)),
        "goal-5ms" => c.pause_goal = Some(Duration::from_millis(5)),
        "goal-3ms" => c.pause_goal = Some(Duration::from_millis(3)),
        other => panic!("unknown configuration {other}"),
    }
    c
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// `wall_s max_ms p99_ms minor_max major_max slices over_goal mmu1 mmu10 mmu100`
fn child(cfg: &str, workload: &str) {
    let w = Workload::from_name(workload).expect("workload");
    let start = Instant::now();
    let (sum, heap) = run_with(config(cfg), &w);
    let wall = start.elapsed();
    assert_eq!(sum, w.expected_checksum(), "checksum");
    let s = heap.stats();
    if std::env::var_os("PAUSE_GOAL_ALL").is_some() {
        for e in s.events().iter().take(3000) {
            eprintln!(
                "{} {:?} copied {} promoted {} marked {}",
                e.trace_line(),
                e.incremental,
                e.copied_bytes,
                e.promoted_bytes,
                e.marked_bytes
            );
        }
    }
    if std::env::var_os("PAUSE_GOAL_TRACE").is_some() {
        for e in s
            .events()
            .iter()
            .filter(|e| e.pause > Duration::from_millis(1))
        {
            let ph = &e.phases;
            eprintln!(
                "{} copied {} promoted {} marked {} phases prep {:.3} roots {:.3} closure {:.3} weak {:.3} release {:.3}",
                e.trace_line(),
                e.copied_bytes,
                e.promoted_bytes,
                e.marked_bytes,
                ms(ph.prepare),
                ms(ph.roots),
                ms(ph.closure),
                ms(ph.weak),
                ms(ph.release)
            );
        }
    }
    if std::env::var_os("PAUSE_GOAL_SUMMARY").is_some() {
        summary(s.events(), wall);
    }
    let all = s.pauses(None);
    let minor = s.pauses(Some(CollectionKind::Minor));
    let major = s.pauses(Some(CollectionKind::Major));
    let goal = Duration::from_millis(1);
    let over = s.events().iter().filter(|e| e.pause > goal).count();
    let mmu: Vec<String> = gclab::pause::MMU_WINDOWS
        .iter()
        .map(|&win| format!("{:.3}", gclab::pause::mmu(s.events(), win, wall)))
        .collect();
    println!(
        "{:.4} {:.3} {:.3} {:.3} {:.3} {} {} {} {}",
        wall.as_secs_f64(),
        ms(all.max),
        ms(all.p99),
        ms(minor.max),
        ms(major.max),
        s.count(None),
        over,
        mmu.join(" "),
        heap.pause_goal().map_or("-".into(), |g| format!("{:?}", g)),
    );
}

/// Pause time by collection kind (and incremental step): count, total, max, and the total of
/// each phase, to attribute the long pauses.
fn summary(events: &[gclab::GcEvent], wall: Duration) {
    use std::collections::BTreeMap;
    let mut by: BTreeMap<String, (u64, f64, f64, [f64; 5])> = BTreeMap::new();
    for e in events {
        let key = format!("{:?}/{:?}", e.kind, e.incremental);
        let r = by.entry(key).or_default();
        r.0 += 1;
        r.1 += ms(e.pause);
        r.2 = r.2.max(ms(e.pause));
        let p = &e.phases;
        for (i, d) in [p.prepare, p.roots, p.closure, p.weak, p.release]
            .into_iter()
            .enumerate()
        {
            r.3[i] += ms(d);
        }
    }
    eprintln!("wall {:.1} ms", ms(wall));
    for (k, (n, total, max, ph)) in by {
        eprintln!(
            "{k:<28} n {n:>5} total {total:>8.2} max {max:>7.3} prep {:.2} roots {:.2} closure {:.2} weak {:.2} release {:.2}",
            ph[0], ph[1], ph[2], ph[3], ph[4]
        );
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn parent(reps: usize, only: Option<&str>) {
    let workloads: Vec<&str> = ["binary-trees-18", "gcbench"]
        .into_iter()
        .filter(|w| only.is_none_or(|o| w.starts_with(o)))
        .collect();
    println!(
        "{:<16} {:<11} {:>7} {:>6} {:>8} {:>8} {:>9} {:>9} {:>7} {:>8} {:>6} {:>6} {:>6}",
        "workload",
        "config",
        "wall s",
        "ratio",
        "max ms",
        "p99 ms",
        "minor max",
        "major max",
        "pauses",
        ">1ms",
        "mmu1",
        "mmu10",
        "mmu100"
    );
    let exe = std::env::current_exe().expect("own path");
    for w in workloads {
        let mut base = None;
        for cfg in CONFIGS {
            let mut cols: Vec<Vec<f64>> = vec![Vec::new(); 10];
            for _ in 0..reps {
                // A second off the CPU between runs: under `chrt -f` the kernel lets real-time
                // tasks use a CPU for 0.95 s of each second (`sched_rt_runtime_us`) and then
                // stops them for the rest of it, which back-to-back runs reach and which
                // shows up as a ~50 ms stall inside whatever is running, a pause or not.
                std::thread::sleep(Duration::from_secs(1));
                let out = Command::new(&exe)
                    .args(["--child", cfg, w])
                    .output()
                    .expect("child runs");
                assert!(out.status.success(), "{cfg} {w}: {:?}", out);
                let line = String::from_utf8_lossy(&out.stdout);
                for (i, f) in line.split_whitespace().take(10).enumerate() {
                    cols[i].push(f.parse().unwrap_or(0.0));
                }
            }
            let m: Vec<f64> = cols.into_iter().map(median).collect();
            let ratio = m[0] / *base.get_or_insert(m[0]);
            println!(
                "{:<16} {:<11} {:>7.3} {:>6.2} {:>8.3} {:>8.3} {:>9.3} {:>9.3} {:>7} {:>8} {:>6.3} {:>6.3} {:>6.3}",
                w, cfg, m[0], ratio, m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8], m[9]
            );
        }
    }
}

/// Minor pauses of a young workload over `old_bytes` of live old data.
fn old_size(old_bytes: usize, goal: Option<Duration>) -> (f64, f64, u64) {
    let cfg = HeapConfig {
        max_heap: 4 << 30,
        pause_goal: goal,
        ..HeapConfig::default()
    };
    let mut h = Heap::with_config(cfg).expect("heap");
    // The old data: a list of 4 KiB objects, then a full collection promotes it.
    let keep = h.local(Value::Null).expect("local");
    let chunk = 4096;
    for _ in 0..old_bytes / chunk {
        let f = h.push_frame("build");
        let n = h.alloc(1, 1, chunk - 24).expect("old data");
        let prev = h.get(keep, 0).ok();
        let _ = prev;
        h.set(n, 0, Value::Ref(keep)).ok();
        h.set_local(keep, Value::Ref(n)).expect("root");
        h.pop_frame(f).expect("frame");
    }
    h.collect(CollectionKind::Major);
    h.collect(CollectionKind::Major);
    let first = h.stats().events().len();
    // The young workload: short-lived trees of depth 10, one live at a time.
    fn tree(h: &mut Heap, depth: u32) -> gclab::Handle {
        let n = h.alloc(2, 2, 0).expect("node");
        if depth > 0 {
            let l = tree(h, depth - 1);
            let r = tree(h, depth - 1);
            h.set(n, 0, Value::Ref(l)).expect("left");
            h.set(n, 1, Value::Ref(r)).expect("right");
        }
        n
    }
    // The last 16 trees stay reachable (a ring in an old array), so each scavenge copies
    // some survivors and updates old-to-young references.
    let ring = h.alloc(3, 16, 0).expect("ring");
    let mut k = 0;
    while h.stats().count(Some(CollectionKind::Minor)) < 300 {
        let f = h.push_frame("young");
        let t = tree(&mut h, 10);
        h.set(ring, k % 16, Value::Ref(t)).expect("ring slot");
        k += 1;
        h.pop_frame(f).expect("frame");
    }
    let mut minors: Vec<f64> = h.stats().events()[first..]
        .iter()
        .filter(|e| e.kind == CollectionKind::Minor)
        .map(|e| ms(e.pause))
        .collect();
    minors.sort_by(f64::total_cmp);
    let n = minors.len();
    (minors[n / 2], minors[n - 1], h.usage().bytes())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--gc-threads") {
        let max = gclab::config::MAX_GC_THREADS;
        match args.get(i + 1).and_then(|n| n.parse::<usize>().ok()) {
            Some(n) if (1..=max).contains(&n) => {
                // Read by `HeapConfig::default` here and in the children this spawns.
                std::env::set_var("GCLAB_GC_THREADS", n.to_string());
            }
            _ => {
                eprintln!("pause_goal: --gc-threads takes a number from 1 to {max}");
                std::process::exit(2);
            }
        }
    }
    if let Some(i) = args.iter().position(|a| a == "--child") {
        child(&args[i + 1], &args[i + 2]);
        return;
    }
    if args.iter().any(|a| a == "--old-size") {
        println!(
            "{:<10} {:<9} {:>12} {:>10} {:>10}",
            "goal", "old", "heap MiB", "minor p50", "minor max"
        );
        for goal in [None, Some(Duration::from_millis(1))] {
            for old in [10usize << 20, 1 << 30] {
                let (p50, max, bytes) = old_size(old, goal);
                println!(
                    "{:<10} {:<9} {:>12.1} {:>10.3} {:>10.3}",
                    goal.map_or("none".into(), |g| format!("{g:?}")),
                    if old < 1 << 30 { "10 MiB" } else { "1 GiB" },
                    bytes as f64 / (1 << 20) as f64,
                    p50,
                    max
                );
            }
        }
        return;
    }
    let reps = args
        .iter()
        .position(|a| a == "--reps")
        .and_then(|i| args.get(i + 1)?.parse().ok())
        .unwrap_or(3);
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1).map(String::as_str));
    parent(reps, only);
}
