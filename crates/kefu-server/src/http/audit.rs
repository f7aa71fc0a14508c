//! `/audit` (ACC-5): supervisors read and filter the tenant's audit chain, and ask whether it
//! is intact.

use axum::Json;
use axum::extract::State;
use kefu_domain::error_code::ErrorCode;
use kefu_domain::guard::AuditEntry;
use kefu_domain::role::Permission;
use kefu_store::AuditFilter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Agent;
use crate::error::{ApiError, ErrorBody};
use crate::http::extract::ApiQuery;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only this person's actions.
    actor_id: Option<Uuid>,
    /// An action (`refund.request`) or a family (`refund`).
    action: Option<String>,
    /// From this time (epoch ms), inclusive.
    from: Option<i64>,
    /// Before this time (epoch ms).
    to: Option<i64>,
    /// At most 500; default 100.
    limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditList {
    pub entries: Vec<AuditEntry>,
}

/// The tenant's audit log, newest first.
#[utoipa::path(get, operation_id = "audit_list", path = "/api/v1/audit", tag = "team", params(AuditQuery),
    responses((status = 200, body = AuditList), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Json<AuditList>, ApiError> {
    agent.require(Permission::AuditView)?;
    let action = query
        .action
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty());
    if action.is_some_and(|a| a.len() > 64) {
        return Err(ApiError::new(
            ErrorCode::QueryTooLong,
            "an action is at most 64 bytes",
        ));
    }
    let entries = state
        .store
        .audit_entries(
            agent.tenant_id(),
            &AuditFilter {
                actor_id: query.actor_id,
                action,
                from: query.from,
                to: query.to,
                limit: query.limit.unwrap_or(100).clamp(1, 500),
            },
        )
        .await?;
    Ok(Json(AuditList { entries }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChainState {
    /// True when every entry's hash and link check out.
    pub intact: bool,
    pub checked: u64,
    /// The first broken entry, and what is wrong with it.
    pub broken_seq: Option<i64>,
    pub problem: Option<String>,
}

/// Recomputes the tenant's chain from its first entry.
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "team",
    responses((status = 200, body = ChainState), (status = 403, body = ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Json<ChainState>, ApiError> {
    agent.require(Permission::AuditView)?;
    let verdict = state.store.verify_audit(Some(agent.tenant_id())).await?;
    let first = verdict.broken.into_iter().next();
    Ok(Json(ChainState {
        intact: first.is_none(),
        checked: verdict.checked,
        broken_seq: first.as_ref().map(|(_, seq, _)| *seq),
        problem: first.map(|(_, _, problem)| problem),
    }))
}
