//! Automatic replies over HTTP (WB-2, issue #17): each kind as a buyer meets it (welcome with
//! buttons by entry, keyword rules with their cooldown, the idle nudge once per stretch,
//! off-hours with the next opening, the queue place, the closing message), marked as
//! automatic and never an agent's first reply; who may change them, and bad input refused.

use std::time::{Duration, Instant};

use chrono::Timelike;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::dispatch::{backdate, clear_the_queue, put, routing_on};
use crate::helpers::{AgentClient, BuyerClient, TestApp};

fn replies() -> Value {
    json!({
        "welcome": {
            "enabled": true,
            "text": "您好{买家}，欢迎光临山野茶铺！",
            "buttons": ["多久发货", "怎么退货"],
            "by_entry": [{"entry": "order_card", "text": "您好，是这笔订单{订单号}的问题吗？"}]
        },
        "keywords": {"enabled": true, "rules": [
            {"id": "invoice", "name": "发票", "keywords": ["发票", "开票"], "reply": "可以开电子发票，下单时填写抬头即可。", "cooldown_minutes": 10},
            {"id": "sf", "name": "顺丰", "priority": 5, "keywords": ["顺丰", "加急"], "mode": "all", "reply": "加急可以发顺丰，补 10 元运费。"}
        ]},
        "idle": {"enabled": true, "minutes": 2, "text": "亲，{客服}正在为您查询，请稍等～"},
        "closing": {"enabled": true, "text": "感谢您的咨询，祝您生活愉快！"}
    })
}

/// The conversation's automatic messages once `count` of them are there (they are sent just
/// after the buyer's message is committed).
async fn automatic(agent: &AgentClient, conversation: &str, count: usize) -> Vec<Value> {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let found: Vec<Value> = agent
            .messages(conversation)
            .await
            .into_iter()
            .filter(|m| m["sender_kind"] == "automation")
            .collect();
        if found.len() >= count || Instant::now() > until {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn first_message(app: &TestApp, agent: &AgentClient, text: &str) -> (BuyerClient, String) {
    let buyer = app.buyer("shanye-tea").await;
    assert!(buyer.send("m1", text).await.status().is_success());
    let id = agent.open_conversation_of(&buyer).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (buyer, id)
}

#[tokio::test]
async fn automatic_replies_welcome_answer_keywords_nudge_and_close() {
    let app = TestApp::spawn().await;
    let admin = app.agent("tea-admin").await;
    let agent = app.agent("tea-pre1").await;

    // Off until the shop turns them on; only settings.manage changes them; bad input refused.
    let off: Value = admin.get_json("/api/v1/automation").await;
    assert_eq!(
        off["replies"]["welcome"]["enabled"], false,
        "the demo's are drafted, off"
    );
    assert_eq!(
        put(&agent, "/api/v1/automation", replies()).await,
        StatusCode::FORBIDDEN
    );
    let mut bad = replies();
    bad["keywords"]["rules"][0]["pattern"] = json!("(unclosed");
    let response = admin
        .http
        .put(format!("{}/api/v1/automation", admin.base))
        .bearer_auth(&admin.token)
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "invalid_auto_reply");
    assert!(
        body["message"].as_str().unwrap().contains("invoice"),
        "{body}"
    );
    assert_eq!(
        put(&admin, "/api/v1/automation", replies()).await,
        StatusCode::OK
    );
    let audit: Value = admin
        .get_json("/api/v1/audit?action=automation.change")
        .await;
    assert_eq!(
        audit["entries"].as_array().map(Vec::len),
        Some(1),
        "{audit}"
    );

    // The welcome with its question buttons, after the buyer's first message.
    let (buyer, c) = first_message(&app, &admin, "你好").await;
    let welcome = &automatic(&admin, &c, 1).await[0];
    assert_eq!(
        (welcome["kind"].as_str(), welcome["sender_name"].as_str()),
        (Some("buttons"), Some("自动回复"))
    );
    let buttons: Value = serde_json::from_str(welcome["body"].as_str().unwrap()).unwrap();
    assert!(
        buttons["text"].as_str().unwrap().starts_with("您好"),
        "{buttons}"
    );
    assert_eq!(buttons["buttons"][1]["reply"], "怎么退货");
    // The buyer sees it too.
    let seen = buyer.messages().await;
    assert!(seen.iter().any(|m| m["sender_kind"] == "automation"));

    // Keyword rules: the highest priority that matches; once per cooldown.
    assert_eq!(
        buyer.send("m2", "能开发票吗").await.status(),
        StatusCode::CREATED
    );
    let answered = automatic(&admin, &c, 2).await;
    assert_eq!(answered[1]["body"], "可以开电子发票，下单时填写抬头即可。");
    assert_eq!(
        buyer.send("m3", "加急发顺丰，发票也要").await.status(),
        StatusCode::CREATED
    );
    let answered = automatic(&admin, &c, 3).await;
    assert_eq!(answered[2]["body"], "加急可以发顺丰，补 10 元运费。");
    assert_eq!(
        buyer.send("m4", "发票抬头怎么填").await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        automatic(&admin, &c, 4).await.len(),
        3,
        "the invoice rule cools down"
    );

    // Automatic replies are not the agent's first reply.
    let kinds = admin.event_kinds(&c).await;
    assert!(!kinds.contains(&"first_reply".to_owned()), "{kinds:?}");
    assert!(
        admin
            .conversations("open")
            .await
            .iter()
            .any(|x| x["id"] == c && x["awaiting_reply"] == true)
    );

    // The idle nudge: the agent took it and has not answered for the shop's 2 minutes: once.
    let taken = agent
        .post(&format!("/api/v1/conversations/{c}/grab"), json!({}))
        .await;
    assert!(taken.status().is_success(), "{}", taken.status());
    let state = app.state.as_ref().unwrap();
    kefu_server::desk::automation::nudge_idle(state).await;
    assert_eq!(
        automatic(&admin, &c, 4).await.len(),
        3,
        "not yet two minutes"
    );
    backdate(&app, &c, 3 * 60_000).await;
    kefu_server::desk::automation::nudge_idle(state).await;
    let nudged = automatic(&admin, &c, 4).await;
    assert_eq!(nudged.len(), 4);
    assert_eq!(nudged[3]["body"], "亲，售前·小雨正在为您查询，请稍等～");
    kefu_server::desk::automation::nudge_idle(state).await;
    assert_eq!(automatic(&admin, &c, 5).await.len(), 4, "once per stretch");
    assert!(
        !admin
            .event_kinds(&c)
            .await
            .contains(&"first_reply".to_owned())
    );

    // The agent answers (the first reply), then resolves: the closing message.
    assert!(
        agent
            .reply(&c, "a1", "您好，我来帮您看")
            .await
            .status()
            .is_success()
    );
    assert!(
        admin
            .event_kinds(&c)
            .await
            .contains(&"first_reply".to_owned())
    );
    let resolved = agent
        .post(&format!("/api/v1/conversations/{c}/resolve"), json!({}))
        .await;
    assert!(resolved.status().is_success());
    let closed = automatic(&admin, &c, 5).await;
    assert_eq!(
        closed.last().unwrap()["body"],
        "感谢您的咨询，祝您生活愉快！"
    );
}

#[tokio::test]
async fn off_hours_and_queue_messages_tell_the_buyer_when_and_where() {
    let app = TestApp::spawn().await;
    let admin = app.agent("tea-admin").await;
    clear_the_queue(&admin).await;
    let mut replies = replies();
    replies["welcome"]["enabled"] = json!(false);
    replies["off_hours"] = json!({"enabled": true, "text": "现在是休息时间，客服{下次营业}上线。"});
    replies["queue"] = json!({"enabled": true, "text": "您前面还有{排队位置}位，请稍候。"});
    assert_eq!(
        put(&admin, "/api/v1/automation", replies).await,
        StatusCode::OK
    );
    // Hours that are closed now in Shanghai (the demo shop's zone), every day.
    let hour = (chrono::Utc::now().hour() + 8) % 24;
    let (open, close, next) = if hour < 12 {
        ("20:00", "21:00", "今天 20:00")
    } else {
        ("05:00", "06:00", "明天 05:00")
    };
    let hours = json!({"days": [1, 2, 3, 4, 5, 6, 7], "open": open, "close": close});
    let settings = json!({"refund_threshold_fen": 50000, "probation_days": 7, "max_accounts": 200, "routing_enabled": true, "office_hours": hours});
    assert_eq!(
        put(&admin, "/api/v1/settings", settings).await,
        StatusCode::OK
    );

    let (buyer, c) = first_message(&app, &admin, "在吗").await;
    let told = automatic(&admin, &c, 2).await;
    let bodies: Vec<&str> = told.iter().map(|m| m["body"].as_str().unwrap()).collect();
    assert!(
        bodies.contains(&format!("现在是休息时间，客服{next}上线。").as_str()),
        "{bodies:?}"
    );
    // Nobody is online: the buyer waits in the queue and hears their place, once.
    assert!(bodies.contains(&"您前面还有1位，请稍候。"), "{bodies:?}");
    assert!(buyer.send("m2", "有人吗").await.status().is_success());
    assert_eq!(
        automatic(&admin, &c, 3).await.len(),
        2,
        "once per closed stretch"
    );
    let _ = routing_on(&admin).await;
}

/// Issue #17: before writing, the chat page shows whether agents are online, the typical first
/// response measured over the last 7 days, and when the shop opens next.
#[tokio::test]
async fn the_chat_page_shows_who_is_online_and_how_fast_the_shop_answers() {
    let app = TestApp::spawn().await;
    let admin = app.agent("tea-admin").await;
    let agent = app.agent("tea-pre1").await;
    assert_eq!(
        put(&agent, "/api/v1/me/status", json!({"status": "online"})).await,
        StatusCode::OK
    );
    for n in 0..3 {
        let (_, c) = first_message(&app, &admin, "请问有货吗").await;
        let reply = agent.reply(&c, &format!("r{n}"), "有的亲").await;
        assert!(reply.status().is_success());
    }
    let hour = (chrono::Utc::now().hour() + 8) % 24;
    let (open, close) = if hour < 12 {
        ("20:00", "21:00")
    } else {
        ("05:00", "06:00")
    };
    let hours = json!({"days": [1, 2, 3, 4, 5, 6, 7], "open": open, "close": close});
    let settings = json!({"refund_threshold_fen": 50000, "probation_days": 7, "max_accounts": 200, "office_hours": hours});
    assert_eq!(
        put(&admin, "/api/v1/settings", settings).await,
        StatusCode::OK
    );
    let shop: Value = app
        .http
        .get(app.url("/api/v1/shops/shanye-tea"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let service = &shop["service"];
    assert!(service["agents_online"].as_i64().unwrap() >= 1, "{service}");
    assert!(
        service["measured_replies"].as_i64().unwrap() >= 3,
        "{service}"
    );
    assert!(service["typical_first_response_ms"].as_i64().unwrap() >= 0);
    assert_eq!(service["open_now"], false);
    let label = service["next_open_label"].as_str().unwrap();
    assert!(label.ends_with(open), "{label}");
    assert_eq!(service["hours"], format!("每天 {open}–{close}"));
}
