//! ACC-3 / ACC-4: one declared table says which permission every endpoint needs; this test
//! walks every route the router serves with every kind of caller (super admin, supervisor,
//! agent, QA inspector, an agent in probation, an agent whose group grant has expired) and
//! checks allow (anything but 401/403) or deny (403 `forbidden`) against the table. A route
//! missing from the table fails the test.

use std::collections::BTreeSet;
use std::time::Duration;

use kefu_domain::role::{Permission, Permissions, Role, effective_permissions};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{AgentClient, TestApp};

/// Who may call a route.
#[derive(Debug, Clone, Copy)]
enum Rule {
    /// No credentials (sign-in, the chat page's shop lookup, health, files by signed link).
    Public,
    /// A buyer token; agents are not buyers (401).
    Buyer,
    /// Any signed-in agent.
    AnyAgent,
    Needs(Permission),
    /// Any one of these.
    AnyOf(&'static [Permission]),
}

use Permission::*;
use Rule::*;

/// Every route: method, path as the router spells it (under `/api/v1` unless it starts
/// elsewhere), and its rule.
const TABLE: &[(&str, &str, Rule)] = &[
    ("POST", "/auth/login", Public),
    ("POST", "/auth/logout", AnyAgent),
    ("GET", "/auth/me", AnyAgent),
    ("POST", "/auth/tokens", AnyAgent),
    ("PUT", "/me/status", AnyAgent),
    ("POST", "/me/phone/code", AnyAgent),
    ("POST", "/me/phone/verify", AnyAgent),
    ("GET", "/team", Needs(TeamRead)),
    ("GET", "/team/live", AnyOf(&[ReportView, TeamManage])),
    ("GET", "/conversations", Needs(ConversationRead)),
    ("GET", "/conversations/{id}", Needs(ConversationRead)),
    (
        "GET",
        "/conversations/{id}/messages",
        Needs(ConversationRead),
    ),
    (
        "POST",
        "/conversations/{id}/messages",
        Needs(ConversationReply),
    ),
    ("POST", "/conversations/{id}/read", Needs(ConversationRead)),
    (
        "POST",
        "/conversations/{id}/resolve",
        Needs(ConversationReply),
    ),
    (
        "POST",
        "/conversations/{id}/reopen",
        Needs(ConversationReply),
    ),
    (
        "POST",
        "/conversations/{id}/assign",
        Needs(ConversationAssign),
    ),
    (
        "POST",
        "/conversations/{id}/transfer",
        Needs(ConversationAssign),
    ),
    ("GET", "/conversations/{id}/notes", Needs(ConversationRead)),
    (
        "POST",
        "/conversations/{id}/grab",
        Needs(ConversationAssign),
    ),
    (
        "POST",
        "/conversations/{id}/notes",
        Needs(ConversationReply),
    ),
    ("GET", "/conversations/{id}/events", Needs(ConversationRead)),
    ("PUT", "/conversations/{id}/tags", Needs(ConversationReply)),
    ("GET", "/tags", Needs(ConversationRead)),
    ("POST", "/tags", Needs(TeamManage)),
    ("GET", "/routing/rules", Needs(TeamRead)),
    ("PUT", "/routing/rules", Needs(TeamManage)),
    ("POST", "/routing/test", Needs(TeamRead)),
    ("GET", "/robot/entries", Needs(ConversationRead)),
    ("PUT", "/robot/entries/{id}", Needs(KbManage)),
    ("DELETE", "/robot/entries/{id}", Needs(KbManage)),
    ("GET", "/robot/settings", Needs(ConversationRead)),
    ("PUT", "/robot/settings", Needs(KbManage)),
    ("POST", "/robot/ask", Needs(ConversationRead)),
    ("GET", "/robot/metrics", Needs(ReportView)),
    ("GET", "/robot/flows", Needs(ConversationRead)),
    ("PUT", "/robot/flows/{id}", Needs(KbManage)),
    ("DELETE", "/robot/flows/{id}", Needs(KbManage)),
    ("GET", "/after-sales", Needs(ConversationRead)),
    ("GET", "/robot/proposals", Needs(KbManage)),
    ("POST", "/robot/proposals/run", Needs(KbManage)),
    ("POST", "/robot/proposals/{id}/approve", Needs(KbManage)),
    ("POST", "/robot/proposals/{id}/reject", Needs(KbManage)),
    (
        "GET",
        "/conversations/{id}/suggestions",
        Needs(ConversationRead),
    ),
    (
        "GET",
        "/conversations/{id}/context",
        Needs(ConversationRead),
    ),
    (
        "POST",
        "/conversations/{id}/handoffs",
        Needs(ConversationReply),
    ),
    ("GET", "/products", Needs(ConversationRead)),
    ("GET", "/products/{code}", Needs(ConversationRead)),
    ("PUT", "/products/{code}", Needs(CatalogManage)),
    ("GET", "/orders/{order_no}", Needs(ConversationRead)),
    ("PUT", "/orders/{order_no}", Needs(CatalogManage)),
    ("GET", "/buyer/orders", Buyer),
    ("GET", "/handoffs", Needs(ConversationRead)),
    ("POST", "/handoffs/{id}/close", Needs(ConversationReply)),
    ("GET", "/accounts", AnyOf(&[AccountManage, TeamManage])),
    ("POST", "/accounts", Needs(AccountManage)),
    ("PATCH", "/accounts/{id}", Needs(AccountManage)),
    ("POST", "/accounts/{id}/disable", Needs(AccountManage)),
    ("POST", "/accounts/{id}/enable", Needs(AccountManage)),
    ("POST", "/accounts/{id}/probation", Needs(TeamManage)),
    ("GET", "/permission-groups", Needs(AccountManage)),
    ("POST", "/permission-groups", Needs(AccountManage)),
    (
        "POST",
        "/permission-groups/{id}/grants",
        Needs(AccountManage),
    ),
    (
        "DELETE",
        "/permission-groups/{id}/grants/{user_id}",
        Needs(AccountManage),
    ),
    ("GET", "/teams", Needs(TeamRead)),
    ("PUT", "/teams/{key}", Needs(TeamManage)),
    ("GET", "/settings", Needs(TeamRead)),
    ("PUT", "/settings", Needs(SettingsManage)),
    (
        "GET",
        "/approvals",
        AnyOf(&[
            RefundApprove,
            LogisticsReview,
            RefundRequest,
            LogisticsChange,
        ]),
    ),
    ("POST", "/approvals", Needs(RefundRequest)),
    ("POST", "/approvals/{id}/approve", Needs(RefundApprove)),
    ("POST", "/approvals/{id}/reject", Needs(RefundApprove)),
    ("GET", "/audit", Needs(AuditView)),
    ("GET", "/audit/verify", Needs(AuditView)),
    ("GET", "/buyers/{id}/notes", Needs(ConversationRead)),
    ("POST", "/buyers/{id}/notes", Needs(ConversationReply)),
    ("GET", "/buyers/{id}", Needs(ConversationRead)),
    ("GET", "/shops/{slug}", Public),
    ("POST", "/buyer/session", Public),
    ("GET", "/buyer/messages", Buyer),
    ("POST", "/buyer/messages", Buyer),
    ("GET", "/buyer/ws", Buyer),
    ("GET", "/agent/ws", Needs(ConversationRead)),
    ("POST", "/attachments", Needs(ConversationReply)),
    ("POST", "/buyer/attachments", Buyer),
    ("POST", "/imports/{kind}", Needs(CatalogManage)),
    ("GET", "/files/{id}", Public),
    ("GET", "/healthz", Public),
    ("GET", "/metrics", Public),
];

/// The (method, path) pairs the router serves: the OpenAPI document is built from the same
/// route list as the router, so what it documents is what is served.
fn routes() -> BTreeSet<(String, String)> {
    let doc = serde_json::to_value(kefu_server::http::openapi()).unwrap();
    let mut found = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let path = path.strip_prefix("/api/v1").unwrap_or(path);
        for method in item.as_object().unwrap().keys() {
            found.insert((method.to_uppercase(), path.to_owned()));
        }
    }
    found
}

#[test]
fn every_route_has_a_rule_and_every_rule_a_route() {
    let served = routes();
    assert!(served.len() > 50, "the router scan found {served:?}");
    let declared: BTreeSet<(String, String)> = TABLE
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    let missing: Vec<_> = served.difference(&declared).collect();
    assert!(
        missing.is_empty(),
        "routes without a permission rule: {missing:?}"
    );
    let stale: Vec<_> = declared.difference(&served).collect();
    assert!(
        stale.is_empty(),
        "rules for routes that do not exist: {stale:?}"
    );
}

struct Caller {
    name: &'static str,
    client: AgentClient,
    permissions: Permissions,
}

struct Fixtures {
    conversation: String,
    /// Assigned to `target_user`, who is none of the callers: only those who may assign
    /// may transfer it.
    held: String,
    buyer: String,
    target_user: String,
    group: String,
    approval: String,
    handoff: String,
}

async fn fixtures(app: &TestApp, admin: &AgentClient, lead: &AgentClient) -> Fixtures {
    let tea = app.identity_secret("shanye-tea").await;
    let products = "product_code,title,category,sku_code,sku_name,price,stock,partner_name,partner_url,partner_shared\n\
                    TOUR-1,茶园游,体验,TOUR-1-A,成人,900,9,携程,https://partner.example/c,order_no\n";
    let orders = "order_no,buyer_id,placed_at,payment_status,shipping_status,product_code,sku_code,item_title,quantity,unit_price\n\
                  P1,m-perm,2026-11-20 10:00,paid,delivered,TOUR-1,TOUR-1-A,茶园游,1,900\n";
    for (kind, body) in [("products", products), ("orders", orders)] {
        let response = admin
            .http
            .post(format!("{}/api/v1/imports/{kind}", admin.base))
            .bearer_auth(&admin.token)
            .header("content-type", "text/csv")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    let link = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &json!({"sub": "m-perm", "entry": "order_card", "order_no": "P1", "exp": kefu_domain::time::now_ms() / 1000 + 3600}),
        &jsonwebtoken::EncodingKey::from_secret(tea.as_bytes()),
    )
    .unwrap();
    let buyer = app
        .buyer_with(json!({"shop": "shanye-tea", "entry": link}))
        .await;
    let conversation = buyer.session["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let target: Value = admin
        .post(
            "/api/v1/accounts",
            json!({"username": "perm-target", "display_name": "目标", "password": "kefu-demo-2026", "phone": "13900001111", "role": "agent"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let group: Value = admin
        .post(
            "/api/v1/permission-groups",
            json!({"name": "矩阵组", "permissions": ["report.view"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let approval: Value = lead
        .post(
            "/api/v1/approvals",
            json!({"kind": "refund", "order_no": "P1", "amount_fen": 90_000, "reason": "矩阵", "conversation_id": conversation}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(approval["status"], "pending", "{approval}");
    let handoff: Value = lead
        .post(
            &format!("/api/v1/conversations/{conversation}/handoffs"),
            json!({"order_no": "P1"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let other = app.buyer("shanye-tea").await;
    other.send("held", "请帮我转人工").await;
    let held = lead
        .conversations("open")
        .await
        .into_iter()
        .find(|c| c["buyer_id"] == other.buyer_id.to_string())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // In a team none of the callers belongs to, and held by someone who is none of them.
    let vip = lead
        .http
        .put(format!("{}/api/v1/teams/vip", lead.base))
        .bearer_auth(&lead.token)
        .json(&json!({"name": "VIP", "response_target_seconds": 60}))
        .send()
        .await
        .unwrap();
    assert_eq!(vip.status(), StatusCode::OK);
    let moved = lead
        .post(
            &format!("/api/v1/conversations/{held}/transfer"),
            json!({"to_team": "vip"}),
        )
        .await;
    assert_eq!(moved.status(), StatusCode::OK);
    let assigned = lead
        .post(
            &format!("/api/v1/conversations/{held}/assign"),
            json!({"assignee_id": target["id"]}),
        )
        .await;
    assert_eq!(assigned.status(), StatusCode::OK);
    Fixtures {
        conversation,
        held,
        buyer: buyer.buyer_id.to_string(),
        target_user: target["id"].as_str().unwrap().to_owned(),
        group: group["id"].as_str().unwrap().to_owned(),
        approval: approval["id"].as_str().unwrap().to_owned(),
        handoff: handoff["id"].as_str().unwrap().to_owned(),
    }
}

/// The concrete request for a route: path with real ids, and a body of the right shape.
fn request(method: &str, path: &str, f: &Fixtures, n: usize) -> (String, Option<Value>) {
    let held = path
        .replace(
            "/conversations/{id}/transfer",
            &format!("/conversations/{}/transfer", f.held),
        )
        .replace(
            "/conversations/{id}/grab",
            &format!("/conversations/{}/grab", f.held),
        );
    let concrete = held
        .replace(
            "{id}/grants/{user_id}",
            &format!("{}/grants/{}", f.group, f.target_user),
        )
        .replace(
            "/conversations/{id}",
            &format!("/conversations/{}", f.conversation),
        )
        .replace("/accounts/{id}", &format!("/accounts/{}", f.target_user))
        .replace(
            "/permission-groups/{id}",
            &format!("/permission-groups/{}", f.group),
        )
        .replace("/approvals/{id}", &format!("/approvals/{}", f.approval))
        .replace("/handoffs/{id}", &format!("/handoffs/{}", f.handoff))
        .replace("/buyers/{id}", &format!("/buyers/{}", f.buyer))
        .replace(
            "/proposals/{id}",
            &format!("/proposals/{}", uuid::Uuid::nil()),
        )
        .replace("/flows/{id}", "/flows/matrix")
        .replace("{code}", "TOUR-1")
        .replace("{order_no}", "P1")
        .replace("{key}", "vip")
        .replace("{kind}", "orders");
    let body = match (method, path) {
        ("PUT", "/me/status") => json!({"status": "online"}),
        ("POST", "/me/phone/verify") => json!({"code": "000000"}),
        ("POST", "/auth/tokens") => json!({"name": format!("matrix {n}")}),
        ("POST", "/conversations/{id}/messages") => {
            json!({"client_msg_id": format!("m{n}"), "kind": "text", "body": "矩阵"})
        }
        ("POST", "/conversations/{id}/read") => json!({"seq": 1}),
        ("POST", "/conversations/{id}/assign") => json!({"assignee_id": f.target_user}),
        ("POST", "/conversations/{id}/transfer") => {
            json!({"to_team": "after_sales", "note": "矩阵"})
        }
        ("POST", "/conversations/{id}/notes") => json!({"body": "矩阵 @tea-lead"}),
        ("POST", "/conversations/{id}/handoffs") => json!({"order_no": "P1"}),
        ("PUT", "/conversations/{id}/tags") => json!({"tags": ["invoice"]}),
        ("POST", "/tags") => json!({"key": format!("t{n}"), "name": "矩阵"}),
        ("PUT", "/routing/rules") => json!({"rules": []}),
        ("POST", "/routing/test") => json!({"facts": {"entry": "order_card", "channel": "web"}}),
        ("PUT", "/robot/entries/{id}") => json!({"question": "多久发货", "answer": "48小时内"}),
        ("PUT", "/robot/settings") => json!({"mode": "assist"}),
        ("PUT", "/robot/flows/{id}") => json!({
            "name": "矩阵", "triggers": ["矩阵"],
            "steps": [{"slot": "order", "kind": "order", "prompt": "哪一单？"}],
            "finish": {"action": "logistics"}
        }),
        ("POST", "/robot/ask") => json!({"text": "多久发货"}),
        ("PUT", "/products/{code}") => json!({
            "code": "TOUR-1", "title": "茶园游", "category": "体验",
            "skus": [{"code": "TOUR-1-A", "name": "成人", "price_fen": 90000, "stock": 9}],
            "partner": {"name": "携程", "handoff_url": "https://partner.example/c", "shared_fields": ["order_no"]}
        }),
        ("PUT", "/orders/{order_no}") => json!({
            "order_no": "P1", "buyer_id": "m-perm", "placed_at": 1_795_140_000_000i64,
            "items": [{"product_code": "TOUR-1", "sku_code": "TOUR-1-A", "title": "茶园游", "quantity": 1, "unit_price_fen": 90000}],
            "total_fen": 90000, "paid_fen": 90000, "payment_status": "paid", "shipping_status": "delivered"
        }),
        ("POST", "/handoffs/{id}/close") => json!({"resolution": "done"}),
        ("POST", "/accounts") => json!({
            "username": format!("perm-new{n}"), "display_name": "新人", "password": "kefu-demo-2026",
            "phone": "13900002222", "role": "qa"
        }),
        ("PATCH", "/accounts/{id}") => json!({"display_name": "目标"}),
        ("POST", "/accounts/{id}/probation") => json!({"action": "extend", "days": 1}),
        ("POST", "/permission-groups") => {
            json!({"name": format!("组{n}"), "permissions": ["report.view"]})
        }
        ("POST", "/permission-groups/{id}/grants") => json!({"user_ids": [f.target_user]}),
        ("PUT", "/teams/{key}") => json!({"name": "VIP", "response_target_seconds": 60}),
        ("PUT", "/settings") => {
            json!({"refund_threshold_fen": 50000, "probation_days": 7, "max_accounts": 200})
        }
        ("POST", "/approvals") => json!({
            "kind": "refund", "order_no": "P1", "amount_fen": 100, "reason": "矩阵"
        }),
        ("POST", "/approvals/{id}/approve") => json!({}),
        ("POST", "/approvals/{id}/reject") => json!({"reason": "矩阵"}),
        ("POST", "/buyers/{id}/notes") => json!({"body": "矩阵"}),
        (_, _) if method == "GET" || method == "DELETE" => return (concrete, None),
        _ => json!({}),
    };
    (concrete, Some(body))
}

fn allowed(rule: Rule, held: Permissions) -> Option<bool> {
    match rule {
        Public | Buyer => None,
        AnyAgent => Some(true),
        Needs(p) => Some(held.contains(p)),
        AnyOf(list) => Some(list.iter().any(|p| held.contains(*p))),
    }
}

async fn call(
    caller: &Caller,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let url = format!("{}/api/v1{path}", caller.client.base);
    if path == "/buyer/ws" {
        // The buyer socket takes its token in the query; an agent's token is not a buyer's.
        let ws = format!(
            "{}?token={}",
            url.replace("http://", "ws://"),
            caller.client.token
        );
        return match tokio_tungstenite::connect_async(ws).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => (
                StatusCode::from_u16(response.status().as_u16()).unwrap(),
                Value::Null,
            ),
            Err(_) => (StatusCode::BAD_GATEWAY, Value::Null),
            Ok(_) => (StatusCode::SWITCHING_PROTOCOLS, Value::Null),
        };
    }
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = caller
        .client
        .http
        .request(method, &url)
        .bearer_auth(&caller.client.token);
    if path.starts_with("/imports/") {
        request = request.header("content-type", "text/csv").body(
            "order_no,buyer_id,placed_at,payment_status,shipping_status,product_code,sku_code,item_title,quantity,unit_price\n",
        );
    } else if path == "/attachments" {
        let part = reqwest::multipart::Part::bytes(b"%PDF-1.4 matrix".to_vec()).file_name("m.pdf");
        request = request.multipart(reqwest::multipart::Form::new().part("file", part));
    } else if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn every_endpoint_allows_and_denies_exactly_what_the_table_says() {
    let app = TestApp::spawn().await;
    let admin = app.agent("tea-admin").await;
    let lead = app.agent("tea-lead").await;
    let f = fixtures(&app, &admin, &lead).await;

    // An agent in probation: a new account, created by the super admin.
    let created = admin
        .post(
            "/api/v1/accounts",
            json!({"username": "tea-trainee", "display_name": "新客服", "password": "kefu-demo-2026", "phone": "13700001234", "role": "agent", "team": "pre_sales"}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let trainee = app.agent("tea-trainee").await;

    // An agent whose group (every permission) expired a moment ago.
    let all: Vec<&str> = Permission::ALL.iter().map(|p| p.as_str()).collect();
    let group: Value = admin
        .post(
            "/api/v1/permission-groups",
            json!({"name": "大促临时全权", "permissions": all}),
        )
        .await
        .json()
        .await
        .unwrap();
    let expires_at = kefu_domain::time::now_ms() + 1_500;
    let granted = admin
        .post(
            &format!(
                "/api/v1/permission-groups/{}/grants",
                group["id"].as_str().unwrap()
            ),
            json!({"user_ids": [admin_user(&app, "tea-pre1").await], "expires_at": expires_at}),
        )
        .await;
    assert_eq!(granted.status(), StatusCode::OK);
    let expired = app.agent("tea-pre1").await;
    let me: Value = expired.get("/api/v1/auth/me").await.json().await.unwrap();
    assert!(
        me["permissions"].as_array().unwrap().len() == Permission::ALL.len(),
        "granted: {me}"
    );
    tokio::time::sleep(Duration::from_millis(1_700)).await;

    let role = |r: Role| effective_permissions(r, Permissions::NONE, false);
    let callers = [
        Caller {
            name: "qa",
            client: app.agent("tea-qa").await,
            permissions: role(Role::Qa),
        },
        Caller {
            name: "probation agent",
            client: trainee,
            permissions: effective_permissions(Role::Agent, Permissions::NONE, true),
        },
        Caller {
            name: "agent with an expired grant",
            client: expired,
            permissions: role(Role::Agent),
        },
        Caller {
            name: "agent",
            client: app.agent("tea-after1").await,
            permissions: role(Role::Agent),
        },
        Caller {
            name: "supervisor",
            client: lead,
            permissions: role(Role::Supervisor),
        },
        Caller {
            name: "super admin",
            client: admin,
            permissions: role(Role::SuperAdmin),
        },
    ];
    let mut checked = 0;
    let mut failures = vec![];
    for (n, caller) in callers.iter().enumerate() {
        let me: Value = caller
            .client
            .get("/api/v1/auth/me")
            .await
            .json()
            .await
            .unwrap();
        let listed: BTreeSet<String> = me["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_owned())
            .collect();
        let expected: BTreeSet<String> = caller
            .permissions
            .list()
            .iter()
            .map(|p| p.as_str().to_owned())
            .collect();
        assert_eq!(listed, expected, "/auth/me of {}", caller.name);
        for (i, (method, path, rule)) in TABLE.iter().enumerate() {
            if *path == "/auth/logout" || *path == "/agent/ws" {
                continue; // below, so the caller stays signed in for the rest
            }
            let (concrete, body) = request(method, path, &f, n * 100 + i);
            let (status, answer) = call(caller, method, &concrete, body).await;
            checked += 1;
            let verdict = match (rule, allowed(*rule, caller.permissions)) {
                (Buyer, _) => status == StatusCode::UNAUTHORIZED,
                (Public, _) => status != StatusCode::FORBIDDEN,
                (_, Some(true)) => {
                    status != StatusCode::FORBIDDEN && status != StatusCode::UNAUTHORIZED
                }
                (_, _) => status == StatusCode::FORBIDDEN && answer["code"] == "forbidden",
            };
            if !verdict {
                failures.push(format!(
                    "{} {method} {path}: {status} {answer} (rule {rule:?})",
                    caller.name
                ));
            }
        }
        // Every agent may open the workbench socket (all hold conversation.read).
        assert!(caller.permissions.contains(ConversationRead));
        let url = format!(
            "{}/api/v1/agent/ws?token={}",
            caller.client.base.replace("http://", "ws://"),
            caller.client.token
        );
        let (socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        drop(socket);
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 300);
}

async fn admin_user(app: &TestApp, username: &str) -> String {
    let admin = app.agent("tea-admin").await;
    let accounts: Value = admin.get("/api/v1/accounts").await.json().await.unwrap();
    accounts["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == username)
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .unwrap()
}
