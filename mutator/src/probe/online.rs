//! Checkpoints for a run whose length is not known in advance, placed in one pass.
//!
//! A [`Phase`] counts its work in one unit (macrotasks run, or bytes allocated by the main
//! script) and takes a sample — a forced full collection, the live size, a [`TypeCensus`]
//! and the heap graph — each time its position reaches the next multiple of a **stride**.
//! It keeps at most `2 × MARKS` samples; when the buffer is full it drops every other one
//! and doubles the stride. So whatever the total, the samples kept at the end are evenly
//! spaced, between `MARKS` and `2 × MARKS` of them once the work is long enough, and about
//! `2 × MARKS + MARKS × log2(total / (2 × MARKS × first stride))` full collections were
//! taken. `mutator/oracle/verdict.js` places V8's samples by the same rule.
//!
//! When the work ends, [`Phase::settle`] turns the samples into what [`Probe`] reports:
//!
//! - the checkpoints the verdict reads are the phase's start and the samples at or before
//!   15/16 of the work (a program's last steps often release what it held: a cleared
//!   interval), with `done` = position / total;
//! - the censuses of the growth tracker are those of the first samples at or past ¼, ½ and
//!   ¾ of the work, and of the **end sample**: the last sample taken at or before 15/16;
//! - the retaining paths and the `.heapsnapshot` come from the end sample's graph;
//! - the three-snapshot survivors are the objects of that graph created between the first
//!   samples at or past ⅓ and ⅔ (object ids grow in allocation order, and an object alive at
//!   the end and created in between was alive at ⅔), so no graph is kept for them.
//!
//! Invariant: only the graphs of the samples that may still become the end sample are kept
//! (the last one at or before 15/16 of the current position, and those after it): a handful,
//! whatever the length of the run.

use super::{Checkpoint, Probe, ProbeOptions, CENSUS_AT, SNAPSHOT_AT};
use gclab::diagnose::growth::TypeCensus;
use gclab::diagnose::HeapGraph;
use gclab::{CollectionKind, Heap};

/// The fewest samples a phase keeps once its work spans `2 × MARKS` strides; the verdict
/// reads those at or before `(MARKS − 1) / MARKS` of the work.
pub const MARKS: u64 = 16;

/// Samples kept before the stride doubles.
const CAPACITY: usize = 2 * MARKS as usize;

/// One sample of a phase.
#[derive(Debug)]
struct Sample {
    /// Position in the phase's unit.
    pos: u64,
    /// Virtual time (ms).
    at_ms: u64,
    /// Bytes live after the full collection.
    live: u64,
    /// Bytes allocated so far.
    allocated: u64,
    /// Objects allocated so far: the ids of the objects created later are at least this.
    objects: u64,
    census: TypeCensus,
}

/// A graph kept while its sample may become the end sample.
#[derive(Debug)]
struct Recent {
    pos: u64,
    graph: HeapGraph,
    census: TypeCensus,
}

/// The samples of one unit of work, at a doubling stride.
#[derive(Debug)]
pub struct Phase {
    stride: u64,
    next: u64,
    /// Position reached.
    pos: u64,
    start: Option<Sample>,
    samples: Vec<Sample>,
    recent: Vec<Recent>,
}

/// The checkpoints of a settled phase: the [`Probe`] with its checkpoints, censuses, findings
/// and events, and the virtual time of each checkpoint.
#[derive(Debug)]
pub struct Settled {
    /// The probe, as [`Probe::finish`] leaves it.
    pub probe: Probe,
    /// Virtual time (ms) of each of `probe.checkpoints`.
    pub times: Vec<u64>,
}

impl Phase {
    /// A phase whose first samples are `stride` units apart.
    pub fn new(stride: u64) -> Phase {
        let stride = stride.max(1);
        Phase {
            stride,
            next: stride,
            pos: 0,
            start: None,
            samples: Vec::new(),
            recent: Vec::new(),
        }
    }

    /// Whether position `pos` calls for a sample.
    #[inline]
    pub fn due(&self, pos: u64) -> bool {
        pos >= self.next
    }

    /// Samples taken (kept) so far, the start included.
    pub fn len(&self) -> usize {
        self.samples.len() + usize::from(self.start.is_some())
    }

    /// Whether no sample was taken.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Takes the start sample (position 0).
    pub fn start(&mut self, heap: &mut Heap, at_ms: u64) {
        let (s, graph) = take(heap, 0, at_ms);
        self.keep_recent(0, graph, s.census.clone());
        self.start = Some(s);
    }

    /// Records that the work reached `pos`, without a sample.
    pub fn reach(&mut self, pos: u64) {
        self.pos = self.pos.max(pos);
    }

    /// Records that the work reached `pos` and takes a sample if it is due.
    pub fn advance(&mut self, heap: &mut Heap, pos: u64, at_ms: u64) {
        self.reach(pos);
        if !self.due(pos) {
            return;
        }
        let (s, graph) = take(heap, pos, at_ms);
        self.keep_recent(pos, graph, s.census.clone());
        self.samples.push(s);
        if self.samples.len() >= CAPACITY {
            // Keep the 2nd, 4th, …: the samples at the multiples of the doubled stride.
            let mut i = 0;
            self.samples.retain(|_| {
                i += 1;
                i % 2 == 0
            });
            self.stride *= 2;
        }
        self.next = (pos / self.stride + 1) * self.stride;
    }

    /// Keeps `graph`, and drops the graphs that can no longer be the end sample's.
    fn keep_recent(&mut self, pos: u64, graph: HeapGraph, census: TypeCensus) {
        self.recent.push(Recent { pos, graph, census });
        let last_end = self
            .recent
            .iter()
            .rposition(|r| before_end(r.pos, pos))
            .unwrap_or(0);
        self.recent.drain(..last_end);
    }

    /// Turns the samples into the probe's checkpoints, censuses and findings (see the module
    /// docs); `heap` still holds the program's roots. Without a sample at or before 15/16 of
    /// the work (a phase that took none) the end sample is taken now.
    pub fn settle(mut self, heap: &mut Heap, options: ProbeOptions, now_ms: u64) -> Settled {
        let total = self.pos;
        let done = |pos: u64| {
            if total == 0 {
                0.0
            } else {
                pos as f64 / total as f64
            }
        };
        let selected: Vec<Sample> = self
            .start
            .take()
            .into_iter()
            .chain(std::mem::take(&mut self.samples))
            .filter(|s| before_end(s.pos, total))
            .collect();
        let end = match self.recent.iter().rposition(|r| before_end(r.pos, total)) {
            Some(i) => self.recent.swap_remove(i),
            None => {
                let (s, graph) = take(heap, total, now_ms);
                Recent {
                    pos: s.pos,
                    graph,
                    census: s.census,
                }
            }
        };
        drop(self.recent);
        let mut probe = Probe::new(options);
        probe.checkpoints = selected
            .iter()
            .map(|s| Checkpoint {
                done: done(s.pos),
                allocated: s.allocated,
                live: s.live,
            })
            .collect();
        // Censuses at the first samples at or past ¼, ½, ¾ (before the end sample), then the
        // end sample's.
        let marks = &CENSUS_AT[..CENSUS_AT.len() - 1];
        let mut c = 0;
        for s in selected.iter().filter(|s| s.pos < end.pos) {
            if marks.get(c).is_some_and(|&at| done(s.pos) >= at) {
                while marks.get(c).is_some_and(|&at| done(s.pos) >= at) {
                    c += 1;
                }
                probe.growth.push(s.census.clone());
            }
        }
        probe.growth.push(end.census);
        // The three-snapshot survivors: created between the samples at ⅓ and ⅔.
        let at = |f: f64| {
            selected
                .iter()
                .find(|s| done(s.pos) >= f && s.pos < end.pos)
        };
        let leaks = match (at(SNAPSHOT_AT[0]), at(SNAPSHOT_AT[1])) {
            (Some(a), Some(b)) if a.pos < b.pos => {
                Some(created_between(&end.graph, a.objects, b.objects))
            }
            _ => None,
        };
        probe.conclude(&end.graph, leaks.as_deref());
        probe.capture(heap);
        Settled {
            probe,
            times: selected.iter().map(|s| s.at_ms).collect(),
        }
    }
}

/// Whether position `pos` is at or before 15/16 of `total`.
fn before_end(pos: u64, total: u64) -> bool {
    u128::from(pos) * u128::from(MARKS) <= u128::from(total) * u128::from(MARKS - 1)
}

/// A sample: a full collection, then the figures and the graph.
fn take(heap: &mut Heap, pos: u64, at_ms: u64) -> (Sample, HeapGraph) {
    heap.collect_to_measure(CollectionKind::Major);
    let graph = heap.graph();
    let s = Sample {
        pos,
        at_ms,
        live: heap.occupied_bytes(),
        allocated: heap.allocated_bytes(),
        objects: heap.allocated_objects(),
        census: TypeCensus::of(&graph),
    };
    (s, graph)
}

/// Nodes of `graph` whose object was allocated after `from` and before `to` objects had been
/// (ids are the allocation count, modulo 2³²).
fn created_between(graph: &HeapGraph, from: u64, to: u64) -> Vec<u32> {
    let span = to.saturating_sub(from);
    graph
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| {
            let offset = (n.id as u32).wrapping_sub(from as u32);
            span >= 1 << 32 || u64::from(offset) < span
        })
        .map(|(i, _)| i as u32)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::{verdict, Verdict};
    use gclab::HeapConfig;

    /// A heap where each step allocates a node of 1 KiB, prepended to the global list `head`
    /// when `leak`, and garbage otherwise.
    fn step(heap: &mut Heap, leak: bool) {
        let frame = heap.push_frame_static("step");
        let node = heap.alloc(7, 1, 1024).unwrap();
        if leak {
            if let Some(head) = heap.global("head") {
                heap.set(node, 0, head).unwrap();
            }
            heap.set_global("head", node).unwrap();
        }
        heap.pop_frame(frame).unwrap();
    }

    fn run(total: u64, leak: bool) -> (Settled, u64) {
        let mut heap = Heap::with_config(HeapConfig::default()).unwrap();
        heap.register_type(7, "Node", &["next"]);
        let mut phase = Phase::new(1);
        phase.start(&mut heap, 0);
        let before = heap.stats().events().len();
        for pos in 1..=total {
            step(&mut heap, leak);
            phase.advance(&mut heap, pos, pos);
            assert!(phase.samples.len() < CAPACITY);
        }
        let taken = (heap.stats().events().len() - before) as u64;
        (
            phase.settle(&mut heap, ProbeOptions::default(), total),
            taken,
        )
    }

    #[test]
    fn samples_stay_evenly_spaced_whatever_the_total() {
        for total in [5, 31, 32, 100, 1000, 4099] {
            let (s, taken) = run(total, false);
            let cps = &s.probe.checkpoints;
            assert_eq!(cps[0].done, 0.0, "{total}: the start comes first");
            let steps: Vec<f64> = cps.windows(2).map(|w| w[1].done - w[0].done).collect();
            let step = steps[0];
            assert!(
                steps.iter().all(|&d| (d - step).abs() < 1e-9),
                "{total}: uneven {steps:?}"
            );
            assert!(cps.iter().all(|c| c.done <= 15.0 / 16.0));
            if total >= 2 * CAPACITY as u64 {
                assert!(cps.len() >= MARKS as usize, "{total}: {}", cps.len());
            }
            assert!(cps.len() <= CAPACITY + 1, "{total}: {}", cps.len());
            // 32 samples, then 16 more per doubling of the stride.
            let doublings = (total / CAPACITY as u64).max(1).ilog2() as u64;
            assert!(
                taken <= CAPACITY as u64 + MARKS * (doublings + 1),
                "{total}: {taken}"
            );
        }
    }

    #[test]
    fn a_growing_list_is_a_leak_with_its_growth_and_survivors() {
        let (s, _) = run(600, true);
        assert_eq!(verdict(&s.probe.checkpoints), Verdict::Leak);
        let grows = s.probe.growing_types();
        assert_eq!(grows.len(), 1, "{grows:?}");
        assert_eq!(grows[0].type_name, "Node");
        assert_eq!(grows[0].counts.len(), 4);
        let f = s.probe.findings.as_ref().unwrap();
        assert!(f.retaining_paths[0].starts_with("[global] head"), "{f:?}");
        // About a third of the run's nodes were created between ⅓ and ⅔.
        let survivors = &f.three_snapshot[0];
        let count: u64 = survivors.split(" × ").next().unwrap().parse().unwrap();
        assert!((150..=250).contains(&count), "{survivors}");
        let (healthy, _) = run(600, false);
        assert_eq!(verdict(&healthy.probe.checkpoints), Verdict::Healthy);
        assert!(healthy.probe.growing_types().is_empty());
    }

    #[test]
    fn ids_wrap_modulo_two_to_the_32() {
        let mut b = gclab::diagnose::HeapGraphBuilder::new();
        for id in [5u64, 10, 15, (1 << 32) - 1, 2] {
            b.node(id, "T", 8);
        }
        let g = b.build();
        assert_eq!(created_between(&g, 5, 15), vec![0, 1]);
        assert_eq!(
            created_between(&g, (1 << 32) - 2, (1 << 32) + 3),
            vec![3, 4]
        );
    }
}
