//! What a chart draws, in chart units (MB, ms): the stacked occupancy samples, the collection
//! marks and pauses, the shared axis ranges, and the decimation of long runs into buckets.
//!
//! Invariant: decimation keeps, per bucket, the events that shape the picture at that
//! resolution (highest occupancy before, lowest after, longest minor and major pause, last
//! major collection), so peaks, troughs and longest pauses are exact.

use super::*;

/// Heap occupancy at one x, in MB per space, in the order of [`Layout::spaces`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Sample {
    pub(super) x: f64,
    pub(super) spaces: [f64; MAX_SPACES],
}

impl Sample {
    pub(super) fn of(x: f64, usage: &HeapUsage, names: &[String]) -> Self {
        let mut spaces = [0.0; MAX_SPACES];
        for (v, name) in spaces.iter_mut().zip(names) {
            *v = mb(usage.bytes_of(name));
        }
        Sample { x, spaces }
    }

    /// The height of the stack up to and including space `i`.
    pub(super) fn top(&self, i: usize) -> f64 {
        self.spaces[..=i].iter().sum()
    }
}

/// The spaces the events name, in stacking order (bottom first): every space but the nursery
/// in the order the events list them, then the nursery. At most [`MAX_SPACES`].
pub(super) fn stacking_order(events: &[&GcEvent]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for e in events {
        for entry in e.before.spaces().iter().chain(e.after.spaces()) {
            let n = entry.name.as_str();
            if !names.iter().any(|m| m == n) && names.len() < MAX_SPACES {
                names.push(n.to_string());
            }
        }
    }
    if let Some(i) = names.iter().position(|n| n == NURSERY_SPACE) {
        let n = names.remove(i);
        names.push(n);
    }
    names
}

/// A space's colour and legend label.
pub(super) fn space_style(name: &str, index: usize) -> (RGBColor, String) {
    match name {
        NURSERY_SPACE => (NURSERY, "nursery".into()),
        "large" => (LARGE, "large objects".into()),
        "old" => (OLD, "old generation".into()),
        _ if index == 0 => (OLD, format!("{name} space")),
        _ => (OTHER[index % OTHER.len()], format!("{name} space")),
    }
}

/// Upper ends of the three axes (all start at 0).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Ranges {
    pub(super) x: f64,
    pub(super) heap: f64,
    pub(super) pause: f64,
}

impl Ranges {
    pub(super) fn union(self, other: Ranges) -> Ranges {
        Ranges {
            x: self.x.max(other.x),
            heap: self.heap.max(other.heap),
            pause: self.pause.max(other.pause),
        }
    }
}

/// Everything the chart draws, in chart units (MB, ms), after decimation.
#[derive(Debug)]
pub(super) struct Layout {
    /// The spaces stacked in the top panel, bottom first.
    pub(super) spaces: Vec<String>,
    /// The sawtooth: before and after each (kept) collection, in x order.
    pub(super) occupancy: Vec<Sample>,
    /// x of each (kept) minor collection.
    pub(super) minor_x: Vec<f64>,
    /// (x, total occupancy after) of each (kept) major collection.
    pub(super) major_after: Vec<(f64, f64)>,
    pub(super) minor_pauses: Vec<(f64, f64)>,
    pub(super) major_pauses: Vec<(f64, f64)>,
    /// Pauses of incremental marking steps (drawn apart from whole major collections).
    pub(super) slice_pauses: Vec<(f64, f64)>,
    /// Whether pauses are drawn as dots (too many for bars to stay apart) or as bars.
    pub(super) pause_dots: bool,
    /// Whether events were dropped for drawing.
    pub(super) decimated: bool,
    pub(super) ranges: Ranges,
    pub(super) summary: String,
}

pub(super) fn mb(bytes: u64) -> f64 {
    bytes as f64 / BYTES_PER_MB
}

pub(super) fn x_of(e: &GcEvent) -> f64 {
    mb(e.allocated_before)
}

pub(super) fn pause_ms(e: &GcEvent) -> f64 {
    e.pause.as_secs_f64() * 1e3
}

/// `ms` milliseconds for people: "0.21 ms", "143.2 ms", "19.91 s".
pub(super) fn human_ms(ms: f64) -> String {
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1e3)
    } else if ms >= 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.2} ms")
    }
}

/// `mb` MB (of 2^20 bytes) for people: "126.0 MB", "40.20 GB".
pub(super) fn human_mb(mb: f64) -> String {
    if mb >= 1024.0 {
        format!("{:.2} GB", mb / 1024.0)
    } else {
        format!("{mb:.1} MB")
    }
}

/// The upper end of an axis showing values up to `v`: `headroom` more, never 0.
pub(super) fn axis_max(v: f64, headroom: f64) -> f64 {
    if v.is_finite() && v > 0.0 {
        v * (1.0 + headroom)
    } else {
        1.0
    }
}

impl Layout {
    pub(super) fn new(events: &[GcEvent]) -> Layout {
        let mut order: Vec<&GcEvent> = events.iter().collect();
        order.sort_by_key(|e| (e.allocated_before, e.seq));

        let x_max = order.last().map_or(0.0, |e| x_of(e));
        let decimate = order.len() > MAX_EXACT_EVENTS;
        let bucket_of = |e: &GcEvent| -> usize {
            if x_max <= 0.0 {
                0
            } else {
                ((x_of(e) / x_max * BUCKETS as f64) as usize).min(BUCKETS - 1)
            }
        };
        // Keeps, per bucket, the event with the highest score (the later one on ties).
        // Scores see the event's position in x order as well as the event.
        let pick = |keep: &dyn Fn(&GcEvent) -> bool, score: &dyn Fn(usize, &GcEvent) -> f64| {
            let kept = order.iter().enumerate().filter(|(_, e)| keep(e));
            if !decimate {
                return kept.map(|(i, _)| i).collect::<Vec<usize>>();
            }
            let mut best: Vec<Option<(f64, usize)>> = vec![None; BUCKETS];
            for (i, e) in kept {
                let slot = &mut best[bucket_of(e)];
                let s = score(i, e);
                if slot.is_none_or(|(b, _)| s >= b) {
                    *slot = Some((s, i));
                }
            }
            best.into_iter().flatten().map(|(_, i)| i).collect()
        };
        let any = |_: &GcEvent| true;
        let is_minor = |e: &GcEvent| e.kind == CollectionKind::Minor;
        let is_major = |e: &GcEvent| e.kind == CollectionKind::Major && e.incremental.is_none();
        let is_slice = |e: &GcEvent| e.incremental.is_some();

        // The sawtooth: peaks and troughs per bucket, plus both ends.
        let mut shape = pick(&any, &|_, e| e.before.bytes() as f64);
        shape.extend(pick(&any, &|_, e| -(e.after.bytes() as f64)));
        if !order.is_empty() {
            shape.push(0);
            shape.push(order.len() - 1);
        }
        shape.sort_unstable();
        shape.dedup();
        let spaces = stacking_order(&order);
        let mut occupancy = Vec::with_capacity(2 * shape.len() + 1);
        if order.first().is_some_and(|e| e.seq == 0) {
            occupancy.push(Sample::of(0.0, &HeapUsage::default(), &spaces));
        }
        for &i in &shape {
            let e = order[i];
            occupancy.push(Sample::of(x_of(e), &e.before, &spaces));
            occupancy.push(Sample::of(x_of(e), &e.after, &spaces));
        }

        let points = |idx: Vec<usize>, y: &dyn Fn(&GcEvent) -> f64| -> Vec<(f64, f64)> {
            idx.into_iter()
                .map(|i| (x_of(order[i]), y(order[i])))
                .collect()
        };
        let longest = |_: usize, e: &GcEvent| pause_ms(e);
        let minor_pauses = points(pick(&is_minor, &longest), &pause_ms);
        let major_pauses = points(pick(&is_major, &longest), &pause_ms);
        let slice_pauses = points(pick(&is_slice, &longest), &pause_ms);
        let minor_x = minor_pauses.iter().map(|&(x, _)| x).collect();
        // Score by position so each bucket keeps its last major collection.
        let major_after = points(pick(&is_major, &|i, _| i as f64), &|e| mb(e.after.bytes()));

        let heap_peak = order
            .iter()
            .map(|e| e.before.bytes().max(e.after.bytes()))
            .max()
            .unwrap_or(0);
        let pause_peak = order.iter().map(|e| pause_ms(e)).fold(0.0, f64::max);
        let ranges = Ranges {
            x: axis_max(x_max, 0.02),
            heap: axis_max(mb(heap_peak), 0.08),
            pause: axis_max(pause_peak, 0.08),
        };

        let summary = if order.is_empty() {
            "no collections recorded".to_string()
        } else {
            let minors = order.iter().filter(|e| is_minor(e)).count();
            let total_pause: f64 = order.iter().map(|e| pause_ms(e)).sum();
            let mut s = format!(
                "{} collection{} ({} minor, {} major) · total pause {} · longest {} · {} allocated",
                order.len(),
                if order.len() == 1 { "" } else { "s" },
                minors,
                order.len() - minors,
                human_ms(total_pause),
                human_ms(pause_peak),
                human_mb(x_max),
            );
            if decimate {
                s.push_str(" · decimated for drawing");
            }
            s
        };

        Layout {
            spaces,
            occupancy,
            minor_x,
            major_after,
            pause_dots: minor_pauses.len() + major_pauses.len() + slice_pauses.len()
                > MAX_PAUSE_BARS,
            minor_pauses,
            major_pauses,
            slice_pauses,
            decimated: decimate,
            ranges,
            summary,
        }
    }
}

/// Tick labels with as many decimals as ticks on an axis of this span need, when plotters
/// puts at most `ticks` of them on it (so their step is at least `span / ticks`).
pub(super) fn tick_label(span: f64, ticks: usize) -> impl Fn(&f64) -> String {
    let step = span / ticks as f64;
    let decimals = (-step.log10()).ceil().clamp(0.0, 6.0) as usize;
    move |v: &f64| format!("{v:.decimals$}")
}
