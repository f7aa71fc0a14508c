//! WB-4 / CH-7: the live router. With routing on, a conversation goes to its team by the
//! rules and to an available agent at once; with nobody available the buyer waits and hears
//! their place, and is served when an agent comes online.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{AgentClient, TestApp};

async fn assignee_of(agent: &AgentClient, conversation: &str) -> Option<String> {
    let summary: Value = agent
        .get(&format!("/api/v1/conversations/{conversation}"))
        .await
        .json()
        .await
        .unwrap();
    summary["assignee_id"].as_str().map(str::to_owned)
}

/// Waits up to 3 s for the router to give `conversation` to someone.
async fn routed(agent: &AgentClient, conversation: &str) -> Option<String> {
    let until = Instant::now() + Duration::from_secs(3);
    while Instant::now() < until {
        if let Some(who) = assignee_of(agent, conversation).await {
            return Some(who);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

/// Turns the shop's router on (WB-4), as its admin.
pub async fn routing_on(admin: &AgentClient) -> StatusCode {
    put(
        admin,
        "/api/v1/settings",
        json!({"refund_threshold_fen": 50000, "probation_days": 7, "max_accounts": 200, "routing_enabled": true}),
    )
    .await
}

/// Resolves the demo's open conversations, so only a test's own buyers wait for the router
/// (conversations from before routing was on queue for the default team).
pub async fn clear_the_queue(admin: &AgentClient) {
    for c in admin.conversations("open").await {
        let id = c["id"].as_str().unwrap();
        let resolved = admin
            .post(&format!("/api/v1/conversations/{id}/resolve"), json!({}))
            .await;
        assert!(resolved.status().is_success());
    }
}

pub async fn put(agent: &AgentClient, path: &str, body: Value) -> StatusCode {
    agent
        .http
        .put(format!("{}{path}", agent.base))
        .bearer_auth(&agent.token)
        .json(&body)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn the_router_assigns_by_rule_and_strategy_and_queues_when_nobody_is_free() {
    let app = TestApp::spawn().await;
    let admin = app.agent("tea-admin").await;
    assert_eq!(routing_on(&admin).await, StatusCode::OK);
    let lead = app.agent("tea-lead").await;
    assert_eq!(
        put(
            &lead,
            "/api/v1/routing/rules",
            json!({"rules": [{"name": "订单卡片走售后", "conditions": [{"kind": "entry", "value": "order_card"}], "team": "after_sales"}]}),
        )
        .await,
        StatusCode::OK
    );
    let orders = "order_no,buyer_id,placed_at,payment_status,shipping_status,product_code,sku_code,item_title,quantity,unit_price\n\
                  R1,m-r1,2026-11-20 10:00,paid,shipped,P,P-1,茶,1,10\n\
                  R2,m-r2,2026-11-20 10:00,paid,shipped,P,P-1,茶,1,10\n";
    admin
        .http
        .post(format!("{}/api/v1/imports/orders", admin.base))
        .bearer_auth(&admin.token)
        .header("content-type", "text/csv")
        .body(orders)
        .send()
        .await
        .unwrap();
    let secret = app.identity_secret("shanye-tea").await;
    let link = |member: &str, order: &str| {
        jsonwebtoken::encode(
            &jsonwebtoken::Header::default(),
            &json!({"sub": member, "entry": "order_card", "order_no": order, "exp": kefu_domain::time::now_ms() / 1000 + 3600}),
            &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    };

    // The after-sales agent opens the workbench (and so comes online).
    let after = app.agent("tea-after1").await;
    let _after_socket = after.socket().await;
    let started = Instant::now();
    let first = app
        .buyer_with(json!({"shop": "shanye-tea", "entry": link("m-r1", "R1")}))
        .await;
    let first_id = first.session["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        routed(&after, &first_id).await,
        Some(after.user_id.to_string())
    );
    let took = started.elapsed();
    assert!(took < Duration::from_secs(1), "routing took {took:?}");
    let summary: Value = after
        .get(&format!("/api/v1/conversations/{first_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(summary["team"], "after_sales");
    let events: Value = after
        .get(&format!("/api/v1/conversations/{first_id}/events"))
        .await
        .json()
        .await
        .unwrap();
    let assigned = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "assigned")
        .unwrap();
    assert_eq!(assigned["data"]["reason"], "routing");

    // Busy: no new assignments; the next order-card buyer waits in the after-sales queue.
    assert_eq!(
        put(&after, "/api/v1/me/status", json!({"status": "busy"})).await,
        StatusCode::OK
    );
    let second = app
        .buyer_with(json!({"shop": "shanye-tea", "entry": link("m-r2", "R2")}))
        .await;
    let second_id = second.session["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut second_socket = second.socket(Some(0)).await;
    second_socket
        .send(crate::helpers::text_frame("w1", "有人吗"))
        .await;
    let place = second_socket.next_of("queue").await;
    assert_eq!(place["position"], 1);
    assert!(place["estimated_wait_ms"].as_i64().unwrap() > 0);
    assert_eq!(assignee_of(&after, &second_id).await, None);

    // Back online: the head of the queue is theirs, and the buyer hears who took it.
    assert_eq!(
        put(&after, "/api/v1/me/status", json!({"status": "online"})).await,
        StatusCode::OK
    );
    assert_eq!(
        routed(&after, &second_id).await,
        Some(after.user_id.to_string())
    );
    let mut served = second_socket.next_of("queue").await;
    for _ in 0..5 {
        if served["position"] == 0 {
            break;
        }
        served = second_socket.next_of("queue").await;
    }
    assert_eq!(served["agent_name"], "售后·晓峰");

    // A shop-home buyer goes to the default team (pre-sales), nobody there is online: waits.
    let third = app.buyer("shanye-tea").await;
    third.send("x1", "普洱怎么泡").await;
    let third_id = after
        .conversations("open")
        .await
        .into_iter()
        .find(|c| c["buyer_id"] == third.buyer_id.to_string())
        .unwrap();
    assert_eq!(third_id["team"], "pre_sales");
    tokio::time::sleep(Duration::from_millis(1_300)).await;
    assert_eq!(
        assignee_of(&after, third_id["id"].as_str().unwrap()).await,
        None,
        "no after-sales agent takes a pre-sales conversation"
    );
}

/// Round-robin spreads a team's conversations in turn; caps hold; supervisors set caps.
#[tokio::test]
async fn round_robin_takes_turns_and_caps_hold() {
    let app = TestApp::spawn().await;
    let admin = app.agent("tea-admin").await;
    clear_the_queue(&admin).await;
    routing_on(&admin).await;
    let lead = app.agent("tea-lead").await;
    assert_eq!(
        put(
            &lead,
            "/api/v1/teams/pre_sales",
            json!({"name": "售前", "response_target_seconds": 30, "strategy": "round_robin"}),
        )
        .await,
        StatusCode::OK
    );
    let bad: Value = lead
        .http
        .put(format!("{}/api/v1/teams/pre_sales", lead.base))
        .bearer_auth(&lead.token)
        .json(&json!({"name": "售前", "response_target_seconds": 30, "strategy": "random"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(bad["code"], "invalid_strategy");
    let pre1 = app.agent("tea-pre1").await;
    let pre2 = app.agent("tea-pre2").await;
    // The supervisor caps pre2 at one more conversation than the demo gave them.
    let live: Value = lead.get("/api/v1/team/live").await.json().await.unwrap();
    let demo_load = live["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["user"]["username"] == "tea-pre2")
        .unwrap()["load"]
        .as_i64()
        .unwrap();
    let accounts: Value = lead.get("/api/v1/accounts").await.json().await.unwrap();
    let pre2_id = accounts["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == "tea-pre2")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let capped = lead
        .http
        .patch(format!("{}/api/v1/accounts/{pre2_id}", lead.base))
        .bearer_auth(&lead.token)
        .json(&json!({"max_concurrent": demo_load + 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(capped.status(), StatusCode::OK);
    let renamed = lead
        .http
        .patch(format!("{}/api/v1/accounts/{pre2_id}", lead.base))
        .bearer_auth(&lead.token)
        .json(&json!({"display_name": "改名"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        renamed.status(),
        StatusCode::FORBIDDEN,
        "only the cap is a supervisor's"
    );
    let _s1 = pre1.socket().await;
    let _s2 = pre2.socket().await;

    let mut owners = vec![];
    for n in 0..4 {
        let buyer = app.buyer("shanye-tea").await;
        buyer.send(&format!("q{n}"), "请问有货吗").await;
        let id = pre1
            .conversations("open")
            .await
            .into_iter()
            .find(|c| c["buyer_id"] == buyer.buyer_id.to_string())
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        owners.push(routed(&pre1, &id).await.unwrap());
    }
    let by_pre2 = owners.iter().filter(|o| **o == pre2_id).count();
    assert_eq!(by_pre2, 1, "pre2 had room for one: {owners:?}");
    assert_eq!(owners.len() - by_pre2, 3);
}

/// WB-8: exactly one of several agents grabbing the same conversation gets it.
#[tokio::test]
async fn a_grab_race_has_exactly_one_winner() {
    let app = TestApp::spawn().await;
    let pre1 = app.agent("tea-pre1").await;
    let pre2 = app.agent("tea-pre2").await;
    let lead = app.agent("tea-lead").await;
    let after = app.agent("tea-after1").await;
    for round in 0..8 {
        let buyer = app.buyer("shanye-tea").await;
        buyer.send(&format!("g{round}"), "有人吗").await;
        let id = pre1
            .conversations("open")
            .await
            .into_iter()
            .find(|c| c["buyer_id"] == buyer.buyer_id.to_string())
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let path = format!("/api/v1/conversations/{id}/grab");
        // Another team's agent may not grab a pre-sales conversation.
        if round == 0 {
            assert_eq!(
                after.post(&path, json!({})).await.status(),
                StatusCode::FORBIDDEN
            );
        }
        let (a, b, c) = tokio::join!(
            pre1.post(&path, json!({})),
            pre2.post(&path, json!({})),
            lead.post(&path, json!({})),
        );
        let statuses = [a.status(), b.status(), c.status()];
        assert_eq!(
            statuses.iter().filter(|s| **s == StatusCode::OK).count(),
            1,
            "round {round}: {statuses:?}"
        );
        assert_eq!(
            statuses
                .iter()
                .filter(|s| **s == StatusCode::CONFLICT)
                .count(),
            2,
            "round {round}: {statuses:?}"
        );
    }
}

/// WB-7 / WB-8: an agent who goes on a break loses their conversation back to the team, which
/// in grab mode is offered to the team's agents.
#[tokio::test]
async fn a_stranded_conversation_is_offered_to_the_team_to_grab() {
    let app = TestApp::spawn().await;
    let admin = app.agent("tea-admin").await;
    routing_on(&admin).await;
    let lead = app.agent("tea-lead").await;
    assert_eq!(
        put(
            &lead,
            "/api/v1/teams/pre_sales",
            json!({"name": "售前", "response_target_seconds": 30, "grab_mode": true}),
        )
        .await,
        StatusCode::OK
    );
    let pre1 = app.agent("tea-pre1").await;
    let _pre1_socket = pre1.socket().await;
    let buyer = app.buyer("shanye-tea").await;
    buyer.send("s1", "这个茶适合送人吗").await;
    let id = pre1
        .conversations("open")
        .await
        .into_iter()
        .find(|c| c["buyer_id"] == buyer.buyer_id.to_string())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(routed(&pre1, &id).await, Some(pre1.user_id.to_string()));

    let pre2 = app.agent("tea-pre2").await;
    let mut pre2_socket = pre2.socket().await;
    assert_eq!(
        put(
            &pre1,
            "/api/v1/me/status",
            json!({"status": "away", "reason": "开会", "minutes": 30})
        )
        .await,
        StatusCode::OK
    );
    kefu_server::desk::dispatch::sweep_stranded(app.state.as_ref().unwrap()).await;
    let offer = pre2_socket.next_of("grab").await;
    assert_eq!(offer["conversation"]["id"], id);
    assert_eq!(assignee_of(&pre1, &id).await, None);
    let taken: Value = pre2
        .post(&format!("/api/v1/conversations/{id}/grab"), json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(taken["assignee_id"], pre2.user_id.to_string());
    let kinds = pre2.event_kinds(&id).await;
    assert!(kinds.contains(&"stranded".to_owned()), "{kinds:?}");
}

/// A buyer hears who serves them however the conversation was taken: here, assigned by hand.
#[tokio::test]
async fn a_buyer_hears_who_took_the_conversation_when_assigned_by_hand() {
    let app = TestApp::spawn().await;
    let buyer = app.buyer("shanye-tea").await;
    let mut socket = buyer.socket(Some(0)).await;
    socket.send(crate::helpers::text_frame("h1", "你好")).await;
    socket.next_of("ack").await;
    let lead = app.agent("tea-lead").await;
    let after = app.agent("tea-after1").await;
    let id = lead
        .conversations("open")
        .await
        .into_iter()
        .find(|c| c["buyer_id"] == buyer.buyer_id.to_string())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let assigned = lead
        .post(
            &format!("/api/v1/conversations/{id}/assign"),
            json!({"assignee_id": after.user_id}),
        )
        .await;
    assert_eq!(assigned.status(), StatusCode::OK);
    let served = socket.next_of("queue").await;
    assert_eq!(
        (served["position"].as_i64(), served["agent_name"].as_str()),
        (Some(0), Some("售后·晓峰"))
    );
}

/// Moves a conversation's last buyer message and its assignment `ms` into the past.
pub async fn backdate(app: &TestApp, id: &str, ms: i64) {
    let at = kefu_domain::time::now_ms() - ms;
    app.tamper(&format!(
        "UPDATE conversations SET last_buyer_message_at = {at} WHERE id = '{id}';
         UPDATE conversation_events SET at = {at} WHERE conversation_id = '{id}';"
    ))
    .await;
}

/// Signs a shop identity token for `member` with a VIP level, as the shop's site would.
fn member_token(secret: &str, member: &str, vip: u8) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &json!({"sub": member, "vip": vip, "exp": kefu_domain::time::now_ms() / 1000 + 3600}),
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

async fn conversation_of(agent: &AgentClient, buyer: &crate::helpers::BuyerClient) -> Value {
    agent
        .conversations("open")
        .await
        .into_iter()
        .find(|c| c["buyer_id"] == buyer.buyer_id.to_string())
        .unwrap()
}

/// WB-4 / CH-7: the VIP level the shop vouches for routes by rule and goes ahead in the queue;
/// the structured problem form routes by the problem it names.
#[tokio::test]
async fn vip_level_and_the_problem_form_route_and_order_the_queue() {
    let app = TestApp::spawn().await;
    let admin = app.agent("tea-admin").await;
    routing_on(&admin).await;
    let lead = app.agent("tea-lead").await;
    assert_eq!(
        put(
            &lead,
            "/api/v1/teams/vip",
            json!({"name": "VIP 专席", "response_target_seconds": 20}),
        )
        .await,
        StatusCode::OK
    );
    assert_eq!(
        put(
            &lead,
            "/api/v1/routing/rules",
            json!({"rules": [
                {"name": "黑金会员", "conditions": [{"kind": "vip_at_least", "value": 3}], "team": "vip"},
                {"name": "物流问题走售后", "conditions": [{"kind": "issue_type", "value": "logistics"}], "team": "after_sales"},
            ]}),
        )
        .await,
        StatusCode::OK
    );
    let secret = app.identity_secret("shanye-tea").await;

    // A level-3 member goes to the VIP team; the level is on the buyer's profile.
    let gold = app
        .buyer_with(json!({"shop": "shanye-tea", "identity": member_token(&secret, "m-gold", 3)}))
        .await;
    assert_eq!(gold.session["buyer"]["vip_level"], 3);
    gold.send("v1", "在吗").await;
    assert_eq!(conversation_of(&lead, &gold).await["team"], "vip");

    // The problem form's first line names the problem: logistics, not the refund it asks for.
    let parcel = app.buyer("shanye-tea").await;
    parcel
        .send("p1", "【问题】物流问题\n【诉求】退款\n【描述】三天没更新")
        .await;
    assert_eq!(conversation_of(&lead, &parcel).await["team"], "after_sales");

    // Nobody in pre-sales is online: an ordinary buyer who wrote first still waits behind a
    // level-2 member who wrote later, who goes to the head of the queue.
    let plain = app.buyer("shanye-tea").await;
    let mut plain_socket = plain.socket(Some(0)).await;
    plain_socket
        .send(crate::helpers::text_frame("q1", "这款还有货吗"))
        .await;
    // (The demo's older conversations wait in pre-sales too.)
    let before = plain_socket.next_of("queue").await["position"]
        .as_i64()
        .unwrap();
    let silver = app
        .buyer_with(json!({"shop": "shanye-tea", "identity": member_token(&secret, "m-silver", 2)}))
        .await;
    let mut silver_socket = silver.socket(Some(0)).await;
    silver_socket
        .send(crate::helpers::text_frame("q2", "这款还有货吗"))
        .await;
    assert_eq!(silver_socket.next_of("queue").await["position"], 1);
    assert_eq!(conversation_of(&lead, &silver).await["team"], "pre_sales");
    let mut place = plain_socket.next_of("queue").await;
    for _ in 0..5 {
        if place["position"] == before + 1 {
            break;
        }
        place = plain_socket.next_of("queue").await;
    }
    assert_eq!(
        place["position"],
        before + 1,
        "the member went ahead: {place}"
    );
}

/// WB-7: a team that counts its target in office hours does not strand a conversation for
/// time the shop was closed; counted around the clock, the same wait strands it.
#[tokio::test]
async fn office_hours_keep_the_night_out_of_response_targets() {
    let app = TestApp::spawn().await;
    let admin = app.agent("tea-admin").await;
    // Open one hour a day, twelve hours away from now (Shanghai time).
    let hour_now = (kefu_domain::time::now_ms() / 3_600_000 + 8) % 24;
    let open = match (hour_now + 12) % 24 {
        23 => 22,
        h => h,
    };
    let settings = |hours: Value| {
        json!({"refund_threshold_fen": 50000, "probation_days": 7, "max_accounts": 200,
               "routing_enabled": true, "office_hours": hours})
    };
    assert_eq!(
        put(
            &admin,
            "/api/v1/settings",
            settings(json!({"days": [1, 2, 3, 4, 5, 6, 7], "open": format!("{open:02}:00"), "close": format!("{:02}:00", open + 1)})),
        )
        .await,
        StatusCode::OK
    );
    let bad = admin
        .http
        .put(format!("{}/api/v1/settings", admin.base))
        .bearer_auth(&admin.token)
        .json(&settings(
            json!({"days": [1], "open": "18:00", "close": "09:00"}),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["code"], "invalid_office_hours");

    let lead = app.agent("tea-lead").await;
    let teams: Value = lead.get("/api/v1/teams").await.json().await.unwrap();
    let after_sales = teams["teams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == "after_sales")
        .unwrap()
        .clone();
    assert_eq!(after_sales["office_hours_only"], true, "{after_sales}");
    assert_eq!(
        put(
            &lead,
            "/api/v1/teams/after_sales",
            json!({"name": "售后", "response_target_seconds": 60}),
        )
        .await,
        StatusCode::OK
    );
    assert_eq!(
        put(
            &lead,
            "/api/v1/routing/rules",
            json!({"rules": [{"name": "物流", "conditions": [{"kind": "issue_type", "value": "logistics"}], "team": "after_sales"}]}),
        )
        .await,
        StatusCode::OK
    );
    let after = app.agent("tea-after1").await;
    let _after_socket = after.socket().await;
    let buyer = app.buyer("shanye-tea").await;
    buyer.send("n1", "快递三天没动了").await;
    let id = conversation_of(&after, &buyer).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(routed(&after, &id).await, Some(after.user_id.to_string()));

    // The message came, and the agent got it, three hours ago, all outside office hours.
    backdate(&app, &id, 3 * 3_600_000).await;
    let state = app.state.as_ref().unwrap();
    kefu_server::desk::dispatch::sweep_stranded(state).await;
    assert_eq!(
        assignee_of(&after, &id).await,
        Some(after.user_id.to_string()),
        "closed hours do not count"
    );

    // Counted around the clock, three hours is far past twice the 60 s target.
    assert_eq!(
        put(
            &lead,
            "/api/v1/teams/after_sales",
            json!({"name": "售后", "response_target_seconds": 60, "office_hours_only": false}),
        )
        .await,
        StatusCode::OK
    );
    let mut lead_socket = lead.socket().await;
    kefu_server::desk::dispatch::sweep_stranded(state).await;
    let alert = lead_socket.next_of("alert").await;
    assert_eq!(alert["conversation"]["id"], id);
    assert!(alert["waited_ms"].as_i64().unwrap() >= 3 * 3_600_000 - 60_000);
    assert!(
        after
            .event_kinds(&id)
            .await
            .contains(&"stranded".to_owned())
    );
}

/// WB-7 / WB-9: timers are stored deadlines, not sleeping tasks: a break that ended and a
/// reply that went overdue while kefu was down are acted on by the next process.
#[tokio::test]
async fn breaks_and_overdue_replies_survive_a_restart() {
    let app = TestApp::spawn().await;
    let admin = app.agent("tea-admin").await;
    routing_on(&admin).await;
    let pre1 = app.agent("tea-pre1").await;
    let pre2 = app.agent("tea-pre2").await;
    let pre1_socket = pre1.socket().await;
    assert_eq!(
        put(
            &pre2,
            "/api/v1/me/status",
            json!({"status": "away", "reason": "午饭", "minutes": 30})
        )
        .await,
        StatusCode::OK
    );
    let buyer = app.buyer("shanye-tea").await;
    buyer.send("t1", "这款茶叶是今年的吗").await;
    let id = conversation_of(&pre1, &buyer).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(routed(&pre1, &id).await, Some(pre1.user_id.to_string()));
    pre1_socket.close().await;

    // kefu is down for a while: the break's end and the reply's deadline pass meanwhile.
    let app = app.restart().await;
    app.tamper(&format!(
        "UPDATE users SET break_until = {} WHERE username = 'tea-pre2'",
        kefu_domain::time::now_ms() - 60_000
    ))
    .await;
    backdate(&app, &id, 3_600_000).await;

    // The new process's housekeeping acts on what was stored.
    let state = app.state.as_ref().unwrap();
    kefu_server::jobs::housekeeping::end_breaks(state).await;
    let pre2 = app.agent("tea-pre2").await;
    let me: Value = pre2.get("/api/v1/auth/me").await.json().await.unwrap();
    assert_eq!(me["user"]["status"], "online", "the stored break ended");
    kefu_server::desk::dispatch::sweep_stranded(state).await;
    let kinds = pre2.event_kinds(&id).await;
    assert!(kinds.contains(&"stranded".to_owned()), "{kinds:?}");
    // Back in the queue, it goes to an agent who is online.
    let _pre2_socket = pre2.socket().await;
    let owner = routed(&pre2, &id).await;
    assert!(owner.is_some(), "re-routed after the restart");
}

/// WB-8 with the router on: a queued conversation is the queue's, not anyone's to grab; an
/// offered one is grabbed only within the agent's cap. WB-1: a transfer to a colleague who is
/// away is refused. WB-7: a buyer who queued long is not taken back from the agent who just
/// got them.
#[tokio::test]
async fn the_queue_is_not_grabbed_caps_hold_for_grabs_and_long_queues_do_not_strand() {
    let app = TestApp::spawn().await;
    let admin = app.agent("tea-admin").await;
    routing_on(&admin).await;
    let lead = app.agent("tea-lead").await;
    put(
        &lead,
        "/api/v1/teams/pre_sales",
        json!({"name": "售前", "response_target_seconds": 30, "grab_mode": true}),
    )
    .await;
    let pre1 = app.agent("tea-pre1").await;
    let pre2 = app.agent("tea-pre2").await;
    // Nobody in pre-sales is online: the buyer queues.
    let buyer = app.buyer("shanye-tea").await;
    buyer.send("q1", "这款茶有货吗").await;
    let id = conversation_of(&pre1, &buyer).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let grab = pre1
        .post(&format!("/api/v1/conversations/{id}/grab"), json!({}))
        .await;
    assert_eq!(grab.status(), StatusCode::CONFLICT);
    let body: Value = grab.json().await.unwrap();
    assert_eq!(body["code"], "queued_for_routing");

    // It queued for an hour; pre1 comes online and gets it; the sweep leaves it with them.
    app.tamper(&format!(
        "UPDATE conversations SET last_buyer_message_at = {} WHERE id = '{id}'",
        kefu_domain::time::now_ms() - 3_600_000
    ))
    .await;
    let _pre1_socket = pre1.socket().await;
    assert_eq!(routed(&pre1, &id).await, Some(pre1.user_id.to_string()));
    kefu_server::desk::dispatch::sweep_stranded(app.state.as_ref().unwrap()).await;
    assert_eq!(
        assignee_of(&pre1, &id).await,
        Some(pre1.user_id.to_string()),
        "just assigned: not stranded for the time it queued"
    );

    // A transfer to a colleague on a break is refused.
    put(
        &pre2,
        "/api/v1/me/status",
        json!({"status": "away", "reason": "午饭", "minutes": 30}),
    )
    .await;
    let transfer = pre1
        .post(
            &format!("/api/v1/conversations/{id}/transfer"),
            json!({"to_user_id": pre2.user_id, "note": "请跟进"}),
        )
        .await;
    assert_eq!(transfer.status(), StatusCode::CONFLICT);
    let body: Value = transfer.json().await.unwrap();
    assert_eq!(body["code"], "colleague_unavailable");

    // pre1 goes away: the conversation is offered; pre2, back but at a cap of 0, cannot grab
    // it; raised to 1, they can.
    put(&pre2, "/api/v1/me/status", json!({"status": "online"})).await;
    let cap = |n: i64| json!({"max_concurrent": n});
    let patched = admin
        .http
        .patch(format!("{}/api/v1/accounts/{}", admin.base, pre2.user_id))
        .bearer_auth(&admin.token)
        .json(&cap(0))
        .send()
        .await
        .unwrap();
    assert!(patched.status().is_success());
    put(
        &pre1,
        "/api/v1/me/status",
        json!({"status": "away", "reason": "开会", "minutes": 30}),
    )
    .await;
    kefu_server::desk::dispatch::sweep_stranded(app.state.as_ref().unwrap()).await;
    let offered: Value = pre2
        .get(&format!("/api/v1/conversations/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(offered["up_for_grabs"], true, "{offered}");
    let full = pre2
        .post(&format!("/api/v1/conversations/{id}/grab"), json!({}))
        .await;
    let body: Value = full.json().await.unwrap();
    assert_eq!(body["code"], "at_capacity");
    admin
        .http
        .patch(format!("{}/api/v1/accounts/{}", admin.base, pre2.user_id))
        .bearer_auth(&admin.token)
        .json(&cap(1))
        .send()
        .await
        .unwrap();
    let taken: Value = pre2
        .post(&format!("/api/v1/conversations/{id}/grab"), json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(taken["assignee_id"], pre2.user_id.to_string());
    assert_eq!(taken["up_for_grabs"], false);
}

/// WB-4 sticky: a conversation taken from an agent who went away goes back to them once they
/// are back, though a colleague has fewer conversations (least-loaded would choose them).
#[tokio::test]
async fn sticky_routing_returns_a_buyer_to_the_agent_who_was_serving_them() {
    let app = TestApp::spawn().await;
    let admin = app.agent("tea-admin").await;
    clear_the_queue(&admin).await;
    routing_on(&admin).await;
    let lead = app.agent("tea-lead").await;
    put(
        &lead,
        "/api/v1/teams/pre_sales",
        json!({"name": "售前", "response_target_seconds": 30, "strategy": "sticky"}),
    )
    .await;
    let pre1 = app.agent("tea-pre1").await;
    let pre2 = app.agent("tea-pre2").await;
    let _s1 = pre1.socket().await;
    // pre2 has no workbench open (a socket would bring them online): busy, no assignments.
    put(&pre2, "/api/v1/me/status", json!({"status": "busy"})).await;
    let a = app.buyer("shanye-tea").await;
    a.send("s1", "这款茶有货吗").await;
    let a_id = conversation_of(&pre1, &a).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(routed(&pre1, &a_id).await, Some(pre1.user_id.to_string()));

    // pre1 steps away: the conversation goes back to the queue; nobody is free.
    put(
        &pre1,
        "/api/v1/me/status",
        json!({"status": "away", "reason": "开会", "minutes": 30}),
    )
    .await;
    kefu_server::desk::dispatch::sweep_stranded(app.state.as_ref().unwrap()).await;
    assert_eq!(assignee_of(&pre1, &a_id).await, None);

    // With the router paused, both come back, and pre1 takes another buyer by hand.
    put(
        &admin,
        "/api/v1/settings",
        json!({"refund_threshold_fen": 50000, "probation_days": 7, "max_accounts": 200, "routing_enabled": false}),
    )
    .await;
    put(&pre1, "/api/v1/me/status", json!({"status": "online"})).await;
    put(&pre2, "/api/v1/me/status", json!({"status": "online"})).await;
    let b = app.buyer("shanye-tea").await;
    b.send("s2", "你好").await;
    let b_id = conversation_of(&pre1, &b).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    pre1.reply(&b_id, "r1", "您好").await;
    assert_eq!(
        assignee_of(&pre1, &b_id).await,
        Some(pre1.user_id.to_string())
    );

    // Router on: pre2 has fewer conversations, but the buyer goes back to pre1.
    routing_on(&admin).await;
    assert_eq!(routed(&pre1, &a_id).await, Some(pre1.user_id.to_string()));
}
