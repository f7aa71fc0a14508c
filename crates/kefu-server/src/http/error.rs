//! Errors as HTTP responses: the status `ApiError::status` names and the `{code, message}`
//! body. An internal error's detail goes to the log, once, never to the caller.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
pub use crate::error::ErrorBody;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let status =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(self.body())).into_response()
    }
}

#[cfg(test)]
mod tests {
    use kefu_domain::error_code::ErrorCode;

    #[test]
    fn the_openapi_document_lists_every_code() {
        let doc = serde_json::to_value(crate::http::openapi()).expect("serialises");
        let schemas = &doc["components"]["schemas"];
        assert_eq!(
            schemas["ErrorBody"]["properties"]["code"]["$ref"],
            "#/components/schemas/ErrorCode"
        );
        let listed = schemas["ErrorCode"]["enum"].as_array().map(Vec::len);
        assert_eq!(listed, Some(ErrorCode::ALL.len()));
    }
}
