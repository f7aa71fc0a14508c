//! `cargo xtask fuzz [--seconds N | --runs N] [target…]`: the fuzz targets in `fuzz/` (one per
//! parser of outside input: WebSocket frames, imports (CSV, JSON Lines, .xlsx), knowledge base and lexicon JSON, signed
//! tokens), built once with cargo-fuzz and run one after another, each for N seconds (default
//! 60) or N executions. Any crash fails the command; libFuzzer leaves the input that crashed in
//! `fuzz/artifacts/<target>/` and cargo-fuzz prints how to run it again.
//!
//! Built with `-s none`: kefu forbids `unsafe` code, and AddressSanitizer needs a nightly
//! toolchain; the build keeps debug assertions and overflow checks, so an overflow is a crash.
//! Each target starts from its seeds in `fuzz/corpus/<target>/` (checked in, kept small) and
//! grows a corpus of its own under the target directory (`target/fuzz/corpus/<target>/`), so
//! the seeds in the repository do not balloon; it is kept from run to run. `fuzz/dict/` has
//! each target's dictionary of the words its parser looks for.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

/// Every target, in the order they run.
pub const TARGETS: [&str; 8] = [
    "ws_frame",
    "import_csv",
    "import_xlsx",
    "import_jsonl",
    "kb_json",
    "lexicon_json",
    "tokens",
    "wechat_push",
];

/// How long each target runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    Seconds(u64),
    Runs(u64),
}

impl Bound {
    fn libfuzzer_flag(self) -> String {
        match self {
            Bound::Seconds(n) => format!("-max_total_time={n}"),
            Bound::Runs(n) => format!("-runs={n}"),
        }
    }
}

/// `[--seconds N | --runs N] [target…]`; no target means all of them.
fn parse_args(args: &[String]) -> anyhow::Result<(Bound, Vec<&'static str>)> {
    let mut bound = Bound::Seconds(60);
    let mut targets = vec![];
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> anyhow::Result<u64> {
            args.next()
                .with_context(|| format!("{name} takes a number"))?
                .replace('_', "")
                .parse()
                .with_context(|| format!("{name} takes a whole number"))
        };
        match arg.as_str() {
            "--seconds" => bound = Bound::Seconds(number("--seconds")?),
            "--runs" => bound = Bound::Runs(number("--runs")?),
            name => match TARGETS.iter().find(|t| **t == name) {
                Some(target) => targets.push(*target),
                None => bail!(
                    "unknown fuzz target or flag `{name}`; the targets are {}",
                    TARGETS.join(", ")
                ),
            },
        }
    }
    if targets.is_empty() {
        targets = TARGETS.to_vec();
    }
    Ok((bound, targets))
}

/// Where the fuzz build and the grown corpora go: beside the main build, never in `fuzz/`.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"))
        .join("fuzz")
}

/// The flags every cargo-fuzz command gets, so `build` and `run` share one build.
fn common_flags(target_dir: &Path) -> Vec<String> {
    [
        "--sanitizer",
        "none",
        // Far quicker to build on two cores than cargo-fuzz's default of one.
        "--codegen-units",
        "16",
        "--target-dir",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .chain([target_dir.to_string_lossy().into_owned()])
    .collect()
}

/// cargo-fuzz from the registry, unless it is installed already.
fn ensure_cargo_fuzz() -> anyhow::Result<()> {
    let installed = Command::new("cargo")
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|out| out.status.success());
    if installed {
        return Ok(());
    }
    crate::run("cargo", &["install", "cargo-fuzz", "--locked"], None)
}

/// cargo-fuzz on the stable toolchain: with `-s none` it passes rustc no unstable flag, so
/// `RUSTC_BOOTSTRAP` is not set (it would also make build scripts that probe for nightly turn
/// on unstable features in dependencies).
fn cargo_fuzz(args: &[String]) -> anyhow::Result<()> {
    let args: Vec<&str> = std::iter::once("fuzz")
        .chain(args.iter().map(String::as_str))
        .collect();
    crate::run("cargo", &args, None)
}

pub fn run(args: &[String]) -> anyhow::Result<()> {
    let (bound, targets) = parse_args(args)?;
    ensure_cargo_fuzz()?;
    let target_dir = target_dir();
    let flags = common_flags(&target_dir);
    let mut build = vec!["build".to_owned()];
    build.extend(flags.iter().cloned());
    cargo_fuzz(&build)?;
    let mut failed = vec![];
    for target in &targets {
        let grown = target_dir.join("corpus").join(target);
        std::fs::create_dir_all(&grown).with_context(|| format!("creating {}", grown.display()))?;
        std::fs::create_dir_all(Path::new("fuzz/artifacts").join(target))?;
        let mut run = vec!["run".to_owned()];
        run.extend(flags.iter().cloned());
        run.extend([
            (*target).to_owned(),
            // New inputs go to the first corpus directory; the seeds are only read.
            grown.to_string_lossy().into_owned(),
            format!("fuzz/corpus/{target}"),
            "--".to_owned(),
            bound.libfuzzer_flag(),
            // A unit slower than this is a hang, reported like a crash.
            "-timeout=10".to_owned(),
            "-print_final_stats=1".to_owned(),
        ]);
        // Without a sanitizer libFuzzer does not see string comparisons: the words each
        // parser looks for (column names, JSON keys, statuses) come from a dictionary.
        let dict = format!("fuzz/dict/{target}.dict");
        if Path::new(&dict).exists() {
            run.push(format!("-dict={dict}"));
        }
        if let Err(e) = cargo_fuzz(&run) {
            eprintln!("fuzz target {target} failed: {e:#}");
            failed.push(*target);
        }
    }
    if !failed.is_empty() {
        bail!(
            "fuzz targets failed: {} (inputs in fuzz/artifacts/)",
            failed.join(", ")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn bounds_and_targets_parse() -> anyhow::Result<()> {
        assert_eq!(parse_args(&[])?, (Bound::Seconds(60), TARGETS.to_vec()));
        assert_eq!(
            parse_args(&args(&["--runs", "10_000_000", "tokens", "ws_frame"]))?,
            (Bound::Runs(10_000_000), vec!["tokens", "ws_frame"])
        );
        assert_eq!(
            parse_args(&args(&["--seconds", "15"]))?.0.libfuzzer_flag(),
            "-max_total_time=15"
        );
        assert!(parse_args(&args(&["nope"])).is_err());
        assert!(parse_args(&args(&["--runs"])).is_err());
        Ok(())
    }

    /// Every target has its `[[bin]]`, its source and its seeds.
    #[test]
    fn every_target_is_declared_and_seeded() -> anyhow::Result<()> {
        let fuzz = crate::project_root().join("fuzz");
        let manifest = std::fs::read_to_string(fuzz.join("Cargo.toml"))?;
        for target in TARGETS {
            assert!(
                manifest.contains(&format!("name = \"{target}\"")),
                "{target} in fuzz/Cargo.toml"
            );
            assert!(fuzz.join(format!("fuzz_targets/{target}.rs")).exists());
            let seeds = std::fs::read_dir(fuzz.join("corpus").join(target))?.count();
            assert!(seeds > 0, "{target} has seeds");
        }
        Ok(())
    }
}
