//! `kefu robot eval` and `kefu robot ask` (BOT-6): build a robot from a knowledge base file
//! exactly as the product does (same normalisation, lexicons, model and thresholds) and run
//! questions through its real decision path. `eval` prints a report and, as the last line of
//! stdout, one JSON object of figures; `ask` prints one decision with its explanation.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context as _, bail};
use clap::Args;
use kefu_robot::eval::{evaluate, parse_queries};
use kefu_robot::kb::parse_time;
use kefu_robot::{Context, Lexicon, Robot, parse_jsonl};

#[derive(Args)]
pub struct KbArgs {
    /// The knowledge base, JSON Lines.
    #[arg(long)]
    kb: PathBuf,
    /// Lexicons (JSON: synonyms, colloquial, negations, terms, blocked).
    #[arg(long)]
    lexicon: Option<PathBuf>,
    /// The time the robot decides at (ISO-8601), for scenario entries [default: now].
    #[arg(long)]
    now: Option<String>,
    /// The SKU or product code in context ("这个" means it).
    #[arg(long)]
    product: Option<String>,
}

#[derive(Args)]
pub struct EvalArgs {
    #[command(flatten)]
    kb: KbArgs,
    /// Labelled questions, JSON Lines: {"text": "…", "expect": "<kb id>" | null}.
    #[arg(long)]
    queries: PathBuf,
    /// Print every miss, not only the first 40.
    #[arg(long)]
    all_misses: bool,
    /// Also write each query's decision (JSON Lines) here, for tuning.
    #[arg(long)]
    dump: Option<PathBuf>,
}

#[derive(Args)]
pub struct AskArgs {
    #[command(flatten)]
    kb: KbArgs,
    /// The buyer's message.
    question: String,
}

fn read(path: &PathBuf) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

/// Builds the robot; returns it with the context and the build time in ms.
fn build(args: &KbArgs) -> anyhow::Result<(Robot, Context, u64)> {
    let (entries, errors) = parse_jsonl(&read(&args.kb)?);
    for e in &errors {
        eprintln!(
            "{}:{}: {} ({})",
            args.kb.display(),
            e.line,
            e.code,
            e.message
        );
    }
    if entries.is_empty() {
        bail!("{}: no usable entries", args.kb.display());
    }
    let lexicon: Lexicon = match &args.lexicon {
        Some(path) => serde_json::from_str(&read(path)?)
            .with_context(|| format!("reading {} as a lexicon", path.display()))?,
        None => Lexicon::default(),
    };
    if let Err(code) = lexicon.check() {
        bail!("the lexicon is not valid: {code}");
    }
    let now_ms = match &args.now {
        Some(text) => parse_time(text).with_context(|| format!("--now {text:?} is not a time"))?,
        None => kefu_domain::time::now_ms(),
    };
    let started = Instant::now();
    let robot = Robot::build(entries, &lexicon);
    let build_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let context = Context {
        product: args.product.clone(),
        now_ms,
        ..Context::default()
    };
    Ok((robot, context, build_ms))
}

pub fn eval(args: &EvalArgs) -> anyhow::Result<()> {
    let (robot, context, build_ms) = build(&args.kb)?;
    let (queries, errors) = parse_queries(&read(&args.queries)?);
    for e in &errors {
        eprintln!(
            "{}:{}: {} ({})",
            args.queries.display(),
            e.line,
            e.code,
            e.message
        );
    }
    let mut report = evaluate(&robot, &queries, &context, build_ms);
    if let Some(path) = &args.dump {
        let mut lines = String::new();
        for q in &queries {
            let d = robot.decide(&q.text, &context);
            let line = serde_json::json!({
                "text": q.text, "expect": q.expect, "decision": d,
            });
            lines.push_str(&line.to_string());
            lines.push('\n');
        }
        std::fs::write(path, lines).with_context(|| format!("writing {}", path.display()))?;
    }
    let hidden = report.misses.len().saturating_sub(40);
    if !args.all_misses {
        report.misses.truncate(40);
    }
    print!("{}", report.render());
    if hidden > 0 && !args.all_misses {
        println!("  … and {hidden} more (--all-misses)");
    }
    println!("{}", serde_json::to_string(&report.metrics)?);
    Ok(())
}

pub fn ask(args: &AskArgs) -> anyhow::Result<()> {
    let (robot, context, _) = build(&args.kb)?;
    let started = Instant::now();
    let decision = robot.decide(&args.question, &context);
    let took = started.elapsed();
    println!("{}", serde_json::to_string_pretty(&decision)?);
    eprintln!("decided in {} µs", took.as_micros());
    eprintln!("ranker weights {:?}", robot.ranker_weights());
    eprintln!("build phases (ms) {:?}", robot.build_phases);
    Ok(())
}
