//! Row shapes as both backends return them, and their checked conversion to domain types.
//! Ids are stored as UUID text and enums as snake_case text; anything else is `Corrupt`.

use kefu_domain::account::{AgentStatus, Buyer, Tenant, TenantKind, User, mask_phone};
use kefu_domain::channel::{Channel, Entry};
use kefu_domain::commerce::{
    AfterSaleStatus, BuyerNote, HandoffCase, Order, PaymentStatus, Product, Receiver,
    ShippingStatus,
};
use kefu_domain::conversation::{
    ConversationEvent, ConversationStatus, ConversationSummary, EventKind,
};
use kefu_domain::guard::{
    Approval, ApprovalKind, ApprovalStatus, AuditEntry, Grant, PermissionGroup,
};
use kefu_domain::message::{Attachment, Message, MessageKind, SenderKind};
use kefu_domain::money::Money;
use kefu_domain::role::{Permission, Role};
use uuid::Uuid;

use crate::{Field, StoreError, Vault};

pub(crate) fn uuid(s: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(s).map_err(|_| StoreError::Corrupt(format!("bad uuid `{s}`")))
}

pub(crate) fn opt_uuid(s: Option<&str>) -> Result<Option<Uuid>, StoreError> {
    s.map(uuid).transpose()
}

pub(crate) fn parsed<T>(
    value: &str,
    parse: fn(&str) -> Option<T>,
    what: &str,
) -> Result<T, StoreError> {
    parse(value).ok_or_else(|| StoreError::Corrupt(format!("bad {what} `{value}`")))
}

pub(crate) fn json<T: serde::de::DeserializeOwned>(
    value: &str,
    what: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(value).map_err(|e| StoreError::Corrupt(format!("bad {what}: {e}")))
}

#[derive(sqlx::FromRow)]
pub(crate) struct TenantRow {
    pub id: String,
    pub kind: String,
    pub slug: String,
    pub name: String,
    pub timezone: String,
}

impl TryFrom<TenantRow> for Tenant {
    type Error = StoreError;
    fn try_from(r: TenantRow) -> Result<Tenant, StoreError> {
        Ok(Tenant {
            id: uuid(&r.id)?,
            kind: parsed(&r.kind, TenantKind::parse, "tenant kind")?,
            slug: r.slug,
            name: r.name,
            timezone: r.timezone,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    pub id: String,
    pub tenant_id: String,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub team: Option<String>,
    pub status: String,
    pub phone: Option<String>,
    pub probation_until: Option<i64>,
    pub disabled: bool,
    pub phone_verified_at: Option<i64>,
    pub break_reason: Option<String>,
    pub break_until: Option<i64>,
    pub max_concurrent: i64,
}

impl UserRow {
    /// The account, its phone number opened with `vault`.
    pub fn open(self, vault: &Vault) -> Result<User, StoreError> {
        let r = self;
        let phone = vault.open_opt(Field::UserPhone, &r.id, r.phone.as_deref())?;
        Ok(User {
            id: uuid(&r.id)?,
            tenant_id: uuid(&r.tenant_id)?,
            username: r.username,
            display_name: r.display_name,
            role: parsed(&r.role, Role::parse, "role")?,
            team: r.team,
            status: parsed(&r.status, AgentStatus::parse, "agent status")?,
            phone_masked: phone.as_deref().map(mask_phone),
            phone,
            probation_until: r.probation_until,
            disabled: r.disabled,
            phone_verified: r.phone_verified_at.is_some(),
            break_reason: r.break_reason,
            break_until: r.break_until,
            max_concurrent: r.max_concurrent,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct BuyerRow {
    pub id: String,
    pub tenant_id: String,
    pub channel: String,
    pub external_id: String,
    pub display_name: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub vip_level: i64,
}

impl TryFrom<BuyerRow> for Buyer {
    type Error = StoreError;
    fn try_from(r: BuyerRow) -> Result<Buyer, StoreError> {
        Ok(Buyer {
            id: uuid(&r.id)?,
            tenant_id: uuid(&r.tenant_id)?,
            channel: parsed(&r.channel, Channel::parse, "channel")?,
            external_id: r.external_id,
            display_name: r.display_name,
            created_at: r.created_at,
            last_seen_at: r.last_seen_at,
            vip_level: u8::try_from(r.vip_level.clamp(0, 9)).unwrap_or(0),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ConversationRow {
    pub id: String,
    pub tenant_id: String,
    pub buyer_id: String,
    pub buyer_name: String,
    pub channel: String,
    pub entry: String,
    pub status: String,
    pub assignee_id: Option<String>,
    pub assignee_name: Option<String>,
    pub last_seq: i64,
    pub last_message_preview: String,
    pub last_message_at: i64,
    pub unread_count: i64,
    pub agent_read_seq: i64,
    pub buyer_read_seq: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub context: String,
    pub tags: String,
    pub team: Option<String>,
    pub last_buyer_message_at: Option<i64>,
    pub awaiting_reply: bool,
    pub robot_active: bool,
    pub up_for_grabs: bool,
}

impl TryFrom<ConversationRow> for ConversationSummary {
    type Error = StoreError;
    fn try_from(r: ConversationRow) -> Result<ConversationSummary, StoreError> {
        Ok(ConversationSummary {
            id: uuid(&r.id)?,
            tenant_id: uuid(&r.tenant_id)?,
            buyer_id: uuid(&r.buyer_id)?,
            buyer_name: r.buyer_name,
            channel: parsed(&r.channel, Channel::parse, "channel")?,
            entry: parsed(&r.entry, Entry::parse, "entry")?,
            status: parsed(&r.status, ConversationStatus::parse, "status")?,
            assignee_id: opt_uuid(r.assignee_id.as_deref())?,
            assignee_name: r.assignee_name,
            last_seq: r.last_seq,
            last_message_preview: r.last_message_preview,
            last_message_at: r.last_message_at,
            unread_count: r.unread_count,
            agent_read_seq: r.agent_read_seq,
            buyer_read_seq: r.buyer_read_seq,
            created_at: r.created_at,
            updated_at: r.updated_at,
            context: json(&r.context, "conversation context")?,
            tags: json(&r.tags, "conversation tags")?,
            team: r.team,
            awaiting_reply: r.awaiting_reply,
            robot_active: r.robot_active,
            up_for_grabs: r.up_for_grabs,
            last_buyer_message_at: r.last_buyer_message_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct MessageRow {
    pub id: String,
    pub conversation_id: String,
    pub seq: i64,
    pub sender_kind: String,
    pub sender_id: Option<String>,
    pub sender_name: String,
    pub client_msg_id: Option<String>,
    pub kind: String,
    pub body: String,
    pub created_at: i64,
    pub attachment_id: Option<String>,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub size_bytes: Option<i64>,
}

impl TryFrom<MessageRow> for Message {
    type Error = StoreError;
    fn try_from(r: MessageRow) -> Result<Message, StoreError> {
        let attachment = match r.attachment_id.as_deref() {
            Some(id) => Some(Attachment {
                id: uuid(id)?,
                file_name: r.file_name.unwrap_or_default(),
                content_type: r.content_type.unwrap_or_default(),
                size_bytes: r.size_bytes.unwrap_or_default(),
                url: String::new(),
            }),
            None => None,
        };
        Ok(Message {
            id: uuid(&r.id)?,
            conversation_id: uuid(&r.conversation_id)?,
            seq: r.seq,
            sender_kind: parsed(&r.sender_kind, SenderKind::parse, "sender kind")?,
            sender_id: opt_uuid(r.sender_id.as_deref())?,
            sender_name: r.sender_name,
            client_msg_id: r.client_msg_id,
            kind: parsed(&r.kind, MessageKind::parse, "message kind")?,
            body: r.body,
            attachment,
            created_at: r.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct EventRow {
    pub id: i64,
    pub conversation_id: String,
    pub kind: String,
    pub actor_kind: String,
    pub actor_id: Option<String>,
    pub message_seq: Option<i64>,
    pub data: String,
    pub at: i64,
}

impl TryFrom<EventRow> for ConversationEvent {
    type Error = StoreError;
    fn try_from(r: EventRow) -> Result<ConversationEvent, StoreError> {
        Ok(ConversationEvent {
            id: r.id,
            conversation_id: uuid(&r.conversation_id)?,
            kind: parsed(&r.kind, EventKind::parse, "event kind")?,
            actor_kind: parsed(&r.actor_kind, SenderKind::parse, "actor kind")?,
            actor_id: opt_uuid(r.actor_id.as_deref())?,
            message_seq: r.message_seq,
            data: serde_json::from_str(&r.data)
                .map_err(|e| StoreError::Corrupt(format!("bad event data: {e}")))?,
            at: r.at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AttachmentRow {
    pub id: String,
    pub tenant_id: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub storage_key: String,
}

#[derive(sqlx::FromRow)]
pub(crate) struct ProductRow {
    pub id: String,
    pub code: String,
    pub title: String,
    pub category: String,
    pub image_url: Option<String>,
    pub attributes: String,
    pub partner: Option<String>,
    pub skus: String,
    pub price_fen: i64,
    pub stock: i64,
    pub updated_at: i64,
}

impl TryFrom<ProductRow> for Product {
    type Error = StoreError;
    fn try_from(r: ProductRow) -> Result<Product, StoreError> {
        Ok(Product {
            id: uuid(&r.id)?,
            code: r.code,
            title: r.title,
            category: r.category,
            image_url: r.image_url,
            attributes: json(&r.attributes, "product attributes")?,
            partner: r
                .partner
                .as_deref()
                .map(|p| json(p, "product partner"))
                .transpose()?,
            skus: json(&r.skus, "product skus")?,
            price_fen: Money::from_fen(r.price_fen),
            stock: r.stock,
            updated_at: r.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct OrderRow {
    pub id: String,
    pub tenant_id: String,
    pub order_no: String,
    pub buyer_id: String,
    pub buyer_name: String,
    pub placed_at: i64,
    pub items: String,
    pub total_fen: i64,
    pub paid_fen: i64,
    pub payment_status: String,
    pub shipping_status: String,
    pub after_sale_status: String,
    pub logistics_company: Option<String>,
    pub tracking_no: Option<String>,
    pub receiver: Option<String>,
    pub updated_at: i64,
}

impl OrderRow {
    /// The order, its receiver opened with `vault`.
    pub fn open(self, vault: &Vault) -> Result<Order, StoreError> {
        let r = self;
        let receiver: Option<Receiver> = vault
            .open_opt(Field::OrderReceiver, &r.id, r.receiver.as_deref())?
            .map(|text| json(&text, "order receiver"))
            .transpose()?;
        Ok(Order {
            id: uuid(&r.id)?,
            order_no: r.order_no,
            buyer_id: r.buyer_id,
            buyer_name: r.buyer_name,
            placed_at: r.placed_at,
            items: json(&r.items, "order items")?,
            total_fen: Money::from_fen(r.total_fen),
            paid_fen: Money::from_fen(r.paid_fen),
            payment_status: parsed(&r.payment_status, PaymentStatus::parse, "payment status")?,
            shipping_status: parsed(&r.shipping_status, ShippingStatus::parse, "shipping status")?,
            after_sale_status: parsed(
                &r.after_sale_status,
                AfterSaleStatus::parse,
                "after-sale status",
            )?,
            logistics_company: r.logistics_company,
            tracking_no: r.tracking_no,
            receiver_masked: receiver.as_ref().map(Receiver::masked),
            receiver,
            partner: None,
            updated_at: r.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct HandoffRow {
    pub id: String,
    pub conversation_id: String,
    pub order_no: String,
    pub partner_name: String,
    pub handoff_url: String,
    pub shared: String,
    pub note: String,
    pub status: String,
    pub due_at: i64,
    pub created_by: String,
    pub created_at: i64,
    pub closed_at: Option<i64>,
    pub resolution: String,
    pub buyer_name: String,
}

impl TryFrom<HandoffRow> for HandoffCase {
    type Error = StoreError;
    fn try_from(r: HandoffRow) -> Result<HandoffCase, StoreError> {
        Ok(HandoffCase {
            id: uuid(&r.id)?,
            conversation_id: uuid(&r.conversation_id)?,
            order_no: r.order_no,
            partner_name: r.partner_name,
            handoff_url: r.handoff_url,
            shared: json(&r.shared, "handoff shared data")?,
            note: r.note,
            status: r.status,
            due_at: r.due_at,
            created_by: uuid(&r.created_by)?,
            created_at: r.created_at,
            closed_at: r.closed_at,
            resolution: r.resolution,
            buyer_name: r.buyer_name,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct NoteRow {
    pub id: String,
    pub buyer_id: String,
    pub author_id: String,
    pub author_name: String,
    pub body: String,
    pub created_at: i64,
}

impl TryFrom<NoteRow> for BuyerNote {
    type Error = StoreError;
    fn try_from(r: NoteRow) -> Result<BuyerNote, StoreError> {
        Ok(BuyerNote {
            id: uuid(&r.id)?,
            buyer_id: uuid(&r.buyer_id)?,
            author_id: uuid(&r.author_id)?,
            author_name: r.author_name,
            body: r.body,
            created_at: r.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct GroupRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub permissions: String,
    pub created_at: i64,
}

impl TryFrom<GroupRow> for PermissionGroup {
    type Error = StoreError;
    fn try_from(r: GroupRow) -> Result<PermissionGroup, StoreError> {
        let names: Vec<String> = json(&r.permissions, "group permissions")?;
        Ok(PermissionGroup {
            id: uuid(&r.id)?,
            name: r.name,
            description: r.description,
            permissions: names.iter().filter_map(|n| Permission::parse(n)).collect(),
            created_at: r.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct GrantRow {
    pub group_id: String,
    pub group_name: String,
    pub user_id: String,
    pub granted_by: String,
    pub granted_at: i64,
    pub expires_at: Option<i64>,
}

impl TryFrom<GrantRow> for Grant {
    type Error = StoreError;
    fn try_from(r: GrantRow) -> Result<Grant, StoreError> {
        Ok(Grant {
            group_id: uuid(&r.group_id)?,
            group_name: r.group_name,
            user_id: uuid(&r.user_id)?,
            granted_by: uuid(&r.granted_by)?,
            granted_at: r.granted_at,
            expires_at: r.expires_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ApprovalRow {
    pub id: String,
    pub kind: String,
    pub conversation_id: Option<String>,
    pub order_no: String,
    pub amount_fen: Option<i64>,
    pub payload: String,
    pub reason: String,
    pub requested_by: String,
    pub requested_by_name: String,
    pub requested_at: i64,
    pub status: String,
    pub decided_by: Option<String>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<i64>,
    pub decision_reason: String,
    pub executed_at: Option<i64>,
}

impl TryFrom<ApprovalRow> for Approval {
    type Error = StoreError;
    fn try_from(r: ApprovalRow) -> Result<Approval, StoreError> {
        Ok(Approval {
            id: uuid(&r.id)?,
            kind: parsed(&r.kind, ApprovalKind::parse, "approval kind")?,
            conversation_id: opt_uuid(r.conversation_id.as_deref())?,
            order_no: r.order_no,
            amount_fen: r.amount_fen.map(Money::from_fen),
            payload: json(&r.payload, "approval payload")?,
            reason: r.reason,
            requested_by: uuid(&r.requested_by)?,
            requested_by_name: r.requested_by_name,
            requested_at: r.requested_at,
            status: parsed(&r.status, ApprovalStatus::parse, "approval status")?,
            decided_by: opt_uuid(r.decided_by.as_deref())?,
            decided_by_name: r.decided_by_name,
            decided_at: r.decided_at,
            decision_reason: r.decision_reason,
            executed_at: r.executed_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AuditRow {
    pub seq: i64,
    pub at: i64,
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub action: String,
    pub target: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl TryFrom<AuditRow> for AuditEntry {
    type Error = StoreError;
    fn try_from(r: AuditRow) -> Result<AuditEntry, StoreError> {
        Ok(AuditEntry {
            seq: r.seq,
            at: r.at,
            actor_id: opt_uuid(r.actor_id.as_deref())?,
            actor_name: r.actor_name,
            action: r.action,
            target: r.target,
            detail: json(&r.detail, "audit detail")?,
            prev_hash: r.prev_hash,
            hash: r.hash,
        })
    }
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("encoding: {e}")))
}
