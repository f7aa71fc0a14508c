//! Issue #20, work orders (ESC-3): opened from a conversation with the buyer's order, moved
//! along their statuses (the buyer told each time, their reply moving what waits for them),
//! assigned, edited and noted; listed by filters and saved views, changed in bulk, exported;
//! the kinds' targets and fields; reminded and alerted by the sweep, once.

use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::commerce::{in_an_hour, sign, stocked};
use crate::helpers::{AgentClient, BuyerClient, TestApp};

async fn wang(app: &TestApp, secret: &str) -> BuyerClient {
    let identity = sign(
        secret,
        json!({"sub": "m-wang", "name": "王先生", "exp": in_an_hour()}),
    );
    app.buyer_with(json!({"shop": "shanye-tea", "identity": identity}))
        .await
}

async fn json_of(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn move_to(agent: &AgentClient, order: &Value, step: &str) -> (StatusCode, Value) {
    json_of(
        agent
            .post(
                &format!(
                    "/api/v1/work-orders/{}/moves",
                    order["id"].as_str().unwrap()
                ),
                json!({"version": order["version"], "move": step, "note": format!("{step} 说明")}),
            )
            .await,
    )
    .await
}

async fn system_lines(buyer: &BuyerClient) -> Vec<String> {
    buyer
        .messages()
        .await
        .iter()
        .filter(|m| m["sender_kind"] == "system")
        .map(|m| m["body"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Polls until `check` holds (the buyer's reply is handled on a task of its own).
async fn eventually<F: std::future::Future<Output = bool>>(mut check: impl FnMut() -> F) {
    for _ in 0..100 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("never happened");
}

#[tokio::test]
async fn an_order_is_followed_from_the_chat_to_its_end_and_the_buyer_sees_its_progress() {
    let (app, admin, secret) = stocked().await;
    let buyer = wang(&app, &secret).await;
    buyer.send("w1", "茶叶罐子压坏了，要退款").await;
    let agent = app.agent("tea-after1").await;
    let conversation = agent.open_conversation_of(&buyer).await;
    let conversation_id = conversation["id"].as_str().unwrap();

    // A required field missing, an order of another buyer, someone else as owner: refused.
    let base = json!({"kind": "refund", "title": "罐子压坏退款", "order_no": "T100",
        "conversation_id": conversation_id, "amount_fen": 12_800,
        "items": [{"sku_code": "TEA-1-250", "title": "明前龙井 250g 罐装", "quantity": 1}]});
    let (status, body) = json_of(agent.post("/api/v1/work-orders", base.clone()).await).await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::BAD_REQUEST, &json!("invalid_work_order"))
    );
    let mut theirs = base.clone();
    theirs["order_no"] = json!("T200");
    theirs["fields"] = json!({"reason": "商品破损"});
    let (status, body) = json_of(agent.post("/api/v1/work-orders", theirs).await).await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::NOT_FOUND, &json!("order_not_found"))
    );
    let lead_id = admin.get_json("/api/v1/accounts").await["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == "tea-lead")
        .unwrap()["id"]
        .clone();
    let mut given = base.clone();
    given["fields"] = json!({"reason": "商品破损"});
    given["owner_id"] = lead_id.clone();
    let (status, _) = json_of(agent.post("/api/v1/work-orders", given).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Opened by the agent for themselves: a day of office time, the buyer told, the order
    // marked as having an after-sale request.
    let me = agent.get_json("/api/v1/auth/me").await;
    assert!(me["user"]["id"].is_string(), "{me}");
    let mut request = base.clone();
    request["fields"] = json!({"reason": "商品破损"});
    request["owner_id"] = me["user"]["id"].clone();
    let (status, order) = json_of(agent.post("/api/v1/work-orders", request).await).await;
    assert_eq!(status, StatusCode::CREATED, "{order}");
    let number = order["number"].as_str().unwrap().to_owned();
    assert!(number.starts_with("WO"), "{number}");
    assert_eq!(
        (&order["status"], &order["due"], &order["source"]),
        (&json!("new"), &json!("on_time"), &json!("agent"))
    );
    assert_eq!(order["target_ms"], 24 * 3_600_000);
    assert!(order["deadline_at"].as_i64().unwrap() > order["created_at"].as_i64().unwrap());
    let lines = system_lines(&buyer).await;
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&format!("您的退款工单 {number} 已受理，预计"))),
        "{lines:?}"
    );
    let mine = buyer_orders(&buyer).await;
    assert_eq!(mine["orders"][0]["number"], number.as_str());
    assert!(mine["orders"][0]["expected_at"].is_i64());
    assert_eq!(
        app.stored_order("shanye-tea", "T100")
            .await
            .after_sale_status
            .as_str(),
        "requested"
    );

    // Moves: a stale version and a move the status does not allow are refused.
    let (status, started) = move_to(&agent, &order, "start").await;
    assert_eq!(
        (status, &started["status"]),
        (StatusCode::OK, &json!("in_progress"))
    );
    let (status, body) = move_to(&agent, &order, "resolve").await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::CONFLICT, &json!("work_order_changed"))
    );
    let (status, body) = move_to(&agent, &started, "reopen").await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::CONFLICT, &json!("work_order_transition"))
    );
    assert!(
        system_lines(&buyer)
            .await
            .iter()
            .any(|l| l.contains("处理中，预计"))
    );

    // Waiting for the buyer stops the clock; their reply starts it again.
    let (_, waiting) = move_to(&agent, &started, "wait_for_buyer").await;
    assert_eq!(
        (&waiting["status"], &waiting["due"]),
        (&json!("waiting_buyer"), &Value::Null)
    );
    assert!(
        system_lines(&buyer)
            .await
            .iter()
            .any(|l| l.contains("正在等待您的回复"))
    );
    buyer.send("w2", "照片已经发了").await;
    let id = order["id"].as_str().unwrap().to_owned();
    eventually(|| {
        let agent = &agent;
        let id = &id;
        async move {
            agent.get_json(&format!("/api/v1/work-orders/{id}")).await["status"] == "in_progress"
        }
    })
    .await;
    let back = agent.get_json(&format!("/api/v1/work-orders/{id}")).await;
    let replied = back["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (&replied["data"]["move"], &replied["actor_id"]),
        (&json!("buyer_replied"), &Value::Null)
    );

    // Notes: internal, and one sent to the buyer as the agent's message.
    let note = agent
        .post(
            &format!("/api/v1/work-orders/{id}/notes"),
            json!({"text": "已联系仓库补拍"}),
        )
        .await;
    assert_eq!(note.status(), StatusCode::CREATED);
    let told = agent
        .post(
            &format!("/api/v1/work-orders/{id}/notes"),
            json!({"text": "仓库确认破损，今天给您退款", "to_buyer": true}),
        )
        .await;
    assert_eq!(told.status(), StatusCode::CREATED);
    let said = buyer.messages().await;
    assert!(
        said.iter()
            .any(|m| m["sender_kind"] == "agent" && m["body"] == "仓库确认破损，今天给您退款")
    );
    let empty = agent
        .post(
            &format!("/api/v1/work-orders/{id}/notes"),
            json!({"text": " "}),
        )
        .await;
    assert_eq!(empty.status(), StatusCode::BAD_REQUEST);

    // Edited: a higher priority shortens the target; the history says what changed.
    let (status, edited) = json_of(
        agent
            .put(
                &format!("/api/v1/work-orders/{id}"),
                json!({"version": back["version"], "kind": "refund", "title": "罐子压坏退款（加急）",
                    "priority": "urgent", "order_no": "T100", "amount_fen": 12_800,
                    "fields": {"reason": "商品破损"}, "items": back["items"]}),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(
        (&edited["priority"], &edited["target_ms"]),
        (&json!("urgent"), &json!(6 * 3_600_000))
    );

    // Resolved, then reopened by the buyer's reply, then resolved and closed.
    let (_, resolved) = move_to(&agent, &edited, "resolve").await;
    assert_eq!(resolved["status"], "resolved");
    buyer.send("w3", "退款还没到账").await;
    eventually(|| {
        let agent = &agent;
        let id = &id;
        async move {
            agent.get_json(&format!("/api/v1/work-orders/{id}")).await["status"] == "in_progress"
        }
    })
    .await;
    let again = agent.get_json(&format!("/api/v1/work-orders/{id}")).await;
    let (_, done) = move_to(&agent, &again, "resolve").await;
    let (status, closed) = move_to(&agent, &done, "close").await;
    assert_eq!(
        (status, &closed["status"]),
        (StatusCode::OK, &json!("closed"))
    );
    let kinds: Vec<&str> = closed["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "created", "moved", "moved", "moved", "comment", "comment", "edited", "edited",
            "moved", "moved", "moved", "moved"
        ]
    );
    assert!(buyer_orders(&buyer).await["orders"][0]["expected_at"].is_null());
}

async fn buyer_orders(buyer: &BuyerClient) -> Value {
    buyer
        .http
        .get(format!("{}/api/v1/buyer/work-orders", buyer.base))
        .bearer_auth(&buyer.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn owners_lists_views_bulk_changes_export_and_settings() {
    let (app, admin, secret) = stocked().await;
    let buyer = wang(&app, &secret).await;
    buyer.send("o1", "物流三天没动了").await;
    let lead = app.agent("tea-lead").await;
    let agent = app.agent("tea-after1").await;
    let colleague = app.agent("tea-pre1").await;
    let conversation = lead.open_conversation_of(&buyer).await;
    let open = |kind: &str, title: &str, extra: Value| {
        let mut body = json!({"kind": kind, "title": title, "conversation_id": conversation["id"], "tell_buyer": false, "team": "after_sales"});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let (_, parcel) = json_of(
        lead.post(
            "/api/v1/work-orders",
            open(
                "logistics",
                "物流停滞",
                json!({"order_no": "T100", "fields": {"carrier": "顺丰速运"}}),
            ),
        )
        .await,
    )
    .await;
    let (_, callback) = json_of(
        lead.post(
            "/api/v1/work-orders",
            open("callback", "回电说明进度", json!({"priority": "high"})),
        )
        .await,
    )
    .await;
    let (status, other) = json_of(
        lead.post("/api/v1/work-orders", open("other", "开发票", json!({})))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{other}");
    assert_eq!(
        callback["target_ms"],
        2 * 3_600_000,
        "a callback's 4 h, halved"
    );

    // An agent takes one nobody has; someone else's needs work_order.manage.
    let me = agent.get_json("/api/v1/auth/me").await;
    assert!(me["user"]["id"].is_string(), "{me}");
    let taken = agent
        .put(
            &format!(
                "/api/v1/work-orders/{}/owner",
                parcel["id"].as_str().unwrap()
            ),
            json!({"version": parcel["version"], "owner_id": me["user"]["id"], "team": "after_sales"}),
        )
        .await;
    let (status, taken) = json_of(taken).await;
    assert_eq!(
        (status, &taken["owner_id"]),
        (StatusCode::OK, &me["user"]["id"])
    );
    let (status, _) = move_to(&colleague, &taken, "start").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = move_to(&agent, &taken, "start").await;
    assert_eq!(status, StatusCode::OK);
    let given = agent
        .put(&format!("/api/v1/work-orders/{}/owner", callback["id"].as_str().unwrap()),
            json!({"version": callback["version"], "owner_id": lead.get_json("/api/v1/auth/me").await["user"]["id"], "team": null}))
        .await;
    assert_eq!(given.status(), StatusCode::FORBIDDEN);

    // Lists: mine, nobody's, by kind, by text; by deadline, paged.
    let numbers = |list: &Value| -> Vec<String> {
        list["orders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["number"].as_str().unwrap().to_owned())
            .collect()
    };
    let chat = conversation["id"].as_str().unwrap();
    let mine = agent
        .get_json(&format!(
            "/api/v1/work-orders?owner=me&conversation_id={chat}"
        ))
        .await;
    assert_eq!(numbers(&mine), [parcel["number"].as_str().unwrap()]);
    let nobody = agent
        .get_json(&format!(
            "/api/v1/work-orders?owner=none&conversation_id={chat}"
        ))
        .await;
    assert_eq!(
        (nobody["total"].as_i64(), numbers(&nobody)[0].as_str()),
        (Some(2), callback["number"].as_str().unwrap())
    );
    let by_kind = agent
        .get_json("/api/v1/work-orders?kind=other&q=发票")
        .await;
    assert_eq!(numbers(&by_kind), [other["number"].as_str().unwrap()]);
    let page = agent
        .get_json(&format!(
            "/api/v1/work-orders?page=2&page_size=2&conversation_id={chat}"
        ))
        .await;
    assert_eq!((page["total"].as_i64(), numbers(&page).len()), (Some(3), 1));
    let of_chat = agent
        .get_json(&format!(
            "/api/v1/work-orders?conversation_id={}&status=all",
            conversation["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(of_chat["total"], 3);
    for bad in [
        "status=nope",
        "owner=someone",
        "sort=oldest",
        "page_size=101",
        "page=0",
    ] {
        let response = agent.get(&format!("/api/v1/work-orders?{bad}")).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
    }

    // Saved views are the caller's own; a name saved again replaces its view.
    let saved = agent
        .post(
            "/api/v1/work-orders/views",
            json!({"name": "我的物流", "filters": {"kind": "logistics", "owner": "me"}}),
        )
        .await;
    assert_eq!(saved.status(), StatusCode::CREATED);
    let view: Value = agent
        .post(
            "/api/v1/work-orders/views",
            json!({"name": "我的物流", "filters": {"kind": "logistics"}}),
        )
        .await
        .json()
        .await
        .unwrap();
    let views = agent.get_json("/api/v1/work-orders/views").await;
    assert_eq!(
        (
            views["views"].as_array().unwrap().len(),
            &views["views"][0]["filters"]["kind"]
        ),
        (1, &json!("logistics"))
    );
    assert!(
        lead.get_json("/api/v1/work-orders/views").await["views"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let bad = agent
        .post(
            "/api/v1/work-orders/views",
            json!({"name": " ", "filters": {}}),
        )
        .await;
    assert_eq!(json_of(bad).await.1["code"], "invalid_work_order_view");
    let gone = lead
        .http
        .delete(format!(
            "{}/api/v1/work-orders/views/{}",
            lead.base,
            view["id"].as_str().unwrap()
        ))
        .bearer_auth(&lead.token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        gone.status(),
        StatusCode::NOT_FOUND,
        "another's view is not found"
    );
    let gone = agent
        .http
        .delete(format!(
            "{}/api/v1/work-orders/views/{}",
            agent.base,
            view["id"].as_str().unwrap()
        ))
        .bearer_auth(&agent.token)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);

    // Bulk: each changed on its own, those it does not apply to listed.
    let bulk = lead
        .post("/api/v1/work-orders/bulk", json!({"ids": [parcel["id"], callback["id"], other["id"], Uuid::nil()], "move": "close"}))
        .await;
    let (status, result) = json_of(bulk).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(result["changed"], 2, "{result}");
    let failed: Vec<&str> = result["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        failed,
        ["work_order_transition", "work_order_not_found"],
        "the started one is not new"
    );
    let forbidden = agent
        .post(
            "/api/v1/work-orders/bulk",
            json!({"ids": [parcel["id"]], "priority": "high"}),
        )
        .await;
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);

    // The export: every match as CSV for Excel, with the owner's name.
    let csv = lead
        .get(&format!(
            "/api/v1/work-orders/export?status=all&conversation_id={chat}"
        ))
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = csv.text().await.unwrap();
    assert!(text.starts_with("\u{feff}工单号,类型,标题,状态"), "{text}");
    assert_eq!(text.lines().count(), 4);
    let row = format!(
        "{},logistics,物流停滞,in_progress,normal,售后·晓峰,after_sales,T100,",
        parcel["number"].as_str().unwrap()
    );
    assert!(text.contains(&row), "{text}");

    // Settings: a kind's own target and a required field; bad settings refused, kept as they were.
    let settings = lead.get_json("/api/v1/work-orders/settings").await;
    assert_eq!(
        (&settings["version"], &settings["default_hours"]["refund"]),
        (&json!(0), &json!(24))
    );
    let bad = lead
        .put(
            "/api/v1/work-orders/settings",
            json!({"kinds": {"other": {"target_hours": 0}}}),
        )
        .await;
    assert_eq!(json_of(bad).await.1["code"], "invalid_work_order_settings");
    let put = lead
        .put(
            "/api/v1/work-orders/settings",
            json!({"kinds": {"other": {"target_hours": 2, "fields": [
        {"key": "invoice_title", "label": "发票抬头", "kind": "text", "required": true}]}}}),
        )
        .await;
    assert_eq!(put.status(), StatusCode::OK);
    let refused = lead
        .post("/api/v1/work-orders", open("other", "再开发票", json!({})))
        .await;
    assert_eq!(json_of(refused).await.1["code"], "invalid_work_order");
    let (_, invoice) = json_of(
        lead.post(
            "/api/v1/work-orders",
            open(
                "other",
                "再开发票",
                json!({"fields": {"invoice_title": "某某公司"}}),
            ),
        )
        .await,
    )
    .await;
    assert_eq!(invoice["target_ms"], 2 * 3_600_000);
    let denied = agent
        .put("/api/v1/work-orders/settings", json!({"kinds": {}}))
        .await;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    let audit = admin
        .get_json("/api/v1/audit?action=work_order_settings.change")
        .await;
    assert!(
        audit.to_string().contains("work_order_settings.change"),
        "{audit}"
    );
}

#[tokio::test]
async fn the_sweep_reminds_the_owner_then_alerts_once_and_closes_what_was_resolved_long_ago() {
    let app = TestApp::spawn().await;
    let lead = app.agent("tea-lead").await;
    let agent = app.agent("tea-after1").await;
    let mut socket = agent.socket().await;
    let me = agent.get_json("/api/v1/auth/me").await;
    assert!(me["user"]["id"].is_string(), "{me}");
    let (_, order) = json_of(
        lead.post("/api/v1/work-orders", json!({"kind": "callback", "title": "回电", "owner_id": me["user"]["id"], "priority": "urgent"})).await,
    )
    .await;
    assert_eq!(
        socket.next_of("notice").await["notice"]["kind"],
        "work_order"
    );
    // Its deadline pulled into the past, as if its hour of office time had gone by.
    let id = order["id"].as_str().unwrap();
    let now = kefu_domain::time::now_ms();
    app.tamper(&format!(
        "UPDATE work_orders SET deadline_at = {}, alarm_at = {} WHERE id = '{id}'",
        now - 60_000,
        now - 120_000
    ))
    .await;
    let state = app.state.as_ref().unwrap();
    // Two sweeps at once (as two processes would): each alarm rings once.
    for _ in 0..3 {
        tokio::join!(
            kefu_server::cases::work_orders::sweep(state),
            kefu_server::cases::work_orders::sweep(state)
        );
    }
    let detail = lead.get_json(&format!("/api/v1/work-orders/{id}")).await;
    let kinds: Vec<&str> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["created", "reminded", "overdue"], "{detail}");
    assert_eq!(detail["due"], "overdue");
    let titles: Vec<String> = socket
        .drain(std::time::Duration::from_millis(500))
        .await
        .into_iter()
        .filter(|f| f["type"] == "notice")
        .map(|f| f["notice"]["title"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        titles.iter().any(|t| t.starts_with("工单即将到期")),
        "{titles:?}"
    );
    assert!(
        titles.iter().any(|t| t.starts_with("工单已超时")),
        "{titles:?}"
    );
    let overdue = lead
        .get_json("/api/v1/work-orders?overdue=true&q=回电")
        .await;
    assert_eq!(overdue["orders"][0]["id"], id);

    // Resolved a week ago: closed by the sweep.
    let (_, resolved) = move_to(&agent, &detail, "resolve").await;
    assert_eq!(resolved["status"], "resolved");
    let week = 7 * 24 * 3_600_000;
    app.tamper(&format!(
        "UPDATE work_orders SET resolved_at = resolved_at - {week}, alarm_at = alarm_at - {week} WHERE id = '{id}'"
    ))
    .await;
    kefu_server::cases::work_orders::sweep(state).await;
    let closed = lead.get_json(&format!("/api/v1/work-orders/{id}")).await;
    assert_eq!(
        (
            &closed["status"],
            &closed["events"].as_array().unwrap().last().unwrap()["kind"]
        ),
        (&json!("closed"), &json!("auto_closed"))
    );
}

#[tokio::test]
async fn orders_come_from_hand_offs_and_qa_and_notes_carry_files() {
    let (app, _admin, secret) = stocked().await;
    let buyer = wang(&app, &secret).await;
    buyer.send("h1", "门票的日期能改吗").await;
    let lead = app.agent("tea-lead").await;
    let conversation = lead.open_conversation_of(&buyer).await;
    let chat = conversation["id"].as_str().unwrap();
    let (status, handoff) = json_of(
        lead.post(
            &format!("/api/v1/conversations/{chat}/handoffs"),
            json!({"order_no": "T101"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{handoff}");
    let from = |source: &str, id: &Value| {
        json!({"kind": "other", "title": "改期跟进", "conversation_id": chat, "tell_buyer": false,
            "source": source, "source_id": id})
    };
    let (status, order) = json_of(
        lead.post("/api/v1/work-orders", from("handoff", &handoff["id"]))
            .await,
    )
    .await;
    assert_eq!(
        (status, &order["source"], &order["source_id"]),
        (StatusCode::CREATED, &json!("handoff"), &handoff["id"])
    );
    for (body, code) in [
        (from("handoff", &json!(Uuid::nil())), "handoff_not_found"),
        (from("qa", &json!(Uuid::nil())), "qa_review_not_found"),
        (from("robot", &Value::Null), "invalid_work_order"),
        (from("handoff", &Value::Null), "invalid_work_order"),
    ] {
        let (_, body) = json_of(lead.post("/api/v1/work-orders", body).await).await;
        assert_eq!(body["code"], code);
    }

    // A note carries a file: the history shows it by a signed link.
    let part = reqwest::multipart::Part::bytes(b"%PDF-1.4 courier".to_vec()).file_name("回执.pdf");
    let file: Value = lead
        .http
        .post(format!("{}/api/v1/attachments", lead.base))
        .bearer_auth(&lead.token)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = order["id"].as_str().unwrap();
    let (status, note) = json_of(
        lead.post(
            &format!("/api/v1/work-orders/{id}/notes"),
            json!({"attachment_id": file["id"]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{note}");
    assert!(
        note["attachment_url"]
            .as_str()
            .is_some_and(|u| u.starts_with("/files/")),
        "{note}"
    );
    let detail = lead.get_json(&format!("/api/v1/work-orders/{id}")).await;
    let link = detail["events"][1]["attachment_url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(link.starts_with("/files/"), "{link}");
    let fetched = app.http.get(app.url(&link)).send().await.unwrap();
    assert_eq!(fetched.bytes().await.unwrap().as_ref(), b"%PDF-1.4 courier");
    let (_, body) = json_of(
        lead.post(
            &format!("/api/v1/work-orders/{id}/notes"),
            json!({"attachment_id": Uuid::nil()}),
        )
        .await,
    )
    .await;
    assert_eq!(body["code"], "attachment_not_found");
}
