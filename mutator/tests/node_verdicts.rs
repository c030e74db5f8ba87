//! Node is the oracle for memory: for every `scenarios/*.js`, gclab's leak verdict (from
//! `mutator run NAME --json`) equals the verdict the same rule gives on V8's own heap
//! (`oracle/verdict.js` under `node --expose-gc`: `heapUsed` after `gc()`, minus V8's
//! baseline, at the macrotasks where gclab's checkpoints fall: the same doubling stride). Without `node` on `PATH` the comparison is skipped with a
//! note; CI has Node 20. Cost: the node runs go in parallel and mostly wait on the scenarios'
//! timers (about 10 s of wall time, the longest being listener-cleanup.js), plus one debug
//! `mutator run` per scenario (about 20 s in all).

use gclab_mutator::suite;
use std::path::Path;
use std::process::Command;

fn node_verdict(file: &Path) -> Option<Result<String, String>> {
    let harness = Path::new(env!("CARGO_MANIFEST_DIR")).join("oracle/verdict.js");
    let out = Command::new("node")
        .arg("--expose-gc")
        .arg(harness)
        .arg(file)
        .output()
        .ok()?;
    let err = String::from_utf8_lossy(&out.stderr);
    let Some(json) = err.lines().rev().find_map(|l| l.strip_prefix("oracle: ")) else {
        return Some(Err(format!("no oracle line from node: {err}")));
    };
    let v: serde_json::Value = serde_json::from_str(json).expect("the oracle line is JSON");
    Some(Ok(v["verdict"].as_str().unwrap_or("-").to_string()))
}

fn gclab_verdict(name: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_mutator"))
        .args(["run", name, "--json"])
        .output()
        .expect("mutator runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().unwrap_or("");
    let v: serde_json::Value =
        serde_json::from_str(line).unwrap_or_else(|e| panic!("{name}: not JSON ({e}): {text}"));
    assert!(v["error"].is_null(), "{name}: {}", v["error"]);
    v["verdict"].as_str().unwrap_or("-").to_string()
}

#[test]
fn gclab_verdicts_equal_v8s() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let scenarios = suite::js();
    let node: Vec<Option<Result<String, String>>> = std::thread::scope(|s| {
        let handles: Vec<_> = scenarios
            .iter()
            .map(|j| {
                let file = dir.join(j.file());
                s.spawn(move || node_verdict(&file))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("the node runner"))
            .collect()
    });
    let mut failures = Vec::new();
    let mut compared = 0;
    for (j, theirs) in scenarios.iter().zip(node) {
        let ours = gclab_verdict(j.name);
        match theirs {
            None => eprintln!("node not found: {} not compared", j.name),
            Some(Err(e)) => failures.push(format!("{}: {e}", j.name)),
            Some(Ok(v8)) => {
                eprintln!("{:<24} gclab {ours:<8} V8 {v8}", j.name);
                compared += 1;
                if v8 != ours {
                    failures.push(format!("{}: gclab says {ours}, V8 says {v8}", j.name));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} disagree:\n{}",
        failures.len(),
        scenarios.len(),
        failures.join("\n")
    );
    eprintln!("{compared} verdicts compared");
}
