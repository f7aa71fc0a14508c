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

/// A handler that panicked anyway (a bug: no input may make one panic) answers like any
/// internal error, a 500 with the `internal` code, and logs one line; the connection stays.
pub fn panicked(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("a panic without a message");
    ApiError::Internal(format!("a handler panicked: {detail}")).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
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

    #[tokio::test]
    async fn a_panic_is_an_internal_error_with_its_code() {
        let response = panicked(Box::new("index out of bounds"));
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["code"], "internal");
    }
}
