use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{TestApp, text_frame};

#[tokio::test]
async fn health_metrics_and_the_openapi_document_are_served() {
    let app = TestApp::spawn().await;
    let health = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);

    let buyer = app.buyer("shanye-tea").await;
    let mut socket = buyer.socket(Some(0)).await;
    socket.send(text_frame("m", "指标")).await;
    socket.next_of("ack").await;

    let metrics = app.metrics().await;
    for name in [
        "kefu_ws_connections",
        "kefu_messages_total",
        "kefu_commit_batch_size",
        "kefu_http_requests_total",
    ] {
        assert!(metrics.contains(name), "{name} missing from /metrics");
    }

    let openapi: Value = app
        .http
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(openapi["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/auth/login",
        "/api/v1/conversations/{id}/messages",
        "/api/v1/buyer/session",
    ] {
        assert!(openapi["paths"][path].is_object(), "{path} is documented");
    }
    let docs = app.http.get(app.url("/api/v1/docs/")).send().await.unwrap();
    assert_eq!(docs.status(), StatusCode::OK);
}

#[tokio::test]
async fn unknown_api_routes_are_json_404s_and_other_paths_get_the_web_ui() {
    let app = TestApp::spawn().await;
    let api = app
        .http
        .get(app.url("/api/v1/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
    assert_eq!(api.json::<Value>().await.unwrap()["code"], "not_found");
    let page = app
        .http
        .get(app.url("/chat/shanye-tea"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        page.text()
            .await
            .unwrap()
            .to_lowercase()
            .contains("<!doctype html")
    );
}

#[tokio::test]
async fn the_demo_history_reads_like_a_working_day() {
    let app = TestApp::spawn().await;
    let agent = app.agent("tea-pre1").await;
    let all = agent.conversations("all").await;
    assert_eq!(all.len(), 4);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let ages: Vec<i64> = all
        .iter()
        .map(|c| (now - c["last_message_at"].as_i64().unwrap()) / 60_000)
        .collect();
    // Newest first: about 12 minutes, 50 minutes, 5 hours and 26 hours ago.
    assert!(ages.windows(2).all(|w| w[0] <= w[1]), "{ages:?}");
    assert!(ages[0] >= 11 && ages[3] >= 26 * 60 - 1, "{ages:?}");
    // Each conversation's own history keeps its order.
    let id = all[3]["id"].as_str().unwrap();
    let messages = agent.messages(id).await;
    let events: Value = agent
        .get(&format!("/api/v1/conversations/{id}/events"))
        .await
        .json()
        .await
        .unwrap();
    let created = events["events"][0]["at"].as_i64().unwrap();
    assert!(
        messages
            .iter()
            .all(|m| m["created_at"].as_i64().unwrap() >= created)
    );
}

/// Reads what the server sends on `stream` until it closes the connection, within `limit`.
async fn read_until_closed(stream: &mut tokio::net::TcpStream, limit: Duration) -> String {
    use tokio::io::AsyncReadExt;
    let mut received = vec![];
    let closed = tokio::time::timeout(limit, async {
        let mut buffer = [0u8; 1024];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    assert!(
        closed.is_ok(),
        "the connection was still open after {limit:?}"
    );
    String::from_utf8_lossy(&received).into_owned()
}

/// Issue #14: a client that sends its headers slowly, or never finishes them, loses the
/// connection after `limits.header_read_seconds` instead of holding it forever.
#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_cut_off() {
    use tokio::io::AsyncWriteExt;
    let app = TestApp::spawn_with(|s| s.limits.header_read_seconds = 1).await;
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: kefu\r\nX-Slow: ")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    read_until_closed(&mut stream, Duration::from_secs(10)).await;
    assert!(started.elapsed() >= Duration::from_millis(500));
    // Others are served meanwhile and after.
    let health = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}

/// Issue #14: a request body that stalls fails after `limits.body_read_seconds`, and the
/// connection is not held.
#[tokio::test]
async fn a_body_that_stalls_fails_and_lets_go() {
    use tokio::io::AsyncWriteExt;
    let app = TestApp::spawn_with(|s| s.limits.body_read_seconds = 1).await;
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    stream
        .write_all(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: kefu\r\nContent-Type: application/json\r\n\
              Content-Length: 100\r\nConnection: close\r\n\r\n{\"username\":",
        )
        .await
        .unwrap();
    let answer = read_until_closed(&mut stream, Duration::from_secs(10)).await;
    let status = answer.lines().next().unwrap_or_default();
    assert!(status.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"request_timeout\""), "{answer}");
}

/// Issue #14 (schema fuzzing): these answered with axum's own bodies, an empty 405 and a
/// plain-text 400, instead of a `{code, message}`.
#[tokio::test]
async fn a_wrong_method_and_a_websocket_route_called_as_plain_http_answer_with_codes() {
    let app = TestApp::spawn().await;
    let wrong = app
        .http
        .delete(app.url("/api/v1/auth/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(wrong.headers()["allow"], "GET,HEAD");
    assert_eq!(
        wrong.json::<Value>().await.unwrap()["code"],
        "method_not_allowed"
    );
    let buyer = app.buyer("shanye-tea").await;
    for path in [
        format!("/api/v1/buyer/ws?token={}", buyer.token),
        "/api/v1/agent/ws?token=nobody".to_owned(),
    ] {
        let plain = app.http.get(app.url(&path)).send().await.unwrap();
        assert_eq!(plain.status(), StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(
            plain.json::<Value>().await.unwrap()["code"],
            "websocket_expected"
        );
    }
}

/// Issue #15: liveness and readiness for supervisors and load balancers, and the headers every
/// response carries: a content security policy (framing only by kefu and the configured
/// shops), no sniffing, no referrer off the site, and compressed bodies.
#[tokio::test]
async fn probes_security_headers_and_compression() {
    let app = TestApp::spawn_with(|s| {
        s.http.frame_ancestors = vec!["https://shop.example.com".into()];
    })
    .await;
    for (path, body) in [("/livez", "ok"), ("/readyz", "ready")] {
        let response = app.http.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::OK, "{path}");
        assert_eq!(response.text().await.unwrap(), body);
    }
    let page = app
        .http
        .get(app.url("/agent/login"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    let headers = page.headers();
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(
        csp.contains("frame-ancestors 'self' https://shop.example.com"),
        "{csp}"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "same-origin");
    assert_eq!(headers["content-encoding"], "gzip");
}

/// Issue #15: `/metrics` answers only with the operator's token, and not at all without one.
#[tokio::test]
async fn metrics_need_the_operators_token() {
    let app = TestApp::spawn().await;
    let get = |token: Option<&str>| {
        let request = app.http.get(app.url("/metrics"));
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
        .send()
    };
    let anonymous = get(None).await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        anonymous.json::<Value>().await.unwrap()["code"],
        "unauthenticated"
    );
    // An agent's API token is not the metrics token.
    let agent = app.agent("tea-admin").await;
    assert_eq!(
        get(Some(&agent.token)).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get(Some(crate::helpers::METRICS_TOKEN))
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );

    let off = TestApp::spawn_with(|s| s.metrics.token.clear()).await;
    let answer = off.http.get(off.url("/metrics")).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
}

/// Issue #15: one address may start only so many buyer sessions, sign-ins and uploads a
/// minute (429 `rate_limited`, with `Retry-After`); behind a trusted proxy each client's
/// address counts apart, and a client cannot pick its address when no proxy is trusted.
#[tokio::test]
async fn the_open_doors_are_limited_per_client_address() {
    let app = TestApp::spawn_with(|s| {
        s.limits.sessions_per_minute_per_ip = 3;
        s.limits.logins_per_minute_per_ip = 2;
    })
    .await;
    let session = |forwarded: Option<&'static str>| {
        let request = app
            .http
            .post(app.url("/api/v1/buyer/session"))
            .json(&serde_json::json!({"shop": "shanye-tea"}));
        match forwarded {
            Some(address) => request.header("x-forwarded-for", address),
            None => request,
        }
        .send()
    };
    for _ in 0..3 {
        assert_eq!(session(None).await.unwrap().status(), StatusCode::OK);
    }
    let limited = session(None).await.unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=20).contains(&wait), "{wait}");
    assert_eq!(
        limited.json::<Value>().await.unwrap()["code"],
        "rate_limited"
    );
    // Without a trusted proxy, a forged header changes nothing.
    assert_eq!(
        session(Some("198.51.100.1")).await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // Sign-ins count apart from sessions.
    let login = || {
        app.http
            .post(app.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"username": "nobody", "password": "x"}))
            .send()
    };
    assert_eq!(login().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(login().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        login().await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );

    let proxied = TestApp::spawn_with(|s| {
        s.limits.sessions_per_minute_per_ip = 1;
        s.http.trusted_proxy_header = "X-Forwarded-For".into();
    })
    .await;
    let via_proxy = |chain: &'static str| {
        proxied
            .http
            .post(proxied.url("/api/v1/buyer/session"))
            .header("x-forwarded-for", chain)
            .json(&serde_json::json!({"shop": "shanye-tea"}))
            .send()
    };
    assert_eq!(
        via_proxy("203.0.113.5").await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        via_proxy("203.0.113.6").await.unwrap().status(),
        StatusCode::OK,
        "another client behind the same proxy"
    );
    // A client that writes someone else's address first is still counted as itself.
    assert_eq!(
        via_proxy("203.0.113.99, 203.0.113.5")
            .await
            .unwrap()
            .status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    let metrics = proxied.metrics().await;
    assert!(metrics.contains("kefu_rate_limited_total"), "counted");
}

/// Issue #15: every response names its request (a proxy's id is kept).
#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let fresh = app.http.get(app.url("/livez")).send().await.unwrap();
    assert_eq!(fresh.headers()["x-request-id"].len(), 36);
    let kept = app
        .http
        .get(app.url("/livez"))
        .header("x-request-id", "edge-7")
        .send()
        .await
        .unwrap();
    assert_eq!(kept.headers()["x-request-id"], "edge-7");
}
