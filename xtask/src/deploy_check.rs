//! `cargo xtask deploy-check` (issue #15, docs/deploy.md): what of the deployment files can
//! be tried on this machine is tried. The systemd unit passes `systemd-analyze verify` without
//! a word; kefu behind Debian's nginx with the site from `deploy/nginx/` serves the UI, keeps
//! nginx's request id, upgrades a buyer's WebSocket (a message sent through it is
//! acknowledged), and keeps `/metrics` private. (The Dockerfile and the compose file need a
//! Docker daemon and images from Docker Hub, which this machine has not; the doc says so.)

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::{project_root, run, target_dir};

/// Debian's nginx, installed when missing (like Chromium for the browser tests).
fn ensure_nginx() -> anyhow::Result<()> {
    if Path::new("/usr/sbin/nginx").exists() {
        return Ok(());
    }
    run("apt-get", &["update", "-qq"], None)?;
    run(
        "apt-get",
        &["install", "-y", "-qq", "--no-install-recommends", "nginx"],
        None,
    )
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Stops the child when dropped: SIGTERM first (nginx's master then stops its workers;
/// SIGKILL would orphan them), SIGKILL if it is still there after 5 s.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        for _ in 0..50 {
            if matches!(self.0.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn main() -> anyhow::Result<()> {
    run("cargo", &["build", "--quiet", "--package", "kefu"], None)?;
    let kefu = target_dir().join("debug/kefu");
    verify_unit(&kefu)?;
    ensure_nginx()?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(through_nginx(&kefu))
}

/// The unit as shipped, with ExecStart pointing at this build: systemd must have nothing to
/// say about it (unknown keys are only warned about, so any output fails).
fn verify_unit(kefu: &Path) -> anyhow::Result<()> {
    let unit = std::fs::read_to_string(project_root().join("deploy/kefu.service"))?;
    ensure!(
        unit.contains("/usr/local/bin/kefu serve"),
        "the unit runs kefu serve"
    );
    let dir = std::env::temp_dir().join(format!("kefu-unit-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("kefu.service");
    std::fs::write(
        &path,
        unit.replace("/usr/local/bin/kefu", &kefu.display().to_string()),
    )?;
    let output = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .context("running systemd-analyze")?;
    let said = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    let _ = std::fs::remove_dir_all(&dir);
    ensure!(
        output.status.success() && said.trim().is_empty(),
        "systemd-analyze verify deploy/kefu.service: {said}"
    );
    eprintln!("deploy check: systemd-analyze verify deploy/kefu.service: clean");
    Ok(())
}

async fn through_nginx(kefu: &Path) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("kefu-deploy-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir)?;
    // nginx's workers run as nobody: they write their temp files here.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777))?;
    }
    let result = check(kefu, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn check(kefu: &Path, dir: &Path) -> anyhow::Result<()> {
    let (kefu_port, nginx_port) = (free_port()?, free_port()?);
    let _kefu = Running(
        Command::new(kefu)
            .args([
                "demo",
                "--listen",
                &format!("127.0.0.1:{kefu_port}"),
                "--data-dir",
            ])
            .arg(dir.join("data"))
            .env("KEFU_HTTP__TRUSTED_PROXY_HEADER", "X-Forwarded-For")
            .env("KEFU_METRICS__TOKEN", crate::BENCH_METRICS_TOKEN)
            .env("KEFU_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .context("starting kefu")?,
    );
    let site = std::fs::read_to_string(project_root().join("deploy/nginx/kefu.conf"))?;
    ensure!(site.contains("server 127.0.0.1:8080;") && site.contains("listen 80;"));
    let proxy = project_root().join("deploy/nginx/kefu-proxy.conf");
    let site = site
        .replace(
            "server 127.0.0.1:8080;",
            &format!("server 127.0.0.1:{kefu_port};"),
        )
        .replace("listen 80;", &format!("listen 127.0.0.1:{nginx_port};"))
        .replace(
            "include snippets/kefu-proxy.conf;",
            &format!("include {};", proxy.display()),
        );
    std::fs::write(dir.join("kefu.conf"), site)?;
    let d = dir.display();
    let main = format!(
        "daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
         events {{ worker_connections 256; }}\n\
         http {{\n  access_log {d}/access.log;\n  client_body_temp_path {d}/body;\n  \
         proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n  \
         uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n  include {d}/kefu.conf;\n}}\n"
    );
    let main_path = dir.join("nginx.conf");
    std::fs::write(&main_path, main)?;
    run(
        "/usr/sbin/nginx",
        &["-t", "-q", "-c", &main_path.display().to_string()],
        None,
    )?;
    let _nginx = Running(
        Command::new("/usr/sbin/nginx")
            .args(["-c", &main_path.display().to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting nginx")?,
    );
    let base = format!("http://127.0.0.1:{nginx_port}");
    let http = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..300 {
        if let Ok(r) = http.get(format!("{base}/readyz")).send().await
            && r.status().is_success()
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    ensure!(ready, "kefu did not answer through nginx within 60 s");

    // nginx's request id reaches kefu and comes back.
    let live = http.get(format!("{base}/livez")).send().await?;
    let id = live.headers()["x-request-id"].to_str()?.to_owned();
    ensure!(
        id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()),
        "nginx's $request_id, not kefu's own: {id}"
    );
    // The UI, and no public /metrics.
    let page = http.get(format!("{base}/agent")).send().await?;
    ensure!(page.status() == 200 && page.text().await?.contains("<div id=\"app\""));
    let metrics = http
        .get(format!("{base}/metrics"))
        .bearer_auth(crate::BENCH_METRICS_TOKEN)
        .send()
        .await?;
    ensure!(
        metrics.status() == 404,
        "/metrics is not public: {}",
        metrics.status()
    );

    // A buyer's chat: a session, then a WebSocket through nginx; a message is acknowledged.
    let session: Value = http
        .post(format!("{base}/api/v1/buyer/session"))
        .json(&json!({"shop": "shanye-tea"}))
        .send()
        .await?
        .json()
        .await?;
    let token = session["buyer_token"].as_str().context("a buyer token")?;
    let url = format!("ws://127.0.0.1:{nginx_port}/api/v1/buyer/ws?token={token}");
    let (mut ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .context("upgrading through nginx")?;
    let frame = json!({"type": "send", "client_msg_id": "deploy-1", "kind": "text", "body": "经过 nginx 的消息"});
    ws.send(Message::Text(frame.to_string().into())).await?;
    let acked = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(Ok(message)) = ws.next().await {
            if let Message::Text(text) = message
                && let Ok(frame) = serde_json::from_str::<Value>(text.as_str())
                && frame["type"] == "ack"
            {
                return Some(frame);
            }
        }
        None
    })
    .await
    .context("an ack within 10 s")?;
    let Some(ack) = acked else {
        bail!("the socket closed before the ack");
    };
    ensure!(ack["client_msg_id"] == "deploy-1", "{ack}");
    eprintln!(
        "deploy check: through nginx ({}): UI, request id, WebSocket message acknowledged, /metrics private",
        PathBuf::from("deploy/nginx/kefu.conf").display()
    );
    Ok(())
}
