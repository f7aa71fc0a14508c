use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

#[tokio::test]
async fn a_buyer_message_opens_a_conversation_the_agent_answers_and_resolves() {
    let app = TestApp::spawn().await;
    let buyer = app.buyer("shanye-tea").await;
    let sent = buyer.send("m1", "你好，龙井还有货吗？").await;
    assert_eq!(sent.status(), StatusCode::CREATED);
    let message: Value = sent.json().await.unwrap();
    assert_eq!(message["seq"], 1);
    assert_eq!(message["sender_kind"], "buyer");

    let agent = app.agent("tea-pre1").await;
    let open = agent.conversations("open").await;
    let conversation = open
        .iter()
        .find(|c| c["buyer_id"] == buyer.buyer_id.to_string())
        .expect("the new conversation is listed");
    assert_eq!(conversation["unread_count"], 1);
    assert_eq!(conversation["last_message_preview"], "你好，龙井还有货吗？");
    let id = conversation["id"].as_str().unwrap().to_owned();

    let reply = agent.reply(&id, "r1", "有的，亲").await;
    assert_eq!(reply.status(), StatusCode::CREATED);
    let after: Value = agent
        .get(&format!("/api/v1/conversations/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["assignee_id"], agent.user_id.to_string());
    assert_eq!(after["unread_count"], 0);

    let seen: Vec<String> = buyer
        .messages()
        .await
        .iter()
        .map(|m| m["body"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(seen, ["你好，龙井还有货吗？", "有的，亲"]);

    let resolved: Value = agent
        .post(&format!("/api/v1/conversations/{id}/resolve"), json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(resolved["status"], "resolved");
    assert!(
        !agent
            .conversations("open")
            .await
            .iter()
            .any(|c| c["id"] == id.as_str())
    );

    // The buyer writes again: the same conversation reopens.
    buyer.send("m2", "还有一个问题").await;
    let reopened: Value = agent
        .get(&format!("/api/v1/conversations/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(reopened["status"], "open");
    agent.reply(&id, "r2", "请讲").await;
    assert_eq!(
        agent.event_kinds(&id).await,
        [
            "created",
            "buyer_message",
            "agent_message",
            "first_reply",
            "assigned",
            "resolved",
            "reopened",
            "buyer_message",
            "agent_message",
            "first_reply",
        ]
    );
}

#[tokio::test]
async fn a_retried_http_send_is_stored_once() {
    let app = TestApp::spawn().await;
    let buyer = app.buyer("shanye-tea").await;
    let first = buyer.send("same-id", "在吗").await;
    let again = buyer.send("same-id", "在吗").await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert_eq!(again.status(), StatusCode::OK);
    let (first, again): (Value, Value) = (first.json().await.unwrap(), again.json().await.unwrap());
    assert_eq!(first["id"], again["id"]);
    assert_eq!(buyer.messages().await.len(), 1);
}

#[tokio::test]
async fn qa_inspectors_read_but_cannot_reply_and_agents_cannot_assign() {
    let app = TestApp::spawn().await;
    let buyer = app.buyer("shanye-tea").await;
    buyer.send("m1", "质检看得到吗").await;
    let qa = app.agent("tea-qa").await;
    let conversation = qa.conversations("open").await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(qa.messages(&conversation).await.len(), 1);
    let reply = qa.reply(&conversation, "q1", "我是质检").await;
    assert_eq!(reply.status(), StatusCode::FORBIDDEN);
    assert_eq!(reply.json::<Value>().await.unwrap()["code"], "forbidden");
    let resolve = qa
        .post(
            &format!("/api/v1/conversations/{conversation}/resolve"),
            json!({}),
        )
        .await;
    assert_eq!(resolve.status(), StatusCode::FORBIDDEN);

    let agent = app.agent("tea-pre1").await;
    let lead = app.agent("tea-lead").await;
    let assign = json!({"assignee_id": agent.user_id});
    let path = format!("/api/v1/conversations/{conversation}/assign");
    assert_eq!(
        agent.post(&path, assign.clone()).await.status(),
        StatusCode::FORBIDDEN
    );
    let assigned: Value = lead.post(&path, assign).await.json().await.unwrap();
    assert_eq!(assigned["assignee_id"], agent.user_id.to_string());
    assert!(
        agent
            .event_kinds(&conversation)
            .await
            .contains(&"assigned".to_owned())
    );
    assert_eq!(
        qa.messages(&conversation).await.len(),
        1,
        "nothing was written by refusals"
    );
}

#[tokio::test]
async fn bad_input_gets_a_clear_error_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let buyer = app.buyer("shanye-tea").await;
    buyer.send("ok", "第一条").await;
    let agent = app.agent("tea-pre1").await;
    let id = agent.conversations("open").await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/conversations/{id}/messages");

    let cases = [
        (
            json!({"client_msg_id": "a", "kind": "text", "body": "好".repeat(5001)}),
            "message_too_long",
        ),
        (
            json!({"client_msg_id": "b", "kind": "text", "body": "   "}),
            "message_empty",
        ),
        (
            json!({"client_msg_id": "", "kind": "text", "body": "x"}),
            "bad_client_msg_id",
        ),
        (
            json!({"client_msg_id": "c", "kind": "video", "body": "x"}),
            "invalid_json",
        ),
        (
            json!({"client_msg_id": "d", "kind": "image"}),
            "attachment_required",
        ),
        (
            json!({"client_msg_id": "e", "kind": "image", "attachment_id": uuid::Uuid::new_v4()}),
            "attachment_not_found",
        ),
    ];
    for (body, code) in cases {
        let response = agent.post(&path, body).await;
        assert!(response.status().is_client_error(), "{code}");
        assert_eq!(response.json::<Value>().await.unwrap()["code"], code);
    }

    // Invalid UTF-8 and broken JSON.
    for raw in [
        b"{\"client_msg_id\":\"f\",\"kind\":\"text\",\"body\":\"\xff\xfe\"}".to_vec(),
        b"{not json".to_vec(),
    ] {
        let response = agent
            .http
            .post(app.url(&path))
            .bearer_auth(&agent.token)
            .header("content-type", "application/json")
            .body(raw)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            response.json::<Value>().await.unwrap()["code"],
            "invalid_json"
        );
    }

    let oversize = agent
        .http
        .post(app.url(&path))
        .bearer_auth(&agent.token)
        .header("content-type", "application/json")
        .body(vec![b' '; 300 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(oversize.status(), StatusCode::PAYLOAD_TOO_LARGE);

    let bad_status = agent.get("/api/v1/conversations?status=sleeping").await;
    assert_eq!(
        bad_status.json::<Value>().await.unwrap()["code"],
        "invalid_status"
    );
    let bad_id = agent.get("/api/v1/conversations/not-a-uuid").await;
    assert_eq!(bad_id.status(), StatusCode::BAD_REQUEST);

    assert_eq!(agent.messages(&id).await.len(), 1, "nothing was stored");
}
