//! Issue #3, commerce context (CH-2, CH-5, CH-6): imports, upserts, signed entry links,
//! cards, the agent's panel, partner handoffs.

use jsonwebtoken::{EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{AgentClient, TestApp};

const PRODUCTS: &str = "\
product_code,title,category,sku_code,sku_name,price,stock,partner_name,partner_url,partner_shared
TEA-1,明前龙井,绿茶,TEA-1-250,250g 罐装,128.00,20,,,
TEA-1,明前龙井,绿茶,TEA-1-500,500g 礼盒,239.00,5,,,
TOUR-1,茶园一日游,体验,TOUR-1-A,成人票,99,100,携程,https://partner.example/ctrip,order_no;items;buyer_name;phone
BAD-1,,绿茶,BAD-1-1,默认,12,1,,,
BAD-2,坏价格,绿茶,BAD-2-1,默认,12.345,1,,,
";

const ORDERS: &str = "\
order_no,buyer_id,buyer_name,placed_at,payment_status,shipping_status,after_sale_status,logistics_company,tracking_no,product_code,sku_code,item_title,quantity,unit_price,收货人,收货人电话,收货地址
T100,m-wang,王先生,2026-11-18 09:30:00,paid,in_transit,,顺丰速运,SF1452367788,TEA-1,TEA-1-250,明前龙井 250g 罐装,2,128,王小明,13812345678,浙江省杭州市西湖区文三路 100 号
T100,m-wang,王先生,2026-11-18 09:30:00,paid,in_transit,,顺丰速运,SF1452367788,TEA-1,TEA-1-500,明前龙井 500g 礼盒,1,239,王小明,13812345678,浙江省杭州市西湖区文三路 100 号
T101,m-wang,王先生,2026-11-19 10:00:00,paid,unshipped,,,,TOUR-1,TOUR-1-A,茶园一日游 成人票,2,99,王小明,13812345678,浙江省杭州市西湖区文三路 100 号
T200,m-chen,陈女士,2026-11-15 20:00:00,paid,delivered,requested,中通快递,ZT7788,TEA-1,TEA-1-250,明前龙井 250g 罐装,1,128,,,
T300,m-li,,not a time,paid,delivered,,,,TEA-1,TEA-1-250,明前龙井,1,128,,,
";

async fn import(agent: &AgentClient, kind: &str, body: &str) -> (StatusCode, Value) {
    let response = agent
        .http
        .post(format!("{}/api/v1/imports/{kind}", agent.base))
        .bearer_auth(&agent.token)
        .header("content-type", "text/csv")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

/// The tea shop with the fixture catalogue and orders, and its identity secret.
pub async fn stocked() -> (TestApp, AgentClient, String) {
    let app = TestApp::spawn().await;
    let admin = app.agent("tea-admin").await;
    let (status, report) = import(&admin, "products", PRODUCTS).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let (status, report) = import(&admin, "orders", ORDERS).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let secret = app.identity_secret("shanye-tea").await;
    (app, admin, secret)
}

pub fn sign(secret: &str, claims: Value) -> String {
    jsonwebtoken::encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

pub fn in_an_hour() -> i64 {
    kefu_domain::time::now_ms() / 1000 + 3600
}

async fn session(app: &TestApp, body: Value) -> (StatusCode, Value) {
    let response = app
        .http
        .post(app.url("/api/v1/buyer/session"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn imports_report_bad_rows_by_line_and_repeat_idempotently() {
    let app = TestApp::spawn().await;
    let admin = app.agent("tea-admin").await;
    let (status, report) = import(&admin, "products", PRODUCTS).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(report["rows"], 5);
    assert_eq!(report["accepted"], 2, "TEA-1 (two SKUs) and TOUR-1");
    assert_eq!(report["created"], 2);
    assert_eq!(report["rejected"], 2);
    let lines: Vec<(i64, &str)> = report["rejections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["line"].as_i64().unwrap(), r["code"].as_str().unwrap()))
        .collect();
    assert_eq!(lines, [(5, "missing_field"), (6, "bad_amount")]);

    let (_, again) = import(&admin, "products", PRODUCTS).await;
    assert_eq!(
        (&again["created"], &again["updated"], &again["unchanged"]),
        (&json!(0), &json!(0), &json!(2)),
        "a repeated import changes nothing"
    );

    let (_, orders) = import(&admin, "orders", ORDERS).await;
    assert_eq!(orders["accepted"], 3);
    assert_eq!(orders["rejections"][0]["line"], 6);
    assert_eq!(orders["rejections"][0]["code"], "bad_time");
    let order: Value = admin.get("/api/v1/orders/T100").await.json().await.unwrap();
    assert_eq!(order["items"].as_array().unwrap().len(), 2);
    assert_eq!(order["total_fen"], 2 * 12_800 + 23_900);
    assert_eq!(order["shipping_status"], "in_transit");
    assert_eq!(order["tracking_no"], "SF1452367788");
    let tour: Value = admin.get("/api/v1/orders/T101").await.json().await.unwrap();
    assert_eq!(tour["partner"]["name"], "携程", "CH-5");
    assert_eq!(
        admin.get("/api/v1/orders/T300").await.status(),
        StatusCode::NOT_FOUND,
        "a refused row stores nothing"
    );

    // A broken file changes nothing that is stored.
    let (_, broken) = import(&admin, "orders", "order_no,buyer_id\nT100,someone-else\n").await;
    assert_eq!(broken["rejections"][0]["code"], "missing_column");
    let order: Value = admin.get("/api/v1/orders/T100").await.json().await.unwrap();
    assert_eq!(order["buyer_id"], "m-wang");

    // Neither UTF-8 nor GBK (GBK itself is read: see the workbook test below): a clear error.
    let binary = admin
        .http
        .post(format!("{}/api/v1/imports/orders", admin.base))
        .bearer_auth(&admin.token)
        .body(vec![0xFFu8, 0xFE, 0xFF, 0x00, 0x81])
        .send()
        .await
        .unwrap();
    assert_eq!(binary.status(), StatusCode::BAD_REQUEST);
    let body: Value = binary.json().await.unwrap();
    assert_eq!(body["code"], "not_utf8");
}

#[tokio::test]
async fn only_managers_import_or_upsert_and_only_into_their_own_shop() {
    let (app, _, _) = stocked().await;
    let agent = app.agent("tea-pre1").await;
    let (status, body) = import(&agent, "orders", ORDERS).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    let qa = app.agent("tea-qa").await;
    assert_eq!(
        import(&qa, "products", PRODUCTS).await.0,
        StatusCode::FORBIDDEN
    );
    // The other shop's supervisor imports into their own shop only.
    let other = app.agent("digital-lead").await;
    let (status, _) = import(&other, "orders", ORDERS).await;
    assert_eq!(status, StatusCode::OK);
    let tea = app.agent("tea-pre1").await;
    let order: Value = tea.get("/api/v1/orders/T100").await.json().await.unwrap();
    assert_eq!(order["buyer_id"], "m-wang");
    assert_eq!(
        other.get("/api/v1/products/TEA-1").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_shop_backend_upserts_orders_idempotently() {
    let (_app, admin, _) = stocked().await;
    let put = |body: Value| {
        let admin = &admin;
        async move {
            let response = admin
                .http
                .put(format!("{}/api/v1/orders/T900", admin.base))
                .bearer_auth(&admin.token)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = response.status();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    let mut order = json!({
        "order_no": "T900", "buyer_id": "m-wang", "buyer_name": "王先生",
        "placed_at": 1_795_000_000_000i64,
        "items": [{"product_code": "TEA-1", "sku_code": "TEA-1-250", "title": "明前龙井", "quantity": 1, "unit_price_fen": 12800}],
        "total_fen": 12800, "paid_fen": 12800,
        "payment_status": "paid", "shipping_status": "unshipped"
    });
    assert_eq!(put(order.clone()).await.1["result"], "created");
    assert_eq!(put(order.clone()).await.1["result"], "unchanged");
    order["shipping_status"] = json!("shipped");
    order["logistics_company"] = json!("顺丰速运");
    order["tracking_no"] = json!("SF0001");
    assert_eq!(put(order.clone()).await.1["result"], "updated");
    let stored: Value = admin.get("/api/v1/orders/T900").await.json().await.unwrap();
    assert_eq!(stored["tracking_no"], "SF0001");

    order["paid_fen"] = json!(99_999);
    let (status, body) = put(order.clone()).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_amount"))
    );
    order["paid_fen"] = json!(12800);
    order["payment_status"] = json!("lost");
    assert_eq!(put(order.clone()).await.0, StatusCode::BAD_REQUEST);
    let stored: Value = admin.get("/api/v1/orders/T900").await.json().await.unwrap();
    assert_eq!(
        stored["payment_status"], "paid",
        "a refused upsert changes nothing"
    );
}

#[tokio::test]
async fn an_order_card_entry_opens_chat_with_the_order_for_buyer_and_agent() {
    let (app, _, secret) = stocked().await;
    let link = sign(
        &secret,
        json!({"sub": "m-wang", "name": "王先生", "entry": "order_card", "order_no": "T100", "exp": in_an_hour()}),
    );
    let started = std::time::Instant::now();
    let buyer = app
        .buyer_with(json!({"shop": "shanye-tea", "entry": link}))
        .await;
    let history = buyer.messages().await;
    let jump = started.elapsed();
    assert!(jump.as_millis() < 1_000, "the jump took {jump:?}");
    assert_eq!(buyer.session["entry"], "order_card");
    assert_eq!(buyer.session["context"]["order_no"], "T100");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["kind"], "order_card");
    let card: Value = serde_json::from_str(history[0]["body"].as_str().unwrap()).unwrap();
    assert_eq!(card["order_no"], "T100");
    assert_eq!(card["tracking_no"], "SF1452367788");
    assert_eq!(card["items"].as_array().unwrap().len(), 2);

    // Opening the same link again (a reload) repeats nothing.
    let again = app
        .buyer_with(json!({"shop": "shanye-tea", "entry": link}))
        .await;
    assert_eq!(again.buyer_id, buyer.buyer_id);
    assert_eq!(again.messages().await.len(), 1);

    // The agent's panel shows the order, the buyer's other orders and the history.
    let agent = app.agent("tea-after1").await;
    let conversation = buyer.session["conversation_id"].as_str().unwrap();
    let panel: Value = agent
        .get(&format!("/api/v1/conversations/{conversation}/context"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(panel["entry"], "order_card");
    assert_eq!(panel["member_id"], "m-wang");
    assert_eq!(panel["order"]["order_no"], "T100");
    assert_eq!(panel["order"]["logistics_company"], "顺丰速运");
    // Issue #14: the receiver, masked; never in clear.
    assert_eq!(
        panel["order"]["receiver_masked"],
        json!({"name": "王**", "phone": "138****5678", "address": "浙江省杭州市****"})
    );
    assert!(panel["order"].get("receiver").is_none());
    assert!(!panel.to_string().contains("13812345678"), "{panel}");
    assert!(panel["orders"][0].get("receiver").is_none());
    let orders: Vec<&str> = panel["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["order_no"].as_str().unwrap())
        .collect();
    assert_eq!(orders, ["T101", "T100"], "only this buyer's, newest first");
    assert_eq!(panel["orders"][0]["shop"]["slug"], "shanye-tea");
    assert_eq!(panel["conversations"].as_array().unwrap().len(), 1);
    let events = agent.event_kinds(conversation).await;
    assert_eq!(events[0], "created");

    // Another shop's agent cannot see it.
    let stranger = app.agent("digital-pre1").await;
    assert_eq!(
        stranger
            .get(&format!("/api/v1/conversations/{conversation}/context"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn entry_links_cannot_be_forged_or_point_at_someone_elses_order() {
    let (app, _, secret) = stocked().await;
    let order_link = |sub: &str, order: &str| json!({"sub": sub, "entry": "order_card", "order_no": order, "exp": in_an_hour()});
    let cases = [
        (
            sign("guessed", order_link("m-wang", "T100")),
            StatusCode::BAD_REQUEST,
            "invalid_entry",
        ),
        (
            sign(
                &secret,
                json!({"sub": "m-wang", "entry": "order_card", "order_no": "T100", "exp": 1_000}),
            ),
            StatusCode::BAD_REQUEST,
            "invalid_entry",
        ),
        (
            sign(
                &secret,
                json!({"sub": "m-wang", "entry": "order_card", "order_no": "T100", "exp": in_an_hour() + 30 * 86_400}),
            ),
            StatusCode::BAD_REQUEST,
            "invalid_entry",
        ),
        (
            sign(&secret, order_link("m-chen", "T100")),
            StatusCode::FORBIDDEN,
            "order_not_yours",
        ),
        (
            sign(&secret, order_link("m-wang", "NOPE")),
            StatusCode::NOT_FOUND,
            "order_not_found",
        ),
        (
            sign(
                &secret,
                json!({"entry": "order_card", "order_no": "T100", "exp": in_an_hour()}),
            ),
            StatusCode::BAD_REQUEST,
            "invalid_entry",
        ),
        (
            "not-a-jwt".to_owned(),
            StatusCode::BAD_REQUEST,
            "invalid_entry",
        ),
    ];
    for (token, status, code) in cases {
        let (got, body) = session(&app, json!({"shop": "shanye-tea", "entry": token})).await;
        assert_eq!((got, body["code"].as_str()), (status, Some(code)), "{body}");
    }
    // The other shop's secret does not open this shop's chat.
    let other = app.identity_secret("chaowan-digital").await;
    let (got, _) = session(
        &app,
        json!({"shop": "shanye-tea", "entry": sign(&other, order_link("m-wang", "T100"))}),
    )
    .await;
    assert_eq!(got, StatusCode::BAD_REQUEST);

    // A buyer may send a card of their own order, never of another buyer's.
    let chen = app
        .buyer_with(json!({"shop": "shanye-tea", "entry": sign(&secret, json!({"sub": "m-chen", "entry": "shop_home", "exp": in_an_hour()}))}))
        .await;
    let messages_url = app.url("/api/v1/buyer/messages");
    let send = async |order: &str| {
        let body = json!({"client_msg_id": format!("c-{order}"), "kind": "order_card", "body": json!({"order_no": order}).to_string()});
        chen.http
            .post(&messages_url)
            .bearer_auth(&chen.token)
            .json(&body)
            .send()
            .await
            .unwrap()
    };
    let theirs = send("T100").await;
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND);
    let body: Value = theirs.json().await.unwrap();
    assert_eq!(body["code"], "order_not_found");
    let mine = send("T200").await;
    assert_eq!(mine.status(), StatusCode::CREATED);
    let message: Value = mine.json().await.unwrap();
    let card: Value = serde_json::from_str(message["body"].as_str().unwrap()).unwrap();
    assert_eq!(card["after_sale_status"], "requested");
    // A forged snapshot body is replaced by kefu's own record.
    let forged = chen
        .http
        .post(app.url("/api/v1/buyer/messages"))
        .bearer_auth(&chen.token)
        .json(&json!({"client_msg_id": "forged", "kind": "order_card", "body": json!({"order_no": "T200", "total_fen": 1}).to_string()}))
        .send()
        .await
        .unwrap();
    let forged: Value = forged.json().await.unwrap();
    let card: Value = serde_json::from_str(forged["body"].as_str().unwrap()).unwrap();
    assert_eq!(card["total_fen"], 12_800);
    let orders: Value = chen
        .http
        .get(app.url("/api/v1/buyer/orders"))
        .bearer_auth(&chen.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let numbers: Vec<&str> = orders["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["order_no"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["T200"], "a buyer sees only their own orders");
    let anonymous = app.buyer("shanye-tea").await;
    let none: Value = anonymous
        .http
        .get(app.url("/api/v1/buyer/orders"))
        .bearer_auth(&anonymous.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(none["orders"], json!([]));
}

#[tokio::test]
async fn live_room_and_creator_entries_are_recorded_for_reports() {
    let (app, _, secret) = stocked().await;
    let room = sign(
        &secret,
        json!({"entry": "live_room", "product_code": "TEA-1", "sku_code": "TEA-1-500", "room_id": "r-77", "room_title": "双十一茶叶专场", "exp": in_an_hour()}),
    );
    let buyer = app
        .buyer_with(json!({"shop": "shanye-tea", "entry": room}))
        .await;
    assert_eq!(buyer.session["entry"], "live_room");
    let history = buyer.messages().await;
    assert_eq!(history[0]["kind"], "product_card");
    let card: Value = serde_json::from_str(history[0]["body"].as_str().unwrap()).unwrap();
    assert_eq!(card["sku_name"], "500g 礼盒");
    assert_eq!(card["price_fen"], 23_900);
    assert_eq!(card["room_title"], "双十一茶叶专场");

    // The same buyer later comes from a creator's page: the conversation follows.
    let creator = sign(
        &secret,
        json!({"entry": "creator", "creator_id": "kol-9", "creator_name": "茶艺师小林", "exp": in_an_hour()}),
    );
    let again = app
        .buyer_with(json!({"shop": "shanye-tea", "buyer_token": buyer.token, "entry": creator}))
        .await;
    assert_eq!(again.buyer_id, buyer.buyer_id);
    assert_eq!(again.session["context"]["creator_name"], "茶艺师小林");
    let agent = app.agent("tea-pre1").await;
    let conversation = buyer.session["conversation_id"].as_str().unwrap();
    let events: Value = agent
        .get(&format!("/api/v1/conversations/{conversation}/events"))
        .await
        .json()
        .await
        .unwrap();
    let entered: Vec<(&str, &str)> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "created" || e["kind"] == "entered")
        .map(|e| {
            (
                e["data"]["entry"].as_str().unwrap(),
                e["data"]["context"]["room_id"]
                    .as_str()
                    .or(e["data"]["context"]["creator_id"].as_str())
                    .unwrap(),
            )
        })
        .collect();
    assert_eq!(entered, [("live_room", "r-77"), ("creator", "kol-9")]);
    let (status, body) = session(
        &app,
        json!({"shop": "shanye-tea", "entry": sign(&secret, json!({"entry": "product_page", "product_code": "GONE", "exp": in_an_hour()}))}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("product_not_found"))
    );
}

#[tokio::test]
async fn agents_send_cards_and_hand_partner_orders_over_with_a_deadline() {
    let (app, _, secret) = stocked().await;
    let link = sign(
        &secret,
        json!({"sub": "m-wang", "entry": "order_card", "order_no": "T101", "exp": in_an_hour()}),
    );
    let buyer = app
        .buyer_with(json!({"shop": "shanye-tea", "entry": link}))
        .await;
    let conversation = buyer.session["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let agent = app.agent("tea-after1").await;

    // A card of the buyer's other order, and a product card; never another buyer's order.
    let card = |kind: &str, id: &str, body: Value| json!({"client_msg_id": id, "kind": kind, "body": body.to_string()});
    let path = format!("/api/v1/conversations/{conversation}/messages");
    let sent = agent
        .post(&path, card("order_card", "a1", json!({"order_no": "T100"})))
        .await;
    assert_eq!(sent.status(), StatusCode::CREATED);
    let sent = agent
        .post(
            &path,
            card("product_card", "a2", json!({"product_code": "TEA-1"})),
        )
        .await;
    assert_eq!(sent.status(), StatusCode::CREATED);
    let refused = agent
        .post(&path, card("order_card", "a3", json!({"order_no": "T200"})))
        .await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    let kinds: Vec<String> = buyer
        .messages()
        .await
        .iter()
        .map(|m| m["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, ["order_card", "order_card", "product_card"]);

    // CH-5: the tour is fulfilled by a partner.
    let handoffs = format!("/api/v1/conversations/{conversation}/handoffs");
    let own = agent.post(&handoffs, json!({"order_no": "T100"})).await;
    let body: Value = own.json().await.unwrap();
    assert_eq!(body["code"], "no_partner");
    let case = agent
        .post(
            &handoffs,
            json!({"order_no": "T101", "note": "买家想改日期"}),
        )
        .await;
    assert_eq!(case.status(), StatusCode::CREATED);
    let case: Value = case.json().await.unwrap();
    assert_eq!(case["partner_name"], "携程");
    assert_eq!(case["status"], "open");
    assert_eq!(case["shared"]["order_no"], "T101");
    assert_eq!(case["shared"]["buyer_name"], "王先生");
    assert_eq!(case["shared"]["phone"], "138****5678", "recorded masked");
    assert!(
        case["shared"].get("tracking_no").is_none(),
        "only the listed fields"
    );
    let now = kefu_domain::time::now_ms();
    let due = case["due_at"].as_i64().unwrap();
    assert!(due > now + 3 * 86_400_000 - 60_000 && due <= now + 5 * 86_400_000);
    let twice = agent.post(&handoffs, json!({"order_no": "T101"})).await;
    assert_eq!(twice.status(), StatusCode::CONFLICT);
    let last = buyer.messages().await.pop().unwrap();
    assert_eq!(last["sender_kind"], "system");
    assert!(last["body"].as_str().unwrap().contains("携程"));
    assert!(
        agent
            .event_kinds(&conversation)
            .await
            .contains(&"handed_off".to_owned())
    );
    let panel: Value = agent
        .get(&format!("/api/v1/conversations/{conversation}/context"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(panel["handoffs"][0]["order_no"], "T101");
    assert_eq!(panel["order"]["partner"]["name"], "携程");

    let qa = app.agent("tea-qa").await;
    assert_eq!(
        qa.post(&handoffs, json!({"order_no": "T101"}))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );

    // The tracking list: open cases by due date; closing one records the outcome, once.
    let open: Value = agent.get("/api/v1/handoffs").await.json().await.unwrap();
    assert_eq!(open["handoffs"][0]["id"], case["id"]);
    assert_eq!(open["handoffs"][0]["buyer_name"], "会员wang");
    let id = case["id"].as_str().unwrap();
    let close = format!("/api/v1/handoffs/{id}/close");
    let closed = agent
        .post(&close, json!({"resolution": "携程已改期"}))
        .await;
    assert_eq!(closed.status(), StatusCode::OK);
    let closed: Value = closed.json().await.unwrap();
    assert_eq!(
        (closed["status"].as_str(), closed["resolution"].as_str()),
        (Some("closed"), Some("携程已改期"))
    );
    assert!(closed["closed_at"].is_i64());
    let again = agent.post(&close, json!({})).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let body: Value = again.json().await.unwrap();
    assert_eq!(body["code"], "handoff_closed");
    let open: Value = agent.get("/api/v1/handoffs").await.json().await.unwrap();
    assert_eq!(open["handoffs"], json!([]));
    let all: Value = agent
        .get("/api/v1/handoffs?status=all")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all["handoffs"].as_array().unwrap().len(), 1);
    let stranger = app.agent("digital-lead").await;
    let theirs = stranger.post(&close, json!({})).await;
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND, "ACC-1");
    let body: Value = theirs.json().await.unwrap();
    assert_eq!(body["code"], "handoff_not_found");
}

#[tokio::test]
async fn notes_on_a_buyer_are_shared_by_the_team_and_kept_per_shop() {
    let (app, _, secret) = stocked().await;
    let link = sign(
        &secret,
        json!({"sub": "m-chen", "entry": "shop_home", "exp": in_an_hour()}),
    );
    let buyer = app
        .buyer_with(json!({"shop": "shanye-tea", "entry": link}))
        .await;
    buyer.send("n1", "礼盒破了").await;
    let notes = format!("/api/v1/buyers/{}/notes", buyer.buyer_id);
    let after = app.agent("tea-after1").await;
    let added = after
        .post(&notes, json!({"body": "  老客户，上次补发过一次  "}))
        .await;
    assert_eq!(added.status(), StatusCode::CREATED);
    let added: Value = added.json().await.unwrap();
    assert_eq!(added["body"], "老客户，上次补发过一次");
    assert_eq!(added["author_name"], "售后·晓峰");
    let long = "长".repeat(1_001);
    for (body, code) in [("   ", "note_empty"), (long.as_str(), "note_too_long")] {
        let refused: Value = after
            .post(&notes, json!({"body": body}))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(refused["code"], code);
    }
    // A colleague sees it, in the list and in the panel.
    let pre = app.agent("tea-pre1").await;
    let listed: Value = pre.get(&notes).await.json().await.unwrap();
    assert_eq!(listed["notes"].as_array().unwrap().len(), 1);
    let conversation = pre
        .conversations("open")
        .await
        .into_iter()
        .find(|c| c["buyer_id"] == buyer.buyer_id.to_string())
        .unwrap();
    let panel: Value = pre
        .get(&format!(
            "/api/v1/conversations/{}/context",
            conversation["id"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(panel["notes"][0]["body"], "老客户，上次补发过一次");
    // QA reads but does not write; another shop sees nothing.
    let qa = app.agent("tea-qa").await;
    assert_eq!(
        qa.post(&notes, json!({"body": "x"})).await.status(),
        StatusCode::FORBIDDEN
    );
    let stranger = app.agent("digital-pre1").await;
    assert_eq!(stranger.get(&notes).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        stranger
            .post(&notes, json!({"body": "越权"}))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_official_desk_sees_a_members_orders_across_shops() {
    let (app, _, _) = stocked().await;
    let digital = app.agent("digital-admin").await;
    let (_, report) = import(
        &digital,
        "orders",
        "order_no,buyer_id,buyer_name,placed_at,payment_status,shipping_status,product_code,sku_code,item_title,quantity,unit_price\n\
         D500,m-wang,王先生,2026-11-20 12:00,paid,unshipped,PB-1,PB-1-W,充电宝,1,129\n",
    )
    .await;
    assert_eq!(report["accepted"], 1);
    let secret = app.identity_secret("official").await;
    let buyer = app
        .buyer_with(json!({"shop": "official", "entry": sign(&secret, json!({"sub": "m-wang", "entry": "official_desk", "order_no": "D500", "exp": in_an_hour()}))}))
        .await;
    assert_eq!(buyer.session["entry"], "official_desk");
    let conversation = buyer.session["conversation_id"].as_str().unwrap();
    let desk = app.agent("official-after1").await;
    let panel: Value = desk
        .get(&format!("/api/v1/conversations/{conversation}/context"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(panel["order"]["order_no"], "D500");
    let shops: Vec<(&str, &str)> = panel["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["order_no"].as_str().unwrap(),
                o["shop"]["slug"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shops,
        [
            ("D500", "chaowan-digital"),
            ("T101", "shanye-tea"),
            ("T100", "shanye-tea")
        ]
    );
}

/// An import over `limits.max_import_bytes` is a 413 with its code like any other body, not
/// axum's plain text.
#[tokio::test]
async fn an_import_over_the_size_limit_is_refused_with_its_code() {
    let app = TestApp::spawn_with(|s| s.limits.max_import_bytes = 1024).await;
    let admin = app.agent("tea-admin").await;
    let (status, body) = import(&admin, "products", &PRODUCTS.repeat(10)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["code"], "body_too_large");
}

/// Orders as merchants export them: an Excel workbook (rejections name its row numbers), and
/// a CSV saved by Chinese Excel in GBK. The receivers land sealed and show masked (issue #14).
#[tokio::test]
async fn orders_import_from_an_excel_workbook_and_from_gbk_csv() {
    let app = TestApp::spawn().await;
    let admin = app.agent("tea-admin").await;
    let workbook = include_bytes!("../fixtures/orders.xlsx");
    let response = admin
        .http
        .post(format!("{}/api/v1/imports/orders", admin.base))
        .bearer_auth(&admin.token)
        .header(
            "content-type",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        .body(workbook.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["accepted"], 2, "{report}");
    assert_eq!(report["rows"], 3, "{report}");
    let order = app.stored_order("shanye-tea", "T900").await;
    assert_eq!(order.items.len(), 2);
    assert_eq!(order.items[1].unit_price_fen.fen(), 23_950);
    assert_eq!(
        order.placed_at,
        kefu_server::import::parse_time("2026-11-18 09:30:00").unwrap()
    );
    let masked = order.receiver_masked.unwrap();
    assert_eq!(masked.phone, "138****5678");
    let t901 = app.stored_order("shanye-tea", "T901").await;
    assert_eq!(
        t901.receiver.unwrap().address,
        "浙江省杭州市 西湖区文三路 8 号"
    );

    // A broken workbook is refused with its code.
    let broken = admin
        .http
        .post(format!("{}/api/v1/imports/orders?format=xlsx", admin.base))
        .bearer_auth(&admin.token)
        .body(workbook[..500].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), StatusCode::BAD_REQUEST);
    let body: Value = broken.json().await.unwrap();
    assert_eq!(body["code"], "bad_workbook");

    let (gbk, _, _) = encoding_rs::GBK.encode(
        "订单号,买家ID,下单时间,支付状态,发货状态,商品编码,sku编码,商品名称,数量,单价,收货人,收货地址\n\
         G1,m-gbk,2026-11-20 10:00,已付款,待发货,TEA-1,TEA-1-250,明前龙井,1,128,张三,北京市朝阳区建国路 1 号\n",
    );
    let response = admin
        .http
        .post(format!("{}/api/v1/imports/orders", admin.base))
        .bearer_auth(&admin.token)
        .header("content-type", "text/csv")
        .body(gbk.into_owned())
        .send()
        .await
        .unwrap();
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["accepted"], 1, "{report}");
    let g1 = app.stored_order("shanye-tea", "G1").await;
    assert_eq!(g1.receiver_masked.unwrap().name, "张*");
}
