//! The `mutator` command: until the scenario suite lands, a short demonstration that
//! allocates request-shaped garbage with a retained cache, collects, and prints statistics.

use gclab::{CollectionKind, Heap, HeapConfig, HeapError, Plan, RootKind, Value};

fn run(plan: Plan) -> Result<(), HeapError> {
    let mut heap = Heap::with_config(HeapConfig {
        trace_gc: false,
        ..HeapConfig::for_plan(plan)
    })?;
    heap.register_type(1, "Request", &["body", "next"]);
    heap.register_type(2, "Cache", &[]);
    let top = heap.push_frame("main");
    let cache = heap.alloc(2, 1024, 0)?;
    let _cache_root = heap.root(RootKind::Handle, "cache", cache)?;
    for i in 0..400_000usize {
        let frame = heap.push_frame("handle request");
        let req = heap.alloc(1, 2, 64)?;
        let body = heap.alloc(1, 2, 256)?;
        heap.set(req, 0, body)?;
        heap.set(body, 0, Value::Int(i as i32))?;
        if i % 100 == 0 {
            heap.set(cache, (i / 100) % 1024, req)?;
        }
        heap.pop_frame(frame)?;
    }
    heap.collect(CollectionKind::Major);
    heap.verify()
        .map_err(|e| HeapError::Config(e.to_string()))?;
    heap.pop_frame(top)?;
    let s = heap.stats();
    let p = s.pauses(None);
    println!(
        "{:<13} allocated {:>7.1} MB  minor {:>4}  major {:>3}  pause p50 {:>7.3} ms  p99 {:>7.3} ms  max {:>7.3} ms  reclaim {:>5.1}%  survival {:>5.1}%  live {:>6.1} KB",
        plan.name(),
        heap.allocated_bytes() as f64 / 1048576.0,
        s.count(Some(CollectionKind::Minor)),
        s.count(Some(CollectionKind::Major)),
        p.p50.as_secs_f64() * 1e3,
        p.p99.as_secs_f64() * 1e3,
        p.max.as_secs_f64() * 1e3,
        s.reclaim_rate(None) * 100.0,
        s.survival_rate() * 100.0,
        heap.usage().bytes() as f64 / 1024.0,
    );
    Ok(())
}

fn main() {
    for plan in Plan::ALL {
        if let Err(e) = run(plan) {
            eprintln!("{plan}: {e}");
            std::process::exit(1);
        }
    }
}
