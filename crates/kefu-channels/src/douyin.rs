//! Douyin enterprise accounts' private messages (抖音私信, CHANNELS.md §4): webhooks signed
//! with `sha1(client_secret || body)`, the URL check's challenge, the `im_*` events (their
//! `content` an object or a JSON string), the account's OAuth tokens, and a reply by
//! `/im/send/msg/` to the buyer's last message within its 24 hours.

use serde_json::{Value, json};
use sha1::{Digest, Sha1};

use crate::WireError;

/// How long after a buyer's message it may be answered (the `msg_id` a reply names lives
/// 24 hours).
pub const WINDOW_MS: i64 = 24 * 3600 * 1000;
/// The scope the account grants kefu: its private messages.
pub const SCOPE: &str = "im.direct_message";
/// The longest text kefu sends in one message (Douyin's limit is not documented; a chat
/// message longer than this is cut with an ellipsis).
pub const MAX_TEXT_CHARS: usize = 1_000;

/// The webhook's signature: SHA-1 of the client secret followed by the raw body, in hex.
pub fn signature(client_secret: &str, body: &[u8]) -> String {
    let mut hash = Sha1::new();
    hash.update(client_secret.as_bytes());
    hash.update(body);
    hex::encode(hash.finalize())
}

/// Checks the `X-Douyin-Signature` header against the raw body (hex, any case), in
/// constant time.
pub fn verify(client_secret: &str, body: &[u8], header: &str) -> Result<(), WireError> {
    let expected = signature(client_secret, body);
    let given = header.trim().to_ascii_lowercase();
    let same = given.len() == expected.len()
        && given
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    match same {
        true => Ok(()),
        false => Err(WireError::BadSignature),
    }
}

/// One webhook call, read.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The console's URL check: answer `{"challenge": …}` with the same value.
    Verify { challenge: Value },
    /// A private message the authorised account received (`im_receive_msg`).
    Received(ImMessage),
    /// Another event (`im_send_msg`, `im_enter_direct_msg`, `im_recall_msg`, …): signed,
    /// but not a buyer's message.
    Other { event: String },
}

/// A private message, from its envelope and `content`.
#[derive(Debug, Clone, PartialEq)]
pub struct ImMessage {
    /// The sender's open_id (the buyer: unique within the application).
    pub from_user_id: String,
    /// The receiver's open_id (the enterprise account).
    pub to_user_id: String,
    pub client_key: String,
    pub conversation_short_id: String,
    pub server_message_id: String,
    /// 1: a private conversation (groups are not read).
    pub conversation_type: i64,
    /// `text`, `image`, `user_local_image`, `emoji`, `video`, `user_local_video`,
    /// `retain_consult_card`, `other`.
    pub message_type: String,
    pub text: String,
    /// Milliseconds.
    pub create_time: i64,
    /// The sender's nickname, when the event carries it.
    pub nick_name: Option<String>,
}

impl ImMessage {
    /// Its key for kefu's dedupe: the digest of `server_message_id` (longer than a client
    /// message id may be).
    pub fn dedupe_key(&self) -> String {
        format!(
            "douyin:{}",
            hex::encode(Sha1::digest(self.server_message_id.as_bytes()))
        )
    }

    /// What kefu keeps of it: text as text, anything else as a line saying what it was
    /// (Douyin gives no picture or video address to a website application).
    pub fn line(&self) -> Option<String> {
        let text = self.text.trim();
        let line = match self.message_type.as_str() {
            "text" => text.to_owned(),
            "emoji" => format!("[表情] {text}"),
            "image" | "user_local_image" => "[图片]".to_owned(),
            "video" | "user_local_video" => "[视频]".to_owned(),
            "retain_consult_card" => "[留资卡片]".to_owned(),
            _ if !text.is_empty() => text.to_owned(),
            _ => "[消息]".to_owned(),
        };
        let line = line.trim().to_owned();
        (!line.is_empty()).then_some(line)
    }
}

/// A number Douyin sends as a number or as a string of digits.
fn number(v: &Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

fn text_of(v: &Value, key: &str) -> String {
    match &v[key] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// Reads a webhook's body (already checked by its signature).
pub fn read_event(body: &[u8]) -> Result<Event, WireError> {
    let envelope: Value = serde_json::from_slice(body).map_err(|_| WireError::BadXml)?;
    let event = envelope["event"].as_str().ok_or(WireError::MissingField)?;
    // `content` is an object in some events and a JSON-encoded string in others.
    let content = match &envelope["content"] {
        Value::String(s) => serde_json::from_str(s).unwrap_or(Value::Null),
        other => other.clone(),
    };
    match event {
        "verify_webhook" => {
            let challenge = content["challenge"].clone();
            match challenge {
                Value::Number(_) | Value::String(_) => Ok(Event::Verify { challenge }),
                _ => Err(WireError::MissingField),
            }
        }
        "im_receive_msg" => {
            let from_user_id = text_of(&envelope, "from_user_id");
            let server_message_id = text_of(&content, "server_message_id");
            let conversation_short_id = text_of(&content, "conversation_short_id");
            if from_user_id.is_empty()
                || server_message_id.is_empty()
                || conversation_short_id.is_empty()
            {
                return Err(WireError::MissingField);
            }
            let nick_name = content["user_infos"].as_array().and_then(|users| {
                users
                    .iter()
                    .find(|u| u["open_id"].as_str() == Some(from_user_id.as_str()))
                    .and_then(|u| u["nick_name"].as_str())
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(str::to_owned)
            });
            Ok(Event::Received(ImMessage {
                to_user_id: text_of(&envelope, "to_user_id"),
                client_key: text_of(&envelope, "client_key"),
                conversation_type: number(&content["conversation_type"]).unwrap_or(1),
                message_type: text_of(&content, "message_type"),
                text: text_of(&content, "text"),
                create_time: number(&content["create_time"]).unwrap_or(0),
                from_user_id,
                server_message_id,
                conversation_short_id,
                nick_name,
            }))
        }
        other => Ok(Event::Other {
            event: other.to_owned(),
        }),
    }
}

/// The answer to the URL check: the challenge back, as given.
pub fn challenge_answer(challenge: &Value) -> Value {
    json!({ "challenge": challenge })
}

/// The address of Douyin's page where the account's owner grants kefu its private
/// messages; Douyin then sends them to `redirect_uri` with `code` and `state`.
pub fn authorize_url(base: &str, client_key: &str, redirect_uri: &str, state: &str) -> String {
    let query = [
        ("client_key", client_key),
        ("response_type", "code"),
        ("scope", SCOPE),
        ("redirect_uri", redirect_uri),
        ("state", state),
    ]
    .iter()
    .map(|(k, v)| format!("{k}={}", encode(v)))
    .collect::<Vec<_>>()
    .join("&");
    format!(
        "{}/platform/oauth/connect/?{query}",
        base.trim_end_matches('/')
    )
}

/// Percent-encodes a query value (RFC 3986's unreserved characters stay).
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// What `/oauth/access_token/` and `/oauth/refresh_token/` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tokens {
    pub access_token: String,
    /// Seconds.
    pub expires_in: i64,
    /// Empty when the answer did not carry one (the kept one stays).
    pub refresh_token: String,
    /// Seconds; 0 when not given.
    pub refresh_expires_in: i64,
    /// The account that granted them.
    pub open_id: String,
    pub scope: String,
}

/// Reads a token answer: the tokens, or Douyin's error code and description.
pub fn read_tokens(answer: &Value) -> Result<Tokens, (i64, String)> {
    let data = &answer["data"];
    let code = number(&data["error_code"]).unwrap_or(0);
    let access_token = text_of(data, "access_token");
    if code != 0 || access_token.is_empty() {
        let said = text_of(data, "description");
        let said = match said.is_empty() {
            true => text_of(answer, "message"),
            false => said,
        };
        return Err((if code == 0 { -1 } else { code }, said));
    }
    Ok(Tokens {
        access_token,
        expires_in: number(&data["expires_in"]).unwrap_or(0),
        refresh_token: text_of(data, "refresh_token"),
        refresh_expires_in: number(&data["refresh_expires_in"]).unwrap_or(0),
        open_id: text_of(data, "open_id"),
        scope: text_of(data, "scope"),
    })
}

/// What `/oauth/renew_refresh_token/` answers: a new refresh token and its lifetime in
/// seconds (the old one stops working), or Douyin's error code and description.
pub fn read_renewed(answer: &Value) -> Result<(String, i64), (i64, String)> {
    let data = &answer["data"];
    let code = number(&data["error_code"]).unwrap_or(0);
    let refresh_token = text_of(data, "refresh_token");
    if code != 0 || refresh_token.is_empty() {
        return Err((
            if code == 0 { -1 } else { code },
            text_of(data, "description"),
        ));
    }
    Ok((refresh_token, number(&data["expires_in"]).unwrap_or(0)))
}

/// Token errors a person must fix by granting access again (an expired or revoked grant, a
/// code already used, a wrong secret).
pub fn needs_new_grant(code: i64) -> bool {
    matches!(code, 10007 | 10008 | 10010 | 10020 | 2190008 | 2190002)
}

/// The body of `/im/send/msg/`: a text answering the buyer's message `msg_id` in their
/// conversation.
pub fn send_request(msg_id: &str, conversation_id: &str, to_user_id: &str, text: &str) -> Value {
    json!({
        "msg_id": msg_id,
        "conversation_id": conversation_id,
        "to_user_id": to_user_id,
        "scene": "im_replay_msg",
        "content": {"msg_type": 1, "text": {"text": fit_text(text)}},
    })
}

/// A text cut to what one message carries.
pub fn fit_text(text: &str) -> String {
    match text.chars().count() > MAX_TEXT_CHARS {
        true => {
            let mut cut: String = text.chars().take(MAX_TEXT_CHARS - 1).collect();
            cut.push('…');
            cut
        }
        false => text.to_owned(),
    }
}

/// Why a send was refused: Douyin's code and description, from the envelope's `extra` or
/// its `data`; `None` when it was taken.
pub fn send_failure(answer: &Value) -> Option<(i64, String)> {
    for part in ["extra", "data"] {
        let code = number(&answer[part]["error_code"]).unwrap_or(0);
        if code != 0 {
            let mut said = text_of(&answer[part], "description");
            let sub = text_of(&answer[part], "sub_description");
            if !sub.is_empty() {
                said = format!("{said} ({sub})");
            }
            return Some((code, said));
        }
    }
    None
}

/// Send errors a retry will not fix (all but Douyin's "system busy" and an unknown one): the
/// window passed, the message or user unknown, the scope not granted.
pub fn send_is_final(code: i64) -> bool {
    !matches!(code, -1 | 2100004)
}

/// Send errors that mean the access token is no longer good.
pub fn token_refused(code: i64) -> bool {
    matches!(code, 2190008 | 2190002 | 10008 | 28001008)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CHANNELS.md §4.1's derived vector.
    #[test]
    fn the_signature_is_sha1_of_secret_and_body() {
        let body =
            br#"{"event":"verify_webhook","client_key":"abc","content":{"challenge":12345}}"#;
        assert_eq!(
            signature("secret", body),
            "277df63c0efb431eccf64a233b0eee5ea94b6c4a"
        );
        assert!(verify("secret", body, "277DF63C0EFB431ECCF64A233B0EEE5EA94B6C4A").is_ok());
        assert_eq!(
            verify("secret", body, "277df63c0efb431eccf64a233b0eee5ea94b6c4b"),
            Err(WireError::BadSignature)
        );
        assert_eq!(
            verify("other", body, &signature("secret", body)),
            Err(WireError::BadSignature)
        );
        assert_eq!(verify("secret", body, ""), Err(WireError::BadSignature));
    }

    #[test]
    fn the_url_check_answers_its_challenge() {
        let body = br#"{"event":"verify_webhook","client_key":"","content":{"challenge":12345}}"#;
        let Ok(Event::Verify { challenge }) = read_event(body) else {
            panic!("not a URL check");
        };
        assert_eq!(
            challenge_answer(&challenge).to_string(),
            r#"{"challenge":12345}"#
        );
        // Some documents show `content` as a JSON string.
        let body = br#"{"event":"verify_webhook","content":"{\"challenge\":77}"}"#;
        assert_eq!(
            read_event(body),
            Ok(Event::Verify {
                challenge: json!(77)
            })
        );
        assert_eq!(
            read_event(br#"{"event":"verify_webhook","content":{}}"#),
            Err(WireError::MissingField)
        );
    }

    /// CHANNELS.md §4.2's sample of `im_receive_msg`.
    #[test]
    fn a_private_message_is_read_with_its_sender() {
        let body = r#"{"event":"im_receive_msg","client_key":"asdfavetgbvasf","from_user_id":"aaa-ae9b-4dbf-add1-bf67e4093fab","to_user_id":"aaa-7ae0-4399-914a-5eb1df5861ba",
 "content":{"conversation_short_id":"@9Vxc1/yDU8sqaS+gN4koEc7912foPPiLPZVyrQmgKVQabPH460zdRmYqig357zEBMaXjKvvhvwY02ISB7llsWQ==",
  "server_message_id":"@9Vxc1/yDU8sqaS+gN4koEc7912foPPyAPpF2rgykLFgbafb560zdRmYqig357zEBmWXVPshhwyd/y/7BQpXy/w==",
  "conversation_type":1,"create_time":1681303285997,"message_type":"text","source":"","scene_type":100,"text":"捷途70",
  "user_infos":[{"open_id":"aaa-ae9b-4dbf-add1-bf67e4093fab","nick_name":"刘东","avatar":"https://p3.douyinpic.com/a"},
                {"open_id":"aaa-7ae0-4399-914a-5eb1df5861ba","nick_name":"毕节--捷途万丰店","avatar":"https://p3.douyinpic.com/b"}]}}"#;
        let Ok(Event::Received(m)) = read_event(body.as_bytes()) else {
            panic!("not a message");
        };
        assert_eq!(m.from_user_id, "aaa-ae9b-4dbf-add1-bf67e4093fab");
        assert_eq!(m.to_user_id, "aaa-7ae0-4399-914a-5eb1df5861ba");
        assert_eq!(m.create_time, 1_681_303_285_997);
        assert_eq!(m.nick_name.as_deref(), Some("刘东"));
        assert_eq!(m.line().as_deref(), Some("捷途70"));
        assert!(
            m.server_message_id
                .starts_with("@9Vxc1/yDU8sqaS+gN4koEc7912foPPyAP")
        );
    }

    #[test]
    fn other_events_and_kinds_are_named() {
        let recall = br#"{"event":"im_recall_msg","client_key":"tt5daf","from_user_id":"a","to_user_id":"b","content":"{\"server_message_id\":\"@9VwNxuKK\"}","log_id":"x"}"#;
        assert_eq!(
            read_event(recall),
            Ok(Event::Other {
                event: "im_recall_msg".into()
            })
        );
        let picture = br#"{"event":"im_receive_msg","from_user_id":"a","to_user_id":"b","content":"{\"server_message_id\":\"m\",\"conversation_short_id\":\"c\",\"message_type\":\"image\",\"create_time\":\"1681303285997\"}"}"#;
        let Ok(Event::Received(m)) = read_event(picture) else {
            panic!("not a message");
        };
        assert_eq!(m.line().as_deref(), Some("[图片]"));
        assert_eq!(m.create_time, 1_681_303_285_997);
        assert_eq!(read_event(b"not json"), Err(WireError::BadXml));
        assert_eq!(read_event(b"{}"), Err(WireError::MissingField));
        assert_eq!(
            read_event(br#"{"event":"im_receive_msg","content":{}}"#),
            Err(WireError::MissingField)
        );
    }

    #[test]
    fn tokens_are_read_with_numbers_as_strings() {
        let answer = json!({"data": {"access_token": "act.1", "description": "", "error_code": 0, "expires_in": "86400",
            "open_id": "SuQB", "refresh_expires_in": 2592000, "refresh_token": "rft.1", "scope": "im.direct_message"}, "message": "success"});
        let tokens = read_tokens(&answer).unwrap();
        assert_eq!(tokens.expires_in, 86_400);
        assert_eq!(tokens.refresh_expires_in, 2_592_000);
        assert_eq!(tokens.open_id, "SuQB");
        let refused = json!({"data": {"description": "Parameter error", "error_code": 10010}, "message": "error"});
        assert_eq!(
            read_tokens(&refused),
            Err((10010, "Parameter error".into()))
        );
        assert!(needs_new_grant(10010));
        let renewed = json!({"data": {"description": "", "error_code": 0, "expires_in": "2592000", "refresh_token": "rft.2"}, "message": "success"});
        assert_eq!(read_renewed(&renewed), Ok(("rft.2".into(), 2_592_000)));
        let spent = json!({"data": {"description": "超过刷新次数限制", "error_code": 10020}});
        assert_eq!(
            read_renewed(&spent),
            Err((10020, "超过刷新次数限制".into()))
        );
    }

    #[test]
    fn a_reply_names_the_message_and_its_conversation() {
        let body = send_request("@m", "@c", "buyer", "您好");
        assert_eq!(body["msg_id"], "@m");
        assert_eq!(body["conversation_id"], "@c");
        assert_eq!(body["to_user_id"], "buyer");
        assert_eq!(body["scene"], "im_replay_msg");
        assert_eq!(body["content"]["msg_type"], 1);
        assert_eq!(body["content"]["text"]["text"], "您好");
        let long = "长".repeat(MAX_TEXT_CHARS + 5);
        assert_eq!(fit_text(&long).chars().count(), MAX_TEXT_CHARS);
        let ok = json!({"extra": {"error_code": 0, "description": ""}, "data": {"error_code": 0}, "msg_id": "@x"});
        assert_eq!(send_failure(&ok), None);
        let late = json!({"extra": {"error_code": 0}, "data": {"error_code": 2190015, "description": "msg_id expired"}});
        assert_eq!(
            send_failure(&late),
            Some((2_190_015, "msg_id expired".into()))
        );
        assert!(send_is_final(2_190_015));
    }

    #[test]
    fn the_grant_page_carries_its_query_encoded() {
        let url = authorize_url(
            "https://open.example/",
            "tt1",
            "https://kefu.example/hooks/douyin/1/oauth",
            "1.ab",
        );
        assert_eq!(
            url,
            "https://open.example/platform/oauth/connect/?client_key=tt1&response_type=code&scope=im.direct_message&redirect_uri=https%3A%2F%2Fkefu.example%2Fhooks%2Fdouyin%2F1%2Foauth&state=1.ab"
        );
    }
}
