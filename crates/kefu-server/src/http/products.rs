//! `/products`: the shop's catalogue, searched by agents and upserted idempotently by the
//! shop's backend (CH-2, CH-6).

use axum::Json;
use axum::extract::State;
use kefu_domain::commerce::{Product, ProductInput};
use kefu_domain::error_code::ErrorCode;
use kefu_domain::role::Permission;
use kefu_store::UpsertCounts;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::Agent;
use crate::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Part of a code, title or category; empty lists everything.
    #[serde(default)]
    q: String,
    /// At most 100; default 20.
    limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProductList {
    pub products: Vec<Product>,
}

/// Finds products, by code.
#[utoipa::path(get, path = "/api/v1/products", tag = "commerce", params(SearchQuery),
    responses((status = 200, body = ProductList), (status = 403, body = ErrorBody)))]
pub async fn products(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> Result<Json<ProductList>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    let limit = query.limit.unwrap_or(20).clamp(1, 100);
    let q = query.q.trim();
    if q.chars().count() > 100 {
        return Err(ApiError::new(
            ErrorCode::QueryTooLong,
            "search at most 100 characters",
        ));
    }
    let products = state.store.products(agent.tenant_id(), q, limit).await?;
    Ok(Json(ProductList { products }))
}

#[utoipa::path(get, path = "/api/v1/products/{code}", tag = "commerce", params(("code" = String, Path)),
    responses((status = 200, body = Product), (status = 404, body = ErrorBody)))]
pub async fn product(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Product>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    state
        .store
        .product(agent.tenant_id(), &code)
        .await?
        .map(Json)
        .ok_or_else(|| ErrorCode::ProductNotFound.into())
}

/// What an upsert did to the one record sent.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Upserted {
    Created,
    Updated,
    Unchanged,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UpsertResult {
    pub result: Upserted,
}

impl From<UpsertCounts> for UpsertResult {
    fn from(c: UpsertCounts) -> UpsertResult {
        let result = if c.created > 0 {
            Upserted::Created
        } else if c.updated > 0 {
            Upserted::Updated
        } else {
            Upserted::Unchanged
        };
        UpsertResult { result }
    }
}

/// A `PUT` names its record in the path and the body; they must agree.
pub(super) fn same_code(body: &str, path: &str) -> Result<(), ApiError> {
    if body == path.trim() {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::CodeMismatch,
            "the body's code differs from the path's",
        ))
    }
}

/// Creates or replaces a product (a shop's backend keeps kefu current). Sending the same
/// product again changes nothing.
#[utoipa::path(put, path = "/api/v1/products/{code}", tag = "commerce", params(("code" = String, Path)), request_body = ProductInput,
    responses((status = 200, body = UpsertResult), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn put_product(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(code): ApiPath<String>,
    ApiJson(product): ApiJson<ProductInput>,
) -> Result<Json<UpsertResult>, ApiError> {
    agent.require(Permission::CatalogManage)?;
    let product = product.check().map_err(ApiError::from)?;
    same_code(&product.code, &code)?;
    let counts = state
        .store
        .upsert_products(agent.tenant_id(), std::slice::from_ref(&product))
        .await?;
    Ok(Json(counts.into()))
}
