//! `cargo xtask schema-fuzz [--seconds N]` (issue #14): schemathesis, a property-based API
//! fuzzer, against a debug `kefu demo` on loopback, driven by the OpenAPI document kefu
//! serves. It runs once as a shop's super admin (an API token) and once as a buyer (a buyer
//! token), each for at most N seconds, with a fixed seed. Fails on any 5xx, a dropped
//! connection, a status code the document does not list, or a body that does not match the
//! declared schema; and when kefu logged an error or a panic, or died.
//!
//! schemathesis is a Python tool: it is installed, pinned, into a virtual environment in the
//! target directory, once. Reports (JUnit, NDJSON) go to `<target>/schema-fuzz/`.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

/// The schemathesis release this runs; raise it on purpose, reading its changelog.
const SCHEMATHESIS: &str = "4.32.5";
/// The same seed every run, so a failure CI finds can be replayed.
const SEED: &str = "14";
/// What each identity is checked for: no 5xx (and no dropped connection, which fails any
/// check), every status and content type declared, every body as its schema says.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance";
/// The demo shop and its super admin (`kefu_server::demo`).
const SHOP: &str = "shanye-tea";
const ADMIN: &str = "tea-admin";
const DEMO_PASSWORD: &str = "kefu-demo-2026";
/// Operations that would end the fuzzer's own session. An account cannot disable itself,
/// nor change its own role or probation (kefu refuses those), so nothing else is left out.
const EXCLUDED_OPERATIONS: &[&str] = &["logout"];

/// Per identity, unless `--seconds` says otherwise.
pub const DEFAULT_SECONDS: u64 = 60;

/// `cargo xtask schema-fuzz [--seconds N]`.
pub fn main(args: &[String]) -> anyhow::Result<()> {
    let mut seconds = DEFAULT_SECONDS;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => {
                seconds = args
                    .next()
                    .context("--seconds needs a number")?
                    .parse()
                    .context("--seconds needs a whole number of seconds")?;
            }
            other => bail!("unknown flag {other}; usage: cargo xtask schema-fuzz [--seconds N]"),
        }
    }
    run(seconds)
}

/// Builds the debug kefu, starts it on demo data and fuzzes it as each identity for at most
/// `seconds`.
pub fn run(seconds: u64) -> anyhow::Result<()> {
    let started = Instant::now();
    if !Path::new("web/dist").exists() {
        // kefu embeds the web UI at build time.
        crate::build_web()?;
    }
    crate::run("cargo", &["build", "--quiet", "--package", "kefu"], None)?;
    let st = install_schemathesis()?;
    let reports = crate::target_dir().join("schema-fuzz");
    let _ = std::fs::remove_dir_all(&reports);
    std::fs::create_dir_all(&reports)?;
    let server = Server::start(&crate::target_dir().join("debug/kefu"), &reports)?;
    let runtime = tokio::runtime::Runtime::new()?;
    let (admin, buyer) = runtime.block_on(identities(&server.base))?;
    let mut outcome = vec![];
    for (identity, token) in [("admin", admin), ("buyer", buyer)] {
        let before = runtime.block_on(requests_served(&server.base))?;
        let passed = fuzz(&st, &server.base, identity, &token, seconds, &reports)?;
        // Less the `/metrics` request that counted `before`.
        let made = runtime
            .block_on(requests_served(&server.base))?
            .saturating_sub(before + 1);
        outcome.push(format!(
            "{identity}: {made} requests, {}",
            if passed { "passed" } else { "FAILED" }
        ));
    }
    let server_problems = server.stop()?;
    eprintln!(
        "\nschema fuzzing (schemathesis {SCHEMATHESIS}, seed {SEED}, {seconds} s per identity) took {:.0} s: {}",
        started.elapsed().as_secs_f64(),
        outcome.join("; ")
    );
    if !server_problems.is_empty() {
        bail!(
            "kefu logged errors while fuzzed:\n{}",
            server_problems.join("\n")
        );
    }
    if outcome.iter().any(|line| line.ends_with("FAILED")) {
        bail!(
            "schemathesis found failures (above; reports in {})",
            reports.display()
        );
    }
    Ok(())
}

/// `<target>/schemathesis-venv` with the pinned schemathesis, made once; returns its `st`.
fn install_schemathesis() -> anyhow::Result<PathBuf> {
    let venv = crate::target_dir().join("schemathesis-venv");
    let st = venv.join("bin/st");
    let stamp = venv.join(format!("installed-schemathesis-{SCHEMATHESIS}"));
    if st.exists() && stamp.exists() {
        return Ok(st);
    }
    let _ = std::fs::remove_dir_all(&venv);
    let venv_arg = venv.to_string_lossy();
    crate::run("python3", &["-m", "venv", &venv_arg], None)?;
    let pip = venv.join("bin/pip");
    crate::run(
        &pip.to_string_lossy(),
        &[
            "install",
            "--quiet",
            "--disable-pip-version-check",
            &format!("schemathesis=={SCHEMATHESIS}"),
        ],
        None,
    )?;
    std::fs::write(&stamp, "")?;
    Ok(st)
}

/// A `kefu demo` on a free loopback port with a fresh data directory, stopped on drop.
struct Server {
    child: Child,
    base: String,
    data_dir: PathBuf,
    log: PathBuf,
}

impl Server {
    fn start(binary: &Path, reports: &Path) -> anyhow::Result<Server> {
        let data_dir =
            std::env::temp_dir().join(format!("kefu-schema-fuzz-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data_dir);
        std::fs::create_dir_all(&data_dir)?;
        // kefu logs to stdout (and panics to stderr): both go to one file, read at the end.
        let log = reports.join("kefu.log");
        let open_log = || {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&log)
        };
        let mut log_lines = open_log()?;
        let mut command = Command::new(binary);
        // Only flags and defaults: no kefu.toml (the data directory has none), no KEFU_* but
        // the metrics token below.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("KEFU_") {
                command.env_remove(key);
            }
        }
        let mut child = command
            .args(["demo", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(&data_dir)
            .current_dir(&data_dir)
            .env("KEFU_LOG", "warn")
            // The one setting it needs: a token to count requests at /metrics by.
            .env("KEFU_METRICS__TOKEN", crate::BENCH_METRICS_TOKEN)
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(open_log()?)
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let stdout = child.stdout.take().context("kefu's stdout")?;
        let (found, address) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("is running at ").nth(1) {
                    let _ = found.send(rest.trim().to_owned());
                }
                let _ = writeln!(log_lines, "{line}");
            }
        });
        let mut server = Server {
            child,
            base: String::new(),
            data_dir,
            log,
        };
        server.base = match address.recv_timeout(Duration::from_secs(120)) {
            Ok(base) => base,
            Err(_) => bail!(
                "kefu did not start (log: {}):\n{}",
                server.log.display(),
                std::fs::read_to_string(&server.log).unwrap_or_default()
            ),
        };
        eprintln!("kefu demo is running at {}", server.base);
        Ok(server)
    }

    /// Stops kefu; returns the errors and panics it logged, or fails when it had died.
    fn stop(mut self) -> anyhow::Result<Vec<String>> {
        if let Some(status) = self.child.try_wait()? {
            bail!(
                "kefu died while fuzzed ({status}); its log: {}",
                self.log.display()
            );
        }
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        Ok(log
            .lines()
            .filter(|line| line.contains("ERROR") || line.contains("panicked"))
            .map(str::to_owned)
            .collect())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// An API token of the shop's super admin, and a buyer token of an anonymous buyer there.
async fn identities(base: &str) -> anyhow::Result<(String, String)> {
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match http.get(format!("{base}/healthz")).send().await {
            Ok(response) if response.status().is_success() => break,
            _ if Instant::now() > deadline => bail!("{base}/healthz did not answer 200"),
            _ => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    let login = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": ADMIN, "password": DEMO_PASSWORD}))
        .send()
        .await?
        .error_for_status()
        .context("signing in as the demo super admin")?;
    let cookie = login
        .headers()
        .get("set-cookie")
        .context("no session cookie")?
        .to_str()?
        .split(';')
        .next()
        .unwrap_or_default()
        .to_owned();
    let me: Value = login.json().await?;
    let csrf = me["csrf_token"].as_str().context("no csrf_token")?;
    let token: Value = http
        .post(format!("{base}/api/v1/auth/tokens"))
        .header("cookie", cookie)
        .header("x-csrf-token", csrf)
        .json(&json!({"name": "schema fuzzing"}))
        .send()
        .await?
        .error_for_status()
        .context("making an API token")?
        .json()
        .await?;
    let session: Value = http
        .post(format!("{base}/api/v1/buyer/session"))
        .json(&json!({"shop": SHOP}))
        .send()
        .await?
        .error_for_status()
        .context("starting a buyer session")?
        .json()
        .await?;
    let admin = token["token"].as_str().context("no API token")?;
    let buyer = session["buyer_token"].as_str().context("no buyer token")?;
    Ok((admin.to_owned(), buyer.to_owned()))
}

/// How many HTTP requests kefu has answered, from its own `/metrics`.
async fn requests_served(base: &str) -> anyhow::Result<u64> {
    let text = reqwest::Client::new()
        .get(format!("{base}/metrics"))
        .bearer_auth(crate::BENCH_METRICS_TOKEN)
        .send()
        .await?
        .text()
        .await?;
    Ok(text
        .lines()
        .filter(|line| line.starts_with("kefu_http_requests_total{"))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64)
}

/// One schemathesis run with `token`; true when it found nothing.
fn fuzz(
    st: &Path,
    base: &str,
    identity: &str,
    token: &str,
    seconds: u64,
    reports: &Path,
) -> anyhow::Result<bool> {
    let report_dir = reports.join(identity);
    std::fs::create_dir_all(&report_dir)?;
    let mut command = Command::new(st);
    command
        .arg("run")
        .arg(format!("{base}/api/v1/openapi.json"))
        .args(["--url", base])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args(["--checks", CHECKS])
        .args(["--max-time", &seconds.to_string()])
        .args(["--seed", SEED])
        .args(["--request-timeout", "10"])
        .args(["--generation-database", "none"])
        .args(["--report", "junit,ndjson"])
        .arg("--report-dir")
        .arg(&report_dir)
        .args(["--no-color"]);
    for operation in EXCLUDED_OPERATIONS {
        command.args(["--exclude-operation-id", operation]);
    }
    eprintln!("\n$ st run … as the {identity} (at most {seconds} s)");
    // Anything schemathesis leaves in its working directory stays in the reports.
    let status = command
        .current_dir(&report_dir)
        .env("NO_COLOR", "1")
        .status()
        .with_context(|| format!("starting {}", st.display()))?;
    Ok(status.success())
}
