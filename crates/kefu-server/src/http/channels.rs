//! `/channels`: the shop's connected channels (issue #21, CH-3) with their health; the
//! reply window of a conversation on another platform; and `/hooks/…`, where the platforms
//! call kefu.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use kefu_channels::wechat_mp::CallbackQuery;
use kefu_channels::wecom_kf::KfQuery;
use kefu_channels::window::WindowState;
use kefu_domain::channel::Channel;
use kefu_domain::error_code::ErrorCode;
use kefu_domain::role::Permission;
use kefu_store::ChannelRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Agent;
use crate::channels::{self, ChannelEdit, ChannelInput, Kind};
use crate::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};

/// A connected channel, without its secrets.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelView {
    pub id: Uuid,
    /// `wechat_mp`, `wecom_kf`, `douyin`, `email`, `phone` or `widget`.
    pub kind: String,
    pub name: String,
    /// The account's AppID; WeCom's CorpID.
    pub public_id: String,
    /// `safe`, `compatible` or `plain` (WeCom: always `safe`; Douyin `signed`; the widget
    /// `widget`; a phone line its records' format, `tccc` or `generic`).
    pub mode: String,
    pub paused: bool,
    /// Where the platform calls kefu, below kefu's address (the widget: its script).
    pub callback_path: String,
    /// The whole callback URL, when `http.public_url` is set.
    pub callback_url: Option<String>,
    /// The token the platform's console is given (the shop set it; not a secret to them); a
    /// phone line's push password.
    pub token: String,
    /// The health line: the last message in and out, the last error and when.
    pub last_in_at: Option<i64>,
    pub last_out_at: Option<i64>,
    pub last_error: String,
    pub last_error_at: Option<i64>,
    /// When the platform's access token kefu holds expires.
    pub token_expires_at: Option<i64>,
    /// A widget's sites (only they may frame its chat), colour and side; empty and `None`
    /// for other kinds.
    pub origins: Vec<String>,
    pub color: Option<String>,
    pub position: Option<String>,
    /// A phone line's hours (a call in outside them is owed a callback).
    pub hours: Option<kefu_domain::hours::OfficeHours>,
    /// An email channel's servers and login (never its password).
    pub email: Option<channels::email::Servers>,
    /// Where new conversations go while the channel's queue is full (CH-7).
    pub overflow: Option<kefu_domain::channel::Overflow>,
    /// A WeCom 微信客服 account's contact link, where agents move buyers to (CH-3).
    pub contact_url: Option<String>,
    pub created_at: i64,
}

impl ChannelView {
    pub fn new(state: &AppState, row: ChannelRow) -> ChannelView {
        let path = Kind::parse(&row.kind)
            .map(|k| k.callback_path(row.id))
            .unwrap_or_default();
        let public = state.settings.http.public_url.trim_end_matches('/');
        let origins = channels::widget::origins(&row);
        let phone = row.kind == Kind::Phone.as_str();
        let hours = phone.then(|| channels::phone::hours(&row));
        let email = (row.kind == Kind::Email.as_str()).then(|| channels::email::servers(&row));
        let overflow = channels::overflow(&row);
        let contact_url = channels::moves::contact_url(&row).map(str::to_owned);
        ChannelView {
            id: row.id,
            callback_url: (!public.is_empty()).then(|| format!("{public}{path}")),
            callback_path: path,
            kind: row.kind,
            name: row.name,
            public_id: row.public_id,
            mode: match phone {
                true => row.settings["format"].as_str().unwrap_or("tccc"),
                false => row.settings["mode"].as_str().unwrap_or("safe"),
            }
            .to_owned(),
            paused: row.paused,
            token: row.secrets[if phone { "password" } else { "token" }]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            last_in_at: row.last_in_at,
            last_out_at: row.last_out_at,
            last_error: row.last_error,
            last_error_at: row.last_error_at,
            token_expires_at: row.token_expires_at,
            origins,
            color: row.settings["color"].as_str().map(str::to_owned),
            position: row.settings["position"].as_str().map(str::to_owned),
            hours,
            email,
            overflow,
            contact_url,
            created_at: row.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelList {
    pub channels: Vec<ChannelView>,
}

/// The shop's channels with their health (`settings.manage`).
#[utoipa::path(get, operation_id = "channels", path = "/api/v1/channels", tag = "channels",
    responses((status = 200, body = ChannelList)))]
pub async fn list(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Json<ChannelList>, ApiError> {
    agent.require(Permission::SettingsManage)?;
    let channels = state.store.channels(agent.tenant_id()).await?;
    Ok(Json(ChannelList {
        channels: channels
            .into_iter()
            .map(|row| ChannelView::new(&state, row))
            .collect(),
    }))
}

/// Connects a channel (`settings.manage`); audited. Paste its callback URL and token into
/// the platform's console.
#[utoipa::path(post, operation_id = "connect_channel", path = "/api/v1/channels", tag = "channels", request_body = ChannelInput,
    responses((status = 201, body = ChannelView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn connect(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(input): ApiJson<ChannelInput>,
) -> Result<(StatusCode, Json<ChannelView>), ApiError> {
    agent.require(Permission::SettingsManage)?;
    let row = channels::connect(
        &state.store,
        agent.tenant_id(),
        &input,
        (Some(agent.user.id), &agent.user.display_name),
        state.settings.http.channel_test_doubles,
    )
    .await?;
    channels::forget(&state, agent.tenant_id(), row.id);
    // A mailbox is read from now on (the leader's sweep would start it within a minute).
    if row.kind == Kind::Email.as_str() {
        channels::email::watch(&state, row.id).await;
    }
    Ok((StatusCode::CREATED, Json(ChannelView::new(&state, row))))
}

/// Renames, pauses or resumes a channel, or changes a widget's sites, colour and side
/// (`settings.manage`); audited.
#[utoipa::path(put, operation_id = "change_channel", path = "/api/v1/channels/{id}", tag = "channels", params(("id" = Uuid, Path)),
    request_body = ChannelEdit,
    responses((status = 200, body = ChannelView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn change(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(change): ApiJson<ChannelEdit>,
) -> Result<Json<ChannelView>, ApiError> {
    agent.require(Permission::SettingsManage)?;
    let test_doubles = state.settings.http.channel_test_doubles;
    let secret_changed = change.app_secret.is_some();
    let row = channels::update(
        &state.store,
        agent.tenant_id(),
        id,
        &change,
        test_doubles,
        |row| {
            vec![crate::audit::by(
                &agent,
                "channel.change",
                format!("channel:{}", row.id),
                serde_json::json!({"name": row.name, "paused": row.paused,
                    "settings": row.settings, "secret_changed": secret_changed}),
            )]
        },
    )
    .await?;
    channels::forget(&state, agent.tenant_id(), id);
    if row.kind == Kind::Email.as_str() && !row.paused {
        // New servers or a new password: the watcher starts again with them.
        match change.email.is_some() || secret_changed {
            true => channels::email::rewatch(&state, row.id).await,
            false => channels::email::watch(&state, row.id).await,
        }
    }
    Ok(Json(ChannelView::new(&state, row)))
}

/// Disconnects a channel (`settings.manage`); audited. Its buyers and conversations stay.
#[utoipa::path(delete, operation_id = "disconnect_channel", path = "/api/v1/channels/{id}", tag = "channels", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn disconnect(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    agent.require(Permission::SettingsManage)?;
    let deleted = state
        .store
        .delete_channel(agent.tenant_id(), id, || {
            vec![crate::audit::by(
                &agent,
                "channel.disconnect",
                format!("channel:{id}"),
                serde_json::json!({}),
            )]
        })
        .await?;
    if !deleted {
        return Err(ErrorCode::ChannelNotFound.into());
    }
    channels::forget(&state, agent.tenant_id(), id);
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReplyWindow {
    pub channel: Channel,
    /// The platform's window, for a buyer on a platform that has one.
    pub window: Option<WindowState>,
}

/// When the buyer's platform lets the shop write to them (WeChat: 48 hours after their last
/// message, five messages), for the composer.
#[utoipa::path(get, operation_id = "reply_window", path = "/api/v1/conversations/{id}/window", tag = "channels", params(("id" = Uuid, Path)),
    responses((status = 200, body = ReplyWindow), (status = 404, body = ErrorBody)))]
pub async fn window(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<ReplyWindow>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    let conversation = state
        .store
        .conversation(agent.tenant_id(), id)
        .await?
        .ok_or(ErrorCode::ConversationNotFound)?;
    Ok(Json(ReplyWindow {
        channel: conversation.channel,
        window: channels::window(&state, &conversation).await?,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallerCheckQuery {
    /// The order the caller names.
    #[serde(default)]
    pub order_no: String,
    /// The last four digits of the order's phone, as the caller tells them.
    #[serde(default)]
    pub last_four: Option<String>,
}

/// Checks a caller's identity against an order's phone (CH-4): the number they call from
/// (on a phone conversation) and the last four digits they tell. Answers masked numbers.
#[utoipa::path(get, operation_id = "caller_check", path = "/api/v1/conversations/{id}/caller-check", tag = "channels", params(("id" = Uuid, Path), CallerCheckQuery),
    responses((status = 200, body = channels::phone::CallerCheck), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn caller_check(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<CallerCheckQuery>,
) -> Result<Json<channels::phone::CallerCheck>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    let told = query
        .last_four
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    if told.is_some_and(|t| t.len() != 4 || !t.chars().all(|c| c.is_ascii_digit())) {
        return Err(ApiError::new(
            ErrorCode::InvalidQuery,
            "last_four is four digits",
        ));
    }
    let conversation = state
        .store
        .conversation(agent.tenant_id(), id)
        .await?
        .ok_or(ErrorCode::ConversationNotFound)?;
    let order = state
        .store
        .order(agent.tenant_id(), query.order_no.trim())
        .await?
        .ok_or(ErrorCode::OrderNotFound)?;
    let caller = match conversation.channel {
        Channel::Phone => state
            .store
            .buyer(agent.tenant_id(), conversation.buyer_id)
            .await?
            .and_then(|b| {
                channels::phone::split_buyer_id(&b.external_id).map(|(_, n)| n.to_owned())
            }),
        _ => None,
    };
    let phone = order.receiver.map(|r| r.phone).unwrap_or_default();
    Ok(Json(channels::phone::check_caller(
        &order.order_no,
        &phone,
        caller.as_deref(),
        told,
    )))
}

/// The WeCom 微信客服 accounts an agent may move a buyer to (issue #21), running ones only;
/// the workbench asks the agent to choose when there are several.
#[utoipa::path(get, operation_id = "move_targets", path = "/api/v1/move-targets/wecom", tag = "channels",
    responses((status = 200, body = [channels::moves::MoveTarget]), (status = 403, body = ErrorBody)))]
pub async fn move_targets(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Json<Vec<channels::moves::MoveTarget>>, ApiError> {
    agent.require(Permission::ConversationReply)?;
    Ok(Json(channels::moves::targets(&state, &agent).await?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct MoveToWecom {
    /// The WeCom 微信客服 account; the shop's only one with a contact link when absent.
    #[serde(default)]
    pub channel_id: Option<Uuid>,
}

/// Moves the buyer to WeCom (issue #21): sends them the WeCom 微信客服 contact link on their
/// own channel (within its rules); when they open it, their WeCom conversation opens in their
/// profile, for the agent who moved them.
#[utoipa::path(post, operation_id = "move_to_wecom", path = "/api/v1/conversations/{id}/move-to-wecom", tag = "channels", params(("id" = Uuid, Path)),
    request_body = MoveToWecom,
    responses((status = 200, body = channels::moves::Moved), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn move_to_wecom(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<MoveToWecom>,
) -> Result<Json<channels::moves::Moved>, ApiError> {
    agent.require(Permission::ConversationReply)?;
    Ok(Json(
        channels::moves::move_to_wecom(&state, &agent, id, body.channel_id).await?,
    ))
}

fn plain(text: String) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text)
}

/// WeChat's server URL check (服务器配置): `echostr` back when the signature holds.
#[utoipa::path(get, operation_id = "wechat_mp_verify", path = "/hooks/wechat-mp/{id}", tag = "channels", params(("id" = Uuid, Path), CallbackQuery),
    responses((status = 200, body = String, content_type = "text/plain"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn wechat_mp_verify(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<CallbackQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let echostr = channels::wechat_mp::verify(&state, id, &query).await?;
    Ok(plain(echostr))
}

/// A message or event pushed by WeChat (plain, compatible or safe mode), entered as the
/// buyer's message; answered `success` (replies go by the customer-service API).
#[utoipa::path(post, operation_id = "wechat_mp_push", path = "/hooks/wechat-mp/{id}", tag = "channels", params(("id" = Uuid, Path), CallbackQuery),
    request_body(content = String, content_type = "text/xml"),
    responses((status = 200, body = String, content_type = "text/plain"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn wechat_mp_push(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<CallbackQuery>,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let answer = channels::wechat_mp::receive(&state, id, &query, &body).await?;
    Ok(plain(answer.to_owned()))
}

/// WeCom's URL check (微信客服 → API → 接收事件服务器): the decrypted `echostr` when the
/// signature holds.
#[utoipa::path(get, operation_id = "wecom_kf_verify", path = "/hooks/wecom-kf/{id}", tag = "channels", params(("id" = Uuid, Path), KfQuery),
    responses((status = 200, body = String, content_type = "text/plain"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn wecom_kf_verify(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<KfQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let echostr = channels::wecom_kf::verify(&state, id, &query).await?;
    Ok(plain(echostr))
}

/// WeCom's notice that a kf account has messages (`kf_msg_or_event`): answered `success` at
/// once; kefu then pulls them with `sync_msg` and enters each buyer's message.
#[utoipa::path(post, operation_id = "wecom_kf_push", path = "/hooks/wecom-kf/{id}", tag = "channels", params(("id" = Uuid, Path), KfQuery),
    request_body(content = String, content_type = "text/xml"),
    responses((status = 200, body = String, content_type = "text/plain"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn wecom_kf_push(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<KfQuery>,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let answer = channels::wecom_kf::receive(&state, id, &query, &body).await?;
    Ok(plain(answer.to_owned()))
}

/// A Douyin webhook (开发配置 → Webhooks), signed `X-Douyin-Signature` = SHA-1 of the client
/// secret and the body: the console's `verify_webhook` is answered with its challenge; a
/// private message (`im_receive_msg`) is entered as the buyer's; other events are answered
/// and left.
#[utoipa::path(post, operation_id = "douyin_push", path = "/hooks/douyin/{id}", tag = "channels", params(("id" = Uuid, Path)),
    request_body(content = serde_json::Value, content_type = "application/json"),
    responses((status = 200, body = serde_json::Value), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn douyin_push(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let signature = headers
        .get("x-douyin-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    Ok(Json(
        channels::douyin::receive(&state, id, signature, &body).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PhonePushQuery {
    /// TCCC's `cdr` (a call record) or `record` (a recording, answered and left); absent for
    /// the generic record.
    #[serde(default)]
    pub action: Option<String>,
    /// TCCC's version of the push (`1`).
    #[serde(default)]
    pub version: Option<String>,
}

/// The phone line's call records (CH-4): the CTI vendor pushes one per call when it ends
/// (TCCC's CDR push, or kefu's generic JSON), authenticated by the line's password (HTTP
/// Basic, or `Bearer`). The call goes into the caller's timeline; a missed one, or one
/// outside the line's hours, opens a callback work order. Answered `{"ErrCode": 0}`.
#[utoipa::path(post, operation_id = "phone_push", path = "/hooks/phone/{id}", tag = "channels", params(("id" = Uuid, Path), PhonePushQuery),
    request_body(content = serde_json::Value, content_type = "application/json"),
    responses((status = 200, body = serde_json::Value), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn phone_push(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<PhonePushQuery>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let action = query
        .action
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty());
    Ok(Json(
        channels::phone::receive(&state, id, authorization, action, &body).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChannelGrantQuery {
    /// The grant's code (absent when the owner declined).
    #[serde(default)]
    pub code: String,
    /// kefu's signed state, as the grant's link carried it.
    #[serde(default)]
    pub state: String,
}

/// Where Douyin's grant page sends the account's owner back: the code is exchanged for the
/// account's tokens, and the browser goes on to 渠道接入 with the outcome
/// (`?granted={id}`, or `?grant_error={code}`).
#[utoipa::path(get, operation_id = "douyin_granted", path = "/hooks/douyin/{id}/oauth", tag = "channels", params(("id" = Uuid, Path), ChannelGrantQuery),
    responses((status = 303, description = "on to the channels page")))]
pub async fn douyin_granted(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<ChannelGrantQuery>,
) -> impl IntoResponse {
    let to = match channels::douyin::granted(&state, id, &query.code, &query.state).await {
        Ok(()) => format!("/agent/channels?granted={id}"),
        Err(error) => {
            tracing::info!(%error, channel = %id, "a Douyin grant did not complete");
            format!("/agent/channels?grant_error={}", error.code())
        }
    };
    (StatusCode::SEE_OTHER, [(header::LOCATION, to)])
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ChannelGrantRequest {
    /// Where the browser reaches kefu (`location.origin`), used when `http.public_url` is
    /// not set.
    #[serde(default)]
    pub origin: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelGrantLink {
    /// Douyin's page where the account's owner grants kefu its private messages (good for
    /// 30 minutes).
    pub url: String,
}

/// The link to Douyin's grant page for a Douyin channel (`settings.manage`): the account's
/// owner logs in there and grants kefu its private messages.
#[utoipa::path(post, operation_id = "grant_channel", path = "/api/v1/channels/{id}/grant", tag = "channels", params(("id" = Uuid, Path)),
    request_body = ChannelGrantRequest,
    responses((status = 200, body = ChannelGrantLink), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn grant(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<ChannelGrantRequest>,
) -> Result<Json<ChannelGrantLink>, ApiError> {
    agent.require(Permission::SettingsManage)?;
    let url =
        channels::douyin::authorize_link(&state, agent.tenant_id(), id, &request.origin).await?;
    Ok(Json(ChannelGrantLink { url }))
}

/// The web widget's script (CH-1) for a shop's site: `<script src=".../widget/{id}.js"
/// async>`. A paused widget's script does nothing; an unknown one is 404.
#[utoipa::path(get, operation_id = "widget_script", path = "/widget/{file}", tag = "channels", params(("file" = String, Path, description = "the widget's id and `.js`")),
    responses((status = 200, body = String, content_type = "text/javascript"), (status = 404, body = String, content_type = "text/javascript")))]
pub async fn widget_script(
    State(state): State<AppState>,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let script = match file
        .strip_suffix(".js")
        .and_then(|id| id.parse::<Uuid>().ok())
    {
        Some(id) => channels::widget::script(&state, id).await?,
        None => None,
    };
    let (status, body) = match script {
        Some(script) => (StatusCode::OK, script),
        None => (
            StatusCode::NOT_FOUND,
            "/* kefu: no such widget: copy the script tag again from 渠道接入 */\n".to_owned(),
        ),
    };
    Ok((
        status,
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            // Sites load it on every page: a few minutes in their visitors' caches, so a
            // change of colour or a pause reaches them soon.
            (header::CACHE_CONTROL, "public, max-age=300"),
            // Other sites' pages load it.
            (
                header::HeaderName::from_static("cross-origin-resource-policy"),
                "cross-origin",
            ),
        ],
        body,
    ))
}
