//! WB-1: transfers with a note, internal notes with @mentions, and a supervisor's whisper;
//! none of it reaches the buyer.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

#[tokio::test]
async fn agents_transfer_with_a_note_and_talk_in_notes_the_buyer_never_sees() {
    let app = TestApp::spawn().await;
    let buyer = app.buyer("shanye-tea").await;
    buyer.send("b1", "想退货").await;
    let pre = app.agent("tea-pre1").await;
    let conversation = pre
        .conversations("open")
        .await
        .into_iter()
        .find(|c| c["buyer_id"] == buyer.buyer_id.to_string())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    pre.reply(&conversation, "r1", "您好，我帮您转售后").await;
    let after = app.agent("tea-after1").await;
    let mut after_socket = after.socket().await;
    let transfer = format!("/api/v1/conversations/{conversation}/transfer");

    // Someone not on it, who may not assign, may not transfer it.
    assert_eq!(
        after
            .post(&transfer, json!({"to_team": "after_sales"}))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let bad: Value = pre
        .post(&transfer, json!({"note": "两者都没写"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(bad["code"], "invalid_transfer");

    let moved: Value = pre
        .post(
            &transfer,
            json!({"to_user_id": after.user_id, "note": "买家要退货，订单已签收"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(moved["assignee_id"], after.user_id.to_string());
    assert_eq!(moved["team"], "after_sales");
    let note = after_socket.next_of("note").await;
    assert_eq!(note["note"]["mentions"], json!([after.user_id]));
    assert!(
        note["note"]["body"]
            .as_str()
            .unwrap()
            .contains("买家要退货")
    );

    // Notes with @mentions, and a supervisor's whisper to the agent on it.
    let mention: Value = after
        .post(
            &format!("/api/v1/conversations/{conversation}/notes"),
            json!({"body": "@tea-lead 这单金额较大，麻烦看下"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let lead = app.agent("tea-lead").await;
    assert_eq!(mention["mentions"], json!([lead.user_id]));
    assert_eq!(mention["whisper"], false);
    let whisper: Value = lead
        .post(
            &format!("/api/v1/conversations/{conversation}/notes"),
            json!({"body": "可以直接退，不用审批"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(whisper["whisper"], true);
    let notes: Value = after
        .get(&format!("/api/v1/conversations/{conversation}/notes"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(notes["notes"].as_array().unwrap().len(), 3);

    // Back to the after-sales queue, unassigned; the event log has both transfers.
    let queued: Value = after
        .post(&transfer, json!({"to_team": "after_sales"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(queued["assignee_id"], Value::Null);
    let kinds = after.event_kinds(&conversation).await;
    assert_eq!(kinds.iter().filter(|k| *k == "transferred").count(), 2);

    // The buyer sees only the conversation's messages.
    let seen: Vec<String> = buyer
        .messages()
        .await
        .iter()
        .map(|m| m["body"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(seen, ["想退货", "您好，我帮您转售后"]);
}
