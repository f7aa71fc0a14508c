//! WB-5: conversation tags — built-in after-sales categories, a shop's own, filters, the event
//! log, and teams that require a tag before resolving.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

#[tokio::test]
async fn agents_tag_conversations_filter_by_tag_and_may_be_required_to_tag() {
    let app = TestApp::spawn().await;
    let buyer = app.buyer("shanye-tea").await;
    buyer.send("t1", "收到的茶叶包装破了").await;
    let agent = app.agent("tea-after1").await;
    let conversation = agent
        .conversations("open")
        .await
        .into_iter()
        .find(|c| c["buyer_id"] == buyer.buyer_id.to_string())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let listed: Value = agent.get("/api/v1/tags").await.json().await.unwrap();
    let builtin = listed["tags"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["builtin"] == true)
        .count();
    assert!(builtin >= 20);

    let put = |tags: Value| {
        let agent = &agent;
        let path = format!("/api/v1/conversations/{conversation}/tags");
        async move {
            agent
                .http
                .put(format!("{}{path}", agent.base))
                .bearer_auth(&agent.token)
                .json(&json!({ "tags": tags }))
                .send()
                .await
                .unwrap()
        }
    };
    let unknown = put(json!(["nope"])).await;
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    let body: Value = unknown.json().await.unwrap();
    assert_eq!(body["code"], "unknown_tag");

    // The after-sales team requires a tag before resolving.
    let lead = app.agent("tea-lead").await;
    let team = lead
        .http
        .put(format!("{}/api/v1/teams/after_sales", lead.base))
        .bearer_auth(&lead.token)
        .json(&json!({"name": "售后", "response_target_seconds": 7200, "require_tag": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(team.status(), StatusCode::OK);
    let resolve = format!("/api/v1/conversations/{conversation}/resolve");
    let refused: Value = agent.post(&resolve, json!({})).await.json().await.unwrap();
    assert_eq!(refused["code"], "tag_required");

    // A shop's own tag next to the built-in ones.
    let custom = lead
        .post(
            "/api/v1/tags",
            json!({"key": "gift_box", "name": "礼盒问题"}),
        )
        .await;
    assert_eq!(custom.status(), StatusCode::CREATED);
    let again = lead
        .post("/api/v1/tags", json!({"key": "gift_box", "name": "礼盒"}))
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let tagged = put(json!(["damaged_item", "gift_box", "damaged_item"])).await;
    assert_eq!(tagged.status(), StatusCode::OK);
    let tagged: Value = tagged.json().await.unwrap();
    assert_eq!(tagged["tags"], json!(["damaged_item", "gift_box"]));
    assert_eq!(
        agent.post(&resolve, json!({})).await.status(),
        StatusCode::OK
    );

    // Filter by tag; the event log says what changed.
    let damaged: Value = agent
        .get("/api/v1/conversations?status=all&tag=damaged_item")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(damaged["conversations"].as_array().unwrap().len(), 1);
    let invoices: Value = agent
        .get("/api/v1/conversations?status=all&tag=invoice")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(invoices["conversations"], json!([]));
    put(json!(["gift_box"])).await;
    let events: Value = agent
        .get(&format!("/api/v1/conversations/{conversation}/events"))
        .await
        .json()
        .await
        .unwrap();
    let tagged: Vec<&Value> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "tagged")
        .collect();
    assert_eq!(tagged.len(), 2);
    assert_eq!(tagged[1]["data"]["removed"], json!(["damaged_item"]));
}
