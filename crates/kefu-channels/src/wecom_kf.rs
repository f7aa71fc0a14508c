//! WeCom's customer service for WeChat users (微信客服, CHANNELS.md §3): the callback, always
//! encrypted with the corp's key (the receiver is the CorpID), tells kefu only that there is
//! something to read; kefu then pulls the messages with `kf/sync_msg` from a cursor it keeps,
//! and answers with `kf/send_msg`, within the same 48-hour, five-message window as the
//! Official Account.

use serde_json::{Value, json};

use crate::WireError;
use crate::wxcrypt::WxCrypt;
use crate::xml::fields;

/// The most messages one `sync_msg` page returns (WeCom's maximum).
pub const PAGE_LIMIT: u32 = 1_000;
/// The longest cursor WeCom gives (64 bytes); a longer one stored is not WeCom's.
pub const MAX_CURSOR_BYTES: usize = 64;
/// The longest text one `send_msg` carries, in bytes.
pub const MAX_TEXT_BYTES: usize = 2_048;

/// The query WeCom calls the callback URL with (URL-decoded by the server).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KfQuery {
    #[serde(default)]
    pub msg_signature: String,
    #[serde(default)]
    pub timestamp: String,
    #[serde(default)]
    pub nonce: String,
    /// Only in the URL check.
    #[serde(default)]
    pub echostr: Option<String>,
}

/// The URL check (GET): the decrypted `echostr`, to be answered exactly, when the signature
/// covers it and it was encrypted for this corp.
pub fn verify_url(crypt: &WxCrypt, query: &KfQuery) -> Result<String, WireError> {
    let echostr = query.echostr.as_deref().ok_or(WireError::MissingField)?;
    crypt.verify(
        &query.msg_signature,
        &query.timestamp,
        &query.nonce,
        echostr,
    )?;
    crypt.decrypt(echostr)
}

/// What a callback says: there are messages to pull for the kf account `open_kfid`, with a
/// `token` that lifts `sync_msg`'s strict rate limit for ten minutes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub token: String,
    pub open_kfid: Option<String>,
}

/// Reads a callback's body: its `Encrypt` checked by `msg_signature` and decrypted for this
/// corp. Events other than `kf_msg_or_event` are `Unsupported` (signed, but not for kefu).
pub fn read_notice(crypt: &WxCrypt, query: &KfQuery, body: &str) -> Result<Notice, WireError> {
    let outer = fields(body)?;
    let encrypted = outer.get("Encrypt").ok_or(WireError::MissingField)?;
    crypt.verify(
        &query.msg_signature,
        &query.timestamp,
        &query.nonce,
        encrypted,
    )?;
    let inner = fields(&crypt.decrypt(encrypted)?)?;
    let get = |k: &str| {
        inner
            .get(k)
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    match get("Event").as_deref() {
        Some("kf_msg_or_event") => Ok(Notice {
            token: get("Token").unwrap_or_default(),
            open_kfid: get("OpenKfId"),
        }),
        Some(other) => Err(WireError::Unsupported(other.to_owned())),
        None => Err(WireError::MissingField),
    }
}

/// `sync_msg`'s request: from `cursor` (none the first time), with the callback's token.
pub fn sync_request(cursor: &str, token: &str, open_kfid: Option<&str>) -> Value {
    let mut body = json!({"limit": PAGE_LIMIT, "voice_format": 0});
    if !cursor.is_empty() {
        body["cursor"] = json!(cursor);
    }
    if !token.is_empty() {
        body["token"] = json!(token);
    }
    if let Some(open_kfid) = open_kfid {
        body["open_kfid"] = json!(open_kfid);
    }
    body
}

/// One page of `sync_msg`. `has_more` may be 1 with no messages: pull again. The messages
/// are read one by one (`messages`): one WeCom writes in a shape kefu does not expect is
/// skipped, not the page, or the account would stick at that cursor for good.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct SyncPage {
    #[serde(default)]
    pub errcode: i64,
    #[serde(default)]
    pub errmsg: String,
    #[serde(default)]
    pub next_cursor: String,
    #[serde(default)]
    pub has_more: i64,
    #[serde(default)]
    pub msg_list: Vec<Value>,
}

impl SyncPage {
    /// The page's messages, each read or `None` where it is not one.
    pub fn messages(&self) -> impl Iterator<Item = Option<KfMessage>> + '_ {
        self.msg_list
            .iter()
            .map(|m| serde_json::from_value(m.clone()).ok())
    }
}

/// Who a pulled message is from (`origin`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The WeChat user: the buyer.
    Customer,
    /// WeCom itself: an event.
    System,
    /// A servicer who replied from the WeCom app, not from kefu.
    Servicer,
    Other,
}

/// One message of a page, as WeCom gives it; `content` reads its payload.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct KfMessage {
    #[serde(default)]
    pub msgid: String,
    #[serde(default)]
    pub open_kfid: String,
    #[serde(default)]
    pub external_userid: String,
    #[serde(default)]
    pub send_time: i64,
    #[serde(default)]
    pub origin: i64,
    #[serde(default)]
    pub msgtype: String,
    #[serde(flatten)]
    pub payload: serde_json::Map<String, Value>,
}

/// What a pulled message carries, as kefu keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KfContent {
    Text(String),
    Image {
        media_id: String,
    },
    Voice,
    Video,
    File {
        media_id: String,
    },
    Location {
        name: String,
        address: String,
    },
    Link {
        title: String,
        url: String,
    },
    MiniProgram {
        title: String,
    },
    BusinessCard,
    /// WeCom's events: a session entered (`enter_session`), a send failed (`msg_send_fail`
    /// with `fail_type`), a servicer's status, a recall…
    Event {
        event_type: String,
        /// The kf account and buyer, inside the event (a system message has none of its own).
        open_kfid: String,
        external_userid: String,
        fail_msgid: String,
        fail_type: i64,
        /// `enter_session`'s: the contact link's scene, and the `scene_param` the link was
        /// opened with (kefu's move of a buyer from another channel).
        scene: String,
        scene_param: String,
    },
}

impl KfMessage {
    pub fn origin(&self) -> Origin {
        match self.origin {
            3 => Origin::Customer,
            4 => Origin::System,
            5 => Origin::Servicer,
            _ => Origin::Other,
        }
    }

    /// The id WeCom's repeated pages repeat.
    pub fn dedupe_key(&self) -> String {
        format!("wecom:{}", self.msgid)
    }

    /// The payload under the message's type, read; `None` for a type kefu does not know.
    pub fn content(&self) -> Option<KfContent> {
        let body = self.payload.get(&self.msgtype).cloned().unwrap_or_default();
        let s = |k: &str| body[k].as_str().unwrap_or_default().trim().to_owned();
        Some(match self.msgtype.as_str() {
            "text" => KfContent::Text(s("content")),
            "image" => KfContent::Image {
                media_id: s("media_id"),
            },
            "voice" => KfContent::Voice,
            "video" => KfContent::Video,
            "file" => KfContent::File {
                media_id: s("media_id"),
            },
            "location" => KfContent::Location {
                name: s("name"),
                address: s("address"),
            },
            "link" => KfContent::Link {
                title: s("title"),
                url: s("url"),
            },
            "miniprogram" => KfContent::MiniProgram { title: s("title") },
            "business_card" => KfContent::BusinessCard,
            "event" => KfContent::Event {
                event_type: s("event_type"),
                open_kfid: s("open_kfid"),
                external_userid: s("external_userid"),
                fail_msgid: s("fail_msgid"),
                fail_type: body["fail_type"].as_i64().unwrap_or_default(),
                scene: s("scene"),
                scene_param: s("scene_param"),
            },
            _ => return None,
        })
    }
}

/// Why WeCom did not deliver a message (`msg_send_fail`'s `fail_type`), in words.
pub fn send_failure(fail_type: i64) -> &'static str {
    match fail_type {
        1 => "the kf account was deleted",
        2 => "the app was closed",
        4 => "the session expired (more than 48 hours)",
        5 => "the session was closed",
        6 => "more than five messages since the customer last wrote",
        7 => "no 视频号 is bound",
        8 => "the subject is not verified",
        9 => "no 视频号 is bound and the subject is not verified",
        10 => "the customer refused messages",
        _ => "for a reason WeCom did not give",
    }
}

/// `send_msg`'s body for `external_userid` on the kf account `open_kfid`: `message` is the
/// typed part (`{"msgtype": "text", "text": {…}}`), `msgid` kefu's id for it (≤ 32 of
/// `[0-9a-zA-Z_-]`), so a retry WeCom already took is not shown twice.
pub fn send_request(external_userid: &str, open_kfid: &str, msgid: &str, message: &Value) -> Value {
    let mut body = message.clone();
    body["touser"] = json!(external_userid);
    body["open_kfid"] = json!(open_kfid);
    let msgid: String = msgid
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .take(32)
        .collect();
    if !msgid.is_empty() {
        body["msgid"] = json!(msgid);
    }
    body
}

/// A text cut to what `send_msg` carries, at a character boundary.
pub fn fit_text(text: &str) -> String {
    if text.len() <= MAX_TEXT_BYTES {
        return text.to_owned();
    }
    let mut end = MAX_TEXT_BYTES - '…'.len_utf8();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// V4 (the WeCom documentation's example).
    fn v4() -> WxCrypt {
        WxCrypt::new(
            "QDG6eK",
            "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
            "wx5823bf96d3bd56c7",
        )
        .unwrap()
    }

    #[test]
    fn v4_the_url_check_answers_the_decrypted_echostr() {
        let query = KfQuery {
            msg_signature: "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3".into(),
            timestamp: "1409659589".into(),
            nonce: "263014780".into(),
            echostr: Some("P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==".into()),
        };
        assert_eq!(verify_url(&v4(), &query).unwrap(), "1616140317555161061");
        let mut forged = query.clone();
        forged.nonce = "263014781".into();
        assert_eq!(verify_url(&v4(), &forged), Err(WireError::BadSignature));
        // Encrypted for another corp: refused even with a good signature.
        let other = WxCrypt::new(
            "QDG6eK",
            "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
            "ww_other",
        )
        .unwrap();
        assert_eq!(verify_url(&other, &query), Err(WireError::WrongReceiver));
    }

    #[test]
    fn v5_the_url_check_of_wechatpy() {
        let crypt = WxCrypt::new(
            "123456",
            "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR",
            "wx49f0ab532d5d035a",
        )
        .unwrap();
        let mut query = KfQuery {
            msg_signature: "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96".into(),
            timestamp: "1411443780".into(),
            nonce: "437374425".into(),
            echostr: Some("4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q==".into()),
        };
        assert_eq!(verify_url(&crypt, &query).unwrap(), "5927782489442352469");
        query.nonce = "437374424".into();
        assert_eq!(verify_url(&crypt, &query), Err(WireError::BadSignature));
    }

    #[test]
    fn v4_a_message_callback_is_signed_and_decrypted_but_is_not_a_kf_notice() {
        let body = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>";
        let query = KfQuery {
            msg_signature: "477715d11cdb4164915debcba66cb864d751f3e6".into(),
            timestamp: "1409659813".into(),
            nonce: "1372623149".into(),
            echostr: None,
        };
        // The app message of the example is signed and decrypts, but is no kf event.
        assert_eq!(
            read_notice(&v4(), &query, body),
            Err(WireError::MissingField)
        );
        let mut forged = query;
        forged.timestamp = "1409659814".into();
        assert_eq!(
            read_notice(&v4(), &forged, body),
            Err(WireError::BadSignature)
        );
    }

    #[test]
    fn a_kf_notice_round_trips_through_the_corps_key() {
        let crypt = v4();
        let inner = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><CreateTime>1348831860</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_msg_or_event]]></Event><Token><![CDATA[ENCApHxnGDNAVNY4AaSJKj4Tb5mwsEMzxhFmHVGcra996NR]]></Token><OpenKfId><![CDATA[wkxxxxxxx]]></OpenKfId></xml>";
        let encrypted = crypt.encrypt(inner).unwrap();
        let body = format!(
            "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>"
        );
        let query = KfQuery {
            msg_signature: crypt.sign("1", "n", &encrypted),
            timestamp: "1".into(),
            nonce: "n".into(),
            echostr: None,
        };
        assert_eq!(
            read_notice(&crypt, &query, &body).unwrap(),
            Notice {
                token: "ENCApHxnGDNAVNY4AaSJKj4Tb5mwsEMzxhFmHVGcra996NR".into(),
                open_kfid: Some("wkxxxxxxx".into())
            }
        );
    }

    #[test]
    fn reads_the_documented_sync_page() {
        let page: SyncPage = serde_json::from_str(r#"{"errcode":0,"errmsg":"ok","next_cursor":"4gw7MepFLfgF2VC5npN","has_more":1,"msg_list":[
            {"msgid":"from_msgid_4622416642169452483","open_kfid":"wkAJ2GCAAASSm4_FhToWMFea0xAFfd3Q","external_userid":"wmAJ2GCAAAme1XQRC-NI-q0_ZM9ukoAw","send_time":1615478585,"origin":3,"msgtype":"text","text":{"content":"你好","menu_id":"101"}},
            {"msgid":"2","open_kfid":"wk1","external_userid":"wm1","send_time":1,"origin":3,"msgtype":"image","image":{"media_id":"2iSLeVyqzk4eX0IB5kTi9Ljfa2rt9dwfq5WKRQ4Nvvgw"}},
            {"msgid":"3","open_kfid":"wk1","send_time":1,"origin":4,"msgtype":"event","event":{"event_type":"msg_send_fail","open_kfid":"wk1","external_userid":"wm1","fail_msgid":"kefu_1","fail_type":4}},
            {"msgid":"4","origin":5,"msgtype":"hologram","hologram":{}},
            {"msgid":"5","send_time":1,"origin":4,"msgtype":"event","event":{"event_type":"enter_session","open_kfid":"wk1","external_userid":"wm2","scene":"kefu","scene_param":"mv7Qx2","welcome_code":"aaa"}}
        ]}"#).unwrap();
        assert_eq!(
            (page.has_more, page.next_cursor.as_str()),
            (1, "4gw7MepFLfgF2VC5npN")
        );
        let read: Vec<KfMessage> = page.messages().map(Option::unwrap).collect();
        let text = &read[0];
        assert_eq!(text.origin(), Origin::Customer);
        assert_eq!(text.content(), Some(KfContent::Text("你好".into())));
        assert_eq!(text.dedupe_key(), "wecom:from_msgid_4622416642169452483");
        assert!(
            matches!(read[1].content(), Some(KfContent::Image { media_id }) if media_id.starts_with("2iSL"))
        );
        assert_eq!(
            read[2].content(),
            Some(KfContent::Event {
                event_type: "msg_send_fail".into(),
                open_kfid: "wk1".into(),
                external_userid: "wm1".into(),
                fail_msgid: "kefu_1".into(),
                fail_type: 4,
                scene: String::new(),
                scene_param: String::new(),
            })
        );
        assert!(matches!(
            read[4].content(),
            Some(KfContent::Event { event_type, open_kfid, external_userid, scene_param, .. })
                if event_type == "enter_session" && open_kfid == "wk1" && external_userid == "wm2"
                    && scene_param == "mv7Qx2"
        ));
        assert_eq!(send_failure(4), "the session expired (more than 48 hours)");
        assert_eq!(read[3].origin(), Origin::Servicer);
        assert_eq!(read[3].content(), None);
    }

    #[test]
    fn a_message_in_an_unexpected_shape_is_skipped_not_the_page() {
        let page: SyncPage = serde_json::from_str(r#"{"errcode":0,"next_cursor":"c","has_more":0,"msg_list":[
            {"msgid":"1","send_time":"yesterday","origin":3,"msgtype":"text","text":{"content":"坏的"}},
            {"msgid":"2","external_userid":"wm1","open_kfid":"wk1","send_time":1,"origin":3,"msgtype":"text","text":{"content":"好的"}}
        ]}"#).unwrap();
        let read: Vec<Option<KfMessage>> = page.messages().collect();
        assert!(read[0].is_none());
        assert_eq!(
            read[1].as_ref().and_then(KfMessage::content),
            Some(KfContent::Text("好的".into()))
        );
    }

    #[test]
    fn requests_carry_the_cursor_token_and_addressee() {
        assert_eq!(
            sync_request("", "T", Some("wk1")),
            json!({"limit": 1000, "voice_format": 0, "token": "T", "open_kfid": "wk1"})
        );
        assert_eq!(sync_request("c1", "", None)["cursor"], "c1");
        let body = send_request(
            "wm1",
            "wk1",
            "kefu:0193-ab/cd",
            &json!({"msgtype": "text", "text": {"content": "您好"}}),
        );
        assert_eq!(
            body,
            json!({"touser": "wm1", "open_kfid": "wk1", "msgid": "kefu0193-abcd", "msgtype": "text", "text": {"content": "您好"}})
        );
        let long = "好".repeat(1_000);
        let cut = fit_text(&long);
        assert!(cut.len() <= MAX_TEXT_BYTES && cut.ends_with('…'));
        assert_eq!(fit_text("短"), "短");
    }
}
