//! What every route has in common, added to the OpenAPI document after the routes are
//! collected rather than repeated on each: who may call it (security schemes) and the errors
//! the shared extractors answer with. A route's own declaration of a status is kept.
//!
//! - Agent routes (all of `/api/v1` but the buyer's and the public ones) take an API token or
//!   the UI's session cookie, with `X-CSRF-Token` on changes: `401 unauthenticated`, and
//!   `403` for `forbidden` (the role does not allow it) or `csrf_failed`.
//! - Buyer routes (`/api/v1/buyer/…`) take a buyer token: `401 unauthenticated`.
//! - Path or query parameters, or a body: `400` (`invalid_path`, `invalid_query`,
//!   `invalid_json`, or a value the route refuses).
//! - A body: `413 body_too_large` and `408 request_timeout` (the body stalled).

use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{ComponentsBuilder, Content, OpenApi, Ref, RefOr, Response, ResponseBuilder};

use crate::auth::SESSION_COOKIE;
use crate::http::limits::Door;

/// Operations that take no credentials, or (the WebSockets) take them in the query and
/// declare their own `401`.
const PUBLIC: &[&str] = &[
    "login",
    "setup_status",
    "setup",
    "start_session",
    "shop",
    "download",
    "healthz",
    "livez",
    "readyz",
    "metrics",
    "buyer",
    "agent",
];

/// The security scheme names.
const API_TOKEN: &str = "api_token";
const SESSION: &str = "session_cookie";
const CSRF: &str = "csrf_token";
const BUYER_TOKEN: &str = "buyer_token";
const METRICS_TOKEN: &str = "metrics_token";

/// Who may call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Anyone,
    Agent,
    Buyer,
}

fn caller(path: &str, operation: &Operation) -> Caller {
    let id = operation.operation_id.as_deref().unwrap_or_default();
    if PUBLIC.contains(&id) || !path.starts_with("/api/v1/") {
        Caller::Anyone
    } else if path.starts_with("/api/v1/buyer/") {
        Caller::Buyer
    } else {
        Caller::Agent
    }
}

/// Adds the security schemes, each operation's security, and the shared error responses.
pub fn document(doc: &mut OpenApi) {
    let components = doc
        .components
        .get_or_insert_with(|| ComponentsBuilder::new().build());
    let bearer = |description: &str| {
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(description))
                .build(),
        )
    };
    components.add_security_scheme(
        API_TOKEN,
        bearer("An agent's API token, from `POST /api/v1/auth/tokens`."),
    );
    components.add_security_scheme(
        SESSION,
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            SESSION_COOKIE,
            "The web UI's session, set by `POST /api/v1/auth/login`; changes also send `X-CSRF-Token`.",
        ))),
    );
    components.add_security_scheme(
        CSRF,
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            "X-CSRF-Token",
            "The session's `csrf_token`, from `POST /api/v1/auth/login` or `GET /api/v1/auth/me`.",
        ))),
    );
    components.add_security_scheme(
        BUYER_TOKEN,
        bearer("A buyer's token, from `POST /api/v1/buyer/session`."),
    );
    components.add_security_scheme(
        METRICS_TOKEN,
        bearer("`metrics.token` from kefu's settings, for Prometheus."),
    );
    for (_, name, description) in SHARED {
        components
            .responses
            .insert(name.to_owned(), shared_response(description).into());
    }
    for (path, item) in doc.paths.paths.iter_mut() {
        for (safe, operation) in operations(item) {
            let caller = caller(path, operation);
            match caller {
                Caller::Anyone => {}
                Caller::Agent => {
                    let cookie = SecurityRequirement::new(SESSION, Vec::<String>::new());
                    let cookie = if safe {
                        cookie
                    } else {
                        cookie.add(CSRF, Vec::<String>::new())
                    };
                    operation.security = Some(vec![
                        SecurityRequirement::new(API_TOKEN, Vec::<String>::new()),
                        cookie,
                    ]);
                }
                Caller::Buyer => {
                    operation.security = Some(vec![SecurityRequirement::new(
                        BUYER_TOKEN,
                        Vec::<String>::new(),
                    )]);
                }
            }
            // Issue #15: the open doors count per client address (`http::limits`); POST is
            // the only changing method on their paths.
            if !safe && Door::of(&axum::http::Method::POST, path).is_some() {
                add_error(operation, 429);
            }
            let has_body = operation.request_body.is_some();
            let has_parameters = operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
            if has_parameters || has_body {
                add_error(operation, 400);
            }
            if caller != Caller::Anyone {
                add_error(operation, 401);
            }
            if caller == Caller::Agent {
                add_error(operation, 403);
            }
            if has_body {
                add_error(operation, 408);
                add_error(operation, 413);
            }
        }
    }
}

/// Each operation of a path, and whether its method is safe (no CSRF check).
fn operations(item: &mut PathItem) -> impl Iterator<Item = (bool, &mut Operation)> {
    [
        (true, &mut item.get),
        (true, &mut item.head),
        (true, &mut item.options),
        (false, &mut item.put),
        (false, &mut item.post),
        (false, &mut item.delete),
        (false, &mut item.patch),
        (false, &mut item.trace),
    ]
    .into_iter()
    .filter_map(|(safe, operation)| operation.as_mut().map(|o| (safe, o)))
}

/// The shared error responses, by status: their name under `components.responses` and what
/// they mean.
const SHARED: [(u16, &str, &str); 6] = [
    (
        400,
        "BadRequest",
        "The request is malformed (`invalid_path`, `invalid_query`, `invalid_json`) or a value is refused.",
    ),
    (401, "Unauthenticated", "Not signed in (`unauthenticated`)."),
    (
        403,
        "Forbidden",
        "The caller's role does not allow this (`forbidden`), or a session cookie came without its `X-CSRF-Token` (`csrf_failed`).",
    ),
    (
        408,
        "RequestTimeout",
        "The body stalled (`request_timeout`).",
    ),
    (
        413,
        "BodyTooLarge",
        "The body is too large (`body_too_large`).",
    ),
    (
        429,
        "RateLimited",
        "Too many requests from this address (`rate_limited`); `Retry-After` says when to try again.",
    ),
];

fn shared_response(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            Content::new(Some(Ref::from_schema_name("ErrorBody"))),
        )
        .build()
}

/// Declares `status` with the shared response, unless the route declared it itself.
fn add_error(operation: &mut Operation, status: u16) {
    if let Some((_, name, _)) = SHARED.iter().find(|(s, _, _)| *s == status) {
        operation
            .responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| RefOr::Ref(Ref::from_response_name(*name)));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    fn operation(doc: &Value, path: &str, method: &str) -> Value {
        doc["paths"][path][method].clone()
    }

    #[test]
    fn routes_say_who_may_call_them_and_how_the_shared_extractors_fail() {
        let doc = serde_json::to_value(crate::http::openapi()).unwrap();
        let schemes = &doc["components"]["securitySchemes"];
        assert_eq!(schemes["session_cookie"]["name"], "kefu_session");
        assert_eq!(schemes["buyer_token"]["scheme"], "bearer");

        let send = operation(&doc, "/api/v1/conversations/{id}/messages", "post");
        assert_eq!(
            send["security"],
            json!([{"api_token": []}, {"csrf_token": [], "session_cookie": []}])
        );
        for status in ["400", "401", "403", "408", "413"] {
            let mut response = &send["responses"][status];
            if let Some(name) = response["$ref"].as_str() {
                let name = name.trim_start_matches("#/components/responses/");
                response = &doc["components"]["responses"][name];
            }
            assert_eq!(
                response["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/ErrorBody",
                "{status}"
            );
        }
        assert_eq!(
            send["responses"]["401"]["$ref"],
            "#/components/responses/Unauthenticated"
        );
        let list = operation(&doc, "/api/v1/conversations", "get");
        assert_eq!(
            list["security"],
            json!([{"api_token": []}, {"session_cookie": []}])
        );
        assert!(list["responses"]["413"].is_null());

        let buyer = operation(&doc, "/api/v1/buyer/messages", "get");
        assert_eq!(buyer["security"], json!([{"buyer_token": []}]));
        assert!(buyer["responses"]["401"].is_object());
        assert!(buyer["responses"]["403"].is_null());

        for (path, method) in [
            ("/api/v1/auth/login", "post"),
            ("/api/v1/buyer/session", "post"),
            ("/api/v1/shops/{slug}", "get"),
            ("/healthz", "get"),
        ] {
            let public = operation(&doc, path, method);
            assert!(public["security"].is_null(), "{path}");
        }
        let shop = operation(&doc, "/api/v1/shops/{slug}", "get");
        assert!(shop["responses"]["401"].is_null() && shop["responses"]["403"].is_null());
        assert!(operation(&doc, "/healthz", "get")["responses"]["400"].is_null());
    }
}
