//! Issue #20, escalation (ESC-1): the shop's rules escalate what an angry buyer writes (a
//! threat to go public to level 3), each level is taken up and handled only with its
//! permission, an agent escalates by hand, the sweep takes an untaken level one up (once, with
//! two sweeps at once), and every new level goes out through the one outbound path: a
//! `notice` frame, signed webhooks retried with backoff, text messages, the delivery log.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::http::HeaderMap;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::helpers::{AgentClient, TestApp};

async fn json_of(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The conversation's escalations that are not handled, once `check` holds of them (the
/// rules read messages on a task of their own).
async fn escalations_of(
    agent: &AgentClient,
    conversation: &str,
    check: impl Fn(&Value) -> bool,
) -> Value {
    for _ in 0..100 {
        let found = agent
            .get_json(&format!(
                "/api/v1/escalations?conversation_id={conversation}"
            ))
            .await;
        if check(&found["escalations"]) {
            return found["escalations"].clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the escalations of {conversation} never came to what was expected");
}

#[tokio::test]
async fn an_angry_buyer_is_escalated_and_a_threat_to_go_public_reaches_level_three() {
    let app = TestApp::spawn().await;
    let admin = app.agent("tea-admin").await;
    let lead = app.agent("tea-lead").await;
    let agent = app.agent("tea-pre1").await;
    let mut socket = lead.socket().await;
    let buyer = app.buyer("shanye-tea").await;
    buyer.send("e1", "你们就是骗子，我要投诉").await;
    let conversation = agent.open_conversation_of(&buyer).await;
    let c = conversation["id"].as_str().unwrap().to_owned();

    let found = escalations_of(&agent, &c, |e| e.as_array().is_some_and(|a| a.len() == 1)).await;
    let one = &found[0];
    assert_eq!(
        (&one["level"], &one["status"], &one["triggers"]),
        (&json!("one"), &json!("open"), &json!(["complaint_words"]))
    );
    assert_eq!(one["reason"], "你们就是骗子，我要投诉");
    assert!(one["due_at"].is_null() && one["raised_by"].is_null());
    let notice = socket.next_of("notice").await;
    assert_eq!(notice["notice"]["kind"], "escalation");
    assert!(
        notice["notice"]["title"]
            .as_str()
            .unwrap()
            .starts_with("一级升级"),
        "{notice}"
    );
    // A calm question changes nothing; a threat to go public takes it to level 3.
    buyer.send("e2", "请问什么时候发货").await;
    buyer.send("e3", "再不处理我就找记者曝光，去微博说").await;
    let found = escalations_of(&agent, &c, |e| e[0]["level"] == "three").await;
    let three = &found[0];
    assert_eq!(three["id"], one["id"], "one escalation per conversation");
    assert_eq!(
        three["triggers"],
        json!(["complaint_words", "public_threat"])
    );
    assert!(three["due_at"].as_i64().unwrap() > three["raised_at"].as_i64().unwrap());
    assert_eq!(three["may_handle"], false);

    // Level 3 is the operations head's (the super admin here): neither agent nor supervisor.
    let id = three["id"].as_str().unwrap();
    let take = |v: &Value| json!({"version": v["version"]});
    for who in [&agent, &lead] {
        let (status, body) = json_of(
            who.post(&format!("/api/v1/escalations/{id}/take"), take(three))
                .await,
        )
        .await;
        assert_eq!(
            (status, &body["code"]),
            (StatusCode::FORBIDDEN, &json!("forbidden"))
        );
    }
    let (status, taken) = json_of(
        admin
            .post(&format!("/api/v1/escalations/{id}/take"), take(three))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{taken}");
    assert_eq!(
        (&taken["status"], &taken["owner_name"]),
        (&json!("taken"), &json!("店铺管理员"))
    );
    assert!(taken["due_at"].is_null());
    // A stale version, a second take, a blank outcome: refused.
    let (status, body) = json_of(
        admin
            .post(&format!("/api/v1/escalations/{id}/take"), take(three))
            .await,
    )
    .await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::CONFLICT, &json!("escalation_changed"))
    );
    let handle = |outcome: &str| json!({"version": taken["version"], "outcome": outcome});
    let (status, body) = json_of(
        admin
            .post(&format!("/api/v1/escalations/{id}/handle"), handle(" "))
            .await,
    )
    .await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::BAD_REQUEST, &json!("invalid_escalation"))
    );
    let (status, done) = json_of(
        admin
            .post(
                &format!("/api/v1/escalations/{id}/handle"),
                handle("已致电买家，全额退款并道歉"),
            )
            .await,
    )
    .await;
    assert_eq!(
        (status, &done["status"]),
        (StatusCode::OK, &json!("handled"))
    );
    // Handled: off the cockpit's list, in the history.
    let active = lead.get_json("/api/v1/escalations").await;
    assert!(
        active["escalations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["id"] != three["id"])
    );
    let handled = lead
        .get_json(&format!(
            "/api/v1/escalations?status=handled&conversation_id={c}"
        ))
        .await;
    assert_eq!(
        handled["escalations"][0]["outcome"],
        "已致电买家，全额退款并道歉"
    );
    let (status, body) = json_of(lead.get("/api/v1/escalations?status=later").await).await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::BAD_REQUEST, &json!("invalid_escalation"))
    );

    // Rules off: the same words escalate nothing; only agents (and deadlines) do.
    let off = json!({"enabled": false});
    assert_eq!(
        lead.put("/api/v1/escalations/rules", off).await.status(),
        StatusCode::OK
    );
    let (status, body) = json_of(
        lead.put("/api/v1/escalations/rules", json!({"repeat_contacts": 1}))
            .await,
    )
    .await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::BAD_REQUEST, &json!("invalid_escalation_rules"))
    );
    let calm = app.buyer("shanye-tea").await;
    calm.send("x", "我要投诉，骗子").await;
    let other = agent.open_conversation_of(&calm).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let none = agent
        .get_json(&format!(
            "/api/v1/escalations?conversation_id={}",
            other["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(none["escalations"], json!([]));
}

#[tokio::test]
async fn an_agent_escalates_and_an_untaken_level_goes_up_once() {
    let app = TestApp::spawn().await;
    let lead = app.agent("tea-lead").await;
    let agent = app.agent("tea-pre1").await;
    let stranger = app.agent("digital-admin").await;
    let buyer = app.buyer("shanye-tea").await;
    buyer.send("a1", "订单一直没到").await;
    let c = agent.open_conversation_of(&buyer).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for bad in [
        json!({"level": "two", "reason": "纠纷"}),
        json!({"conversation_id": c, "level": "two", "reason": " "}),
        json!({"conversation_id": c, "work_order_id": c, "level": "two", "reason": "x"}),
    ] {
        let (status, body) = json_of(agent.post("/api/v1/escalations", bad).await).await;
        assert_eq!(
            (status, &body["code"]),
            (StatusCode::BAD_REQUEST, &json!("invalid_escalation"))
        );
    }
    // Another shop's agent cannot escalate, see or take this shop's.
    let (status, body) = json_of(
        stranger
            .post(
                "/api/v1/escalations",
                json!({"conversation_id": c, "level": "one", "reason": "x"}),
            )
            .await,
    )
    .await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::NOT_FOUND, &json!("conversation_not_found"))
    );

    let (status, two) = json_of(
        agent
            .post(
                "/api/v1/escalations",
                json!({"conversation_id": c, "level": "two", "reason": "买家要求平台介入"}),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{two}");
    assert_eq!(
        (&two["level"], &two["triggers"]),
        (&json!("two"), &json!(["agent"]))
    );
    assert_eq!(
        (&two["raised_by_name"], &two["may_handle"]),
        (&json!("售前·小雨"), &json!(false))
    );
    let seen = lead.get_json("/api/v1/escalations").await;
    let listed = seen["escalations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == two["id"])
        .unwrap()
        .clone();
    assert_eq!(listed["may_handle"], true);
    let theirs = stranger.get_json("/api/v1/escalations?status=all").await;
    assert!(
        theirs["escalations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["id"] != two["id"])
    );
    let id = two["id"].as_str().unwrap();
    let (status, _) = json_of(
        stranger
            .post(
                &format!("/api/v1/escalations/{id}/take"),
                json!({"version": 0}),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Asking for a lower level changes nothing.
    let (_, same) = json_of(
        agent
            .post(
                "/api/v1/escalations",
                json!({"conversation_id": c, "level": "one", "reason": "再看看"}),
            )
            .await,
    )
    .await;
    assert_eq!(
        (&same["level"], &same["version"]),
        (&json!("two"), &two["version"])
    );

    // Its 30 minutes gone by untaken: the sweep raises it to level 3, once with two sweeps.
    let now = kefu_domain::time::now_ms();
    app.tamper(&format!(
        "UPDATE escalations SET due_at = {} WHERE id = '{id}'",
        now - 1_000
    ))
    .await;
    let mut socket = lead.socket().await;
    let state = app.state.as_ref().unwrap();
    for _ in 0..2 {
        tokio::join!(
            kefu_server::cases::escalations::sweep(state),
            kefu_server::cases::escalations::sweep(state)
        );
    }
    let after = lead
        .get_json(&format!("/api/v1/escalations?conversation_id={c}"))
        .await;
    let up = &after["escalations"][0];
    assert_eq!(up["level"], "three");
    assert_eq!(up["triggers"], json!(["agent", "missed_deadline"]));
    assert_eq!(
        up["version"].as_i64(),
        Some(two["version"].as_i64().unwrap() + 1)
    );
    let told: Vec<Value> = socket
        .drain(std::time::Duration::from_millis(500))
        .await
        .into_iter()
        .filter(|f| f["type"] == "notice" && f["notice"]["kind"] == "escalation")
        .collect();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        told[0]["notice"]["title"]
            .as_str()
            .unwrap()
            .starts_with("三级升级")
    );
}

/// A webhook receiver: refuses the first `fail_first` calls with 503, then takes them; keeps
/// what it was sent.
#[derive(Clone, Default)]
struct Receiver {
    calls: Arc<AtomicUsize>,
    fail_first: usize,
    got: Arc<Mutex<Vec<(HeaderMap, String)>>>,
}

async fn receive(
    axum::extract::State(r): axum::extract::State<Receiver>,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    let n = r.calls.fetch_add(1, Ordering::SeqCst);
    r.got.lock().await.push((headers, body));
    if n < r.fail_first {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::NO_CONTENT
    }
}

async fn listen(receiver: Receiver) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(receiver);
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/hook")
}

#[tokio::test]
async fn every_new_level_goes_out_signed_retried_and_logged() {
    let app = TestApp::spawn().await;
    let admin = app.agent("tea-admin").await;
    let agent = app.agent("tea-pre1").await;
    let receiver = Receiver {
        fail_first: 1,
        ..Receiver::default()
    };
    let url = listen(receiver.clone()).await;
    let secret = "s3cret-s3cret-s3cret";
    for bad in [
        json!({"webhooks": [{"url": "ftp://x", "secret": secret}]}),
        json!({"webhooks": [{"url": url, "secret": "short"}]}),
        json!({"sms": [{"phone": "12345", "min_level": "two"}]}),
    ] {
        let (status, body) = json_of(admin.put("/api/v1/notify/settings", bad).await).await;
        assert_eq!(
            (status, &body["code"]),
            (StatusCode::BAD_REQUEST, &json!("invalid_notify_settings"))
        );
    }
    let settings = json!({
        "webhooks": [{"url": url, "secret": secret, "events": ["escalation.raised"]}],
        "sms": [{"phone": "+86 138 0013 8000", "name": "公关", "min_level": "three"}],
    });
    let (status, kept) = json_of(admin.put("/api/v1/notify/settings", settings).await).await;
    assert_eq!(status, StatusCode::OK, "{kept}");
    assert_eq!(kept["sms"][0]["phone"], "13800138000");
    let (status, _) = json_of(agent.get("/api/v1/notify/settings").await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let buyer = app.buyer("shanye-tea").await;
    buyer.send("n1", "东西坏了").await;
    let c = agent.open_conversation_of(&buyer).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _) = json_of(
        agent
            .post(
                "/api/v1/escalations",
                json!({"conversation_id": c, "level": "three", "reason": "买家称要找媒体"}),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // The first try is refused (503) and waits; the second, due, is taken.
    let state = app.state.as_ref().unwrap();
    kefu_server::cases::notify::deliver_due(state).await;
    let log = admin.get_json("/api/v1/notify/deliveries").await;
    let deliveries = log["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 2, "{log}");
    let hook = deliveries
        .iter()
        .find(|d| d["channel"] == "webhook")
        .unwrap();
    assert_eq!(
        (&hook["status"], &hook["attempts"], &hook["response_status"]),
        (&json!("pending"), &json!(1), &json!(503))
    );
    assert!(hook["next_at"].as_i64().unwrap() > kefu_domain::time::now_ms());
    // No SMS gateway in this deployment: the text message is given up at once, and says why.
    let sms = deliveries.iter().find(|d| d["channel"] == "sms").unwrap();
    assert_eq!(
        (&sms["status"], &sms["target"]),
        (&json!("failed"), &json!("138****8000"))
    );
    assert_eq!(sms["last_error"], "no SMS gateway configured");
    app.tamper("UPDATE notify_deliveries SET next_at = 1 WHERE status = 'pending'")
        .await;
    kefu_server::cases::notify::deliver_due(state).await;
    let log = admin.get_json("/api/v1/notify/deliveries").await;
    let hook = log["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["channel"] == "webhook")
        .unwrap()
        .clone();
    assert_eq!(
        (&hook["status"], &hook["attempts"], &hook["response_status"]),
        (&json!("sent"), &json!(2), &json!(204))
    );

    // What the receiver got: the event, signed over its timestamp and body.
    let got = receiver.got.lock().await.clone();
    assert_eq!(got.len(), 2);
    let (headers, body) = &got[1];
    let header = |name: &str| headers.get(name).unwrap().to_str().unwrap().to_owned();
    assert_eq!(header("x-kefu-event"), "escalation.raised");
    assert_eq!(header("x-kefu-delivery"), hook["id"].as_str().unwrap());
    let timestamp: i64 = header("x-kefu-timestamp").parse().unwrap();
    assert_eq!(
        header("x-kefu-signature"),
        kefu_server::cases::notify::signature(secret, timestamp, body)
    );
    let sent: Value = serde_json::from_str(body).unwrap();
    assert_eq!(
        (&sent["event"], &sent["shop"]),
        (&json!("escalation.raised"), &json!("shanye-tea"))
    );
    assert_eq!(sent["data"]["escalation"]["level"], "three");
    assert_eq!(sent["data"]["escalation"]["conversation_id"], c);

    // A test goes to the webhooks that take it: this one only takes escalations.
    let (status, queued) = json_of(admin.post("/api/v1/notify/test", json!({})).await).await;
    assert_eq!(
        (status, &queued["queued"]),
        (StatusCode::ACCEPTED, &json!(0))
    );
}

#[tokio::test]
async fn a_playbook_applies_to_what_the_buyer_writes_and_is_worked_step_by_step() {
    let app = TestApp::spawn().await;
    let lead = app.agent("tea-lead").await;
    let agent = app.agent("tea-pre1").await;
    let stranger = app.agent("digital-lead").await;
    let buyer = app.buyer("shanye-tea").await;
    buyer.send("p1", "快递三天了还没到，物流一直不动").await;
    let c = agent.open_conversation_of(&buyer).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/conversations/{c}/playbooks");
    let seen = agent.get_json(&path).await;
    assert_eq!(seen["suggested"][0]["key"], "logistics_delay", "{seen}");
    assert_eq!(seen["suggested"][0]["because"], json!(["word:物流"]));
    assert_eq!(seen["runs"], json!([]));
    let (status, _) = json_of(stranger.get(&path).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, run) = json_of(agent.post(&path, json!({"key": "logistics_delay"})).await).await;
    assert_eq!(status, StatusCode::OK, "{run}");
    assert_eq!(run["name"], "物流异常");
    let started = run["started_at"].as_i64().unwrap();
    assert_eq!(run["due_at"][0].as_i64(), Some(started + 10 * 60_000));
    assert_eq!(run["done"], json!([null, null, null, null]));
    // Started again: the same run.
    let (_, again) = json_of(agent.post(&path, json!({"key": "logistics_delay"})).await).await;
    assert_eq!(again["id"], run["id"]);
    let (status, body) = json_of(agent.post(&path, json!({"key": "nope"})).await).await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::NOT_FOUND, &json!("playbook_not_found"))
    );

    let id = run["id"].as_str().unwrap();
    let step = |i: usize| format!("/api/v1/playbook-runs/{id}/steps/{i}");
    let (status, ticked) = json_of(
        agent
            .put(&step(0), json!({"version": run["version"], "done": true}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{ticked}");
    assert_eq!(ticked["done"][0]["by_name"], "售前·小雨");
    let (status, body) = json_of(
        agent
            .put(&step(1), json!({"version": run["version"], "done": true}))
            .await,
    )
    .await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::CONFLICT, &json!("playbook_run_exists"))
    );
    let (status, body) = json_of(
        agent
            .put(
                &step(9),
                json!({"version": ticked["version"], "done": true}),
            )
            .await,
    )
    .await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::BAD_REQUEST, &json!("invalid_playbook_step"))
    );
    let mut last = ticked;
    for i in 1..4 {
        let (_, next) = json_of(
            agent
                .put(&step(i), json!({"version": last["version"], "done": true}))
                .await,
        )
        .await;
        last = next;
    }
    assert!(last["finished_at"].is_i64(), "{last}");
    let (status, _) = json_of(
        stranger
            .put(&step(0), json!({"version": last["version"], "done": false}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The shop edits its playbooks: checked, and only with escalation.handle.
    let mut playbooks = lead.get_json("/api/v1/playbooks").await;
    assert_eq!(playbooks["playbooks"].as_array().unwrap().len(), 7);
    playbooks["playbooks"].as_array_mut().unwrap().push(json!({
        "key": "gift_missing", "name": "赠品漏发", "applies": {"words": ["赠品"]},
        "steps": [{"title": "补发赠品", "tool": "work_order", "work_order_kind": "reissue", "due_minutes": 1440}],
    }));
    let (status, _) = json_of(agent.put("/api/v1/playbooks", playbooks.clone()).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let mut bad = playbooks.clone();
    bad["playbooks"][7]["steps"][0]["work_order_kind"] = Value::Null;
    let (status, body) = json_of(lead.put("/api/v1/playbooks", bad).await).await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::BAD_REQUEST, &json!("invalid_playbooks"))
    );
    let (status, saved) = json_of(lead.put("/api/v1/playbooks", playbooks).await).await;
    assert_eq!(
        (status, saved["playbooks"].as_array().unwrap().len()),
        (StatusCode::OK, 8)
    );
    buyer.send("p2", "赠品没收到").await;
    let seen = agent.get_json(&path).await;
    let keys: Vec<&str> = seen["suggested"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["key"].as_str().unwrap())
        .collect();
    assert!(keys.contains(&"gift_missing"), "{keys:?}");
    assert_eq!(seen["runs"][0]["id"], run["id"]);
}

async fn buyer_call(
    buyer: &crate::helpers::BuyerClient,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let url = format!("{}{path}", buyer.base);
    let request = match method {
        "GET" => buyer.http.get(url),
        _ => buyer.http.post(url).json(&body.unwrap_or(json!({}))),
    };
    json_of(request.bearer_auth(&buyer.token).send().await.unwrap()).await
}

/// ACC-1, ESC-1: the buyer asks the platform to step in once the shop has answered; the
/// official desk reads the shop's conversation, asks the shop for evidence, rules; the shop
/// carries it out; the buyer is told each step; both sides' audit logs hold it; another shop
/// sees nothing of it.
#[tokio::test]
async fn the_platform_arbitrates_between_a_buyer_and_a_shop() {
    let app = TestApp::spawn().await;
    let lead = app.agent("tea-lead").await;
    let agent = app.agent("tea-pre1").await;
    let desk = app.agent("official-lead").await;
    let stranger = app.agent("digital-lead").await;
    let buyer = app.buyer("shanye-tea").await;
    buyer.send("a1", "茶叶发霉了，要求全额退款").await;
    let c = agent.open_conversation_of(&buyer).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Not before the shop has answered.
    let (_, seen) = buyer_call(&buyer, "GET", "/api/v1/buyer/arbitration", None).await;
    assert_eq!(seen, json!({"available": false, "case": null}));
    let ask = |reason: &str| Some(json!({ "reason": reason }));
    let (status, body) = buyer_call(
        &buyer,
        "POST",
        "/api/v1/buyer/arbitration",
        ask("商家不理我"),
    )
    .await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::CONFLICT, &json!("arbitration_unavailable"))
    );
    let grabbed = agent
        .post(&format!("/api/v1/conversations/{c}/grab"), json!({}))
        .await;
    assert!(grabbed.status().is_success());
    assert!(
        agent
            .reply(&c, "r1", "发霉不属于质量问题，不能退")
            .await
            .status()
            .is_success()
    );
    let (_, seen) = buyer_call(&buyer, "GET", "/api/v1/buyer/arbitration", None).await;
    assert_eq!(seen["available"], true);
    let (status, body) = buyer_call(&buyer, "POST", "/api/v1/buyer/arbitration", ask(" ")).await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::BAD_REQUEST, &json!("invalid_arbitration"))
    );
    let (status, filed) = buyer_call(
        &buyer,
        "POST",
        "/api/v1/buyer/arbitration",
        ask("商家说发霉不能退，请平台判断"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{filed}");
    let case = filed["case"].clone();
    let id = case["id"].as_str().unwrap().to_owned();
    assert!(case["number"].as_str().unwrap().starts_with("AR"));
    assert_eq!(
        (&case["status"], &case["shop_name"]),
        (&json!("open"), &json!("山野茶铺"))
    );
    let (status, body) =
        buyer_call(&buyer, "POST", "/api/v1/buyer/arbitration", ask("再申请")).await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::CONFLICT, &json!("arbitration_exists"))
    );
    // The conversation goes to level 2; the buyer is told in the chat.
    let found = escalations_of(&lead, &c, |e| e[0]["level"] == "two").await;
    assert!(
        found[0]["triggers"]
            .as_array()
            .unwrap()
            .contains(&json!("arbitration"))
    );
    let lines: Vec<String> = buyer
        .messages()
        .await
        .iter()
        .filter(|m| m["sender_kind"] == "system")
        .map(|m| m["body"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(
        lines.iter().any(|l| l.contains("您已申请平台介入")),
        "{lines:?}"
    );

    // Each side lists it; another shop neither lists nor reads it.
    let mine = lead.get_json("/api/v1/arbitrations").await;
    assert_eq!(
        (&mine["side"], &mine["enabled"]),
        (&json!("shop"), &json!(true))
    );
    assert_eq!(mine["cases"][0]["id"], json!(id));
    assert!(mine["rate"]["cases"].as_i64().unwrap() >= 1);
    let theirs = desk.get_json("/api/v1/arbitrations").await;
    assert_eq!(theirs["side"], "platform");
    assert!(
        theirs["cases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == json!(id))
    );
    assert!(theirs["rate"].is_null());
    let other = stranger.get_json("/api/v1/arbitrations?status=all").await;
    assert!(
        other["cases"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["id"] != json!(id))
    );
    let (status, body) = json_of(stranger.get(&format!("/api/v1/arbitrations/{id}")).await).await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::NOT_FOUND, &json!("arbitration_not_found"))
    );

    // The desk reads the shop's conversation, read-only, and asks the shop for evidence.
    let detail = desk.get_json(&format!("/api/v1/arbitrations/{id}")).await;
    let bodies: Vec<&str> = detail["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap_or_default())
        .collect();
    assert!(bodies.contains(&"发霉不属于质量问题，不能退"), "{bodies:?}");
    let (status, body) = json_of(
        lead.post(
            &format!("/api/v1/arbitrations/{id}/ruling"),
            json!({"version": 0, "kind": "no_action", "reason": "自己裁"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::FORBIDDEN, &json!("forbidden"))
    );
    let (status, asked) = json_of(
        desk.post(
            &format!("/api/v1/arbitrations/{id}/evidence-requests"),
            json!({"version": 0, "party": "shop", "text": "请提供发货前的质检记录"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{asked}");
    assert_eq!(asked["case"]["status"], "awaiting_evidence");
    let version = asked["case"]["version"].clone();
    // The shop answers (an agent may not: escalation.handle).
    let (status, _) = json_of(
        agent
            .post(
                &format!("/api/v1/arbitrations/{id}/evidence"),
                json!({"version": version, "text": "x"}),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, answered) = json_of(
        lead.post(
            &format!("/api/v1/arbitrations/{id}/evidence"),
            json!({"version": version, "text": "出库质检合格，附检测报告编号 QC-1207"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answered}");
    assert_eq!(answered["case"]["status"], "open");
    let (status, with_buyer) = buyer_call(
        &buyer,
        "POST",
        "/api/v1/buyer/arbitration/evidence",
        Some(json!({"text": "收到时罐内有霉点"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{with_buyer}");
    let version = with_buyer["case"]["version"].clone();

    // The desk rules a refund; the shop has 48 hours; the buyer is told.
    let (status, body) = json_of(
        desk.post(
            &format!("/api/v1/arbitrations/{id}/ruling"),
            json!({"version": version, "kind": "refund", "reason": "运输受潮"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::BAD_REQUEST, &json!("invalid_arbitration"))
    );
    let (status, ruled) = json_of(
        desk.post(&format!("/api/v1/arbitrations/{id}/ruling"),
            json!({"version": version, "kind": "refund", "amount_fen": 3_800, "reason": "运输受潮，由店铺退款"})).await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{ruled}");
    let ruled_case = &ruled["case"];
    assert_eq!(
        (&ruled_case["status"], &ruled_case["ruling"]["by_name"]),
        (&json!("ruled"), &json!("客服主管"))
    );
    let deadline = ruled_case["shop_deadline_at"].as_i64().unwrap();
    assert_eq!(
        deadline - ruled_case["ruling"]["at"].as_i64().unwrap(),
        48 * 3_600_000
    );
    let (status, done) = json_of(
        lead.post(
            &format!("/api/v1/arbitrations/{id}/comply"),
            json!({"version": ruled_case["version"], "note": "已原路退款 38 元"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["case"]["status"], "closed");
    let lines: Vec<String> = buyer
        .messages()
        .await
        .iter()
        .filter(|m| m["sender_kind"] == "system")
        .map(|m| m["body"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(
        lines.iter().any(|l| l.contains("店铺退款 38.00 元")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.contains("店铺已执行平台裁定")),
        "{lines:?}"
    );
    // Audited on both sides.
    for who in [
        app.agent("tea-admin").await,
        app.agent("official-admin").await,
    ] {
        let log = who.get_json("/api/v1/audit?action=arbitration").await;
        let actions: Vec<&str> = log["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        for action in [
            "arbitration.file",
            "arbitration.ask_evidence",
            "arbitration.rule",
            "arbitration.comply",
        ] {
            assert!(actions.contains(&action), "{action} in {actions:?}");
        }
    }
}

/// Evidence: the buyer downloads their conversation as a sealed file; the platform's desk
/// verifies it, and a copy with one character changed fails.
#[tokio::test]
async fn a_transcript_is_sealed_and_any_edit_breaks_the_seal() {
    let app = TestApp::spawn().await;
    let desk = app.agent("official-lead").await;
    let agent = app.agent("tea-pre1").await;
    let buyer = app.buyer("shanye-tea").await;
    buyer.send("t1", "你们答应 <b>包退</b> 的").await;
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
            .reply(&c, "t2", "是的，七天无理由")
            .await
            .status()
            .is_success()
    );
    let file = buyer
        .http
        .get(format!("{}/api/v1/buyer/transcript", buyer.base))
        .bearer_auth(&buyer.token)
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), StatusCode::OK);
    let disposition = file.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.contains(&format!("kefu-transcript-{c}.html")),
        "{disposition}"
    );
    let html = file.text().await.unwrap();
    assert!(html.contains("山野茶铺") && html.contains("是的，七天无理由"));
    // Escaped, not markup.
    assert!(html.contains("&lt;b&gt;包退&lt;") && !html.contains("<b>包退"));
    let verify = |body: String| {
        let desk = &desk;
        async move {
            json_of(
                desk.http
                    .post(format!("{}/api/v1/transcripts/verify", desk.base))
                    .bearer_auth(&desk.token)
                    .header("content-type", "text/html")
                    .body(body)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    let (status, checked) = verify(html.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(checked, json!({"valid": true, "conversation_id": c}));
    let (_, edited) = verify(html.replacen("七天无理由", "三十天无理由", 1)).await;
    assert_eq!(edited["valid"], false);
    let (_, unsealed) = verify("<html>not a transcript</html>".to_owned()).await;
    assert_eq!(unsealed, json!({"valid": false, "conversation_id": null}));
}

/// SELF-3: a buyer of the official desk appeals from a template; the desk's queue shows the
/// 15-minute target, takes it up and decides; the buyer is told in the chat, reopens once
/// with new evidence, and not twice. A shop appeals too; another shop sees none of it.
#[tokio::test]
async fn appeals_are_queued_decided_and_reopened_once() {
    let app = TestApp::spawn().await;
    let desk = app.agent("official-lead").await;
    let lead = app.agent("tea-lead").await;
    let agent = app.agent("tea-pre1").await;
    let stranger = app.agent("digital-lead").await;
    let buyer = app.buyer("official").await;
    buyer.send("h1", "我要申诉").await;
    let (_, mine) = buyer_call(&buyer, "GET", "/api/v1/buyer/appeals", None).await;
    let kinds: Vec<&str> = mine["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"refund") && !kinds.contains(&"penalty"),
        "{kinds:?}"
    );
    let (status, body) = buyer_call(
        &buyer,
        "POST",
        "/api/v1/buyer/appeals",
        Some(json!({"kind": "penalty", "description": "x"})),
    )
    .await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::BAD_REQUEST, &json!("invalid_appeal"))
    );
    // On a shop's chat page there is nothing to appeal to.
    let shop_buyer = app.buyer("shanye-tea").await;
    let (status, _) = buyer_call(
        &shop_buyer,
        "POST",
        "/api/v1/buyer/appeals",
        Some(json!({"kind": "refund", "description": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, filed) = buyer_call(&buyer, "POST", "/api/v1/buyer/appeals",
        Some(json!({"kind": "refund", "order_no": "T100", "description": "订单号：T100\n商家拒绝退款"}))).await;
    assert_eq!(status, StatusCode::OK, "{filed}");
    let appeal = filed["appeals"][0].clone();
    let id = appeal["id"].as_str().unwrap().to_owned();
    assert_eq!(appeal["status"], "pending");
    assert_eq!(
        appeal["due_at"].as_i64().unwrap() - appeal["queued_at"].as_i64().unwrap(),
        15 * 60_000
    );

    let queue = desk.get_json("/api/v1/appeals").await;
    assert_eq!(
        (&queue["side"], &queue["target_minutes"]),
        (&json!("platform"), &json!(15))
    );
    assert!(
        queue["appeals"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == json!(id))
    );
    let (status, _) = json_of(
        lead.post(&format!("/api/v1/appeals/{id}/take"), json!({"version": 0}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, taken) = json_of(
        desk.post(&format!("/api/v1/appeals/{id}/take"), json!({"version": 0}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{taken}");
    let taken = &taken["appeals"][0];
    assert_eq!(
        (&taken["status"], &taken["reviewer_name"]),
        (&json!("in_review"), &json!("客服主管"))
    );
    let (status, decided) = json_of(
        desk.post(&format!("/api/v1/appeals/{id}/decision"),
            json!({"version": taken["version"], "outcome": "rejected", "reason": "缺少商品问题的照片"})).await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    let decided = decided["appeals"][0].clone();
    let lines: Vec<String> = buyer
        .messages()
        .await
        .iter()
        .filter(|m| m["sender_kind"] == "system")
        .map(|m| m["body"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("申诉不成立") && l.contains("缺少商品问题的照片")),
        "{lines:?}"
    );

    // Reopened once with new evidence; then decided; not reopened again.
    let path = format!("/api/v1/buyer/appeals/{id}/reopen");
    let (status, again) = buyer_call(
        &buyer,
        "POST",
        &path,
        Some(json!({"version": decided["version"], "facts": "补充了发霉的照片"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    let again = again["appeals"][0].clone();
    assert_eq!(
        (&again["status"], &again["reopened_with"]),
        (&json!("pending"), &json!("补充了发霉的照片"))
    );
    let (_, upheld) = json_of(
        desk.post(
            &format!("/api/v1/appeals/{id}/decision"),
            json!({"version": again["version"], "outcome": "upheld", "reason": "照片显示商品受潮"}),
        )
        .await,
    )
    .await;
    let upheld = upheld["appeals"][0].clone();
    assert_eq!(upheld["decisions"].as_array().unwrap().len(), 2);
    let (status, body) = buyer_call(
        &buyer,
        "POST",
        &path,
        Some(json!({"version": upheld["version"], "facts": "再来一次"})),
    )
    .await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::CONFLICT, &json!("appeal_closed"))
    );

    // A shop appeals a ruling; its agents may not; another shop sees nothing of it.
    let (status, _) = json_of(
        agent
            .post(
                "/api/v1/appeals",
                json!({"kind": "penalty", "description": "x"}),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, shops) = json_of(
        lead.post(
            "/api/v1/appeals",
            json!({"kind": "penalty", "description": "裁定编号 AR1：质检合格，不应退款"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{shops}");
    let shop_appeal = shops["appeals"][0]["id"].as_str().unwrap().to_owned();
    let listed = lead.get_json("/api/v1/appeals?status=all").await;
    assert_eq!(listed["side"], "shop");
    assert!(
        listed["appeals"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["filer"]["kind"] == "shop")
    );
    let theirs = stranger.get_json("/api/v1/appeals?status=all").await;
    assert!(
        theirs["appeals"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["id"] != json!(shop_appeal))
    );

    // Past its 15 minutes in the queue: the desk is told, once.
    app.tamper(&format!(
        "UPDATE appeals SET alarm_at = 1 WHERE id = '{shop_appeal}'"
    ))
    .await;
    let mut socket = desk.socket().await;
    let state = app.state.as_ref().unwrap();
    app.tamper(&format!(
        "UPDATE appeals SET body = replace(body, '\"due_at\":', '\"due_at\":1,\"_was\":') WHERE id = '{shop_appeal}'"
    ))
    .await;
    for _ in 0..2 {
        tokio::join!(
            kefu_server::cases::appeals::sweep(state),
            kefu_server::cases::appeals::sweep(state)
        );
    }
    let told: Vec<Value> = socket
        .drain(std::time::Duration::from_millis(500))
        .await
        .into_iter()
        .filter(|f| {
            f["type"] == "notice"
                && f["notice"]["title"]
                    .as_str()
                    .unwrap_or("")
                    .contains("未受理")
        })
        .collect();
    assert_eq!(told.len(), 1, "{told:?}");
}
