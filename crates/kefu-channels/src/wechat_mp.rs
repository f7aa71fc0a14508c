//! The WeChat Official Account (公众号, CHANNELS.md §2): what its server pushes, in plain,
//! compatible and safe mode, read into one `Pushed`; what kefu answers; the customer-service
//! send API's bodies; and the 48-hour reply window.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::WireError;
use crate::wxcrypt::{WxCrypt, same_signature, signature};
use crate::xml::{cdata, fields};

/// How long after a buyer's message the account may write to them, and how many messages.
pub const WINDOW_MS: i64 = 48 * 3_600_000;
pub const WINDOW_QUOTA: u32 = 5;

/// The query WeChat calls the callback URL with.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallbackQuery {
    #[serde(default)]
    pub signature: String,
    #[serde(default)]
    pub timestamp: String,
    #[serde(default)]
    pub nonce: String,
    #[serde(default)]
    pub echostr: Option<String>,
    #[serde(default)]
    pub openid: Option<String>,
    /// `aes` in compatible and safe mode; absent or `raw` in plain mode.
    #[serde(default)]
    pub encrypt_type: Option<String>,
    #[serde(default)]
    pub msg_signature: Option<String>,
}

impl CallbackQuery {
    pub fn encrypted(&self) -> bool {
        self.encrypt_type.as_deref() == Some("aes")
    }
}

/// What a buyer sent, as kefu keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    Text(String),
    /// A picture: the link WeChat gives (valid a few days) and its media id.
    Image {
        pic_url: String,
        media_id: String,
    },
    /// A voice message, with WeChat's recognition of it when the account has it on.
    Voice {
        media_id: String,
        recognition: Option<String>,
    },
    Video {
        media_id: String,
    },
    Location {
        label: String,
        latitude: String,
        longitude: String,
    },
    Link {
        title: String,
        url: String,
    },
    /// Followed the account (from a QR code's scene, when any).
    Subscribed {
        scene: Option<String>,
    },
    Unsubscribed,
    /// A menu click or anything else: the event and its key.
    Event {
        event: String,
        key: String,
    },
}

/// One push, read and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pushed {
    /// The account's `gh_` id.
    pub to: String,
    /// The buyer's OpenID.
    pub from: String,
    pub create_time: i64,
    /// WeChat's message id; events have none.
    pub msg_id: Option<String>,
    pub content: Content,
}

impl Pushed {
    /// Reads a message's XML.
    pub fn parse(xml: &str) -> Result<Pushed, WireError> {
        let f = fields(xml)?;
        Pushed::from_fields(&f)
    }

    fn from_fields(f: &BTreeMap<String, String>) -> Result<Pushed, WireError> {
        let get = |k: &str| f.get(k).map(|s| s.trim().to_owned()).unwrap_or_default();
        let need = |k: &str| {
            f.get(k)
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .ok_or(WireError::MissingField)
        };
        let from = need("FromUserName")?;
        let to = need("ToUserName")?;
        let create_time = need("CreateTime")?
            .parse::<i64>()
            .map_err(|_| WireError::MissingField)?;
        let msg_type = need("MsgType")?;
        let content = match msg_type.as_str() {
            "text" => Content::Text(f.get("Content").cloned().unwrap_or_default()),
            "image" => Content::Image {
                pic_url: get("PicUrl"),
                media_id: need("MediaId")?,
            },
            "voice" => Content::Voice {
                media_id: need("MediaId")?,
                recognition: f
                    .get("Recognition")
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty()),
            },
            "video" | "shortvideo" => Content::Video {
                media_id: need("MediaId")?,
            },
            "location" => Content::Location {
                label: get("Label"),
                latitude: get("Location_X"),
                longitude: get("Location_Y"),
            },
            "link" => Content::Link {
                title: get("Title"),
                url: get("Url"),
            },
            "event" => match need("Event")?.as_str() {
                "subscribe" => Content::Subscribed {
                    scene: f
                        .get("EventKey")
                        .and_then(|k| k.trim().strip_prefix("qrscene_").map(str::to_owned)),
                },
                "unsubscribe" => Content::Unsubscribed,
                other => Content::Event {
                    event: other.to_owned(),
                    key: get("EventKey"),
                },
            },
            _ => return Err(WireError::Unsupported(msg_type)),
        };
        let msg_id = f
            .get("MsgId")
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        Ok(Pushed {
            to,
            from,
            create_time,
            msg_id,
            content,
        })
    }

    /// The id WeChat's retries repeat: the message id, or for events the sender and time.
    pub fn dedupe_key(&self) -> String {
        match &self.msg_id {
            Some(id) => format!("wx:{id}"),
            None => format!("wx:{}:{}", self.from, self.create_time),
        }
    }
}

/// Reads a callback's body in any of the three modes: a plain body as it is; an encrypted
/// one (safe or compatible mode) after its `msg_signature` is checked and it is decrypted.
/// The plain-mode `signature` must hold in every mode; an encrypted body needs the
/// account's keys (`crypt`), a plain one only its token. An account in safe or compatible
/// mode (`encrypted_only`) takes no plain push: a plain signature covers no body, so one
/// seen once could carry anything.
pub fn read_push(
    token: &str,
    crypt: Option<&WxCrypt>,
    encrypted_only: bool,
    query: &CallbackQuery,
    body: &str,
) -> Result<Pushed, WireError> {
    verify_plain(token, query)?;
    if !query.encrypted() {
        if encrypted_only {
            return Err(WireError::NotEncrypted);
        }
        return Pushed::parse(body);
    }
    let crypt = crypt.ok_or(WireError::BadKey)?;
    let outer = fields(body)?;
    let encrypted = outer.get("Encrypt").ok_or(WireError::MissingField)?;
    let msg_signature = query
        .msg_signature
        .as_deref()
        .ok_or(WireError::BadSignature)?;
    crypt.verify(msg_signature, &query.timestamp, &query.nonce, encrypted)?;
    Pushed::parse(&crypt.decrypt(encrypted)?)
}

/// How far a callback's timestamp may be from kefu's clock: WeChat's are current, an old
/// request replayed is not.
pub const MAX_SKEW_S: i64 = 300;

/// Refuses a callback whose timestamp is not within five minutes of `now_s`.
pub fn fresh(timestamp: &str, now_s: i64) -> Result<(), WireError> {
    match timestamp.trim().parse::<i64>() {
        Ok(t) if (t - now_s).abs() <= MAX_SKEW_S => Ok(()),
        _ => Err(WireError::Stale),
    }
}

/// The server URL check (GET): the `echostr` to answer when the signature holds.
pub fn verify_url<'a>(token: &str, query: &'a CallbackQuery) -> Result<&'a str, WireError> {
    verify_plain(token, query)?;
    query.echostr.as_deref().ok_or(WireError::MissingField)
}

fn verify_plain(token: &str, query: &CallbackQuery) -> Result<(), WireError> {
    let expected = signature(&[token, &query.timestamp, &query.nonce]);
    match same_signature(&expected, &query.signature) {
        true => Ok(()),
        false => Err(WireError::BadSignature),
    }
}

/// A passive text reply to `pushed` (the account answers in the callback's response).
pub fn text_reply(pushed: &Pushed, text: &str, now_s: i64) -> String {
    format!(
        "<xml><ToUserName>{}</ToUserName><FromUserName>{}</FromUserName><CreateTime>{now_s}</CreateTime><MsgType>{}</MsgType><Content>{}</Content></xml>",
        cdata(&pushed.from),
        cdata(&pushed.to),
        cdata("text"),
        cdata(text)
    )
}

/// A reply encrypted for safe mode, signed with the request's timestamp and nonce.
pub fn encrypted_reply(
    crypt: &WxCrypt,
    reply: &str,
    timestamp: &str,
    nonce: &str,
) -> Result<String, WireError> {
    let encrypted = crypt.encrypt(reply)?;
    let signature = crypt.sign(timestamp, nonce, &encrypted);
    Ok(format!(
        "<xml><Encrypt>{}</Encrypt><MsgSignature>{}</MsgSignature><TimeStamp>{}</TimeStamp><Nonce>{}</Nonce></xml>",
        cdata(&encrypted),
        cdata(&signature),
        timestamp.parse::<i64>().unwrap_or_default(),
        cdata(nonce)
    ))
}

/// The customer-service API's body for a text message.
pub fn custom_text(openid: &str, text: &str) -> Value {
    json!({"touser": openid, "msgtype": "text", "text": {"content": text}})
}

/// The customer-service API's body for a picture uploaded as `media_id`.
pub fn custom_image(openid: &str, media_id: &str) -> Value {
    json!({"touser": openid, "msgtype": "image", "image": {"media_id": media_id}})
}

/// What WeChat's API answered: `errcode` 0 is success.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct ApiAnswer {
    #[serde(default)]
    pub errcode: i64,
    #[serde(default)]
    pub errmsg: String,
}

impl ApiAnswer {
    /// Errors no retry will fix: the window closed or its quota spent (45015, 45047), a
    /// wrong OpenID (40003), a message WeChat refuses (45002 too long, 40008 bad type).
    pub fn is_final(&self) -> bool {
        matches!(
            self.errcode,
            45015 | 45047 | 40003 | 45002 | 40008 | 43004 | 48001
        )
    }

    /// An expired or invalid access token: fetch a new one and try again.
    pub fn token_expired(&self) -> bool {
        matches!(self.errcode, 40001 | 40014 | 42001)
    }
}

/// The access token endpoint's answer.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct TokenAnswer {
    #[serde(default)]
    pub access_token: String,
    #[serde(default)]
    pub expires_in: i64,
    #[serde(default)]
    pub errcode: i64,
    #[serde(default)]
    pub errmsg: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

    #[test]
    fn reads_the_official_samples() {
        let text = Pushed::parse("<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName><CreateTime>1348831860</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[this is a test]]></Content><MsgId>1234567890123456</MsgId></xml>").unwrap();
        assert_eq!(text.content, Content::Text("this is a test".into()));
        assert_eq!(text.dedupe_key(), "wx:1234567890123456");
        let voice = Pushed::parse("<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName><CreateTime>1357290913</CreateTime><MsgType><![CDATA[voice]]></MsgType><MediaId><![CDATA[media_id]]></MediaId><Format><![CDATA[Format]]></Format><Recognition><![CDATA[腾讯微信团队]]></Recognition><MsgId>1234567890123456</MsgId></xml>").unwrap();
        assert_eq!(
            voice.content,
            Content::Voice {
                media_id: "media_id".into(),
                recognition: Some("腾讯微信团队".into())
            }
        );
        let image = Pushed::parse("<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName><CreateTime>1348831860</CreateTime><MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[this is a url]]></PicUrl><MediaId><![CDATA[media_id]]></MediaId><MsgId>1234567890123456</MsgId></xml>").unwrap();
        assert!(matches!(image.content, Content::Image { .. }));
        let follow = Pushed::parse("<xml><ToUserName><![CDATA[gh]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[qrscene_123]]></EventKey></xml>").unwrap();
        assert_eq!(
            follow.content,
            Content::Subscribed {
                scene: Some("123".into())
            }
        );
        assert_eq!(follow.dedupe_key(), "wx:o1:1");
    }

    #[test]
    fn v1_compatible_mode_is_read_through_its_encrypted_copy() {
        let crypt = WxCrypt::new("spamtest", KEY, "wx2c2769f8efd9abc2").unwrap();
        let encrypt = "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=";
        let body = format!(
            "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName><CreateTime>1409735668</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[abcdteT]]></Content><MsgId>6054768590064713728</MsgId><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        );
        let query = CallbackQuery {
            signature: crypt.sign_plain("1409735669", "1320562132"),
            timestamp: "1409735669".into(),
            nonce: "1320562132".into(),
            encrypt_type: Some("aes".into()),
            msg_signature: Some("5d197aaffba7e9b25a30732f161a50dee96bd5fa".into()),
            ..Default::default()
        };
        let pushed = read_push("spamtest", Some(&crypt), true, &query, &body).unwrap();
        assert_eq!(pushed.from, "oyORnuP8q7ou2gfYjqLzSIWZf0rs");
        assert_eq!(pushed.content, Content::Text("abcdteT".into()));
        assert_eq!(pushed.msg_id.as_deref(), Some("6054768590064713728"));
        // A wrong message signature, or none, is refused.
        let mut forged = query.clone();
        forged.msg_signature = Some("0".repeat(40));
        assert_eq!(
            read_push("spamtest", Some(&crypt), true, &forged, &body),
            Err(WireError::BadSignature)
        );
        forged.msg_signature = None;
        assert_eq!(
            read_push("spamtest", Some(&crypt), true, &forged, &body),
            Err(WireError::BadSignature)
        );
        // The plain signature is checked too.
        let mut unsigned = query;
        unsigned.signature = "x".into();
        assert_eq!(
            read_push("spamtest", Some(&crypt), true, &unsigned, &body),
            Err(WireError::BadSignature)
        );
    }

    #[test]
    fn an_encrypted_account_takes_no_plain_push_and_old_timestamps_are_stale() {
        let crypt = WxCrypt::new("spamtest", KEY, "wx2c2769f8efd9abc2").unwrap();
        let body = "<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>hi</Content><MsgId>1</MsgId></xml>";
        let query = CallbackQuery {
            signature: crypt.sign_plain("100", "n"),
            timestamp: "100".into(),
            nonce: "n".into(),
            ..Default::default()
        };
        assert_eq!(
            read_push("spamtest", Some(&crypt), true, &query, body),
            Err(WireError::NotEncrypted)
        );
        assert!(read_push("spamtest", None, false, &query, body).is_ok());
        assert!(fresh("1000", 1000 + MAX_SKEW_S).is_ok());
        assert_eq!(fresh("1000", 1001 + MAX_SKEW_S), Err(WireError::Stale));
        assert_eq!(fresh("soon", 0), Err(WireError::Stale));
        assert!(WireError::NotEncrypted.is_refusal() && !WireError::BadXml.is_refusal());
    }

    #[test]
    fn a_safe_mode_reply_decrypts_to_the_passive_reply() {
        let crypt = WxCrypt::new("spamtest", KEY, "wx2c2769f8efd9abc2").unwrap();
        let pushed = Pushed::parse("<xml><ToUserName><![CDATA[gh]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content><MsgId>9</MsgId></xml>").unwrap();
        let reply = text_reply(&pushed, "您好", 2);
        let wrapped = encrypted_reply(&crypt, &reply, "123", "n").unwrap();
        let outer = fields(&wrapped).unwrap();
        crypt
            .verify(&outer["MsgSignature"], "123", "n", &outer["Encrypt"])
            .unwrap();
        let inner = fields(&crypt.decrypt(&outer["Encrypt"]).unwrap()).unwrap();
        assert_eq!(
            (inner["ToUserName"].as_str(), inner["Content"].as_str()),
            ("o1", "您好")
        );
    }

    #[test]
    fn unknown_types_and_missing_fields_are_errors() {
        assert!(matches!(
            Pushed::parse(
                "<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime><MsgType>hologram</MsgType></xml>"
            ),
            Err(WireError::Unsupported(_))
        ));
        assert_eq!(
            Pushed::parse(
                "<xml><ToUserName>a</ToUserName><CreateTime>1</CreateTime><MsgType>text</MsgType></xml>"
            ),
            Err(WireError::MissingField)
        );
    }

    #[test]
    fn api_answers_that_no_retry_fixes() {
        let closed: ApiAnswer = serde_json::from_str(r#"{"errcode":45015,"errmsg":"response out of time limit or subscription is canceled"}"#).unwrap();
        assert!(closed.is_final());
        let expired: ApiAnswer =
            serde_json::from_str(r#"{"errcode":42001,"errmsg":"access_token expired"}"#).unwrap();
        assert!(expired.token_expired() && !expired.is_final());
    }
}
