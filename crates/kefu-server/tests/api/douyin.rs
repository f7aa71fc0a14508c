//! Issue #21, Douyin enterprise accounts' private messages (CH-3, CHANNELS.md §4): the
//! webhook is taken only under `sha1(client_secret || body)` and answers the console's
//! challenge; the account's owner grants kefu its messages on Douyin's page (here a local
//! fake of it) and kefu keeps the tokens; a buyer's private message lands once; the agent's
//! reply reaches the fake's `/im/send/msg/` answering the buyer's last message in their
//! conversation, with the account's access token, refreshed when it has run out.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::IntoResponse;
use kefu_channels::douyin::signature;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::helpers::TestApp;

const CLIENT_KEY: &str = "awtestdouyin01";
const CLIENT_SECRET: &str = "douyin-secret";
const ACCOUNT: &str = "enterprise-open-id";
const BUYER: &str = "buyer-open-id-8a7f";

/// A form as posted.
type Form = HashMap<String, String>;

/// A fake of Douyin's grant page and API: codes, tokens, sends.
#[derive(Clone, Default)]
struct FakeDouyin {
    /// Token calls: (path, form).
    tokens: Arc<Mutex<Vec<(String, Form)>>>,
    /// The refresh tokens renewed.
    renewals: Arc<Mutex<Vec<String>>>,
    /// Sends: (open_id query, access-token header, body).
    sent: Arc<Mutex<Vec<(String, String, Value)>>>,
}

async fn connect_page(Query(q): Query<HashMap<String, String>>) -> impl IntoResponse {
    assert_eq!(q["client_key"], CLIENT_KEY);
    assert_eq!(q["scope"], "im.direct_message");
    assert_eq!(q["response_type"], "code");
    let to = format!("{}?code=CODE-1&state={}", q["redirect_uri"], q["state"]);
    (StatusCode::FOUND, [(axum::http::header::LOCATION, to)], "")
}

fn tokens(n: usize) -> Value {
    json!({"data": {"access_token": format!("act.{n}"), "expires_in": 1_296_000, "refresh_token": "rft.1",
        "refresh_expires_in": 2_592_000, "open_id": ACCOUNT, "scope": "im.direct_message,user_info",
        "error_code": 0, "description": ""}, "message": "success"})
}

async fn access_token(
    State(fake): State<FakeDouyin>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> axum::Json<Value> {
    let ok = form.get("code").map(String::as_str) == Some("CODE-1")
        && form.get("client_secret").map(String::as_str) == Some(CLIENT_SECRET)
        && form.get("grant_type").map(String::as_str) == Some("authorization_code");
    let mut calls = fake.tokens.lock().await;
    calls.push(("access_token".into(), form));
    match ok {
        true => axum::Json(tokens(calls.len())),
        false => axum::Json(
            json!({"data": {"error_code": 10007, "description": "code 已过期"}, "message": "error"}),
        ),
    }
}

/// A refresh gives a new access token; the refresh token keeps its end, an hour away here,
/// so kefu renews it.
async fn refresh_token(
    State(fake): State<FakeDouyin>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> axum::Json<Value> {
    assert_eq!(form["refresh_token"], "rft.1");
    assert_eq!(form["grant_type"], "refresh_token");
    let mut calls = fake.tokens.lock().await;
    calls.push(("refresh_token".into(), form));
    let mut answer = tokens(calls.len());
    answer["data"]["refresh_expires_in"] = json!(3_600);
    axum::Json(answer)
}

async fn renew_refresh_token(
    State(fake): State<FakeDouyin>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> axum::Json<Value> {
    assert_eq!(form["client_key"], CLIENT_KEY);
    fake.renewals
        .lock()
        .await
        .push(form["refresh_token"].clone());
    axum::Json(
        json!({"data": {"description": "", "error_code": 0, "expires_in": 2_592_000, "refresh_token": "rft.renewed"}, "message": "success"}),
    )
}

async fn send_msg(
    State(fake): State<FakeDouyin>,
    Query(q): Query<HashMap<String, String>>,
    headers: axum::http::HeaderMap,
    body: String,
) -> axum::Json<Value> {
    let token = headers
        .get("access-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    fake.sent.lock().await.push((
        q.get("open_id").cloned().unwrap_or_default(),
        token.clone(),
        body,
    ));
    let kept = fake.tokens.lock().await.len();
    if token != format!("act.{kept}") {
        return axum::Json(
            json!({"extra": {"error_code": 2190008, "description": "access_token过期"}, "data": {}}),
        );
    }
    axum::Json(
        json!({"extra": {"error_code": 0, "description": "", "logid": "x"}, "data": {"error_code": 0, "description": ""}, "msg_id": "@sent"}),
    )
}

async fn fake_douyin() -> (FakeDouyin, String) {
    let fake = FakeDouyin::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new()
        .route("/platform/oauth/connect/", axum::routing::get(connect_page))
        .route("/oauth/access_token/", axum::routing::post(access_token))
        .route("/oauth/refresh_token/", axum::routing::post(refresh_token))
        .route(
            "/oauth/renew_refresh_token/",
            axum::routing::post(renew_refresh_token),
        )
        .route("/im/send/msg/", axum::routing::post(send_msg))
        .with_state(fake.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (fake, format!("http://{addr}"))
}

fn received(message_id: &str, text: &str, create_time: i64) -> Value {
    json!({"event": "im_receive_msg", "client_key": CLIENT_KEY, "from_user_id": BUYER, "to_user_id": ACCOUNT,
        "content": {"conversation_short_id": "@conv-1", "server_message_id": message_id, "conversation_type": 1,
            "create_time": create_time, "message_type": "text", "source": "", "text": text,
            "user_infos": [{"open_id": BUYER, "nick_name": "抖音买家小王", "avatar": ""},
                           {"open_id": ACCOUNT, "nick_name": "山野茶舍", "avatar": ""}]},
        "log_id": "log-1"})
}

/// Posts a webhook signed with `secret`.
async fn webhook(app: &TestApp, id: &str, secret: &str, body: &Value) -> (StatusCode, String) {
    let body = body.to_string();
    let r = reqwest::Client::new()
        .post(app.url(&format!("/hooks/douyin/{id}")))
        .header("content-type", "application/json")
        .header("x-douyin-signature", signature(secret, body.as_bytes()))
        .header("msg-id", "m")
        .body(body)
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

async fn sent_with(fake: &FakeDouyin, text: &str) -> Vec<(String, String, Value)> {
    for _ in 0..200 {
        let sent = fake.sent.lock().await.clone();
        if sent
            .iter()
            .any(|(_, _, b)| b["content"]["text"]["text"] == text)
        {
            return sent;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("`{text}` did not reach the fake Douyin");
}

#[tokio::test]
async fn a_douyin_buyer_is_answered_after_the_account_grants_its_messages() {
    let app = TestApp::spawn_with(|s| s.http.channel_test_doubles = true).await;
    let admin = app.agent("tea-admin").await;
    let (fake, api_base) = fake_douyin().await;

    // Connected with the application's client key and secret; no token or key.
    let keyless = admin
        .post(
            "/api/v1/channels",
            json!({"kind": "douyin", "app_id": CLIENT_KEY}),
        )
        .await;
    assert_eq!(keyless.status(), StatusCode::BAD_REQUEST);
    let channel: Value = admin
        .post(
            "/api/v1/channels",
            json!({"kind": "douyin", "app_id": CLIENT_KEY, "app_secret": CLIENT_SECRET, "api_base": api_base}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = channel["id"].as_str().unwrap().to_owned();
    assert_eq!(channel["callback_path"], format!("/hooks/douyin/{id}"));
    assert_eq!(channel["name"], format!("抖音企业号 {CLIENT_KEY}"));
    assert_eq!(channel["token_expires_at"], Value::Null, "not granted yet");

    // The console's check: the challenge back, only under the client secret.
    let challenge =
        json!({"event": "verify_webhook", "client_key": "", "content": {"challenge": 12345}});
    assert_eq!(
        webhook(&app, &id, CLIENT_SECRET, &challenge).await,
        (StatusCode::OK, r#"{"challenge":12345}"#.to_owned())
    );
    assert_eq!(
        webhook(&app, &id, "not-the-secret", &challenge).await.0,
        StatusCode::FORBIDDEN
    );

    // A message before the account granted its messages still lands (Douyin pushes it); the
    // reply waits for the grant.
    let now = kefu_domain::time::now_ms();
    let (status, _) = webhook(
        &app,
        &id,
        CLIENT_SECRET,
        &received("@msg-1", "这款茶叶什么时候发货？", now),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (c, mine) = admin.channel_buyer_messages("douyin", 1).await;
    assert_eq!(mine[0]["body"], "这款茶叶什么时候发货？");
    let conversation = admin
        .conversations("all")
        .await
        .into_iter()
        .find(|x| x["id"] == c)
        .unwrap();
    assert!(
        conversation.to_string().contains("抖音买家小王"),
        "the buyer is named as on Douyin: {conversation}"
    );

    // The grant: kefu's link to Douyin's page, the owner agrees there, Douyin sends the
    // browser back with a code, and kefu keeps the account's tokens.
    let link = admin
        .post(
            &format!("/api/v1/channels/{id}/grant"),
            json!({"origin": app.url("")}),
        )
        .await;
    assert_eq!(link.status(), StatusCode::OK);
    let link: Value = link.json().await.unwrap();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = browser
        .get(link["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::FOUND);
    let back = page.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        back.starts_with(&app.url(&format!("/hooks/douyin/{id}/oauth?code=CODE-1&state="))),
        "{back}"
    );
    // A forged state is refused; the real one is taken.
    let forged = browser
        .get(app.url(&format!("/hooks/douyin/{id}/oauth?code=CODE-1&state=1.00")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        forged.headers()["location"],
        "/agent/channels?grant_error=forbidden"
    );
    let granted = browser.get(&back).send().await.unwrap();
    assert_eq!(granted.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        granted.headers()["location"].to_str().unwrap(),
        format!("/agent/channels?granted={id}")
    );
    let tokens = fake.tokens.lock().await.clone();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].1["client_key"], CLIENT_KEY);
    let listed = admin.get_json("/api/v1/channels").await;
    assert!(
        listed["channels"][0]["token_expires_at"].is_i64(),
        "{listed}"
    );

    // The same message again (Douyin retries) lands once; a newer one is the one replies name.
    webhook(
        &app,
        &id,
        CLIENT_SECRET,
        &received("@msg-1", "这款茶叶什么时候发货？", now),
    )
    .await;
    webhook(
        &app,
        &id,
        CLIENT_SECRET,
        &received("@msg-2", "能今天发吗", now + 1),
    )
    .await;
    let (_, mine) = admin.channel_buyer_messages("douyin", 2).await;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let (_, mine_later) = admin.channel_buyer_messages("douyin", 2).await;
    assert_eq!(mine_later.len(), 2, "{mine:?}");
    // Another account's message and a group's are not this channel's.
    let mut elsewhere = received("@msg-x", "别的账号", now + 2);
    elsewhere["to_user_id"] = json!("another-account");
    webhook(&app, &id, CLIENT_SECRET, &elsewhere).await;
    let mut group = received("@msg-g", "群消息", now + 3);
    group["content"]["conversation_type"] = json!(2);
    webhook(&app, &id, CLIENT_SECRET, &group).await;

    // The window is Douyin's 24 hours, no count.
    let window = admin
        .get_json(&format!("/api/v1/conversations/{c}/window"))
        .await;
    assert_eq!(
        (
            &window["channel"],
            &window["window"]["open"],
            &window["window"]["remaining"]
        ),
        (&json!("douyin"), &json!(true), &Value::Null)
    );

    // The agent's reply answers the buyer's last message in their conversation, as the
    // account, with its access token.
    let reply = admin.reply(&c, "d1", "今天下午四点前发出").await;
    assert_eq!(reply.status(), StatusCode::CREATED);
    let sent = sent_with(&fake, "今天下午四点前发出").await;
    let (open_id, token, body) = sent.last().unwrap();
    assert_eq!((open_id.as_str(), token.as_str()), (ACCOUNT, "act.1"));
    assert_eq!(body["msg_id"], "@msg-2");
    assert_eq!(body["conversation_id"], "@conv-1");
    assert_eq!(body["to_user_id"], BUYER);
    assert_eq!(body["scene"], "im_replay_msg");
    assert_eq!(body["content"]["msg_type"], 1);
    let (_, mine) = admin.channel_buyer_messages("douyin", 2).await;
    assert_eq!(mine.len(), 2, "only the buyer's own two messages");

    // The access token runs out: it is refreshed with the refresh token, and the reply goes.
    app.tamper("UPDATE channels SET token_expires_at = 1").await;
    let reply = admin.reply(&c, "d2", "已为您加急").await;
    assert_eq!(reply.status(), StatusCode::CREATED);
    let sent = sent_with(&fake, "已为您加急").await;
    assert_eq!(sent.last().unwrap().1, "act.2");
    let tokens = fake.tokens.lock().await.clone();
    assert_eq!(tokens.last().unwrap().0, "refresh_token");
    // The refresh token had an hour left: renewed, and the renewed one kept.
    assert_eq!(fake.renewals.lock().await.clone(), vec!["rft.1".to_owned()]);
    let reply = admin.reply(&c, "d2b", "还有什么可以帮您").await;
    assert_eq!(reply.status(), StatusCode::CREATED);
    sent_with(&fake, "还有什么可以帮您").await;
    assert_eq!(
        fake.renewals.lock().await.len(),
        1,
        "renewed for 30 days: not again"
    );

    // Past the buyer's 24 hours the composer's message is refused with the reason.
    app.tamper(&format!(
        "UPDATE conversations SET last_buyer_message_at = {} WHERE id = '{c}'",
        now - 25 * 3600 * 1000
    ))
    .await;
    let late = admin.reply(&c, "d3", "还在吗").await;
    assert_eq!(late.status(), StatusCode::CONFLICT);
    let late: Value = late.json().await.unwrap();
    assert_eq!(late["code"], "channel_window_closed");
    assert!(
        late["message"].as_str().unwrap().contains("24 hours"),
        "{late}"
    );
}

#[tokio::test]
async fn a_douyin_channel_refuses_what_it_cannot_use() {
    let app = TestApp::spawn_with(|s| s.http.channel_test_doubles = true).await;
    let admin = app.agent("tea-admin").await;
    let (fake, api_base) = fake_douyin().await;
    let channel: Value = admin
        .post(
            "/api/v1/channels",
            json!({"kind": "douyin", "app_id": CLIENT_KEY, "app_secret": "wrong-secret", "api_base": api_base}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = channel["id"].as_str().unwrap().to_owned();
    // The same application in another shop: refused.
    let other = app.agent("digital-admin").await;
    let twice = other
        .post(
            "/api/v1/channels",
            json!({"kind": "douyin", "app_id": CLIENT_KEY, "app_secret": CLIENT_SECRET}),
        )
        .await;
    assert_eq!(twice.status(), StatusCode::CONFLICT);
    // Another shop cannot have its grant link.
    let foreign = other
        .post(
            &format!("/api/v1/channels/{id}/grant"),
            json!({"origin": "http://x"}),
        )
        .await;
    assert_eq!(foreign.status(), StatusCode::NOT_FOUND);
    // A wrong secret: Douyin refuses the code and the browser is told why.
    let link: Value = admin
        .post(
            &format!("/api/v1/channels/{id}/grant"),
            json!({"origin": app.url("")}),
        )
        .await
        .json()
        .await
        .unwrap();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = browser
        .get(link["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let back = page.headers()["location"].to_str().unwrap().to_owned();
    let refused = browser.get(&back).send().await.unwrap();
    assert_eq!(
        refused.headers()["location"],
        "/agent/channels?grant_error=channel_grant_failed"
    );
    assert_eq!(fake.tokens.lock().await.len(), 1);
    let listed = admin.get_json("/api/v1/channels").await;
    assert!(
        listed["channels"][0]["last_error"]
            .as_str()
            .unwrap()
            .contains("the grant did not complete"),
        "{listed}"
    );
    // A message while not granted lands; the reply fails on the health line, not silently.
    let now = kefu_domain::time::now_ms();
    let (status, _) = webhook(&app, &id, "wrong-secret", &received("@m", "在吗", now)).await;
    assert_eq!(status, StatusCode::OK);
    let (c, _) = admin.channel_buyer_messages("douyin", 1).await;
    assert_eq!(
        admin.reply(&c, "r1", "在的").await.status(),
        StatusCode::CREATED
    );
    for _ in 0..200 {
        let listed = admin.get_json("/api/v1/channels").await;
        if listed["channels"][0]["last_error"]
            .as_str()
            .unwrap()
            .contains("has not granted")
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the reply's failure is not on the health line");
}
