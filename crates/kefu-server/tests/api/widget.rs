//! Issue #21, the web widget (CH-1): a shop connects a widget for its sites; its script names
//! the shop, the widget and its colour; only the widget's sites may frame the chat page it
//! opens, and only for that shop; a paused widget's script does nothing; its sites and
//! colour change without a new script tag.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(app.url(path))
        .send()
        .await
        .unwrap()
}

fn csp(r: &reqwest::Response) -> String {
    r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_widget_script_opens_the_shops_chat_framed_only_by_its_sites() {
    let app = TestApp::spawn().await;
    let admin = app.agent("tea-admin").await;

    for bad in [
        json!({"kind": "widget"}),
        json!({"kind": "widget", "origins": ["shop.example.com"]}),
        json!({"kind": "widget", "origins": ["https://shop.example.com/page"]}),
        json!({"kind": "widget", "origins": ["https://shop.example.com"], "color": "red"}),
        json!({"kind": "widget", "origins": ["https://shop.example.com"], "position": "top"}),
    ] {
        let r = admin.post("/api/v1/channels", bad.clone()).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(r.json::<Value>().await.unwrap()["code"], "invalid_channel");
    }
    let r = admin
        .post(
            "/api/v1/channels",
            json!({"kind": "widget", "origins": ["https://Tea.Example.com/", "http://localhost:5173"], "color": "#0F766E"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let widget: Value = r.json().await.unwrap();
    let id = widget["id"].as_str().unwrap().to_owned();
    assert_eq!(widget["callback_path"], format!("/widget/{id}.js"));
    assert_eq!(widget["name"], "网站聊天插件");
    assert_eq!(
        widget["origins"],
        json!(["https://tea.example.com", "http://localhost:5173"])
    );
    assert_eq!(
        (&widget["color"], &widget["position"]),
        (&json!("#0f766e"), &json!("right"))
    );

    // The script: the loader with the shop, the widget and its colour; other sites load it.
    let script = get(&app, &format!("/widget/{id}.js")).await;
    assert_eq!(script.status(), StatusCode::OK);
    assert!(
        script.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert_eq!(
        script.headers()["cross-origin-resource-policy"],
        "cross-origin"
    );
    let text = script.text().await.unwrap();
    assert!(text.contains(r#""shop":"shanye-tea""#), "{}", &text[..400]);
    assert!(text.contains(r##""color":"#0f766e""##));
    assert!(text.contains(&format!(r#""id":"{id}""#)));
    assert!(!text.contains("__KEFU_WIDGET__"));
    assert_eq!(
        get(&app, &format!("/widget/{}.js", uuid::Uuid::new_v4()))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&app, "/widget/not-an-id.js").await.status(),
        StatusCode::NOT_FOUND
    );

    // The chat page it opens may be framed by the widget's sites; without the widget, or
    // for another shop, only by kefu itself.
    let framed = get(&app, &format!("/chat/shanye-tea?embed=1&widget={id}")).await;
    let policy = csp(&framed);
    assert!(
        policy.contains("frame-ancestors 'self' https://tea.example.com http://localhost:5173"),
        "{policy}"
    );
    let plain = csp(&get(&app, "/chat/shanye-tea").await);
    assert!(plain.ends_with("frame-ancestors 'self'"), "{plain}");
    let elsewhere = csp(&get(&app, &format!("/chat/digital-store?embed=1&widget={id}")).await);
    assert!(elsewhere.ends_with("frame-ancestors 'self'"), "{elsewhere}");

    // Another shop cannot change it; the shop changes its sites and colour (same script).
    let other = app.agent("digital-admin").await;
    let r = other
        .put(
            &format!("/api/v1/channels/{id}"),
            json!({"color": "#000000"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = admin
        .put(
            &format!("/api/v1/channels/{id}"),
            json!({"origins": ["https://m.tea.example.com"], "position": "left"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let changed: Value = r.json().await.unwrap();
    assert_eq!(changed["origins"], json!(["https://m.tea.example.com"]));
    assert_eq!(
        (&changed["color"], &changed["position"]),
        (&json!("#0f766e"), &json!("left"))
    );
    let r = admin
        .put(&format!("/api/v1/channels/{id}"), json!({"origins": []}))
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "a widget keeps a site");
    // The chat page's policy follows at once in the process that changed it.
    let policy = csp(&get(&app, &format!("/chat/shanye-tea?widget={id}")).await);
    assert!(
        policy.contains("https://m.tea.example.com") && !policy.contains("localhost:5173"),
        "{policy}"
    );

    // Paused: the script does nothing and the chat page is no longer framed by the sites.
    admin
        .put(&format!("/api/v1/channels/{id}"), json!({"paused": true}))
        .await;
    let text = get(&app, &format!("/widget/{id}.js"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        text.starts_with("/* kefu: this widget is paused */"),
        "{text}"
    );
    let policy = csp(&get(&app, &format!("/chat/shanye-tea?widget={id}")).await);
    assert!(policy.ends_with("frame-ancestors 'self'"), "{policy}");
}
