//! `/settings`: the shop's settings (ACC-6), audited.

use axum::Json;
use axum::extract::State;
use kefu_domain::guard::ShopSettings;
use kefu_domain::role::Permission;

use crate::AppState;
use crate::audit;
use crate::auth::Agent;
use crate::error::{ApiError, ErrorBody};
use crate::http::extract::ApiJson;

/// The shop's guard-rail settings; every team member may read them (an agent sees whether a
/// refund will need approval).
#[utoipa::path(get, path = "/api/v1/settings", tag = "team",
    responses((status = 200, body = ShopSettings)))]
pub async fn settings(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Json<ShopSettings>, ApiError> {
    agent.require(Permission::TeamRead)?;
    Ok(Json(state.store.shop_settings(agent.tenant_id()).await?))
}

#[utoipa::path(put, path = "/api/v1/settings", tag = "team", request_body = ShopSettings,
    responses((status = 200, body = ShopSettings), (status = 400, body = ErrorBody)))]
pub async fn put_settings(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(settings): ApiJson<ShopSettings>,
) -> Result<Json<ShopSettings>, ApiError> {
    agent.require(Permission::SettingsManage)?;
    let settings = settings.check().map_err(|code| {
        ApiError::new(
            code,
            "refund threshold 0–1,000,000 yuan, probation 7–15 days, 1–10,000 accounts; \
             office hours: weekdays 1–7 and open before close as HH:MM",
        )
    })?;
    let before = state.store.shop_settings(agent.tenant_id()).await?;
    state
        .store
        .set_shop_settings(agent.tenant_id(), &settings, |_| {
            vec![audit::by(
                &agent,
                "settings.change",
                "settings",
                serde_json::json!({ "from": before, "to": settings }),
            )]
        })
        .await?;
    state.service.forget(agent.tenant_id());
    Ok(Json(settings))
}
