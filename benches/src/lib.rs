//! Workload benchmarks for gclab and its peers.
//!
//! Two classic allocation workloads, [`binary-trees`](workload::binary_trees) and Boehm's
//! [GCBench](workload::gcbench), are written once as drivers over a small heap trait, and
//! implemented for several Rust memory managers ([`peers`]): `Box`, `Rc`, `bumpalo` (the
//! no-reclamation bound), rust-gc, gc-arena and dumpster. Every run returns a checksum equal to
//! the number of nodes allocated, checked against a closed form.
//!
//! Two front ends use the [registry](implementations):
//!
//! * `src/bin/compare.rs`: runs every (workload, implementation) pair in a child process and
//!   reports median wall time, peak RSS and ratios to the baselines (`cargo run --release -p
//!   gclab-benches --bin compare -- --help`);
//! * `benches/workloads.rs`: the criterion groups (`cargo bench -p gclab-benches`).
//!
//! # Adding an implementation
//!
//! Implement [`BinaryTreesHeap`](workload::binary_trees::BinaryTreesHeap) and
//! [`GcBenchHeap`](workload::gcbench::GcBenchHeap) for the new heap, write a
//! `fn run(&Workload) -> u64` that dispatches to [`workload::binary_trees::run`] and
//! [`workload::gcbench::run`], and add one [`Impl`] entry to [`implementations`]. The comparison
//! runner, the criterion bench and the cross-checking tests pick it up from there.

#![warn(missing_docs)]

pub mod measure;
pub mod peers;
pub mod report;
pub mod workload;

pub use workload::Workload;

/// One implementation of the workloads, as listed by [`implementations`].
#[derive(Clone, Copy, Debug)]
pub struct Impl {
    /// Short name used on the command line and in reports (`box`, `gc-arena`, ...).
    pub name: &'static str,
    /// One line on what is measured, shown under the comparison table.
    pub summary: &'static str,
    /// Runs a workload and returns its checksum (which must equal
    /// [`Workload::expected_checksum`]).
    pub run: fn(&Workload) -> u64,
}

/// The name of the manual-memory baseline in reports.
pub const BOX: &str = "box";
/// The name of the no-reclamation baseline in reports.
pub const BUMPALO: &str = "bumpalo";
/// The gclab plan that ratios are computed against once it is registered.
pub const GCLAB_BASELINE: &str = "gclab-generational";

/// Every registered implementation, baselines first.
///
/// This is the extension point: a gclab plan is one more entry, for example
/// `Impl { name: "gclab-generational", summary: "...", run: gclab_plans::generational }`.
/// Names starting with `gclab` are listed in reports like any other; [`GCLAB_BASELINE`] also
/// gets its own ratio column.
pub fn implementations() -> Vec<Impl> {
    vec![
        Impl {
            name: BOX,
            summary: "Box: malloc/free per node, trees freed by Drop when they die",
            run: peers::boxed::run,
        },
        Impl {
            name: "rc",
            summary: "Rc: reference counting (RefCell links for GCBench's top-down trees)",
            run: peers::rc::run,
        },
        Impl {
            name: BUMPALO,
            summary: "bumpalo: no reclamation, one arena per run; scratch arena reset per \
                      phase when the run would exceed 4 GiB (binary-trees-21)",
            run: peers::bump::run,
        },
        Impl {
            name: GCLAB_BASELINE,
            summary: "gclab, generational plan (16 MiB semispace nursery + mark-sweep), safe handle API",
            run: peers::gclab::generational,
        },
        Impl {
            name: "gclab-generational-raw",
            summary: "gclab, generational plan, embedder raw path: operand stack as a root source, alloc_raw/set_raw",
            run: peers::gclab::raw::generational,
        },
        Impl {
            name: "dumpster",
            summary: "dumpster 2 (unsync): refcounting + cycle detection, default condition",
            run: peers::dumpster::run,
        },
        Impl {
            name: "gclab-semispace",
            summary: "gclab, semispace plan (whole-heap copying), safe handle API",
            run: peers::gclab::semispace,
        },
        Impl {
            name: "gclab-immix",
            summary: "gclab, immix plan (mark-region, opportunistic evacuation), safe handle API",
            run: peers::gclab::immix,
        },
        Impl {
            name: "gclab-gen-immix",
            summary: "gclab, gen-immix plan (copying nursery + Immix old space), safe handle API",
            run: peers::gclab::gen_immix,
        },
        Impl {
            name: "gclab-mark-sweep",
            summary: "gclab, mark-sweep plan (non-moving, size classes), safe handle API",
            run: peers::gclab::mark_sweep,
        },
        Impl {
            name: "rust-gc",
            summary: "gc 0.5 (rust-gc): thread-local mark-sweep, automatic collection",
            run: peers::rust_gc::run,
        },
        Impl {
            name: "gc-arena",
            summary: "gc-arena 0.7: incremental mark-sweep, collect_debt() after every tree",
            run: peers::gc_arena::run,
        },
    ]
}

/// binary-trees in the `lisp` example's language, one row per interpreter mode
/// ([`peers::lisp`]). Not in [`implementations`] (an interpreter takes tens of seconds on the
/// default workloads): `compare --lisp` or `--impl lisp-raw` selects them.
pub fn lisp_implementations() -> Vec<Impl> {
    vec![
        Impl {
            name: "lisp-safe",
            summary:
                "the lisp example interpreting binary-trees, safe RootStack operations (gen-immix)",
            run: peers::lisp::safe,
        },
        Impl {
            name: "lisp-raw",
            summary:
                "the lisp example interpreting binary-trees, raw path over a RootStack (gen-immix)",
            run: peers::lisp::raw,
        },
        Impl {
            name: "lisp-shim",
            summary:
                "the lisp example interpreting binary-trees, raw path over a hand-made root source",
            run: peers::lisp::shim,
        },
        Impl {
            name: "lisp-box",
            summary: "the lisp example's evaluator over Rc values, no gclab heap",
            run: peers::lisp::boxed,
        },
    ]
}

/// Whether `imp` runs `workload` (the Lisp rows run binary-trees only).
pub fn runs(imp: &Impl, workload: &Workload) -> bool {
    !imp.name.starts_with("lisp-") || peers::lisp::runs(workload)
}

/// The registered implementation called `name`, if any (the Lisp rows included).
pub fn find_implementation(name: &str) -> Option<Impl> {
    implementations()
        .into_iter()
        .chain(lisp_implementations())
        .find(|imp| imp.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_baselines_registered() {
        let names: Vec<&str> = implementations().iter().map(|i| i.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len(), "duplicate names in {names:?}");
        assert!(find_implementation(BOX).is_some());
        assert!(find_implementation(BUMPALO).is_some());
        assert!(find_implementation("no-such-peer").is_none());
        assert!(find_implementation("lisp-raw").is_some());
        assert!(implementations()
            .iter()
            .all(|i| !i.name.starts_with("lisp-")));
    }
}
