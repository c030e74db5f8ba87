//! The growth figures of a run report: the types that kept growing, the three-snapshot
//! survivors with their retaining paths, and the unhandled rejections a scenario noted.

use gclab_mutator::runner::{json_line, run_scenario, table_row, RunOptions, RunReport};
use gclab_mutator::scenario::ScenarioParams;
use gclab_mutator::scenarios;

fn run(name: &str, scale: f64) -> RunReport {
    let s = scenarios::find(name).expect("scenario exists");
    let opts = RunOptions {
        params: ScenarioParams {
            scale,
            ..ScenarioParams::default()
        },
        ..RunOptions::default()
    };
    let r = run_scenario(&*s, &opts, |_| {});
    assert!(r.error.is_none(), "{name}: {:?}", r.error);
    r
}

#[test]
fn a_listener_leak_names_the_growing_type_and_the_survivors_root() {
    let r = run("listener-leak", 0.1);
    assert!(r.verdict_ok(), "{}", table_row(&r));

    let listener = r
        .growing_types
        .iter()
        .find(|t| t.type_name == "Listener")
        .unwrap_or_else(|| panic!("Listener not growing: {:?}", r.growing_types));
    assert_eq!(listener.counts.len(), 4, "one count per census");
    assert!(listener.counts.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(listener.bytes.len(), 4);
    assert!(listener.bytes.windows(2).all(|w| w[0] < w[1]));

    assert!(!r.three_snapshot.is_empty());
    assert!(r.three_snapshot.len() <= 3);
    let listeners = r
        .three_snapshot
        .iter()
        .find(|g| g.contains(" × Listener ("))
        .unwrap_or_else(|| panic!("no Listener group: {:#?}", r.three_snapshot));
    assert!(
        listeners.contains("e.g. [global] server → Emitter .listeners"),
        "{listeners}"
    );
    for g in &r.three_snapshot {
        assert!(
            g.contains("[global] server"),
            "every group is held by the server: {g}"
        );
    }

    let row = table_row(&r);
    assert!(row.contains("\n    growing: "), "{row}");
    assert!(row.contains("Listener ×"), "{row}");
    assert!(row.contains("\n    new and still alive: "), "{row}");

    let json: serde_json::Value = serde_json::from_str(&json_line(&r)).unwrap();
    let growing = json["growing_types"].as_array().unwrap();
    assert!(growing
        .iter()
        .any(|t| t["type_name"] == "Listener" && t["counts"].as_array().map(Vec::len) == Some(4)));
    assert!(!json["three_snapshot"].as_array().unwrap().is_empty());
    assert_eq!(json["unhandled_rejections"], 0);
}

#[test]
fn the_cleanup_twin_has_nothing_growing() {
    let r = run("listener-cleanup", 0.1);
    assert!(r.verdict_ok(), "{}", table_row(&r));
    assert!(r.growing_types.is_empty(), "{:?}", r.growing_types);
    let row = table_row(&r);
    assert!(!row.contains("growing:"), "{row}");
    assert!(!row.contains("new and still alive:"), "{row}");
}

#[test]
fn promise_chain_reports_its_unhandled_rejections() {
    // One request in 16 rejects (id % 16 == 5) and one in 1,000 has no catch (id % 1000 == 5):
    // ids 5, 2005, 4005, … reject unhandled. At this scale: 6,000 requests, ids 5, 2005, 4005.
    let r = run("promise-chain", 0.05);
    assert!(r.verdict_ok(), "{}", table_row(&r));
    assert_eq!(r.unhandled_rejections, 3);
    let json: serde_json::Value = serde_json::from_str(&json_line(&r)).unwrap();
    assert_eq!(json["unhandled_rejections"], 3);

    let pending = run("promise-pending", 0.02);
    assert_eq!(pending.unhandled_rejections, 0, "nothing rejects there");
}
