//! Blocking and the intake filter over HTTP (WB-6, issue #17): a blocked buyer's messages are
//! stored but the conversation is invalid and never routed; keyword, link and rate rules
//! close conversations as invalid; everything is audited and reversible.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::dispatch::{put, routing_on};
use crate::helpers::{AgentClient, BuyerClient, TestApp};

async fn conversation_of(agent: &AgentClient, buyer: &BuyerClient) -> Value {
    let all: Value = agent.get_json("/api/v1/conversations?status=all").await;
    all["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["buyer_id"] == buyer.buyer_id.to_string())
        .cloned()
        .unwrap()
}

async fn invalid_reason(agent: &AgentClient, id: &str) -> Option<String> {
    let events: Value = agent
        .get_json(&format!("/api/v1/conversations/{id}/events"))
        .await;
    events["events"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|e| e["kind"] == "invalidated")
        .map(|e| e["data"]["reason"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn a_blocked_buyer_writes_into_an_invalid_conversation_until_the_block_is_lifted() {
    let app = TestApp::spawn().await;
    let admin = app.agent("tea-admin").await;
    let lead = app.agent("tea-lead").await;
    let agent = app.agent("tea-pre1").await;
    assert_eq!(routing_on(&admin).await, StatusCode::OK);
    assert_eq!(
        put(&agent, "/api/v1/me/status", json!({"status": "online"})).await,
        StatusCode::OK
    );

    let buyer = app.buyer("shanye-tea").await;
    assert!(buyer.send("m1", "你们店骗人").await.status().is_success());
    let c = conversation_of(&admin, &buyer).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/buyers/{}/block", buyer.buyer_id);
    let bad = agent
        .post(&path, json!({"kind": "harassment", "days": 0}))
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(bad.json::<Value>().await.unwrap()["code"], "invalid_block");
    let blocked = agent
        .post(
            &path,
            json!({"kind": "harassment", "note": "辱骂客服", "days": 7}),
        )
        .await;
    assert_eq!(blocked.status(), StatusCode::CREATED);
    let block: Value = blocked.json().await.unwrap();
    assert_eq!(
        (block["kind"].as_str(), block["blocked_by_name"].as_str()),
        (Some("harassment"), Some("售前·小雨"))
    );
    assert!(block["expires_at"].as_i64().unwrap() > kefu_domain::time::now_ms() + 6 * 86_400_000);

    // The buyer still writes and sees nothing different; the conversation stays invalid,
    // unassigned and waits for nobody.
    assert_eq!(buyer.send("m2", "还骂").await.status(), StatusCode::CREATED);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let conversation = conversation_of(&admin, &buyer).await;
    assert_eq!(conversation["status"], "invalid");
    assert!(conversation["assignee_id"].is_null());
    assert_eq!(conversation["awaiting_reply"], false);
    assert_eq!(
        admin.messages(&c).await.len(),
        2,
        "both messages are stored"
    );
    assert_eq!(buyer.messages().await.len(), 2);
    assert_eq!(
        invalid_reason(&admin, &c).await.as_deref(),
        Some("harassment")
    );
    let invalid: Value = admin.get_json("/api/v1/conversations?status=invalid").await;
    assert!(
        invalid["conversations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == c)
    );
    assert!(
        !admin
            .conversations("open")
            .await
            .iter()
            .any(|x| x["id"] == c)
    );
    let audit: Value = admin.get_json("/api/v1/audit?action=buyer").await;
    assert_eq!(audit["entries"][0]["action"], "buyer.block");

    // Supervisors see the blocklist and lift it (agents may not): the conversation counts again.
    let list: Value = agent.get_json("/api/v1/blocklist").await;
    assert_eq!(list["blocks"][0]["buyer_id"], buyer.buyer_id.to_string());
    let lift = format!("/api/v1/blocklist/{}/lift", block["id"].as_str().unwrap());
    assert_eq!(
        agent.post(&lift, json!({})).await.status(),
        StatusCode::FORBIDDEN
    );
    let lifted = lead.post(&lift, json!({})).await;
    assert_eq!(lifted.status(), StatusCode::OK);
    assert!(!lifted.json::<Value>().await.unwrap()["lifted_at"].is_null());
    assert_eq!(conversation_of(&admin, &buyer).await["status"], "resolved");
    assert_eq!(
        buyer.send("m3", "对不起，我想问下发货").await.status(),
        StatusCode::CREATED
    );
    let reopened = conversation_of(&admin, &buyer).await;
    assert_eq!(reopened["status"], "open");
    let audit: Value = admin.get_json("/api/v1/audit?action=buyer").await;
    assert_eq!(audit["entries"][0]["action"], "buyer.unblock");
}

#[tokio::test]
async fn the_intake_filter_closes_ads_links_and_floods_as_invalid_and_supervisors_restore_them() {
    let app = TestApp::spawn().await;
    let admin = app.agent("tea-admin").await;
    let lead = app.agent("tea-lead").await;
    let off: Value = admin.get_json("/api/v1/intake-filter").await;
    assert_eq!(off["filter"]["enabled"], false);
    let too_fast = json!({"enabled": true, "max_per_minute": 601});
    assert_eq!(
        put(&admin, "/api/v1/intake-filter", too_fast).await,
        StatusCode::BAD_REQUEST
    );
    let filter = json!({"enabled": true, "keywords": ["加微信"], "block_links": true,
        "allowed_domains": ["shanye.example"], "max_per_minute": 3});
    assert_eq!(
        put(&lead, "/api/v1/intake-filter", filter.clone()).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        put(&admin, "/api/v1/intake-filter", filter).await,
        StatusCode::OK
    );

    // An ad by keyword, a link, a flood; a buyer with the shop's own link passes.
    let cases = [
        (vec!["加微信领红包"], Some("keyword:加微信")),
        (
            vec!["便宜茶叶 https://cheap-tea.top"],
            Some("link:cheap-tea.top"),
        ),
        (vec!["在吗", "在吗", "在吗", "在吗"], Some("rate")),
        (
            vec!["我在 https://shanye.example/tea 看到的这款有货吗"],
            None,
        ),
    ];
    let mut flagged = String::new();
    for (messages, reason) in cases {
        let buyer = app.buyer("shanye-tea").await;
        for (i, text) in messages.iter().enumerate() {
            assert!(
                buyer
                    .send(&format!("m{i}"), text)
                    .await
                    .status()
                    .is_success()
            );
        }
        let c = conversation_of(&admin, &buyer).await;
        let id = c["id"].as_str().unwrap();
        assert_eq!(
            invalid_reason(&admin, id).await.as_deref(),
            reason,
            "{messages:?}"
        );
        let status = if reason.is_some() { "invalid" } else { "open" };
        assert_eq!(c["status"], status, "{messages:?}");
        if reason.is_some() {
            assert_eq!(admin.messages(id).await.len(), messages.len(), "stored");
            flagged = id.to_owned();
        }
    }
    // Wrongly flagged: a supervisor restores it, audited; an agent may not.
    let agent = app.agent("tea-pre1").await;
    let restore = format!("/api/v1/conversations/{flagged}/restore");
    assert_eq!(
        agent.post(&restore, json!({})).await.status(),
        StatusCode::FORBIDDEN
    );
    let restored = lead.post(&restore, json!({})).await;
    assert_eq!(restored.status(), StatusCode::OK);
    let restored: Value = restored.json().await.unwrap();
    assert_eq!(
        (
            restored["status"].as_str(),
            restored["awaiting_reply"].as_bool()
        ),
        (Some("open"), Some(true))
    );
    assert_eq!(
        lead.post(&restore, json!({})).await.status(),
        StatusCode::NOT_FOUND
    );
    let audit: Value = admin
        .get_json("/api/v1/audit?action=conversation.restore")
        .await;
    assert_eq!(audit["entries"].as_array().map(Vec::len), Some(1));
}
