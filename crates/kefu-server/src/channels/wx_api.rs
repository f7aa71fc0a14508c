//! The WeChat family's HTTP API, one for the Official Account and WeCom 微信客服 (CHANNELS.md
//! §2.4–2.5, §3.2): the same `errcode` answers, access tokens fetched with the channel's
//! secret and kept sealed for every process, media fetched and uploaded under `/cgi-bin/media`,
//! and messages sent with a fresh token when the kept one is refused. What differs by
//! platform (where the token comes from, where a message goes, how a menu is written) is a
//! `Platform` here; the callbacks are each adapter's own.

use kefu_channels::wechat_mp::{ApiAnswer, TokenAnswer};
use kefu_channels::wxcrypt::WxCrypt;
use kefu_domain::error_code::ErrorCode;
use kefu_domain::message::{Message, MessageKind};
use kefu_domain::time::now_ms;
use kefu_store::{ChannelRow, ChannelSeen, Delivery};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{ChannelInput, Checked, Kind};
use crate::AppState;
use crate::deliveries::Outcome;
use crate::error::ApiError;

/// A token is fetched anew this long before the platform says it expires.
const TOKEN_MARGIN_MS: i64 = 5 * 60_000;
/// How long a picture may take to come from or go to the platform (a buyer's picture is
/// fetched inside a callback the platform gives five seconds).
pub const MEDIA_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);
/// How long a file (up to `limits.max_file_bytes`) may take, where nobody waits on it: a
/// WeCom buyer's, read after the callback was answered, or any sent one.
pub const FILE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Where one platform of the family differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// 公众号: `cgi-bin/token` with the AppID and AppSecret; 客服消息.
    OfficialAccount,
    /// 微信客服: `cgi-bin/gettoken` with the CorpID and the kf secret; `kf/send_msg`.
    WecomKf,
}

impl Platform {
    pub fn of(channel: &ChannelRow) -> Platform {
        match Kind::parse(&channel.kind) {
            Ok(Kind::WecomKf) => Platform::WecomKf,
            _ => Platform::OfficialAccount,
        }
    }

    /// The platform's API, unless a channel names a test double of it.
    pub fn api_base(self) -> &'static str {
        match self {
            Platform::OfficialAccount => "https://api.weixin.qq.com",
            Platform::WecomKf => "https://qyapi.weixin.qq.com",
        }
    }

    fn send_path(self) -> &'static str {
        match self {
            Platform::OfficialAccount => "/cgi-bin/message/custom/send",
            Platform::WecomKf => "/cgi-bin/kf/send_msg",
        }
    }

    /// Its name in what the health line says.
    pub fn name(self) -> &'static str {
        match self {
            Platform::OfficialAccount => "WeChat",
            Platform::WecomKf => "WeCom",
        }
    }
}

/// Checks the settings every platform of the family is connected with: the account's id,
/// its secret, the token and (but in an Official Account's plain `mode`) the
/// EncodingAESKey. `api_base` is taken only where the server lets channels name a test double
/// of the platform (`http.channel_test_doubles`): otherwise a shop admin could make kefu call
/// any address.
pub fn check(
    input: &ChannelInput,
    test_doubles: bool,
    platform: Platform,
    mode: &str,
) -> Result<Checked, ApiError> {
    let bad = |why: String| ApiError::new(ErrorCode::InvalidChannel, why);
    let (id_name, secret_name) = match platform {
        Platform::OfficialAccount => ("AppID", "AppSecret"),
        Platform::WecomKf => ("CorpID", "Secret"),
    };
    let id = input.app_id.trim();
    if id.is_empty() || id.len() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(bad(format!(
            "the {id_name} is required (letters and digits)"
        )));
    }
    let token = input.token.trim();
    if token.is_empty() || token.len() > 32 || !token.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(bad("the token is 1–32 letters or digits".into()));
    }
    let secret = input.app_secret.trim();
    if secret.is_empty() || secret.len() > 128 {
        return Err(bad(format!("the {secret_name} is required")));
    }
    let aes_key = input.aes_key.as_deref().map(str::trim).unwrap_or("");
    if mode != "plain" || !aes_key.is_empty() {
        WxCrypt::new(token, aes_key, id)
            .map_err(|_| bad("the EncodingAESKey is 43 characters of base64".into()))?;
    }
    let api_base = input
        .api_base
        .as_deref()
        .map(str::trim)
        .filter(|b| !b.is_empty() && test_doubles)
        .unwrap_or(platform.api_base());
    if !(api_base.starts_with("https://") || api_base.starts_with("http://")) {
        return Err(bad("the API address is an http(s) URL".into()));
    }
    Ok(Checked {
        public_id: id.to_owned(),
        settings: json!({"mode": mode, "api_base": api_base.trim_end_matches('/')}),
        secrets: json!({"token": token, "aes_key": aes_key, "app_secret": secret}),
    })
}

/// The channel's API address: the platform's, or the test double it was connected with.
pub fn api_base(channel: &ChannelRow) -> String {
    channel.settings["api_base"]
        .as_str()
        .unwrap_or(Platform::of(channel).api_base())
        .to_owned()
}

/// A request's error without its URL: the URL carries the secret or the access token.
pub fn plain_error(error: &reqwest::Error) -> String {
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

/// A message with reply buttons as text for a platform without them: the question, then
/// the buttons numbered.
pub fn buttons_text(message: &Message) -> Result<String, ApiError> {
    let buttons: kefu_domain::message::Buttons =
        serde_json::from_str(&message.body).map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut text = buttons.text;
    for (i, b) in buttons.buttons.iter().enumerate() {
        text.push_str(&format!("\n{}. {}", i + 1, b.reply));
    }
    Ok(text)
}

/// Notes a refusal or failure on the channel's health line.
pub async fn note_error(state: &AppState, channel: &ChannelRow, error: &str) {
    metrics::counter!("kefu_channel_refusals_total", "channel" => channel.kind.clone())
        .increment(1);
    if let Err(e) = state
        .store
        .channel_seen(channel.id, ChannelSeen::Error(error), now_ms())
        .await
    {
        tracing::warn!(error = %e, "could not note a channel's health");
    }
}

/// A response's body, refused past `limit` bytes.
async fn capped_body(mut answer: reqwest::Response, limit: usize) -> Result<Vec<u8>, String> {
    if answer.content_length().is_some_and(|n| n > limit as u64) {
        return Err("the file is too large".into());
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = answer.chunk().await.map_err(|e| plain_error(&e))? {
        if bytes.len() + chunk.len() > limit {
            return Err("the file is too large".into());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// A buyer's picture or file fetched from the platform and kept as their upload.
#[derive(Debug)]
pub struct Fetched {
    pub attachment_id: Uuid,
    /// A picture (`image/*`), else a file.
    pub is_image: bool,
}

/// Fetches a buyer's picture or file by its media id (it lives three days on the platform)
/// and keeps it as the buyer's upload, within `within` (`MEDIA_TIMEOUT` inside a callback).
pub async fn fetch_media(
    state: &AppState,
    channel: &ChannelRow,
    media_id: &str,
    buyer_id: Uuid,
    within: std::time::Duration,
) -> Result<Fetched, String> {
    let platform = Platform::of(channel);
    tokio::time::timeout(within, fetch_media_now(state, channel, media_id, buyer_id))
        .await
        .unwrap_or_else(|_| Err(format!("{} took too long", platform.name())))
}

/// The file name a `Content-Disposition` gives, made safe, or `None`.
fn disposition_name(value: &[u8]) -> Option<String> {
    let raw = kefu_channels::email::disposition_file_name(value)?;
    let name = crate::files::safe_file_name(&raw);
    (name != "file" || raw.trim() == "file").then_some(name)
}

async fn fetch_media_now(
    state: &AppState,
    channel: &ChannelRow,
    media_id: &str,
    buyer_id: Uuid,
) -> Result<Fetched, String> {
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
    // The platform's refusal is JSON (a text file is a file).
    let is_json = answer
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("json"));
    if !answer.status().is_success() || is_json {
        let said = capped_body(answer, 4096).await.unwrap_or_default();
        let said: String = String::from_utf8_lossy(&said).chars().take(300).collect();
        return Err(format!("{} answered {said}", Platform::of(channel).name()));
    }
    let name = answer
        .headers()
        .get("content-disposition")
        .and_then(|v| disposition_name(v.as_bytes()))
        .unwrap_or_else(|| format!("{}-{media_id}", channel.kind));
    let limits = &state.settings.limits;
    let bytes = capped_body(answer, limits.max_image_bytes.max(limits.max_file_bytes)).await?;
    let kept = crate::files::keep(state, channel.tenant_id, ("buyer", buyer_id), &name, &bytes)
        .await
        .map_err(|e| e.to_string())?;
    Ok(Fetched {
        attachment_id: kept.id,
        is_image: kept.content_type.starts_with("image/"),
    })
}

/// The typed part of a message to a buyer (`{"msgtype": …, …}`), if it is one the platform
/// can show. A picture names kefu's attachment, uploaded when it is sent (`send`): a media
/// id lives three days, a retry may come later.
pub fn message_body(
    state: &AppState,
    platform: Platform,
    message: &Message,
) -> Result<Option<Value>, ApiError> {
    let text = match message.kind {
        MessageKind::Text => message.body.clone(),
        MessageKind::Image => {
            return Ok(message
                .attachment
                .as_ref()
                .map(|a| json!({"msgtype": "image", "image": {"kefu_attachment": a.id}})));
        }
        // WeCom's 微信客服 sends files (uploaded when sent, as pictures are); an Official
        // Account's customer-service messages carry none: a signed link does.
        MessageKind::File => match (&message.attachment, platform) {
            (Some(a), Platform::WecomKf) => {
                return Ok(Some(
                    json!({"msgtype": "file", "file": {"kefu_attachment": a.id}}),
                ));
            }
            (Some(a), Platform::OfficialAccount) => {
                format!("{} {}", a.file_name, state.keys.file_url(a.id))
            }
            (None, _) => return Ok(None),
        },
        MessageKind::Buttons => {
            let buttons: kefu_domain::message::Buttons = serde_json::from_str(&message.body)
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            let item = |i: usize, reply: &str| match platform {
                Platform::OfficialAccount => json!({"id": (i + 1).to_string(), "content": reply}),
                Platform::WecomKf => {
                    json!({"type": "click", "click": {"id": (i + 1).to_string(), "content": reply}})
                }
            };
            return Ok(Some(json!({
                "msgtype": "msgmenu",
                "msgmenu": {
                    "head_content": buttons.text,
                    "list": buttons.buttons.iter().enumerate().map(|(i, b)| item(i, &b.reply)).collect::<Vec<_>>(),
                    "tail_content": "",
                }
            })));
        }
        MessageKind::OrderCard | MessageKind::ProductCard => card_text(message),
        // The rating is tapped on the chat page; buyers on other platforms are not asked there.
        MessageKind::Rating => return Ok(None),
    };
    let text = match platform {
        Platform::WecomKf => kefu_channels::wecom_kf::fit_text(&text),
        Platform::OfficialAccount => text,
    };
    Ok(Some(json!({"msgtype": "text", "text": {"content": text}})))
}

/// An order or product card as one line of text.
pub(super) fn card_text(message: &Message) -> String {
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

/// One try of a delivery: the access token, a picture's upload, then the platform's send
/// API; a refused token is fetched anew once.
pub async fn send(
    state: &AppState,
    client: &reqwest::Client,
    channel: &ChannelRow,
    delivery: &Delivery,
) -> Outcome {
    let platform = Platform::of(channel);
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
        // A picture or file of kefu's goes up first (each try: a media id lives three days).
        for media in ["image", "file"] {
            if let Some(id) = body[media]["kefu_attachment"]
                .as_str()
                .and_then(|i| i.parse().ok())
            {
                match upload(state, client, &base, &token, id, media).await {
                    Ok(media_id) => body[media] = json!({"media_id": media_id}),
                    Err(outcome) => return outcome,
                }
            }
        }
        let request = client
            .post(format!("{base}{}", platform.send_path()))
            .query(&[("access_token", token.as_str())]);
        let answer: ApiAnswer = match post_json(request, &body).await {
            Ok(answer) => answer,
            Err(outcome) => return outcome,
        };
        if answer.errcode == 0 {
            return Outcome::Sent(200);
        }
        let said = format!("{} {}: {}", platform.name(), answer.errcode, answer.errmsg);
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

/// Posts a send's JSON body and reads the platform's JSON answer; a refusal over HTTP, no
/// answer or an unreadable one is worth another try.
pub(super) async fn post_json<T: serde::de::DeserializeOwned>(
    request: reqwest::RequestBuilder,
    body: &Value,
) -> Result<T, Outcome> {
    let sent = request
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await;
    let answer = match sent {
        Ok(answer) if answer.status().is_success() => answer,
        Ok(answer) => {
            let code = answer.status().as_u16();
            return Err(Outcome::Retry(Some(code), format!("HTTP {code}")));
        }
        Err(error) => return Err(Outcome::Retry(None, plain_error(&error))),
    };
    answer.json().await.map_err(|error| {
        Outcome::Retry(
            Some(200),
            format!("an unreadable answer: {}", plain_error(&error)),
        )
    })
}

/// Uploads an attachment as temporary media of `media` (`image`, `file`); its media id.
async fn upload(
    state: &AppState,
    client: &reqwest::Client,
    base: &str,
    token: &str,
    id: Uuid,
    media: &str,
) -> Result<String, Outcome> {
    let stored = match state.store.attachment(id).await {
        Ok(Some(stored)) => stored,
        Ok(None) => return Err(Outcome::GiveUp(None, "the file is gone".into())),
        Err(error) => return Err(Outcome::Retry(None, error.to_string())),
    };
    let bytes = match state.files.read(&stored.storage_key).await {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Err(Outcome::GiveUp(None, "the file is gone".into())),
        Err(error) => return Err(Outcome::Retry(None, error.to_string())),
    };
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name(stored.attachment.file_name.clone())
        .mime_str(&stored.attachment.content_type)
        .map_err(|e| Outcome::GiveUp(None, e.to_string()))?;
    let answer = client
        .post(format!("{base}/cgi-bin/media/upload"))
        .query(&[("access_token", token), ("type", media)])
        .multipart(reqwest::multipart::Form::new().part("media", part))
        .timeout(match media {
            "image" => MEDIA_TIMEOUT,
            _ => FILE_TIMEOUT,
        })
        .send()
        .await
        .map_err(|e| Outcome::Retry(None, format!("the {media}'s upload: {}", plain_error(&e))))?;
    let answer: Value = answer
        .json()
        .await
        .map_err(|e| Outcome::Retry(None, format!("the {media}'s upload: {}", plain_error(&e))))?;
    match answer["media_id"].as_str() {
        Some(media_id) if !media_id.is_empty() => Ok(media_id.to_owned()),
        _ => Err(Outcome::Retry(
            None,
            format!("the {media}'s upload: the platform answered {answer}"),
        )),
    }
}

/// The channel's access token: the one kept while it has five minutes left, else a new one
/// (kept for every process).
pub async fn access_token(
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
    let platform = Platform::of(channel);
    let secret = channel.secrets["app_secret"].as_str().unwrap_or_default();
    let id = channel.public_id.as_str();
    let request = match platform {
        Platform::OfficialAccount => client.get(format!("{base}/cgi-bin/token")).query(&[
            ("grant_type", "client_credential"),
            ("appid", id),
            ("secret", secret),
        ]),
        Platform::WecomKf => client
            .get(format!("{base}/cgi-bin/gettoken"))
            .query(&[("corpid", id), ("corpsecret", secret)]),
    };
    let answer = request
        .send()
        .await
        .map_err(|e| Outcome::Retry(None, format!("the access token: {}", plain_error(&e))))?;
    let answer: TokenAnswer = answer
        .json()
        .await
        .map_err(|e| Outcome::Retry(None, format!("the access token: {}", plain_error(&e))))?;
    if answer.access_token.is_empty() {
        let said = format!(
            "the access token: {} {}: {}",
            platform.name(),
            answer.errcode,
            answer.errmsg
        );
        // A wrong secret or id, or an address not on the allow-list: a person fixes it.
        return Err(match answer.errcode {
            40001 | 40013 | 40091 | 40125 | 40164 | 60020 => Outcome::GiveUp(None, said),
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

/// Learns a new WeChat buyer's unionid (CH-6: one person across the company's Official
/// Accounts, WeCom and the shop's members) from the platform, in the background: an
/// Official Account's `cgi-bin/user/info`, 微信客服's `kf/customer/batchget`. The platform
/// gives one only when the account is bound to the company's open platform account; when it
/// does, the buyer is linked with the shop's buyers who have it. A failure is logged: the
/// buyer is served all the same.
pub fn learn_unionid(state: &AppState, channel: &ChannelRow, buyer: &kefu_domain::account::Buyer) {
    let (state, channel, buyer) = (state.clone(), channel.clone(), buyer.clone());
    tokio::spawn(async move {
        match unionid(&state, &channel, &buyer.external_id).await {
            Ok(Some(unionid)) => {
                let keys = kefu_domain::profile::BuyerKey::unionid(&unionid)
                    .into_iter()
                    .collect();
                crate::desk::profiles::link(&state, &buyer, keys).await;
            }
            Ok(None) => {}
            Err(error) => {
                tracing::info!(%error, channel = %channel.id, "could not learn a buyer's unionid");
            }
        }
    });
}

async fn unionid(
    state: &AppState,
    channel: &ChannelRow,
    external_id: &str,
) -> Result<Option<String>, String> {
    let client = &state.channel_outbox.client;
    let base = api_base(channel);
    let token = access_token(state, client, channel, &base, false)
        .await
        .map_err(|o| o.error().to_owned())?;
    // Both ids end in the platform's own id of the buyer (`{AppID}/{OpenID}`,
    // `{CorpID}/{open_kfid}/{external_userid}`).
    let Some((_, user)) = external_id.rsplit_once('/') else {
        return Ok(None);
    };
    let answer: Value = match Platform::of(channel) {
        Platform::OfficialAccount => {
            let openid = user;
            client
                .get(format!("{base}/cgi-bin/user/info"))
                .query(&[
                    ("access_token", token.as_str()),
                    ("openid", openid),
                    ("lang", "zh_CN"),
                ])
                .timeout(MEDIA_TIMEOUT)
                .send()
                .await
                .map_err(|e| plain_error(&e))?
                .json()
                .await
                .map_err(|e| plain_error(&e))?
        }
        Platform::WecomKf => {
            let external_userid = user;
            let answer: Value = post_json(
                client
                    .post(format!("{base}/cgi-bin/kf/customer/batchget"))
                    .query(&[("access_token", token.as_str())])
                    .timeout(MEDIA_TIMEOUT),
                &json!({"external_userid_list": [external_userid], "need_enter_session_context": 0}),
            )
            .await
            .map_err(|o| o.error().to_owned())?;
            answer["customer_list"]
                .as_array()
                .and_then(|list| {
                    list.iter()
                        .find(|c| c["external_userid"].as_str() == Some(external_userid))
                })
                .cloned()
                .unwrap_or(Value::Null)
        }
    };
    Ok(answer["unionid"]
        .as_str()
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_owned))
}

#[cfg(test)]
mod tests {
    use super::disposition_name;

    #[test]
    fn a_files_name_is_read_from_its_disposition_without_a_path() {
        let name = |v: &str| disposition_name(v.as_bytes());
        assert_eq!(
            name(r#"attachment; filename="退货单.pdf""#).as_deref(),
            Some("退货单.pdf")
        );
        assert_eq!(
            name("attachment; filename=MEDIA_ID.jpg").as_deref(),
            Some("MEDIA_ID.jpg")
        );
        assert_eq!(
            name(r#"attachment; filename="../../etc/passwd""#).as_deref(),
            Some("passwd")
        );
        assert_eq!(
            name(r#"attachment; filename="C:\\Users\\a\\发票.xlsx""#).as_deref(),
            Some("发票.xlsx")
        );
        assert_eq!(
            name("attachment; filename=\"x.pdf\"; filename*=UTF-8''%E5%8F%91%E7%A5%A8.pdf")
                .as_deref(),
            Some("发票.pdf")
        );
        // A quoted name keeps its `;` and escaped quotes (made safe: no quotes).
        assert_eq!(
            name(r#"attachment; filename="a;b \"c\".pdf"; size=3"#).as_deref(),
            Some("a;b c.pdf")
        );
        assert_eq!(
            name(r#"Attachment; FILENAME="upper.pdf""#).as_deref(),
            Some("upper.pdf")
        );
        assert_eq!(name("attachment").as_deref(), None);
        assert_eq!(name(r#"attachment; filename="""#).as_deref(), None);
        assert_eq!(name(r#"attachment; filename="a/""#).as_deref(), None);
        assert_eq!(
            name(r#"attachment; filename="unterminated"#).as_deref(),
            Some("unterminated")
        );
    }
}
