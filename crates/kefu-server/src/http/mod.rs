//! The HTTP edge: every route kefu serves, in one list that builds both the axum router and
//! the OpenAPI document (`routes!`), so a route cannot be served without being documented.
//! Handlers live one file per URL prefix and turn requests into calls on `desk` and the store;
//! nothing below this module imports it.

pub mod accounts;
pub mod appeals;
pub mod approvals;
pub mod arbitrations;
pub mod assets;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod automation;
pub mod blocklist;
pub mod buyer;
pub mod buyers;
pub mod channels;
pub mod cockpit;
pub mod conversations;
pub mod error;
pub mod escalations;
pub mod extract;
pub mod handoffs;
pub mod identity_secret;
pub mod imports;
pub mod kpi;
pub mod limits;
pub mod me;
pub mod ops;
pub mod orders;
pub mod permission_groups;
pub mod phrases;
pub mod playbooks;
pub mod products;
pub mod qa;
pub mod questions;
pub mod ratings;
pub mod realtime;
pub mod reports;
pub mod robot;
pub mod routing;
pub mod serve;
pub mod settings;
pub mod setup;
pub mod shared_responses;
pub mod shops;
pub mod tags;
pub mod team;
pub mod teams;
pub mod transcripts;
pub mod work_orders;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use std::time::Duration;

use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::SwaggerUi;

use crate::AppState;
use crate::settings::Limits;

use self::conversations::{context, playbooks as conversation_playbooks, suggestions};
use self::robot::{flows, proposals};

/// What the route list does not say: the title, the tags, and schemas no route names.
#[derive(OpenApi)]
#[openapi(
    info(title = "kefu API", description = "Customer service for online shops. Errors are `{code, message}`; see docs/http-api.md. WebSocket protocols: docs/websocket.md."),
    components(schemas(
        error::ErrorBody,
        crate::desk::inbound::SendMessage,
        kefu_domain::frames::ClientFrame,
        kefu_domain::frames::ServerFrame,
        crate::import::Format,
        kefu_domain::commerce::OrderCard,
        kefu_domain::commerce::ProductCard,
        kefu_domain::message::Buttons,
        kefu_domain::message::Button,
    )),
    tags(
        (name = "auth", description = "Agent sign-in, sessions and API tokens"),
        (name = "conversations", description = "The agent workbench"),
        (name = "buyer", description = "The buyer chat page and widget"),
        (name = "team", description = "Accounts and availability"),
        (name = "attachments", description = "Pictures and files"),
        (name = "commerce", description = "Products, orders, imports, context and partner handoffs"),
        (name = "routing", description = "Routing rules and their tester (WB-4)"),
        (name = "work_orders", description = "Work orders: what outlives a chat, with an owner, an office-time deadline and a history (ESC-3)"),
        (name = "escalations", description = "Escalation up three levels, the shop's rules, and where notifications go (ESC-1)"),
        (name = "robot", description = "The FAQ robot: knowledge base, settings, test console, suggestions, metrics (BOT-*)"),
        (name = "approvals", description = "Refunds, compensations and logistics changes that need a second person (ACC-5)"),
        (name = "reports", description = "The team's numbers: scorecards, rankings, exports (KPI-1, KPI-2, KPI-4)"),
        (name = "qa", description = "Quality inspection: rubric, daily sample, scores, appeals (KPI-3)"),
        (name = "questions", description = "Question mining: topics by week and product, sent to the robot or upstream as problems (DATA-5)"),
        (name = "channels", description = "Channels: WeChat and the other platforms buyers write from, their callbacks, and the reply window (CH-3)"),
        (name = "ops", description = "Health and metrics for operators"),
    )
)]
struct ApiDoc;

/// Every route, each with its body limit. The one list of what kefu serves.
fn routes(limits: &Limits) -> OpenApiRouter<AppState> {
    let upload_limit =
        DefaultBodyLimit::max(limits.max_file_bytes.max(limits.max_image_bytes) + 64 * 1024);
    let json = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(auth::login))
        .routes(routes!(setup::setup_status, setup::setup))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(auth::create_token))
        .routes(routes!(me::set_status))
        .routes(routes!(me::send_phone_code))
        .routes(routes!(me::verify_phone))
        .routes(routes!(team::team))
        .routes(routes!(team::live))
        .routes(routes!(conversations::list))
        .routes(routes!(conversations::get))
        .routes(routes!(conversations::messages, conversations::send))
        .routes(routes!(conversations::read))
        .routes(routes!(conversations::resolve))
        .routes(routes!(conversations::reopen))
        .routes(routes!(conversations::assign))
        .routes(routes!(conversations::transfer))
        .routes(routes!(conversations::grab))
        .routes(routes!(conversations::notes, conversations::add_note))
        .routes(routes!(conversations::events))
        .routes(routes!(conversations::set_tags))
        .routes(routes!(context::conversation_context))
        .routes(routes!(context::hand_off))
        .routes(routes!(suggestions::suggestions))
        .routes(routes!(tags::tags, tags::add_tag))
        .routes(routes!(phrases::phrases, phrases::add_phrase))
        .routes(routes!(phrases::put_phrase, phrases::delete_phrase))
        .routes(routes!(phrases::phrase_used))
        .routes(routes!(phrases::export_phrases))
        .routes(routes!(routing::rules, routing::put_rules))
        .routes(routes!(routing::test))
        .routes(routes!(robot::entries))
        .routes(routes!(robot::settings, robot::put_settings))
        .routes(routes!(robot::ask))
        .routes(routes!(robot::metrics))
        .routes(routes!(robot::calibration))
        .routes(routes!(flows::flows))
        .routes(routes!(flows::put_flow, flows::delete_flow))
        .routes(routes!(proposals::proposals))
        .routes(routes!(proposals::run))
        .routes(routes!(proposals::approve))
        .routes(routes!(proposals::reject))
        .routes(routes!(work_orders::list, work_orders::open))
        .routes(routes!(work_orders::one, work_orders::edit))
        .routes(routes!(work_orders::move_order))
        .routes(routes!(work_orders::assign))
        .routes(routes!(work_orders::note))
        .routes(routes!(work_orders::bulk))
        .routes(routes!(work_orders::export))
        .routes(routes!(work_orders::views, work_orders::save_view))
        .routes(routes!(work_orders::delete_view))
        .routes(routes!(work_orders::settings, work_orders::put_settings))
        .routes(routes!(work_orders::buyer_orders))
        .routes(routes!(escalations::list, escalations::escalate))
        .routes(routes!(escalations::take))
        .routes(routes!(escalations::handle))
        .routes(routes!(escalations::rules, escalations::put_rules))
        .routes(routes!(
            escalations::notify_settings,
            escalations::put_notify_settings
        ))
        .routes(routes!(escalations::test))
        .routes(routes!(escalations::deliveries))
        .routes(routes!(playbooks::list, playbooks::put))
        .routes(routes!(
            conversation_playbooks::list,
            conversation_playbooks::start
        ))
        .routes(routes!(conversation_playbooks::tick))
        .routes(routes!(arbitrations::list))
        .routes(routes!(arbitrations::one))
        .routes(routes!(arbitrations::ask_evidence))
        .routes(routes!(arbitrations::add_evidence))
        .routes(routes!(arbitrations::rule))
        .routes(routes!(arbitrations::comply))
        .routes(routes!(arbitrations::buyer_view, arbitrations::buyer_file))
        .routes(routes!(arbitrations::buyer_evidence))
        .routes(routes!(transcripts::export))
        .routes(routes!(transcripts::verify))
        .routes(routes!(appeals::list, appeals::file))
        .routes(routes!(appeals::take))
        .routes(routes!(appeals::decide))
        .routes(routes!(appeals::reopen))
        .routes(routes!(appeals::buyer_list, appeals::buyer_file))
        .routes(routes!(appeals::buyer_reopen))
        .routes(routes!(products::products))
        .routes(routes!(products::product, products::put_product))
        .routes(routes!(orders::order, orders::put_order))
        .routes(routes!(handoffs::handoff_cases))
        .routes(routes!(handoffs::close_handoff))
        .routes(routes!(accounts::accounts, accounts::create_account))
        .routes(routes!(accounts::update_account))
        .routes(routes!(accounts::disable_account))
        .routes(routes!(accounts::enable_account))
        .routes(routes!(accounts::change_probation))
        .routes(routes!(
            permission_groups::groups,
            permission_groups::create_group
        ))
        .routes(routes!(permission_groups::grant))
        .routes(routes!(permission_groups::revoke))
        .routes(routes!(teams::teams))
        .routes(routes!(teams::put_team))
        .routes(routes!(settings::settings, settings::put_settings))
        .routes(routes!(automation::automation, automation::put_automation))
        .routes(routes!(
            automation::intake_filter,
            automation::put_intake_filter
        ))
        .routes(routes!(blocklist::block))
        .routes(routes!(blocklist::blocklist))
        .routes(routes!(blocklist::lift))
        .routes(routes!(blocklist::restore))
        .routes(routes!(identity_secret::identity_secret))
        .routes(routes!(identity_secret::reveal))
        .routes(routes!(identity_secret::rotate))
        .routes(routes!(identity_secret::end_grace))
        .routes(routes!(approvals::queue, approvals::request))
        .routes(routes!(approvals::approve))
        .routes(routes!(approvals::reject))
        .routes(routes!(audit::list))
        .routes(routes!(audit::verify))
        .routes(routes!(buyers::profile))
        .routes(routes!(buyers::buyer_profile))
        .routes(routes!(buyers::merge))
        .routes(routes!(buyers::split))
        .routes(routes!(buyers::notes, buyers::add_note))
        .routes(routes!(shops::shop))
        .routes(routes!(buyer::start_session))
        .routes(routes!(buyer::messages, buyer::send))
        .routes(routes!(buyer::buyer_orders))
        .routes(routes!(buyer::end_conversation))
        .routes(routes!(ratings::buyer_rating, ratings::rate))
        .routes(routes!(ratings::conversation_ratings))
        .routes(routes!(ratings::reinvite))
        .routes(routes!(kpi::rules, kpi::put_rules))
        .routes(routes!(kpi::scorecards))
        .routes(routes!(kpi::export))
        .routes(routes!(kpi::me))
        .routes(routes!(kpi::export_mine))
        .routes(routes!(kpi::agent_card))
        .routes(routes!(kpi::rankings))
        .routes(routes!(kpi::rebuild))
        .routes(routes!(kpi::refresh))
        .routes(routes!(cockpit::cockpit))
        .routes(routes!(cockpit::live))
        .routes(routes!(cockpit::heatmap))
        .routes(routes!(cockpit::drill))
        .routes(routes!(cockpit::funnel))
        .routes(routes!(cockpit::dropped))
        .routes(routes!(cockpit::list_alerts))
        .routes(routes!(cockpit::acknowledge))
        .routes(routes!(cockpit::scan))
        .routes(routes!(cockpit::rules, cockpit::put_rules))
        .routes(routes!(reports::list))
        .routes(routes!(reports::read, reports::make))
        .routes(routes!(reports::export))
        .routes(routes!(questions::topics))
        .routes(routes!(questions::topic))
        .routes(routes!(questions::mine))
        .routes(routes!(questions::to_robot))
        .routes(routes!(questions::report_problem))
        .routes(routes!(questions::problems))
        .routes(routes!(questions::fix))
        .routes(routes!(qa::rubric, qa::put_rubric))
        .routes(routes!(qa::reviews))
        .routes(routes!(qa::sample))
        .routes(routes!(qa::review))
        .routes(routes!(qa::score))
        .routes(routes!(qa::appeal))
        .routes(routes!(qa::decide))
        .routes(routes!(qa::mine))
        .routes(routes!(channels::list, channels::connect))
        .routes(routes!(channels::change, channels::disconnect))
        .routes(routes!(channels::window))
        .routes(routes!(channels::caller_check))
        .routes(routes!(channels::move_to_wecom))
        .routes(routes!(channels::move_targets))
        .routes(routes!(channels::grant))
        .routes(routes!(realtime::buyer))
        .routes(routes!(realtime::agent))
        .layer(DefaultBodyLimit::max(limits.max_json_bytes));
    let uploads = OpenApiRouter::new()
        .routes(routes!(attachments::upload_for_agent))
        .routes(routes!(attachments::upload_for_buyer))
        .layer(upload_limit);
    let imports = OpenApiRouter::new()
        .routes(routes!(imports::import))
        .layer(DefaultBodyLimit::max(limits.max_import_bytes));
    // An entry may carry 5,000 similar questions of up to 200 characters (issue #16): more
    // than other JSON bodies, still bounded.
    let entries = OpenApiRouter::new()
        .routes(routes!(robot::put_entry, robot::delete_entry))
        .layer(DefaultBodyLimit::max(
            MAX_ENTRY_BYTES.max(limits.max_json_bytes),
        ));
    // Issue #21: the platforms' callbacks; their pushes are a few hundred bytes.
    let hooks = OpenApiRouter::new()
        .routes(routes!(
            channels::wechat_mp_verify,
            channels::wechat_mp_push
        ))
        .routes(routes!(channels::wecom_kf_verify, channels::wecom_kf_push))
        .routes(routes!(channels::douyin_push))
        .routes(routes!(channels::douyin_granted))
        .routes(routes!(channels::phone_push))
        .routes(routes!(channels::widget_script))
        .layer(DefaultBodyLimit::max(
            crate::channels::wechat_mp::MAX_PUSH_BYTES
                .max(crate::channels::wecom_kf::MAX_PUSH_BYTES)
                .max(crate::channels::douyin::MAX_PUSH_BYTES)
                .max(crate::channels::phone::MAX_PUSH_BYTES),
        ));
    let outside_the_api = OpenApiRouter::new()
        .routes(routes!(attachments::download))
        .routes(routes!(ops::healthz))
        .routes(routes!(ops::livez))
        .routes(routes!(ops::readyz))
        .routes(routes!(ops::metrics));
    json.merge(uploads)
        .merge(imports)
        .merge(entries)
        .merge(hooks)
        .merge(outside_the_api)
}

/// The largest knowledge base entry `PUT /robot/entries/{id}` takes: 5,000 similar questions
/// of 200 characters (3 bytes each in UTF-8), with room for the JSON around them.
const MAX_ENTRY_BYTES: usize = 4 * 1024 * 1024;

/// The OpenAPI document, as served at `/api/v1/openapi.json` (and written by `kefu openapi`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = routes(&Limits::default()).into_openapi();
    shared_responses::document(&mut doc);
    doc
}

pub fn app(state: AppState) -> Router {
    let (api, mut doc) = routes(&state.settings.limits).split_for_parts();
    shared_responses::document(&mut doc);
    api.merge(SwaggerUi::new("/api/v1/docs").url("/api/v1/openapi.json", doc))
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(assets::serve)
        .layer(CatchPanicLayer::custom(error::panicked))
        // Issue #15: security headers on every response, and compressed bodies.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            content_security_policy(&state.settings.http.frame_ancestors),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(CompressionLayer::new())
        .layer(RequestBodyTimeoutLayer::new(Duration::from_secs(
            state.settings.limits.body_read_seconds.max(1),
        )))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limits::per_address,
        ))
        .layer(axum::middleware::from_fn(ops::track_http))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(access_line),
        )
        // Issue #15: every request has an id (the proxy's `X-Request-Id`, or a new UUID), on
        // its log lines and in its response.
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// The content security policy every response carries (issue #15): the UI loads only from
/// kefu itself (pictures from any HTTPS host: product images are the shop's), and only kefu's
/// pages and the sites in `http.frame_ancestors` (a shop that embeds the chat page) may frame it.
pub(crate) fn content_security_policy(frame_ancestors: &[String]) -> HeaderValue {
    let ancestors = std::iter::once("'self'")
        .chain(frame_ancestors.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ");
    let csp = format!(
        "default-src 'self'; img-src 'self' data: blob: https:; media-src 'self' blob:; \
         style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self' ws: wss:; \
         font-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors {ancestors}"
    );
    HeaderValue::from_str(&csp).unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"))
}

/// A known route called with a method it does not take: a `{code, message}` body like every
/// other error (axum adds the `Allow` header).
async fn method_not_allowed() -> crate::error::ApiError {
    kefu_domain::error_code::ErrorCode::MethodNotAllowed.into()
}

/// Logs the path without the query: WebSocket URLs carry tokens there.
/// The span every log line of a request is in: its id, method and path.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    // A proxy's id is the client's text: keep the log line short whatever it sent.
    let id = id.get(..64).unwrap_or(id);
    tracing::info_span!("http", request_id = %id, method = %request.method(), path = %request.uri().path())
}

const REQUEST_ID: &str = "x-request-id";

/// One line per request answered (its span carries the id, method and path).
fn access_line<B>(response: &axum::http::Response<B>, latency: Duration, _span: &tracing::Span) {
    tracing::info!(
        target: "kefu::access",
        status = response.status().as_u16(),
        ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
        "served"
    );
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    /// Generated clients name a function after each operation id: two operations with one id
    /// would collide there.
    #[test]
    fn every_operation_has_its_own_id() {
        let doc = super::openapi();
        let mut seen = HashSet::new();
        for (path, item) in &doc.paths.paths {
            let value = serde_json::to_value(item).unwrap();
            for (method, operation) in value.as_object().unwrap() {
                let id = operation["operationId"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                assert!(!id.is_empty(), "{method} {path} has no operation id");
                assert!(
                    seen.insert(id.clone()),
                    "{method} {path}: operation id {id} is taken"
                );
            }
        }
        assert!(seen.len() > 70, "{seen:?}");
    }

    /// Issue #14: generated clients and fuzzers need a valid document: every `{parameter}`
    /// of a path is declared as a path parameter, nothing else is, and every `$ref` resolves.
    #[test]
    fn the_document_declares_every_path_parameter_and_resolves_every_reference() {
        let doc = serde_json::to_value(super::openapi()).unwrap();
        let mut problems = vec![];
        for (path, item) in doc["paths"].as_object().unwrap() {
            let named: HashSet<&str> = path
                .split('{')
                .skip(1)
                .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
                .collect();
            for (method, operation) in item.as_object().unwrap() {
                let declared: HashSet<&str> = operation["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|p| p["in"] == "path")
                    .filter_map(|p| p["name"].as_str())
                    .collect();
                if declared != named {
                    problems.push(format!("{method} {path}: declares {declared:?}"));
                }
            }
        }
        let text = doc.to_string();
        for (at, _) in text.match_indices("#/components/schemas/") {
            let name: String = text[at + 21..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if doc["components"]["schemas"].get(&name).is_none() {
                problems.push(format!("no schema {name}"));
            }
        }
        assert!(problems.is_empty(), "{problems:#?}");
    }
}
