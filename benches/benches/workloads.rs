//! Criterion groups for the workloads: `binary-trees-18` and classic GCBench, one benchmark per
//! registered implementation, with throughput in nodes allocated.
//!
//! `cargo bench -p gclab-benches --bench workloads [-- FILTER]`. One iteration is a whole
//! workload run (seconds for the slow peers), so the groups use criterion's minimum of ten
//! samples in flat sampling mode; expect a full pass to take several minutes. The
//! `compare` binary is the quicker way to get a table with peak memory.

use std::hint::black_box;
use std::time::Duration;

use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};
use gclab_benches::{implementations, Workload};

fn bench_workload(c: &mut Criterion, group_name: &str, workload: Workload) {
    let mut group = c.benchmark_group(group_name);
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(workload.nodes_allocated()));
    for imp in implementations() {
        group.bench_with_input(BenchmarkId::from_parameter(imp.name), &workload, |b, w| {
            b.iter(|| {
                let checksum = (imp.run)(black_box(w));
                debug_assert_eq!(checksum, w.expected_checksum());
                black_box(checksum)
            });
        });
    }
    group.finish();
}

fn binary_trees(c: &mut Criterion) {
    bench_workload(
        c,
        "binary-trees-18",
        Workload::BinaryTrees { max_depth: 18 },
    );
}

fn gcbench(c: &mut Criterion) {
    let workload = Workload::GcBench(gclab_benches::workload::GcBenchParams::CLASSIC);
    bench_workload(c, "gcbench", workload);
}

criterion_group!(workloads, binary_trees, gcbench);
criterion_main!(workloads);
