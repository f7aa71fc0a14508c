use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

#[tokio::test]
async fn a_wrong_password_is_refused_with_a_stable_code() {
    let app = TestApp::spawn().await;
    let long = "x".repeat(100_000);
    for (username, password) in [
        ("tea-pre1", "wrong"),
        ("nobody", "kefu-demo-2026"),
        (long.as_str(), "kefu-demo-2026"),
    ] {
        let response = app
            .http
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "invalid_credentials");
    }
}

#[tokio::test]
async fn a_cookie_session_needs_the_csrf_header_for_changes() {
    let app = TestApp::spawn().await;
    let login = app
        .http
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "tea-pre1", "password": "kefu-demo-2026"}))
        .send()
        .await
        .unwrap();
    let set_cookie = login.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"));
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let me: Value = login.json().await.unwrap();
    let csrf = me["csrf_token"].as_str().unwrap();

    // Reads need only the cookie.
    let read = app
        .http
        .get(app.url("/api/v1/conversations"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::OK);

    // Changes without the header are refused, with it they pass.
    let change = |with_csrf: bool| {
        let mut request = app
            .http
            .put(app.url("/api/v1/me/status"))
            .header("cookie", &cookie)
            .json(&json!({"status": "busy"}));
        if with_csrf {
            request = request.header("x-csrf-token", csrf);
        }
        request.send()
    };
    let refused = change(false).await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        refused.json::<Value>().await.unwrap()["code"],
        "csrf_failed"
    );
    let accepted = change(true).await.unwrap();
    assert_eq!(accepted.status(), StatusCode::OK);
    assert_eq!(accepted.json::<Value>().await.unwrap()["status"], "busy");

    // After logout the cookie is worthless.
    let logout = app
        .http
        .post(app.url("/api/v1/auth/logout"))
        .header("cookie", &cookie)
        .header("x-csrf-token", csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    let after = app
        .http
        .get(app.url("/api/v1/auth/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn logins_are_rate_limited_per_username() {
    let app = TestApp::spawn_with(|s| s.auth.logins_per_minute = 3).await;
    let mut last = StatusCode::OK;
    for _ in 0..5 {
        last = app
            .http
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"username": "tea-lead", "password": "guess"}))
            .send()
            .await
            .unwrap()
            .status();
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    // Another username is not affected.
    let other = app.agent("tea-pre2").await;
    assert_eq!(other.get("/api/v1/auth/me").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn requests_without_credentials_are_unauthenticated() {
    let app = TestApp::spawn().await;
    for path in ["/api/v1/conversations", "/api/v1/team", "/api/v1/auth/me"] {
        let response = app.http.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(
            response.json::<Value>().await.unwrap()["code"],
            "unauthenticated"
        );
    }
    let forged = app
        .http
        .get(app.url("/api/v1/conversations"))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
}
