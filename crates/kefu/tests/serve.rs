//! `kefu serve` as an operator runs it (issue #15 part 6): JSON log lines that carry each
//! request's id, and `/metrics` on a listener of its own behind a token.

#![allow(clippy::unwrap_used)] // tests state their expectations by unwrapping

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A port nobody listens on now (the OS's pick, released for kefu to take).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Kefu {
    child: Child,
    base: String,
    /// Every stdout line so far.
    lines: tokio::sync::watch::Receiver<Vec<String>>,
}

async fn start(args: &[&str], envs: &[(&str, String)], data_dir: &std::path::Path) -> Kefu {
    let port = free_port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_kefu"));
    command
        .args(args)
        .args(["--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(data_dir)
        .env("KEFU_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    for (key, value) in envs {
        command.env(key, value);
    }
    let mut child = command.spawn().unwrap();
    let (tell, lines) = tokio::sync::watch::channel(Vec::new());
    let mut reader = BufReader::new(child.stdout.take().unwrap()).lines();
    tokio::spawn(async move {
        while let Ok(Some(line)) = reader.next_line().await {
            tell.send_modify(|all| all.push(line));
        }
    });
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    for _ in 0..600 {
        if let Ok(r) = http.get(format!("{base}/livez")).send().await
            && r.status().is_success()
        {
            return Kefu { child, base, lines };
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("kefu did not answer /livez within 60 s");
}

#[tokio::test]
async fn json_logs_carry_the_request_id_and_metrics_have_their_own_listener() {
    let dir = std::env::temp_dir().join(format!("kefu-serve-{}", uuid::Uuid::new_v4()));
    let metrics_port = free_port();
    let mut kefu = start(
        &["demo", "--log-format", "json"],
        &[
            ("KEFU_METRICS__LISTEN", format!("127.0.0.1:{metrics_port}")),
            ("KEFU_METRICS__TOKEN", "scrape-me".to_owned()),
        ],
        &dir,
    )
    .await;
    let http = reqwest::Client::new();

    // A request with the proxy's id gets it back, and its log line carries it.
    let response = http
        .post(format!("{}/api/v1/auth/login", kefu.base))
        .header("x-request-id", "req-from-proxy-42")
        .json(&serde_json::json!({"username": "tea-admin", "password": "wrong"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["x-request-id"], "req-from-proxy-42");
    // One without gets a fresh id.
    let fresh = http
        .get(format!("{}/api/v1/shops/shanye-tea", kefu.base))
        .send()
        .await
        .unwrap();
    let fresh_id = fresh.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(fresh_id.len(), 36, "a UUID: {fresh_id}");

    let line_of = |id: &str, lines: &[String]| {
        lines
            .iter()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .find(|l| l["span"]["request_id"] == id && l["fields"]["message"] == "served")
    };
    let mut lines = kefu.lines.clone();
    let served = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let found = {
                let all = lines.borrow_and_update();
                line_of("req-from-proxy-42", &all).zip(line_of(&fresh_id, &all))
            };
            if let Some(found) = found {
                return found;
            }
            lines.changed().await.unwrap();
        }
    })
    .await
    .expect("both requests logged");
    assert_eq!(served.0["fields"]["status"], 401);
    assert_eq!(served.0["span"]["path"], "/api/v1/auth/login");
    assert_eq!(served.1["span"]["method"], "GET");
    // Every stdout line is JSON (the banner went to stderr).
    let all = kefu.lines.borrow().clone();
    assert!(all.len() > 2);
    for line in &all {
        serde_json::from_str::<Value>(line).unwrap_or_else(|_| panic!("not JSON: {line}"));
    }

    // /metrics: not on the main listener; on its own, only with the token.
    let main = http
        .get(format!("{}/metrics", kefu.base))
        .bearer_auth("scrape-me")
        .send()
        .await
        .unwrap();
    assert_eq!(main.status(), 404);
    let own = format!("http://127.0.0.1:{metrics_port}/metrics");
    let anonymous = http.get(&own).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let scraped = http
        .get(&own)
        .bearer_auth("scrape-me")
        .send()
        .await
        .unwrap();
    assert_eq!(scraped.status(), 200);
    assert!(
        scraped
            .text()
            .await
            .unwrap()
            .contains("kefu_http_requests_total")
    );

    kefu.child.kill().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
