//! The phone line's call records (CH-4, CHANNELS.md §8): a CTI vendor pushes one record per
//! call when it ends. Tencent Cloud Contact Center's CDR push (`?action=cdr&version=1`) is
//! read first; any other vendor can push kefu's generic JSON. Both become one `CallRecord`:
//! who called whom, when it rang, was answered and ended, who served it, the IVR keys and
//! the recording, and whether the caller was left unanswered (a callback is owed).

use serde_json::Value;

use crate::WireError;

/// Which way the call went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The buyer called the shop's line.
    In,
    /// An agent called the buyer.
    Out,
}

/// How a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallStatus {
    /// A person answered and spoke.
    Answered,
    /// The buyer called and no agent answered (gave up in the IVR, the queue or ringing, no
    /// agent online, outside the line's hours): a callback is owed.
    Missed,
    /// An agent's call the buyer did not answer, or a call that failed.
    Failed,
}

/// One call, whatever vendor pushed it.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRecord {
    /// The vendor's id of the call (TCCC's `SessionId`): the dedupe key.
    pub id: String,
    pub direction: Direction,
    pub caller: String,
    pub callee: String,
    /// Milliseconds.
    pub started_at: i64,
    pub answered_at: Option<i64>,
    pub ended_at: Option<i64>,
    /// Seconds spoken (answered to ended).
    pub duration_s: i64,
    pub status: CallStatus,
    /// The vendor's own word for how it ended (TCCC's `EndStatusString`).
    pub end_reason: String,
    /// The last agent who served it: their name, and their address at the vendor (an
    /// email for TCCC) to match kefu's accounts.
    pub agent_name: Option<String>,
    pub agent_id: Option<String>,
    pub recording_url: Option<String>,
    /// The keys pressed in the IVR, with their labels where the vendor gives them.
    pub ivr_keys: Vec<(String, String)>,
    /// The queue (skill group) it waited in.
    pub queue: Option<String>,
}

impl CallRecord {
    /// The buyer's number: the caller of a call in, the callee of a call out.
    pub fn customer_number(&self) -> &str {
        match self.direction {
            Direction::In => &self.caller,
            Direction::Out => &self.callee,
        }
    }

    /// The record as one line of the buyer's timeline, e.g. `[来电] 已接通 3分12秒 · 客服
    /// 小雨 · 按键 1 售前 · 录音 https://…`.
    pub fn line(&self) -> String {
        let what = match (self.direction, self.status) {
            (Direction::In, CallStatus::Answered) => "[来电] 已接通".to_owned(),
            (Direction::In, _) => format!("[未接来电] {}", missed_reason(&self.end_reason)),
            (Direction::Out, CallStatus::Answered) => "[去电] 已接通".to_owned(),
            (Direction::Out, _) => "[去电] 未接通".to_owned(),
        };
        let mut parts = vec![what.trim().to_owned()];
        if self.status == CallStatus::Answered {
            parts[0] = format!("{} {}", parts[0], spoken(self.duration_s));
        }
        if let Some(agent) = self.agent_name.as_deref().filter(|a| !a.is_empty()) {
            parts.push(format!("客服 {agent}"));
        }
        if !self.ivr_keys.is_empty() {
            let keys: Vec<String> = self
                .ivr_keys
                .iter()
                .map(|(k, label)| match label.is_empty() {
                    true => k.clone(),
                    false => format!("{k} {label}"),
                })
                .collect();
            parts.push(format!("按键 {}", keys.join("、")));
        }
        if let Some(url) = &self.recording_url {
            parts.push(format!("录音 {url}"));
        }
        parts.join(" · ")
    }
}

fn spoken(seconds: i64) -> String {
    let seconds = seconds.max(0);
    match seconds >= 60 {
        true => format!("{}分{:02}秒", seconds / 60, seconds % 60),
        false => format!("{seconds}秒"),
    }
}

/// TCCC's end states of a call in that no agent answered, in words.
fn missed_reason(end: &str) -> &'static str {
    match end {
        "ivrGiveUp" => "（语音导航中挂断）",
        "waitingGiveUp" => "（排队中挂断）",
        "ringingGiveUp" | "seatGiveUp" => "（振铃未接）",
        "noSeatOnline" => "（无客服在线）",
        "notWorkTime" => "（非工作时间）",
        "blackList" => "（黑名单）",
        _ => "",
    }
}

/// A number as kefu keeps it: digits only, mainland mobiles without `+86`/`0086`; `None` for
/// what is not a phone number (an agent's email, an empty caller id).
pub fn normalize_number(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() || raw.contains('@') {
        return None;
    }
    let plus = raw.starts_with('+');
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 3 || digits.len() > 20 {
        return None;
    }
    let national = if let Some(rest) = digits.strip_prefix("0086") {
        rest.to_owned()
    } else if digits.len() == 13
        && digits.starts_with("86")
        && (plus || digits[2..].starts_with('1'))
    {
        digits[2..].to_owned()
    } else {
        digits
    };
    Some(national)
}

/// The last four digits of a number, for a caller's identity check against an order's
/// phone (CH-4).
pub fn last_four(number: &str) -> Option<String> {
    let digits: Vec<char> = number.chars().filter(char::is_ascii_digit).collect();
    (digits.len() >= 4).then(|| digits[digits.len() - 4..].iter().collect())
}

fn text(v: &Value, key: &str) -> String {
    match &v[key] {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

fn number(v: &Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_f64().map(|f| f as i64))
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

/// Seconds (TCCC) to milliseconds; 0 and absent are "never".
fn seconds_at(v: &Value) -> Option<i64> {
    number(v)
        .filter(|s| *s > 0)
        .and_then(|s| s.checked_mul(1_000))
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// Reads TCCC's CDR push (`Content-Type: application/json`).
pub fn read_tccc(body: &[u8]) -> Result<CallRecord, WireError> {
    let v: Value = serde_json::from_slice(body).map_err(|_| WireError::BadXml)?;
    let id = text(&v, "SessionId");
    if id.is_empty() {
        return Err(WireError::MissingField);
    }
    let direction = match number(&v["Direction"]) {
        Some(1) => Direction::Out,
        Some(0) | None => Direction::In,
        Some(other) => return Err(WireError::Unsupported(format!("Direction {other}"))),
    };
    let started_at = seconds_at(&v["StartTimestamp"]).ok_or(WireError::MissingField)?;
    let answered_at = seconds_at(&v["AcceptTimestamp"]);
    let end_reason = text(&v, "EndStatusString");
    // Answered by an agent whatever the end (a transfer, the buyer hanging up).
    let status = match (answered_at, direction) {
        (Some(_), _) => CallStatus::Answered,
        (None, Direction::In) => CallStatus::Missed,
        (None, Direction::Out) => CallStatus::Failed,
    };
    let seat = &v["SeatUser"];
    let agent_name = non_empty(text(seat, "Nick"))
        .or_else(|| non_empty(text(seat, "Name")))
        .or_else(|| non_empty(text(seat, "StaffNumber")));
    let agent_id = non_empty(text(seat, "Mail")).or_else(|| non_empty(text(seat, "UserId")));
    let mut ivr_keys: Vec<(String, String)> = v["IVRKeyPressedEx"]
        .as_array()
        .map(|keys| {
            keys.iter()
                .map(|k| (text(k, "Key"), text(k, "Label")))
                .filter(|(k, _)| !k.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if ivr_keys.is_empty() {
        ivr_keys = v["IVRKeyPressed"]
            .as_array()
            .map(|keys| {
                keys.iter()
                    .filter_map(|k| k.as_str())
                    .map(|k| (k.to_owned(), String::new()))
                    .collect()
            })
            .unwrap_or_default();
    }
    let recording_url = ["RecordURL", "CustomRecordURL", "RecordUrl"]
        .iter()
        .map(|k| text(&v, k))
        .find(|u| u.starts_with("https://") || u.starts_with("http://"));
    Ok(CallRecord {
        id,
        direction,
        caller: text(&v, "Caller"),
        callee: text(&v, "Callee"),
        started_at,
        answered_at,
        ended_at: seconds_at(&v["EndedTimestamp"]),
        duration_s: number(&v["Duration"]).unwrap_or(0).max(0),
        status,
        end_reason,
        agent_name,
        agent_id,
        recording_url,
        ivr_keys,
        queue: non_empty(text(&v, "QueuedSkillGroupName")),
    })
}

/// Reads kefu's generic call record (CHANNELS.md §8's internal shape), for vendors other
/// than TCCC: `{id, direction: "in"|"out", from, to, started_at, answered_at?, ended_at?,
/// duration_s?, status: "answered"|"missed"|"failed", agent?, agent_id?, recording_url?,
/// ivr_keys?: ["1", …], queue?}`, times in Unix milliseconds.
pub fn read_generic(body: &[u8]) -> Result<CallRecord, WireError> {
    let v: Value = serde_json::from_slice(body).map_err(|_| WireError::BadXml)?;
    let id = text(&v, "id");
    if id.is_empty() || id.len() > 128 {
        return Err(WireError::MissingField);
    }
    let direction = match v["direction"].as_str() {
        Some("in") => Direction::In,
        Some("out") => Direction::Out,
        _ => return Err(WireError::MissingField),
    };
    let status = match v["status"].as_str() {
        Some("answered") => CallStatus::Answered,
        Some("missed") => CallStatus::Missed,
        Some("failed") => CallStatus::Failed,
        _ => return Err(WireError::MissingField),
    };
    let at = |k: &str| number(&v[k]).filter(|t| *t > 0);
    let started_at = at("started_at").ok_or(WireError::MissingField)?;
    let answered_at = at("answered_at");
    let ended_at = at("ended_at");
    let duration_s = number(&v["duration_s"]).unwrap_or_else(|| match (answered_at, ended_at) {
        (Some(a), Some(e)) if e > a => (e - a) / 1_000,
        _ => 0,
    });
    Ok(CallRecord {
        id,
        direction,
        caller: text(&v, "from"),
        callee: text(&v, "to"),
        started_at,
        answered_at,
        ended_at,
        duration_s: duration_s.max(0),
        status,
        end_reason: text(&v, "end_reason"),
        agent_name: non_empty(text(&v, "agent")),
        agent_id: non_empty(text(&v, "agent_id")),
        recording_url: non_empty(text(&v, "recording_url"))
            .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
        ivr_keys: v["ivr_keys"]
            .as_array()
            .map(|keys| {
                keys.iter()
                    .map(|k| match k {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .map(|k| (k, String::new()))
                    .collect()
            })
            .unwrap_or_default(),
        queue: non_empty(text(&v, "queue")),
    })
}

/// Checks the push's `Authorization` against the line's password (CHANNELS.md §8: TCCC's
/// push authenticates by HTTP Basic; other vendors may send `Bearer <password>`). Basic's user
/// name is not checked: TCCC's console asks for one, kefu keys the line by its address.
pub fn check_auth(password: &str, authorization: &str) -> Result<(), WireError> {
    use base64::Engine;
    let authorization = authorization.trim();
    let given = match authorization.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("basic") => {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(rest.trim())
                .map_err(|_| WireError::BadSignature)?;
            let decoded = String::from_utf8(decoded).map_err(|_| WireError::BadSignature)?;
            decoded
                .split_once(':')
                .map(|(_, pass)| pass.to_owned())
                .ok_or(WireError::BadSignature)?
        }
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim().to_owned(),
        _ => return Err(WireError::BadSignature),
    };
    match !password.is_empty() && same(given.as_bytes(), password.as_bytes()) {
        true => Ok(()),
        false => Err(WireError::BadSignature),
    }
}

/// Equal bytes, compared in time that depends only on the lengths.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A CDR as TCCC's "电话 CDR 数据推送" documents its fields.
    const TCCC_ANSWERED: &str = r#"{"SdkAppId":1400264214,"SessionId":"e97be0ab-1ef6-4ad2-a8c4-2b2bbfb18e55",
        "Caller":"008613912345678","Callee":"4008001234","Direction":0,"CallType":2,"Duration":192,
        "SeatUser":{"Mail":"xiaoyu@tea.example","Name":"王小雨","Nick":"小雨","StaffNumber":"A07","SkillGroupNameList":["售前"]},
        "CallerLocation":"浙江杭州","IVRDuration":12,"StartTimestamp":1765000000,"RingTimestamp":1765000015,
        "AcceptTimestamp":1765000020,"EndedTimestamp":1765000212,"QueuedTimestamp":1765000012,
        "IVRKeyPressed":["1"],"IVRKeyPressedEx":[{"Key":"1","Label":"售前咨询"}],"HungUpSide":"user",
        "EndStatusString":"ok","QueuedSkillGroupId":12,"QueuedSkillGroupName":"售前","RecordURL":"https://rec.example/a.mp3"}"#;

    #[test]
    fn an_answered_tccc_call_is_read_whole() {
        let call = read_tccc(TCCC_ANSWERED.as_bytes()).unwrap();
        assert_eq!(call.id, "e97be0ab-1ef6-4ad2-a8c4-2b2bbfb18e55");
        assert_eq!(
            (call.direction, call.status),
            (Direction::In, CallStatus::Answered)
        );
        assert_eq!(call.started_at, 1_765_000_000_000);
        assert_eq!(call.answered_at, Some(1_765_000_020_000));
        assert_eq!(call.duration_s, 192);
        assert_eq!(call.agent_name.as_deref(), Some("小雨"));
        assert_eq!(call.agent_id.as_deref(), Some("xiaoyu@tea.example"));
        assert_eq!(call.queue.as_deref(), Some("售前"));
        assert_eq!(
            normalize_number(call.customer_number()).as_deref(),
            Some("13912345678")
        );
        assert_eq!(
            call.line(),
            "[来电] 已接通 3分12秒 · 客服 小雨 · 按键 1 售前咨询 · 录音 https://rec.example/a.mp3"
        );
    }

    #[test]
    fn a_call_no_one_answered_is_missed_with_its_reason() {
        let body = r#"{"SessionId":"s2","Caller":"13912345678","Callee":"4008001234","Direction":0,
            "StartTimestamp":1765000000,"AcceptTimestamp":0,"EndedTimestamp":1765000030,"Duration":0,
            "EndStatusString":"waitingGiveUp","SeatUser":{}}"#;
        let call = read_tccc(body.as_bytes()).unwrap();
        assert_eq!(call.status, CallStatus::Missed);
        assert_eq!(call.line(), "[未接来电] （排队中挂断）");
        let out = r#"{"SessionId":"s3","Caller":"4008001234","Callee":"+86 139 1234 5678","Direction":1,
            "StartTimestamp":"1765000000","EndStatusString":"notAnswer","SeatUser":{"Name":"阿杰"}}"#;
        let call = read_tccc(out.as_bytes()).unwrap();
        assert_eq!(
            (call.direction, call.status),
            (Direction::Out, CallStatus::Failed)
        );
        assert_eq!(
            normalize_number(call.customer_number()).as_deref(),
            Some("13912345678")
        );
        assert_eq!(call.line(), "[去电] 未接通 · 客服 阿杰");
    }

    #[test]
    fn a_record_without_its_session_or_start_is_refused() {
        assert_eq!(read_tccc(b"{}"), Err(WireError::MissingField));
        assert_eq!(
            read_tccc(br#"{"SessionId":"x"}"#),
            Err(WireError::MissingField)
        );
        assert_eq!(read_tccc(b"not json"), Err(WireError::BadXml));
        assert!(matches!(
            read_tccc(br#"{"SessionId":"x","Direction":7,"StartTimestamp":1}"#),
            Err(WireError::Unsupported(_))
        ));
    }

    #[test]
    fn the_generic_record_carries_the_same() {
        let body = r#"{"id":"call-9","direction":"in","from":"021-5555 1234","to":"4008001234",
            "started_at":1765000000000,"answered_at":1765000010000,"ended_at":1765000070000,
            "status":"answered","agent":"小雨","ivr_keys":["2",3],"recording_url":"javascript:alert(1)"}"#;
        let call = read_generic(body.as_bytes()).unwrap();
        assert_eq!(call.duration_s, 60);
        assert_eq!(
            call.ivr_keys,
            vec![("2".into(), String::new()), ("3".into(), String::new())]
        );
        assert_eq!(call.recording_url, None, "only web addresses are kept");
        assert_eq!(
            normalize_number(&call.caller).as_deref(),
            Some("02155551234")
        );
        assert_eq!(call.line(), "[来电] 已接通 1分00秒 · 客服 小雨 · 按键 2、3");
        for bad in [
            r#"{"direction":"in","status":"answered","started_at":1}"#,
            r#"{"id":"x","direction":"sideways","status":"answered","started_at":1}"#,
            r#"{"id":"x","direction":"in","status":"maybe","started_at":1}"#,
            r#"{"id":"x","direction":"in","status":"missed"}"#,
        ] {
            assert_eq!(
                read_generic(bad.as_bytes()),
                Err(WireError::MissingField),
                "{bad}"
            );
        }
    }

    #[test]
    fn numbers_are_kept_as_digits() {
        assert_eq!(
            normalize_number("+86 139-1234-5678").as_deref(),
            Some("13912345678")
        );
        assert_eq!(
            normalize_number("8613912345678").as_deref(),
            Some("13912345678")
        );
        assert_eq!(
            normalize_number("400-800-1234").as_deref(),
            Some("4008001234")
        );
        assert_eq!(normalize_number("agent@tea.example"), None);
        assert_eq!(normalize_number(""), None);
        assert_eq!(normalize_number("12"), None);
        assert_eq!(last_four("13912345678").as_deref(), Some("5678"));
        assert_eq!(last_four("123"), None);
    }

    #[test]
    fn a_push_is_taken_only_with_the_lines_password() {
        use base64::Engine;
        let basic = |user: &str, pass: &str| {
            let pair = format!("{user}:{pass}");
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            )
        };
        let password = "s3cret-line-password";
        assert!(check_auth(password, &basic("tccc", password)).is_ok());
        assert!(check_auth(password, &basic("", password)).is_ok());
        assert!(check_auth(password, &format!("bearer {password}")).is_ok());
        for wrong in [
            basic("tccc", "s3cret-line-passwore"),
            basic("tccc", ""),
            format!("Bearer {password}x"),
            "Basic !!!".to_owned(),
            "Basic dGNjYw==".to_owned(),
            password.to_owned(),
            String::new(),
        ] {
            assert_eq!(
                check_auth(password, &wrong),
                Err(WireError::BadSignature),
                "{wrong}"
            );
        }
        assert!(check_auth("", &basic("a", "")).is_err());
    }
}
