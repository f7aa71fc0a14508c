//! Douyin enterprise accounts' private messages (抖音私信, CHANNELS.md §4). Connected with the
//! application's client key and secret; the account's owner then grants kefu its private
//! messages on Douyin's page (OAuth: `authorize_link`, then `granted` with the code), and
//! kefu keeps the account's tokens sealed, refreshing the access token as it nears its end.
//! In: the webhook, signed `sha1(client_secret || body)`, answers the console's challenge and
//! enters each `im_receive_msg` through `desk::inbound` as the buyer `{client_key}/{open_id}`
//! (dedupe by the digest of `server_message_id`). Out: `/im/send/msg/` answering the buyer's
//! last message (its id and conversation kept per buyer), within its 24 hours.

use kefu_channels::douyin::{self as wire, Event, ImMessage};
use kefu_domain::error_code::ErrorCode;
use kefu_domain::message::{Message, MessageKind};
use kefu_domain::time::now_ms;
use kefu_store::{ChannelRow, Delivery};
use serde_json::{Value, json};
use uuid::Uuid;

use super::wx_api::{self, plain_error};
use super::{ChannelInput, Checked, Kind};
use crate::AppState;
use crate::deliveries::Outcome;
use crate::desk::inbound::SendMessage;
use crate::error::ApiError;

/// The largest body a webhook may have: Douyin's are a few kilobytes.
pub const MAX_PUSH_BYTES: usize = 64 * 1024;
/// Douyin's API and grant page.
pub const API_BASE: &str = "https://open.douyin.com";
/// How long the link to Douyin's grant page stays good.
const GRANT_MS: i64 = 30 * 60_000;
/// The access token is refreshed this long before it ends.
const TOKEN_MARGIN_MS: i64 = 10 * 60_000;
/// The refresh token (30 days, not lengthened by a refresh) is renewed this long before it
/// ends; Douyin renews it five times, then the owner grants again.
const RENEW_MARGIN_MS: i64 = 5 * 24 * 3600 * 1000;

/// Checks the settings of a Douyin application to connect: its client key and secret.
pub fn check(input: &ChannelInput, test_doubles: bool) -> Result<Checked, ApiError> {
    let bad = |why: &str| ApiError::new(ErrorCode::InvalidChannel, why.to_owned());
    let key = input.app_id.trim();
    if key.is_empty()
        || key.len() > 64
        || !key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(bad("the Client Key is required (letters and digits)"));
    }
    let secret = input.app_secret.trim();
    if secret.is_empty() || secret.len() > 128 {
        return Err(bad("the Client Secret is required"));
    }
    let api_base = input
        .api_base
        .as_deref()
        .map(str::trim)
        .filter(|b| !b.is_empty() && test_doubles)
        .unwrap_or(API_BASE);
    if !(api_base.starts_with("https://") || api_base.starts_with("http://")) {
        return Err(bad("the API address is an http(s) URL"));
    }
    Ok(Checked {
        public_id: key.to_owned(),
        settings: json!({"mode": "signed", "api_base": api_base.trim_end_matches('/')}),
        secrets: json!({"app_secret": secret}),
    })
}

/// A buyer's id on this channel: the application's client key and the buyer's open_id (an
/// open_id is only unique within one application).
pub fn buyer_id(client_key: &str, open_id: &str) -> String {
    format!("{client_key}/{open_id}")
}

/// The client key and open_id of a buyer's id.
pub fn split_buyer_id(external_id: &str) -> Option<(&str, &str)> {
    external_id.split_once('/')
}

fn secret(channel: &ChannelRow) -> &str {
    channel.secrets["app_secret"].as_str().unwrap_or_default()
}

fn api_base(channel: &ChannelRow) -> String {
    channel.settings["api_base"]
        .as_str()
        .unwrap_or(API_BASE)
        .to_owned()
}

/// A webhook call: checked by its signature, then the challenge answered or the buyer's
/// message entered. Anything signed is answered 200 (Douyin retries others three times).
pub async fn receive(
    state: &AppState,
    id: Uuid,
    signature: &str,
    body: &[u8],
) -> Result<Value, ApiError> {
    let channel = super::callback_channel_of(state, id, Kind::Douyin).await?;
    if let Err(error) = wire::verify(secret(&channel), body, signature) {
        wx_api::note_error(state, &channel, &format!("a webhook was refused: {error}")).await;
        return Err(super::refused(Kind::Douyin, error));
    }
    let message = match wire::read_event(body) {
        Ok(Event::Verify { challenge }) => return Ok(wire::challenge_answer(&challenge)),
        Ok(Event::Received(message)) => message,
        Ok(Event::Other { event }) => {
            tracing::debug!(%event, channel = %channel.id, "a Douyin event kefu does not read");
            return Ok(json!({}));
        }
        Err(error) => {
            metrics::counter!("kefu_channel_unread_pushes_total", "channel" => "douyin")
                .increment(1);
            tracing::info!(%error, channel = %channel.id, "a Douyin webhook kefu does not read");
            return Ok(json!({}));
        }
    };
    match enter_message(state, &channel, &message).await {
        // Refused for what it is (not for an outage): Douyin's retries would not help.
        Err(ApiError::Refused { message, .. }) => {
            let said = format!("a Douyin message was not taken: {message}");
            wx_api::note_error(state, &channel, &said).await;
            Ok(json!({}))
        }
        Err(error) => Err(error),
        Ok(()) => Ok(json!({})),
    }
}

/// The scopes of the buyers' reply contexts in `channel_cursors`.
pub const REPLY_SCOPE: &str = "reply/";

/// What a reply to a buyer names: their last message and its conversation.
fn reply_scope(open_id: &str) -> String {
    format!("{REPLY_SCOPE}{open_id}")
}

async fn enter_message(
    state: &AppState,
    channel: &ChannelRow,
    message: &ImMessage,
) -> Result<(), ApiError> {
    let granted = granted_account(state, channel).await;
    // Paused, a group's, another account's, sent by the account itself, or too old to
    // answer (Douyin retries a webhook for a while): read past.
    let too_old = message.create_time > 0
        && message.create_time < (channel.created_at - 1_000).max(now_ms() - wire::WINDOW_MS);
    if channel.paused
        || message.conversation_type != 1
        || too_old
        || granted
            .as_deref()
            .is_some_and(|account| account != message.to_user_id || account == message.from_user_id)
    {
        return Ok(());
    }
    let Some(text) = message.line() else {
        return Ok(());
    };
    let external_id = buyer_id(&channel.public_id, &message.from_user_id);
    let (buyer, current) = super::inbox::arrived(
        state,
        channel,
        &external_id,
        || {
            message
                .nick_name
                .clone()
                .unwrap_or_else(|| format!("抖音用户{}", super::inbox::tail(&message.from_user_id)))
        },
        Vec::new,
    )
    .await?;
    let client_msg_id = message.dedupe_key();
    if state
        .store
        .buyer_sent(channel.tenant_id, buyer.id, &client_msg_id)
        .await?
    {
        return Ok(());
    }
    keep_reply_to(state, channel, message).await?;
    let send = SendMessage {
        client_msg_id,
        kind: MessageKind::Text,
        body: text,
        attachment_id: None,
    };
    super::inbox::enter(state, channel, &buyer, current, send).await
}

/// Keeps the buyer's newest message and conversation for the replies to name (compare and
/// set: an older message read late does not replace a newer one).
async fn keep_reply_to(
    state: &AppState,
    channel: &ChannelRow,
    message: &ImMessage,
) -> Result<(), ApiError> {
    let scope = reply_scope(&message.from_user_id);
    let at = match message.create_time {
        0 => now_ms(),
        at => at,
    };
    let next = json!({
        "msg_id": message.server_message_id,
        "conversation_id": message.conversation_short_id,
        "at": at,
    })
    .to_string();
    for _ in 0..3 {
        let kept = state.store.channel_cursor(channel.id, &scope).await?;
        let kept_at = serde_json::from_str::<Value>(&kept)
            .ok()
            .and_then(|v| v["at"].as_i64());
        if kept_at.is_some_and(|kept_at| kept_at > at) {
            return Ok(());
        }
        if state
            .store
            .save_channel_cursor(channel.id, &scope, &kept, &next, now_ms())
            .await?
        {
            return Ok(());
        }
    }
    Ok(())
}

/// The delivery's body for a message to `external_id`: the buyer and the text (Douyin's
/// website applications send text; a picture or file goes as its link).
pub fn outgoing(
    state: &AppState,
    external_id: &str,
    message: &Message,
) -> Result<Option<Value>, ApiError> {
    let Some((_, open_id)) = split_buyer_id(external_id) else {
        return Ok(None);
    };
    let text = match message.kind {
        MessageKind::Text => message.body.clone(),
        MessageKind::Image | MessageKind::File => match &message.attachment {
            Some(a) => {
                let link = format!(
                    "{}{}",
                    state.settings.http.public_url.trim_end_matches('/'),
                    state.keys.file_url(a.id)
                );
                match message.kind {
                    MessageKind::Image => format!("[图片] {link}"),
                    _ => format!("{} {link}", a.file_name),
                }
            }
            None => return Ok(None),
        },
        MessageKind::Buttons => wx_api::buttons_text(message)?,
        MessageKind::OrderCard | MessageKind::ProductCard => wx_api::card_text(message),
        MessageKind::Rating => return Ok(None),
    };
    Ok(Some(json!({"to_user_id": open_id, "text": text})))
}

/// The tokens the account granted, kept sealed as one document.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Grant {
    access_token: String,
    refresh_token: String,
    /// Milliseconds; 0: unknown.
    refresh_expires_at: i64,
    /// The enterprise account's open_id.
    open_id: String,
}

async fn kept_grant(state: &AppState, channel: &ChannelRow) -> Option<(Grant, i64)> {
    let (document, expires_at) = state.store.channel_token(channel.id).await.ok()??;
    let grant = serde_json::from_str(&document).ok()?;
    Some((grant, expires_at))
}

/// The enterprise account that granted kefu its messages, if one has.
async fn granted_account(state: &AppState, channel: &ChannelRow) -> Option<String> {
    kept_grant(state, channel)
        .await
        .map(|(g, _)| g.open_id)
        .filter(|id| !id.is_empty())
}

async fn keep_grant(
    state: &AppState,
    channel: &ChannelRow,
    tokens: &wire::Tokens,
    previous: Option<&Grant>,
) -> Result<(Grant, i64), ApiError> {
    let now = now_ms();
    let grant = Grant {
        access_token: tokens.access_token.clone(),
        refresh_token: match tokens.refresh_token.is_empty() {
            true => previous
                .map(|p| p.refresh_token.clone())
                .unwrap_or_default(),
            false => tokens.refresh_token.clone(),
        },
        refresh_expires_at: match tokens.refresh_expires_in {
            0 => previous.map(|p| p.refresh_expires_at).unwrap_or(0),
            s => now + s * 1_000,
        },
        open_id: match tokens.open_id.is_empty() {
            true => previous.map(|p| p.open_id.clone()).unwrap_or_default(),
            false => tokens.open_id.clone(),
        },
    };
    let expires_at = now + tokens.expires_in.clamp(60, 30 * 24 * 3600) * 1_000;
    let document = serde_json::to_string(&grant).map_err(|e| ApiError::Internal(e.to_string()))?;
    state
        .store
        .save_channel_token(channel.id, &document, expires_at)
        .await?;
    Ok((grant, expires_at))
}

/// The state Douyin's grant page carries back: the channel, until when, and kefu's signature.
fn grant_state(state: &AppState, id: Uuid, until: i64) -> String {
    let signed = state.keys.sign("douyin-grant", &format!("{id}:{until}"));
    format!("{until}.{signed}")
}

fn grant_state_holds(state: &AppState, id: Uuid, given: &str) -> bool {
    let Some((until, _)) = given.split_once('.') else {
        return false;
    };
    let Ok(until) = until.parse::<i64>() else {
        return false;
    };
    until >= now_ms()
        && crate::auth::constant_time_eq(grant_state(state, id, until).as_bytes(), given.as_bytes())
}

/// Where Douyin sends the account's owner back to, with the code.
pub fn grant_path(id: Uuid) -> String {
    format!("/hooks/douyin/{id}/oauth")
}

/// The address of Douyin's page where the account's owner grants kefu its private messages
/// (good for half an hour). `origin` is where kefu is reached, when `http.public_url` is
/// not set.
pub async fn authorize_link(
    state: &AppState,
    tenant_id: Uuid,
    id: Uuid,
    origin: &str,
) -> Result<String, ApiError> {
    let channel = state
        .store
        .channels(tenant_id)
        .await?
        .into_iter()
        .find(|c| c.id == id && c.kind == Kind::Douyin.as_str())
        .ok_or(ErrorCode::ChannelNotFound)?;
    let public = state.settings.http.public_url.trim_end_matches('/');
    let base = match public.is_empty() {
        true => origin.trim().trim_end_matches('/'),
        false => public,
    };
    if !(base.starts_with("https://") || base.starts_with("http://")) {
        return Err(ApiError::new(
            ErrorCode::InvalidChannel,
            "kefu's public address is not known: set http.public_url",
        ));
    }
    let redirect = format!("{base}{}", grant_path(id));
    Ok(wire::authorize_url(
        &api_base(&channel),
        &channel.public_id,
        &redirect,
        &grant_state(state, id, now_ms() + GRANT_MS),
    ))
}

/// Douyin's page sent the owner back with a `code`: exchanged for the account's tokens. A
/// grant that does not complete is noted on the health line.
pub async fn granted(
    state: &AppState,
    id: Uuid,
    code: &str,
    given_state: &str,
) -> Result<(), ApiError> {
    let channel = super::callback_channel_of(state, id, Kind::Douyin).await?;
    // A link not kefu's is nobody's business on the health line.
    if !grant_state_holds(state, id, given_state) {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "the grant's link is not kefu's or has expired: start again from 渠道接入",
        ));
    }
    let outcome = exchange(state, &channel, code).await;
    if let Err(error) = &outcome {
        wx_api::note_error(
            state,
            &channel,
            &format!("the grant did not complete: {error}"),
        )
        .await;
    }
    outcome
}

async fn exchange(state: &AppState, channel: &ChannelRow, code: &str) -> Result<(), ApiError> {
    let code = code.trim();
    if code.is_empty() || code.len() > 512 {
        return Err(ApiError::new(
            ErrorCode::InvalidChannel,
            "Douyin sent no code: the grant was declined",
        ));
    }
    let form = [
        ("client_key", channel.public_id.as_str()),
        ("client_secret", secret(channel)),
        ("code", code),
        ("grant_type", "authorization_code"),
    ];
    let tokens = token_call(state, channel, "/oauth/access_token/", &form)
        .await
        .map_err(|e| {
            ApiError::new(
                ErrorCode::ChannelGrantFailed,
                format!("Douyin did not give the tokens: {}", e.error()),
            )
        })?;
    if tokens.open_id.is_empty() {
        return Err(ApiError::new(
            ErrorCode::ChannelGrantFailed,
            "Douyin did not say which account granted access",
        ));
    }
    if !tokens.scope.is_empty() && !tokens.scope.split(',').any(|s| s.trim() == wire::SCOPE) {
        return Err(ApiError::new(
            ErrorCode::ChannelGrantFailed,
            format!(
                "the account did not grant {} (private messages)",
                wire::SCOPE
            ),
        ));
    }
    keep_grant(state, channel, &tokens, None).await?;
    super::forget(state, channel.tenant_id, channel.id);
    Ok(())
}

async fn token_call(
    state: &AppState,
    channel: &ChannelRow,
    path: &str,
    form: &[(&str, &str)],
) -> Result<wire::Tokens, Outcome> {
    let answer = state
        .channel_outbox
        .client
        .post(format!("{}{path}", api_base(channel)))
        .form(form)
        .send()
        .await
        .map_err(|e| Outcome::Retry(None, format!("Douyin's tokens: {}", plain_error(&e))))?;
    let answer: Value = answer
        .json()
        .await
        .map_err(|e| Outcome::Retry(None, format!("Douyin's tokens: {}", plain_error(&e))))?;
    wire::read_tokens(&answer).map_err(|(code, said)| {
        let said = format!("Douyin's tokens: {code}: {said}");
        match wire::needs_new_grant(code) {
            true => Outcome::GiveUp(None, format!("{said} (grant access again: 授权)")),
            false => Outcome::Retry(None, said),
        }
    })
}

/// The account's access token, refreshed with the refresh token when it nears its end.
async fn access_token(
    state: &AppState,
    channel: &ChannelRow,
    fresh: bool,
) -> Result<Grant, Outcome> {
    let Some((grant, expires_at)) = kept_grant(state, channel).await else {
        return Err(Outcome::GiveUp(
            None,
            "the Douyin account has not granted kefu its messages yet (授权)".into(),
        ));
    };
    let (grant, expires_at) = match !fresh && expires_at - TOKEN_MARGIN_MS > now_ms() {
        true => (grant, expires_at),
        false => {
            let form = [
                ("client_key", channel.public_id.as_str()),
                ("grant_type", "refresh_token"),
                ("refresh_token", grant.refresh_token.as_str()),
            ];
            let tokens = token_call(state, channel, "/oauth/refresh_token/", &form).await?;
            keep_grant(state, channel, &tokens, Some(&grant))
                .await
                .map_err(|e| Outcome::Retry(None, e.to_string()))?
        }
    };
    if grant.refresh_expires_at > 0 && grant.refresh_expires_at - RENEW_MARGIN_MS < now_ms() {
        return Ok(renew(state, channel, grant, expires_at).await);
    }
    Ok(grant)
}

/// Renews the refresh token before it ends; the grant as it stands if Douyin will not (the
/// reason on the health line: after five renewals the owner grants again).
async fn renew(state: &AppState, channel: &ChannelRow, mut grant: Grant, expires_at: i64) -> Grant {
    let form = [
        ("client_key", channel.public_id.as_str()),
        ("refresh_token", grant.refresh_token.as_str()),
    ];
    let answer = async {
        let answer = state
            .channel_outbox
            .client
            .post(format!("{}/oauth/renew_refresh_token/", api_base(channel)))
            .form(&form)
            .send()
            .await
            .map_err(|e| plain_error(&e))?;
        let answer: Value = answer.json().await.map_err(|e| plain_error(&e))?;
        wire::read_renewed(&answer).map_err(|(code, said)| format!("{code}: {said}"))
    }
    .await;
    match answer {
        Ok((refresh_token, expires_in)) => {
            grant.refresh_token = refresh_token;
            grant.refresh_expires_at = now_ms() + expires_in.max(0) * 1_000;
            if let Ok(document) = serde_json::to_string(&grant)
                && let Err(error) = state
                    .store
                    .save_channel_token(channel.id, &document, expires_at)
                    .await
            {
                tracing::warn!(%error, "could not keep Douyin's renewed refresh token");
            }
        }
        Err(error) => {
            let said = format!(
                "Douyin's refresh token was not renewed ({error}); grant access again before it ends (授权)"
            );
            wx_api::note_error(state, channel, &said).await;
        }
    }
    grant
}

/// One try of a delivery: the buyer's last message and conversation, the access token, then
/// `/im/send/msg/`; a refused token is refreshed once.
pub async fn send(
    state: &AppState,
    client: &reqwest::Client,
    channel: &ChannelRow,
    delivery: &Delivery,
) -> Outcome {
    let body: Value = match serde_json::from_str(&delivery.body) {
        Ok(body) => body,
        Err(error) => return Outcome::GiveUp(None, format!("not a message: {error}")),
    };
    let to = body["to_user_id"].as_str().unwrap_or_default();
    let kept = match state
        .store
        .channel_cursor(channel.id, &reply_scope(to))
        .await
    {
        Ok(kept) => serde_json::from_str::<Value>(&kept).unwrap_or_default(),
        Err(error) => return Outcome::Retry(None, error.to_string()),
    };
    let (Some(msg_id), Some(conversation_id), Some(at)) = (
        kept["msg_id"].as_str(),
        kept["conversation_id"].as_str(),
        kept["at"].as_i64(),
    ) else {
        return Outcome::GiveUp(None, "the buyer has not written on Douyin yet".into());
    };
    if at + wire::WINDOW_MS < now_ms() {
        return Outcome::GiveUp(
            None,
            "24 hours have passed since the buyer last wrote on Douyin".into(),
        );
    }
    let request = wire::send_request(
        msg_id,
        conversation_id,
        to,
        body["text"].as_str().unwrap_or_default(),
    );
    let base = api_base(channel);
    for fresh in [false, true] {
        let grant = match access_token(state, channel, fresh).await {
            Ok(grant) => grant,
            Err(outcome) => return outcome,
        };
        let post = client
            .post(format!("{base}/im/send/msg/"))
            .query(&[("open_id", grant.open_id.as_str())])
            .header("access-token", grant.access_token.as_str());
        let answer: Value = match wx_api::post_json(post, &request).await {
            Ok(answer) => answer,
            Err(outcome) => return outcome,
        };
        let Some((code, said)) = wire::send_failure(&answer) else {
            return Outcome::Sent(200);
        };
        let said = format!("Douyin {code}: {said}");
        if wire::token_refused(code) && !fresh {
            continue;
        }
        return match wire::send_is_final(code) {
            true => Outcome::GiveUp(Some(200), said),
            false => Outcome::Retry(Some(200), said),
        };
    }
    Outcome::Retry(None, "the access token was refused twice".into())
}
