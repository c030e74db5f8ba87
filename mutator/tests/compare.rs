//! `--plan all` / `--plan a,b`: one workload under several plans, one row per plan.

use gclab::{HeapConfig, Plan};
use gclab_mutator::compare::{run_plans, table, PlanRow};
use gclab_mutator::scenario::ScenarioParams;
use std::process::Command;

fn small(plan: Plan) -> HeapConfig {
    let mut c = HeapConfig::for_plan(plan);
    c.nursery_size = 64 * 1024;
    c.max_heap = 64 << 20;
    c.min_major_threshold = 256 * 1024;
    c
}

#[test]
fn two_plans_give_two_sane_rows() {
    let scenario = gclab_mutator::suite::find("binary-trees-rs").unwrap();
    let params = ScenarioParams {
        scale: 0.02,
        ..ScenarioParams::default()
    };
    let plans = [Plan::Generational, Plan::MarkSweep];
    let reports = run_plans(&scenario, &plans, params, small);
    let rows: Vec<PlanRow> = reports.iter().map(PlanRow::of).collect();
    assert_eq!(rows.len(), 2);
    for (row, plan) in rows.iter().zip(plans) {
        assert_eq!(row.plan, plan.name());
        assert_eq!(row.error, None);
        assert!(row.collections > 0, "{row:?}");
        assert!(
            row.p50_ms <= row.p99_ms && row.p99_ms <= row.max_ms,
            "{row:?}"
        );
        assert!(row.max_ms > 0.0 && row.max_ms <= row.wall_ms, "{row:?}");
        assert!((0.0..=1.0).contains(&row.mmu), "{row:?}");
        assert!(row.reclaim_rate > 0.0 && row.reclaim_rate <= 1.0, "{row:?}");
        let peak = row.peak_committed_bytes.unwrap();
        assert!(peak > 0 && peak <= 2 * (64 << 20), "{row:?}");
    }
    let text = table("binary-trees-rs", &rows);
    assert_eq!(text.lines().count(), 2 + rows.len(), "{text}");
    assert!(text.lines().nth(2).unwrap().starts_with("generational "));
    assert!(text.lines().nth(3).unwrap().starts_with("mark-sweep "));
}

#[test]
fn the_command_prints_one_row_per_plan_and_the_overlay() {
    let dir = std::env::temp_dir().join(format!("gclab-compare-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let svg = dir.join("pauses.svg");
    let out = Command::new(env!("CARGO_BIN_EXE_mutator"))
        .args([
            "run",
            "binary-trees-rs",
            "--scale",
            "0.02",
            "--nursery",
            "64K",
        ])
        .args(["--plan", "semispace,gen-immix", "--svg"])
        .arg(&svg)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<&str> = stdout.lines().skip(2).collect();
    assert_eq!(rows.len(), 2, "{stdout}");
    assert!(rows[0].starts_with("semispace ") && rows[1].starts_with("gen-immix "));
    let drawn = std::fs::read_to_string(&svg).unwrap();
    assert!(drawn.contains("semispace (") && drawn.contains("gen-immix ("));
    let bad = Command::new(env!("CARGO_BIN_EXE_mutator"))
        .args(["run", "binary-trees-rs", "--plan", "immix,nope"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_js_program_compares_too() {
    let out = Command::new(env!("CARGO_BIN_EXE_mutator"))
        .args([
            "run",
            "scenarios/closure-fixed.js",
            "--plan",
            "mark-sweep,immix",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<&str> = stdout.lines().skip(2).collect();
    assert_eq!(rows.len(), 2, "{stdout}");
    assert!(rows[0].starts_with("mark-sweep ") && rows[1].starts_with("immix "));
}
