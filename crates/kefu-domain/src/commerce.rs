//! The shop's catalogue and orders as kefu knows them (CH-2, CH-5, CH-6): imported from files
//! or pushed by the shop's backend, shown beside the conversations they are asked about, and
//! sent as cards. Money is integer fen; times are epoch milliseconds, UTC.
//!
//! `*Input` types are what a shop sends; `check` turns one into something storable or says,
//! with a stable code, why not. Stored types carry kefu's id and `updated_at`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error_code::ErrorCode;
use crate::money::Money;

/// The longest product, SKU or order code, in bytes.
pub const MAX_CODE_BYTES: usize = 64;
/// The most SKUs one product, or items one order, may carry.
pub const MAX_LINES: usize = 200;
/// The longest title or name, in characters.
pub const MAX_TITLE_CHARS: usize = 200;

/// Why a product or order was refused. `code` is stable; `message` says which field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct InputError {
    pub code: ErrorCode,
    pub message: String,
}

impl InputError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> InputError {
        InputError {
            code,
            message: message.into(),
        }
    }
}

/// A partner that fulfils a product for the shop (CH-5: 饿了么, 携程…): the buyer is handed
/// over to them for this order, with the fields listed in `shared_fields`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Partner {
    /// Shown to agents and buyers, e.g. "饿了么".
    pub name: String,
    /// Where the partner takes the case (their service page or a deep link).
    pub handoff_url: String,
    /// Which of the order's fields the partner receives, e.g. ["order_no", "items", "phone"].
    #[serde(default)]
    pub shared_fields: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SkuInput {
    pub code: String,
    /// The variant, e.g. "250g 罐装".
    #[serde(default)]
    pub name: String,
    pub price_fen: Money,
    #[serde(default)]
    pub stock: i64,
}

/// A product (SPU) with its SKUs, as a shop sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProductInput {
    pub code: String,
    pub title: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub image_url: Option<String>,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// Set when a third party fulfils this product (CH-5).
    #[serde(default)]
    pub partner: Option<Partner>,
    pub skus: Vec<SkuInput>,
}

/// A stored product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Product {
    pub id: Uuid,
    pub code: String,
    pub title: String,
    pub category: String,
    pub image_url: Option<String>,
    pub attributes: BTreeMap<String, String>,
    pub partner: Option<Partner>,
    pub skus: Vec<SkuInput>,
    /// The lowest SKU price.
    pub price_fen: Money,
    pub stock: i64,
    pub updated_at: i64,
}

macro_rules! status_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

status_enum!(
    /// Where the money is.
    PaymentStatus {
        Unpaid => "unpaid",
        Paid => "paid",
        PartiallyRefunded => "partially_refunded",
        Refunded => "refunded",
        Closed => "closed",
    }
);

status_enum!(
    /// Where the parcel is.
    ShippingStatus {
        Unshipped => "unshipped",
        Shipped => "shipped",
        InTransit => "in_transit",
        Delivered => "delivered",
        Returned => "returned",
    }
);

status_enum!(
    /// Where the after-sale case is (售后).
    AfterSaleStatus {
        None => "none",
        Requested => "requested",
        Processing => "processing",
        Refunded => "refunded",
        Rejected => "rejected",
        Completed => "completed",
    }
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrderItem {
    pub product_code: String,
    pub sku_code: String,
    pub title: String,
    pub quantity: i64,
    pub unit_price_fen: Money,
}

/// An order, as a shop sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrderInput {
    pub order_no: String,
    /// The shop's (or platform's) member id of the buyer: the `sub` of its signed tokens.
    pub buyer_id: String,
    #[serde(default)]
    pub buyer_name: String,
    /// When it was placed, epoch ms.
    pub placed_at: i64,
    pub items: Vec<OrderItem>,
    pub total_fen: Money,
    #[serde(default)]
    pub paid_fen: Money,
    pub payment_status: PaymentStatus,
    pub shipping_status: ShippingStatus,
    #[serde(default = "no_after_sale")]
    pub after_sale_status: AfterSaleStatus,
    #[serde(default)]
    pub logistics_company: Option<String>,
    #[serde(default)]
    pub tracking_no: Option<String>,
    /// Who receives it, and where (收货人): sealed at rest, masked for agents (issue #14).
    #[serde(default)]
    pub receiver: Option<Receiver>,
}

/// An order's receiver (收货人). Stored sealed (issue #14); agents see it masked
/// (`Receiver::masked`), a fulfilment partner gets the fields the shop shares with it (CH-5).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Receiver {
    pub name: String,
    /// The receiver's phone number, as the shop has it.
    pub phone: String,
    pub address: String,
}

/// Never the receiver in clear in a log line.
impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.masked().fmt_fields(f)
    }
}

impl Receiver {
    /// 张*, 138****5678, 浙江省杭州市****: enough to recognise, not to deliver.
    pub fn masked(&self) -> Receiver {
        let name: String = match self.name.chars().count() {
            0 => String::new(),
            1 => "*".into(),
            n => self
                .name
                .chars()
                .take(1)
                .chain(std::iter::repeat_n('*', n - 1))
                .collect(),
        };
        let address: String = self.address.chars().take(ADDRESS_SHOWN).collect();
        let address = if self.address.chars().count() > ADDRESS_SHOWN {
            format!("{address}****")
        } else {
            address
        };
        Receiver {
            name,
            phone: crate::account::mask_phone(&self.phone),
            address,
        }
    }

    fn fmt_fields(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field("name", &self.name)
            .field("phone", &self.phone)
            .field("address", &self.address)
            .finish()
    }

    /// Trims and checks each part; an all-empty receiver is none.
    fn check(mut self) -> Result<Option<Receiver>, InputError> {
        self.name = self.name.trim().to_owned();
        self.phone = self.phone.trim().to_owned();
        self.address = self.address.trim().to_owned();
        if self.name.is_empty() && self.phone.is_empty() && self.address.is_empty() {
            return Ok(None);
        }
        check_title("receiver name", &self.name, false)?;
        if self.phone.chars().count() > 32
            || !self
                .phone
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '*'))
        {
            return Err(InputError::new(
                ErrorCode::InvalidPhone,
                "the receiver's phone is digits, spaces, + and - (at most 32)",
            ));
        }
        if self.address.chars().count() > MAX_ADDRESS_CHARS
            || self.address.chars().any(char::is_control)
        {
            return Err(InputError::new(
                ErrorCode::BadText,
                format!("the address is at most {MAX_ADDRESS_CHARS} characters, on one line"),
            ));
        }
        Ok(Some(self))
    }
}

/// The part of an address agents see: the province and city, roughly.
const ADDRESS_SHOWN: usize = 6;
const MAX_ADDRESS_CHARS: usize = 200;

fn no_after_sale() -> AfterSaleStatus {
    AfterSaleStatus::None
}

/// A stored order. `partner` is set when one of its products is fulfilled by a third party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Order {
    pub id: Uuid,
    pub order_no: String,
    pub buyer_id: String,
    pub buyer_name: String,
    pub placed_at: i64,
    pub items: Vec<OrderItem>,
    pub total_fen: Money,
    pub paid_fen: Money,
    pub payment_status: PaymentStatus,
    pub shipping_status: ShippingStatus,
    pub after_sale_status: AfterSaleStatus,
    pub logistics_company: Option<String>,
    pub tracking_no: Option<String>,
    /// The receiver, masked: what agents see (issue #14).
    pub receiver_masked: Option<Receiver>,
    /// The receiver in clear: never serialized; only a partner hand-off reads it (CH-5).
    #[serde(skip)]
    pub receiver: Option<Receiver>,
    pub partner: Option<Partner>,
    pub updated_at: i64,
}

fn check_code(field: &str, code: &str) -> Result<(), InputError> {
    if code.is_empty()
        || code.len() > MAX_CODE_BYTES
        || code.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(InputError::new(
            ErrorCode::BadCode,
            format!("{field} must be 1 to {MAX_CODE_BYTES} bytes without spaces"),
        ));
    }
    Ok(())
}

fn check_title(field: &str, title: &str, required: bool) -> Result<(), InputError> {
    if required && title.trim().is_empty() {
        return Err(InputError::new(
            ErrorCode::MissingField,
            format!("{field} is required"),
        ));
    }
    if title.chars().count() > MAX_TITLE_CHARS || title.chars().any(char::is_control) {
        return Err(InputError::new(
            ErrorCode::BadText,
            format!("{field} must be at most {MAX_TITLE_CHARS} printable characters"),
        ));
    }
    Ok(())
}

fn check_amount(field: &str, amount: Money) -> Result<(), InputError> {
    // 100 million yuan: far above any order, far below overflow when summed.
    if !(0..=10_000_000_000).contains(&amount.fen()) {
        return Err(InputError::new(
            ErrorCode::BadAmount,
            format!("{field} must be between 0 and 100,000,000 yuan, in fen"),
        ));
    }
    Ok(())
}

impl ProductInput {
    /// Trims text and checks every field.
    pub fn check(mut self) -> Result<ProductInput, InputError> {
        self.code = self.code.trim().to_owned();
        self.title = self.title.trim().to_owned();
        self.category = self.category.trim().to_owned();
        check_code("code", &self.code)?;
        check_title("title", &self.title, true)?;
        check_title("category", &self.category, false)?;
        if self.skus.is_empty() || self.skus.len() > MAX_LINES {
            return Err(InputError::new(
                ErrorCode::BadSkus,
                format!("a product needs 1 to {MAX_LINES} SKUs"),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for sku in &mut self.skus {
            sku.code = sku.code.trim().to_owned();
            sku.name = sku.name.trim().to_owned();
            check_code("sku code", &sku.code)?;
            check_title("sku name", &sku.name, false)?;
            check_amount("sku price", sku.price_fen)?;
            if sku.stock < 0 {
                return Err(InputError::new(
                    ErrorCode::BadStock,
                    "stock cannot be negative",
                ));
            }
            if !seen.insert(sku.code.clone()) {
                return Err(InputError::new(
                    ErrorCode::DuplicateSku,
                    format!("SKU {} appears twice", sku.code),
                ));
            }
        }
        if let Some(partner) = &self.partner {
            check_title("partner name", &partner.name, true)?;
            check_url(&partner.handoff_url)?;
        }
        if let Some(url) = &self.image_url {
            check_url(url)?;
        }
        Ok(self)
    }
}

fn check_url(url: &str) -> Result<(), InputError> {
    let ok = (url.starts_with("https://") || url.starts_with("http://") || url.starts_with('/'))
        && url.len() <= 2048
        && !url.chars().any(|c| c.is_control() || c.is_whitespace());
    if ok {
        Ok(())
    } else {
        Err(InputError::new(
            ErrorCode::BadUrl,
            "links must be http(s) URLs or absolute paths",
        ))
    }
}

impl OrderInput {
    /// Trims text and checks every field, including that the items add up to no more than
    /// the total the shop charged before discounts.
    pub fn check(mut self) -> Result<OrderInput, InputError> {
        self.order_no = self.order_no.trim().to_owned();
        self.buyer_id = self.buyer_id.trim().to_owned();
        self.buyer_name = self.buyer_name.trim().to_owned();
        check_code("order_no", &self.order_no)?;
        if self.buyer_id.is_empty() || self.buyer_id.len() > 128 {
            return Err(InputError::new(
                ErrorCode::BadBuyer,
                "buyer_id must be 1 to 128 bytes",
            ));
        }
        check_title("buyer_name", &self.buyer_name, false)?;
        // 2000-01-01 to 2100-01-01.
        if !(946_684_800_000..=4_102_444_800_000).contains(&self.placed_at) {
            return Err(InputError::new(
                ErrorCode::BadTime,
                "placed_at must be a time between 2000 and 2100",
            ));
        }
        if self.items.is_empty() || self.items.len() > MAX_LINES {
            return Err(InputError::new(
                ErrorCode::BadItems,
                format!("an order needs 1 to {MAX_LINES} items"),
            ));
        }
        for item in &mut self.items {
            item.product_code = item.product_code.trim().to_owned();
            item.sku_code = item.sku_code.trim().to_owned();
            item.title = item.title.trim().to_owned();
            check_code("product_code", &item.product_code)?;
            check_code("sku_code", &item.sku_code)?;
            check_title("item title", &item.title, true)?;
            if !(1..=100_000).contains(&item.quantity) {
                return Err(InputError::new(
                    ErrorCode::BadQuantity,
                    "quantity must be 1 to 100000",
                ));
            }
            check_amount("unit price", item.unit_price_fen)?;
        }
        check_amount("total", self.total_fen)?;
        check_amount("paid", self.paid_fen)?;
        if self.paid_fen > self.total_fen {
            return Err(InputError::new(
                ErrorCode::BadAmount,
                "paid cannot exceed the total",
            ));
        }
        for text in [&mut self.logistics_company, &mut self.tracking_no] {
            if let Some(t) = text {
                *t = t.trim().to_owned();
                check_title("logistics", t, false)?;
            }
            if text.as_deref() == Some("") {
                *text = None;
            }
        }
        self.receiver = self
            .receiver
            .take()
            .map(Receiver::check)
            .transpose()?
            .flatten();
        Ok(self)
    }
}

/// What a conversation was opened about (CH-2): set from a signed entry token, recorded in
/// the event log so reports can split by entry, product, creator and live room.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EntryContext {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku_code: Option<String>,
    /// The live-stream room (直播间) the buyer came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room_title: Option<String>,
    /// The creator/KOL (达人) whose page sent the buyer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator_name: Option<String>,
}

impl EntryContext {
    pub fn is_empty(&self) -> bool {
        *self == EntryContext::default()
    }
}

/// An order card as a message carries it: a snapshot taken when it was sent, so the
/// conversation shows what both sides saw then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrderCard {
    pub order_no: String,
    pub placed_at: i64,
    pub items: Vec<OrderItem>,
    pub total_fen: Money,
    pub payment_status: PaymentStatus,
    pub shipping_status: ShippingStatus,
    pub after_sale_status: AfterSaleStatus,
    pub logistics_company: Option<String>,
    pub tracking_no: Option<String>,
}

impl From<&Order> for OrderCard {
    fn from(o: &Order) -> OrderCard {
        OrderCard {
            order_no: o.order_no.clone(),
            placed_at: o.placed_at,
            items: o.items.clone(),
            total_fen: o.total_fen,
            payment_status: o.payment_status,
            shipping_status: o.shipping_status,
            after_sale_status: o.after_sale_status,
            logistics_company: o.logistics_company.clone(),
            tracking_no: o.tracking_no.clone(),
        }
    }
}

/// A product card as a message carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProductCard {
    pub code: String,
    pub title: String,
    pub category: String,
    pub image_url: Option<String>,
    pub price_fen: Money,
    /// The SKU the buyer was looking at, when known.
    pub sku_code: Option<String>,
    pub sku_name: Option<String>,
    /// The live room it was presented in, when the buyer came from one.
    pub room_title: Option<String>,
}

impl ProductCard {
    pub fn of(p: &Product, sku_code: Option<&str>) -> ProductCard {
        let sku = sku_code.and_then(|code| p.skus.iter().find(|s| s.code == code));
        ProductCard {
            code: p.code.clone(),
            title: p.title.clone(),
            category: p.category.clone(),
            image_url: p.image_url.clone(),
            price_fen: sku.map_or(p.price_fen, |s| s.price_fen),
            sku_code: sku.map(|s| s.code.clone()),
            sku_name: sku.map(|s| s.name.clone()),
            room_title: None,
        }
    }
}

/// What a send of a card names; the server turns it into a snapshot from its own records,
/// so nobody can forge a card's contents.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CardRef {
    #[serde(default)]
    pub order_no: Option<String>,
    #[serde(default)]
    pub product_code: Option<String>,
    #[serde(default)]
    pub sku_code: Option<String>,
}

/// A case handed to an order's fulfilment partner (CH-5), with its deadline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HandoffCase {
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub order_no: String,
    pub partner_name: String,
    pub handoff_url: String,
    /// The order fields the partner received.
    #[schema(value_type = Object)]
    pub shared: serde_json::Value,
    pub note: String,
    /// `open` or `closed`.
    pub status: String,
    /// When the partner's answer is due, epoch ms.
    pub due_at: i64,
    pub created_by: Uuid,
    pub created_at: i64,
    pub closed_at: Option<i64>,
    /// What came of it, written when it is closed.
    pub resolution: String,
    /// The conversation's buyer, for lists of cases.
    pub buyer_name: String,
}

/// A note on a buyer that every agent of the shop sees (CH-6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BuyerNote {
    pub id: Uuid,
    pub buyer_id: Uuid,
    pub author_id: Uuid,
    pub author_name: String,
    pub body: String,
    pub created_at: i64,
}

/// The longest buyer note, in characters.
pub const MAX_NOTE_CHARS: usize = 1_000;

/// Working days a cross-platform case may take (CH-5: "+2–3 working days").
pub const HANDOFF_WORKING_DAYS: u32 = 3;

/// `at_ms` plus `days` working days (Monday to Friday) in a time zone `offset_hours` east of
/// UTC, keeping the time of day. Public holidays are not known here.
pub fn add_working_days(at_ms: i64, days: u32, offset_hours: i64) -> i64 {
    const DAY: i64 = 86_400_000;
    let mut t = at_ms;
    let mut left = days;
    while left > 0 {
        t += DAY;
        // 1970-01-01 was a Thursday: weekday 0 = Monday.
        let local_day = (t + offset_hours * 3_600_000).div_euclid(DAY);
        let weekday = (local_day + 3).rem_euclid(7);
        if weekday < 5 {
            left -= 1;
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order() -> OrderInput {
        OrderInput {
            order_no: " 2026112100001 ".into(),
            buyer_id: "m-1".into(),
            buyer_name: "小王".into(),
            placed_at: 1_763_700_000_000,
            items: vec![OrderItem {
                product_code: "TEA-1".into(),
                sku_code: "TEA-1-250".into(),
                title: "明前龙井 250g".into(),
                quantity: 2,
                unit_price_fen: Money::from_fen(12_800),
            }],
            total_fen: Money::from_fen(25_600),
            paid_fen: Money::from_fen(25_600),
            payment_status: PaymentStatus::Paid,
            shipping_status: ShippingStatus::Shipped,
            after_sale_status: AfterSaleStatus::None,
            logistics_company: Some("顺丰".into()),
            tracking_no: Some(" ".into()),
            receiver: Some(Receiver {
                name: " 王小明 ".into(),
                phone: "138 1234 5678".into(),
                address: "浙江省杭州市西湖区文三路 100 号".into(),
            }),
        }
    }

    /// Issue #14: agents see a receiver masked, and no log line prints it in clear.
    #[test]
    fn a_receiver_is_trimmed_checked_and_masked() {
        let o = order().check().unwrap();
        let receiver = o.receiver.unwrap();
        assert_eq!(receiver.name, "王小明");
        let masked = receiver.masked();
        assert_eq!(masked.name, "王**");
        assert_eq!(masked.phone, "138****5678");
        assert_eq!(masked.address, "浙江省杭州市****");
        let printed = format!("{receiver:?}");
        assert!(
            !printed.contains("5678 ") && !printed.contains("文三路"),
            "{printed}"
        );
        let mut o = order();
        o.receiver = Some(Receiver {
            name: String::new(),
            phone: " ".into(),
            address: String::new(),
        });
        assert_eq!(
            o.check().unwrap().receiver,
            None,
            "an empty receiver is none"
        );
        let mut o = order();
        o.receiver.as_mut().unwrap().phone = "call me".into();
        assert_eq!(o.check().unwrap_err().code, ErrorCode::InvalidPhone);
    }

    #[test]
    fn a_good_order_is_trimmed_and_blank_logistics_dropped() {
        let o = order().check().unwrap();
        assert_eq!(o.order_no, "2026112100001");
        assert_eq!(o.tracking_no, None);
        assert_eq!(o.logistics_company.as_deref(), Some("顺丰"));
    }

    #[test]
    fn bad_orders_say_why_with_a_stable_code() {
        let mut o = order();
        o.items.clear();
        assert_eq!(o.check().unwrap_err().code, ErrorCode::BadItems);
        let mut o = order();
        o.paid_fen = Money::from_fen(o.total_fen.fen() + 1);
        assert_eq!(o.check().unwrap_err().code, ErrorCode::BadAmount);
        let mut o = order();
        o.order_no = "has space".into();
        assert_eq!(o.check().unwrap_err().code, ErrorCode::BadCode);
        let mut o = order();
        o.items[0].quantity = 0;
        assert_eq!(o.check().unwrap_err().code, ErrorCode::BadQuantity);
        let mut o = order();
        o.placed_at = 5;
        assert_eq!(o.check().unwrap_err().code, ErrorCode::BadTime);
    }

    #[test]
    fn products_need_unique_skus_and_sane_links() {
        let product = ProductInput {
            code: "TEA-1".into(),
            title: "明前龙井".into(),
            category: "绿茶".into(),
            image_url: None,
            attributes: BTreeMap::new(),
            partner: None,
            skus: vec![
                SkuInput {
                    code: "A".into(),
                    name: "250g".into(),
                    price_fen: Money::from_fen(100),
                    stock: 1,
                },
                SkuInput {
                    code: "A".into(),
                    name: "500g".into(),
                    price_fen: Money::from_fen(200),
                    stock: 1,
                },
            ],
        };
        assert_eq!(
            product.clone().check().unwrap_err().code,
            ErrorCode::DuplicateSku
        );
        let mut p = product.clone();
        p.skus.pop();
        assert!(p.clone().check().is_ok());
        p.image_url = Some("javascript:alert(1)".into());
        assert_eq!(p.check().unwrap_err().code, ErrorCode::BadUrl);
    }

    #[test]
    fn working_days_skip_the_weekend() {
        // Friday 2026-11-20 10:00 in Shanghai (02:00 UTC) + 3 working days = Wednesday 25th.
        let friday = 1_795_140_000_000;
        assert_eq!(add_working_days(friday, 3, 8), friday + 5 * 86_400_000);
        // Monday + 3 = Thursday.
        let monday = friday + 3 * 86_400_000;
        assert_eq!(add_working_days(monday, 3, 8), monday + 3 * 86_400_000);
    }

    #[test]
    fn statuses_round_trip() {
        for s in PaymentStatus::ALL {
            assert_eq!(PaymentStatus::parse(s.as_str()), Some(*s));
        }
        for s in ShippingStatus::ALL {
            assert_eq!(ShippingStatus::parse(s.as_str()), Some(*s));
        }
        for s in AfterSaleStatus::ALL {
            assert_eq!(AfterSaleStatus::parse(s.as_str()), Some(*s));
        }
    }
}
