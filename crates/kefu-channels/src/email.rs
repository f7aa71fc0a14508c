//! Email on the wire (CHANNELS.md §7): a buyer's mail read into what kefu keeps (RFC 5322,
//! MIME, RFC 2047 encoded words, RFC 2231 file names, GBK and GB18030 bodies, all by
//! `mail-parser`), the quoted history a reply carries folded away, and the thread a reply
//! belongs to found again: by kefu's reply address (`local+{conversation}@domain`) or by
//! kefu's `Message-ID`s (`<conversation/{id}/messages/{id}@domain>`) in `In-Reply-To` and
//! `References`.

use mail_parser::{HeaderValue, MessageParser, MimeHeaders};
use uuid::Uuid;

use crate::WireError;

/// The most attachments of one mail kefu keeps; the rest are counted (`more_attachments`).
pub const MAX_ATTACHMENTS: usize = 10;

/// A file a buyer's mail carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    /// `type/subtype`.
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A buyer's mail as kefu keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    /// Without the angle brackets; `None` for a mail without one.
    pub message_id: Option<String>,
    /// `In-Reply-To` then `References`, without angle brackets.
    pub replies_to: Vec<String>,
    /// `In-Reply-To` alone.
    pub in_reply_to: Vec<String>,
    /// `References` alone, oldest first.
    pub references: Vec<String>,
    /// Lower case.
    pub from: String,
    pub from_name: Option<String>,
    /// Every `To` and `Cc` address, lower case.
    pub to: Vec<String>,
    pub subject: String,
    /// What the buyer wrote this time: the quoted history folded away.
    pub text: String,
    /// Some history was folded away.
    pub folded: bool,
    pub attachments: Vec<Attachment>,
    /// Attachments past `MAX_ATTACHMENTS`, not kept.
    pub more_attachments: usize,
    /// An automatic answer (out of office, a bounce, a list): never answered, or two robots
    /// write to each other for ever (RFC 3834).
    pub automatic: bool,
    /// The receiving mail server vouched for the sender (`sender_verified`): only then does
    /// the address say who the buyer is (CH-6).
    pub verified: bool,
}

fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    let list: Vec<String> = match value {
        HeaderValue::Text(t) => vec![t.to_string()],
        HeaderValue::TextList(l) => l.iter().map(|t| t.to_string()).collect(),
        _ => vec![],
    };
    list.into_iter()
        .map(|id| id.trim().trim_matches(['<', '>']).to_owned())
        .filter(|id| !id.is_empty())
        .collect()
}

/// Reads a raw mail (as IMAP's `BODY[]` gives it).
pub fn read(raw: &[u8]) -> Result<Inbound, WireError> {
    let mail = MessageParser::default()
        .parse(raw)
        .ok_or(WireError::BadXml)?;
    let sender = mail.from().and_then(|a| a.first());
    let from = sender
        .and_then(|a| a.address())
        .map(|a| a.trim().to_lowercase())
        .filter(|a| a.contains('@'))
        .ok_or(WireError::MissingField)?;
    let from_name = sender
        .and_then(|a| a.name())
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    let to = mail
        .to()
        .into_iter()
        .chain(mail.cc())
        .flat_map(|a| a.iter())
        .filter_map(|a| a.address())
        .map(|a| a.trim().to_lowercase())
        .collect();
    let in_reply_to = ids(mail.in_reply_to());
    let references = ids(mail.references());
    let mut replies_to = in_reply_to.clone();
    replies_to.extend(references.iter().cloned());
    let header = |name: &str| mail.header_raw(name).map(|v| v.trim().to_lowercase());
    let automatic = header("Auto-Submitted").is_some_and(|v| v != "no")
        || header("X-Autoreply").is_some()
        || header("X-Autorespond").is_some()
        || header("List-Id").is_some()
        || header("Precedence")
            .is_some_and(|v| ["bulk", "junk", "list", "auto_reply"].contains(&v.as_str()))
        // A bounce: the null reverse path (RFC 5321 §4.5.5), a delivery report, a mailer.
        || mail
            .header_raw("Return-Path")
            .is_some_and(|r| r.trim().trim_matches(['<', '>']).trim().is_empty())
        || mail.content_type().is_some_and(|ct| {
            ct.c_type.eq_ignore_ascii_case("multipart")
                && ct
                    .c_subtype
                    .as_deref()
                    .is_some_and(|s| s.eq_ignore_ascii_case("report"))
        })
        || ["mailer-daemon@", "postmaster@"]
            .iter()
            .any(|p| from.starts_with(p));
    let body = mail.body_text(0).map(|t| t.to_string()).unwrap_or_default();
    let (text, folded) = fold_quoted(&body);
    let files: Vec<_> = mail
        .attachments()
        .filter(|part| !part.is_message())
        .collect();
    let more_attachments = files.len().saturating_sub(MAX_ATTACHMENTS);
    let attachments = files
        .into_iter()
        .take(MAX_ATTACHMENTS)
        .map(|part| Attachment {
            name: part
                .attachment_name()
                .map(str::to_owned)
                .unwrap_or_else(|| "attachment".to_owned()),
            content_type: part
                .content_type()
                .map(|ct| match &ct.c_subtype {
                    Some(sub) => format!("{}/{sub}", ct.c_type),
                    None => ct.c_type.to_string(),
                })
                .unwrap_or_else(|| "application/octet-stream".to_owned())
                .to_lowercase(),
            bytes: part.contents().to_vec(),
        })
        .collect();
    // The topmost: mail-parser's own look-up finds the last one.
    let verified = mail
        .headers_raw()
        .find(|(name, _)| name.eq_ignore_ascii_case("Authentication-Results"))
        .is_some_and(|(_, results)| sender_verified(results, &from));
    Ok(Inbound {
        message_id: mail
            .message_id()
            .map(|id| id.trim().trim_matches(['<', '>']).to_owned())
            .filter(|id| !id.is_empty()),
        replies_to,
        in_reply_to,
        references,
        from,
        from_name,
        to,
        subject: mail.subject().unwrap_or_default().trim().to_owned(),
        text,
        folded,
        attachments,
        more_attachments,
        automatic,
        verified,
    })
}

/// Where a reply's quoted history starts, as mail clients write it: QQ Mail's and Foxmail's
/// 原始邮件 rule, Outlook's 发件人/From block, Apple Mail's and Gmail's "在 … 写道：" and "On
/// … wrote:", and `>` lines.
fn starts_history(line: &str, next: Option<&str>) -> bool {
    let t = line.trim();
    let next = next.map(str::trim).unwrap_or_default();
    t.starts_with('>')
        || (t.starts_with("---") && (t.contains("原始邮件") || t.contains("Original Message")))
        || t.starts_with("________________________________")
        || ((t.starts_with("发件人:") || t.starts_with("发件人："))
            && ["发送时间", "日期", "时间", "收件人"]
                .iter()
                .any(|k| next.starts_with(k)))
        || (t.starts_with("From:")
            && ["Sent:", "Date:", "To:"]
                .iter()
                .any(|k| next.starts_with(k)))
        || (t.starts_with("在") && (t.ends_with("写道：") || t.ends_with("写道:")))
        || (t.starts_with("On ") && t.ends_with("wrote:"))
}

/// The text a buyer wrote this time, and whether quoted history was folded away after it.
/// Whether the receiving server's `Authentication-Results` (RFC 8601; the topmost one, which
/// the mailbox's own server adds: a sender can forge any below it) proves `from`: DMARC
/// passed, or DKIM or SPF passed for `from`'s domain (or a domain it is under).
pub fn sender_verified(results: &str, from: &str) -> bool {
    let Some((_, domain)) = from.rsplit_once('@') else {
        return false;
    };
    let domain = domain.trim().to_lowercase();
    let aligned = |value: &str| {
        let value = value.trim().trim_matches('"').to_lowercase();
        let d = value.rsplit_once('@').map_or(value.as_str(), |(_, d)| d);
        !d.is_empty() && (domain == d || domain.ends_with(&format!(".{d}")))
    };
    // Comments (RFC 5322 CFWS) say nothing: dropped, nested ones too. A quoted string (a
    // sender's own words the server echoes) is one opaque word: a `;` or `(` in it is not
    // the server's.
    let mut plain = String::with_capacity(results.len());
    let mut depth = 0usize;
    let mut quoted = false;
    let mut escaped = false;
    for c in results.chars() {
        if quoted {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => quoted = false,
                _ => {}
            }
            if depth == 0 {
                plain.push(if matches!(c, ';' | '(' | ')' | '=') {
                    '_'
                } else {
                    c
                });
            }
            continue;
        }
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            '"' if depth == 0 => {
                quoted = true;
                plain.push(c);
            }
            c if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    plain.split(';').skip(1).any(|result| {
        let mut words = result.split_whitespace();
        let Some((method, outcome)) = words.next().and_then(|w| w.split_once('=')) else {
            return false;
        };
        if !outcome.eq_ignore_ascii_case("pass") {
            return false;
        }
        let props: Vec<(String, &str)> = words
            .filter_map(|w| w.split_once('='))
            .map(|(k, v)| (k.to_lowercase(), v))
            .collect();
        let prop = |name: &str| props.iter().find(|(k, _)| k == name).map(|(_, v)| *v);
        match method.to_lowercase().as_str() {
            "dmarc" => prop("header.from").is_some_and(aligned),
            "dkim" => prop("header.d").or(prop("header.i")).is_some_and(aligned),
            "spf" => prop("smtp.mailfrom").is_some_and(aligned),
            _ => false,
        }
    })
}

pub fn fold_quoted(body: &str) -> (String, bool) {
    let body = body.replace("\r\n", "\n");
    let lines: Vec<&str> = body.lines().collect();
    let cut = (0..lines.len()).find(|&i| starts_history(lines[i], lines.get(i + 1).copied()));
    let kept = &lines[..cut.unwrap_or(lines.len())];
    let text = kept.join("\n").trim().to_owned();
    // A mail that is all quote (a forward): keep it whole rather than nothing.
    match (text.is_empty(), cut) {
        (true, Some(_)) => (body.trim().to_owned(), false),
        _ => (text, cut.is_some()),
    }
}

/// kefu's reply address for a conversation: the channel's address with a sub-address
/// (`support+{conversation}@shop.example`).
pub fn reply_address(address: &str, conversation: Uuid) -> String {
    match address.split_once('@') {
        Some((local, domain)) => format!("{local}+{conversation}@{domain}"),
        None => address.to_owned(),
    }
}

/// kefu's `Message-ID` of a message it sends (without angle brackets).
pub fn message_id(conversation: Uuid, message: Uuid, domain: &str) -> String {
    format!("conversation/{conversation}/messages/{message}@{domain}")
}

/// The conversation a buyer's mail answers, if it answers one of kefu's: by the reply
/// address it was sent to, else by the `Message-ID`s it replies to.
pub fn thread_of(mail: &Inbound, address: &str) -> Option<Uuid> {
    let (local, domain) = address.split_once('@')?;
    let prefix = format!("{}+", local.to_lowercase());
    let domain = domain.to_lowercase();
    let by_address = mail.to.iter().find_map(|to| {
        let (l, d) = to.split_once('@')?;
        (d == domain).then_some(())?;
        l.strip_prefix(&prefix)?.parse().ok()
    });
    by_address.or_else(|| {
        mail.replies_to.iter().find_map(|id| {
            let rest = id.strip_prefix("conversation/")?;
            let (conversation, _) = rest.split_once('/')?;
            conversation.parse().ok()
        })
    })
}

/// A reply's subject: `Re: ` once before the buyer's (or the shop's default for a mail
/// without one).
pub fn reply_subject(subject: &str) -> String {
    let s = subject.trim();
    let lower = s.to_lowercase();
    if lower.starts_with("re:") || s.starts_with("回复：") || s.starts_with("答复：") {
        s.to_owned()
    } else if s.is_empty() {
        "Re: 您的咨询".to_owned()
    } else {
        format!("Re: {s}")
    }
}

/// The line the buyer's mail is entered as: the subject on the first mail of a thread,
/// then what they wrote; files are added as attachments.
pub fn line(mail: &Inbound, first: bool) -> String {
    let text = mail.text.trim();
    match (first && !mail.subject.is_empty(), text.is_empty()) {
        (true, true) => format!("【{}】", mail.subject),
        (true, false) => format!("【{}】\n{text}", mail.subject),
        (false, _) => text.to_owned(),
    }
}

/// The file name an HTTP `Content-Disposition` gives (a platform's media download: a quoted
/// name in UTF-8, or RFC 2231/5987's `filename*`), read as a mail's header is; as sent, not yet
/// made safe.
pub fn disposition_file_name(value: &[u8]) -> Option<String> {
    let mut raw = b"Content-Disposition: ".to_vec();
    raw.extend_from_slice(value);
    raw.extend_from_slice(b"\r\n\r\n");
    let headers = MessageParser::default().parse_headers(&raw)?;
    // Both forms given, the extended one (decoded under the same name, after the plain) wins.
    let name = headers
        .content_disposition()?
        .attributes()?
        .iter()
        .rfind(|a| a.name.eq_ignore_ascii_case("filename"))?;
    Some(name.value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_receiving_server_vouches_for_the_sender() {
        let from = "zhou@mail.example.com";
        for proven in [
            "mx.qq.com; dmarc=pass (p=none dis=none) header.from=mail.example.com",
            "mx.163.com; dkim=pass header.d=example.com header.s=s1; spf=fail",
            "mx.exmail.qq.com; spf=pass (sender IP is 1.2.3.4) smtp.mailfrom=zhou@mail.example.com",
            "mx.google.com;\r\n       dkim=pass header.i=@mail.example.com header.s=s2",
            "mx.qq.com; spf=pass smtp.mailfrom=\"zhou\"@mail.example.com",
        ] {
            assert!(sender_verified(proven, from), "{proven}");
        }
        for unproven in [
            "",
            "mx.qq.com",
            "mx.qq.com; none",
            "mx.qq.com; dmarc=fail header.from=mail.example.com",
            "mx.qq.com; dkim=pass header.d=attacker.example",
            "mx.qq.com; spf=pass smtp.mailfrom=someone@attacker.example",
            "mx.qq.com; spf=softfail smtp.mailfrom=zhou@mail.example.com",
            "mx.qq.com; dkim=pass header.d=com.example.com",
            // The result in a comment is no result.
            "mx.qq.com; dkim=none (dkim=pass header.d=mail.example.com)",
            // The authserv-id alone, as if it were a result.
            "dkim=pass header.d=mail.example.com",
            // DMARC for no named domain says nothing of this one.
            "mx.qq.com; dmarc=pass",
            // A sender's quoted words echoed by the server cannot add a result.
            "mx.qq.com; spf=fail smtp.mailfrom=\"x;dmarc=pass header.from=mail.example.com\"@evil.example",
            "mx.qq.com; spf=none smtp.helo=\"a) ; dkim=pass header.d=mail.example.com (\"",
        ] {
            assert!(!sender_verified(unproven, from), "{unproven}");
        }
        assert!(!sender_verified("mx; dmarc=pass", "no-at-sign"));
    }

    #[test]
    fn only_the_topmost_results_count() {
        let mail = "Authentication-Results: mx.qq.com; dmarc=fail header.from=example.com\r\n\
Authentication-Results: forged; dmarc=pass header.from=example.com\r\n\
From: a@example.com\r\nTo: shop@shop.example\r\nSubject: x\r\n\r\nhello\r\n";
        assert!(!read(mail.as_bytes()).unwrap().verified);
        let mail = "Authentication-Results: mx.qq.com; dmarc=pass header.from=example.com\r\n\
From: a@example.com\r\nTo: shop@shop.example\r\nSubject: x\r\n\r\nhello\r\n";
        assert!(read(mail.as_bytes()).unwrap().verified);
    }

    /// A reply from a Chinese client: GBK body in base64, a GB2312 encoded-word subject,
    /// QQ Mail's history rule, a file named by RFC 2231 in UTF-8.
    fn gbk_reply(conversation: Uuid) -> Vec<u8> {
        use base64::Engine;
        let (body, _, _) =
            encoding_rs::GBK.encode("好的，那我等顺丰的消息。\r\n\r\n------------------ 原始邮件 ------------------\r\n发件人: \"茶叶小铺客服\"<support@tea.example>;\r\n您好，已为您安排补发。\r\n");
        let body = base64::engine::general_purpose::STANDARD.encode(body);
        let (subject, _, _) = encoding_rs::GBK.encode("回复：补发进度");
        let subject = base64::engine::general_purpose::STANDARD.encode(subject);
        format!(
            "From: =?GB2312?B?{name}?= <Wang.Xiaoming@QQ.example>\r\n\
             To: support+{conversation}@tea.example\r\n\
             Subject: =?GB2312?B?{subject}?=\r\n\
             Message-ID: <buyer-1@qq.example>\r\n\
             In-Reply-To: <conversation/{conversation}/messages/m1@tea.example>\r\n\
             MIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
             --b1\r\n\
             Content-Type: text/plain; charset=\"GBK\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n\
             {body}\r\n\
             --b1\r\n\
             Content-Type: image/jpeg\r\n\
             Content-Disposition: attachment; filename*=UTF-8''%E7%A0%B4%E6%8D%9F.jpg\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n\
             /9j/4AAQ\r\n\
             --b1--\r\n",
            name = base64::engine::general_purpose::STANDARD
                .encode(encoding_rs::GBK.encode("王小明").0),
        )
        .into_bytes()
    }

    #[test]
    fn a_chinese_clients_reply_is_read_whole() {
        let conversation = Uuid::from_u128(7);
        let mail = read(&gbk_reply(conversation)).unwrap();
        assert_eq!(mail.from, "wang.xiaoming@qq.example");
        assert_eq!(mail.from_name.as_deref(), Some("王小明"));
        assert_eq!(mail.subject, "回复：补发进度");
        assert_eq!(mail.text, "好的，那我等顺丰的消息。");
        assert!(mail.folded);
        assert_eq!(mail.message_id.as_deref(), Some("buyer-1@qq.example"));
        assert_eq!(mail.attachments.len(), 1);
        assert_eq!(mail.attachments[0].name, "破损.jpg");
        assert_eq!(mail.attachments[0].content_type, "image/jpeg");
        assert_eq!(
            mail.attachments[0].bytes,
            vec![0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]
        );
        assert!(!mail.automatic);
        assert_eq!(thread_of(&mail, "Support@Tea.example"), Some(conversation));
        assert_eq!(reply_subject(&mail.subject), "回复：补发进度");
    }

    #[test]
    fn a_thread_is_found_by_the_message_it_answers() {
        let c = Uuid::from_u128(9);
        let raw = format!(
            "From: buyer@example.com\r\nTo: support@tea.example\r\nSubject: =?UTF-8?B?5Y+R6LSn?=\r\n\
             References: <x@y> <{}>\r\n\r\nhello\r\n",
            message_id(c, Uuid::from_u128(1), "tea.example")
        );
        let mail = read(raw.as_bytes()).unwrap();
        assert_eq!(mail.subject, "发货");
        assert_eq!(thread_of(&mail, "support@tea.example"), Some(c));
        assert_eq!(line(&mail, true), "【发货】\nhello");
        assert_eq!(line(&mail, false), "hello");
        // Another shop's address, or none of kefu's ids: a new thread.
        let other = read(b"From: b@example.com\r\nTo: support+00000000-0000-0000-0000-000000000009@other.example\r\n\r\nhi").unwrap();
        assert_eq!(thread_of(&other, "support@tea.example"), None);
        assert_eq!(
            reply_address("support@tea.example", c),
            format!("support+{c}@tea.example")
        );
    }

    #[test]
    fn quoted_history_is_folded_as_clients_write_it() {
        for (body, kept) in [
            (
                "收到了，谢谢\n\n在 2026年12月7日 10:02，茶叶小铺 <support@tea.example> 写道：\n> 已发货",
                "收到了，谢谢",
            ),
            (
                "Thanks!\nOn Mon, Dec 7, 2026 at 10:02 AM Shop <s@t.example> wrote:\n> shipped",
                "Thanks!",
            ),
            (
                "好的\r\n\r\n发件人: 茶叶小铺\r\n发送时间: 2026年12月7日 10:02\r\n收件人: 我\r\n正文",
                "好的",
            ),
            ("ok\n-----Original Message-----\nFrom: x", "ok"),
            ("no history here\n> but a quote later", "no history here"),
        ] {
            let (text, folded) = fold_quoted(body);
            assert_eq!(text, kept);
            assert!(folded, "{body}");
        }
        // All quote (a forward): kept whole.
        assert_eq!(
            fold_quoted("> only a quote"),
            ("> only a quote".to_owned(), false)
        );
        assert_eq!(fold_quoted("plain"), ("plain".to_owned(), false));
    }

    #[test]
    fn automatic_answers_are_marked_and_senders_required() {
        let ooo = b"From: b@example.com\r\nAuto-Submitted: auto-replied\r\nSubject: Out of office\r\n\r\naway";
        assert!(read(ooo).unwrap().automatic);
        let list = b"From: news@example.com\r\nPrecedence: bulk\r\n\r\nnews";
        assert!(read(list).unwrap().automatic);
        let bounce = b"Return-Path: <>\r\nFrom: someone@example.com\r\n\r\nundeliverable";
        assert!(read(bounce).unwrap().automatic);
        let postmaster = b"From: PostMaster@qq.example\r\n\r\nundeliverable";
        assert!(read(postmaster).unwrap().automatic);
        let person = b"Return-Path: <b@example.com>\r\nFrom: b@example.com\r\n\r\nhi";
        assert!(!read(person).unwrap().automatic);
        assert_eq!(
            read(b"Subject: no sender\r\n\r\nx"),
            Err(WireError::MissingField)
        );
        // An HTML-only mail still gives text.
        let html = b"From: b@example.com\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>\xe4\xbd\xa0\xe5\xa5\xbd</p>";
        assert_eq!(read(html).unwrap().text, "你好");
    }
}
