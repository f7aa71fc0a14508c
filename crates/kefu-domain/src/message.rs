//! Messages: who sent them, what kind they are, and the parsed content a send must carry.

use serde::{Deserialize, Serialize};

use crate::commerce::CardRef;
use crate::error_code::ErrorCode;
use utoipa::ToSchema;
use uuid::Uuid;

/// The longest text message, in characters. Longer sends are refused with `message_too_long`.
pub const MAX_TEXT_CHARS: usize = 5_000;
/// The longest client message id, in bytes.
pub const MAX_CLIENT_MSG_ID_BYTES: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SenderKind {
    Buyer,
    Agent,
    /// kefu itself: welcome texts, notices.
    System,
    /// The robot (BOT-*).
    Bot,
    /// The shop's automatic replies (WB-2): welcome, keyword rules, idle nudge, off-hours,
    /// queue and closing messages. Never an agent's reply.
    Automation,
}

impl SenderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SenderKind::Buyer => "buyer",
            SenderKind::Agent => "agent",
            SenderKind::System => "system",
            SenderKind::Bot => "bot",
            SenderKind::Automation => "automation",
        }
    }

    pub fn parse(s: &str) -> Option<SenderKind> {
        Some(match s {
            "buyer" => SenderKind::Buyer,
            "agent" => SenderKind::Agent,
            "system" => SenderKind::System,
            "bot" => SenderKind::Bot,
            "automation" => SenderKind::Automation,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    Text,
    Image,
    File,
    /// An order as a card (CH-2): the body is an `OrderCard` snapshot in JSON. A send names
    /// the order (`{"order_no": …}`) and the server fills in the snapshot.
    OrderCard,
    /// A product as a card: the body is a `ProductCard` snapshot in JSON; a send names it
    /// (`{"product_code": …, "sku_code": …}`).
    ProductCard,
    /// Text with reply buttons (BOT-3, BOT-4): the robot's choices. The body is `Buttons` in
    /// JSON; a tap sends the button's `reply` as an ordinary text message.
    Buttons,
    /// The satisfaction rating's invitation (KPI-3): the body is a `RatingInvitation` in
    /// JSON; the buyer taps it to rate. Only kefu sends one.
    Rating,
}

impl MessageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Text => "text",
            MessageKind::Image => "image",
            MessageKind::File => "file",
            MessageKind::OrderCard => "order_card",
            MessageKind::ProductCard => "product_card",
            MessageKind::Buttons => "buttons",
            MessageKind::Rating => "rating",
        }
    }

    pub fn parse(s: &str) -> Option<MessageKind> {
        Some(match s {
            "text" => MessageKind::Text,
            "image" => MessageKind::Image,
            "file" => MessageKind::File,
            "order_card" => MessageKind::OrderCard,
            "product_card" => MessageKind::ProductCard,
            "buttons" => MessageKind::Buttons,
            "rating" => MessageKind::Rating,
            _ => return None,
        })
    }
}

/// Why a send was refused before anything was stored. Each maps to a stable error code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContentError {
    #[error("a text message needs some text")]
    Empty,
    #[error("a message may hold at most {MAX_TEXT_CHARS} characters")]
    TooLong,
    #[error("a picture or file message needs an uploaded attachment")]
    MissingAttachment,
    #[error("the client message id must be 1 to {MAX_CLIENT_MSG_ID_BYTES} bytes")]
    BadClientMsgId,
    #[error("a card names its order (`order_no`) or product (`product_code`) in a JSON body")]
    BadCard,
    #[error(
        "a buttons message is JSON {{\"text\", \"buttons\": [{{\"label\", \"reply\"}}]}} with 1 to {MAX_BUTTONS} buttons of at most {MAX_BUTTON_CHARS} characters"
    )]
    BadButtons,
    #[error("buyers send text, pictures, files and cards, not buttons")]
    ButtonsNotForBuyers,
    #[error("only kefu sends rating invitations")]
    RatingNotSendable,
}

impl ContentError {
    /// The stable, snake_case code clients translate.
    pub fn code(&self) -> ErrorCode {
        match self {
            ContentError::Empty => ErrorCode::MessageEmpty,
            ContentError::TooLong => ErrorCode::MessageTooLong,
            ContentError::MissingAttachment => ErrorCode::AttachmentRequired,
            ContentError::BadClientMsgId => ErrorCode::BadClientMsgId,
            ContentError::BadCard => ErrorCode::BadCard,
            ContentError::BadButtons => ErrorCode::BadButtons,
            ContentError::ButtonsNotForBuyers => ErrorCode::ButtonsNotForBuyers,
            ContentError::RatingNotSendable => ErrorCode::RatingNotSendable,
        }
    }
}

/// What a send carries once it is known to be well-formed: text is trimmed and bounded,
/// media points at an attachment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageContent {
    pub kind: MessageKind,
    pub body: String,
    pub attachment_id: Option<Uuid>,
}

impl MessageContent {
    pub fn parse(
        kind: MessageKind,
        body: &str,
        attachment_id: Option<Uuid>,
    ) -> Result<MessageContent, ContentError> {
        let body = body.trim();
        if body.chars().count() > MAX_TEXT_CHARS {
            return Err(ContentError::TooLong);
        }
        match kind {
            MessageKind::Text if body.is_empty() => Err(ContentError::Empty),
            MessageKind::Text => Ok(MessageContent {
                kind,
                body: body.to_owned(),
                attachment_id: None,
            }),
            MessageKind::Image | MessageKind::File => match attachment_id {
                Some(id) => Ok(MessageContent {
                    kind,
                    body: body.to_owned(),
                    attachment_id: Some(id),
                }),
                None => Err(ContentError::MissingAttachment),
            },
            MessageKind::OrderCard | MessageKind::ProductCard => {
                let card: CardRef =
                    serde_json::from_str(body).map_err(|_| ContentError::BadCard)?;
                let named = match kind {
                    MessageKind::OrderCard => card.order_no.is_some(),
                    _ => card.product_code.is_some(),
                };
                if !named {
                    return Err(ContentError::BadCard);
                }
                Ok(MessageContent {
                    kind,
                    body: body.to_owned(),
                    attachment_id: None,
                })
            }
            MessageKind::Rating => Err(ContentError::RatingNotSendable),
            MessageKind::Buttons => {
                let buttons: Buttons =
                    serde_json::from_str(body).map_err(|_| ContentError::BadButtons)?;
                let fits = |s: &str| {
                    let n = s.trim().chars().count();
                    (1..=MAX_BUTTON_CHARS).contains(&n)
                };
                if buttons.text.trim().is_empty()
                    || !(1..=MAX_BUTTONS).contains(&buttons.buttons.len())
                    || !buttons
                        .buttons
                        .iter()
                        .all(|b| fits(&b.label) && fits(&b.reply))
                {
                    return Err(ContentError::BadButtons);
                }
                Ok(MessageContent {
                    kind,
                    body: body.to_owned(),
                    attachment_id: None,
                })
            }
        }
    }

    /// Text with reply buttons, checked and stored as compact JSON.
    /// A rating invitation (KPI-3), which only kefu makes: not through [`MessageContent::parse`].
    pub fn rating(invitation: &crate::rating::RatingInvitation) -> MessageContent {
        MessageContent {
            kind: MessageKind::Rating,
            body: serde_json::json!(invitation).to_string(),
            attachment_id: None,
        }
    }

    pub fn buttons(buttons: &Buttons) -> Result<MessageContent, ContentError> {
        let body = serde_json::to_string(buttons).map_err(|_| ContentError::BadButtons)?;
        MessageContent::parse(MessageKind::Buttons, &body, None)
    }

    /// A card's reference, for the server to turn into a snapshot.
    pub fn card_ref(&self) -> Option<CardRef> {
        match self.kind {
            MessageKind::OrderCard | MessageKind::ProductCard => {
                serde_json::from_str(&self.body).ok()
            }
            _ => None,
        }
    }

    /// A one-line preview for conversation lists.
    pub fn preview(&self) -> String {
        match self.kind {
            MessageKind::Text => self.body.chars().take(80).collect(),
            MessageKind::Image => "[图片]".to_owned(),
            MessageKind::File => "[文件]".to_owned(),
            MessageKind::OrderCard => {
                let order_no = serde_json::from_str::<serde_json::Value>(&self.body)
                    .ok()
                    .and_then(|v| v["order_no"].as_str().map(str::to_owned))
                    .unwrap_or_default();
                format!("[订单] {order_no}")
            }
            MessageKind::ProductCard => {
                let title: String = serde_json::from_str::<serde_json::Value>(&self.body)
                    .ok()
                    .and_then(|v| v["title"].as_str().map(|t| t.chars().take(60).collect()))
                    .unwrap_or_default();
                format!("[商品] {title}")
            }
            MessageKind::Rating => "[邀请评价]".to_owned(),
            MessageKind::Buttons => serde_json::from_str::<Buttons>(&self.body)
                .map(|b| b.text.chars().take(80).collect())
                .unwrap_or_default(),
        }
    }
}

/// At most this many buttons under one message.
pub const MAX_BUTTONS: usize = 10;
/// A button's label and reply are at most this long.
pub const MAX_BUTTON_CHARS: usize = 60;

/// Text with reply buttons: what a `buttons` message holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Buttons {
    pub text: String,
    pub buttons: Vec<Button>,
}

/// One reply button: what it shows, and the text a tap sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Button {
    pub label: String,
    pub reply: String,
}

/// Checks a client message id: the key that makes a retried send land once.
pub fn parse_client_msg_id(id: &str) -> Result<String, ContentError> {
    if id.is_empty() || id.len() > MAX_CLIENT_MSG_ID_BYTES || id.chars().any(char::is_control) {
        return Err(ContentError::BadClientMsgId);
    }
    Ok(id.to_owned())
}

/// An uploaded file as messages show it. `url` is a signed link the server fills in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Attachment {
    pub id: Uuid,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    #[serde(default)]
    pub url: String,
}

/// A stored message, as both APIs and both WebSocket protocols carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Message {
    pub id: Uuid,
    pub conversation_id: Uuid,
    /// Gap-free, per conversation, from 1.
    pub seq: i64,
    pub sender_kind: SenderKind,
    pub sender_id: Option<Uuid>,
    pub sender_name: String,
    pub client_msg_id: Option<String>,
    pub kind: MessageKind,
    pub body: String,
    pub attachment: Option<Attachment>,
    /// Epoch milliseconds, UTC.
    pub created_at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded() {
        let c = MessageContent::parse(MessageKind::Text, "  你好  ", None).unwrap();
        assert_eq!(c.body, "你好");
        assert_eq!(
            MessageContent::parse(MessageKind::Text, "   ", None),
            Err(ContentError::Empty)
        );
        let long = "好".repeat(MAX_TEXT_CHARS + 1);
        assert_eq!(
            MessageContent::parse(MessageKind::Text, &long, None),
            Err(ContentError::TooLong)
        );
        let exactly = "好".repeat(MAX_TEXT_CHARS);
        assert!(MessageContent::parse(MessageKind::Text, &exactly, None).is_ok());
    }

    #[test]
    fn media_needs_an_attachment() {
        assert_eq!(
            MessageContent::parse(MessageKind::Image, "", None),
            Err(ContentError::MissingAttachment)
        );
        let id = Uuid::new_v4();
        let c = MessageContent::parse(MessageKind::File, "", Some(id)).unwrap();
        assert_eq!(c.attachment_id, Some(id));
        assert_eq!(c.preview(), "[文件]");
    }

    #[test]
    fn cards_name_what_they_show() {
        let c = MessageContent::parse(MessageKind::OrderCard, r#"{"order_no":"T1"}"#, None);
        assert_eq!(
            c.unwrap().card_ref().unwrap().order_no.as_deref(),
            Some("T1")
        );
        assert_eq!(
            MessageContent::parse(MessageKind::OrderCard, r#"{"product_code":"P"}"#, None),
            Err(ContentError::BadCard)
        );
        assert_eq!(
            MessageContent::parse(MessageKind::ProductCard, "not json", None),
            Err(ContentError::BadCard)
        );
        let snapshot = MessageContent {
            kind: MessageKind::ProductCard,
            body: r#"{"code":"P","title":"明前龙井"}"#.into(),
            attachment_id: None,
        };
        assert_eq!(snapshot.preview(), "[商品] 明前龙井");
    }

    #[test]
    fn client_msg_ids_are_short_and_printable() {
        assert!(parse_client_msg_id("c-1").is_ok());
        assert!(parse_client_msg_id("").is_err());
        assert!(parse_client_msg_id(&"x".repeat(65)).is_err());
        assert!(parse_client_msg_id("a\nb").is_err());
    }
}
