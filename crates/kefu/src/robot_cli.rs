//! `kefu robot eval` and `kefu robot ask` (BOT-6): build a robot from a knowledge base file
//! exactly as the product does (same normalisation, lexicons, model and thresholds) and run
//! questions through its real decision path. `eval` prints a report and, as the last line of
//! stdout, one JSON object of figures; `ask` prints one decision with its explanation. An
//! invalid line in either file is an error unless `--skip-invalid` (then the figures say how
//! many were skipped).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context as _, bail};
use clap::Args;
use kefu_robot::eval::{evaluate, parse_queries};
use kefu_robot::kb::{LineError, parse_time};
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
    /// Build from the good lines when some are invalid (each still listed on stderr);
    /// without it an invalid line is an error (BOT-6, issue #16).
    #[arg(long)]
    skip_invalid: bool,
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

/// Lists every invalid line of `path` on stderr; unless `skip` allows it, any is an error.
fn refuse_invalid(path: &Path, errors: &[LineError], skip: bool) -> anyhow::Result<()> {
    for e in errors {
        eprintln!("{}:{}: {} ({})", path.display(), e.line, e.code, e.message);
    }
    if !errors.is_empty() && !skip {
        bail!(
            "{}: {} invalid lines (listed above); fix them, or pass --skip-invalid to score \
             the rest",
            path.display(),
            errors.len()
        );
    }
    Ok(())
}

/// What a build skipped.
struct Skipped {
    entries: usize,
}

/// Builds the robot; returns it with the context, the build time in ms and what it skipped.
fn build(args: &KbArgs) -> anyhow::Result<(Robot, Context, u64, Skipped)> {
    let (entries, errors) = parse_jsonl(&read(&args.kb)?);
    refuse_invalid(&args.kb, &errors, args.skip_invalid)?;
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
    let skipped = Skipped {
        entries: errors.len(),
    };
    Ok((robot, context, build_ms, skipped))
}

pub fn eval(args: &EvalArgs) -> anyhow::Result<()> {
    let (robot, context, build_ms, skipped) = build(&args.kb)?;
    let (queries, errors) = parse_queries(&read(&args.queries)?);
    refuse_invalid(&args.queries, &errors, args.kb.skip_invalid)?;
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
    let mut figures = serde_json::to_value(&report.metrics)?;
    figures["skipped_entries"] = skipped.entries.into();
    figures["skipped_queries"] = errors.len().into();
    println!("{figures}");
    Ok(())
}

pub fn ask(args: &AskArgs) -> anyhow::Result<()> {
    let (robot, context, _, _) = build(&args.kb)?;
    let started = Instant::now();
    let decision = robot.decide(&args.question, &context);
    let took = started.elapsed();
    println!("{}", serde_json::to_string_pretty(&decision)?);
    eprintln!("decided in {} µs", took.as_micros());
    eprintln!("ranker weights {:?}", robot.ranker_weights());
    eprintln!("build phases (ms) {:?}", robot.build_phases);
    Ok(())
}
