//! What sits beside a conversation (CH-2, CH-5): the buyer's orders and the product in
//! view, and handing an order over to its fulfilment partner.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_domain::account::{Buyer, TenantKind};
use kefu_domain::channel::Entry;
use kefu_domain::commerce::{
    BuyerNote, EntryContext, HANDOFF_WORKING_DAYS, HandoffCase, Order, OrderCard, Product,
    add_working_days,
};
use kefu_domain::conversation::ConversationSummary;
use kefu_domain::error_code::ErrorCode;
use kefu_domain::message::{MessageContent, MessageKind, SenderKind};
use kefu_domain::role::Permission;
use kefu_store::{AppendRequest, NewHandoff};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Agent;
use crate::desk::cards::{conversation_member, member_order};
use crate::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiJson, ApiPath};

/// An order as the agent's panel lists it, with the shop it is from.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShopOrder {
    #[serde(flatten)]
    pub order: Order,
    pub shop: ShopRef,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ShopRef {
    pub slug: String,
    pub name: String,
}

/// Everything the agent's side panel shows beside a conversation (CH-2, CH-6).
#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationContext {
    pub entry: Entry,
    pub context: EntryContext,
    pub buyer: Buyer,
    /// The shop's member id of the buyer; none for anonymous buyers.
    pub member_id: Option<String>,
    /// The order the conversation is about.
    pub order: Option<Order>,
    /// The product it is about.
    pub product: Option<Product>,
    /// The buyer's recent orders, newest first (on the platform's desk: in every shop).
    pub orders: Vec<ShopOrder>,
    /// The buyer's conversations here, newest first, this one included.
    pub conversations: Vec<ConversationSummary>,
    pub handoffs: Vec<HandoffCase>,
    /// Notes every agent of the shop sees, newest first.
    pub notes: Vec<BuyerNote>,
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}/context", tag = "commerce", params(("id" = Uuid, Path)),
    responses((status = 200, body = ConversationContext), (status = 404, body = ErrorBody)))]
pub async fn conversation_context(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<ConversationContext>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    let tenant_id = agent.tenant_id();
    let conversation = state
        .store
        .conversation(tenant_id, id)
        .await?
        .ok_or(ErrorCode::ConversationNotFound)?;
    let (buyer, member) = conversation_member(&state, &conversation).await?;
    let here = state
        .store
        .tenant(tenant_id)
        .await?
        .ok_or(ErrorCode::ShopNotFound)?;
    let mut shops: std::collections::HashMap<Uuid, ShopRef> = std::collections::HashMap::new();
    shops.insert(
        here.id,
        ShopRef {
            slug: here.slug.clone(),
            name: here.name.clone(),
        },
    );
    let orders: Vec<(Uuid, Order)> = match &member {
        None => vec![],
        Some(member) if here.kind == TenantKind::Platform => {
            state.store.orders_of_member_everywhere(member, 20).await?
        }
        Some(member) => state
            .store
            .orders_of_member(tenant_id, member, 20)
            .await?
            .into_iter()
            .map(|o| (tenant_id, o))
            .collect(),
    };
    let mut listed = vec![];
    for (shop_id, order) in orders {
        if !shops.contains_key(&shop_id)
            && let Some(t) = state.store.tenant(shop_id).await?
        {
            shops.insert(
                shop_id,
                ShopRef {
                    slug: t.slug,
                    name: t.name,
                },
            );
        }
        if let Some(shop) = shops.get(&shop_id) {
            listed.push(ShopOrder {
                order,
                shop: shop.clone(),
            });
        }
    }
    let order = match &conversation.context.order_no {
        Some(order_no) => member_order(&state, tenant_id, member.as_deref(), order_no)
            .await
            .ok(),
        None => None,
    };
    let product = match &conversation.context.product_code {
        Some(code) => state.store.product(tenant_id, code).await?,
        None => None,
    };
    let conversations = state
        .store
        .conversations_of_buyer(tenant_id, buyer.id, 10)
        .await?;
    let handoffs = state.store.handoffs(tenant_id, id).await?;
    let notes = state.store.buyer_notes(tenant_id, buyer.id).await?;
    Ok(Json(ConversationContext {
        entry: conversation.entry,
        context: conversation.context.clone(),
        buyer,
        member_id: member,
        order,
        product,
        orders: listed,
        conversations,
        handoffs,
        notes,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct HandoffRequest {
    pub order_no: String,
    /// For the partner and the team; at most 500 characters.
    #[serde(default)]
    pub note: String,
}

/// Hands the buyer's order over to its fulfilment partner (CH-5): a tracked case due in
/// three working days, a line in the event log, and a notice in the conversation.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/handoffs", tag = "commerce", params(("id" = Uuid, Path)), request_body = HandoffRequest,
    responses((status = 201, body = HandoffCase), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn hand_off(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<HandoffRequest>,
) -> Result<(StatusCode, Json<HandoffCase>), ApiError> {
    agent.require(Permission::ConversationReply)?;
    if request.note.chars().count() > 500 {
        return Err(ApiError::new(
            ErrorCode::NoteTooLong,
            "a note is at most 500 characters",
        ));
    }
    let tenant_id = agent.tenant_id();
    let conversation = state
        .store
        .conversation(tenant_id, id)
        .await?
        .ok_or(ErrorCode::ConversationNotFound)?;
    let (_, member) = conversation_member(&state, &conversation).await?;
    let order = member_order(
        &state,
        tenant_id,
        member.as_deref(),
        request.order_no.trim(),
    )
    .await?;
    let partner = order
        .partner
        .clone()
        .ok_or_else(|| ApiError::new(ErrorCode::NoPartner, "the shop fulfils this order itself"))?;
    let card = serde_json::to_value(OrderCard::from(&order))
        .map_err(|e| ApiError::Internal(format!("card: {e}")))?;
    // Only the fields the partner is meant to receive. The receiver's are recorded masked,
    // as agents see them (issue #14); the order keeps them sealed in full.
    let receiver = order.receiver_masked.as_ref();
    let shared: serde_json::Map<String, serde_json::Value> = partner
        .shared_fields
        .iter()
        .filter_map(|field| match field.as_str() {
            "buyer_name" => Some((field.clone(), order.buyer_name.clone().into())),
            "receiver_name" => receiver.map(|r| (field.clone(), r.name.clone().into())),
            "phone" => receiver.map(|r| (field.clone(), r.phone.clone().into())),
            "address" => receiver.map(|r| (field.clone(), r.address.clone().into())),
            _ => card.get(field).map(|v| (field.clone(), v.clone())),
        })
        .collect();
    let due_at = add_working_days(kefu_domain::time::now_ms(), HANDOFF_WORKING_DAYS, 8);
    let case = state
        .store
        .create_handoff(&NewHandoff {
            tenant_id,
            conversation_id: id,
            order_no: &order.order_no,
            partner: &partner,
            shared: serde_json::Value::Object(shared),
            note: request.note.trim(),
            due_at,
            created_by: agent.user.id,
        })
        .await?;
    let notice = format!(
        "订单 {} 已转交 {} 处理，预计 {} 个工作日内答复。",
        order.order_no, partner.name, HANDOFF_WORKING_DAYS
    );
    state
        .writer
        .append(AppendRequest {
            tenant_id,
            conversation_id: id,
            sender_kind: SenderKind::System,
            sender_id: None,
            sender_name: "系统".to_owned(),
            client_msg_id: Some(format!("handoff-{}", case.id)),
            content: MessageContent::parse(MessageKind::Text, &notice, None)?,
            external_id: None,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(case)))
}
