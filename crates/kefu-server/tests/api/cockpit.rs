//! The data cockpit over HTTP (issue #19; DATA-1 … DATA-3): its numbers agree with the
//! scorecards', drill down to the conversations behind them and move live over the socket;
//! the heatmap reads the hourly rollups; a product's surge alerts once, with its evidence,
//! until a supervisor acknowledges it.

use std::time::Duration;

use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::commerce::{in_an_hour, sign, stocked};
use crate::dispatch::put;
use crate::helpers::{AgentClient, TestApp};
use crate::kpi::{refresh, served, today};

fn tile<'a>(cockpit: &'a Value, metric: &str) -> &'a Value {
    cockpit["tiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["metric"] == metric)
        .unwrap_or_else(|| panic!("no {metric} tile in {cockpit}"))
}

async fn drill(lead: &AgentClient, query: &str) -> Vec<String> {
    let drilled: Value = lead
        .get_json(&format!("/api/v1/cockpit/drill?{query}"))
        .await;
    drilled["conversations"]
        .as_array()
        .unwrap_or_else(|| panic!("{drilled}"))
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

/// A buyer who came from a product's page writes once.
async fn asks_about(app: &TestApp, secret: &str, member: &str, product: &str) {
    let link = sign(
        secret,
        json!({"sub": member, "entry": "product_page", "product_code": product, "exp": in_an_hour()}),
    );
    let buyer = app
        .buyer_with(json!({"shop": "shanye-tea", "entry": link}))
        .await;
    assert!(buyer.send("q1", "这个有货吗").await.status().is_success());
}

#[tokio::test]
async fn the_cockpit_agrees_with_the_scorecards_drills_down_and_moves_live() {
    let (app, _admin, secret) = stocked().await;
    let lead = app.agent("tea-lead").await;
    let agent = app.agent("tea-pre1").await;
    let (_, first) = served(
        &app,
        &secret,
        "m-c1",
        "shop_home",
        &agent,
        &["您好", "有的"],
    )
    .await;
    let (_, second) = served(&app, &secret, "m-c2", "live_room", &agent, &["在的"]).await;
    refresh(&lead).await;

    // DATA-1: the same tallies as the scorecards (one metrics layer).
    let cockpit: Value = lead.get_json("/api/v1/cockpit").await;
    assert!(
        cockpit["tiles"].as_array().unwrap().len() >= 12,
        "{cockpit}"
    );
    assert_eq!(cockpit["day"], today());
    let report: Value = lead
        .get_json(&format!("/api/v1/kpi/scorecards?from={0}&to={0}", today()))
        .await;
    let shop = &report["shop"];
    for (metric, field) in [
        ("received", "received"),
        ("served", "served"),
        ("first_response", "first_response_avg_s"),
        ("quick_reply_rate", "quick_reply_rate"),
        ("conversion_rate", "conversion_rate"),
        ("invalid", "invalid"),
    ] {
        let value = tile(&cockpit, metric)["value"].as_f64();
        let expected = shop[field].as_f64();
        assert_eq!(value, expected, "{metric}: {cockpit} against {shop}");
    }
    // The demo's own conversations count too.
    let served_today = tile(&cockpit, "served")["value"].as_f64().unwrap();
    assert!(served_today >= 2.0);
    assert_eq!(tile(&cockpit, "waiting")["yesterday"], Value::Null);
    assert_eq!(tile(&cockpit, "bad_review_rate")["higher_is_better"], false);

    // Every number clicks through to its conversations.
    let served_ids = drill(&lead, "metric=served").await;
    assert_eq!(served_ids.len() as f64, served_today);
    assert!(served_ids.contains(&first) && served_ids.contains(&second));
    let received_ids = drill(&lead, "metric=received").await;
    assert!(received_ids.contains(&first), "{received_ids:?}");
    assert!(drill(&lead, "metric=first_response").await.contains(&first));
    let serving = tile(&cockpit, "serving")["value"].as_f64().unwrap();
    assert_eq!(drill(&lead, "metric=serving").await.len() as f64, serving);
    assert!(
        drill(&lead, &format!("metric=received&day={}", "2020-01-01"))
            .await
            .is_empty()
    );
    for bad in [
        "metric=nope",
        "",
        "metric=served&tag=x",
        "metric=served&day=yesterday",
    ] {
        let response = lead.get(&format!("/api/v1/cockpit/drill?{bad}")).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    // Another shop reads its own cockpit, not this one's.
    let other = app.agent("digital-lead").await;
    let theirs = drill(&other, "metric=served").await;
    assert!(!theirs.contains(&first) && !theirs.contains(&second));
    // An agent without report.view has no cockpit.
    assert_eq!(
        agent.get("/api/v1/cockpit").await.status(),
        StatusCode::FORBIDDEN
    );

    // Live: the socket sends a snapshot, then another soon after a buyer writes.
    let url = format!("{}/api/v1/cockpit/ws?token={}", app.ws_url(""), lead.token);
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let mut next = async || -> Value {
        loop {
            let message = tokio::time::timeout(Duration::from_secs(15), socket.next())
                .await
                .expect("a snapshot within 15 s")
                .unwrap()
                .unwrap();
            if let tokio_tungstenite::tungstenite::Message::Text(text) = message {
                return serde_json::from_str(text.as_str()).unwrap();
            }
        }
    };
    let before = next().await;
    let received = tile(&before, "received")["value"].as_f64().unwrap();
    served(&app, &secret, "m-c3", "shop_home", &agent, &["马上"]).await;
    let mut after = next().await;
    while tile(&after, "received")["value"].as_f64().unwrap() <= received {
        after = next().await;
    }
    assert_eq!(
        tile(&after, "received")["value"].as_f64(),
        Some(received + 1.0)
    );
}

#[tokio::test]
async fn the_heatmap_reads_the_weeks_before_today_by_weekday_and_hour() {
    let (app, admin, secret) = stocked().await;
    let lead = app.agent("tea-lead").await;
    let agent = app.agent("tea-pre1").await;
    let (_, c) = served(&app, &secret, "m-h1", "live_room", &agent, &["在"]).await;
    let week_ago = (chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai)
        - chrono::Duration::days(7))
    .format("%Y-%m-%d")
    .to_string();
    let rebuild = async || {
        let rebuilt = admin
            .post(
                "/api/v1/kpi/rebuild",
                json!({"from": week_ago, "to": week_ago}),
            )
            .await;
        assert_eq!(rebuilt.status(), StatusCode::OK);
    };
    let received = async |query: &str| -> Vec<i64> {
        let heatmap: Value = lead
            .get_json(&format!("/api/v1/cockpit/heatmap?weeks=2{query}"))
            .await;
        assert_eq!(heatmap["cells"].as_array().unwrap().len(), 168);
        heatmap["cells"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["received"].as_i64().unwrap())
            .collect()
    };
    rebuild().await;
    let (before, live_before, order_before) = (
        received("").await,
        received("&entry=live_room").await,
        received("&entry=order_card&channel=web").await,
    );
    // The same conversation's log a week earlier, rolled up again (DATA-2).
    app.tamper(&format!(
        "INSERT INTO conversation_events (tenant_id, conversation_id, kind, actor_kind, actor_id, \
         message_seq, data, at) SELECT tenant_id, conversation_id, kind, actor_kind, actor_id, \
         message_seq, data, at - 604800000 FROM conversation_events WHERE conversation_id = '{c}' \
         ORDER BY id"
    ))
    .await;
    rebuild().await;
    let after = received("").await;
    let changed: Vec<usize> = (0..168).filter(|i| after[*i] != before[*i]).collect();
    assert_eq!(changed.len(), 1, "{before:?} → {after:?}");
    let cell = changed[0];
    assert_eq!(after[cell] - before[cell], 1);
    let now = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai);
    use chrono::{Datelike, Timelike};
    assert_eq!(cell / 24, now.weekday().num_days_from_monday() as usize);
    // The minute it was logged may have been the hour before.
    let hour = cell % 24;
    assert!(hour == now.hour() as usize || (hour + 1) % 24 == now.hour() as usize);
    let heatmap: Value = lead.get_json("/api/v1/cockpit/heatmap?weeks=2").await;
    assert!(
        heatmap["cells"][cell]["first_response_avg_s"]
            .as_f64()
            .is_some()
    );
    assert_eq!(
        heatmap["cells"][cell]["per_week"].as_f64(),
        Some(after[cell] as f64 / 2.0)
    );
    // Filters by entry and channel.
    let live = received("&entry=live_room").await;
    let order = received("&entry=order_card&channel=web").await;
    assert_eq!(live[cell] - live_before[cell], 1);
    assert_eq!(order, order_before);
    assert_eq!(
        lead.get("/api/v1/cockpit/heatmap?weeks=13").await.status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn a_products_surge_alerts_once_with_its_evidence_until_acknowledged() {
    let (app, admin, secret) = stocked().await;
    let lead = app.agent("tea-lead").await;
    for i in 0..3 {
        asks_about(&app, &secret, &format!("m-o{i}"), "TOUR-1").await;
    }
    // The last 7 days and 3 weeks had this hour's usual traffic, none of it about TEA-1.
    app.tamper(
        "INSERT INTO conversation_events (tenant_id, conversation_id, kind, actor_kind, actor_id, \
         message_seq, data, at) SELECT e.tenant_id, e.conversation_id, e.kind, e.actor_kind, \
         e.actor_id, e.message_seq, e.data, e.at - CAST(d.n AS BIGINT) * 86400000 FROM conversation_events e, \
         (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL \
         SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 14 UNION ALL \
         SELECT 21 UNION ALL SELECT 28) d WHERE e.kind = 'created'",
    )
    .await;
    let scanned: Value = lead
        .post("/api/v1/alerts/scan", json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(scanned["alerts"], 0, "the usual hour alerts nothing");
    // Now six buyers ask about the tea within the hour (DATA-3).
    for i in 0..6 {
        asks_about(&app, &secret, &format!("m-s{i}"), "TEA-1").await;
    }
    let scanned: Value = lead
        .post("/api/v1/alerts/scan", json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(scanned["alerts"], 1, "{scanned}");
    let again: Value = lead
        .post("/api/v1/alerts/scan", json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["alerts"], 0, "one alert per subject and window");
    let alerts: Value = lead.get_json("/api/v1/alerts").await;
    let alert = &alerts[0];
    assert_eq!(alert["kind"], "surge");
    assert_eq!(alert["subject"], "product:TEA-1");
    assert_eq!(alert["label"], "明前龙井");
    assert_eq!(alert["observed"], 6.0);
    assert_eq!(
        alert["evidence"]["conversations"].as_array().unwrap().len(),
        5
    );
    assert_eq!(alert["evidence"]["history"].as_array().unwrap().len(), 10);
    let cockpit: Value = lead.get_json("/api/v1/cockpit").await;
    assert_eq!(cockpit["alerts"][0]["id"], alert["id"]);
    // Another shop sees none of it, and cannot acknowledge it.
    let other = app.agent("digital-lead").await;
    assert!(
        other
            .get_json("/api/v1/alerts")
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );
    let id = alert["id"].as_str().unwrap();
    let foreign = other
        .post(&format!("/api/v1/alerts/{id}/acknowledge"), json!({}))
        .await;
    assert_eq!(foreign.status(), StatusCode::NOT_FOUND);
    // Acknowledged: off the cockpit, kept with who acknowledged it.
    let acked: Value = lead
        .post(&format!("/api/v1/alerts/{id}/acknowledge"), json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(acked["acknowledged_by"], lead.user_id.to_string());
    let again: Value = admin
        .post(&format!("/api/v1/alerts/{id}/acknowledge"), json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["acknowledged_by"], lead.user_id.to_string());
    assert!(
        lead.get_json("/api/v1/alerts")
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );
    let all: Value = lead.get_json("/api/v1/alerts?open=false").await;
    assert_eq!(all.as_array().unwrap().len(), 1);

    // The queue limit and the rules (audited).
    let refused = admin
        .http
        .put(format!("{}/api/v1/alerts/rules", admin.base))
        .bearer_auth(&admin.token)
        .json(&json!({"queue_limit": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "invalid_alert_rules");
    assert_eq!(
        put(&lead, "/api/v1/alerts/rules", json!({"queue_limit": 1})).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        put(
            &admin,
            "/api/v1/alerts/rules",
            json!({"queue_limit": 1, "sensitivity": "high"})
        )
        .await,
        StatusCode::OK
    );
    let rules: Value = lead.get_json("/api/v1/alerts/rules").await;
    assert_eq!(rules["rules"]["sensitivity"], "high");
    assert!(rules["version"].as_i64() > Some(0));
    let audit: Value = admin
        .get_json("/api/v1/audit?action=alert_rules.change")
        .await;
    assert_eq!(
        audit["entries"].as_array().map(Vec::len),
        Some(1),
        "{audit}"
    );
    let waiting = tile(&lead.get_json("/api/v1/cockpit").await, "waiting")["value"]
        .as_f64()
        .unwrap();
    let scanned: Value = lead
        .post("/api/v1/alerts/scan", json!({}))
        .await
        .json()
        .await
        .unwrap();
    let queue = lead
        .get_json("/api/v1/alerts")
        .await
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["kind"] == "queue");
    assert_eq!(queue, waiting > 1.0, "{scanned} with {waiting} waiting");
}

#[tokio::test]
async fn the_funnel_follows_product_questions_to_payment_and_lists_who_left() {
    let (app, admin, secret) = stocked().await;
    let lead = app.agent("tea-lead").await;
    let agent = app.agent("tea-pre1").await;
    // Two buyers ask about the tea from its page; 小雨 answers both (DATA-4).
    let mut ids = Vec::new();
    for member in ["m-f1", "m-f2"] {
        asks_about(&app, &secret, member, "TEA-1").await;
        let c = agent
            .conversations("all")
            .await
            .into_iter()
            .find(|c| {
                c["buyer_name"].as_str().is_some()
                    && c["context"]["product_code"] == "TEA-1"
                    && !ids.contains(&c["id"].as_str().unwrap().to_owned())
            })
            .unwrap();
        let id = c["id"].as_str().unwrap().to_owned();
        let grabbed = agent
            .post(&format!("/api/v1/conversations/{id}/grab"), json!({}))
            .await;
        assert!(grabbed.status().is_success());
        assert!(
            agent
                .reply(&id, &format!("r-{member}"), "有货的")
                .await
                .status()
                .is_success()
        );
        ids.push(id);
    }
    // The first orders and pays; the second leaves.
    let order = json!({
        "order_no": "F1", "buyer_id": "m-f1", "buyer_name": "问茶的买家",
        "placed_at": kefu_domain::time::now_ms(),
        "items": [{"product_code": "TEA-1", "sku_code": "TEA-1-250", "title": "明前龙井", "quantity": 1, "unit_price_fen": 12800}],
        "total_fen": 12800, "paid_fen": 12800,
        "payment_status": "paid", "shipping_status": "unshipped"
    });
    assert_eq!(
        put(&admin, "/api/v1/orders/F1", order).await,
        StatusCode::OK
    );
    refresh(&lead).await;

    let funnel: Value = lead
        .get_json(&format!("/api/v1/cockpit/funnel?from={0}&to={0}", today()))
        .await;
    let tea = funnel["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["key"] == "TEA-1")
        .unwrap_or_else(|| panic!("{funnel}"));
    assert_eq!(tea["name"], "明前龙井");
    assert_eq!(
        tea["funnel"],
        json!({"asked": 2, "served": 2, "ordered": 1, "paid": 1})
    );
    let xiaoyu = funnel["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "售前·小雨")
        .unwrap();
    assert_eq!(xiaoyu["funnel"]["served"], 2);
    assert_eq!(xiaoyu["funnel"]["paid"], 1);
    let shop = &funnel["shop"];
    assert!(
        shop["asked"].as_i64() >= Some(2) && shop["paid"].as_i64() >= Some(1),
        "{shop}"
    );
    let page = funnel["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["key"] == "product_page")
        .unwrap();
    assert_eq!(page["funnel"]["served"], 2);
    // The one who left is on the list to follow up; the one who paid is not.
    let dropped: Value = lead
        .get_json(&format!("/api/v1/cockpit/funnel/dropped?day={}", today()))
        .await;
    let listed: Vec<&str> = dropped["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(
        listed.contains(&ids[1].as_str()) && !listed.contains(&ids[0].as_str()),
        "{listed:?}"
    );
    assert_eq!(
        lead.get("/api/v1/cockpit/funnel/dropped?day=soon")
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        agent.get("/api/v1/cockpit/funnel").await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_health_report_is_made_kept_exported_and_announced_to_those_who_read_reports() {
    let (app, _admin, secret) = stocked().await;
    let lead = app.agent("tea-lead").await;
    let agent = app.agent("tea-pre1").await;
    served(&app, &secret, "m-r1", "shop_home", &agent, &["您好"]).await;
    let mut lead_socket = lead.socket().await;
    let mut agent_socket = agent.socket().await;

    // DATA-2: made now for today (as the jobs do each morning for the day before).
    let day = today();
    let made: Value = lead
        .post(&format!("/api/v1/reports/daily/{day}"), json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(made["period"], day.as_str());
    let received = made["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == "received")
        .unwrap();
    // The same number as the scorecards'.
    let report: Value = lead
        .get_json(&format!("/api/v1/kpi/scorecards?from={day}&to={day}"))
        .await;
    assert_eq!(
        received["value"].as_f64(),
        report["shop"]["received"].as_f64()
    );
    assert!(made["worst_hours"].is_array() && made["agents_below"].is_array());

    // Kept and listed; read back whole.
    let listed: Value = lead.get_json("/api/v1/reports?kind=daily").await;
    assert_eq!(listed[0]["period"], day.as_str());
    let kept: Value = lead.get_json(&format!("/api/v1/reports/daily/{day}")).await;
    assert_eq!(kept, made);
    // A workbook, a sheet per part.
    let xlsx = lead
        .get(&format!("/api/v1/reports/daily/{day}/export"))
        .await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
    // Announced to the supervisor, not to the agent.
    let notice = lead_socket.next_of("notice").await;
    assert_eq!(notice["notice"]["kind"], "report");
    assert_eq!(
        notice["notice"]["link"],
        format!("/agent/reports?kind=daily&period={day}")
    );
    let heard: Vec<Value> = agent_socket.drain(Duration::from_millis(500)).await;
    assert!(heard.iter().all(|f| f["type"] != "notice"), "{heard:?}");

    // A monthly report tracks the outcome measures of six months.
    let month = &day[..7];
    let monthly: Value = lead
        .post(&format!("/api/v1/reports/monthly/{month}"), json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(monthly["outcomes"].as_array().map(Vec::len), Some(6));
    assert_eq!(monthly["outcomes"][5]["month"], month);

    // What is not there, is not a report, or is not yet.
    let missing = lead.get("/api/v1/reports/daily/2020-01-01").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["code"], "report_not_found");
    for bad in [
        "weekly/2026-12-01",
        "daily/2026-13-01",
        "daily/2999-01-01",
        "monthly/2026-12-01",
    ] {
        let response = lead.get(&format!("/api/v1/reports/{bad}")).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    assert_eq!(
        agent.get("/api/v1/reports").await.status(),
        StatusCode::FORBIDDEN
    );
    let other = app.agent("digital-lead").await;
    let theirs = other.get(&format!("/api/v1/reports/daily/{day}")).await;
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND);
}
