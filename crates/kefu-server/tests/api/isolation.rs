//! ACC-1: an agent of one shop cannot see or touch anything of another shop; every such
//! request answers exactly like a missing resource.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, text_frame};

#[tokio::test]
async fn an_agent_of_shop_a_gets_404_on_every_resource_of_shop_b() {
    let app = TestApp::spawn().await;
    let buyer_b = app.buyer("chaowan-digital").await;
    buyer_b.send("b1", "耳机降噪吗").await;
    let agent_b = app.agent("digital-pre1").await;
    let conversation = agent_b.conversations("open").await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let intruder = app.agent("tea-admin").await;
    assert!(
        !intruder
            .conversations("all")
            .await
            .iter()
            .any(|c| c["id"] == conversation.as_str()),
        "not listed"
    );
    let gets = [
        format!("/api/v1/conversations/{conversation}"),
        format!("/api/v1/conversations/{conversation}/messages"),
        format!("/api/v1/conversations/{conversation}/events"),
        format!("/api/v1/buyers/{}", buyer_b.buyer_id),
    ];
    for path in gets {
        let response = intruder.get(&path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "GET {path}");
    }
    let posts = [
        (
            "messages",
            json!({"client_msg_id": "x", "kind": "text", "body": "越权"}),
        ),
        ("read", json!({"seq": 1})),
        ("resolve", json!({})),
        ("reopen", json!({})),
        ("assign", json!({"assignee_id": intruder.user_id})),
    ];
    for (action, body) in posts {
        let response = intruder
            .post(
                &format!("/api/v1/conversations/{conversation}/{action}"),
                body,
            )
            .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "POST {action}");
    }
    // Shop B's supervisor cannot hand its conversation to shop A's agent either.
    let lead_b = app.agent("digital-lead").await;
    let cross = lead_b
        .post(
            &format!("/api/v1/conversations/{conversation}/assign"),
            json!({"assignee_id": intruder.user_id}),
        )
        .await;
    assert_eq!(cross.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        cross.json::<Value>().await.unwrap()["code"],
        "assignee_not_found"
    );

    // Nothing changed in shop B.
    let after: Value = agent_b
        .get(&format!("/api/v1/conversations/{conversation}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["status"], "open");
    assert_eq!(after["last_seq"], 1);
    assert_eq!(
        agent_b.event_kinds(&conversation).await,
        ["created", "buyer_message"]
    );
}

#[tokio::test]
async fn agent_sockets_only_hear_their_own_shop() {
    let app = TestApp::spawn().await;
    let tea = app.agent("tea-pre1").await;
    let mut tea_socket = tea.socket().await;
    let digital = app.agent("digital-pre1").await;
    let mut digital_socket = digital.socket().await;

    let buyer = app.buyer("chaowan-digital").await;
    let mut buyer_socket = buyer.socket(Some(0)).await;
    buyer_socket.send(text_frame("b1", "只给潮玩数码看")).await;
    buyer_socket.next_of("ack").await;
    assert_eq!(
        digital_socket.next_of("message").await["message"]["body"],
        "只给潮玩数码看"
    );
    let leaked = tea_socket.drain(Duration::from_millis(400)).await;
    assert!(
        leaked
            .iter()
            .all(|f| f["type"] != "message" && f["type"] != "conversation"),
        "{leaked:?}"
    );
    // And a buyer token of one shop does not open another shop's session.
    let session = app
        .http
        .post(app.url("/api/v1/buyer/session"))
        .json(&json!({"shop": "shanye-tea", "buyer_token": buyer.token}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_ne!(session["buyer"]["id"], buyer.buyer_id.to_string());
}
