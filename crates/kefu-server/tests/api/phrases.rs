//! Quick phrases over HTTP (WB-3, issue #17): the shop's, a team's and an agent's own, who
//! may write which, search by shortcut and pinyin initials, variables filled from the
//! conversation, usage counts, and another shop seeing none of them.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::commerce::{in_an_hour, sign, stocked};
use crate::helpers::AgentClient;

async fn add(agent: &AgentClient, body: Value) -> (StatusCode, Value) {
    let response = agent.post("/api/v1/phrases", body).await;
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn texts(agent: &AgentClient, query: &str) -> Vec<String> {
    let list: Value = agent.get_json(&format!("/api/v1/phrases?{query}")).await;
    list["phrases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["text"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn phrases_by_scope_with_variables_filled_from_the_conversation() {
    let (app, _, secret) = stocked().await;
    let admin = app.agent("tea-admin").await;
    let after = app.agent("tea-after1").await;
    let pre = app.agent("tea-pre1").await;

    // The shop's (a supervisor writes them), the after-sales team's, and an agent's own.
    let (status, shop) = add(
        &admin,
        json!({"scope": "shop", "category": "物流", "shortcut": "wl", "text": "{买家}您好，订单{订单号}已由{客服}为您催促发货～"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{shop}");
    let (status, _) = add(
        &admin,
        json!({"scope": "team", "team": "after_sales", "text": "退款1-3个工作日原路退回"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, own) = add(
        &after,
        json!({"scope": "personal", "text": "亲，发货后请留意物流信息哦"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{own}");
    // Agents write only their own; a team's phrase names its team; bad input has its code.
    let (status, refused) = add(&after, json!({"scope": "shop", "text": "x"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    let (status, bad) = add(&admin, json!({"scope": "team", "text": "x"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(bad["code"], "invalid_phrase");

    // Each sees the shop's, their team's and their own.
    assert_eq!(texts(&after, "").await.len(), 3);
    assert_eq!(
        texts(&pre, "").await.len(),
        1,
        "not after-sales' nor another's own"
    );
    // By shortcut, by pinyin initials (fh: 发货), by text.
    assert_eq!(
        texts(&after, "q=wl").await[0],
        shop["text"].as_str().unwrap()
    );
    assert_eq!(
        texts(&after, "q=fh").await,
        [
            "{买家}您好，订单{订单号}已由{客服}为您催促发货～",
            "亲，发货后请留意物流信息哦"
        ]
    );
    assert_eq!(texts(&after, "q=原路").await, ["退款1-3个工作日原路退回"]);

    // Filled from an order card's conversation: the buyer, the order, the agent.
    let link = sign(
        &secret,
        json!({"sub": "m-wang", "name": "王先生", "entry": "order_card", "order_no": "T100", "exp": in_an_hour()}),
    );
    let buyer = app
        .buyer_with(json!({"shop": "shanye-tea", "entry": link}))
        .await;
    let conversation = buyer.session["conversation_id"].as_str().unwrap();
    let list: Value = after
        .get_json(&format!("/api/v1/phrases?q=wl&conversation={conversation}"))
        .await;
    let filled = &list["phrases"][0]["filled"];
    assert_eq!(
        filled["text"], "王先生您好，订单T100已由售后·晓峰为您催促发货～",
        "{list}"
    );
    assert_eq!(filled["missing"], json!([]));
    assert_eq!(list["phrases"][0]["editable"], false);

    // Sent twice: most used first.
    let id = shop["id"].as_str().unwrap();
    for _ in 0..2 {
        let used = after
            .post(&format!("/api/v1/phrases/{id}/used"), json!({}))
            .await;
        assert_eq!(used.status(), StatusCode::NO_CONTENT);
    }
    assert_eq!(texts(&after, "").await[0], shop["text"].as_str().unwrap());

    // Only its owner edits an agent's own; a supervisor edits the shop's.
    let own_id = own["id"].as_str().unwrap();
    let edit = |agent: &AgentClient, id: &str, text: &str| {
        let request = agent
            .http
            .put(format!("{}/api/v1/phrases/{id}", agent.base))
            .bearer_auth(&agent.token)
            .json(&json!({"scope": "personal", "text": text}));
        async move { request.send().await.unwrap().status() }
    };
    assert_eq!(edit(&pre, own_id, "改").await, StatusCode::NOT_FOUND);
    assert_eq!(edit(&after, own_id, "亲，已发货").await, StatusCode::OK);
    assert_eq!(edit(&after, id, "改").await, StatusCode::FORBIDDEN);
    assert_eq!(edit(&admin, id, "您好，{买家}").await, StatusCode::OK);
    let still_shop: Value = admin.get_json("/api/v1/phrases?view=all&q=您好").await;
    assert_eq!(still_shop["phrases"][0]["scope"], "shop", "the scope stays");
    // The phrases page lists every phrase to a supervisor, not to an agent.
    assert_eq!(
        after.get("/api/v1/phrases?view=all").await.status(),
        StatusCode::FORBIDDEN
    );
    let gone = after
        .http
        .delete(format!("{}/api/v1/phrases/{own_id}", after.base))
        .bearer_auth(&after.token)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    assert_eq!(texts(&after, "").await.len(), 2);

    // Another shop sees none of them.
    let other = app.agent("digital-admin").await;
    assert!(texts(&other, "").await.is_empty());
    assert_eq!(
        other
            .post(&format!("/api/v1/phrases/{id}/used"), json!({}))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

/// WB-3: the shop's and teams' phrases go out as CSV and come back in; a repeated import
/// changes nothing, a changed shortcut updates the phrase, and agents' own phrases are theirs.
#[tokio::test]
async fn phrases_export_as_csv_and_import_back() {
    let (app, _, _) = stocked().await;
    let admin = app.agent("tea-admin").await;
    let agent = app.agent("tea-pre1").await;
    let (status, _) = add(
        &admin,
        json!({"scope": "team", "team": "after_sales", "category": "售后", "shortcut": "tk", "text": "退款1-3个工作日原路退回"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = add(&agent, json!({"scope": "personal", "text": "我的私人话术"})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        agent.get("/api/v1/phrases/export").await.status(),
        StatusCode::FORBIDDEN
    );
    let exported = admin.get("/api/v1/phrases/export").await;
    assert_eq!(exported.status(), StatusCode::OK);
    assert!(
        exported.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = exported.text().await.unwrap();
    assert!(csv.starts_with('\u{feff}'), "a byte-order mark for Excel");
    assert!(
        csv.contains("退款1-3个工作日原路退回,team,after_sales,售后,tk,0"),
        "{csv}"
    );
    assert!(!csv.contains("我的私人话术"), "agents' own stay theirs");

    let import = |body: String| {
        let admin = &admin;
        async move {
            let (status, report) =
                crate::robot::import_file(admin, "phrases", &body, "text/csv").await;
            assert_eq!(status, StatusCode::OK);
            report
        }
    };
    let again = import(csv.clone()).await;
    assert_eq!(
        (again["created"].as_u64(), again["updated"].as_u64()),
        (Some(0), Some(0)),
        "{again}"
    );
    let changed = csv.replace(",售后,tk,", ",售后,tuikuan,")
        + "亲，{订单号}已加急,全店,,物流,jj,\n我自己的,personal,,,,\n";
    let report = import(changed).await;
    assert_eq!(
        (
            report["created"].as_u64(),
            report["updated"].as_u64(),
            report["rejected"].as_u64()
        ),
        (Some(1), Some(1), Some(1)),
        "{report}"
    );
    assert_eq!(report["rejections"][0]["code"], "invalid_phrase");
    assert_eq!(texts(&agent, "q=jj").await, ["亲，{订单号}已加急"]);
    let after = texts(&app.agent("tea-after1").await, "q=tuikuan").await;
    assert_eq!(after, ["退款1-3个工作日原路退回"]);
}

/// WB-3: a phrase may carry one of the shop's pictures and one of its products; anything else
/// is refused.
#[tokio::test]
async fn a_phrase_carries_the_shops_own_picture_and_product() {
    let (app, _, _) = stocked().await;
    let admin = app.agent("tea-admin").await;
    let part =
        reqwest::multipart::Part::bytes(crate::attachments::PNG.to_vec()).file_name("tea.png");
    let uploaded: Value = admin
        .http
        .post(format!("{}/api/v1/attachments", admin.base))
        .bearer_auth(&admin.token)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let picture = uploaded["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{uploaded}"));
    let (status, saved) = add(
        &admin,
        json!({"scope": "shop", "text": "这是实拍图和商品链接", "image": picture, "product_code": "TEA-1"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    assert_eq!(
        (saved["image"].as_str(), saved["product_code"].as_str()),
        (Some(picture), Some("TEA-1"))
    );
    let (status, refused) = add(
        &admin,
        json!({"scope": "shop", "text": "x", "image": uuid::Uuid::new_v4()}),
    )
    .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("attachment_not_found"))
    );
    let (status, refused) = add(
        &admin,
        json!({"scope": "shop", "text": "x", "product_code": "NOPE"}),
    )
    .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("product_not_found"))
    );
}
