//! The satisfaction rating over HTTP (KPI-3, issue #17): the invitation after a resolution is
//! a message the buyer taps, rated once with stars, reasons and a comment; it expires after a
//! day; a supervisor invites once more; the team sees the rating on the conversation.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::dispatch::put;
use crate::helpers::{AgentClient, BuyerClient, TestApp};

/// The buyer's rating invitations, once `count` are there.
async fn invitations(buyer: &BuyerClient, count: usize) -> Vec<Value> {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let found: Vec<Value> = buyer
            .messages()
            .await
            .into_iter()
            .filter(|m| m["kind"] == "rating")
            .map(|m| serde_json::from_str(m["body"].as_str().unwrap()).unwrap())
            .collect();
        if found.len() >= count || Instant::now() > until {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn buyer_call(
    buyer: &BuyerClient,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let url = format!("{}{path}", buyer.base);
    let request = match method {
        "GET" => buyer.http.get(url),
        _ => buyer.http.post(url).json(&body.unwrap_or(Value::Null)),
    };
    let response = request.bearer_auth(&buyer.token).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A buyer writes, `agent` takes the conversation, answers and resolves it.
async fn served_and_resolved(app: &TestApp, agent: &AgentClient) -> (BuyerClient, String) {
    let buyer = app.buyer("shanye-tea").await;
    assert!(
        buyer
            .send("q", "茶叶保质期多久")
            .await
            .status()
            .is_success()
    );
    let c = agent.open_conversation_of(&buyer).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let grabbed = agent
        .post(&format!("/api/v1/conversations/{c}/grab"), json!({}))
        .await;
    assert!(grabbed.status().is_success());
    assert!(
        agent
            .reply(&c, "a", "18 个月，请密封避光保存")
            .await
            .status()
            .is_success()
    );
    let resolved = agent
        .post(&format!("/api/v1/conversations/{c}/resolve"), json!({}))
        .await;
    assert!(resolved.status().is_success());
    (buyer, c)
}

#[tokio::test]
async fn the_buyer_rates_once_within_a_day_and_is_invited_again_at_most_once() {
    let app = TestApp::spawn().await;
    let admin = app.agent("tea-admin").await;
    let lead = app.agent("tea-lead").await;
    let agent = app.agent("tea-pre1").await;
    let on = json!({"rating": {"enabled": true, "text": "请为本次服务打分"}});
    assert_eq!(put(&admin, "/api/v1/automation", on).await, StatusCode::OK);

    let (buyer, c) = served_and_resolved(&app, &agent).await;
    let invitation = invitations(&buyer, 1).await.remove(0);
    assert_eq!(invitation["text"], "请为本次服务打分");
    let id = invitation["rating_id"].as_str().unwrap().to_owned();
    let on_the_conversation: Value = agent
        .get_json(&format!("/api/v1/conversations/{c}/ratings"))
        .await;
    let rating = &on_the_conversation["ratings"][0];
    assert_eq!(
        (rating["id"].as_str(), rating["agent_name"].as_str()),
        (Some(id.as_str()), Some("售前·小雨"))
    );
    assert!(rating["stars"].is_null());

    // Nobody sends an invitation of their own.
    let forged = buyer
        .http
        .post(format!("{}/api/v1/buyer/messages", buyer.base))
        .bearer_auth(&buyer.token)
        .json(&json!({"client_msg_id": "f", "kind": "rating", "body": invitation.to_string()}))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        forged.json::<Value>().await.unwrap()["code"],
        "rating_not_sendable"
    );

    let path = format!("/api/v1/buyer/ratings/{id}");
    let (status, open) = buyer_call(&buyer, "GET", &path, None).await;
    assert_eq!(
        (status, open["state"].as_str()),
        (StatusCode::OK, Some("open"))
    );
    assert_eq!(open["star_labels"][0], "非常不满意");
    // Only its own buyer sees or rates it.
    let stranger = app.buyer("shanye-tea").await;
    let (status, _) = buyer_call(&stranger, "GET", &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for bad in [
        json!({"stars": 6}),
        json!({"stars": 5, "reasons": ["回复太慢"]}),
    ] {
        let (status, body) = buyer_call(&buyer, "POST", &path, Some(bad)).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_rating"))
        );
    }
    let two = json!({"stars": 2, "reasons": ["回复太慢"], "comment": "等了很久"});
    let (status, rated) = buyer_call(&buyer, "POST", &path, Some(two.clone())).await;
    assert_eq!(
        (status, rated["state"].as_str(), rated["stars"].as_i64()),
        (StatusCode::OK, Some("rated"), Some(2))
    );
    let (status, again) = buyer_call(&buyer, "POST", &path, Some(two)).await;
    assert_eq!(
        (status, again["code"].as_str()),
        (StatusCode::CONFLICT, Some("rating_closed"))
    );
    let kinds = agent.event_kinds(&c).await;
    assert!(
        kinds.contains(&"rating_invited".to_owned()) && kinds.contains(&"rated".to_owned()),
        "{kinds:?}"
    );
    let seen: Value = agent
        .get_json(&format!("/api/v1/conversations/{c}/ratings"))
        .await;
    assert_eq!(
        (
            seen["ratings"][0]["stars"].as_i64(),
            seen["ratings"][0]["comment"].as_str()
        ),
        (Some(2), Some("等了很久"))
    );

    // A second buyer lets the day pass: expired; a supervisor (not an agent) invites once more.
    let (late, _) = served_and_resolved(&app, &agent).await;
    let id = invitations(&late, 1).await[0]["rating_id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.tamper(&format!(
        "UPDATE ratings SET expires_at = 1 WHERE id = '{id}'"
    ))
    .await;
    let path = format!("/api/v1/buyer/ratings/{id}");
    let five = json!({"stars": 5, "reasons": ["解决了问题"]});
    let (status, expired) = buyer_call(&late, "POST", &path, Some(five.clone())).await;
    assert_eq!(
        (status, expired["code"].as_str()),
        (StatusCode::CONFLICT, Some("rating_expired"))
    );
    let (_, view) = buyer_call(&late, "GET", &path, None).await;
    assert_eq!(view["state"], "expired");
    let reinvite = format!("/api/v1/ratings/{id}/reinvite");
    assert_eq!(
        agent.post(&reinvite, json!({})).await.status(),
        StatusCode::FORBIDDEN
    );
    let again = lead.post(&reinvite, json!({})).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(
        invitations(&late, 2).await.len(),
        2,
        "the invitation goes out again"
    );
    let (status, _) = buyer_call(&late, "POST", &path, Some(five)).await;
    assert_eq!(status, StatusCode::OK);
    let once_more = lead.post(&reinvite, json!({})).await;
    assert_eq!(once_more.status(), StatusCode::CONFLICT);
}

/// KPI-3: a buyer who leaves (结束咨询) is invited too; the conversation is resolved by them.
#[tokio::test]
async fn a_buyer_who_ends_the_conversation_is_invited_to_rate() {
    let app = TestApp::spawn().await;
    let admin = app.agent("tea-admin").await;
    let agent = app.agent("tea-pre1").await;
    let on = json!({"rating": {"enabled": true, "text": "请为本次服务打分"}});
    assert_eq!(put(&admin, "/api/v1/automation", on).await, StatusCode::OK);
    let buyer = app.buyer("shanye-tea").await;
    assert!(buyer.send("q", "有现货吗").await.status().is_success());
    let c = agent.open_conversation_of(&buyer).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(agent.reply(&c, "a", "有的").await.status().is_success());
    let (status, _) = buyer_call(&buyer, "POST", "/api/v1/buyer/conversation/end", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let invitation = invitations(&buyer, 1).await.remove(0);
    assert_eq!(invitation["text"], "请为本次服务打分");
    let summary: Value = agent.get_json(&format!("/api/v1/conversations/{c}")).await;
    assert_eq!(summary["status"], "resolved");
    let events: Value = agent
        .get_json(&format!("/api/v1/conversations/{c}/events"))
        .await;
    let resolved = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "resolved")
        .unwrap();
    assert_eq!(resolved["actor_kind"], "buyer");
    let on_it: Value = agent
        .get_json(&format!("/api/v1/conversations/{c}/ratings"))
        .await;
    assert_eq!(on_it["ratings"][0]["agent_name"], "售前·小雨");
    // Nothing open: nothing happens.
    let (status, _) = buyer_call(&buyer, "POST", "/api/v1/buyer/conversation/end", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(invitations(&buyer, 2).await.len(), 1);
}

/// ESC-1: a one-star rating escalates the conversation (the shop's rules on), and says why.
#[tokio::test]
async fn a_one_star_rating_escalates_the_conversation() {
    let app = TestApp::spawn().await;
    let admin = app.agent("tea-admin").await;
    let agent = app.agent("tea-pre1").await;
    let on = json!({"rating": {"enabled": true, "text": "请为本次服务打分"}});
    assert_eq!(put(&admin, "/api/v1/automation", on).await, StatusCode::OK);
    let (buyer, c) = served_and_resolved(&app, &agent).await;
    let id = invitations(&buyer, 1).await[0]["rating_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, rated) = buyer_call(
        &buyer,
        "POST",
        &format!("/api/v1/buyer/ratings/{id}"),
        Some(json!({"stars": 1, "comment": "态度很差"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{rated}");
    let found = admin
        .get_json(&format!("/api/v1/escalations?conversation_id={c}"))
        .await;
    let escalation = &found["escalations"][0];
    assert_eq!(
        (&escalation["level"], &escalation["triggers"]),
        (&json!("one"), &json!(["one_star"]))
    );
    assert_eq!(escalation["reason"], "买家给出一星评价");
}
