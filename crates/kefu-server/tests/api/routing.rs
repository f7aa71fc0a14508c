//! WB-4: the supervisor's routing rules and the tester that explains a decision.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{AgentClient, TestApp};

async fn put_rules(lead: &AgentClient, rules: Value) -> (StatusCode, Value) {
    let response = lead
        .http
        .put(format!("{}/api/v1/routing/rules", lead.base))
        .bearer_auth(&lead.token)
        .json(&json!({ "rules": rules }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn rules_route_by_entry_and_issue_and_the_tester_explains_why() {
    let app = TestApp::spawn().await;
    let lead = app.agent("tea-lead").await;
    let (status, saved) = put_rules(
        &lead,
        json!([
            {"name": "直播间走售前", "conditions": [{"kind": "entry", "value": "live_room"}], "team": "pre_sales", "enabled": false},
            {"name": "订单卡片走售后", "conditions": [{"kind": "entry", "value": "order_card"}], "team": "after_sales"},
            {"name": "退款走售后", "conditions": [{"kind": "issue_type", "value": "refund"}, {"kind": "vip_at_least", "value": 1}], "team": "after_sales"},
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let listed: Value = lead
        .get("/api/v1/routing/rules")
        .await
        .json()
        .await
        .unwrap();
    let positions: Vec<i64> = listed["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["position"].as_i64().unwrap())
        .collect();
    assert_eq!(positions, [1, 2, 3]);
    assert_eq!(listed["default_team"], "pre_sales");

    let test = |facts: Value| {
        let lead = &lead;
        async move {
            let decision: Value = lead
                .post("/api/v1/routing/test", json!({ "facts": facts }))
                .await
                .json()
                .await
                .unwrap();
            decision
        }
    };
    let order = test(json!({"entry": "order_card", "channel": "web"})).await;
    assert_eq!(order["team"], "after_sales");
    assert_eq!(order["rule_id"], listed["rules"][1]["id"]);
    let lines: Vec<&str> = order["explanation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert!(lines[0].contains("disabled"), "{lines:?}");
    assert!(lines[1].contains("matched"), "{lines:?}");
    let live = test(json!({"entry": "live_room", "channel": "douyin"})).await;
    assert_eq!(
        (live["team"].as_str(), &live["rule_id"]),
        (Some("pre_sales"), &Value::Null)
    );
    let refund = test(
        json!({"entry": "shop_home", "channel": "web", "issue_type": "refund", "vip_level": 2}),
    )
    .await;
    assert_eq!(refund["rule_id"], listed["rules"][2]["id"]);

    // Unsaved rules can be tried before saving.
    let draft: Value = lead
        .post(
            "/api/v1/routing/test",
            json!({"facts": {"entry": "live_room", "channel": "web"}, "rules": [
                {"name": "直播间走售后", "conditions": [{"kind": "entry", "value": "live_room"}], "team": "after_sales"}
            ]}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(draft["team"], "after_sales");
    let still: Value = lead
        .get("/api/v1/routing/rules")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        still["rules"].as_array().unwrap().len(),
        3,
        "a test saves nothing"
    );

    for (rules, code) in [
        (
            json!([{"name": "x", "conditions": [], "team": "nope"}]),
            "unknown_team",
        ),
        (
            json!([{"name": "  ", "conditions": [], "team": "pre_sales"}]),
            "bad_rule_name",
        ),
    ] {
        let (status, body) = put_rules(&lead, rules).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some(code))
        );
    }
    let (status, _) = put_rules(&app.agent("tea-pre1").await, json!([])).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// A buyer's first words route the conversation: a refund question goes to after-sales.
#[tokio::test]
async fn the_first_message_routes_by_issue_and_language() {
    let app = TestApp::spawn().await;
    let lead = app.agent("tea-lead").await;
    let vip = lead
        .http
        .put(format!("{}/api/v1/teams/vip", lead.base))
        .bearer_auth(&lead.token)
        .json(&json!({"name": "VIP", "response_target_seconds": 30}))
        .send()
        .await
        .unwrap();
    assert_eq!(vip.status(), StatusCode::OK);
    let (status, _) = put_rules(
        &lead,
        json!([
            {"name": "退款走售后", "conditions": [{"kind": "issue_type", "value": "refund"}], "team": "after_sales"},
            {"name": "英文走 VIP", "conditions": [{"kind": "language", "value": "en"}], "team": "vip"},
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    for (text, team) in [
        ("我要退款，茶叶不喜欢", "after_sales"),
        ("Do you ship to Singapore?", "vip"),
        ("普洱怎么泡", "pre_sales"),
    ] {
        let buyer = app.buyer("shanye-tea").await;
        buyer.send("first", text).await;
        let conversation = lead
            .conversations("open")
            .await
            .into_iter()
            .find(|c| c["buyer_id"] == buyer.buyer_id.to_string())
            .unwrap();
        assert_eq!(conversation["team"], team, "{text}");
    }
}
