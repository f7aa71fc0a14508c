//! `/imports`: products, orders and knowledge base entries from CSV, JSON Lines or .xlsx, with
//! line-numbered rejections (`crate::import`).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use kefu_domain::role::Permission;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::auth::Agent;
use crate::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiBytes, ApiPath, ApiQuery};
use crate::import::{self, Format, ImportKind, ImportReport};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `csv`, `jsonl` or `xlsx`; by default from the Content-Type, else from the content.
    format: Option<Format>,
}

/// Imports a CSV or JSON Lines file (UTF-8 or GBK) or an Excel workbook (.xlsx, its first
/// sheet) sent as the request body. Bad rows are reported by line (a workbook's row number)
/// and change nothing; a repeated import changes nothing.
#[utoipa::path(post, path = "/api/v1/imports/{kind}", tag = "commerce", params(("kind" = ImportKind, Path), ImportQuery),
    request_body(content = String, description = "the file", content_type = "text/csv"),
    responses((status = 200, body = ImportReport), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(kind): ApiPath<ImportKind>,
    ApiQuery(query): ApiQuery<ImportQuery>,
    headers: HeaderMap,
    ApiBytes(body): ApiBytes,
) -> Result<Json<ImportReport>, ApiError> {
    agent.require(match kind {
        ImportKind::Kb | ImportKind::KbQuestions => Permission::KbManage,
        ImportKind::Products | ImportKind::Orders => Permission::CatalogManage,
        ImportKind::Phrases => Permission::TeamManage,
    })?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let hint = import::Hint {
        file_name: None,
        content_type,
        format: query.format,
    };
    // A workbook may unzip to a few times the largest upload, no more.
    let max_expanded = state.settings.limits.max_import_bytes as u64 * 4;
    let (text, format) = import::decode(&body, hint, max_expanded)?;
    let tenant = agent.tenant_id();
    let report = import::import(&state.store, tenant, kind, &text, format, &mut |_, _| {}).await?;
    let kb_changed = match kind {
        ImportKind::Kb => report.accepted > 0,
        ImportKind::KbQuestions => report.updated > 0,
        ImportKind::Products | ImportKind::Orders | ImportKind::Phrases => false,
    };
    if kb_changed {
        crate::desk::robot::rebuild_soon(&state, tenant);
    }
    tracing::info!(
        ?kind,
        rows = report.rows,
        accepted = report.accepted,
        rejected = report.rejected,
        "import"
    );
    Ok(Json(report))
}
