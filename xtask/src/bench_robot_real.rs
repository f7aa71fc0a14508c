//! `cargo xtask bench-robot-real --data DIR` (issue #16): the robot on public real-data sets
//! next to a learned baseline, same files, same run. `xtask/python/robot_real.py` turns the
//! sets as published (their train and dev splits; never a test split) into a knowledge base
//! from the training split with one intent in five left out, and labelled queries from the
//! dev split; then kefu (built and asked here, one decision at a time on one core) and a
//! LinearSVC over character 1–3-gram TF-IDF (scikit-learn, C = 0.5) trained on the same
//! knowledge base file are scored alike: top-1 on answerable questions, and the coverage at
//! 90 % answer precision with the hand-off recall there. The data is not the project's:
//! DIR holds it (`robot_real.py` says which files).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::Context as _;
use kefu_robot::eval::{evaluate, parse_queries};
use kefu_robot::{Context, Lexicon, Robot, parse_jsonl};

const SCRIPT: &str = "xtask/python/robot_real.py";
const OUT: &str = "target/robot-real";
/// The sets scored, in order; one whose files DIR lacks is skipped.
const SETS: [&str; 3] = ["clinc150", "smp2017", "afqmc"];

pub fn build_and_run(args: &[String]) -> anyhow::Result<()> {
    crate::release_then(&["xtask"], "bench-robot-real-run", args)
}

pub fn run(args: &[String]) -> anyhow::Result<()> {
    let data = match args {
        [flag, dir] if flag == "--data" => PathBuf::from(dir),
        _ => anyhow::bail!("usage: cargo xtask bench-robot-real --data DIR"),
    };
    let python = crate::bench_robot::ensure_venv()?;
    let status = Command::new(&python)
        .args([SCRIPT, "prepare"])
        .arg(&data)
        .arg(OUT)
        .status()
        .context("running robot_real.py prepare")?;
    anyhow::ensure!(status.success(), "robot_real.py prepare failed");
    println!(
        "\n| set | kefu top-1 | kefu coverage at 90 % (hand-off recall) | kefu clarified | kefu p99 | kefu build | LinearSVC top-1 | LinearSVC coverage at 90 % (hand-off recall) | LinearSVC build |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for set in SETS {
        let dir = Path::new(OUT).join(set);
        if !dir.join("kb.jsonl").exists() {
            continue;
        }
        let (entries, errors) = parse_jsonl(&std::fs::read_to_string(dir.join("kb.jsonl"))?);
        anyhow::ensure!(errors.is_empty(), "{set}: invalid entries {errors:?}");
        let (queries, errors) = parse_queries(&std::fs::read_to_string(dir.join("queries.jsonl"))?);
        anyhow::ensure!(errors.is_empty(), "{set}: invalid queries {errors:?}");
        let started = Instant::now();
        let robot = Robot::build(entries, &Lexicon::default());
        let build_ms = started.elapsed().as_millis() as u64;
        let m = evaluate(&robot, &queries, &Context::default(), build_ms).metrics;
        let output = Command::new(&python)
            .args([SCRIPT, "baseline"])
            .arg(&dir)
            .output()?;
        anyhow::ensure!(
            output.status.success(),
            "the baseline failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let svc: serde_json::Value = serde_json::from_slice(&output.stdout)?;
        let pct = |x: f64| format!("{:.1} %", x * 100.0);
        let f = |key: &str| svc[key].as_f64().unwrap_or_default();
        println!(
            "| {set} ({} entries, {} queries) | {} | {} ({}) | {} | {} µs | {} ms | {} | {} ({}) | {:.0} ms |",
            robot.entries().len(),
            m.queries,
            pct(m.top1_accuracy),
            pct(m.coverage_at_90),
            pct(m.handoff_recall_at_90),
            pct(m.clarified_labelled as f64 / m.labelled.max(1) as f64),
            m.p99_us,
            m.build_ms,
            pct(f("top1_accuracy")),
            pct(f("coverage_at_90")),
            pct(f("handoff_recall_there")),
            f("build_ms"),
        );
    }
    Ok(())
}
