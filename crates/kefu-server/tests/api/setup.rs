//! Issue #15, first run: a server with no shop opens setup with a token printed at start;
//! setup checks everything before spending the token, creates the shop and its super admin
//! (audited), signs them in, and never opens again.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

fn request(token: &str, slug: &str) -> Value {
    json!({
        "token": token, "kind": "shop", "slug": slug, "name": "山间小铺",
        "username": "owner", "display_name": "店长", "password": "first-run-2026",
    })
}

#[tokio::test]
async fn the_first_run_creates_the_shop_and_its_super_admin_once() {
    let (app, token) = TestApp::spawn_empty().await;
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let get = async |path: &str| -> Value {
        let response = browser.get(app.url(path)).send().await.unwrap();
        response.json().await.unwrap()
    };
    assert_eq!(get("/api/v1/setup").await["open"], true);
    let post = async |body: Value| {
        let response = browser
            .post(app.url("/api/v1/setup"))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json::<Value>().await.unwrap())
    };

    let (status, body) = post(request("not-the-token", "hill-shop")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["code"], "invalid_setup_token");
    // A bad field is refused before anything is created, and the link still works.
    let (status, body) = post(request(&token, "Hill Shop!")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "invalid_slug");
    let mut weak = request(&token, "hill-shop");
    weak["password"] = json!("short");
    assert_eq!(post(weak).await.1["code"], "weak_password");

    let (status, me) = post(request(&token, "hill-shop")).await;
    assert_eq!(status, StatusCode::CREATED, "{me}");
    assert_eq!(me["tenant"]["slug"], "hill-shop");
    assert_eq!(me["tenant"]["kind"], "shop");
    assert_eq!(me["user"]["role"], "super_admin");
    // Signed in: the cookie is the session.
    assert_eq!(get("/api/v1/auth/me").await["user"]["username"], "owner");

    // Once only.
    let (status, body) = post(request(&token, "second-shop")).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["code"], "setup_done");
    assert_eq!(get("/api/v1/setup").await["open"], false);

    let store = &app.state.as_ref().unwrap().store;
    let tenant = store.tenant_by_slug("hill-shop").await.unwrap().unwrap();
    let verdict = store.verify_audit(Some(tenant.id)).await.unwrap();
    assert!(verdict.broken.is_empty());
    assert_eq!(verdict.checked, 3, "tenant.create, account.create, login");
    assert_eq!(store.tenants().await.unwrap().len(), 1);
}

/// A server with a shop opens no setup.
#[tokio::test]
async fn a_server_with_shops_has_no_setup() {
    let app = TestApp::spawn().await;
    let state = app.state.as_ref().unwrap();
    assert_eq!(
        kefu_server::setup::open_if_empty(state).await.unwrap(),
        None
    );
    let response = app
        .http
        .post(app.url("/api/v1/setup"))
        .json(&request("anything", "x-shop"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CONFLICT);
}
