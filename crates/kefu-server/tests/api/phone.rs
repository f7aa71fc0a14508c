//! Issue #21, the phone line (CH-4, CHANNELS.md §8): a CTI vendor (here the test, pushing as
//! TCCC's CDR push does, and as kefu's generic record) is taken only with the line's
//! password; each call is one line in the caller's timeline however often it is pushed; a
//! missed call, or one outside the line's hours, is owed a callback work order (one open per
//! caller); a call an agent took resolves the conversation in their name; nothing can be
//! written to a caller; an agent checks a caller against an order's phone by its last four.

use base64::Engine;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{AgentClient, TestApp};

const LINE: &str = "4008001234";
const PASSWORD: &str = "line-push-password-01";
const CALLER: &str = "13912345678";

fn basic(password: &str) -> String {
    let pair = format!("tccc:{password}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

async fn push(app: &TestApp, id: &str, authorization: &str, body: &Value) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .post(app.url(&format!("/hooks/phone/{id}?action=cdr&version=1")))
        .header("content-type", "application/json;charset=utf8")
        .header("authorization", authorization)
        .header("x-tccc-push-uuid", "push-1")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap_or(Value::Null))
}

/// A TCCC CDR of a call from `caller`, `now`-ish, as its push documents the fields.
fn cdr(session: &str, caller: &str, direction: u8, answered: bool, seat: Value) -> Value {
    let now = kefu_domain::time::now_ms() / 1_000;
    let (callee, from) = match direction {
        0 => (LINE, caller),
        _ => (caller, LINE),
    };
    json!({
        "SdkAppId": 1400264214, "SessionId": session, "Caller": from, "Callee": callee,
        "Direction": direction, "CallType": 2, "Duration": if answered { 75 } else { 0 },
        "SeatUser": seat, "StartTimestamp": now - 100, "RingTimestamp": now - 90,
        "AcceptTimestamp": if answered { now - 75 } else { 0 }, "EndedTimestamp": now,
        "IVRKeyPressedEx": [{"Key": "2", "Label": "售后服务"}],
        "EndStatusString": if answered { "ok" } else { "waitingGiveUp" },
        "RecordURL": if answered { "https://rec.example/call.mp3" } else { "" }
    })
}

async fn phone_conversation(agent: &AgentClient) -> Value {
    agent
        .conversations("all")
        .await
        .into_iter()
        .find(|c| c["channel"] == "phone")
        .expect("the caller's conversation")
}

async fn lines(agent: &AgentClient, conversation: &str) -> Vec<String> {
    agent
        .messages(conversation)
        .await
        .into_iter()
        .filter(|m| m["sender_kind"] == "system")
        .map(|m| m["body"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn callbacks(agent: &AgentClient) -> Vec<Value> {
    let list = agent.get_json("/api/v1/work-orders?kind=callback").await;
    // The demo's own callbacks aside: only the phone line's.
    list["orders"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|o| o["source"] == "phone")
        .collect()
}

#[tokio::test]
async fn calls_reach_the_callers_timeline_and_missed_ones_are_owed_a_callback() {
    let app = TestApp::spawn().await;
    let admin = app.agent("tea-admin").await;

    // Connected with the line's number and a push password of 16 characters or more; the
    // line is open all day so the calls below are within its hours.
    let short = admin
        .post(
            "/api/v1/channels",
            json!({"kind": "phone", "app_id": LINE, "token": "short"}),
        )
        .await;
    assert_eq!(short.status(), StatusCode::BAD_REQUEST);
    let channel: Value = admin
        .post(
            "/api/v1/channels",
            json!({"kind": "phone", "app_id": "400-800-1234", "token": PASSWORD,
                "hours": {"days": [1, 2, 3, 4, 5, 6, 7], "open": "00:00", "close": "23:59"}}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = channel["id"].as_str().unwrap().to_owned();
    assert_eq!(channel["callback_path"], format!("/hooks/phone/{id}"));
    assert_eq!(channel["public_id"], LINE);
    assert_eq!(channel["name"], format!("客服热线 {LINE}"));

    // Only with the line's password.
    let missed = cdr("s-missed-1", CALLER, 0, false, json!({}));
    for wrong in [
        basic("not-the-password"),
        String::new(),
        PASSWORD.to_owned(),
    ] {
        assert_eq!(
            push(&app, &id, &wrong, &missed).await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    assert!(
        admin
            .conversations("all")
            .await
            .iter()
            .all(|c| c["channel"] != "phone")
    );

    // A missed call: its line in the caller's timeline, and a callback owed. Pushed three
    // times (TCCC retries), it is one line and one work order.
    for _ in 0..3 {
        let (status, answer) = push(&app, &id, &basic(PASSWORD), &missed).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(answer["ErrCode"], 0);
    }
    let conversation = phone_conversation(&admin).await;
    let c = conversation["id"].as_str().unwrap().to_owned();
    assert!(
        conversation.to_string().contains("来电 139****5678"),
        "the caller is named by their masked number: {conversation}"
    );
    assert_eq!(
        lines(&admin, &c).await,
        vec!["[未接来电] （排队中挂断） · 按键 2 售后服务"]
    );
    let owed = callbacks(&admin).await;
    assert_eq!(owed.len(), 1, "{owed:?}");
    assert_eq!(owed[0]["source"], "phone");
    assert_eq!(owed[0]["conversation_id"], c);
    assert_eq!(owed[0]["title"], "回拨 139****5678（未接来电）");

    // A second missed call is a second line, not a second work order.
    let again = cdr("s-missed-2", CALLER, 0, false, json!({}));
    push(&app, &id, &format!("Bearer {PASSWORD}"), &again).await;
    assert_eq!(lines(&admin, &c).await.len(), 2);
    assert_eq!(callbacks(&admin).await.len(), 1);

    // Nothing can be written to a caller.
    let refused = admin.reply(&c, "r-1", "您好").await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let refused: Value = refused.json().await.unwrap();
    assert_eq!(refused["code"], "channel_no_text");

    // An agent calls back and the caller answers: the line, and the conversation resolved in
    // the agent's name (their kefu user name is the address's name at the vendor).
    let pre = app.agent("tea-pre1").await;
    let back = cdr(
        "s-back-1",
        "+86 139 1234 5678",
        1,
        true,
        json!({"Mail": "tea-pre1@tea.example", "Nick": "小雨"}),
    );
    assert_eq!(
        push(&app, &id, &basic(PASSWORD), &back).await.0,
        StatusCode::OK
    );
    let all = lines(&admin, &c).await;
    assert_eq!(
        all.last().map(String::as_str),
        Some(
            "[去电] 已接通 1分15秒 · 客服 小雨 · 按键 2 售后服务 · 录音 https://rec.example/call.mp3"
        )
    );
    let conversation = phone_conversation(&admin).await;
    assert_eq!(conversation["status"], "resolved");
    assert_eq!(conversation["assignee_id"], json!(pre.user_id.to_string()));

    // A record kefu cannot read is answered as taken and noted on the health line.
    let (status, answer) = push(&app, &id, &basic(PASSWORD), &json!({"Caller": "1"})).await;
    assert_eq!(
        (status, answer["ErrCode"].clone()),
        (StatusCode::OK, json!(0))
    );
    let listed = admin.get_json("/api/v1/channels").await;
    assert!(
        listed
            .to_string()
            .contains("a call record kefu cannot read"),
        "{listed}"
    );

    // The identity check: the caller's number and the four digits they tell, against the
    // order's phone.
    let order = json!({
        "order_no": "P1", "buyer_id": "m-p1", "buyer_name": "打电话的买家",
        "placed_at": kefu_domain::time::now_ms(),
        "items": [{"product_code": "TEA-1", "sku_code": "TEA-1-250", "title": "明前龙井", "quantity": 1, "unit_price_fen": 12800}],
        "total_fen": 12800, "paid_fen": 12800, "payment_status": "paid", "shipping_status": "unshipped",
        "receiver": {"name": "王小明", "phone": "139-0000-5678", "address": "浙江省杭州市西湖区"}
    });
    assert!(
        admin
            .put("/api/v1/orders/P1", order)
            .await
            .status()
            .is_success()
    );
    let check = admin
        .get_json(&format!(
            "/api/v1/conversations/{c}/caller-check?order_no=P1&last_four=5678"
        ))
        .await;
    assert_eq!(check["order_phone"], "139****5678");
    assert_eq!(check["caller"], "139****5678");
    assert_eq!(check["caller_matches"], true);
    assert_eq!(check["told_matches"], true);
    let wrong = admin
        .get_json(&format!(
            "/api/v1/conversations/{c}/caller-check?order_no=P1&last_four=1111"
        ))
        .await;
    assert_eq!(wrong["told_matches"], false);
    let bad = admin
        .get(&format!(
            "/api/v1/conversations/{c}/caller-check?order_no=P1&last_four=12a4"
        ))
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

    // Paused: answered, not taken.
    admin
        .put(&format!("/api/v1/channels/{id}"), json!({"paused": true}))
        .await;
    let paused = cdr("s-paused", "13800001111", 0, false, json!({}));
    assert_eq!(
        push(&app, &id, &basic(PASSWORD), &paused).await.1["ErrCode"],
        0
    );
    assert_eq!(callbacks(&admin).await.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_call_outside_the_lines_hours_is_owed_a_callback_even_when_answered() {
    let app = TestApp::spawn().await;
    let admin = app.agent("tea-admin").await;
    // A vendor other than TCCC, pushing kefu's generic record; the line's hours are the
    // default, 09:00–21:00 in the shop's zone (Asia/Shanghai).
    let channel: Value = admin
        .post(
            "/api/v1/channels",
            json!({"kind": "phone", "app_id": LINE, "token": PASSWORD, "mode": "generic"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = channel["id"].as_str().unwrap().to_owned();
    assert_eq!(channel["hours"]["open"], "09:00");
    assert_eq!(channel["mode"], "generic");
    // 2026-12-01 03:00 in Shanghai.
    let night = 1_796_065_200_000_i64;
    let call = json!({"id": "g-1", "direction": "in", "from": "13700001111", "to": LINE,
        "started_at": night, "answered_at": night + 20_000, "ended_at": night + 80_000,
        "status": "answered", "agent": "值班客服"});
    let (status, answer) = push(&app, &id, &format!("Bearer {PASSWORD}"), &call).await;
    assert_eq!(
        (status, answer["ErrCode"].clone()),
        (StatusCode::OK, json!(0))
    );
    let conversation = phone_conversation(&admin).await;
    let c = conversation["id"].as_str().unwrap();
    assert_eq!(
        lines(&admin, c).await,
        vec!["[来电] 已接通 1分00秒 · 客服 值班客服"]
    );
    let owed = callbacks(&admin).await;
    assert_eq!(owed.len(), 1, "{owed:?}");
    assert_eq!(owed[0]["title"], "回拨 137****1111（非工作时间来电）");
    // Not a TCCC record: read past and noted; a generic record without its id is the same.
    let (status, _) = push(
        &app,
        &id,
        &format!("Bearer {PASSWORD}"),
        &json!({"direction": "in"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    app.stop().await;
}

/// CH-6: a member the shop vouched for with their phone, and a call from that phone, are one
/// profile, linked once and audited; an agent who splits a wrong link keeps it split.
#[tokio::test]
async fn a_caller_is_linked_to_the_member_with_their_phone() {
    let app = TestApp::spawn().await;
    let admin = app.agent("tea-admin").await;
    let secret = app.identity_secret("shanye-tea").await;
    let member = app
        .buyer_with(
            json!({"shop": "shanye-tea", "identity": crate::commerce::sign(&secret, json!({
            "sub": "tea-m-link", "name": "周女士", "phone": "+86 139-1234-5678",
            "email": "Zhou@Example.com", "exp": crate::commerce::in_an_hour()}))}),
        )
        .await;
    let channel: Value = admin
        .post(
            "/api/v1/channels",
            json!({"kind": "phone", "app_id": LINE, "token": PASSWORD,
                "hours": {"days": [1, 2, 3, 4, 5, 6, 7], "open": "00:00", "close": "23:59"}}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = channel["id"].as_str().unwrap().to_owned();
    let answered = cdr("s-link-1", CALLER, 0, true, json!({}));
    assert_eq!(
        push(&app, &id, &basic(PASSWORD), &answered).await.0,
        StatusCode::OK
    );
    let caller = phone_conversation(&admin).await["buyer_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let profile = admin
        .get_json(&format!("/api/v1/buyers/{caller}/profile"))
        .await;
    let names: Vec<&str> = profile["buyers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["display_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["来电 139****5678", "周女士"], "{profile}");
    let audit = admin.get_json("/api/v1/audit?action=buyer.link").await;
    let entries = audit["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{audit}");
    assert_eq!(entries[0]["actor_name"], "kefu");
    assert_eq!(entries[0]["detail"]["keys"][0]["value"], "139****5678");

    // The member comes back: their keys are known, nothing is linked or audited again.
    app.buyer_with(
        json!({"shop": "shanye-tea", "identity": crate::commerce::sign(&secret, json!({
        "sub": "tea-m-link", "phone": "13912345678", "exp": crate::commerce::in_an_hour()}))}),
    )
    .await;
    let again = admin.get_json("/api/v1/audit?action=buyer.link").await;
    assert_eq!(again["entries"].as_array().unwrap().len(), 1);

    // Split by hand, the caller stays apart however often they call.
    let split = admin
        .post(&format!("/api/v1/buyers/{caller}/split"), json!({}))
        .await;
    assert_eq!(split.status(), StatusCode::OK);
    let later = cdr("s-link-2", CALLER, 0, true, json!({}));
    push(&app, &id, &basic(PASSWORD), &later).await;
    let profile = admin
        .get_json(&format!("/api/v1/buyers/{}/profile", member.buyer_id))
        .await;
    assert_eq!(profile["buyers"].as_array().unwrap().len(), 1, "{profile}");
}

/// The line's hours and format change on the channel (the settings page's 编辑); a bad one
/// is refused and the line keeps what it had.
#[tokio::test]
async fn a_lines_hours_and_format_change() {
    let app = TestApp::spawn().await;
    let admin = app.agent("tea-admin").await;
    let channel: Value = admin
        .post(
            "/api/v1/channels",
            json!({"kind": "phone", "app_id": LINE, "token": PASSWORD}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = channel["id"].as_str().unwrap().to_owned();
    assert_eq!(channel["hours"]["open"], "09:00");
    let changed: Value = admin
        .put(
            &format!("/api/v1/channels/{id}"),
            json!({"hours": {"days": [1, 2, 3, 4, 5], "open": "08:30", "close": "18:00"}, "mode": "generic"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(changed["hours"]["days"], json!([1, 2, 3, 4, 5]));
    assert_eq!(changed["hours"]["open"], "08:30");
    assert_eq!(changed["mode"], "generic");
    assert_eq!(changed["token"], PASSWORD, "the password stays");
    for bad in [
        json!({"hours": {"days": [1], "open": "18:00", "close": "08:00"}}),
        json!({"mode": "fax"}),
        json!({"origins": ["https://shop.example"]}),
        json!({"contact_url": "https://work.weixin.qq.com/kfid/kfc1"}),
        json!({"overflow": {"limit": 3, "to": "team"}}),
        json!({"app_secret": "a-new-secret"}),
    ] {
        let refused = admin
            .put(&format!("/api/v1/channels/{id}"), bad.clone())
            .await;
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{bad}");
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["code"], "invalid_channel");
    }
    let list = admin.get_json("/api/v1/channels").await;
    let kept = &list["channels"][0];
    assert_eq!(
        (&kept["hours"]["open"], &kept["mode"]),
        (&json!("08:30"), &json!("generic"))
    );
}
