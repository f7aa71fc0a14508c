//! The WeChat Official Account adapter (公众号, CHANNELS.md §2). In: the server URL check
//! and message pushes in plain, compatible and safe mode, each checked by its signature and
//! entered through `desk::inbound` as the buyer `{AppID}/{OpenID}` (dedupe by `MsgId`). Out:
//! the customer-service API (客服消息) with the account's access token, within the 48-hour,
//! five-message window.

use kefu_channels::WireError;
use kefu_channels::wechat_mp::{
    self as wire, ApiAnswer, CallbackQuery, Content, Pushed, TokenAnswer,
};
use kefu_channels::wxcrypt::WxCrypt;
use kefu_domain::channel::{Channel, Entry};
use kefu_domain::error_code::ErrorCode;
use kefu_domain::message::{Message, MessageKind};
use kefu_domain::time::now_ms;
use kefu_store::{ChannelRow, ChannelSeen, Delivery};
use serde_json::{Value, json};
use std::sync::Arc;

use uuid::Uuid;

use super::{ChannelInput, Checked, Kind};
use crate::AppState;
use crate::deliveries::Outcome;
use crate::desk::inbound::{self, SendMessage};
use crate::error::ApiError;

/// WeChat's API, unless a channel names a test double of it.
pub const API_BASE: &str = "https://api.weixin.qq.com";
/// A token is fetched anew this long before WeChat says it expires.
const TOKEN_MARGIN_MS: i64 = 5 * 60_000;
/// How long a picture may take to come from or go to WeChat (a buyer's picture is fetched
/// inside the callback, which WeChat gives five seconds).
const MEDIA_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);
/// The largest body a push may have: WeChat's are a few hundred bytes.
pub const MAX_PUSH_BYTES: usize = 64 * 1024;

/// The modes the account's console offers (消息加解密方式).
const MODES: [&str; 3] = ["safe", "compatible", "plain"];

/// Checks the settings of an Official Account to connect. `api_base` is taken only where
/// the server lets channels name a test double of the platform (`http.channel_test_doubles`):
/// otherwise a shop admin could make kefu call any address.
pub fn check(input: &ChannelInput, test_doubles: bool) -> Result<Checked, ApiError> {
    let bad = |why: &str| ApiError::new(ErrorCode::InvalidChannel, why.to_owned());
    let app_id = input.app_id.trim();
    if app_id.is_empty()
        || app_id.len() > 64
        || !app_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(bad("the AppID is required (letters and digits)"));
    }
    let token = input.token.trim();
    if token.is_empty() || token.len() > 32 || !token.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(bad("the token is 1–32 letters or digits"));
    }
    let secret = input.app_secret.trim();
    if secret.is_empty() || secret.len() > 128 {
        return Err(bad("the AppSecret is required"));
    }
    let mode = input.mode.as_deref().map(str::trim).unwrap_or("safe");
    if !MODES.contains(&mode) {
        return Err(bad("the mode is safe, compatible or plain"));
    }
    let aes_key = input.aes_key.as_deref().map(str::trim).unwrap_or("");
    if mode != "plain" || !aes_key.is_empty() {
        WxCrypt::new(token, aes_key, app_id)
            .map_err(|_| bad("the EncodingAESKey is 43 characters of base64"))?;
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
        public_id: app_id.to_owned(),
        settings: json!({"mode": mode, "api_base": api_base.trim_end_matches('/')}),
        secrets: json!({"token": token, "aes_key": aes_key, "app_secret": secret}),
    })
}

/// A buyer's id on this channel: the account's AppID and the buyer's OpenID (an OpenID is
/// only unique within one account).
pub fn buyer_id(app_id: &str, openid: &str) -> String {
    format!("{app_id}/{openid}")
}

/// The AppID and OpenID of a buyer's id.
pub fn split_buyer_id(external_id: &str) -> Option<(&str, &str)> {
    external_id.split_once('/')
}

struct Keys {
    token: String,
    crypt: Option<WxCrypt>,
}

fn keys(channel: &ChannelRow) -> Result<Keys, ApiError> {
    let secret = |k: &str| channel.secrets[k].as_str().unwrap_or_default().to_owned();
    let token = secret("token");
    let aes_key = secret("aes_key");
    let crypt = match aes_key.is_empty() {
        true => None,
        false => Some(
            WxCrypt::new(&token, &aes_key, &channel.public_id)
                .map_err(|e| ApiError::Internal(format!("a stored channel's key: {e}")))?,
        ),
    };
    Ok(Keys { token, crypt })
}

/// The channel a callback names, if it is an Official Account.
async fn callback_channel(state: &AppState, id: Uuid) -> Result<Arc<ChannelRow>, ApiError> {
    super::callback_channel(state, id)
        .await?
        .filter(|c| c.kind == Kind::WechatMp.as_str())
        .ok_or_else(|| ErrorCode::ChannelNotFound.into())
}

fn refused(error: WireError) -> ApiError {
    ApiError::new(ErrorCode::Forbidden, format!("wechat: {error}"))
}

fn now_s() -> i64 {
    now_ms() / 1_000
}

/// The server URL check: `echostr` back when the signature holds.
pub async fn verify(state: &AppState, id: Uuid, query: &CallbackQuery) -> Result<String, ApiError> {
    let channel = callback_channel(state, id).await?;
    let keys = keys(&channel)?;
    let checked =
        wire::fresh(&query.timestamp, now_s()).and_then(|()| wire::verify_url(&keys.token, query));
    match checked {
        Ok(echostr) => Ok(echostr.to_owned()),
        Err(error) => {
            note_error(state, &channel, &format!("URL check refused: {error}")).await;
            Err(refused(error))
        }
    }
}

/// A push: checked, read, and entered as the buyer's message. The answer is `success`
/// (nothing to say in the callback's response: replies go by the customer-service API).
pub async fn receive(
    state: &AppState,
    id: Uuid,
    query: &CallbackQuery,
    body: &[u8],
) -> Result<&'static str, ApiError> {
    let channel = callback_channel(state, id).await?;
    let text = String::from_utf8_lossy(body);
    let keys = keys(&channel)?;
    let encrypted_only = channel.settings["mode"].as_str() != Some("plain");
    let read = wire::fresh(&query.timestamp, now_s()).and_then(|()| {
        wire::read_push(
            &keys.token,
            keys.crypt.as_ref(),
            encrypted_only,
            query,
            &text,
        )
    });
    let pushed = match read {
        Ok(pushed) => pushed,
        Err(error) if error.is_refusal() => {
            note_error(state, &channel, &format!("a push was refused: {error}")).await;
            return Err(refused(error));
        }
        // Signed (or a plain account's) but not a message kefu reads: answered `success`,
        // or WeChat would try three times and tell the buyer the account is broken.
        Err(error) => {
            metrics::counter!("kefu_channel_unread_pushes_total", "channel" => "wechat_mp")
                .increment(1);
            tracing::info!(%error, channel = %channel.id, "a WeChat push kefu does not read");
            return Ok("success");
        }
    };
    if channel.paused {
        // Paused: kefu leaves the account's messages alone (WeChat shows nothing).
        return Ok("success");
    }
    let Some((mut kind, mut body)) = content_of(&pushed) else {
        return Ok("success");
    };
    // A buyer seen before is read, not written: one write per message, the writer's.
    let external_id = buyer_id(&channel.public_id, &pushed.from);
    let buyer = match state
        .store
        .buyer_by_external(channel.tenant_id, Channel::WechatMp, &external_id)
        .await?
    {
        Some(buyer) => buyer,
        None => {
            let openid: Vec<char> = pushed.from.chars().collect();
            let tail: String = openid[openid.len().saturating_sub(4)..].iter().collect();
            state
                .store
                .upsert_buyer(
                    channel.tenant_id,
                    Channel::WechatMp,
                    &external_id,
                    &format!("微信用户{tail}"),
                )
                .await?
        }
    };
    // Into the buyer's conversation as the chat page's socket does: the current one, or
    // a new one on the first message.
    let known = state
        .store
        .current_conversation(channel.tenant_id, buyer.id)
        .await?
        .map(|c| c.id);
    // A picture is fetched from WeChat (its media lives three days) and kept as the chat
    // page's are; if WeChat cannot give it now, the line with its link stands in.
    let mut attachment_id = None;
    if let Content::Image { media_id, .. } = &pushed.content {
        // Within WeChat's five seconds for the whole callback; past it, the line stands in.
        let fetched =
            tokio::time::timeout(MEDIA_TIMEOUT, picture(state, &channel, media_id, buyer.id))
                .await
                .unwrap_or_else(|_| Err("WeChat took too long".to_owned()));
        match fetched {
            Ok(id) => {
                (kind, body, attachment_id) = (MessageKind::Image, String::new(), Some(id));
            }
            Err(error) => {
                note_error(
                    state,
                    &channel,
                    &format!("a picture was not fetched: {error}"),
                )
                .await;
            }
        }
    }
    let send = SendMessage {
        client_msg_id: pushed.dedupe_key(),
        kind,
        body,
        attachment_id,
    };
    inbound::send_as_buyer(state, &buyer, Entry::ShopHome, known, send).await?;
    super::seen_in(state, channel.id).await;
    Ok("success")
}

/// What kefu keeps of a push: text as text; a voice message as what WeChat heard; a
/// picture, video, place or link as a line saying so. Follows and menu events are not
/// messages.
fn content_of(pushed: &Pushed) -> Option<(MessageKind, String)> {
    let text = match &pushed.content {
        Content::Text(text) => text.clone(),
        Content::Voice {
            recognition: Some(heard),
            ..
        } => format!("[语音] {heard}"),
        Content::Voice {
            recognition: None, ..
        } => "[语音]".to_owned(),
        Content::Image { pic_url, .. } => format!("[图片] {pic_url}"),
        Content::Video { .. } => "[视频]".to_owned(),
        Content::Location { label, .. } => format!("[位置] {label}"),
        Content::Link { title, url } => format!("[链接] {title} {url}"),
        Content::Subscribed { .. } | Content::Unsubscribed | Content::Event { .. } => return None,
    };
    let text = text.trim().to_owned();
    (!text.is_empty()).then_some((MessageKind::Text, text))
}

/// Fetches a buyer's picture by its media id and keeps it as the buyer's upload.
async fn picture(
    state: &AppState,
    channel: &ChannelRow,
    media_id: &str,
    buyer_id: Uuid,
) -> Result<Uuid, String> {
    let client = &state.channel_outbox.client;
    let base = api_base(channel);
    let token = access_token(state, client, channel, &base, false)
        .await
        .map_err(|o| o.error().to_owned())?;
    let answer = client
        .get(format!("{base}/cgi-bin/media/get"))
        .query(&[("access_token", token.as_str()), ("media_id", media_id)])
        .send()
        .await
        .map_err(|e| plain_error(&e))?;
    let is_json = answer
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("json") || t.starts_with("text/"));
    if !answer.status().is_success() || is_json {
        let said = answer.text().await.unwrap_or_default();
        return Err(format!("WeChat answered {said}"));
    }
    let bytes = capped_body(answer, state.settings.limits.max_image_bytes).await?;
    let kept = crate::files::keep(
        state,
        channel.tenant_id,
        ("buyer", buyer_id),
        "wechat-image",
        &bytes,
    )
    .await
    .map_err(|e| e.to_string())?;
    Ok(kept.id)
}

/// A request's error without its URL: the URL carries the AppSecret or the access token.
fn plain_error(error: &reqwest::Error) -> String {
    let mut text = String::new();
    let mut source: Option<&dyn std::error::Error> = Some(error);
    while let Some(e) = source {
        let line = e.to_string();
        let line = match line.split_once(" for url (") {
            Some((head, _)) => head.to_owned(),
            None => line,
        };
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&line);
        source = e.source();
    }
    text
}

/// A response's body, refused past `limit` bytes.
async fn capped_body(mut answer: reqwest::Response, limit: usize) -> Result<Vec<u8>, String> {
    if answer.content_length().is_some_and(|n| n > limit as u64) {
        return Err("the picture is too large".into());
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = answer.chunk().await.map_err(|e| plain_error(&e))? {
        if bytes.len() + chunk.len() > limit {
            return Err("the picture is too large".into());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

fn api_base(channel: &ChannelRow) -> String {
    channel.settings["api_base"]
        .as_str()
        .unwrap_or(API_BASE)
        .to_owned()
}

async fn note_error(state: &AppState, channel: &ChannelRow, error: &str) {
    metrics::counter!("kefu_channel_refusals_total", "channel" => "wechat_mp").increment(1);
    if let Err(e) = state
        .store
        .channel_seen(channel.id, ChannelSeen::Error(error), now_ms())
        .await
    {
        tracing::warn!(error = %e, "could not note a channel's health");
    }
}

/// The customer-service API's body for a message to `external_id`, if it is one WeChat
/// can show.
pub fn outgoing(
    state: &AppState,
    external_id: &str,
    message: &Message,
) -> Result<Option<Value>, ApiError> {
    let Some((_, openid)) = split_buyer_id(external_id) else {
        return Ok(None);
    };
    let text = match message.kind {
        MessageKind::Text => message.body.clone(),
        // A picture is uploaded to WeChat when it is sent (`deliver`): its media id lives
        // three days, a retry may come later.
        MessageKind::Image => match &message.attachment {
            Some(a) => {
                return Ok(Some(
                    json!({"touser": openid, "msgtype": "image", "image": {"kefu_attachment": a.id}}),
                ));
            }
            None => return Ok(None),
        },
        // WeChat's customer-service messages carry no files: a signed link does.
        MessageKind::File => match &message.attachment {
            Some(a) => format!("{} {}", a.file_name, state.keys.file_url(a.id)),
            None => return Ok(None),
        },
        MessageKind::Buttons => {
            let buttons: kefu_domain::message::Buttons = serde_json::from_str(&message.body)
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            return Ok(Some(json!({
                "touser": openid,
                "msgtype": "msgmenu",
                "msgmenu": {
                    "head_content": buttons.text,
                    "list": buttons.buttons.iter().enumerate().map(|(i, b)| json!({"id": (i + 1).to_string(), "content": b.reply})).collect::<Vec<_>>(),
                    "tail_content": "",
                }
            })));
        }
        MessageKind::OrderCard | MessageKind::ProductCard => card_text(message),
        // The rating is tapped on the chat page; WeChat buyers are not asked there.
        MessageKind::Rating => return Ok(None),
    };
    Ok(Some(wire::custom_text(openid, &text)))
}

fn card_text(message: &Message) -> String {
    let card: Value = serde_json::from_str(&message.body).unwrap_or_default();
    let title = card["title"]
        .as_str()
        .or_else(|| card["name"].as_str())
        .or_else(|| card["order_no"].as_str())
        .unwrap_or("");
    match message.kind {
        MessageKind::OrderCard => format!(
            "[订单] {} {}",
            card["order_no"].as_str().unwrap_or(""),
            title
        )
        .trim()
        .to_owned(),
        _ => format!("[商品] {title}"),
    }
}

/// One try of a delivery: the access token, then the customer-service API.
pub async fn deliver(
    state: &AppState,
    client: &reqwest::Client,
    channel: &ChannelRow,
    delivery: &Delivery,
) -> Outcome {
    let base = api_base(channel);
    let mut body: Value = match serde_json::from_str(&delivery.body) {
        Ok(body) => body,
        Err(error) => return Outcome::GiveUp(None, format!("not a message: {error}")),
    };
    for fresh in [false, true] {
        let token = match access_token(state, client, channel, &base, fresh).await {
            Ok(token) => token,
            Err(outcome) => return outcome,
        };
        if let Some(id) = body["image"]["kefu_attachment"]
            .as_str()
            .and_then(|i| i.parse().ok())
        {
            match upload(state, client, &base, &token, id).await {
                Ok(media_id) => body["image"] = json!({"media_id": media_id}),
                Err(outcome) => return outcome,
            }
        }
        let sent = client
            .post(format!("{base}/cgi-bin/message/custom/send"))
            .query(&[("access_token", token.as_str())])
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await;
        let answer = match sent {
            Ok(answer) if answer.status().is_success() => answer,
            Ok(answer) => {
                let code = answer.status().as_u16();
                return Outcome::Retry(Some(code), format!("HTTP {code}"));
            }
            Err(error) => return Outcome::Retry(None, plain_error(&error)),
        };
        let answer: ApiAnswer = match answer.json().await {
            Ok(answer) => answer,
            Err(error) => {
                return Outcome::Retry(
                    Some(200),
                    format!("an unreadable answer: {}", plain_error(&error)),
                );
            }
        };
        if answer.errcode == 0 {
            return Outcome::Sent(200);
        }
        let said = format!("WeChat {}: {}", answer.errcode, answer.errmsg);
        if answer.token_expired() && !fresh {
            continue;
        }
        return match answer.is_final() {
            true => Outcome::GiveUp(Some(200), said),
            false => Outcome::Retry(Some(200), said),
        };
    }
    Outcome::Retry(None, "the access token was refused twice".into())
}

/// Uploads an attachment as a temporary picture; its media id.
async fn upload(
    state: &AppState,
    client: &reqwest::Client,
    base: &str,
    token: &str,
    id: Uuid,
) -> Result<String, Outcome> {
    let stored = match state.store.attachment(id).await {
        Ok(Some(stored)) => stored,
        Ok(None) => return Err(Outcome::GiveUp(None, "the picture is gone".into())),
        Err(error) => return Err(Outcome::Retry(None, error.to_string())),
    };
    let bytes = match state.files.read(&stored.storage_key).await {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Err(Outcome::GiveUp(None, "the picture is gone".into())),
        Err(error) => return Err(Outcome::Retry(None, error.to_string())),
    };
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name(stored.attachment.file_name.clone())
        .mime_str(&stored.attachment.content_type)
        .map_err(|e| Outcome::GiveUp(None, e.to_string()))?;
    let answer = client
        .post(format!("{base}/cgi-bin/media/upload"))
        .query(&[("access_token", token), ("type", "image")])
        .multipart(reqwest::multipart::Form::new().part("media", part))
        .timeout(MEDIA_TIMEOUT)
        .send()
        .await
        .map_err(|e| Outcome::Retry(None, format!("the picture's upload: {}", plain_error(&e))))?;
    let answer: Value = answer
        .json()
        .await
        .map_err(|e| Outcome::Retry(None, format!("the picture's upload: {}", plain_error(&e))))?;
    match answer["media_id"].as_str() {
        Some(media_id) if !media_id.is_empty() => Ok(media_id.to_owned()),
        _ => Err(Outcome::Retry(
            None,
            format!("the picture's upload: WeChat answered {answer}"),
        )),
    }
}

/// The account's access token: the one kept while it has five minutes left, else a new one
/// (kept for every process).
async fn access_token(
    state: &AppState,
    client: &reqwest::Client,
    channel: &ChannelRow,
    base: &str,
    fresh: bool,
) -> Result<String, Outcome> {
    let now = now_ms();
    if !fresh
        && let Ok(Some((token, expires_at))) = state.store.channel_token(channel.id).await
        && expires_at - TOKEN_MARGIN_MS > now
    {
        return Ok(token);
    }
    let secret = channel.secrets["app_secret"].as_str().unwrap_or_default();
    let answer = client
        .get(format!("{base}/cgi-bin/token"))
        .query(&[
            ("grant_type", "client_credential"),
            ("appid", channel.public_id.as_str()),
            ("secret", secret),
        ])
        .send()
        .await
        .map_err(|e| Outcome::Retry(None, format!("the access token: {}", plain_error(&e))))?;
    let answer: TokenAnswer = answer
        .json()
        .await
        .map_err(|e| Outcome::Retry(None, format!("the access token: {}", plain_error(&e))))?;
    if answer.access_token.is_empty() {
        let said = format!(
            "the access token: WeChat {}: {}",
            answer.errcode, answer.errmsg
        );
        // A wrong AppSecret or an address not on the account's allow-list: a person fixes it.
        return Err(match answer.errcode {
            40001 | 40013 | 40125 | 40164 => Outcome::GiveUp(None, said),
            _ => Outcome::Retry(None, said),
        });
    }
    let expires_at = now + answer.expires_in.clamp(60, 7_200) * 1_000;
    if let Err(error) = state
        .store
        .save_channel_token(channel.id, &answer.access_token, expires_at)
        .await
    {
        tracing::warn!(%error, "could not keep a channel's access token");
    }
    Ok(answer.access_token)
}
