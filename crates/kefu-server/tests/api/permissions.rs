//! ACC-3 / ACC-4 / ACC-1: one declared table says who may call every endpoint (`TABLE`: route
//! → rule), and one function says what each kind of caller must get for each rule
//! (`expected`: rule × caller → allowed, 403, 401 or 404). The tests walk every route the
//! router serves with
//!
//! - every role of one shop (super admin, supervisor, agent, QA inspector, an agent in
//!   probation, an agent whose group grant has expired): ACC-3 / ACC-4;
//! - an anonymous caller and a buyer of that shop: only `Public` (and the buyer's `Buyer`)
//!   routes let them through, everything else is `401 unauthenticated`;
//! - agents of another shop and of the platform desk, calling with the first shop's ids:
//!   ACC-1, nothing of the first shop is found, changed or shown to them.
//!
//! A route missing from the table fails `every_route_has_a_rule_and_every_rule_a_route`.

use std::collections::BTreeSet;
use std::sync::LazyLock;
use std::time::Duration;

use kefu_domain::role::{Permission, Permissions, Role, effective_permissions};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{AgentClient, BuyerClient, TestApp};

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
    /// The operator's `metrics.token` only (issue #15): no agent's or buyer's token opens it.
    MetricsToken,
    /// The shop's super admin only, whatever groups grant (the identity secret signs any
    /// member's identity). In these fixtures the super admins are the callers holding every
    /// permission.
    SuperAdmin,
    /// An arbitration case (ACC-1, ESC-1), between shop A and the platform desk: the sides
    /// that may act on it, with this permission. The platform desk reads and acts on shop A's
    /// case; another shop finds nothing.
    Case(Sides, Permission),
}

/// Which side of an arbitration case a route is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sides {
    Both,
    ShopOnly,
    PlatformOnly,
}

use Permission::*;
use Rule::*;

/// Every route: method, path as the router spells it (under `/api/v1` unless it starts
/// elsewhere), and its rule.
const TABLE: &[(&str, &str, Rule)] = &[
    ("POST", "/auth/login", Public),
    ("GET", "/setup", Public),
    ("POST", "/setup", Public),
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
    // Quick phrases (WB-3): the rows name a shop phrase (one per caller); an agent's own
    // phrases are theirs (tests/api/phrases.rs).
    ("GET", "/phrases", Needs(ConversationRead)),
    ("POST", "/phrases", Needs(TeamManage)),
    ("PUT", "/phrases/{id}", Needs(TeamManage)),
    ("POST", "/phrases/{id}/used", Needs(ConversationReply)),
    ("DELETE", "/phrases/{id}", Needs(TeamManage)),
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
    ("GET", "/robot/calibration", Needs(KbManage)),
    ("GET", "/robot/flows", Needs(ConversationRead)),
    ("PUT", "/robot/flows/{id}", Needs(KbManage)),
    ("DELETE", "/robot/flows/{id}", Needs(KbManage)),
    // Work orders (ESC-3): the fixture's is held by someone none of the callers is, so only
    // those who manage work orders may change it.
    ("GET", "/work-orders", Needs(ConversationRead)),
    ("POST", "/work-orders", Needs(WorkOrderHandle)),
    ("GET", "/work-orders/{id}", Needs(ConversationRead)),
    ("PUT", "/work-orders/{id}", Needs(WorkOrderManage)),
    ("POST", "/work-orders/{id}/moves", Needs(WorkOrderManage)),
    ("PUT", "/work-orders/{id}/owner", Needs(WorkOrderManage)),
    ("POST", "/work-orders/{id}/notes", Needs(WorkOrderManage)),
    ("POST", "/work-orders/bulk", Needs(WorkOrderManage)),
    ("GET", "/work-orders/export", Needs(WorkOrderManage)),
    ("GET", "/work-orders/views", Needs(ConversationRead)),
    ("POST", "/work-orders/views", Needs(ConversationRead)),
    ("DELETE", "/work-orders/views/{id}", Needs(ConversationRead)),
    ("GET", "/work-orders/settings", Needs(ConversationRead)),
    ("PUT", "/work-orders/settings", Needs(WorkOrderManage)),
    ("GET", "/buyer/work-orders", Buyer),
    // Escalation (ESC-1): the fixture's is at level 2, so only those who hold level 2 may
    // take it up or handle it.
    ("GET", "/escalations", Needs(EscalationRaise)),
    ("POST", "/escalations", Needs(EscalationRaise)),
    ("POST", "/escalations/{id}/take", Needs(EscalationHandle)),
    ("POST", "/escalations/{id}/handle", Needs(EscalationHandle)),
    ("GET", "/escalations/rules", Needs(EscalationRaise)),
    ("PUT", "/escalations/rules", Needs(EscalationHandle)),
    ("GET", "/notify/settings", Needs(SettingsManage)),
    ("PUT", "/notify/settings", Needs(SettingsManage)),
    ("POST", "/notify/test", Needs(SettingsManage)),
    ("GET", "/notify/deliveries", Needs(SettingsManage)),
    // Arbitration (ACC-1, ESC-1): the fixture's case is shop A's, filed with the platform desk.
    ("GET", "/arbitrations", Case(Sides::Both, ConversationRead)),
    (
        "GET",
        "/arbitrations/{id}",
        Case(Sides::Both, ConversationRead),
    ),
    (
        "POST",
        "/arbitrations/{id}/evidence-requests",
        Case(Sides::PlatformOnly, ArbitrationRule),
    ),
    (
        "POST",
        "/arbitrations/{id}/ruling",
        Case(Sides::PlatformOnly, ArbitrationRule),
    ),
    (
        "POST",
        "/arbitrations/{id}/evidence",
        Case(Sides::ShopOnly, EscalationHandle),
    ),
    (
        "POST",
        "/arbitrations/{id}/comply",
        Case(Sides::ShopOnly, EscalationHandle),
    ),
    ("GET", "/buyer/arbitration", Buyer),
    ("POST", "/buyer/arbitration", Buyer),
    ("POST", "/buyer/arbitration/evidence", Buyer),
    ("GET", "/buyer/transcript", Buyer),
    // Appeals (SELF-3): the fixture's is shop A's, filed with the platform desk.
    ("GET", "/appeals", Case(Sides::Both, ConversationRead)),
    ("POST", "/appeals", Case(Sides::ShopOnly, EscalationHandle)),
    (
        "POST",
        "/appeals/{id}/take",
        Case(Sides::PlatformOnly, ArbitrationRule),
    ),
    (
        "POST",
        "/appeals/{id}/decision",
        Case(Sides::PlatformOnly, ArbitrationRule),
    ),
    (
        "POST",
        "/appeals/{id}/reopen",
        Case(Sides::ShopOnly, EscalationHandle),
    ),
    ("GET", "/buyer/appeals", Buyer),
    ("POST", "/buyer/appeals", Buyer),
    ("POST", "/buyer/appeals/{id}/reopen", Buyer),
    ("POST", "/transcripts/verify", Needs(ConversationRead)),
    ("GET", "/playbooks", Needs(ConversationRead)),
    ("PUT", "/playbooks", Needs(EscalationHandle)),
    (
        "GET",
        "/conversations/{id}/playbooks",
        Needs(ConversationRead),
    ),
    (
        "POST",
        "/conversations/{id}/playbooks",
        Needs(ConversationReply),
    ),
    (
        "PUT",
        "/playbook-runs/{id}/steps/{index}",
        Needs(ConversationReply),
    ),
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
    ("GET", "/automation", Needs(TeamRead)),
    ("GET", "/phrases/export", Needs(TeamManage)),
    (
        "GET",
        "/conversations/{id}/ratings",
        Needs(ConversationRead),
    ),
    ("POST", "/ratings/{id}/reinvite", Needs(TeamManage)),
    ("GET", "/intake-filter", Needs(TeamRead)),
    ("PUT", "/intake-filter", Needs(SettingsManage)),
    ("POST", "/buyers/{id}/block", Needs(ConversationReply)),
    ("GET", "/blocklist", Needs(TeamRead)),
    ("POST", "/blocklist/{id}/lift", Needs(TeamManage)),
    ("POST", "/conversations/{id}/restore", Needs(TeamManage)),
    ("GET", "/buyer/ratings/{id}", Buyer),
    ("POST", "/buyer/conversation/end", Buyer),
    ("POST", "/buyer/ratings/{id}", Buyer),
    ("PUT", "/automation", Needs(SettingsManage)),
    ("GET", "/kpi/rules", Needs(TeamRead)),
    ("PUT", "/kpi/rules", Needs(SettingsManage)),
    ("GET", "/kpi/scorecards", Needs(ReportView)),
    ("GET", "/kpi/scorecards/export", Needs(ReportView)),
    ("GET", "/kpi/me", Needs(ConversationRead)),
    ("GET", "/kpi/me/export", Needs(ConversationRead)),
    ("GET", "/kpi/agents/{id}", Needs(ReportView)),
    ("GET", "/kpi/rankings", Needs(ReportView)),
    ("POST", "/kpi/rebuild", Needs(SettingsManage)),
    ("POST", "/kpi/refresh", Needs(ReportView)),
    ("GET", "/cockpit", Needs(ReportView)),
    ("GET", "/cockpit/ws", Needs(ReportView)),
    ("GET", "/cockpit/heatmap", Needs(ReportView)),
    ("GET", "/cockpit/drill", Needs(ReportView)),
    ("GET", "/cockpit/funnel", Needs(ReportView)),
    ("GET", "/cockpit/funnel/dropped", Needs(ReportView)),
    ("GET", "/alerts", Needs(ReportView)),
    ("POST", "/alerts/{id}/acknowledge", Needs(ReportView)),
    ("POST", "/alerts/scan", Needs(ReportView)),
    ("GET", "/alerts/rules", Needs(ReportView)),
    ("PUT", "/alerts/rules", Needs(SettingsManage)),
    ("GET", "/reports", Needs(ReportView)),
    ("GET", "/reports/{kind}/{period}", Needs(ReportView)),
    ("POST", "/reports/{kind}/{period}", Needs(ReportView)),
    ("GET", "/reports/{kind}/{period}/export", Needs(ReportView)),
    ("GET", "/questions/topics", Needs(ReportView)),
    ("GET", "/questions/topics/{id}", Needs(ReportView)),
    ("POST", "/questions/mine", Needs(ReportView)),
    ("POST", "/questions/topics/{id}/robot", Needs(KbManage)),
    ("POST", "/questions/topics/{id}/problems", Needs(ReportView)),
    // Everyone sees the problems they own; those who read reports see all (DATA-5).
    ("GET", "/questions/problems", AnyAgent),
    // A problem's owner, or whoever reads reports (checked against the problem; `questions`
    // in the API suite shows an agent who is neither refused).
    ("PUT", "/questions/problems/{id}/fix", AnyAgent),
    ("GET", "/qa/rubric", Needs(TeamRead)),
    ("PUT", "/qa/rubric", Needs(TeamManage)),
    ("GET", "/qa/reviews", AnyOf(&[QaScore, TeamManage])),
    ("POST", "/qa/sample", Needs(QaScore)),
    ("GET", "/qa/reviews/{id}", Needs(ConversationRead)),
    ("POST", "/qa/reviews/{id}/score", Needs(QaScore)),
    ("POST", "/qa/reviews/{id}/appeal", Needs(ConversationRead)),
    ("POST", "/qa/reviews/{id}/decide", Needs(TeamManage)),
    ("GET", "/qa/mine", Needs(ConversationRead)),
    ("GET", "/settings/identity-secret", SuperAdmin),
    ("POST", "/settings/identity-secret/reveal", SuperAdmin),
    ("POST", "/settings/identity-secret/rotate", SuperAdmin),
    ("DELETE", "/settings/identity-secret/previous", SuperAdmin),
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
    ("GET", "/buyers/{id}/profile", Needs(ConversationRead)),
    ("POST", "/buyers/{id}/merge", Needs(ConversationReply)),
    ("POST", "/buyers/{id}/split", Needs(ConversationReply)),
    ("GET", "/shops/{slug}", Public),
    ("POST", "/buyer/session", Public),
    ("GET", "/buyer/messages", Buyer),
    ("POST", "/buyer/messages", Buyer),
    ("GET", "/buyer/ws", Buyer),
    ("GET", "/agent/ws", Needs(ConversationRead)),
    ("POST", "/attachments", Needs(ConversationReply)),
    ("POST", "/buyer/attachments", Buyer),
    ("POST", "/imports/{kind}", Needs(CatalogManage)),
    ("GET", "/channels", Needs(SettingsManage)),
    ("POST", "/channels", Needs(SettingsManage)),
    ("PUT", "/channels/{id}", Needs(SettingsManage)),
    ("DELETE", "/channels/{id}", Needs(SettingsManage)),
    ("POST", "/channels/{id}/grant", Needs(SettingsManage)),
    ("GET", "/conversations/{id}/window", Needs(ConversationRead)),
    (
        "GET",
        "/conversations/{id}/caller-check",
        Needs(ConversationRead),
    ),
    (
        "POST",
        "/conversations/{id}/move-to-wecom",
        Needs(ConversationReply),
    ),
    ("GET", "/move-targets/wecom", Needs(ConversationReply)),
    // The platforms' callbacks: they prove themselves by the channel's signature.
    ("GET", "/hooks/wechat-mp/{id}", Public),
    ("POST", "/hooks/wechat-mp/{id}", Public),
    ("GET", "/hooks/wecom-kf/{id}", Public),
    ("POST", "/hooks/wecom-kf/{id}", Public),
    ("POST", "/hooks/douyin/{id}", Public),
    ("GET", "/hooks/douyin/{id}/oauth", Public),
    ("POST", "/hooks/phone/{id}", Public),
    ("GET", "/widget/{file}", Public),
    ("GET", "/files/{id}", Public),
    ("GET", "/healthz", Public),
    ("GET", "/livez", Public),
    ("GET", "/readyz", Public),
    ("GET", "/metrics", MetricsToken),
];

/// What a route's path names, which decides what a caller of another tenant gets (ACC-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// No path parameter: the caller's own shop (its lists, its settings, what it creates).
    Own,
    /// A key each shop chooses for itself (product code, order number, team key, knowledge
    /// base entry and flow ids, import kind): another shop's caller reaches the record of
    /// that name in its own shop, never the first shop's.
    Keyed,
    /// A record by the id kefu gave it (conversation, buyer, account, group, approval,
    /// handoff, proposal): another tenant's caller finds nothing.
    ById,
}

/// The target of a route, from its path.
fn target(path: &str) -> Target {
    const KEYS: [&str; 4] = ["{code}", "{order_no}", "{key}", "{kind}"];
    if !path.contains('{') {
        Target::Own
    } else if KEYS.iter().any(|k| path.contains(k))
        || path.starts_with("/robot/entries/")
        || path.starts_with("/robot/flows/")
    {
        Target::Keyed
    } else {
        Target::ById
    }
}

/// Who calls, seen from the shop whose fixtures the requests name (shop A, `shanye-tea`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CallerKind {
    /// An agent of shop A, of any role.
    SameShop,
    /// An agent of another shop (`chaowan-digital`).
    OtherShop,
    /// An agent of the platform desk (`official`, `TenantKind::Platform`). The platform reads
    /// a member's orders in every shop only inside its own conversations (the conversation
    /// context, order cards, the buyer's order list); by id it reaches nothing of a shop.
    PlatformDesk,
    /// A buyer of shop A, with a buyer token.
    Buyer,
    /// No token, no cookie.
    Anonymous,
}

/// What a call must answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expected {
    /// Anything but 401 and 403 (400 for a body this test does not bother to make valid,
    /// 404 for a record that is gone, …).
    Allowed,
    /// 403 `forbidden`.
    Forbidden,
    /// 401 `unauthenticated`.
    Unauthenticated,
    /// 404 with a `…not_found` code, exactly like a missing record (ACC-1).
    NotFound,
    /// `NotFound` or `Forbidden`: where what the caller may do depends on the record (its
    /// own conversation, its own team, the kind of approval), the handler finds the record
    /// first, and a caller of another tenant finds none. Either answer shows nothing.
    NotFoundOrForbidden,
}

/// The declared matrix (ACC-1, ACC-3, ACC-4): rule × caller → expected answer. `held` is what
/// the caller may do in its own tenant. No route answers 5xx to anyone.
fn expected(rule: Rule, target: Target, caller: CallerKind, held: Permissions) -> Expected {
    use CallerKind as C;
    use Expected::*;
    let permitted = match rule {
        Public | Buyer | AnyAgent => true,
        MetricsToken => false,
        Needs(p) => held.contains(p),
        AnyOf(list) => list.iter().any(|p| held.contains(*p)),
        SuperAdmin => held == Role::SuperAdmin.permissions(),
        Case(_, p) => held.contains(p),
    };
    match (rule, caller) {
        // The platform desk is a side of shop A's case; the shop may not act for it.
        (Case(Sides::ShopOnly, _), C::PlatformDesk)
        | (Case(Sides::PlatformOnly, _), C::SameShop | C::OtherShop) => Forbidden,
        (Case(_, _), C::PlatformDesk) if permitted => Allowed,
        (Case(_, _), C::PlatformDesk) => Forbidden,
        (Public, _) => Allowed,
        (MetricsToken, _) => Unauthenticated,
        (Buyer, C::Buyer) => Allowed,
        // Agents are not buyers, buyers are not agents, and nobody is anybody without a token.
        (Buyer, _) | (_, C::Buyer | C::Anonymous) => Unauthenticated,
        (_, C::SameShop) if permitted => Allowed,
        (_, C::SameShop) => Forbidden,
        (_, C::OtherShop | C::PlatformDesk) => match (target, permitted) {
            (Target::ById, true) => NotFound,
            (Target::ById, false) => NotFoundOrForbidden,
            (Target::Own | Target::Keyed, true) => Allowed,
            (Target::Own | Target::Keyed, false) => Forbidden,
        },
    }
}

/// Whether an answer to `caller` may not carry anything of shop A: every answer to a caller
/// of another tenant, to the anonymous and to a buyer outside the buyer's routes (public
/// routes answer what is public: the shop's name, a file by its signed link, a sign-in).
fn must_not_show_shop_a(rule: Rule, caller: CallerKind) -> bool {
    !matches!(
        (rule, caller),
        (Public, _)
            | (_, CallerKind::SameShop)
            | (Buyer, CallerKind::Buyer)
            | (
                Case(Sides::Both | Sides::PlatformOnly, _),
                CallerKind::PlatformDesk
            )
    )
}

fn answers_as_expected(expected: Expected, status: StatusCode, answer: &Value) -> bool {
    let code = answer["code"].as_str().unwrap_or_default();
    if status.is_server_error() {
        return false;
    }
    match expected {
        Expected::Allowed => status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
        Expected::Forbidden => status == StatusCode::FORBIDDEN && code == "forbidden",
        Expected::Unauthenticated => {
            status == StatusCode::UNAUTHORIZED && code == "unauthenticated"
        }
        Expected::NotFound => status == StatusCode::NOT_FOUND && code.ends_with("not_found"),
        Expected::NotFoundOrForbidden => {
            answers_as_expected(Expected::NotFound, status, answer)
                || answers_as_expected(Expected::Forbidden, status, answer)
        }
    }
}

/// The OpenAPI document is built from the same route list as the router, so what it
/// documents is what is served.
fn openapi_paths() -> Value {
    serde_json::to_value(kefu_server::http::openapi()).unwrap()["paths"].clone()
}

/// The (method, path) pairs the router serves, paths without `/api/v1`.
fn routes() -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    for (path, item) in openapi_paths().as_object().unwrap() {
        let path = path.strip_prefix("/api/v1").unwrap_or(path);
        for method in item.as_object().unwrap().keys() {
            found.insert((method.to_uppercase(), path.to_owned()));
        }
    }
    found
}

/// The served paths that are not under `/api/v1` (files, health, metrics).
static OUTSIDE_THE_API: LazyLock<BTreeSet<String>> = LazyLock::new(|| {
    openapi_paths()
        .as_object()
        .unwrap()
        .keys()
        .filter(|p| !p.starts_with("/api/v1"))
        .cloned()
        .collect()
});

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
    assert_eq!(TABLE.len(), declared.len(), "a route declared twice");
    assert!(OUTSIDE_THE_API.contains("/healthz"), "{OUTSIDE_THE_API:?}");
}

/// One caller: an agent's API token, a buyer's token, or nothing.
struct Caller {
    name: &'static str,
    kind: CallerKind,
    base: String,
    http: reqwest::Client,
    /// `None`: anonymous.
    token: Option<String>,
    /// What the caller may do in its own tenant (nothing for buyers and the anonymous).
    permissions: Permissions,
}

impl Caller {
    fn agent(
        name: &'static str,
        kind: CallerKind,
        client: AgentClient,
        permissions: Permissions,
    ) -> Caller {
        Caller {
            name,
            kind,
            base: client.base,
            http: client.http,
            token: Some(client.token),
            permissions,
        }
    }

    fn buyer(name: &'static str, client: &BuyerClient) -> Caller {
        Caller {
            name,
            kind: CallerKind::Buyer,
            base: client.base.clone(),
            http: client.http.clone(),
            token: Some(client.token.clone()),
            permissions: Permissions::NONE,
        }
    }

    fn anonymous(app: &TestApp) -> Caller {
        Caller {
            name: "anonymous",
            kind: CallerKind::Anonymous,
            base: app.url(""),
            http: app.http.clone(),
            token: None,
            permissions: Permissions::NONE,
        }
    }

    /// Checks that `/auth/me` lists exactly the permissions the matrix assumes.
    async fn assert_permissions(&self) {
        let me: Value = self
            .http
            .get(format!("{}/api/v1/auth/me", self.base))
            .bearer_auth(self.token.as_deref().unwrap())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let listed: BTreeSet<String> = me["permissions"]
            .as_array()
            .unwrap_or_else(|| panic!("/auth/me of {}: {me}", self.name))
            .iter()
            .map(|p| p.as_str().unwrap().to_owned())
            .collect();
        let expected: BTreeSet<String> = self
            .permissions
            .list()
            .iter()
            .map(|p| p.as_str().to_owned())
            .collect();
        assert_eq!(listed, expected, "/auth/me of {}", self.name);
    }
}

/// Records of shop A (`shanye-tea`) that the requests name by id or key.
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
    /// A file shop A's super admin uploaded: its signed link (path and query).
    file: String,
    /// Shop phrases, one for each caller: those who may delete one delete their own.
    phrases: Vec<String>,
    /// A rating invitation in `conversation` (KPI-3).
    rating: String,
    /// A block on another buyer of shop A (WB-6).
    block: String,
    /// A QA review of `conversation` (KPI-3).
    review: String,
    /// A work order of `conversation`, held by `target_user` (ESC-3).
    work_order: String,
    /// A level-2 escalation of `held` (ESC-1).
    escalation: String,
    /// A playbook run on `held` (ESC-2).
    playbook_run: String,
    /// Shop A's arbitration case, filed with the platform desk by a buyer the shop answered.
    arbitration: String,
    /// An appeal shop A filed with the platform desk (SELF-3).
    appeal: String,
}

/// A buyer of shop A whom the shop answered asks the platform to step in: the case's id.
async fn arbitration_case(app: &TestApp, lead: &AgentClient) -> String {
    let buyer = app.buyer("shanye-tea").await;
    buyer.send("arb", "茶叶有问题，要退款").await;
    let c = lead.open_conversation_of(&buyer).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let grabbed = lead
        .post(&format!("/api/v1/conversations/{c}/grab"), json!({}))
        .await;
    assert!(grabbed.status().is_success());
    assert!(
        lead.reply(&c, "arb-r", "不能退")
            .await
            .status()
            .is_success()
    );
    let filed: Value = buyer
        .http
        .post(format!("{}/api/v1/buyer/arbitration", buyer.base))
        .bearer_auth(&buyer.token)
        .json(&json!({"reason": "商家拒绝退款"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    filed["case"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{filed}"))
        .to_owned()
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
    let part = reqwest::multipart::Part::bytes(b"%PDF-1.4 matrix".to_vec()).file_name("m.pdf");
    let file: Value = admin
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
    let summary: Value = admin
        .get_json(&format!("/api/v1/conversations/{conversation}"))
        .await;
    let tenant = Uuid::parse_str(summary["tenant_id"].as_str().unwrap()).unwrap();
    let rating = app
        .state
        .as_ref()
        .unwrap()
        .store
        .invite_rating(
            tenant,
            Uuid::parse_str(&conversation).unwrap(),
            None,
            kefu_domain::time::now_ms(),
        )
        .await
        .unwrap()
        .unwrap();
    let spammer = app.buyer("shanye-tea").await;
    spammer.send("ad", "加微信领红包").await;
    let block: Value = admin
        .post(
            &format!("/api/v1/buyers/{}/block", spammer.buyer_id),
            json!({"kind": "ad", "note": "矩阵"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let store = &app.state.as_ref().unwrap().store;
    let sampled = kefu_store::NewQaReview {
        conversation_id: Uuid::parse_str(&conversation).unwrap(),
        agent_id: None,
        reasons: vec![kefu_domain::qa::SampleReason::Random],
        forbidden_hits: vec![],
    };
    let now = kefu_domain::time::now_ms();
    store
        .add_qa_sample(tenant, "2026-12-01", &[sampled], now)
        .await
        .unwrap();
    let review = store
        .qa_reviews(tenant, &kefu_store::QaFilter::default())
        .await
        .unwrap()
        .remove(0);
    let work_order: Value = lead
        .post(
            "/api/v1/work-orders",
            json!({"kind": "refund", "title": "矩阵退款", "order_no": "P1", "conversation_id": conversation,
                   "owner_id": target["id"], "fields": {"reason": "商品破损"}}),
        )
        .await
        .json()
        .await
        .unwrap();
    let escalation: Value = lead
        .post(
            "/api/v1/escalations",
            json!({"conversation_id": held, "level": "two", "reason": "矩阵升级"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let run: Value = lead
        .post(
            &format!("/api/v1/conversations/{held}/playbooks"),
            json!({"key": "logistics_delay"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let arbitration = arbitration_case(app, lead).await;
    let appeal: Value = lead
        .post(
            "/api/v1/appeals",
            json!({"kind": "penalty", "description": "矩阵申诉"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let f = Fixtures {
        appeal: appeal["appeals"][0]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{appeal}"))
            .to_owned(),
        arbitration,
        playbook_run: run["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{run}"))
            .to_owned(),
        escalation: escalation["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{escalation}"))
            .to_owned(),
        work_order: work_order["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{work_order}"))
            .to_owned(),
        review: review.id.to_string(),
        block: block["id"].as_str().unwrap().to_owned(),
        rating: rating.id.to_string(),
        conversation,
        held,
        buyer: buyer.buyer_id.to_string(),
        target_user: target["id"].as_str().unwrap().to_owned(),
        group: group["id"].as_str().unwrap().to_owned(),
        approval: approval["id"].as_str().unwrap().to_owned(),
        handoff: handoff["id"].as_str().unwrap().to_owned(),
        file: file["url"]
            .as_str()
            .unwrap_or_else(|| panic!("{file}"))
            .to_owned(),
        phrases: shop_phrases(admin).await,
    };
    // A knowledge-base entry and a flow of shop A under the keys the requests use.
    for path in ["/robot/entries/{id}", "/robot/flows/{id}"] {
        let (concrete, body) = request("PUT", path, &f, 0);
        let put = admin
            .http
            .put(format!("{}/api/v1{concrete}", admin.base))
            .bearer_auth(&admin.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(put.status(), StatusCode::OK, "{concrete}");
    }
    f
}

/// A shop phrase for each caller of the matrix.
async fn shop_phrases(admin: &AgentClient) -> Vec<String> {
    let mut ids = vec![];
    for n in 0..PHRASES {
        let phrase: Value = admin
            .post(
                "/api/v1/phrases",
                json!({"scope": "shop", "text": format!("矩阵短语 {n}")}),
            )
            .await
            .json()
            .await
            .unwrap();
        ids.push(phrase["id"].as_str().unwrap().to_owned());
    }
    ids
}

/// More than the callers the matrix walks.
const PHRASES: usize = 40;

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
        .replace("/files/{id}", &f.file)
        .replace("{slug}", "shanye-tea")
        .replace("/entries/{id}", "/entries/matrix")
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
        .replace("/ratings/{id}", &format!("/ratings/{}", f.rating))
        .replace("/blocklist/{id}", &format!("/blocklist/{}", f.block))
        .replace("/qa/reviews/{id}", &format!("/qa/reviews/{}", f.review))
        .replace(
            "/playbook-runs/{id}/steps/{index}",
            &format!("/playbook-runs/{}/steps/0", f.playbook_run),
        )
        .replace("/appeals/{id}", &format!("/appeals/{}", f.appeal))
        .replace(
            "/arbitrations/{id}",
            &format!("/arbitrations/{}", f.arbitration),
        )
        .replace(
            "/escalations/{id}",
            &format!("/escalations/{}", f.escalation),
        )
        .replace(
            "/work-orders/views/{id}",
            &format!("/work-orders/views/{}", Uuid::nil()),
        )
        .replace(
            "/work-orders/{id}",
            &format!("/work-orders/{}", f.work_order),
        )
        .replace(
            "/kpi/agents/{id}",
            &format!("/kpi/agents/{}", f.target_user),
        )
        .replace("/buyers/{id}", &format!("/buyers/{}", f.buyer))
        .replace("/proposals/{id}", &format!("/proposals/{}", Uuid::nil()))
        .replace("/channels/{id}", &format!("/channels/{}", Uuid::nil()))
        .replace("/wechat-mp/{id}", &format!("/wechat-mp/{}", Uuid::nil()))
        .replace("/wecom-kf/{id}", &format!("/wecom-kf/{}", Uuid::nil()))
        .replace("/douyin/{id}", &format!("/douyin/{}", Uuid::nil()))
        .replace("/phone/{id}", &format!("/phone/{}", Uuid::nil()))
        .replace("/widget/{file}", &format!("/widget/{}.js", Uuid::nil()))
        .replace("/alerts/{id}", &format!("/alerts/{}", Uuid::nil()))
        .replace(
            "/questions/topics/{id}",
            &format!("/questions/topics/{}", Uuid::nil()),
        )
        .replace(
            "/questions/problems/{id}",
            &format!("/questions/problems/{}", Uuid::nil()),
        )
        .replace("/flows/{id}", "/flows/matrix")
        .replace(
            "/phrases/{id}",
            &format!("/phrases/{}", f.phrases[n / 1000 % PHRASES]),
        )
        .replace("{code}", "TOUR-1")
        .replace("{order_no}", "P1")
        .replace("{key}", "vip")
        .replace("/reports/{kind}/{period}", "/reports/daily/2026-12-01")
        .replace("{kind}", "orders");
    let body = match (method, path) {
        // A real sign-in (of another shop's QA inspector, so shop A's accounts stay as
        // they are) and a real chat session.
        ("POST", "/auth/login") => {
            json!({"username": "digital-qa", "password": kefu_server::demo::DEMO_PASSWORD})
        }
        ("POST", "/buyer/session") => json!({"shop": "shanye-tea"}),
        ("POST", "/channels") => json!({
            "kind": "wechat_mp", "app_id": format!("wxmatrix{n}"), "app_secret": "s",
            "token": "matrix", "mode": "plain"
        }),
        ("PUT", "/channels/{id}") => json!({"paused": true}),
        ("POST", "/channels/{id}/grant") => json!({"origin": "http://kefu.test"}),
        ("POST", "/buyers/{id}/merge") => json!({"other_id": f.buyer}),
        ("POST", "/buyer/messages") => {
            json!({"client_msg_id": format!("b{n}"), "kind": "text", "body": "矩阵"})
        }
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
        ("POST", "/phrases") => json!({"scope": "shop", "text": format!("矩阵 {n}")}),
        ("PUT", "/phrases/{id}") => json!({"scope": "shop", "text": format!("矩阵 {n}")}),
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
        ("POST", "/settings/identity-secret/rotate") => json!({"grace_hours": 24}),
        ("PUT", "/automation") => json!({"closing": {"enabled": true, "text": "感谢咨询"}}),
        ("POST", "/approvals") => json!({
            "kind": "refund", "order_no": "P1", "amount_fen": 100, "reason": "矩阵"
        }),
        ("POST", "/approvals/{id}/approve") => json!({}),
        ("POST", "/approvals/{id}/reject") => json!({"reason": "矩阵"}),
        ("POST", "/buyer/ratings/{id}") => json!({"stars": 5, "reasons": ["回复及时"]}),
        ("POST", "/buyers/{id}/block") => json!({"kind": "spam", "note": "矩阵", "days": 1}),
        ("PUT", "/intake-filter") => json!({"enabled": false}),
        ("PUT", "/kpi/rules" | "/qa/rubric" | "/alerts/rules") => json!({}),
        ("POST", "/kpi/rebuild") => json!({"from": "2026-12-01", "to": "2026-12-01"}),
        ("POST", "/qa/sample") => json!({"day": "2026-12-01"}),
        ("POST", "/qa/reviews/{id}/score") => json!({"items": [], "comments": []}),
        ("POST", "/qa/reviews/{id}/appeal") => json!({"text": "矩阵"}),
        ("POST", "/qa/reviews/{id}/decide") => json!({"decision": "矩阵"}),
        ("POST", "/buyers/{id}/notes") => json!({"body": "矩阵"}),
        ("POST", "/questions/topics/{id}/problems") => {
            json!({"owner_id": f.target_user, "note": "矩阵"})
        }
        ("PUT", "/questions/problems/{id}/fix") => json!({"fixed_on": null}),
        ("POST", "/work-orders") => json!({"kind": "other", "title": format!("矩阵 {n}")}),
        ("PUT", "/work-orders/{id}") => json!({"version": 0, "kind": "refund", "title": "矩阵退款",
            "order_no": "P1", "fields": {"reason": "商品破损"}}),
        ("POST", "/work-orders/{id}/moves") => json!({"version": 0, "move": "start"}),
        ("PUT", "/work-orders/{id}/owner") => {
            json!({"version": 0, "owner_id": f.target_user, "team": null})
        }
        ("POST", "/work-orders/{id}/notes") => json!({"text": "矩阵"}),
        ("POST", "/work-orders/bulk") => json!({"ids": [f.work_order], "priority": "high"}),
        ("POST", "/work-orders/views") => {
            json!({"name": format!("视图{}", n % 1000), "filters": {}})
        }
        ("PUT", "/work-orders/settings") => json!({"kinds": {}}),
        ("POST", "/escalations") => {
            json!({"conversation_id": f.conversation, "level": "one", "reason": "矩阵"})
        }
        ("POST", "/escalations/{id}/take") => json!({"version": 0}),
        ("POST", "/escalations/{id}/handle") => json!({"version": 0, "outcome": "矩阵"}),
        ("PUT", "/escalations/rules") => json!({}),
        ("PUT", "/notify/settings") => json!({}),
        ("PUT", "/playbooks") => json!({"playbooks": []}),
        ("POST", "/arbitrations/{id}/evidence-requests") => {
            json!({"version": 0, "party": "shop", "text": "矩阵"})
        }
        ("POST", "/arbitrations/{id}/ruling") => {
            json!({"version": 0, "kind": "no_action", "reason": "矩阵"})
        }
        ("POST", "/arbitrations/{id}/evidence") => json!({"version": 0, "text": "矩阵"}),
        ("POST", "/arbitrations/{id}/comply") => json!({"version": 0, "note": "矩阵"}),
        ("POST", "/buyer/arbitration") => json!({"reason": "矩阵"}),
        ("POST", "/buyer/arbitration/evidence") => json!({"text": "矩阵"}),
        ("POST", "/appeals" | "/buyer/appeals") => {
            json!({"kind": "other", "description": "矩阵"})
        }
        ("POST", "/appeals/{id}/take") => json!({"version": 0}),
        ("POST", "/appeals/{id}/decision") => {
            json!({"version": 0, "outcome": "rejected", "reason": "矩阵"})
        }
        ("POST", "/appeals/{id}/reopen" | "/buyer/appeals/{id}/reopen") => {
            json!({"version": 0, "facts": "矩阵"})
        }
        ("POST", "/conversations/{id}/playbooks") => json!({"key": "quality"}),
        ("PUT", "/playbook-runs/{id}/steps/{index}") => json!({"version": 0, "done": true}),
        (_, _) if method == "GET" || method == "DELETE" => return (concrete, None),
        _ => json!({}),
    };
    (concrete, Some(body))
}

/// Calls `concrete` (the route `template` with real ids) as `caller`: the status and the
/// body as text.
async fn call(
    caller: &Caller,
    method: &str,
    template: &str,
    concrete: &str,
    body: Option<Value>,
) -> (StatusCode, String) {
    let prefix = if OUTSIDE_THE_API.contains(template) {
        ""
    } else {
        "/api/v1"
    };
    let url = format!("{}{prefix}{concrete}", caller.base);
    if template.ends_with("/ws") {
        // Sockets take their token in the query.
        let mut ws = url.replace("http://", "ws://");
        if let Some(token) = &caller.token {
            ws = format!("{ws}?token={token}");
        }
        return match tokio_tungstenite::connect_async(ws).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => (
                StatusCode::from_u16(response.status().as_u16()).unwrap(),
                String::from_utf8_lossy(response.body().as_deref().unwrap_or_default())
                    .into_owned(),
            ),
            Err(e) => panic!("{} {template}: {e}", caller.name),
            Ok(_) => (StatusCode::SWITCHING_PROTOCOLS, String::new()),
        };
    }
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = caller.http.request(method, &url);
    if let Some(token) = &caller.token {
        request = request.bearer_auth(token);
    }
    if template.starts_with("/imports/") {
        request = request.header("content-type", "text/csv").body(
            "order_no,buyer_id,placed_at,payment_status,shipping_status,product_code,sku_code,item_title,quantity,unit_price\n",
        );
    } else if template.ends_with("/attachments") {
        let part = reqwest::multipart::Part::bytes(b"%PDF-1.4 matrix".to_vec()).file_name("m.pdf");
        request = request.multipart(reqwest::multipart::Form::new().part("file", part));
    } else if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.text().await.unwrap_or_default())
}

/// Checks made and those that failed.
#[derive(Default)]
struct Report {
    checked: usize,
    failures: Vec<String>,
}

impl Report {
    fn assert_clean(&self, at_least: usize) {
        assert!(
            self.failures.is_empty(),
            "{} of {} checks failed:\n{}",
            self.failures.len(),
            self.checked,
            self.failures.join("\n")
        );
        assert!(self.checked >= at_least, "only {} checks", self.checked);
    }
}

/// Calls every route in `TABLE` as `caller` and checks each answer against `expected` (and,
/// where `must_not_show_shop_a`, that it carries none of `shop_a`: shop A's ids and name,
/// unless the request itself named them). Signs out last, so the caller stays signed in for
/// the rest. `n` keeps the names the caller creates apart from other callers'.
async fn walk(
    caller: &Caller,
    f: &Fixtures,
    shop_a: &BTreeSet<String>,
    n: usize,
    report: &mut Report,
) {
    let (rest, logout): (Vec<_>, Vec<_>) = TABLE.iter().partition(|r| r.1 != "/auth/logout");
    for (i, &(method, path, rule)) in rest.into_iter().chain(logout).enumerate() {
        let want = expected(rule, target(path), caller.kind, caller.permissions);
        let (concrete, body) = request(method, path, f, n * 1000 + i);
        let sent = format!("{concrete} {}", body.clone().unwrap_or_default());
        let (status, text) = call(caller, method, path, &concrete, body).await;
        let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        report.checked += 1;
        let mut wrong = vec![];
        if !answers_as_expected(want, status, &answer) {
            wrong.push(format!("expected {want:?}"));
        }
        if must_not_show_shop_a(rule, caller.kind) {
            let shown: Vec<&String> = shop_a
                .iter()
                .filter(|m| text.contains(m.as_str()) && !sent.contains(m.as_str()))
                .collect();
            if !shown.is_empty() {
                wrong.push(format!("shows shop A's {shown:?}"));
            }
        }
        if !wrong.is_empty() {
            let excerpt: String = text.chars().take(240).collect();
            report.failures.push(format!(
                "{} {method} {path}: {status} {excerpt} (rule {rule:?}, {:?}): {}",
                caller.name,
                target(path),
                wrong.join("; ")
            ));
        }
    }
}

/// ACC-3 / ACC-4: every role of shop A gets exactly what the table grants it.
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
    let same = CallerKind::SameShop;
    let callers = [
        Caller::agent("qa", same, app.agent("tea-qa").await, role(Role::Qa)),
        Caller::agent(
            "probation agent",
            same,
            trainee,
            effective_permissions(Role::Agent, Permissions::NONE, true),
        ),
        Caller::agent(
            "agent with an expired grant",
            same,
            expired,
            role(Role::Agent),
        ),
        Caller::agent(
            "agent",
            same,
            app.agent("tea-after1").await,
            role(Role::Agent),
        ),
        Caller::agent("supervisor", same, lead, role(Role::Supervisor)),
        Caller::agent("super admin", same, admin, role(Role::SuperAdmin)),
    ];
    let mut report = Report::default();
    for (n, caller) in callers.iter().enumerate() {
        caller.assert_permissions().await;
        walk(caller, &f, &BTreeSet::new(), n, &mut report).await;
    }
    report.assert_clean(callers.len() * TABLE.len());
}

/// ACC-1 with ACC-3: the anonymous, a buyer of shop A, and agents of another shop and of the
/// platform desk call every route with shop A's ids. The anonymous and the buyer get 401
/// on every agent route; the others find none of shop A's records (404, or 403 where their
/// role would not let them anyway), reach only their own tenant elsewhere, never see shop A's
/// ids or name, and leave every record of shop A as it was.
#[tokio::test]
async fn no_one_outside_shop_a_reaches_shop_a() {
    let app = TestApp::spawn().await;
    let admin = app.agent("tea-admin").await;
    let lead = app.agent("tea-lead").await;
    let f = fixtures(&app, &admin, &lead).await;

    let before = shop_a_records(&admin, &f).await;
    let mut shop_a = BTreeSet::new();
    for (_, record) in &before {
        ids_in(record, &mut shop_a);
    }
    let store = &app.state.as_ref().unwrap().store;
    let tenant = store.tenant_by_slug("shanye-tea").await.unwrap().unwrap();
    shop_a.insert(tenant.id.to_string());
    shop_a.insert(tenant.name.clone());
    for id in [&f.conversation, &f.held, &f.buyer, &f.target_user, &f.group] {
        assert!(shop_a.contains(id), "{id} not among shop A's ids");
    }

    let buyer = app.buyer("shanye-tea").await;
    let role = |r: Role| effective_permissions(r, Permissions::NONE, false);
    let (other, platform) = (CallerKind::OtherShop, CallerKind::PlatformDesk);
    let callers = [
        Caller::anonymous(&app),
        Caller::buyer("buyer of shop A", &buyer),
        Caller::agent(
            "super admin of another shop",
            other,
            app.agent("digital-admin").await,
            role(Role::SuperAdmin),
        ),
        Caller::agent(
            "agent of another shop",
            other,
            app.agent("digital-after1").await,
            role(Role::Agent),
        ),
        Caller::agent(
            "super admin of the platform desk",
            platform,
            app.agent("official-admin").await,
            role(Role::SuperAdmin),
        ),
        Caller::agent(
            "supervisor of the platform desk",
            platform,
            app.agent("official-lead").await,
            role(Role::Supervisor),
        ),
    ];
    let mut report = Report::default();
    for (n, caller) in callers.iter().enumerate() {
        if caller.token.is_some() && caller.kind != CallerKind::Buyer {
            caller.assert_permissions().await;
        }
        walk(caller, &f, &shop_a, n, &mut report).await;
    }

    let after = shop_a_records(&admin, &f).await;
    for ((path, was), (_, is)) in before.iter().zip(&after) {
        if was != is {
            report
                .failures
                .push(format!("shop A's {path} changed:\n  {was}\n  {is}"));
        }
    }
    report.assert_clean(callers.len() * TABLE.len());
}

/// What shop A's super admin reads of the records the requests name, to show afterwards that
/// no caller outside shop A changed any (and to know shop A's ids).
async fn shop_a_records(admin: &AgentClient, f: &Fixtures) -> Vec<(String, Value)> {
    let c = &f.conversation;
    let paths = [
        format!("/conversations/{c}"),
        format!("/conversations/{c}/messages"),
        format!("/conversations/{c}/notes"),
        format!("/conversations/{c}/events"),
        format!("/conversations/{}", f.held),
        format!("/buyers/{}", f.buyer),
        format!("/buyers/{}/notes", f.buyer),
        "/orders/P1".to_owned(),
        "/products/TOUR-1".to_owned(),
        "/accounts".to_owned(),
        "/permission-groups".to_owned(),
        "/approvals".to_owned(),
        "/handoffs".to_owned(),
        "/teams".to_owned(),
        "/tags".to_owned(),
        "/settings".to_owned(),
        "/automation".to_owned(),
        "/routing/rules".to_owned(),
        "/robot/entries".to_owned(),
        "/robot/flows".to_owned(),
        "/robot/settings".to_owned(),
        format!("/work-orders/{}", f.work_order),
        "/work-orders/settings".to_owned(),
        // The demo's overdue work orders escalate on their own meanwhile: the fixture's only.
        format!("/escalations?status=all&conversation_id={}", f.held),
        format!("/conversations/{}/playbooks", f.held),
        "/playbooks".to_owned(),
        "/escalations/rules".to_owned(),
        "/notify/settings".to_owned(),
    ];
    let mut records = vec![];
    for path in paths {
        let response = admin.get(&format!("/api/v1{path}")).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        records.push((path, response.json().await.unwrap()));
    }
    records
}

/// Every id (UUID) in `value`.
fn ids_in(value: &Value, found: &mut BTreeSet<String>) {
    match value {
        Value::String(s) if Uuid::parse_str(s).is_ok() => {
            found.insert(s.clone());
        }
        Value::Array(items) => items.iter().for_each(|v| ids_in(v, found)),
        Value::Object(fields) => fields.values().for_each(|v| ids_in(v, found)),
        _ => {}
    }
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
