//! WB-9: statuses with breaks that end by themselves (a stored deadline), and the
//! supervisor's live view of everyone's status, load and today's numbers.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

#[tokio::test]
async fn breaks_have_a_reason_and_an_end_and_the_supervisor_sees_everyone_live() {
    let app = TestApp::spawn().await;
    let lead = app.agent("tea-lead").await;
    let mut lead_socket = lead.socket().await;
    let agent = app.agent("tea-pre1").await;
    let status = |body: Value| {
        let agent = &agent;
        async move {
            agent
                .http
                .put(format!("{}/api/v1/me/status", agent.base))
                .bearer_auth(&agent.token)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let refused: Value = status(json!({"status": "away"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(refused["code"], "invalid_break");
    let too_long: Value = status(json!({"status": "away", "reason": "午饭", "minutes": 600}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(too_long["code"], "invalid_break");
    let away = status(json!({"status": "away", "reason": "午饭", "minutes": 30})).await;
    assert_eq!(away.status(), StatusCode::OK);
    let presence = lead_socket.next_of("presence").await;
    let presence = if presence["status"] == "away" {
        presence
    } else {
        lead_socket.next_of("presence").await
    };
    assert_eq!(presence["reason"], "午饭");
    assert!(presence["until"].as_i64().unwrap() > kefu_domain::time::now_ms() + 29 * 60_000);

    // A buyer writes and the agent answers: load and today's numbers follow.
    let buyer = app.buyer("shanye-tea").await;
    buyer.send("p1", "在吗").await;
    let conversation = agent
        .conversations("open")
        .await
        .into_iter()
        .find(|c| c["buyer_id"] == buyer.buyer_id.to_string())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    agent.reply(&conversation, "r1", "在的").await;
    let live: Value = lead.get("/api/v1/team/live").await.json().await.unwrap();
    let me = live["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["user"]["username"] == "tea-pre1")
        .unwrap();
    assert_eq!(me["user"]["status"], "away");
    assert_eq!(me["user"]["break_reason"], "午饭");
    assert_eq!(me["load"], 1);
    assert_eq!(me["replies_today"], 1);
    assert_eq!(me["first_replies_today"], 1);
    assert!(me["avg_first_reply_ms"].is_i64());
    assert_eq!(
        agent.get("/api/v1/team/live").await.status(),
        StatusCode::FORBIDDEN
    );

    // The break's end is stored: once it has passed, the sweep puts the agent back online.
    app.tamper("UPDATE users SET break_until = 1 WHERE username = 'tea-pre1'")
        .await;
    kefu_server::jobs::housekeeping::end_breaks(app.state.as_ref().unwrap()).await;
    let back = lead_socket.next_of("presence").await;
    assert_eq!(back["status"], "online");
    let me: Value = agent.get("/api/v1/auth/me").await.json().await.unwrap();
    assert_eq!(me["user"]["status"], "online");
    assert_eq!(me["user"]["break_reason"], Value::Null);
}
