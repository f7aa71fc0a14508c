//! Issue #21, WeCom 微信客服 (CH-3, CHANNELS.md §3): the console's URL check; a callback that
//! only says "there is something to read" makes kefu pull the kf account with `sync_msg`
//! (with the callback's token, page by page, from the cursor it keeps); the buyers' messages
//! land once however often they are read; a failed send WeCom reports shows on the health
//! line; an agent's reply reaches a local fake of WeCom's API by `kf/send_msg`, addressed to
//! the buyer on the kf account they wrote to.

use std::sync::Arc;

use axum::extract::{Query, State};
use kefu_channels::wxcrypt::WxCrypt;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::helpers::TestApp;

/// V4's corp and key (CHANNELS.md §1).
const CORP_ID: &str = "wx5823bf96d3bd56c7";
const TOKEN: &str = "QDG6eK";
const AES_KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
const OPEN_KFID: &str = "wkAJ2GCAAASSm4_FhToWMFea0xAFfd3Q";
const BUYER: &str = "wmAJ2GCAAAme1XQRC-NI-q0_ZM9ukoAw";

/// A fake of WeCom's API: tokens, a kf account's messages by cursor (two a page), sends.
#[derive(Clone, Default)]
struct FakeWecom {
    messages: Arc<Mutex<Vec<Value>>>,
    /// What each `sync_msg` asked: its cursor and callback token.
    pulls: Arc<Mutex<Vec<(String, String)>>>,
    sent: Arc<Mutex<Vec<(String, Value)>>>,
    /// Each upload's `type` and whether its `media` part held a PDF.
    uploads: Arc<Mutex<Vec<(String, bool)>>>,
}

async fn gettoken(Query(q): Query<std::collections::HashMap<String, String>>) -> axum::Json<Value> {
    if q.get("corpid").map(String::as_str) != Some(CORP_ID)
        || q.get("corpsecret").map(String::as_str) != Some("kf-secret")
    {
        return axum::Json(json!({"errcode": 40013, "errmsg": "invalid corpid"}));
    }
    axum::Json(
        json!({"errcode": 0, "errmsg": "ok", "access_token": "CORP-TOKEN", "expires_in": 7200}),
    )
}

async fn sync_msg(
    State(fake): State<FakeWecom>,
    Query(q): Query<std::collections::HashMap<String, String>>,
    body: String,
) -> axum::Json<Value> {
    if q.get("access_token").map(String::as_str) != Some("CORP-TOKEN") {
        return axum::Json(json!({"errcode": 40014, "errmsg": "invalid access_token"}));
    }
    let asked: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(asked["open_kfid"], OPEN_KFID);
    let cursor = asked["cursor"].as_str().unwrap_or("").to_owned();
    fake.pulls.lock().await.push((
        cursor.clone(),
        asked["token"].as_str().unwrap_or("").to_owned(),
    ));
    let from: usize = cursor
        .strip_prefix('c')
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let all = fake.messages.lock().await.clone();
    let page: Vec<Value> = all.iter().skip(from).take(2).cloned().collect();
    let next = (from + page.len()).min(all.len());
    axum::Json(
        json!({"errcode": 0, "errmsg": "ok", "next_cursor": format!("c{next}"),
                      "has_more": i32::from(next < all.len()), "msg_list": page}),
    )
}

async fn send_msg(
    State(fake): State<FakeWecom>,
    Query(q): Query<std::collections::HashMap<String, String>>,
    body: String,
) -> axum::Json<Value> {
    let token = q.get("access_token").cloned().unwrap_or_default();
    fake.sent
        .lock()
        .await
        .push((token, serde_json::from_str(&body).unwrap_or(Value::Null)));
    axum::Json(json!({"errcode": 0, "errmsg": "ok", "msgid": "sent-1"}))
}

/// 客户基本信息: the buyer's nickname and, for a corp bound to the open platform, unionid.
async fn customer_batchget(body: String) -> axum::Json<Value> {
    let asked: Value = serde_json::from_str(&body).unwrap_or_default();
    let list: Vec<Value> = asked["external_userid_list"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|id| id == BUYER)
        .map(|id| json!({"external_userid": id, "nickname": "周", "gender": 2, "unionid": "oUnion-zhou-0001"}))
        .collect();
    axum::Json(
        json!({"errcode": 0, "errmsg": "ok", "customer_list": list, "invalid_external_userid": []}),
    )
}

/// The corp's kf accounts, and a contact link made with a scene (`enc_scene`).
async fn account_list() -> axum::Json<Value> {
    axum::Json(json!({"errcode": 0, "errmsg": "ok",
        "account_list": [{"open_kfid": OPEN_KFID, "name": "山野茶铺客服", "avatar": ""}]}))
}

async fn add_contact_way(body: String) -> axum::Json<Value> {
    let asked: Value = serde_json::from_str(&body).unwrap_or_default();
    assert_eq!(asked["open_kfid"], OPEN_KFID);
    assert_eq!(asked["scene"], "kefu");
    axum::Json(json!({"errcode": 0, "errmsg": "ok",
        "url": "https://work.weixin.qq.com/kf/kfcbf8f8d07ac7215f?enc_scene=ENCGFSDF567DF"}))
}

/// A buyer's picture, or (`buyer-file`) a PDF named as WeCom names files.
async fn media_get(
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if q.get("media_id").map(String::as_str) == Some("buyer-file") {
        // The name in UTF-8, as WeCom sends it.
        let disposition =
            axum::http::HeaderValue::from_bytes("attachment; filename=\"退货单.pdf\"".as_bytes())
                .unwrap();
        return (
            [
                (
                    axum::http::header::CONTENT_TYPE,
                    axum::http::HeaderValue::from_static("application/octet-stream"),
                ),
                (axum::http::header::CONTENT_DISPOSITION, disposition),
            ],
            b"%PDF-1.7 return form".to_vec(),
        )
            .into_response();
    }
    (
        [(axum::http::header::CONTENT_TYPE, "image/png")],
        crate::attachments::PNG.to_vec(),
    )
        .into_response()
}

async fn media_upload(
    State(fake): State<FakeWecom>,
    Query(q): Query<std::collections::HashMap<String, String>>,
    body: axum::body::Bytes,
) -> axum::Json<Value> {
    let kind = q.get("type").cloned().unwrap_or_default();
    let pdf =
        body.windows(5).any(|w| w == b"%PDF-") && body.windows(12).any(|w| w == b"name=\"media\"");
    fake.uploads.lock().await.push((kind.clone(), pdf));
    axum::Json(
        json!({"errcode": 0, "errmsg": "ok", "type": kind, "media_id": format!("UP-{kind}"), "created_at": "1"}),
    )
}

/// The test corp's kf account connected by `admin` against the fake at `api_base`.
async fn connect_wecom(admin: &crate::helpers::AgentClient, api_base: &str) -> Value {
    admin
        .post(
            "/api/v1/channels",
            json!({"kind": "wecom_kf", "app_id": CORP_ID, "app_secret": "kf-secret", "token": TOKEN,
                   "aes_key": AES_KEY, "api_base": api_base}),
        )
        .await
        .json()
        .await
        .unwrap()
}

async fn fake_wecom() -> (FakeWecom, String) {
    let fake = FakeWecom::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new()
        .route("/cgi-bin/gettoken", axum::routing::get(gettoken))
        .route("/cgi-bin/kf/sync_msg", axum::routing::post(sync_msg))
        .route("/cgi-bin/kf/send_msg", axum::routing::post(send_msg))
        .route("/cgi-bin/media/get", axum::routing::get(media_get))
        .route("/cgi-bin/media/upload", axum::routing::post(media_upload))
        .route(
            "/cgi-bin/kf/customer/batchget",
            axum::routing::post(customer_batchget),
        )
        .route(
            "/cgi-bin/kf/account/list",
            axum::routing::post(account_list),
        )
        .route(
            "/cgi-bin/kf/add_contact_way",
            axum::routing::post(add_contact_way),
        )
        .with_state(fake.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (fake, format!("http://{addr}"))
}

fn from_buyer(msgid: &str, msgtype: &str, payload: Value) -> Value {
    let now_s = kefu_domain::time::now_ms() / 1000;
    let mut m = json!({"msgid": msgid, "open_kfid": OPEN_KFID, "external_userid": BUYER,
                       "send_time": now_s, "origin": 3, "msgtype": msgtype});
    m[msgtype] = payload;
    m
}

/// WeCom's notice for the kf account, encrypted and signed: the query and body.
fn notice(crypt: &WxCrypt, token: &str) -> (String, String) {
    let now_s = (kefu_domain::time::now_ms() / 1000).to_string();
    let xml = format!(
        "<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><CreateTime>{now_s}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_msg_or_event]]></Event><Token><![CDATA[{token}]]></Token><OpenKfId><![CDATA[{OPEN_KFID}]]></OpenKfId></xml>"
    );
    let encrypted = crypt.encrypt(&xml).unwrap();
    let query = format!(
        "msg_signature={}&timestamp={now_s}&nonce=42",
        crypt.sign(&now_s, "42", &encrypted)
    );
    let body = format!(
        "<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>"
    );
    (query, body)
}

async fn post_notice(
    app: &TestApp,
    id: &str,
    (query, body): (String, String),
) -> (StatusCode, String) {
    let r = reqwest::Client::new()
        .post(app.url(&format!("/hooks/wecom-kf/{id}?{query}")))
        .header("content-type", "text/xml")
        .body(body)
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

#[tokio::test]
async fn a_wecom_buyer_is_pulled_in_once_and_answered_through_the_kf_account() {
    let app = TestApp::spawn_with(|s| s.http.channel_test_doubles = true).await;
    let admin = app.agent("tea-admin").await;
    let (fake, api_base) = fake_wecom().await;

    // Connected like an Official Account, but always encrypted: no key, no channel.
    let keyless = admin
        .post(
            "/api/v1/channels",
            json!({"kind": "wecom_kf", "app_id": CORP_ID, "app_secret": "kf-secret", "token": TOKEN}),
        )
        .await;
    assert_eq!(keyless.status(), StatusCode::BAD_REQUEST);
    let channel = connect_wecom(&admin, &api_base).await;
    let id = channel["id"].as_str().unwrap().to_owned();
    assert_eq!(channel["callback_path"], format!("/hooks/wecom-kf/{id}"));
    assert_eq!(
        (&channel["kind"], &channel["public_id"], &channel["mode"]),
        (&json!("wecom_kf"), &json!(CORP_ID), &json!("safe"))
    );
    assert_eq!(channel["name"], format!("企业微信客服 {CORP_ID}"));

    // The console's URL check: the decrypted echostr, only under the corp's signature.
    let crypt = WxCrypt::new(TOKEN, AES_KEY, CORP_ID).unwrap();
    let now_s = (kefu_domain::time::now_ms() / 1000).to_string();
    let echostr = crypt.encrypt("1616140317555161061").unwrap();
    let check = |signature: String| {
        reqwest::Client::new()
            .get(app.url(&format!("/hooks/wecom-kf/{id}")))
            .query(&[
                ("msg_signature", signature.as_str()),
                ("timestamp", now_s.as_str()),
                ("nonce", "263014780"),
                ("echostr", echostr.as_str()),
            ])
            .send()
    };
    let ok = check(crypt.sign(&now_s, "263014780", &echostr))
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(ok.text().await.unwrap(), "1616140317555161061");
    assert_eq!(
        check("0".repeat(40)).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );

    // Six things wait on WeCom: a message from before the channel was connected, two texts
    // and a picture from the buyer, a servicer's reply from the WeCom app, and WeCom's report
    // of a send that failed.
    let mut before_connected = from_buyer("m0", "text", json!({"content": "连接之前的旧消息"}));
    before_connected["send_time"] = json!(1615478585);
    *fake.messages.lock().await = vec![
        before_connected,
        from_buyer("m1", "text", json!({"content": "你好，在吗"})),
        from_buyer("m2", "text", json!({"content": "我想问一下发货时间"})),
        json!({"msgid": "m3", "open_kfid": OPEN_KFID, "external_userid": BUYER, "send_time": 1, "origin": 5,
               "servicer_userid": "zhangsan", "msgtype": "text", "text": {"content": "这条是接待人员在企业微信里发的"}}),
        json!({"msgid": "m4", "send_time": 1, "origin": 4, "msgtype": "event",
               "event": {"event_type": "msg_send_fail", "open_kfid": OPEN_KFID, "external_userid": BUYER, "fail_msgid": "x", "fail_type": 4}}),
        from_buyer("m5", "image", json!({"media_id": "buyer-media"})),
    ];
    assert_eq!(
        post_notice(&app, &id, notice(&crypt, "CB-TOKEN-1")).await,
        (StatusCode::OK, "success".to_owned())
    );
    let (c, mine) = admin.channel_buyer_messages("wecom", 3).await;
    let bodies: Vec<&str> = mine.iter().map(|m| m["body"].as_str().unwrap()).collect();
    assert_eq!(&bodies[..2], ["你好，在吗", "我想问一下发货时间"]);
    assert_eq!(mine[2]["kind"], "image", "{}", mine[2]);
    assert_eq!(
        mine.len(),
        3,
        "the servicer's own reply and the event are not the buyer's"
    );
    // Three pages, the first from no cursor, each with the callback's token.
    let pulls = fake.pulls.lock().await.clone();
    assert_eq!(
        pulls,
        vec![
            (String::new(), "CB-TOKEN-1".to_owned()),
            ("c2".to_owned(), "CB-TOKEN-1".to_owned()),
            ("c4".to_owned(), "CB-TOKEN-1".to_owned()),
        ]
    );

    // The next notice goes on from the kept cursor; read again from the start (a lost
    // cursor), the same messages land once.
    fake.messages
        .lock()
        .await
        .push(from_buyer("m6", "text", json!({"content": "好的谢谢"})));
    post_notice(&app, &id, notice(&crypt, "CB-TOKEN-2")).await;
    let (_, mine) = admin.channel_buyer_messages("wecom", 4).await;
    assert_eq!(mine[3]["body"], "好的谢谢");
    assert_eq!(
        fake.pulls.lock().await[3],
        ("c6".to_owned(), "CB-TOKEN-2".to_owned())
    );
    app.tamper("DELETE FROM channel_cursors").await;
    post_notice(&app, &id, notice(&crypt, "CB-TOKEN-3")).await;
    for _ in 0..200 {
        if fake.pulls.lock().await.len() >= 8 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let (_, mine) = admin.channel_buyer_messages("wecom", 4).await;
    assert_eq!(mine.len(), 4, "messages read twice land once");

    // The failed send is on the health line.
    let health = admin.get_json("/api/v1/channels").await;
    let row = &health["channels"][0];
    assert!(
        row["last_error"]
            .as_str()
            .unwrap()
            .contains("the session expired"),
        "{row}"
    );
    assert!(row["last_in_at"].is_i64(), "{row}");

    // The agent's reply leaves by kf/send_msg to the buyer on the kf account, with kefu's
    // message id; the window is WeCom's 48 hours and five messages.
    let window = admin
        .get_json(&format!("/api/v1/conversations/{c}/window"))
        .await;
    assert_eq!(
        (&window["channel"], &window["window"]["open"]),
        (&json!("wecom"), &json!(true))
    );
    let reply = admin.reply(&c, "w1", "您好，今天下午发货").await;
    assert_eq!(reply.status(), StatusCode::CREATED);
    let reply: Value = reply.json().await.unwrap();
    let message_id = reply["message"]["id"]
        .as_str()
        .or_else(|| reply["id"].as_str())
        .unwrap()
        .replace('-', "");
    let mut sent = Vec::new();
    for _ in 0..200 {
        sent = fake.sent.lock().await.clone();
        if sent
            .iter()
            .any(|(_, b)| b["text"]["content"] == "您好，今天下午发货")
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let (token, body) = sent
        .iter()
        .find(|(_, b)| b["text"]["content"] == "您好，今天下午发货")
        .unwrap_or_else(|| panic!("the reply reached WeCom: {sent:?}"));
    assert_eq!(token, "CORP-TOKEN");
    assert_eq!(
        body,
        &json!({"touser": BUYER, "open_kfid": OPEN_KFID, "msgid": message_id, "msgtype": "text",
                "text": {"content": "您好，今天下午发货"}})
    );

    // A forged notice is refused and pulls nothing.
    let before = fake.pulls.lock().await.len();
    let (query, body) = notice(&crypt, "CB-TOKEN-4");
    let forged = post_notice(
        &app,
        &id,
        (query.replace("msg_signature=", "msg_signature=0"), body),
    )
    .await;
    assert_eq!(forged.0, StatusCode::FORBIDDEN);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(fake.pulls.lock().await.len(), before);

    // Paused, the account is still read but nothing is taken; resumed, only what comes
    // after is.
    let paused = admin
        .put(&format!("/api/v1/channels/{id}"), json!({"paused": true}))
        .await;
    assert_eq!(paused.status(), StatusCode::OK);
    fake.messages
        .lock()
        .await
        .push(from_buyer("m7", "text", json!({"content": "暂停时发的"})));
    let pulled = fake.pulls.lock().await.len();
    post_notice(&app, &id, notice(&crypt, "CB-TOKEN-5")).await;
    for _ in 0..200 {
        if fake.pulls.lock().await.len() > pulled {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let resumed = admin
        .put(&format!("/api/v1/channels/{id}"), json!({"paused": false}))
        .await;
    assert_eq!(resumed.status(), StatusCode::OK);
    fake.messages
        .lock()
        .await
        .push(from_buyer("m8", "text", json!({"content": "恢复后发的"})));
    post_notice(&app, &id, notice(&crypt, "CB-TOKEN-6")).await;
    let (_, mine) = admin.channel_buyer_messages("wecom", 5).await;
    let bodies: Vec<&str> = mine.iter().map(|m| m["body"].as_str().unwrap()).collect();
    assert_eq!(bodies.last(), Some(&"恢复后发的"));
    assert!(!bodies.contains(&"暂停时发的") && !bodies.contains(&"连接之前的旧消息"));
}

/// Moving a web buyer to WeCom (issue #21): refused while no WeCom account has a contact
/// link; then the buyer gets the link with the move's token on the chat page; when they open
/// it, WeCom's `enter_session` names the token, and their WeCom conversation opens in their
/// profile, named as they were, for the agent who moved them, with a note of where it came
/// from; reading the event again changes nothing.
#[tokio::test]
async fn a_web_buyer_is_moved_to_wecom_into_the_same_profile() {
    let app = TestApp::spawn_with(|s| s.http.channel_test_doubles = true).await;
    let admin = app.agent("tea-admin").await;
    let agent = app.agent("tea-pre1").await;
    let buyer = app.buyer("shanye-tea").await;
    buyer.send("m1", "后续能加个微信跟进吗").await;
    let web = agent.open_conversation_of(&buyer).await;
    let web_id = web["id"].as_str().unwrap().to_owned();
    let move_path = format!("/api/v1/conversations/{web_id}/move-to-wecom");

    let refused = agent.post(&move_path, json!({})).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let refused: Value = refused.json().await.unwrap();
    assert_eq!(refused["code"], "channel_move_unavailable");

    let (fake, api_base) = fake_wecom().await;
    let bad_link = admin
        .post(
            "/api/v1/channels",
            json!({"kind": "wecom_kf", "app_id": CORP_ID, "app_secret": "kf-secret", "token": TOKEN,
                   "aes_key": AES_KEY, "api_base": api_base, "contact_url": "javascript:alert(1)"}),
        )
        .await;
    assert_eq!(bad_link.status(), StatusCode::BAD_REQUEST);
    let channel: Value = admin
        .post(
            "/api/v1/channels",
            json!({"kind": "wecom_kf", "app_id": CORP_ID, "app_secret": "kf-secret", "token": TOKEN,
                   "aes_key": AES_KEY, "api_base": api_base,
                   "contact_url": "https://work.weixin.qq.com/kfid/kfc0123456789abcdef"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = channel["id"].as_str().unwrap().to_owned();
    assert_eq!(
        channel["contact_url"],
        "https://work.weixin.qq.com/kfid/kfc0123456789abcdef"
    );

    let moved = agent.post(&move_path, json!({})).await;
    assert_eq!(moved.status(), StatusCode::OK);
    let moved: Value = moved.json().await.unwrap();
    let link = moved["link"].as_str().unwrap().to_owned();
    // The console's link brings no scene_param back: kefu made one with a scene and kept it.
    let token = link
        .strip_prefix(
            "https://work.weixin.qq.com/kf/kfcbf8f8d07ac7215f?enc_scene=ENCGFSDF567DF&scene_param=",
        )
        .expect("the link with the move's token")
        .to_owned();
    let kept = admin.get_json("/api/v1/channels").await;
    assert_eq!(
        kept["channels"][0]["contact_url"],
        "https://work.weixin.qq.com/kf/kfcbf8f8d07ac7215f?enc_scene=ENCGFSDF567DF"
    );
    assert_eq!(token.len(), 16);
    assert_eq!(moved["channel_id"], id.as_str());
    // The buyer sees it on the chat page.
    let seen = buyer.messages().await;
    assert!(
        seen.iter()
            .any(|m| m["body"].as_str().is_some_and(|b| b.contains(&link))),
        "{seen:?}"
    );

    // The buyer opens the link on WeCom; someone else's made-up token moves nobody.
    *fake.messages.lock().await = vec![
        json!({"msgid": "e1", "send_time": 1, "origin": 4, "msgtype": "event",
               "event": {"event_type": "enter_session", "open_kfid": OPEN_KFID, "external_userid": "wmStranger",
                         "scene": "kefu", "scene_param": "AAAAAAAAAAAAAAAA"}}),
        json!({"msgid": "e2", "send_time": 1, "origin": 4, "msgtype": "event",
               "event": {"event_type": "enter_session", "open_kfid": OPEN_KFID, "external_userid": BUYER,
                         "scene": "kefu", "scene_param": token}}),
    ];
    let crypt = WxCrypt::new(TOKEN, AES_KEY, CORP_ID).unwrap();
    post_notice(&app, &id, notice(&crypt, "CB-TOKEN-M")).await;
    let mut wecom = None;
    for _ in 0..100 {
        wecom = agent
            .conversations("all")
            .await
            .into_iter()
            .find(|c| c["channel"] == "wecom");
        if wecom.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let wecom = wecom.expect("the WeCom conversation opened");
    assert_eq!(wecom["buyer_name"], web["buyer_name"]);
    assert_eq!(
        wecom["assignee_id"],
        agent.user_id.to_string().as_str(),
        "{wecom}"
    );
    let profile = agent
        .get_json(&format!("/api/v1/buyers/{}/profile", buyer.buyer_id))
        .await;
    let channels: Vec<&str> = profile["buyers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["channel"].as_str().unwrap())
        .collect();
    assert_eq!(channels, ["web", "wecom"], "{profile}");
    let wecom_buyer = wecom["buyer_id"].as_str().unwrap();
    let notes = agent
        .get_json(&format!("/api/v1/buyers/{wecom_buyer}/notes"))
        .await;
    assert!(
        notes.to_string().contains("从网页会话转来企业微信"),
        "{notes}"
    );
    let audit = admin.get_json("/api/v1/audit?action=buyer.link").await;
    assert_eq!(audit["entries"].as_array().unwrap().len(), 1, "{audit}");
    // Only the moved buyer: the stranger has no conversation.
    assert_eq!(
        agent
            .conversations("all")
            .await
            .iter()
            .filter(|c| c["channel"] == "wecom")
            .count(),
        1
    );

    // Read again from the start (a lost cursor): nothing twice.
    app.tamper("DELETE FROM channel_cursors").await;
    post_notice(&app, &id, notice(&crypt, "CB-TOKEN-M2")).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let notes = agent
        .get_json(&format!("/api/v1/buyers/{wecom_buyer}/notes"))
        .await;
    assert_eq!(
        notes.to_string().matches("从网页会话转来").count(),
        1,
        "{notes}"
    );
    let audit = admin.get_json("/api/v1/audit?action=buyer.link").await;
    assert_eq!(audit["entries"].as_array().unwrap().len(), 1);

    // Now on WeCom, the buyer is not moved again.
    let wecom_id = wecom["id"].as_str().unwrap();
    let again = agent
        .post(
            &format!("/api/v1/conversations/{wecom_id}/move-to-wecom"),
            json!({}),
        )
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
}

/// Files go both ways on WeCom (issue #21): a buyer's file is fetched by its media id and
/// kept under the name WeCom gives it; an agent's file is uploaded as `type=file` and sent as
/// a file message, not a link.
#[tokio::test]
async fn files_go_both_ways_on_wecom() {
    let app = TestApp::spawn_with(|s| s.http.channel_test_doubles = true).await;
    let admin = app.agent("tea-admin").await;
    let (fake, api_base) = fake_wecom().await;
    let channel = connect_wecom(&admin, &api_base).await;
    let id = channel["id"].as_str().unwrap().to_owned();
    *fake.messages.lock().await = vec![
        from_buyer("f1", "text", json!({"content": "退货单发您了"})),
        from_buyer("f2", "file", json!({"media_id": "buyer-file"})),
    ];
    let crypt = WxCrypt::new(TOKEN, AES_KEY, CORP_ID).unwrap();
    post_notice(&app, &id, notice(&crypt, "CB-TOKEN-F")).await;
    let (c, mine) = admin.channel_buyer_messages("wecom", 2).await;
    let file = &mine[1];
    assert_eq!(file["kind"], "file", "{file}");
    assert_eq!(file["attachment"]["file_name"], "退货单.pdf", "{file}");
    let link = file["attachment"]["url"].as_str().unwrap();
    let fetched = reqwest::get(app.url(link)).await.unwrap();
    assert_eq!(
        fetched.bytes().await.unwrap().as_ref(),
        b"%PDF-1.7 return form"
    );

    let upload = admin
        .http
        .post(app.url("/api/v1/attachments"))
        .bearer_auth(&admin.token)
        .multipart(reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(b"%PDF-1.7 invoice".to_vec()).file_name("发票.pdf"),
        ))
        .send()
        .await
        .unwrap();
    let attachment: Value = upload.json().await.unwrap();
    let sent = admin
        .post(
            &format!("/api/v1/conversations/{c}/messages"),
            json!({"client_msg_id": "invoice", "kind": "file", "attachment_id": attachment["id"]}),
        )
        .await;
    assert_eq!(sent.status(), StatusCode::CREATED);
    let mut got = None;
    for _ in 0..200 {
        got = fake
            .sent
            .lock()
            .await
            .iter()
            .find(|(_, b)| b["msgtype"] == "file")
            .cloned();
        if got.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let (_, body) = got.expect("the file reached WeCom");
    assert_eq!(body["file"], json!({"media_id": "UP-file"}), "{body}");
    assert_eq!(
        (body["touser"].as_str(), body["open_kfid"].as_str()),
        (Some(BUYER), Some(OPEN_KFID))
    );
    assert_eq!(*fake.uploads.lock().await, vec![("file".to_owned(), true)]);
}

/// With several WeCom accounts the agent chooses (issue #21): the workbench lists the running
/// ones; a move that names none is refused, one that names a paused account too, and one that
/// names a running account sends its link.
#[tokio::test]
async fn with_several_wecom_accounts_the_agent_names_one() {
    let app = TestApp::spawn_with(|s| s.http.channel_test_doubles = true).await;
    let admin = app.agent("tea-admin").await;
    let agent = app.agent("tea-pre1").await;
    let buyer = app.buyer("shanye-tea").await;
    buyer.send("m1", "加个企业微信").await;
    let web = agent.open_conversation_of(&buyer).await;
    let move_path = format!(
        "/api/v1/conversations/{}/move-to-wecom",
        web["id"].as_str().unwrap()
    );
    assert_eq!(
        agent.get_json("/api/v1/move-targets/wecom").await,
        json!([])
    );

    let (_fake, api_base) = fake_wecom().await;
    let mut ids = Vec::new();
    for (corp, name) in [(CORP_ID, "售前企微"), ("wwsecondcorp0002", "售后企微")] {
        let channel: Value = admin
            .post(
                "/api/v1/channels",
                json!({"kind": "wecom_kf", "name": name, "app_id": corp, "app_secret": "kf-secret",
                       "token": TOKEN, "aes_key": AES_KEY, "api_base": api_base,
                       "contact_url": "https://work.weixin.qq.com/kfid/kfc0123456789abcdef"}),
            )
            .await
            .json()
            .await
            .unwrap();
        ids.push(channel["id"].as_str().expect("connected").to_owned());
    }
    let targets = agent.get_json("/api/v1/move-targets/wecom").await;
    let names: Vec<&str> = targets
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{targets}");
    assert!(names.contains(&"售前企微") && names.contains(&"售后企微"));

    let unnamed = agent.post(&move_path, json!({})).await;
    assert_eq!(unnamed.status(), StatusCode::CONFLICT);
    let paused = admin
        .put(
            &format!("/api/v1/channels/{}", ids[1]),
            json!({"paused": true}),
        )
        .await;
    assert_eq!(paused.status(), StatusCode::OK);
    let targets = agent.get_json("/api/v1/move-targets/wecom").await;
    assert_eq!(targets, json!([{"id": ids[0], "name": "售前企微"}]));
    let to_paused = agent.post(&move_path, json!({"channel_id": ids[1]})).await;
    assert_eq!(to_paused.status(), StatusCode::CONFLICT);
    let moved = agent.post(&move_path, json!({"channel_id": ids[0]})).await;
    assert_eq!(moved.status(), StatusCode::OK);
    let moved: Value = moved.json().await.unwrap();
    assert_eq!(moved["channel_name"], "售前企微");

    // Another shop's agent sees none of them.
    let other = app.agent("digital-admin").await;
    assert_eq!(
        other.get_json("/api/v1/move-targets/wecom").await,
        json!([])
    );
}

/// CH-6: a WeCom buyer whose unionid (asked of WeCom, `kf/customer/batchget`) is the one the
/// shop vouched for with a member is that member: one profile.
#[tokio::test]
async fn a_wecom_buyer_with_a_members_unionid_is_that_member() {
    let app = TestApp::spawn_with(|s| s.http.channel_test_doubles = true).await;
    let admin = app.agent("tea-admin").await;
    let secret = app.identity_secret("shanye-tea").await;
    let member = app
        .buyer_with(
            json!({"shop": "shanye-tea", "identity": crate::commerce::sign(&secret, json!({
            "sub": "tea-m-union", "name": "周女士", "unionid": "oUnion-zhou-0001",
            "exp": crate::commerce::in_an_hour()}))}),
        )
        .await;
    let (fake, api_base) = fake_wecom().await;
    let channel = connect_wecom(&admin, &api_base).await;
    let id = channel["id"].as_str().unwrap().to_owned();
    *fake.messages.lock().await = vec![from_buyer("u1", "text", json!({"content": "我是会员"}))];
    let crypt = WxCrypt::new(TOKEN, AES_KEY, CORP_ID).unwrap();
    post_notice(&app, &id, notice(&crypt, "CB-TOKEN-U")).await;
    assert_eq!(
        admin.profile_channels(member.buyer_id, 2).await,
        ["web", "wecom"]
    );
    let audit = admin.get_json("/api/v1/audit?action=buyer.link").await;
    assert!(audit.to_string().contains("oUnion-zhou-0001"), "{audit}");
}
