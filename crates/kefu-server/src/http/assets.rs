//! The web UI, embedded at compile time from `web/dist`, served with an SPA fallback: any path
//! that is not a file gets `index.html`, except under `/api/`, which answers JSON 404s. The
//! chat page opened by a shop's web widget (`/chat/{shop}?widget={id}`) may be framed by the
//! widget's sites (issue #21, CH-1).

use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use kefu_domain::error_code::ErrorCode;
use rust_embed::RustEmbed;

use crate::AppState;
use crate::error::ApiError;

#[derive(RustEmbed)]
#[folder = "../../web/dist"]
struct WebDist;

pub async fn serve(State(state): State<AppState>, uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    if path.starts_with("api/") || path == "api" {
        return ApiError::new(ErrorCode::NotFound, "route not found").into_response();
    }
    if let Some(file) = WebDist::get(path).filter(|_| !path.is_empty()) {
        let cache = if path.starts_with("assets/") {
            // Vite puts a content hash in every asset name.
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        return Response::builder()
            .header(
                header::CONTENT_TYPE,
                mime_guess::from_path(path).first_or_octet_stream().as_ref(),
            )
            .header(header::CACHE_CONTROL, cache)
            .body(Body::from(file.data))
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response());
    }
    let mut ancestors = state.settings.http.frame_ancestors.clone();
    if let Some((slug, widget)) = widget_chat(path, uri.query()) {
        ancestors.extend(crate::channels::widget::frame_ancestors(&state, slug, widget).await);
    }
    match WebDist::get("index.html") {
        Some(index) => Response::builder()
            .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
            .header(header::CACHE_CONTROL, "no-cache")
            .header(
                header::CONTENT_SECURITY_POLICY,
                super::content_security_policy(&ancestors),
            )
            .body(Body::from(index.data))
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()),
        None => (StatusCode::NOT_FOUND, "the web UI is not built").into_response(),
    }
}

/// The shop and widget of a chat page opened by a widget: `chat/{shop}?…widget={id}…`.
fn widget_chat<'a>(path: &'a str, query: Option<&str>) -> Option<(&'a str, uuid::Uuid)> {
    let slug = path.strip_prefix("chat/")?.trim_end_matches('/');
    if slug.is_empty() || slug.contains('/') {
        return None;
    }
    let widget = query?
        .split('&')
        .find_map(|pair| pair.strip_prefix("widget="))?
        .parse()
        .ok()?;
    Some((slug, widget))
}
