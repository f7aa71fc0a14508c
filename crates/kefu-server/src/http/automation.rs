//! The shop's documents of rules, audited: `/automation`, its automatic replies (WB-2), and
//! `/intake-filter`, what closes a conversation as spam (WB-6). Everyone on the team may read
//! them (an agent sees what buyers are told automatically); changing them needs
//! `settings.manage`.

use axum::Json;
use axum::extract::State;
use kefu_domain::automation::AutoReplies;
use kefu_domain::intake::IntakeFilter;
use kefu_domain::role::Permission;
use kefu_store::ShopDocument;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::audit;
use crate::auth::Agent;
use crate::error::{ApiError, ErrorBody};
use crate::http::extract::ApiJson;

/// The shop's automatic replies and their version (0: never saved, all off).
#[derive(Debug, Serialize, ToSchema)]
pub struct AutomationView {
    pub replies: AutoReplies,
    pub version: i64,
}

#[utoipa::path(get, path = "/api/v1/automation", tag = "team",
    responses((status = 200, body = AutomationView)))]
pub async fn automation(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Json<AutomationView>, ApiError> {
    agent.require(Permission::TeamRead)?;
    let (replies, version) = state
        .store
        .shop_document::<AutoReplies>(agent.tenant_id())
        .await?;
    Ok(Json(AutomationView { replies, version }))
}

#[utoipa::path(put, path = "/api/v1/automation", tag = "team", request_body = AutoReplies,
    responses((status = 200, body = AutomationView), (status = 400, body = ErrorBody)))]
pub async fn put_automation(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(replies): ApiJson<AutoReplies>,
) -> Result<Json<AutomationView>, ApiError> {
    agent.require(Permission::SettingsManage)?;
    let replies = replies
        .check()
        .map_err(|invalid| ApiError::new(invalid.code(), invalid.0))?;
    let version = save_document(&state, &agent, &replies, "automation.change").await?;
    state.automation.forget(agent.tenant_id());
    Ok(Json(AutomationView { replies, version }))
}

/// The shop's intake filter (WB-6) and its version (0: never saved, off).
#[derive(Debug, Serialize, ToSchema)]
pub struct IntakeFilterView {
    pub filter: IntakeFilter,
    pub version: i64,
}

#[utoipa::path(get, path = "/api/v1/intake-filter", tag = "team",
    responses((status = 200, body = IntakeFilterView)))]
pub async fn intake_filter(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Json<IntakeFilterView>, ApiError> {
    agent.require(Permission::TeamRead)?;
    let (filter, version) = state
        .store
        .shop_document::<IntakeFilter>(agent.tenant_id())
        .await?;
    Ok(Json(IntakeFilterView { filter, version }))
}

/// Saves the intake filter: messages it flags close their conversation as invalid (WB-6).
#[utoipa::path(put, path = "/api/v1/intake-filter", tag = "team", request_body = IntakeFilter,
    responses((status = 200, body = IntakeFilterView), (status = 400, body = ErrorBody)))]
pub async fn put_intake_filter(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(filter): ApiJson<IntakeFilter>,
) -> Result<Json<IntakeFilterView>, ApiError> {
    agent.require(Permission::SettingsManage)?;
    let filter = filter.check().map_err(|code| {
        ApiError::new(
            code,
            "keywords of at most 50 characters (500 at most), 100 domains, 0–600 messages a minute",
        )
    })?;
    let version = save_document(&state, &agent, &filter, "intake_filter.change").await?;
    state.intake.forget(agent.tenant_id());
    Ok(Json(IntakeFilterView { filter, version }))
}

/// Saves one of the shop's documents of rules with an audit entry of its before and after,
/// in one transaction: its new version.
pub(crate) async fn save_document<T: ShopDocument + Sync>(
    state: &AppState,
    agent: &Agent,
    document: &T,
    action: &str,
) -> Result<i64, ApiError> {
    let (before, _) = state.store.shop_document::<T>(agent.tenant_id()).await?;
    Ok(state
        .store
        .set_shop_document(agent.tenant_id(), document, |after| {
            vec![audit::by(
                agent,
                action,
                T::KIND,
                serde_json::json!({ "from": before, "to": after }),
            )]
        })
        .await?)
}
