//! Order and product cards (CH-2, CH-6): a card send names an order or a product, and the
//! desk stores its own snapshot. An order is shown only to the buyer it belongs to (the
//! member id a shop vouched for); on the platform's desk, that buyer's orders in every shop.

use kefu_domain::account::{Buyer, TenantKind};
use kefu_domain::commerce::{Order, OrderCard, ProductCard};
use kefu_domain::conversation::ConversationSummary;
use kefu_domain::error_code::ErrorCode;
use kefu_domain::message::{MessageContent, MessageKind};
use serde::Serialize;
use uuid::Uuid;

use crate::AppState;
use crate::error::ApiError;

/// The member id behind a buyer the shop vouched for (`member:<id>`); anonymous buyers have
/// none and see no orders.
pub fn member_of(buyer: &Buyer) -> Option<&str> {
    buyer.external_id.strip_prefix("member:")
}

/// Turns a card send (`{"order_no"}` / `{"product_code", "sku_code"}`) into a snapshot from
/// kefu's own records. Only orders of `member` (the conversation's buyer) may be shown; on
/// the platform's desk, their orders in every shop.
pub async fn resolve_card(
    state: &AppState,
    tenant_id: Uuid,
    member: Option<&str>,
    content: MessageContent,
    room_title: Option<String>,
) -> Result<MessageContent, ApiError> {
    let Some(card) = content.card_ref() else {
        return Ok(content);
    };
    let body = match content.kind {
        MessageKind::OrderCard => {
            let order_no = card.order_no.as_deref().unwrap_or_default();
            let order = member_order(state, tenant_id, member, order_no).await?;
            to_body(&OrderCard::from(&order))?
        }
        _ => {
            let code = card.product_code.as_deref().unwrap_or_default();
            let product = state
                .store
                .product(tenant_id, code)
                .await?
                .ok_or(ErrorCode::ProductNotFound)?;
            let mut snapshot = ProductCard::of(&product, card.sku_code.as_deref());
            snapshot.room_title = room_title;
            to_body(&snapshot)?
        }
    };
    Ok(MessageContent { body, ..content })
}

fn to_body<T: Serialize>(card: &T) -> Result<String, ApiError> {
    serde_json::to_string(card).map_err(|e| ApiError::Internal(format!("card: {e}")))
}

/// An order of `member`: in this shop, or on the platform's desk in any shop. Anyone else's
/// order is "not found", so order numbers cannot be probed.
pub async fn member_order(
    state: &AppState,
    tenant_id: Uuid,
    member: Option<&str>,
    order_no: &str,
) -> Result<Order, ApiError> {
    let member = member.ok_or(ErrorCode::OrderNotFound)?;
    let platform = is_platform(state, tenant_id).await?;
    let order = if platform {
        state
            .store
            .orders_of_member_everywhere(member, 200)
            .await?
            .into_iter()
            .map(|(_, o)| o)
            .find(|o| o.order_no == order_no)
    } else {
        state.store.order(tenant_id, order_no).await?
    };
    order
        .filter(|o| o.buyer_id == member)
        .ok_or_else(|| ErrorCode::OrderNotFound.into())
}

/// Checks the order an entry link names: the shop signed the link, so saying whose order it
/// is instead leaks nothing; a link naming someone else's order is a shop bug to surface.
pub async fn check_entry_order(
    state: &AppState,
    tenant_id: Uuid,
    member: &str,
    order_no: &str,
) -> Result<(), ApiError> {
    let order = if is_platform(state, tenant_id).await? {
        let mine = state
            .store
            .orders_of_member_everywhere(member, 200)
            .await?
            .into_iter()
            .any(|(_, o)| o.order_no == order_no);
        if mine {
            return Ok(());
        }
        None
    } else {
        state.store.order(tenant_id, order_no).await?
    };
    match order {
        Some(o) if o.buyer_id == member => Ok(()),
        Some(_) => Err(ApiError::new(
            ErrorCode::OrderNotYours,
            "the entry names an order of another buyer",
        )),
        None => Err(ErrorCode::OrderNotFound.into()),
    }
}

pub async fn is_platform(state: &AppState, tenant_id: Uuid) -> Result<bool, ApiError> {
    Ok(state
        .store
        .tenant(tenant_id)
        .await?
        .is_some_and(|t| t.kind == TenantKind::Platform))
}

/// The member id of a conversation's buyer.
pub async fn conversation_member(
    state: &AppState,
    conversation: &ConversationSummary,
) -> Result<(Buyer, Option<String>), ApiError> {
    let buyer = state
        .store
        .buyer(conversation.tenant_id, conversation.buyer_id)
        .await?
        .ok_or(ErrorCode::BuyerNotFound)?;
    let member = member_of(&buyer).map(str::to_owned);
    Ok((buyer, member))
}
