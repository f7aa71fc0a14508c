//! Issue #21, channels (CH-3): a buyer writes on WeChat (safe mode, signed and encrypted as
//! WeChat does), the message lands once however often WeChat repeats it, an agent replies
//! from the workbench and the reply reaches a local fake of WeChat's API with the account's
//! access token; the 48-hour, five-message window refuses what WeChat would; a paused channel
//! takes and sends nothing; forged callbacks are refused and show on the health line.

use std::sync::Arc;

use axum::extract::{Query, State};
use kefu_channels::wxcrypt::WxCrypt;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::helpers::{AgentClient, TestApp};

const APP_ID: &str = "wx2c2769f8efd9abc2";
const TOKEN: &str = "spamtest";
const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const OPENID: &str = "oBuyerWechat0001";

/// A fake of WeChat's API: hands out access tokens, records customer-service messages, and
/// refuses the first send with "token expired" when told to.
#[derive(Clone, Default)]
struct FakeWechat {
    tokens_issued: Arc<Mutex<u32>>,
    sent: Arc<Mutex<Vec<(String, Value)>>>,
    expire_first_send: Arc<Mutex<bool>>,
    uploads: Arc<Mutex<u32>>,
}

async fn token(
    State(fake): State<FakeWechat>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> axum::Json<Value> {
    if q.get("appid").map(String::as_str) != Some(APP_ID)
        || q.get("secret").map(String::as_str) != Some("app-secret")
    {
        return axum::Json(json!({"errcode": 40013, "errmsg": "invalid appid"}));
    }
    let mut n = fake.tokens_issued.lock().await;
    *n += 1;
    axum::Json(json!({"access_token": format!("TOKEN-{n}"), "expires_in": 7200}))
}

async fn custom_send(
    State(fake): State<FakeWechat>,
    Query(q): Query<std::collections::HashMap<String, String>>,
    body: String,
) -> axum::Json<Value> {
    let mut expire = fake.expire_first_send.lock().await;
    if *expire {
        *expire = false;
        return axum::Json(json!({"errcode": 42001, "errmsg": "access_token expired"}));
    }
    let token = q.get("access_token").cloned().unwrap_or_default();
    fake.sent
        .lock()
        .await
        .push((token, serde_json::from_str(&body).unwrap_or(Value::Null)));
    axum::Json(json!({"errcode": 0, "errmsg": "ok"}))
}

/// A buyer's picture, by its media id.
async fn media_get() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "image/png")],
        crate::attachments::PNG.to_vec(),
    )
}

/// A picture uploaded for a message: its media id.
async fn media_upload(
    State(fake): State<FakeWechat>,
    body: axum::body::Bytes,
) -> axum::Json<Value> {
    let looks_right = body.windows(4).any(|w| w == b"\x89PNG")
        && body.windows(12).any(|w| w == b"name=\"media\"");
    *fake.uploads.lock().await += u32::from(looks_right);
    axum::Json(json!({"type": "image", "media_id": "MEDIA-1", "created_at": 1}))
}

async fn fake_wechat() -> (FakeWechat, String) {
    let fake = FakeWechat::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new()
        .route("/cgi-bin/token", axum::routing::get(token))
        .route(
            "/cgi-bin/message/custom/send",
            axum::routing::post(custom_send),
        )
        .route("/cgi-bin/media/get", axum::routing::get(media_get))
        .route("/cgi-bin/media/upload", axum::routing::post(media_upload))
        .with_state(fake.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (fake, format!("http://{addr}"))
}

impl FakeWechat {
    /// What it was sent, once `n` messages arrived.
    async fn sent_at_least(&self, n: usize) -> Vec<(String, Value)> {
        for _ in 0..200 {
            let sent = self.sent.lock().await.clone();
            if sent.len() >= n {
                return sent;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!(
            "the fake WeChat got {:?}, not {n} messages",
            self.sent.lock().await
        );
    }
}

async fn connect(admin: &AgentClient, mode: &str, api_base: &str) -> Value {
    let response = admin
        .post(
            "/api/v1/channels",
            json!({"kind": "wechat_mp", "name": "山野茶公众号", "app_id": APP_ID, "app_secret": "app-secret",
                   "token": TOKEN, "aes_key": AES_KEY, "mode": mode, "api_base": api_base}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

/// A text message from the buyer as WeChat pushes it in safe mode: the query and body.
fn safe_push(msg_id: u64, text: &str, timestamp: &str) -> (String, String) {
    let crypt = WxCrypt::new(TOKEN, AES_KEY, APP_ID).unwrap();
    let xml = format!(
        "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n<FromUserName><![CDATA[{OPENID}]]></FromUserName>\n<CreateTime>{timestamp}</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[{text}]]></Content>\n<MsgId>{msg_id}</MsgId>\n</xml>"
    );
    let encrypted = crypt.encrypt(&xml).unwrap();
    let nonce = format!("n{msg_id}");
    let query = format!(
        "signature={}&timestamp={timestamp}&nonce={nonce}&openid={OPENID}&encrypt_type=aes&msg_signature={}",
        crypt.sign_plain(timestamp, &nonce),
        crypt.sign(timestamp, &nonce, &encrypted)
    );
    let body = format!(
        "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    );
    (query, body)
}

/// `xml` encrypted and signed as WeChat pushes it in safe mode: the query and body.
fn crypt_push(crypt: &WxCrypt, timestamp: &str, xml: String) -> (String, String) {
    let encrypted = crypt.encrypt(&xml).unwrap();
    let nonce = "nonce";
    let query = format!(
        "signature={}&timestamp={timestamp}&nonce={nonce}&openid={OPENID}&encrypt_type=aes&msg_signature={}",
        crypt.sign_plain(timestamp, nonce),
        crypt.sign(timestamp, nonce, &encrypted)
    );
    (
        query,
        format!("<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"),
    )
}

async fn push(app: &TestApp, channel: &str, query: &str, body: String) -> (StatusCode, String) {
    let response = reqwest::Client::new()
        .post(app.url(&format!("/hooks/wechat-mp/{channel}?{query}")))
        .header("content-type", "text/xml")
        .body(body)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn wechat_conversation(agent: &AgentClient) -> Value {
    for _ in 0..100 {
        if let Some(c) = agent
            .conversations("all")
            .await
            .into_iter()
            .find(|c| c["channel"] == "wechat_mp")
        {
            return c;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("no WeChat conversation");
}

#[tokio::test]
async fn a_wechat_buyer_is_answered_from_the_workbench_within_the_platforms_window() {
    let app = TestApp::spawn_with(|s| s.http.channel_test_doubles = true).await;
    let admin = app.agent("tea-admin").await;
    let (fake, api_base) = fake_wechat().await;
    let channel = connect(&admin, "safe", &api_base).await;
    let id = channel["id"].as_str().unwrap().to_owned();
    assert_eq!(channel["callback_path"], format!("/hooks/wechat-mp/{id}"));
    assert_eq!(
        (&channel["mode"], &channel["paused"]),
        (&json!("safe"), &json!(false))
    );
    assert!(channel.get("app_secret").is_none() && channel.get("aes_key").is_none());

    // The console's URL check: echostr back only under the right signature.
    let crypt = WxCrypt::new(TOKEN, AES_KEY, APP_ID).unwrap();
    let now_s = (kefu_domain::time::now_ms() / 1000).to_string();
    let check = |sig: String, timestamp: &str| {
        reqwest::Client::new()
            .get(app.url(&format!(
                "/hooks/wechat-mp/{id}?signature={sig}&timestamp={timestamp}&nonce=1320562132&echostr=8473265"
            )))
            .send()
    };
    let ok = check(crypt.sign_plain(&now_s, "1320562132"), &now_s)
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(ok.text().await.unwrap(), "8473265");
    let forged = check("0".repeat(40), &now_s).await.unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    // An old request replayed is refused, however well signed.
    let old = check(crypt.sign_plain("1409735669", "1320562132"), "1409735669")
        .await
        .unwrap();
    assert_eq!(old.status(), StatusCode::FORBIDDEN);

    // The buyer writes; WeChat repeats the push (it does, when an answer is slow): one message.
    let (query, body) = safe_push(6054768590064713728, "你好，请问今天能发货吗", &now_s);
    for _ in 0..2 {
        assert_eq!(
            push(&app, &id, &query, body.clone()).await,
            (StatusCode::OK, "success".to_owned())
        );
    }
    let agent = app.agent("tea-pre1").await;
    let conversation = wechat_conversation(&admin).await;
    let c = conversation["id"].as_str().unwrap().to_owned();
    let from_buyer: Vec<Value> = admin
        .messages(&c)
        .await
        .into_iter()
        .filter(|m| m["sender_kind"] == "buyer")
        .collect();
    assert_eq!(from_buyer.len(), 1, "a repeated push is one message");
    assert_eq!(from_buyer[0]["body"], "你好，请问今天能发货吗");
    assert!(
        conversation["buyer_name"]
            .as_str()
            .unwrap()
            .starts_with("微信用户")
    );

    // A forged push is refused, stores nothing, and shows on the health line.
    let (forged_query, forged_body) = safe_push(2, "伪造的", &now_s);
    let forged_query = forged_query.replace("msg_signature=", "msg_signature=0");
    assert_eq!(
        push(&app, &id, &forged_query, forged_body).await.0,
        StatusCode::FORBIDDEN
    );

    // A safe-mode account takes no plain push: its signature covers no body.
    let plain_xml = format!(
        "<xml><ToUserName><![CDATA[gh]]></ToUserName><FromUserName><![CDATA[{OPENID}]]></FromUserName><CreateTime>{now_s}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[冒充的]]></Content><MsgId>3</MsgId></xml>"
    );
    let plain_query = format!(
        "signature={}&timestamp={now_s}&nonce=x",
        crypt.sign_plain(&now_s, "x")
    );
    assert_eq!(
        push(&app, &id, &plain_query, plain_xml).await.0,
        StatusCode::FORBIDDEN
    );

    // An agent replies from the workbench; it leaves by the customer-service API, once the
    // first token expired and a new one was fetched.
    *fake.expire_first_send.lock().await = true;
    let window = admin
        .get_json(&format!("/api/v1/conversations/{c}/window"))
        .await;
    assert_eq!(window["channel"], "wechat_mp");
    assert_eq!(window["window"]["open"], true);
    let before = window["window"]["remaining"].as_u64().unwrap();
    let already = fake.sent.lock().await.len();
    let reply = admin.reply(&c, "r1", "您好，今天下午发货").await;
    assert_eq!(reply.status(), StatusCode::CREATED);
    let sent = fake.sent_at_least(already + 1).await;
    let (token, body) = sent.last().unwrap();
    assert_eq!(
        body,
        &json!({"touser": OPENID, "msgtype": "text", "text": {"content": "您好，今天下午发货"}})
    );
    assert_eq!(
        token,
        &format!("TOKEN-{}", *fake.tokens_issued.lock().await)
    );
    assert!(
        *fake.tokens_issued.lock().await >= 2,
        "an expired token is fetched anew"
    );
    let window = admin
        .get_json(&format!("/api/v1/conversations/{c}/window"))
        .await;
    assert_eq!(window["window"]["remaining"].as_u64().unwrap(), before - 1);

    let health = admin.get_json("/api/v1/channels").await;
    let row = &health["channels"][0];
    assert!(
        row["last_in_at"].is_i64() && row["last_out_at"].is_i64(),
        "{row}"
    );
    assert!(
        row["last_error"]
            .as_str()
            .unwrap()
            .contains("only encrypted pushes"),
        "{row}"
    );
    assert!(row["token_expires_at"].is_i64());

    // The quota: five messages since the buyer last wrote, then a clear refusal.
    for n in 0..before - 1 {
        let r = admin.reply(&c, &format!("q{n}"), "还有什么可以帮您").await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let refused = admin.reply(&c, "over", "第六条").await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let error: Value = refused.json().await.unwrap();
    assert_eq!(error["code"], "channel_window_closed");
    assert!(
        error["message"].as_str().unwrap().contains("five"),
        "{error}"
    );
    // The buyer writes again: the window opens anew.
    let (query, body) = safe_push(2001, "好的谢谢", &now_s);
    push(&app, &id, &query, body).await;
    for _ in 0..100 {
        let w = admin
            .get_json(&format!("/api/v1/conversations/{c}/window"))
            .await;
        if w["window"]["remaining"] == 5 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(
        admin.reply(&c, "again", "不客气").await.status(),
        StatusCode::CREATED
    );

    // 48 hours later the window is closed, whatever the count.
    app.tamper(&format!(
        "UPDATE conversations SET last_buyer_message_at = last_buyer_message_at - {} WHERE id = '{c}'",
        49 * 3_600_000
    ))
    .await;
    let late = agent.reply(&c, "late", "在吗").await;
    assert_eq!(late.status(), StatusCode::CONFLICT);
    let error: Value = late.json().await.unwrap();
    assert!(
        error["message"].as_str().unwrap().contains("48 hours"),
        "{error}"
    );

    // Pictures both ways: the buyer's is fetched by its media id and kept; the agent's is
    // uploaded to WeChat and sent by its media id.
    let (query, body) = crypt_push(
        &crypt,
        &now_s,
        format!(
            "<xml><ToUserName><![CDATA[gh]]></ToUserName><FromUserName><![CDATA[{OPENID}]]></FromUserName><CreateTime>{now_s}</CreateTime><MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[http://127.0.0.1:1/x]]></PicUrl><MediaId><![CDATA[buyer-media-1]]></MediaId><MsgId>4001</MsgId></xml>"
        ),
    );
    assert_eq!(push(&app, &id, &query, body).await.0, StatusCode::OK);
    let picture = admin
        .messages(&c)
        .await
        .into_iter()
        .rfind(|m| m["sender_kind"] == "buyer")
        .unwrap();
    assert_eq!(picture["kind"], "image", "{picture}");
    let link = picture["attachment"]["url"].as_str().unwrap();
    let fetched = reqwest::get(app.url(link)).await.unwrap();
    assert_eq!(
        fetched.bytes().await.unwrap().as_ref(),
        crate::attachments::PNG
    );
    let upload = admin
        .http
        .post(app.url("/api/v1/attachments"))
        .bearer_auth(&admin.token)
        .multipart(
            reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(crate::attachments::PNG.to_vec())
                    .file_name("尺码表.png"),
            ),
        )
        .send()
        .await
        .unwrap();
    let attachment: Value = upload.json().await.unwrap();
    let already = fake.sent.lock().await.len();
    let sent = admin
        .post(
            &format!("/api/v1/conversations/{c}/messages"),
            json!({"client_msg_id": "pic", "kind": "image", "attachment_id": attachment["id"]}),
        )
        .await;
    assert_eq!(sent.status(), StatusCode::CREATED);
    let got = fake.sent_at_least(already + 1).await;
    assert_eq!(
        got.last().unwrap().1,
        json!({"touser": OPENID, "msgtype": "image", "image": {"media_id": "MEDIA-1"}})
    );
    assert_eq!(
        *fake.uploads.lock().await,
        1,
        "the picture went up as `media`"
    );

    // Paused: pushes are answered but not taken, and nothing is sent.
    let paused = admin
        .put(&format!("/api/v1/channels/{id}"), json!({"paused": true}))
        .await;
    assert_eq!(paused.status(), StatusCode::OK);
    let count = admin.messages(&c).await.len();
    let (query, body) = safe_push(3001, "暂停时的消息", &now_s);
    assert_eq!(
        push(&app, &id, &query, body).await,
        (StatusCode::OK, "success".to_owned())
    );
    assert_eq!(admin.messages(&c).await.len(), count);
    let refused = admin.reply(&c, "paused", "在的").await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert_eq!(
        refused.json::<Value>().await.unwrap()["code"],
        "channel_paused"
    );
}

#[tokio::test]
async fn channels_are_checked_connected_once_and_managed_only_by_the_shop_admin() {
    let app = TestApp::spawn().await;
    let admin = app.agent("tea-admin").await;
    let agent = app.agent("tea-pre1").await;
    let bad = [
        json!({"kind": "wechat_mp", "app_id": APP_ID, "app_secret": "s", "token": "t", "aes_key": "short"}),
        json!({"kind": "wechat_mp", "app_id": APP_ID, "app_secret": "s", "token": "", "aes_key": AES_KEY}),
        json!({"kind": "wechat_mp", "app_id": "", "app_secret": "s", "token": "t", "aes_key": AES_KEY}),
        json!({"kind": "wechat_mp", "app_id": APP_ID, "app_secret": "s", "token": "t", "aes_key": AES_KEY, "mode": "loud"}),
    ];
    for body in bad {
        let r = admin.post("/api/v1/channels", body.clone()).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(r.json::<Value>().await.unwrap()["code"], "invalid_channel");
    }
    let r = admin
        .post(
            "/api/v1/channels",
            json!({"kind": "fax", "app_id": "a", "app_secret": "s", "token": "t"}),
        )
        .await;
    assert_eq!(
        r.json::<Value>().await.unwrap()["code"],
        "channel_kind_unsupported"
    );
    // Plain mode needs no key; the same account twice is refused.
    let plain = json!({"kind": "wechat_mp", "app_id": APP_ID, "app_secret": "s", "token": TOKEN, "mode": "plain"});
    assert_eq!(
        admin.post("/api/v1/channels", plain.clone()).await.status(),
        StatusCode::CREATED
    );
    let twice = admin.post("/api/v1/channels", plain).await;
    assert_eq!(twice.status(), StatusCode::CONFLICT);
    assert_eq!(
        twice.json::<Value>().await.unwrap()["code"],
        "channel_exists"
    );
    // Agents neither see nor change channels; another shop's is not found.
    assert_eq!(
        agent.get("/api/v1/channels").await.status(),
        StatusCode::FORBIDDEN
    );
    let list = admin.get_json("/api/v1/channels").await;
    let id = list["channels"][0]["id"].as_str().unwrap().to_owned();
    let other = app.agent("digital-admin").await;
    let r = other
        .put(&format!("/api/v1/channels/{id}"), json!({"name": "x"}))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // A plain-mode push: the signature over token, timestamp and nonce is all there is.
    let crypt = WxCrypt::new(TOKEN, AES_KEY, APP_ID).unwrap();
    let now_s = (kefu_domain::time::now_ms() / 1000).to_string();
    let signature = crypt.sign_plain(&now_s, "abc");
    let xml = format!(
        "<xml><ToUserName><![CDATA[gh_x]]></ToUserName><FromUserName><![CDATA[{OPENID}]]></FromUserName><CreateTime>1348831860</CreateTime><MsgType><![CDATA[voice]]></MsgType><MediaId><![CDATA[m]]></MediaId><Format><![CDATA[amr]]></Format><Recognition><![CDATA[退货地址是哪里]]></Recognition><MsgId>77</MsgId></xml>"
    );
    let (status, answer) = push(
        &app,
        &id,
        &format!("signature={signature}&timestamp={now_s}&nonce=abc"),
        xml,
    )
    .await;
    assert_eq!((status, answer.as_str()), (StatusCode::OK, "success"));
    let conversation = wechat_conversation(&admin).await;
    let messages = admin.messages(conversation["id"].as_str().unwrap()).await;
    assert_eq!(messages[0]["body"], "[语音] 退货地址是哪里");
    // Signed but not a message kefu reads: answered `success` (WeChat would otherwise try
    // again and tell the buyer the account is broken), nothing stored.
    let (status, _) = push(
        &app,
        &id,
        &format!("signature={signature}&timestamp={now_s}&nonce=abc"),
        "<xml><a>".into(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        admin
            .messages(conversation["id"].as_str().unwrap())
            .await
            .len(),
        messages.len()
    );
    // Disconnected: its callback is gone; its conversations stay.
    let r = admin.delete(&format!("/api/v1/channels/{id}")).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (status, _) = push(
        &app,
        &id,
        "signature=x&timestamp=1&nonce=1",
        "<xml/>".into(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        admin
            .messages(conversation["id"].as_str().unwrap())
            .await
            .len(),
        messages.len()
    );
}

/// CH-6: the WeChat buyer and the chat page's buyer are the same person: an agent merges
/// them (audited), the profile shows both and all their conversations; split again, each is
/// on their own. Another shop's agent finds neither.
#[tokio::test]
async fn an_agent_merges_a_buyers_channels_into_one_profile_and_splits_them() {
    let app = TestApp::spawn().await;
    let admin = app.agent("tea-admin").await;
    let agent = app.agent("tea-pre1").await;
    let plain = json!({"kind": "wechat_mp", "app_id": APP_ID, "app_secret": "s", "token": TOKEN, "mode": "plain"});
    let channel: Value = admin
        .post("/api/v1/channels", plain)
        .await
        .json()
        .await
        .unwrap();
    let id = channel["id"].as_str().unwrap();
    let crypt = WxCrypt::new(TOKEN, AES_KEY, APP_ID).unwrap();
    let now_s = (kefu_domain::time::now_ms() / 1000).to_string();
    let xml = format!(
        "<xml><ToUserName><![CDATA[gh]]></ToUserName><FromUserName><![CDATA[{OPENID}]]></FromUserName><CreateTime>{now_s}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[我在网页上问过]]></Content><MsgId>5</MsgId></xml>"
    );
    let query = format!(
        "signature={}&timestamp={now_s}&nonce=n",
        crypt.sign_plain(&now_s, "n")
    );
    assert_eq!(push(&app, id, &query, xml).await.0, StatusCode::OK);
    let wechat = wechat_conversation(&agent).await;
    let buyer = app.buyer("shanye-tea").await;
    buyer.send("w1", "你好，我想问一下发货").await;
    let web = agent.open_conversation_of(&buyer).await;
    let (w, b) = (
        wechat["buyer_id"].as_str().unwrap().to_owned(),
        web["buyer_id"].as_str().unwrap().to_owned(),
    );

    let alone = agent.get_json(&format!("/api/v1/buyers/{w}/profile")).await;
    assert_eq!(alone["buyers"].as_array().unwrap().len(), 1);
    let merged = agent
        .post(&format!("/api/v1/buyers/{w}/merge"), json!({"other_id": b}))
        .await;
    assert_eq!(merged.status(), StatusCode::OK);
    let merged: Value = merged.json().await.unwrap();
    let channels: Vec<&str> = merged["buyers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["channel"].as_str().unwrap())
        .collect();
    assert_eq!(channels, ["wechat_mp", "web"]);
    let conversations: Vec<&str> = merged["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(
        conversations.contains(&wechat["id"].as_str().unwrap())
            && conversations.contains(&web["id"].as_str().unwrap())
    );
    // Seen from the other side, the same profile.
    let from_web = agent.get_json(&format!("/api/v1/buyers/{b}/profile")).await;
    assert_eq!(from_web["buyers"][0]["id"], b.as_str());
    assert_eq!(from_web["buyers"].as_array().unwrap().len(), 2);
    let audit = admin.get_json("/api/v1/audit?action=buyer").await;
    assert!(audit.to_string().contains("buyer.merge"), "{audit}");

    // Another shop's agent finds neither, and cannot merge its own buyer in.
    let other = app.agent("digital-admin").await;
    assert_eq!(
        other
            .get(&format!("/api/v1/buyers/{w}/profile"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let r = other
        .post(&format!("/api/v1/buyers/{w}/merge"), json!({"other_id": b}))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let split = agent
        .post(&format!("/api/v1/buyers/{b}/split"), json!({}))
        .await;
    assert_eq!(split.status(), StatusCode::OK);
    let after = agent.get_json(&format!("/api/v1/buyers/{w}/profile")).await;
    assert_eq!(after["buyers"].as_array().unwrap().len(), 1);
}

/// CH-7: while a channel's queue holds its limit of buyers waiting for an agent, its new
/// buyers go to the overflow team (or the robot first); under the limit they route as ever.
#[tokio::test]
async fn a_full_channel_overflows_to_another_team() {
    let app = TestApp::spawn().await;
    let admin = app.agent("tea-admin").await;
    let plain = json!({"kind": "wechat_mp", "app_id": APP_ID, "app_secret": "s", "token": TOKEN, "mode": "plain"});
    let channel: Value = admin
        .post("/api/v1/channels", plain)
        .await
        .json()
        .await
        .unwrap();
    let id = channel["id"].as_str().unwrap().to_owned();
    assert_eq!(channel["overflow"], Value::Null);
    let rule = admin
        .put(
            &format!("/api/v1/channels/{id}"),
            json!({"overflow": {"limit": 1, "to": "team", "team": " after_sales "}}),
        )
        .await;
    assert_eq!(rule.status(), StatusCode::OK);
    let rule: Value = rule.json().await.unwrap();
    assert_eq!(
        rule["overflow"],
        json!({"limit": 1, "to": "team", "team": "after_sales"})
    );
    let crypt = WxCrypt::new(TOKEN, AES_KEY, APP_ID).unwrap();
    let buyer_writes = |openid: &'static str, msg_id: u64| {
        let now_s = (kefu_domain::time::now_ms() / 1000).to_string();
        let xml = format!(
            "<xml><ToUserName><![CDATA[gh]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{now_s}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[在吗]]></Content><MsgId>{msg_id}</MsgId></xml>"
        );
        let query = format!(
            "signature={}&timestamp={now_s}&nonce=n",
            crypt.sign_plain(&now_s, "n")
        );
        (query, xml)
    };
    let team_of = |openid: &'static str| {
        let admin = &admin;
        async move {
            for _ in 0..100 {
                let found = admin.conversations("all").await.into_iter().find(|c| {
                    c["buyer_name"]
                        .as_str()
                        .is_some_and(|n| n.ends_with(&openid[openid.len() - 4..]))
                });
                if let Some(c) = found {
                    return c;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            panic!("no conversation of {openid}");
        }
    };
    let (q, x) = buyer_writes("oFirstBuyer0001", 11);
    assert_eq!(push(&app, &id, &q, x).await.0, StatusCode::OK);
    let first = team_of("oFirstBuyer0001").await;
    assert_ne!(first["team"], "after_sales", "under the limit: {first}");
    let (q, x) = buyer_writes("oSecondBuyer002", 12);
    assert_eq!(push(&app, &id, &q, x).await.0, StatusCode::OK);
    let second = team_of("oSecondBuyer002").await;
    assert_eq!(second["team"], "after_sales", "{second}");

    // To the robot first, then off.
    let robot: Value = admin
        .put(
            &format!("/api/v1/channels/{id}"),
            json!({"overflow": {"limit": 1, "to": "robot"}}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(robot["overflow"]["to"], "robot");
    let (q, x) = buyer_writes("oThirdBuyer0003", 13);
    push(&app, &id, &q, x).await;
    let third = team_of("oThirdBuyer0003").await;
    assert_eq!(third["robot_active"], true, "{third}");
    let off: Value = admin
        .put(
            &format!("/api/v1/channels/{id}"),
            json!({"overflow": {"limit": 0, "to": "robot"}}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(off["overflow"], Value::Null);
    let metrics = app.metrics().await;
    assert!(metrics.contains("kefu_channel_overflow_total"), "{metrics}");
}
