//! The team's numbers over HTTP (issue #18; KPI-1 … KPI-4, WB-10): scorecards read off daily
//! rollups of the event log, which match a full recomputation however they were built; the
//! shop's weights and lines; quality inspection from the sample to the appeal's decision;
//! monthly rankings kept once the month is over.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::commerce::{in_an_hour, sign, stocked};
use crate::dispatch::put;
use crate::helpers::{AgentClient, BuyerClient, TestApp};

/// A buyer (a member the shop vouched for, from `entry`) writes; `agent` grabs the
/// conversation and answers `replies`.
pub async fn served(
    app: &TestApp,
    secret: &str,
    member: &str,
    entry: &str,
    agent: &AgentClient,
    replies: &[&str],
) -> (BuyerClient, String) {
    let link = sign(
        secret,
        json!({"sub": member, "entry": entry, "room_id": "r-1", "room_title": "直播间", "exp": in_an_hour()}),
    );
    let buyer = app
        .buyer_with(json!({"shop": "shanye-tea", "entry": link}))
        .await;
    assert!(buyer.send("q1", "请问有货吗").await.status().is_success());
    let c = agent.open_conversation_of(&buyer).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let grabbed = agent
        .post(&format!("/api/v1/conversations/{c}/grab"), json!({}))
        .await;
    assert!(grabbed.status().is_success());
    for (i, text) in replies.iter().enumerate() {
        let sent = agent.reply(&c, &format!("r{i}"), text).await;
        assert!(sent.status().is_success());
    }
    (buyer, c)
}

/// Catches the rollups up now (the jobs do every half minute): how many days were recomputed.
pub async fn refresh(lead: &AgentClient) -> i64 {
    let refreshed: Value = lead
        .post("/api/v1/kpi/refresh", json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert!(refreshed["as_of"].as_i64().is_some(), "{refreshed}");
    refreshed["days"].as_i64().unwrap()
}

pub fn today() -> String {
    let now = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai);
    now.format("%Y-%m-%d").to_string()
}

fn card<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == name)
        .unwrap_or_else(|| panic!("no card for {name} in {report}"))
}

async fn status_and_json(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn scorecards_read_the_event_log_and_the_rollups_match_a_full_recomputation() {
    let (app, admin, secret) = stocked().await;
    let lead = app.agent("tea-lead").await;
    let pre1 = app.agent("tea-pre1").await;
    let pre2 = app.agent("tea-pre2").await;
    let on = json!({"rating": {"enabled": true, "text": "请为本次服务打分"}});
    assert_eq!(put(&admin, "/api/v1/automation", on).await, StatusCode::OK);

    // The demo's own conversations count too: what follows adds to them.
    let day = today();
    let range = format!("from={day}&to={day}");
    refresh(&lead).await;
    let base: Value = lead
        .get_json(&format!("/api/v1/kpi/scorecards?{range}"))
        .await;
    let count = |report: &Value, path: &[&str]| {
        path.iter()
            .fold(report, |v, k| &v[*k])
            .as_i64()
            .unwrap_or(0)
    };

    // A live-room buyer served by 小雨, who orders an hour later: a conversion.
    let (live_buyer, live) = served(
        &app,
        &secret,
        "m-live",
        "live_room",
        &pre1,
        &["有的，今天下单明天发"],
    )
    .await;
    assert!(refresh(&lead).await >= 1, "today, recomputed");
    let first: Value = lead
        .get_json(&format!("/api/v1/kpi/scorecards?{range}"))
        .await;
    assert_eq!(card(&first, "售前·小雨")["metrics"]["served"], 1);

    let order = json!({
        "order_no": "K1", "buyer_id": "m-live", "buyer_name": "直播买家",
        "placed_at": kefu_domain::time::now_ms(),
        "items": [{"product_code": "TEA-1", "sku_code": "TEA-1-250", "title": "明前龙井", "quantity": 1, "unit_price_fen": 12800}],
        "total_fen": 12800, "paid_fen": 12800,
        "payment_status": "paid", "shipping_status": "unshipped"
    });
    assert_eq!(
        put(&admin, "/api/v1/orders/K1", order).await,
        StatusCode::OK
    );
    let resolved = pre1
        .post(&format!("/api/v1/conversations/{live}/resolve"), json!({}))
        .await;
    assert!(resolved.status().is_success());
    // The buyer gives one star: a bad review for 小雨.
    let invitation = loop {
        let found = live_buyer
            .messages()
            .await
            .into_iter()
            .find(|m| m["kind"] == "rating");
        if let Some(m) = found {
            break serde_json::from_str::<Value>(m["body"].as_str().unwrap()).unwrap();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let rated = live_buyer
        .http
        .post(format!(
            "{}/api/v1/buyer/ratings/{}",
            live_buyer.base,
            invitation["rating_id"].as_str().unwrap()
        ))
        .bearer_auth(&live_buyer.token)
        .json(&json!({"stars": 1, "reasons": ["回复太慢"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(rated.status(), StatusCode::OK);
    // Another buyer, served by 阿杰 with two answers to one turn.
    served(
        &app,
        &secret,
        "m-other",
        "shop_home",
        &pre2,
        &["您好", "在的"],
    )
    .await;

    // Reports read the rollups as of their last catch-up; a refresh brings them up to now.
    let stale: Value = lead
        .get_json(&format!("/api/v1/kpi/scorecards?{range}"))
        .await;
    assert_eq!(card(&stale, "售前·小雨")["metrics"]["rated"], 0);
    refresh(&lead).await;
    let report: Value = lead
        .get_json(&format!("/api/v1/kpi/scorecards?{range}"))
        .await;
    assert!(report["as_of"].as_i64() > stale["as_of"].as_i64());
    let xiaoyu = &card(&report, "售前·小雨")["metrics"];
    assert_eq!(xiaoyu["served"], 1);
    assert_eq!(xiaoyu["conversion_rate"], 1.0);
    assert_eq!(xiaoyu["converted_fen"], 12_800);
    assert_eq!(
        (
            xiaoyu["live_served"].as_i64(),
            xiaoyu["live_orders"].as_i64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(
        (xiaoyu["rated"].as_i64(), xiaoyu["bad_review_rate"].as_f64()),
        (Some(1), Some(1.0))
    );
    assert_eq!(xiaoyu["resolution_rate"], 1.0);
    assert!(xiaoyu["first_response_avg_s"].as_f64().unwrap() < 60.0);
    let ajie = |r: &Value, metric: &str| count(card(r, "售前·阿杰"), &["metrics", metric]);
    assert_eq!(ajie(&report, "served"), ajie(&base, "served") + 1);
    assert_eq!(
        ajie(&report, "effective_replies"),
        ajie(&base, "effective_replies") + 1
    );
    assert_eq!(
        count(&report, &["shop", "received"]),
        count(&base, &["shop", "received"]) + 2
    );
    let team = |r: &Value| {
        let pre_sales = r["teams"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["team"] == "pre_sales")
            .unwrap();
        pre_sales["metrics"]["served"].as_i64().unwrap()
    };
    assert_eq!(team(&report), team(&base) + 2);
    // A bad review and a quick first answer: the card says which metric cost the points.
    let parts = card(&report, "售前·小雨")["scorecard"]["parts"]
        .as_array()
        .unwrap()
        .clone();
    let bad = parts
        .iter()
        .find(|p| p["metric"] == "bad_review_rate")
        .unwrap();
    assert_eq!(
        (bad["points"].as_f64(), bad["standing"].as_str()),
        (Some(0.0), Some("below"))
    );
    assert_eq!(card(&report, "售前·小雨")["scorecard"]["grade"], "below");
    let trend = card(&report, "售前·小雨")["trend"].as_array().unwrap();
    assert_eq!((trend.len(), trend[0]["served"].as_i64()), (1, Some(1)));

    // Built in four catch-ups; recomputed whole, the same numbers.
    let rebuilt = admin
        .post("/api/v1/kpi/rebuild", json!({"from": day, "to": day}))
        .await;
    assert_eq!(status_and_json(rebuilt).await.1["days"], 1);
    let mut again: Value = lead
        .get_json(&format!("/api/v1/kpi/scorecards?{range}"))
        .await;
    // The figures are the same; only the moment they are current to moves on.
    let mut report = report;
    for r in [&mut again, &mut report] {
        r.as_object_mut().unwrap().remove("as_of");
    }
    assert_eq!(again, report);

    // An agent reads their own card, not the team's.
    let mine: Value = pre1.get_json(&format!("/api/v1/kpi/me?{range}")).await;
    assert_eq!(
        mine["card"]["scorecard"],
        card(&report, "售前·小雨")["scorecard"]
    );
    assert_eq!(
        pre1.get(&format!("/api/v1/kpi/scorecards?{range}"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let one = lead
        .get_json(&format!(
            "/api/v1/kpi/agents/{}?{range}",
            card(&report, "售前·阿杰")["agent_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(one["name"], "售前·阿杰");

    // Exports: CSV with Chinese headers, XLSX as a workbook.
    let csv = lead
        .get(&format!("/api/v1/kpi/scorecards/export?{range}"))
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    let text = csv.text().await.unwrap();
    assert!(
        text.starts_with('\u{feff}') && text.contains("综合得分") && text.contains("售前·小雨"),
        "{text}"
    );
    let xlsx = lead
        .get(&format!(
            "/api/v1/kpi/scorecards/export?{range}&format=xlsx"
        ))
        .await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));

    // An agent exports their own card: one row, nobody else's, no shop totals.
    let own = pre1
        .get(&format!("/api/v1/kpi/me/export?{range}"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(own.lines().count(), 2, "{own}");
    assert!(own.contains("售前·小雨") && !own.contains("售前·阿杰") && !own.contains("全店"));

    // Bad ranges are refused with their code.
    for bad in [
        "from=2026-12-09&to=2026-12-01",
        "from=2025-01-01&to=2026-12-01",
        "from=12/01",
    ] {
        let (status, body) =
            status_and_json(lead.get(&format!("/api/v1/kpi/scorecards?{bad}")).await).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_range")),
            "{bad}"
        );
    }
    let (status, body) = status_and_json(
        lead.get(&format!("/api/v1/kpi/scorecards/export?{range}&format=pdf"))
            .await,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_query"))
    );
}

#[tokio::test]
async fn the_shop_sets_weights_and_lines_per_team() {
    let app = TestApp::spawn().await;
    let admin = app.agent("tea-admin").await;
    let lead = app.agent("tea-lead").await;
    let rules: Value = lead.get_json("/api/v1/kpi/rules").await;
    assert_eq!(rules["version"], 0);
    assert_eq!(
        rules["rules"]["weights"],
        json!({"response": 40, "conversion": 35, "satisfaction": 25})
    );
    assert_eq!(
        rules["rules"]["lines"]["first_response_s"],
        json!({"pass": 30.0, "excellent": 15.0})
    );

    let mut changed = rules["rules"].clone();
    changed["weights"] = json!({"response": 50, "conversion": 30, "satisfaction": 30});
    let refused = admin
        .http
        .put(format!("{}/api/v1/kpi/rules", admin.base))
        .bearer_auth(&admin.token)
        .json(&changed)
        .send()
        .await
        .unwrap();
    let (status, body) = status_and_json(refused).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_kpi_rules"))
    );

    changed["weights"] = json!({"response": 50, "conversion": 30, "satisfaction": 20});
    changed["satisfaction"] = json!("both");
    let mut after_sales = changed["lines"].clone();
    after_sales["first_response_s"] = json!({"pass": 7200.0, "excellent": 1800.0});
    changed["teams"] = json!({"after_sales": after_sales});
    assert_eq!(
        put(&lead, "/api/v1/kpi/rules", changed.clone()).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        put(&admin, "/api/v1/kpi/rules", changed.clone()).await,
        StatusCode::OK
    );
    let saved: Value = lead.get_json("/api/v1/kpi/rules").await;
    assert_eq!(saved["rules"], changed);
    assert!(saved["version"].as_i64().unwrap() > 0);
    let audit: Value = admin
        .get_json("/api/v1/audit?action=kpi_rules.change")
        .await;
    assert_eq!(
        audit["entries"].as_array().map(Vec::len),
        Some(1),
        "{audit}"
    );
    // The report scores with the new weights: response is half of the card.
    let report: Value = lead.get_json("/api/v1/kpi/scorecards").await;
    let parts = report["shop_scorecard"]["parts"].as_array().unwrap();
    assert_eq!(parts[0]["weight"], 25.0);
    assert_eq!(parts.len(), 6, "ratings and QA share satisfaction");
}

#[tokio::test]
async fn qa_samples_scores_and_the_agent_appeals_once_to_a_supervisor() {
    let (app, admin, secret) = stocked().await;
    let lead = app.agent("tea-lead").await;
    let qa = app.agent("tea-qa").await;
    let pre1 = app.agent("tea-pre1").await;
    let pre2 = app.agent("tea-pre2").await;
    let (_, flagged) = served(
        &app,
        &secret,
        "m-a",
        "shop_home",
        &pre1,
        &["这个我不知道", "您稍等"],
    )
    .await;
    let (_, plain) = served(&app, &secret, "m-b", "shop_home", &pre1, &["您好，有货的"]).await;
    let day = today();

    // Only QA samples; the sample has every flagged conversation, and the rest at random
    // (at least three when there are as many: here both).
    async fn sample(who: &AgentClient, day: &str) -> reqwest::Response {
        who.post("/api/v1/qa/sample", json!({ "day": day })).await
    }
    assert_eq!(sample(&pre1, &day).await.status(), StatusCode::FORBIDDEN);
    let (status, sampled) = status_and_json(sample(&qa, &day).await).await;
    assert_eq!(status, StatusCode::OK, "{sampled}");
    let reviews = sampled["reviews"].as_array().unwrap();
    assert_eq!(sampled["added"].as_u64(), Some(reviews.len() as u64));
    let review = reviews
        .iter()
        .find(|r| r["conversation_id"] == flagged.as_str())
        .unwrap();
    assert_eq!(review["reasons"], json!(["forbidden_word"]));
    assert_eq!(review["forbidden_hits"][0]["word"], "不知道");
    assert_eq!(review["status"], "pending");
    assert!(
        reviews
            .iter()
            .any(|r| r["conversation_id"] == plain.as_str() && r["reasons"] == json!(["random"]))
    );
    assert_eq!(
        status_and_json(sample(&qa, &day).await).await.1["added"],
        0,
        "sampling again adds nothing"
    );
    let id = review["id"].as_str().unwrap().to_owned();
    let hit_seq = review["forbidden_hits"][0]["seq"].as_i64().unwrap();

    // The agent does not see a review before it is scored.
    assert_eq!(
        pre1.get(&format!("/api/v1/qa/reviews/{id}")).await.status(),
        StatusCode::NOT_FOUND
    );
    let detail: Value = qa.get_json(&format!("/api/v1/qa/reviews/{id}")).await;
    let items: Vec<Value> = detail["rubric"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| json!({"key": i["key"], "points": i["points"], "note": ""}))
        .collect();
    let mut score =
        json!({"items": items, "comments": [{"seq": hit_seq, "text": "禁用语：不知道"}]});
    score["items"][4]["points"] = json!(0);
    score["items"][1]["points"] = json!(20);
    let path = format!("/api/v1/qa/reviews/{id}/score");
    let mut bad = score.clone();
    bad["items"][0]["points"] = json!(99);
    let (status, body) = status_and_json(qa.post(&path, bad).await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_qa_review"))
    );
    let mut off = score.clone();
    off["comments"][0]["seq"] = json!(999);
    assert_eq!(qa.post(&path, off).await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        pre1.post(&path, score.clone()).await.status(),
        StatusCode::FORBIDDEN
    );
    let (status, scored) = status_and_json(qa.post(&path, score.clone()).await).await;
    assert_eq!(status, StatusCode::OK, "{scored}");
    assert_eq!(
        (scored["status"].as_str(), scored["score"].as_f64()),
        (Some("scored"), Some(80.0))
    );
    assert_eq!(scored["inspector_name"], "质检·林");

    // The agent sees it and appeals, once; a colleague cannot.
    let mine: Value = pre1.get_json("/api/v1/qa/mine").await;
    assert_eq!(mine["reviews"].as_array().map(Vec::len), Some(1));
    assert_eq!(mine["reviews"][0]["comments"][0]["text"], "禁用语：不知道");
    let appeal = format!("/api/v1/qa/reviews/{id}/appeal");
    let reason = json!({"text": "买家问的是未上架商品，确实没有信息"});
    assert_eq!(
        pre2.post(&appeal, reason.clone()).await.status(),
        StatusCode::NOT_FOUND
    );
    let (status, body) = status_and_json(pre1.post(&appeal, json!({"text": " "})).await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_qa_review"))
    );
    let (status, appealed) = status_and_json(pre1.post(&appeal, reason.clone()).await).await;
    assert_eq!(
        (status, appealed["status"].as_str()),
        (StatusCode::OK, Some("appealed"))
    );
    let (status, body) = status_and_json(pre1.post(&appeal, reason).await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("qa_review_closed"))
    );
    assert_eq!(
        qa.post(&path, score).await.status(),
        StatusCode::CONFLICT,
        "no rescoring under appeal"
    );

    // The supervisor's queue and decision, audited.
    let queue: Value = lead.get_json("/api/v1/qa/reviews?status=appealed").await;
    assert_eq!(queue["reviews"].as_array().map(Vec::len), Some(1));
    let decide = format!("/api/v1/qa/reviews/{id}/decide");
    assert_eq!(
        qa.post(&decide, json!({"decision": "x"})).await.status(),
        StatusCode::FORBIDDEN
    );
    let (status, body) = status_and_json(
        lead.post(&decide, json!({"decision": "改判", "score": 120}))
            .await,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_qa_review"))
    );
    let (status, decided) = status_and_json(
        lead.post(
            &decide,
            json!({"decision": "申诉成立，禁用词扣分撤销", "score": 90}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    assert_eq!(
        (decided["status"].as_str(), decided["final_score"].as_f64()),
        (Some("decided"), Some(90.0))
    );
    assert_eq!(decided["score"], 80.0);
    assert_eq!(
        lead.post(&decide, json!({"decision": "again"}))
            .await
            .status(),
        StatusCode::CONFLICT
    );
    let audit: Value = admin
        .get_json("/api/v1/audit?action=qa_review.decide")
        .await;
    assert_eq!(audit["entries"][0]["detail"]["final_score"], 90.0);

    // The QA score joins the scorecard when the shop says so.
    let mut rules: Value = admin.get_json("/api/v1/kpi/rules").await["rules"].clone();
    rules["satisfaction"] = json!("qa");
    assert_eq!(
        put(&admin, "/api/v1/kpi/rules", rules).await,
        StatusCode::OK
    );
    let report: Value = lead
        .get_json(&format!("/api/v1/kpi/scorecards?from={day}&to={day}"))
        .await;
    let xiaoyu = card(&report, "售前·小雨");
    assert_eq!(
        (xiaoyu["qa_score"].as_f64(), xiaoyu["qa_reviews"].as_i64()),
        (Some(90.0), Some(1))
    );
    let qa_part = xiaoyu["scorecard"]["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["metric"] == "qa_score")
        .unwrap();
    assert_eq!(
        (qa_part["value"].as_f64(), qa_part["standing"].as_str()),
        (Some(90.0), Some("excellent"))
    );

    // The rubric is the shop's to edit, and checked.
    let mut rubric: Value = lead.get_json("/api/v1/qa/rubric").await["rubric"].clone();
    rubric["items"][0]["points"] = json!(0);
    let (status, body) = status_and_json(
        lead.http
            .put(format!("{}/api/v1/qa/rubric", lead.base))
            .bearer_auth(&lead.token)
            .json(&rubric)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_qa_rubric"))
    );
    rubric["items"][0]["points"] = json!(15);
    rubric["forbidden_words"] = json!(["亲自己看"]);
    assert_eq!(
        put(&lead, "/api/v1/qa/rubric", rubric).await,
        StatusCode::OK
    );
    assert_eq!(
        put(&pre1, "/api/v1/qa/rubric", json!({})).await,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_month_over_is_ranked_and_kept() {
    let (app, admin, secret) = stocked().await;
    let lead = app.agent("tea-lead").await;
    let pre1 = app.agent("tea-pre1").await;
    let pre2 = app.agent("tea-pre2").await;
    served(&app, &secret, "m-a", "shop_home", &pre1, &["在的"]).await;
    served(&app, &secret, "m-b", "shop_home", &pre2, &["在的"]).await;
    refresh(&lead).await;
    let this_month: Value = lead.get_json("/api/v1/kpi/rankings").await;
    assert_eq!(this_month["kept"], false);
    let pre_sales = this_month["teams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["team"] == "pre_sales")
        .unwrap();
    let entries = pre_sales["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(
        (
            entries[0]["rank"].as_i64(),
            entries[0]["top_decile"].as_bool()
        ),
        (Some(1), Some(true))
    );

    // Move the log back 40 days: last month's (or the one before's) ranking is kept once read,
    // and stays as it was even when the rollups go.
    app.tamper("UPDATE conversation_events SET at = at - 3456000000")
        .await;
    let now =
        chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai) - chrono::Duration::days(40);
    let (month, day) = (
        now.format("%Y-%m").to_string(),
        now.format("%Y-%m-%d").to_string(),
    );
    let rebuilt = admin
        .post("/api/v1/kpi/rebuild", json!({"from": day, "to": day}))
        .await;
    assert_eq!(rebuilt.status(), StatusCode::OK);
    let kept: Value = lead
        .get_json(&format!("/api/v1/kpi/rankings?month={month}"))
        .await;
    assert_eq!(kept["kept"], true, "{kept}");
    app.tamper("DELETE FROM kpi_daily").await;
    let again: Value = lead
        .get_json(&format!("/api/v1/kpi/rankings?month={month}"))
        .await;
    assert_eq!(again["teams"], kept["teams"]);
    assert_eq!(
        pre1.get("/api/v1/kpi/rankings").await.status(),
        StatusCode::FORBIDDEN
    );
    let (status, body) =
        status_and_json(lead.get("/api/v1/kpi/rankings?month=2026-13").await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_range"))
    );
}

#[tokio::test]
async fn a_break_is_not_the_buyers_wait_where_the_team_counts_office_time() {
    let (app, admin, secret) = stocked().await;
    let lead = app.agent("tea-lead").await;
    let pre1 = app.agent("tea-pre1").await;
    let office_time =
        json!({"name": "售前", "response_target_seconds": 30, "office_hours_only": true});
    assert_eq!(
        put(&lead, "/api/v1/teams/pre_sales", office_time).await,
        StatusCode::OK
    );
    let (_, c) = served(&app, &secret, "m-break", "shop_home", &pre1, &[]).await;
    let summary: Value = pre1.get_json(&format!("/api/v1/conversations/{c}")).await;
    assert_eq!(summary["team"], "pre_sales");

    // 小雨 takes a break before answering; back, she answers: the break is not the wait.
    let status = |body: Value| put(&pre1, "/api/v1/me/status", body);
    assert_eq!(
        status(json!({"status": "away", "reason": "午饭", "minutes": 5})).await,
        StatusCode::OK
    );
    tokio::time::sleep(std::time::Duration::from_millis(2_000)).await;
    assert_eq!(status(json!({"status": "online"})).await, StatusCode::OK);
    assert!(
        pre1.reply(&c, "late", "久等了，有货的")
            .await
            .status()
            .is_success()
    );

    refresh(&lead).await;
    let day = today();
    let report: Value = lead
        .get_json(&format!("/api/v1/kpi/scorecards?from={day}&to={day}"))
        .await;
    let waited = card(&report, "售前·小雨")["metrics"]["first_response_avg_s"]
        .as_f64()
        .unwrap();
    assert!(waited < 1.5, "the two seconds of break count: {waited}");

    // Counted in clock time, the break is the buyer's wait too.
    let clock = json!({"name": "售前", "response_target_seconds": 30, "office_hours_only": false});
    assert_eq!(
        put(&lead, "/api/v1/teams/pre_sales", clock).await,
        StatusCode::OK
    );
    let rebuilt = lead
        .post("/api/v1/kpi/rebuild", json!({"from": day, "to": day}))
        .await;
    assert_eq!(
        rebuilt.status(),
        StatusCode::FORBIDDEN,
        "a supervisor may not rebuild"
    );
    let rebuilt = admin
        .post("/api/v1/kpi/rebuild", json!({"from": day, "to": day}))
        .await;
    assert_eq!(rebuilt.status(), StatusCode::OK);
    let report: Value = lead
        .get_json(&format!("/api/v1/kpi/scorecards?from={day}&to={day}"))
        .await;
    let waited = card(&report, "售前·小雨")["metrics"]["first_response_avg_s"]
        .as_f64()
        .unwrap();
    assert!(waited >= 2.0, "{waited}");
}
