//! Uploads and downloads. The type is read from the bytes (never the name or the claimed
//! content type), checked against the accepted list and its size limit, stored (`Files`: the
//! data directory, or NATS's object store), then recorded. Downloads need a signed, expiring
//! link (`Keys::file_url`) and answer `Range` requests.

use axum::body::Body;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use headers::HeaderMapExt;
use kefu_domain::error_code::ErrorCode;
use kefu_domain::message::Attachment;
use kefu_domain::role::Permission;
use serde::Deserialize;
use tokio::io::AsyncReadExt;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{Agent, BuyerCaller};
use crate::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiPath, ApiQuery};

/// Uploads being received and checked at the same time, across the process.
static UPLOADS_AT_ONCE: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(8);

/// Uploads a picture or file for an agent's reply.
#[utoipa::path(post, path = "/api/v1/attachments", tag = "attachments",
    request_body(content_type = "multipart/form-data", description = "field `file`"),
    responses((status = 201, body = Attachment), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn upload_for_agent(
    State(state): State<AppState>,
    agent: Agent,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, axum::Json<Attachment>), ApiError> {
    agent.require(Permission::ConversationReply)?;
    let multipart = multipart.map_err(rejected)?;
    let attachment =
        store_upload(&state, agent.tenant_id(), "agent", agent.user.id, multipart).await?;
    Ok((StatusCode::CREATED, axum::Json(attachment)))
}

/// Uploads a picture or file for a buyer's message (CH-1, SELF-4 evidence).
#[utoipa::path(post, path = "/api/v1/buyer/attachments", tag = "buyer",
    request_body(content_type = "multipart/form-data", description = "field `file`"),
    responses((status = 201, body = Attachment), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn upload_for_buyer(
    State(state): State<AppState>,
    caller: BuyerCaller,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, axum::Json<Attachment>), ApiError> {
    let multipart = multipart.map_err(rejected)?;
    let attachment = store_upload(
        &state,
        caller.claims.tenant,
        "buyer",
        caller.claims.sub,
        multipart,
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(attachment)))
}

async fn store_upload(
    state: &AppState,
    tenant_id: Uuid,
    uploader_kind: &str,
    uploader_id: Uuid,
    mut multipart: Multipart,
) -> Result<Attachment, ApiError> {
    if state.upload_limiter.check_key(&uploader_id).is_err() {
        return Err(ErrorCode::RateLimited.into());
    }
    // Each upload is held in memory while it is checked; bound how many are at once.
    let _permit = UPLOADS_AT_ONCE
        .acquire()
        .await
        .map_err(|_| ErrorCode::Unavailable)?;
    let (file_name, bytes) = loop {
        let field = multipart
            .next_field()
            .await
            .map_err(|e| multipart_error(e.status(), e.body_text()))?
            .ok_or_else(|| {
                ApiError::new(ErrorCode::FileRequired, "send the file in field `file`")
            })?;
        if field.name() == Some("file") {
            let name = crate::files::safe_file_name(field.file_name().unwrap_or("file"));
            let bytes = field
                .bytes()
                .await
                .map_err(|e| multipart_error(e.status(), e.body_text()))?;
            break (name, bytes);
        }
    };
    crate::files::keep(
        state,
        tenant_id,
        (uploader_kind, uploader_id),
        &file_name,
        &bytes,
    )
    .await
}

/// A body that is not multipart at all (axum answers that in plain text, without a code).
fn rejected(rejection: MultipartRejection) -> ApiError {
    multipart_error(rejection.status(), rejection.body_text())
}

fn multipart_error(status: StatusCode, text: String) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::from(ErrorCode::BodyTooLarge)
    } else {
        ApiError::new(ErrorCode::InvalidMultipart, text)
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FileQuery {
    /// When the link expires, in seconds since the epoch.
    exp: i64,
    /// The link's signature.
    sig: String,
}

/// What a download's `Range` header asks for, of a file of `len` bytes.
#[derive(Debug, PartialEq, Eq)]
enum Wanted {
    Whole,
    /// From `start` to `end`, both included.
    Part(u64, u64),
    Unsatisfiable,
}

/// One range is served as asked (clamped to the file); several are answered with the whole
/// file, as RFC 9110 allows; none that fits is 416.
fn wanted(range: Option<&headers::Range>, len: u64) -> Wanted {
    use std::ops::Bound;
    let Some(range) = range else {
        return Wanted::Whole;
    };
    let ranges: Vec<_> = range.satisfiable_ranges(len).collect();
    let [(start, end)] = ranges.as_slice() else {
        return match ranges.is_empty() {
            true => Wanted::Unsatisfiable,
            false => Wanted::Whole,
        };
    };
    let start = match *start {
        Bound::Included(s) => s,
        Bound::Excluded(s) => s.saturating_add(1),
        Bound::Unbounded => 0,
    };
    let last = len.saturating_sub(1);
    let end = match *end {
        Bound::Included(e) => e.min(last),
        Bound::Excluded(e) => e.saturating_sub(1).min(last),
        Bound::Unbounded => last,
    };
    if len == 0 || start > end {
        Wanted::Unsatisfiable
    } else {
        Wanted::Part(start, end)
    }
}

/// The bytes of an upload, for whoever holds a valid signed link (messages carry them).
/// Answers `Range` requests (a phone seeking in a video): 206 with the part asked for.
#[utoipa::path(get, path = "/files/{id}", tag = "attachments", params(("id" = Uuid, Path), ("id" = Uuid, Path), FileQuery),
    responses((status = 200, description = "the file"),
        (status = 206, description = "the part of the file a `Range` header asked for"),
        (status = 404, body = ErrorBody),
        (status = 416, body = ErrorBody, description = "`range_not_satisfiable`: the range starts past the end")))]
pub async fn download(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<FileQuery>,
    request_headers: HeaderMap,
) -> Result<Response, ApiError> {
    if !state.keys.verify_file_url(id, query.exp, &query.sig) {
        return Err(ErrorCode::AttachmentNotFound.into());
    }
    let stored = state
        .store
        .attachment(id)
        .await?
        .ok_or(ErrorCode::AttachmentNotFound)?;
    let a = &stored.attachment;
    let len = u64::try_from(a.size_bytes).unwrap_or(0);
    let range = request_headers.typed_get::<headers::Range>();
    let (status, start, end) = match wanted(range.as_ref(), len) {
        Wanted::Whole => (StatusCode::OK, 0, len.saturating_sub(1)),
        Wanted::Part(start, end) => (StatusCode::PARTIAL_CONTENT, start, end),
        Wanted::Unsatisfiable => {
            let mut response: Response = ApiError::new(
                ErrorCode::RangeNotSatisfiable,
                format!("the file has {len} bytes"),
            )
            .into_response();
            if let Ok(value) = format!("bytes */{len}").parse() {
                response.headers_mut().insert(header::CONTENT_RANGE, value);
            }
            return Ok(response);
        }
    };
    let body_len = if len == 0 { 0 } else { end - start + 1 };
    let reader = state
        .files
        .read_from(&stored.storage_key, start)
        .await
        .map_err(|e| ApiError::Internal(format!("reading attachment {id}: {e}")))?
        .ok_or_else(|| ApiError::Internal(format!("attachment {id} has no file")))?;
    let disposition = if a.content_type.starts_with("image/") {
        "inline".to_owned()
    } else {
        let encoded: String = a
            .file_name
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        format!("attachment; filename*=UTF-8''{encoded}")
    };
    let mut response = Response::builder()
        .status(status)
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::CONTENT_TYPE, &a.content_type)
        .header(header::CONTENT_DISPOSITION, disposition)
        .header(header::CACHE_CONTROL, "private, max-age=86400")
        .header("x-content-type-options", "nosniff")
        .header(header::CONTENT_LENGTH, body_len);
    if status == StatusCode::PARTIAL_CONTENT {
        response = response.header(header::CONTENT_RANGE, format!("bytes {start}-{end}/{len}"));
    }
    response
        .body(Body::from_stream(tokio_util::io::ReaderStream::new(
            reader.take(body_len),
        )))
        .map_err(|e| ApiError::Internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_is_served_clamped_and_one_past_the_end_is_refused() {
        let range = |text: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::RANGE, text.parse().unwrap());
            headers.typed_get::<headers::Range>().unwrap()
        };
        assert_eq!(wanted(None, 10), Wanted::Whole);
        assert_eq!(wanted(Some(&range("bytes=0-")), 10), Wanted::Part(0, 9));
        assert_eq!(wanted(Some(&range("bytes=2-4")), 10), Wanted::Part(2, 4));
        assert_eq!(wanted(Some(&range("bytes=5-999")), 10), Wanted::Part(5, 9));
        assert_eq!(wanted(Some(&range("bytes=-3")), 10), Wanted::Part(7, 9));
        assert_eq!(wanted(Some(&range("bytes=10-")), 10), Wanted::Unsatisfiable);
        assert_eq!(wanted(Some(&range("bytes=0-1,4-5")), 10), Wanted::Whole);
    }

    #[test]
    fn file_names_lose_paths_and_control_characters() {
        assert_eq!(crate::files::safe_file_name("../../etc/passwd"), "passwd");
        assert_eq!(crate::files::safe_file_name("C:\\x\\发票.pdf"), "发票.pdf");
        assert_eq!(crate::files::safe_file_name("a\"b\n.png"), "ab.png");
        assert_eq!(crate::files::safe_file_name("  "), "file");
    }
}
