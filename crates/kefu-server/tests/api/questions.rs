//! Question mining over HTTP (issue #19, DATA-5): buyers' questions become topics by week and
//! product, with their trend and examples; a topic goes to the robot's review queue, or to a
//! product's owner as a problem the owner is told of, fixes, and follows before and after.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::commerce::{in_an_hour, sign, stocked};
use crate::helpers::TestApp;
use crate::kpi::today;

/// A buyer who came from `product`'s page (or the shop's home page) asks `text`; the
/// conversation's id.
async fn asks(
    app: &TestApp,
    secret: &str,
    member: &str,
    product: Option<&str>,
    text: &str,
) -> String {
    let claims = match product {
        Some(code) => {
            json!({"sub": member, "entry": "product_page", "product_code": code, "exp": in_an_hour()})
        }
        None => json!({"sub": member, "entry": "shop_home", "exp": in_an_hour()}),
    };
    let buyer = app
        .buyer_with(json!({"shop": "shanye-tea", "entry": sign(secret, claims)}))
        .await;
    assert!(buyer.send("q1", text).await.status().is_success());
    buyer.messages().await[0]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn topic<'a>(report: &'a Value, label: &str) -> &'a Value {
    report["topics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["label"] == label)
        .unwrap_or_else(|| panic!("no topic {label} in {report}"))
}

#[tokio::test]
async fn questions_become_topics_sent_to_the_robot_and_upstream_and_followed_after_a_fix() {
    let (app, _admin, secret) = stocked().await;
    let lead = app.agent("tea-lead").await;
    let owner = app.agent("tea-pre1").await;
    let bystander = app.agent("tea-after1").await;
    // This week: three ask when it ships (two about the tea), two how to brew it, one greets.
    let shipping = asks(&app, &secret, "m-q1", Some("TEA-1"), "什么时候发货").await;
    let soon = asks(&app, &secret, "m-q2", Some("TEA-1"), "几天能发货呀").await;
    asks(&app, &secret, "m-q3", None, "发货要多久").await;
    let brewing = asks(&app, &secret, "m-q4", Some("TEA-1"), "这款茶怎么冲泡").await;
    asks(&app, &secret, "m-q5", Some("TEA-1"), "这茶怎么冲泡好喝").await;
    asks(&app, &secret, "m-q6", None, "你好").await;
    // Two weeks ago, the first two buyers' questions had been asked too, and the brewing
    // one once (too few for a topic then).
    app.tamper(&format!(
        "INSERT INTO conversation_events (tenant_id, conversation_id, kind, actor_kind, actor_id, \
         message_seq, data, at) SELECT tenant_id, conversation_id, kind, actor_kind, actor_id, \
         message_seq, data, at - 1209600000 FROM conversation_events \
         WHERE conversation_id IN ('{shipping}', '{soon}', '{brewing}') \
         AND kind = 'buyer_message' ORDER BY id"
    ))
    .await;

    // Mined now: the current week and the weeks never mined before it.
    let mined: Value = lead
        .post("/api/v1/questions/mine", json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mined["weeks"].as_array().map(Vec::len), Some(8), "{mined}");
    assert_eq!(
        mined["topics"], 2,
        "shipping and brewing; a greeting is no topic"
    );
    let report: Value = lead.get_json("/api/v1/questions/topics?weeks=4").await;
    assert_eq!(report["weeks"].as_array().map(Vec::len), Some(4));
    assert!(report["mined_at"].as_i64().is_some());
    let ships = topic(&report, "什么时候发货");
    assert_eq!(
        (ships["count"].as_i64(), ships["previous"].as_i64()),
        (Some(3), Some(0))
    );
    let weeks: Vec<i64> = ships["weeks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["asked"].as_i64().unwrap())
        .collect();
    assert_eq!(weeks, vec![0, 2, 0, 3], "two weeks ago, and now");
    // The rates' denominators count everyone who asked something (the demo's buyers too).
    assert!(ships["weeks"][3]["total"].as_i64().unwrap() >= 5);
    assert_eq!(ships["keywords"][0], "发货");
    let brews = topic(&report, "这款茶怎么冲泡");
    assert_eq!(
        (brews["count"].as_i64(), brews["trend"].as_str()),
        (Some(2), Some("new"))
    );
    let position = |label: &str| {
        report["topics"]
            .as_array()
            .unwrap()
            .iter()
            .position(|t| t["label"] == label)
    };
    assert!(
        position("什么时候发货") < position("这款茶怎么冲泡"),
        "the most asked first"
    );
    let tea_line = report["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "TEA-1")
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(
        (tea_line["title"].as_str(), tea_line["asked"].as_i64()),
        (Some("明前龙井"), Some(7))
    );
    // One product's buyers only: two of three then, two of four now.
    let tea: Value = lead
        .get_json("/api/v1/questions/topics?weeks=4&product=TEA-1")
        .await;
    let tea_ships = topic(&tea, "什么时候发货");
    let counts: Vec<(i64, i64)> = tea_ships["weeks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["asked"].as_i64().unwrap(), w["total"].as_i64().unwrap()))
        .collect();
    assert_eq!(counts, vec![(0, 0), (2, 3), (0, 0), (2, 4)]);
    assert_eq!(
        tea_ships["trend"], "steady",
        "a half now against two thirds before"
    );

    // A topic's examples open their conversations.
    let id = ships["id"].as_str().unwrap().to_owned();
    let detail: Value = lead
        .get_json(&format!("/api/v1/questions/topics/{id}?weeks=4"))
        .await;
    let examples = detail["examples"].as_array().unwrap();
    assert!(
        examples
            .iter()
            .any(|e| e["conversation_id"] == shipping.as_str()
                && e["text"] == "什么时候发货"
                && e["product_code"] == "TEA-1")
    );
    assert!(
        examples
            .iter()
            .any(|e| e["text"] == "发货要多久" && e["product_code"].is_null())
    );
    let products: Vec<(&str, i64)> = detail["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["code"].as_str().unwrap(), p["asked"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        products,
        vec![("TEA-1", 4), ("", 1)],
        "this week's and two weeks ago's"
    );

    // To the robot's review queue, once, for those who keep the knowledge base.
    assert_eq!(
        owner
            .post(&format!("/api/v1/questions/topics/{id}/robot"), json!({}))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let proposed: Value = lead
        .post(&format!("/api/v1/questions/topics/{id}/robot"), json!({}))
        .await
        .json()
        .await
        .unwrap();
    let again: Value = lead
        .post(&format!("/api/v1/questions/topics/{id}/robot"), json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again, proposed, "one proposal while it waits for review");
    let proposals: Value = lead.get_json("/api/v1/robot/proposals").await;
    let proposal = proposals
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == proposed["proposal_id"])
        .unwrap_or_else(|| panic!("{proposals}"));
    assert_eq!(proposal["question"], "什么时候发货");
    assert!(
        proposal["similar"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "发货要多久")
    );
    let report: Value = lead.get_json("/api/v1/questions/topics?weeks=4").await;
    assert_eq!(
        topic(&report, "什么时候发货")["proposal_id"],
        proposed["proposal_id"]
    );

    // To the product's owner as a problem: the owner is told, nobody else.
    let brew_id = brews["id"].as_str().unwrap().to_owned();
    let mut owner_socket = owner.socket().await;
    let mut lead_socket = lead.socket().await;
    let sent = lead
        .post(
            &format!("/api/v1/questions/topics/{brew_id}/problems"),
            json!({"owner_id": owner.user_id, "product_code": "TEA-1", "note": "出一个冲泡视频"}),
        )
        .await;
    assert_eq!(sent.status(), StatusCode::OK);
    let problem: Value = sent.json().await.unwrap();
    assert_eq!(
        (
            problem["status"].as_str(),
            problem["owner_name"].as_str(),
            problem["topic_label"].as_str()
        ),
        (Some("open"), Some("售前·小雨"), Some("这款茶怎么冲泡"))
    );
    assert_eq!(problem["product_title"], "明前龙井");
    assert!(problem["before_after"].is_null());
    let notice = owner_socket.next_of("notice").await;
    assert_eq!(notice["notice"]["kind"], "problem");
    assert_eq!(
        notice["notice"]["link"],
        format!(
            "/agent/questions?tab=problems&problem={}",
            problem["id"].as_str().unwrap()
        )
    );
    let heard: Vec<Value> = lead_socket.drain(Duration::from_millis(500)).await;
    assert!(heard.iter().all(|f| f["type"] != "notice"), "{heard:?}");
    let report: Value = lead.get_json("/api/v1/questions/topics?weeks=4").await;
    assert_eq!(topic(&report, "这款茶怎么冲泡")["open_problems"], 1);

    // The owner sees it without reading reports and fixes it; others may not.
    let theirs: Value = owner.get_json("/api/v1/questions/problems").await;
    assert_eq!(theirs.as_array().map(Vec::len), Some(1));
    let none: Value = bystander.get_json("/api/v1/questions/problems").await;
    assert_eq!(none, json!([]));
    let problem_id = problem["id"].as_str().unwrap();
    let fix = format!("/api/v1/questions/problems/{problem_id}/fix");
    assert_eq!(
        bystander
            .put(&fix, json!({"fixed_on": today()}))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let future = owner.put(&fix, json!({"fixed_on": "2999-01-01"})).await;
    assert_eq!(future.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        future.json::<Value>().await.unwrap()["code"],
        "invalid_problem"
    );
    let fixed: Value = owner
        .put(&fix, json!({"fixed_on": today()}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(fixed["status"], "fixed");
    assert_eq!(fixed["fixed_on"], today().as_str());
    assert_eq!(fixed["before_after"]["fixed_on"], today().as_str());
    assert!(fixed["weeks"].as_array().is_some_and(|w| !w.is_empty()));
    let open: Value = lead
        .get_json("/api/v1/questions/problems?status=open")
        .await;
    assert_eq!(open, json!([]));
    let reopened: Value = lead
        .put(&fix, json!({"fixed_on": null}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            reopened["status"].as_str(),
            reopened["before_after"].is_null()
        ),
        (Some("open"), true)
    );

    // Bad input: clear errors, nothing stored.
    for (path, body, code) in [
        (
            format!("/api/v1/questions/topics/{brew_id}/problems"),
            json!({"owner_id": owner.user_id, "note": "长".repeat(1001)}),
            "invalid_problem",
        ),
        (
            format!("/api/v1/questions/topics/{brew_id}/problems"),
            json!({"owner_id": app.agent("digital-lead").await.user_id}),
            "invalid_problem",
        ),
        (
            format!("/api/v1/questions/topics/{brew_id}/problems"),
            json!({"owner_id": owner.user_id, "product_code": "NOPE"}),
            "product_not_found",
        ),
        (
            format!("/api/v1/questions/topics/{}/problems", uuid::Uuid::nil()),
            json!({"owner_id": owner.user_id}),
            "topic_not_found",
        ),
    ] {
        let response = lead.post(&path, body).await;
        assert_eq!(
            response.json::<Value>().await.unwrap()["code"],
            code,
            "{path}"
        );
    }
    let problems: Value = lead.get_json("/api/v1/questions/problems").await;
    assert_eq!(problems.as_array().map(Vec::len), Some(1));
    assert_eq!(
        lead.get("/api/v1/questions/topics?weeks=27").await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        lead.get("/api/v1/questions/problems?status=lost")
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        owner.get("/api/v1/questions/topics").await.status(),
        StatusCode::FORBIDDEN
    );
    // Another shop sees none of it.
    let other = app.agent("digital-lead").await;
    let missing = other.get(&format!("/api/v1/questions/topics/{id}")).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        other.get_json("/api/v1/questions/problems").await,
        json!([])
    );
    let theirs: Value = other.get_json("/api/v1/questions/topics").await;
    assert_eq!(theirs["topics"], json!([]));
}
