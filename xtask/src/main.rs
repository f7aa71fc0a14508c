//! kefu's automation, in Rust rather than shell: `cargo xtask demo`, `cargo xtask test`,
//! `cargo xtask schema-fuzz`, `cargo xtask fuzz`, `cargo xtask crash`, `cargo xtask bench`.
//! Run from anywhere in the repository.

/// mimalloc: the robot's build and the server's message path make many small allocations, and
/// glibc's allocator spent a fifth of the robot build's time in them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod bench;
mod bench_channels;
mod bench_cockpit;
mod bench_idle;
mod bench_import;
mod bench_kpi;
mod bench_phrases;
mod bench_robot;
mod bench_robot_real;
mod bench_routing;
mod crash;
mod deploy_check;
mod fuzz;
mod schema_fuzz;
#[cfg(test)]
mod tidy;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = project_root();
    std::env::set_current_dir(&root)?;
    match args.first().map(String::as_str) {
        Some("demo") => demo(&args[1..]),
        Some("test") => test(),
        Some("web") => build_web(),
        Some("api-types") => api_types(args.get(1).map(String::as_str) == Some("--check")),
        Some("schema-fuzz") => schema_fuzz::main(&args[1..]),
        Some("bench") => bench::build_and_run(&args[1..]),
        Some("bench-run") => bench::run(&args[1..]),
        Some("crash") => crash::build_and_run(&args[1..]),
        Some("bench-idle") => bench_idle::build_and_run(&args[1..]),
        Some("bench-idle-run") => bench_idle::run(&args[1..]),
        Some("bench-idle-bare") => bench_idle::bare_server(),
        Some("bench-channels") => bench_channels::build_and_run(),
        Some("bench-channels-run") => bench_channels::run(),
        Some("bench-import") => bench_import::build_and_run(),
        Some("bench-cockpit") => bench_cockpit::build_and_run(),
        Some("bench-cockpit-run") => bench_cockpit::run(),
        Some("bench-kpi") => bench_kpi::build_and_run(),
        Some("bench-kpi-run") => bench_kpi::run(),
        Some("bench-import-run") => bench_import::run(),
        Some("bench-routing") => bench_routing::build_and_run(),
        Some("bench-phrases") => bench_phrases::build_and_run(),
        Some("bench-phrases-run") => bench_phrases::run(),
        Some("bench-robot") => bench_robot::build_and_run(),
        Some("bench-robot-run") => bench_robot::run(),
        Some("bench-robot-real") => bench_robot_real::build_and_run(&args[1..]),
        Some("bench-robot-real-run") => bench_robot_real::run(&args[1..]),
        Some("bench-routing-run") => bench_routing::run(),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("deploy-check") => deploy_check::main(),
        _ => {
            eprintln!(
                "usage: cargo xtask <demo [kefu demo flags…] | test | web | api-types [--check] | schema-fuzz [--seconds N] | fuzz [--seconds N | --runs N] [target…] | crash [--cycles N] | deploy-check | bench [--quick] | bench-idle | bench-import | bench-routing | bench-robot | bench-robot-real --data DIR | bench-phrases | bench-kpi | bench-cockpit>\n\n\
                 demo   build the web UI and a release kefu, then run `kefu demo`\n\
                 test   everything CI runs: the web unit tests, format, lints, Rust tests\n\
                        (SQLite, PostgreSQL, NATS), kill cycles, schema fuzzing, each fuzz\n\
                        target briefly, and the browser test in Chromium\n\
                 web    build the web UI into web/dist\n\
                 api-types  write docs/openapi.json and the UI's types generated from it\n\
                        (--check: fail when they differ from the code)\n\
                 bench  the WebSocket message benchmark (see BENCHMARKS.md)\n\
                 crash  kill kefu with SIGKILL under load N times (--cycles N, --release) and\n\
                        check every acknowledged message and audited change\n\
                 bench-idle    bytes per idle WebSocket and one message to 10,000 sockets,\n\
                        beside a bare tokio-tungstenite server (--counts 1000,10000 --fanout N)\n\
                 bench-import  importing 100,000 orders (see BENCHMARKS.md)\n\
                 bench-routing  the router with 500 agents and 10,000 waiting (see BENCHMARKS.md)\n\
                 bench-robot    the robot with 10,000 entries, beside Python jieba + BM25\n\
                 bench-phrases  quick phrase search among 5,000, beside a plain scan\n\
                 bench-kpi      a month's team report over 1,000,000 conversations, SQLite and\n\
                        PostgreSQL, beside a raw read of the same rollup rows\n\
                 bench-cockpit  the cockpit, heatmap and drill-downs over 1,000,000 conversations and\n\
                        their logs, SQLite and PostgreSQL, beside count(*) of the same rows\n\
                 fuzz   the fuzz targets (cargo fuzz), each for N seconds (default 60) or N runs;\n\
                        targets: ws_frame import_csv import_jsonl kb_json lexicon_json tokens"
            );
            Ok(())
        }
    }
}

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Builds `packages` with optimisations, then runs `target/release/xtask <step> <args…>`: a
/// benchmark's load generator and baselines must not be handicapped by a debug build.
fn release_then(packages: &[&str], step: &str, args: &[String]) -> anyhow::Result<()> {
    let mut build = vec!["build", "--release"];
    for package in packages {
        build.extend(["--package", package]);
    }
    run("cargo", &build, None)?;
    let mut step_args = vec![step];
    step_args.extend(args.iter().map(String::as_str));
    run("target/release/xtask", &step_args, None)
}

/// Where cargo builds: `CARGO_TARGET_DIR` when set, else `target/`, as an absolute path.
fn target_dir() -> PathBuf {
    let dir =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from);
    project_root().join(dir)
}

/// Runs a command, echoing it, and fails if it fails.
fn run(program: &str, args: &[&str], dir: Option<&str>) -> anyhow::Result<()> {
    eprintln!("$ {program} {}", args.join(" "));
    let mut command = Command::new(program);
    command.args(args);
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    let status = command
        .status()
        .with_context(|| format!("starting {program}"))?;
    if !status.success() {
        bail!("`{program} {}` failed ({status})", args.join(" "));
    }
    Ok(())
}

fn build_web() -> anyhow::Result<()> {
    // `npm ci` only when the lock file changed since the last install.
    let stamp = Path::new("web/node_modules/.package-lock.json");
    let fresh = match (
        std::fs::metadata(stamp),
        std::fs::metadata("web/package-lock.json"),
    ) {
        (Ok(installed), Ok(lock)) => installed.modified()? >= lock.modified()?,
        _ => false,
    };
    if !fresh {
        run("npm", &["ci", "--no-audit", "--no-fund"], Some("web"))?;
    }
    run("npm", &["run", "build"], Some("web"))
}

fn demo(flags: &[String]) -> anyhow::Result<()> {
    build_web()?;
    let mut args = vec!["run", "--release", "--package", "kefu", "--", "demo"];
    args.extend(flags.iter().map(String::as_str));
    run("cargo", &args, None)
}

/// Debian's Chromium for the browser tests, and CJK fonts so screenshots show Chinese.
fn ensure_chromium() -> anyhow::Result<()> {
    if Path::new("/usr/bin/chromium").exists()
        && Path::new("/usr/share/fonts/opentype/noto").exists()
    {
        return Ok(());
    }
    run("apt-get", &["update", "-qq"], None)?;
    run(
        "apt-get",
        &[
            "install",
            "-y",
            "-qq",
            "--no-install-recommends",
            "chromium",
            "fonts-noto-cjk",
        ],
        None,
    )
}

/// Settings for a kefu that load tools drive from this one machine: every buyer and agent
/// comes from 127.0.0.1, so the per-address limits (issue #15) are lifted, and `/metrics` is
/// read with `BENCH_METRICS_TOKEN`.
pub(crate) const ONE_ADDRESS_LOAD: [(&str, &str); 5] = [
    // Channels may name a local stand-in of their platform's API (bench-channels).
    ("KEFU_HTTP__CHANNEL_TEST_DOUBLES", "true"),
    ("KEFU_LIMITS__SESSIONS_PER_MINUTE_PER_IP", "100000000"),
    ("KEFU_LIMITS__LOGINS_PER_MINUTE_PER_IP", "100000000"),
    ("KEFU_LIMITS__UPLOADS_PER_MINUTE_PER_IP", "100000000"),
    ("KEFU_METRICS__TOKEN", BENCH_METRICS_TOKEN),
];

/// The `metrics.token` of the kefu that tools start.
pub(crate) const BENCH_METRICS_TOKEN: &str = "xtask-metrics";

fn test() -> anyhow::Result<()> {
    ensure_chromium()?;
    build_web()?;
    run("npm", &["test"], Some("web"))?;
    run("cargo", &["fmt", "--all", "--", "--check"], None)?;
    run(
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
        None,
    )?;
    drop_scratch_databases();
    run(
        "cargo",
        &["nextest", "run", "--workspace", "--no-fail-fast"],
        None,
    )?;
    // The API suite once more, each test on a fresh PostgreSQL database (SQLite above). Chosen
    // from the whole workspace's build by a filter, so nothing is compiled again.
    let filter = "package(kefu-server) and binary(api)";
    eprintln!("$ KEFU_TEST_BACKEND=postgres cargo nextest run --workspace -E '{filter}'");
    let status = Command::new("cargo")
        .args([
            "nextest",
            "run",
            "--workspace",
            "--no-fail-fast",
            "-E",
            filter,
        ])
        .env("KEFU_TEST_BACKEND", "postgres")
        .status()
        .context("starting cargo nextest")?;
    if !status.success() {
        bail!("the API suite on PostgreSQL failed ({status})");
    }
    run("cargo", &["build", "--package", "kefu"], None)?;
    // Issue #14: SIGKILL under load loses nothing acknowledged (100 cycles: `cargo xtask
    // crash --cycles 100 --release`).
    crash::build_and_run(&["--cycles".to_owned(), "5".to_owned()])?;
    api_types(true)?;
    // schemathesis against the document just checked: a minute as each identity.
    schema_fuzz::run(schema_fuzz::DEFAULT_SECONDS)?;
    // Every parser of outside input, fuzzed briefly from its seeds (the long run is
    // `cargo xtask fuzz --runs 10000000`, README.md).
    fuzz::run(&["--seconds".to_owned(), FUZZ_SECONDS_IN_TEST.to_string()])?;
    // Issue #15: the deployment files, as far as this machine can try them.
    deploy_check::main()?;
    run("npm", &["run", "e2e"], Some("web"))
}

/// How long `cargo xtask test` runs each fuzz target.
const FUZZ_SECONDS_IN_TEST: u64 = 10;

/// The OpenAPI document (`docs/openapi.json`, from `kefu openapi`) and the UI's types
/// generated from it (`web/src/generated/openapi.ts`, by openapi-typescript). With `check`,
/// fails when either differs from what the code gives now instead of writing them.
fn api_types(check: bool) -> anyhow::Result<()> {
    const DOC: &str = "docs/openapi.json";
    const TYPES: &str = "web/src/generated/openapi.ts";
    run("cargo", &["build", "--quiet", "--package", "kefu"], None)?;
    let output = Command::new(target_dir().join("debug/kefu"))
        .arg("openapi")
        .output()
        .context("running kefu openapi")?;
    if !output.status.success() {
        bail!(
            "`kefu openapi` failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let out_dir = if check {
        std::env::temp_dir().join(format!("kefu-api-types-{}", std::process::id()))
    } else {
        PathBuf::from(".")
    };
    let (doc, types) = (out_dir.join(DOC), out_dir.join(TYPES));
    for path in [&doc, &types] {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
    }
    std::fs::write(&doc, &output.stdout)?;
    let absolute = |p: &Path| std::env::current_dir().map(|d| d.join(p));
    run(
        "npx",
        &[
            "openapi-typescript",
            &absolute(&doc)?.to_string_lossy(),
            "--output",
            &absolute(&types)?.to_string_lossy(),
        ],
        Some("web"),
    )?;
    if check {
        let stale: Vec<&str> = [(DOC, &doc), (TYPES, &types)]
            .into_iter()
            .filter(|(committed, fresh)| std::fs::read(committed).ok() != std::fs::read(fresh).ok())
            .map(|(committed, _)| committed)
            .collect();
        let _ = std::fs::remove_dir_all(&out_dir);
        if !stale.is_empty() {
            bail!(
                "{stale:?} differ from the API the code serves: run `cargo xtask api-types` and commit them"
            );
        }
    }
    Ok(())
}

/// Each test makes its own PostgreSQL database; clear the ones earlier runs left behind.
fn drop_scratch_databases() {
    let admin = std::env::var("KEFU_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let dropped = tokio::runtime::Runtime::new().map(|rt| {
        rt.block_on(async {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&admin).await?;
            let names: Vec<(String,)> =
                sqlx::query_as("SELECT datname FROM pg_database WHERE datname LIKE 'kefu_test_%'")
                    .fetch_all(&mut conn)
                    .await?;
            for (name,) in &names {
                let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(&mut conn)
                    .await?;
            }
            Ok::<usize, sqlx::Error>(names.len())
        })
    });
    match dropped {
        Ok(Ok(n)) => eprintln!("dropped {n} scratch databases"),
        Ok(Err(e)) => eprintln!("could not clear scratch databases: {e}"),
        Err(e) => eprintln!("could not clear scratch databases: {e}"),
    }
}
