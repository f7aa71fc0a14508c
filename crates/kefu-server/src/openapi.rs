//! The OpenAPI document, generated from the handlers' annotations and served at
//! `/api/v1/openapi.json` (browsable at `/api/v1/docs`).

use utoipa::OpenApi;

use crate::{
    account, approvals, attachments, audit, buyers, commerce, conversations, error, messaging,
    robot_api, robot_flows, robot_training, routing, team,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "kefu API", description = "Customer service for online shops. Errors are `{code, message}`; see docs/http-api.md. WebSocket protocols: docs/websocket.md."),
    paths(
        account::login, account::logout, account::me, account::create_token, account::set_status, account::team,
        conversations::list, conversations::get, conversations::messages, conversations::send,
        conversations::read, conversations::resolve, conversations::reopen, conversations::assign,
        conversations::events, conversations::tags, conversations::add_tag,
        conversations::set_tags, conversations::transfer, conversations::notes,
        conversations::add_note, conversations::grab, routing::rules, routing::put_rules, routing::test,
        robot_api::entries, robot_api::put_entry, robot_api::delete_entry, robot_api::settings,
        robot_api::put_settings, robot_api::ask, robot_api::suggestions, robot_api::metrics,
        robot_flows::flows, robot_flows::put_flow, robot_flows::delete_flow,
        robot_flows::after_sales, robot_training::run, robot_training::proposals,
        robot_training::approve, robot_training::reject,
        buyers::shop, buyers::start_session, buyers::messages, buyers::send, buyers::profile,
        attachments::upload_for_agent, attachments::upload_for_buyer,
        commerce::products, commerce::product, commerce::put_product, commerce::order,
        commerce::put_order, commerce::import, commerce::conversation_context,
        commerce::buyer_orders, commerce::hand_off, commerce::handoff_cases,
        commerce::close_handoff, commerce::notes, commerce::add_note,
        team::accounts, team::create_account, team::update_account, team::disable_account,
        team::enable_account, team::change_probation, team::groups, team::create_group,
        team::grant, team::revoke, team::teams, team::put_team, team::settings,
        team::put_settings, team::send_phone_code, team::verify_phone, team::live, approvals::request, approvals::queue, approvals::approve,
        approvals::reject, audit::list, audit::verify,
    ),
    components(schemas(error::ErrorBody, messaging::SendMessage)),
    tags(
        (name = "auth", description = "Agent sign-in, sessions and API tokens"),
        (name = "conversations", description = "The agent workbench"),
        (name = "buyer", description = "The buyer chat page and widget"),
        (name = "team", description = "Accounts and availability"),
        (name = "attachments", description = "Pictures and files"),
        (name = "commerce", description = "Products, orders, imports, context and partner handoffs"),
        (name = "routing", description = "Routing rules and their tester (WB-4)"),
        (name = "robot", description = "The FAQ robot: knowledge base, settings, test console, suggestions, metrics (BOT-*)"),
        (name = "approvals", description = "Refunds, compensations and logistics changes that need a second person (ACC-5)"),
    )
)]
pub struct ApiDoc;
