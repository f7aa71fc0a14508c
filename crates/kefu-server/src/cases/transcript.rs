//! Evidence (issue #20): a buyer's conversation with a shop as a self-contained HTML file —
//! the shop, the buyer, every message with its time (the shop's time zone), cards and files
//! named — sealed with an HMAC of the whole document under a key only kefu holds, so the
//! platform can tell an untouched copy from an edited one (`verify`). The seal is the
//! content of `<meta name="kefu-transcript">`: `v1:{conversation}:{hex}`, computed with that
//! content blanked.

use chrono::TimeZone;
use chrono_tz::Tz;
use kefu_domain::commerce::{OrderCard, ProductCard};
use kefu_domain::message::{Buttons, Message, MessageKind, SenderKind};
use kefu_domain::time::now_ms;
use uuid::Uuid;

use crate::AppState;
use crate::error::ApiError;

/// Messages a transcript holds, at most (the newest when a conversation is longer).
const MAX_MESSAGES: i64 = 2_000;
const SEAL_META: &str = "<meta name=\"kefu-transcript\" content=\"";
const BLANK: &str = "v1:-:-";

/// A sealed transcript and its file name.
pub struct Transcript {
    pub file_name: String,
    pub html: String,
}

/// What a verified transcript names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub conversation_id: Uuid,
}

fn escape(text: &str) -> String {
    html_escape::encode_safe(text).into_owned()
}

fn at(zone: Tz, ms: i64) -> String {
    zone.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

/// A message as the transcript shows it: cards and files by what they are.
fn shown(m: &Message) -> String {
    match m.kind {
        MessageKind::Text => m.body.clone(),
        MessageKind::Image => "[图片]".to_owned(),
        MessageKind::File => format!(
            "[文件] {}",
            m.attachment.as_ref().map_or("", |a| a.file_name.as_str())
        ),
        MessageKind::OrderCard => serde_json::from_str::<OrderCard>(&m.body).map_or_else(
            |_| "[订单]".to_owned(),
            |o| format!("[订单] {} 合计 ¥{}", o.order_no, o.total_fen),
        ),
        MessageKind::ProductCard => serde_json::from_str::<ProductCard>(&m.body).map_or_else(
            |_| "[商品]".to_owned(),
            |p| format!("[商品] {} ¥{}", p.title, p.price_fen),
        ),
        MessageKind::Buttons => {
            serde_json::from_str::<Buttons>(&m.body).map_or_else(|_| m.body.clone(), |b| b.text)
        }
        MessageKind::Rating => "[满意度评价邀请]".to_owned(),
    }
}

fn who(m: &Message) -> &'static str {
    match m.sender_kind {
        SenderKind::Buyer => "buyer",
        SenderKind::Agent => "agent",
        SenderKind::Bot => "robot",
        SenderKind::System | SenderKind::Automation => "system",
    }
}

/// The transcript's HTML with its seal blanked.
fn render(
    shop: &str,
    buyer: &str,
    conversation_id: Uuid,
    zone: Tz,
    messages: &[Message],
    now: i64,
) -> String {
    let mut rows = String::new();
    for m in messages {
        rows.push_str(&format!(
            "<tr class=\"{}\"><td class=\"t\">{}</td><td class=\"s\">{}</td><td class=\"m\">{}</td></tr>\n",
            who(m),
            at(zone, m.created_at),
            escape(&m.sender_name),
            escape(&shown(m)).replace('\n', "<br>")
        ));
    }
    format!(
        "<!doctype html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n{SEAL_META}{BLANK}\">\n\
         <title>聊天记录凭证 · {shop}</title>\n<style>\
         body{{font-family:system-ui,\"Noto Sans CJK SC\",sans-serif;margin:24px;color:#1f2329}}\
         h1{{font-size:20px;margin:0 0 8px}}dl{{display:grid;grid-template-columns:7em 1fr;gap:4px 12px;color:#4e5969}}\
         table{{border-collapse:collapse;width:100%;margin-top:16px}}td{{border-top:1px solid #e5e6eb;padding:6px 8px;vertical-align:top}}\
         .t{{white-space:nowrap;color:#86909c}}.s{{white-space:nowrap}}.buyer .s{{color:#165dff}}.system .m{{color:#86909c}}\
         footer{{margin-top:16px;color:#86909c;font-size:12px}}\
         </style>\n</head>\n<body>\n<h1>聊天记录凭证</h1>\n<dl><dt>店铺</dt><dd>{shop}</dd><dt>买家</dt><dd>{buyer}</dd>\
         <dt>会话编号</dt><dd>{conversation_id}</dd><dt>导出时间</dt><dd>{exported}</dd><dt>消息数</dt><dd>{count}</dd></dl>\n\
         <table>\n{rows}</table>\n<footer>本文件由 kefu 生成并加盖数字封印（页首 kefu-transcript），平台可校验其未被修改。\
         时间为店铺所在时区。</footer>\n</body>\n</html>\n",
        shop = escape(shop),
        buyer = escape(buyer),
        exported = at(zone, now),
        count = messages.len(),
    )
}

/// The buyer's current conversation as a sealed transcript.
pub async fn export(
    state: &AppState,
    tenant_id: Uuid,
    buyer_id: Uuid,
) -> Result<Transcript, ApiError> {
    let conversation = state
        .store
        .current_conversation(tenant_id, buyer_id)
        .await?
        .ok_or(kefu_domain::error_code::ErrorCode::ConversationNotFound)?;
    let shop = state
        .store
        .tenant(tenant_id)
        .await?
        .map(|t| t.name)
        .unwrap_or_default();
    let messages = state
        .store
        .messages(
            tenant_id,
            conversation.id,
            (conversation.last_seq - MAX_MESSAGES).max(0),
            None,
            MAX_MESSAGES,
        )
        .await?;
    let zone = crate::reports::zone_of(state, tenant_id).await;
    let now = now_ms();
    let blank = render(
        &shop,
        &conversation.buyer_name,
        conversation.id,
        zone,
        &messages,
        now,
    );
    let seal = format!("v1:{}:{}", conversation.id, state.keys.seal(&blank));
    Ok(Transcript {
        file_name: format!("kefu-transcript-{}.html", conversation.id),
        html: blank.replacen(
            &format!("{SEAL_META}{BLANK}"),
            &format!("{SEAL_META}{seal}"),
            1,
        ),
    })
}

/// The conversation a transcript names when it is exactly as kefu sealed it; `None` for an
/// edited file, another server's, or no transcript at all.
pub fn verify(state: &AppState, html: &str) -> Option<Verified> {
    let start = html.find(SEAL_META)? + SEAL_META.len();
    let end = start + html[start..].find('"')?;
    let seal = &html[start..end];
    let mut parts = seal.splitn(3, ':');
    let (Some("v1"), Some(conversation), Some(mac)) = (parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let conversation_id = Uuid::parse_str(conversation).ok()?;
    let blank = format!("{}{BLANK}{}", &html[..start], &html[end..]);
    let expected = state.keys.seal(&blank);
    // The conversation is inside what was sealed, so naming another one breaks the seal.
    (crate::auth::constant_time_eq(expected.as_bytes(), mac.as_bytes())
        && blank.contains(&conversation_id.to_string()))
    .then_some(Verified { conversation_id })
}
