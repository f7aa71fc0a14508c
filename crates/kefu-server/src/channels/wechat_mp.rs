//! The WeChat Official Account adapter (公众号, CHANNELS.md §2). In: the server URL check
//! and message pushes in plain, compatible and safe mode, each checked by its signature and
//! entered through `desk::inbound` as the buyer `{AppID}/{OpenID}` (dedupe by `MsgId`). Out:
//! the customer-service API (客服消息) with the account's access token, within the 48-hour,
//! five-message window.

use kefu_channels::wechat_mp::{self as wire, CallbackQuery, Content, Pushed};
use kefu_channels::wxcrypt::WxCrypt;
use kefu_domain::error_code::ErrorCode;
use kefu_domain::message::{Message, MessageKind};
use kefu_domain::time::now_ms;
use kefu_store::ChannelRow;
use serde_json::{Value, json};
use uuid::Uuid;

use super::wx_api::{self, Platform};
use super::{ChannelInput, Checked, Kind};
use crate::AppState;
use crate::desk::inbound::SendMessage;
use crate::error::ApiError;
/// The largest body a push may have: WeChat's are a few hundred bytes.
pub const MAX_PUSH_BYTES: usize = 64 * 1024;

/// The modes the account's console offers (消息加解密方式).
const MODES: [&str; 3] = ["safe", "compatible", "plain"];

/// Checks the settings of an Official Account to connect.
pub fn check(input: &ChannelInput, test_doubles: bool) -> Result<Checked, ApiError> {
    let mode = input.mode.as_deref().map(str::trim).unwrap_or("safe");
    if !MODES.contains(&mode) {
        return Err(ApiError::new(
            ErrorCode::InvalidChannel,
            "the mode is safe, compatible or plain",
        ));
    }
    wx_api::check(input, test_doubles, Platform::OfficialAccount, mode)
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
fn now_s() -> i64 {
    now_ms() / 1_000
}

/// The server URL check: `echostr` back when the signature holds.
pub async fn verify(state: &AppState, id: Uuid, query: &CallbackQuery) -> Result<String, ApiError> {
    let channel = super::callback_channel_of(state, id, Kind::WechatMp).await?;
    let keys = keys(&channel)?;
    let checked =
        wire::fresh(&query.timestamp, now_s()).and_then(|()| wire::verify_url(&keys.token, query));
    match checked {
        Ok(echostr) => Ok(echostr.to_owned()),
        Err(error) => {
            wx_api::note_error(state, &channel, &format!("URL check refused: {error}")).await;
            Err(super::refused(Kind::WechatMp, error))
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
    let channel = super::callback_channel_of(state, id, Kind::WechatMp).await?;
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
            wx_api::note_error(state, &channel, &format!("a push was refused: {error}")).await;
            return Err(super::refused(Kind::WechatMp, error));
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
    let external_id = buyer_id(&channel.public_id, &pushed.from);
    let (buyer, current) = super::inbox::arrived(
        state,
        &channel,
        &external_id,
        || format!("微信用户{}", super::inbox::tail(&pushed.from)),
        Vec::new,
    )
    .await?;
    // A picture is fetched from WeChat and kept as the chat page's are; if WeChat cannot give
    // it now, the line with its link stands in.
    let mut attachment_id = None;
    if let Content::Image { media_id, .. } = &pushed.content {
        match wx_api::fetch_media(state, &channel, media_id, buyer.id, wx_api::MEDIA_TIMEOUT).await
        {
            Ok(fetched) if fetched.is_image => {
                (kind, body, attachment_id) = (
                    MessageKind::Image,
                    String::new(),
                    Some(fetched.attachment_id),
                )
            }
            Ok(_) => {
                let error = "a picture was not a picture";
                wx_api::note_error(state, &channel, error).await;
            }
            Err(error) => {
                let error = format!("a picture was not fetched: {error}");
                wx_api::note_error(state, &channel, &error).await;
            }
        }
    }
    let send = SendMessage {
        client_msg_id: pushed.dedupe_key(),
        kind,
        body,
        attachment_id,
    };
    super::inbox::enter(state, &channel, &buyer, current, send).await?;
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
    let body = wx_api::message_body(state, Platform::OfficialAccount, message)?;
    Ok(body.map(|mut body| {
        body["touser"] = json!(openid);
        body
    }))
}
