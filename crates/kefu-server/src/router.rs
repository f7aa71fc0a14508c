//! Every route kefu serves, in one table.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, patch, post, put};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::openapi::ApiDoc;
use crate::{
    AppState, account, approvals, assets, attachments, audit, buyers, commerce, conversations, ops,
    realtime, robot_api, robot_flows, robot_training, routing, team,
};

pub fn app(state: AppState) -> Router {
    let limits = &state.settings.limits;
    let upload_limit =
        DefaultBodyLimit::max(limits.max_file_bytes.max(limits.max_image_bytes) + 64 * 1024);
    let api = Router::new()
        .route("/auth/login", post(account::login))
        .route("/auth/logout", post(account::logout))
        .route("/auth/me", get(account::me))
        .route("/auth/tokens", post(account::create_token))
        .route("/me/status", put(account::set_status))
        .route("/me/phone/code", post(team::send_phone_code))
        .route("/me/phone/verify", post(team::verify_phone))
        .route("/team", get(account::team))
        .route("/team/live", get(team::live))
        .route("/conversations", get(conversations::list))
        .route("/conversations/{id}", get(conversations::get))
        .route(
            "/conversations/{id}/messages",
            get(conversations::messages).post(conversations::send),
        )
        .route("/conversations/{id}/read", post(conversations::read))
        .route("/conversations/{id}/resolve", post(conversations::resolve))
        .route("/conversations/{id}/reopen", post(conversations::reopen))
        .route("/conversations/{id}/assign", post(conversations::assign))
        .route(
            "/conversations/{id}/transfer",
            post(conversations::transfer),
        )
        .route("/conversations/{id}/grab", post(conversations::grab))
        .route(
            "/conversations/{id}/notes",
            get(conversations::notes).post(conversations::add_note),
        )
        .route("/conversations/{id}/events", get(conversations::events))
        .route("/conversations/{id}/tags", put(conversations::set_tags))
        .route(
            "/tags",
            get(conversations::tags).post(conversations::add_tag),
        )
        .route(
            "/routing/rules",
            get(routing::rules).put(routing::put_rules),
        )
        .route("/routing/test", post(routing::test))
        .route("/robot/entries", get(robot_api::entries))
        .route(
            "/robot/entries/{id}",
            put(robot_api::put_entry).delete(robot_api::delete_entry),
        )
        .route(
            "/robot/settings",
            get(robot_api::settings).put(robot_api::put_settings),
        )
        .route("/robot/ask", post(robot_api::ask))
        .route("/robot/metrics", get(robot_api::metrics))
        .route("/robot/flows", get(robot_flows::flows))
        .route(
            "/robot/flows/{id}",
            put(robot_flows::put_flow).delete(robot_flows::delete_flow),
        )
        .route("/after-sales", get(robot_flows::after_sales))
        .route("/robot/proposals", get(robot_training::proposals))
        .route("/robot/proposals/run", post(robot_training::run))
        .route(
            "/robot/proposals/{id}/approve",
            post(robot_training::approve),
        )
        .route("/robot/proposals/{id}/reject", post(robot_training::reject))
        .route(
            "/conversations/{id}/suggestions",
            get(robot_api::suggestions),
        )
        .route(
            "/conversations/{id}/context",
            get(commerce::conversation_context),
        )
        .route("/conversations/{id}/handoffs", post(commerce::hand_off))
        .route("/products", get(commerce::products))
        .route(
            "/products/{code}",
            get(commerce::product).put(commerce::put_product),
        )
        .route(
            "/orders/{order_no}",
            get(commerce::order).put(commerce::put_order),
        )
        .route("/buyer/orders", get(commerce::buyer_orders))
        .route("/handoffs", get(commerce::handoff_cases))
        .route("/accounts", get(team::accounts).post(team::create_account))
        .route("/accounts/{id}", patch(team::update_account))
        .route("/accounts/{id}/disable", post(team::disable_account))
        .route("/accounts/{id}/enable", post(team::enable_account))
        .route("/accounts/{id}/probation", post(team::change_probation))
        .route(
            "/permission-groups",
            get(team::groups).post(team::create_group),
        )
        .route("/permission-groups/{id}/grants", post(team::grant))
        .route(
            "/permission-groups/{id}/grants/{user_id}",
            delete(team::revoke),
        )
        .route("/teams", get(team::teams))
        .route("/teams/{key}", put(team::put_team))
        .route("/settings", get(team::settings).put(team::put_settings))
        .route("/approvals", get(approvals::queue).post(approvals::request))
        .route("/approvals/{id}/approve", post(approvals::approve))
        .route("/approvals/{id}/reject", post(approvals::reject))
        .route("/audit", get(audit::list))
        .route("/audit/verify", get(audit::verify))
        .route("/handoffs/{id}/close", post(commerce::close_handoff))
        .route(
            "/buyers/{id}/notes",
            get(commerce::notes).post(commerce::add_note),
        )
        .route("/buyers/{id}", get(buyers::profile))
        .route("/shops/{slug}", get(buyers::shop))
        .route("/buyer/session", post(buyers::start_session))
        .route("/buyer/messages", get(buyers::messages).post(buyers::send))
        .route("/buyer/ws", get(realtime::buyer))
        .route("/agent/ws", get(realtime::agent))
        .layer(DefaultBodyLimit::max(limits.max_json_bytes))
        .merge(
            Router::new()
                .route("/attachments", post(attachments::upload_for_agent))
                .route("/buyer/attachments", post(attachments::upload_for_buyer))
                .layer(upload_limit),
        )
        .merge(
            Router::new()
                .route("/imports/{kind}", post(commerce::import))
                .layer(DefaultBodyLimit::max(limits.max_import_bytes)),
        );
    Router::new()
        .nest("/api/v1", api)
        .merge(SwaggerUi::new("/api/v1/docs").url("/api/v1/openapi.json", ApiDoc::openapi()))
        .route("/files/{id}", get(attachments::download))
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics))
        .fallback(assets::serve)
        .layer(axum::middleware::from_fn(ops::track_http))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(state)
}

/// Logs the path without the query: WebSocket URLs carry tokens there.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    tracing::debug_span!("http", method = %request.method(), path = %request.uri().path())
}
