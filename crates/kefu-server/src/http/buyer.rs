//! `/buyer`: the buyer's side of the API (chat page and widget): starting a session, with a
//! shop's identity or entry link, the buyer's messages, and the buyer's own orders.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_domain::account::Buyer;
use kefu_domain::channel::{Channel, Entry};
use kefu_domain::commerce::{EntryContext, Order};
use kefu_domain::conversation::ConversationStatus;
use kefu_domain::error_code::ErrorCode;
use kefu_domain::message::Message;
use kefu_domain::session::{EntryLink, Member, SessionStart, tail};
use kefu_domain::time::now_ms;
use serde::{Deserialize, Serialize};
use sha2::Digest;
use utoipa::ToSchema;
use uuid::Uuid;

use super::shops::ShopInfo;
use crate::AppState;
use crate::auth::{self, BuyerCaller, BuyerClaims};
use crate::desk::cards;
use crate::desk::cards::{is_platform, member_of};
use crate::desk::inbound::{self, SendMessage};
use crate::error::{ApiError, ErrorBody};
use crate::http::conversations::{MessageList, MessagesQuery, message_page};
use crate::http::extract::{ApiJson, ApiQuery};

#[derive(Debug, Deserialize, ToSchema)]
pub struct BuyerSessionRequest {
    /// The shop's slug.
    pub shop: String,
    /// A token from an earlier session on this device: the same buyer comes back.
    #[serde(default)]
    pub buyer_token: Option<String>,
    /// A JWT (HS256) signed by the shop with its identity secret: `sub` = the shop's member
    /// id, optional `name`, `exp`. The same member is the same buyer on every device.
    #[serde(default)]
    pub identity: Option<String>,
    /// An entry token (HS256, the shop's identity secret; `docs/entry-links.md`): where the
    /// buyer came from and what about (order, product, live room, creator). Its `sub`, when
    /// set, identifies the buyer like `identity`.
    #[serde(default)]
    pub entry: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BuyerSession {
    pub buyer_token: String,
    pub buyer: Buyer,
    pub shop: ShopInfo,
    pub conversation_id: Option<Uuid>,
    /// The door this session came through.
    pub entry: Entry,
    /// What the current conversation is about, when it came through an entry with context.
    pub context: Option<EntryContext>,
}

/// Starts or resumes a buyer's chat session.
#[utoipa::path(post, path = "/api/v1/buyer/session", tag = "buyer", request_body = BuyerSessionRequest,
    responses((status = 200, body = BuyerSession), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "`order_not_yours`: the entry link names another buyer's order"),
        (status = 404, body = ErrorBody)))]
pub async fn start_session(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<BuyerSessionRequest>,
) -> Result<Json<BuyerSession>, ApiError> {
    let tenant = state
        .store
        .tenant_by_slug(&request.shop)
        .await?
        .ok_or(ErrorCode::ShopNotFound)?;
    // CH-2: during a rotation's grace, the secret before the current one still verifies.
    let secrets = match request.identity.is_some() || request.entry.is_some() {
        true => Some(
            state
                .store
                .identity_secrets(tenant.id)
                .await?
                .ok_or(ErrorCode::ShopNotFound)?,
        ),
        false => None,
    };
    let now = now_ms();
    let secrets = || secrets.iter().flat_map(|s| s.accepted(now));
    let link = match request.entry.as_deref() {
        Some(token) => {
            let claims = secrets()
                .find_map(|secret| auth::verify_entry_token(token, secret))
                .ok_or_else(|| {
                    ApiError::new(
                        ErrorCode::InvalidEntry,
                        "the entry link is not valid: wrong signature, expired, or malformed",
                    )
                })?;
            Some((
                claims,
                hex::encode(&sha2::Sha256::digest(token.as_bytes())[..12]),
            ))
        }
        None => None,
    };
    let link_id = link.as_ref().map(|(_, id)| id.clone());
    let link = link.map(|(claims, _)| EntryLink {
        entry: claims.entry,
        member: claims.sub.map(|id| Member {
            keys: kefu_domain::profile::BuyerKey::member(&id)
                .into_iter()
                .collect(),
            id,
            name: claims.name,
            vip: claims.vip,
        }),
        context: claims.context,
    });
    // The shop's identity token counts only when the link names nobody.
    let identity = match request.identity.as_deref() {
        Some(token) if link.as_ref().is_none_or(|l| l.member.is_none()) => {
            let identity = secrets()
                .find_map(|secret| auth::verify_shop_identity(token, secret))
                .ok_or_else(|| {
                    ApiError::new(
                        ErrorCode::InvalidIdentity,
                        "the shop identity token is not valid",
                    )
                })?;
            Some(Member {
                keys: identity.keys(),
                id: identity.sub,
                name: identity.name,
                vip: identity.vip,
            })
        }
        _ => None,
    };
    let start = SessionStart::parse(tenant.kind, link, identity)?;
    let entry = start.entry;
    if let Some(context) = &start.context {
        if let (Some(order_no), Some(member)) = (&context.order_no, &start.member) {
            cards::check_entry_order(&state, tenant.id, &member.id, order_no).await?;
        }
        if let Some(code) = &context.product_code
            && state.store.product(tenant.id, code).await?.is_none()
        {
            return Err(ErrorCode::ProductNotFound.into());
        }
    }
    let returning = request
        .buyer_token
        .as_deref()
        .and_then(|t| state.keys.verify_buyer_token(t))
        .filter(|claims| claims.tenant == tenant.id);
    let buyer = if let Some(member) = &start.member {
        let mut buyer = state
            .store
            .upsert_buyer(
                tenant.id,
                Channel::Web,
                &format!("member:{}", member.id),
                &member.display_name(),
            )
            .await?;
        // The shop's word on the member's level is the latest one it signed.
        if let Some(vip) = member.vip_level()
            && vip != buyer.vip_level
        {
            state.store.set_buyer_vip(tenant.id, buyer.id, vip).await?;
            buyer.vip_level = vip;
        }
        crate::desk::profiles::link(&state, &buyer, member.keys.clone()).await;
        buyer
    } else if let Some(existing) = match &returning {
        Some(claims) => state.store.buyer(tenant.id, claims.sub).await?,
        None => None,
    } {
        state
            .store
            .upsert_buyer(
                tenant.id,
                existing.channel,
                &existing.external_id,
                &existing.display_name,
            )
            .await?
    } else {
        let anon = Uuid::new_v4();
        let name = format!("访客{}", tail(&anon.simple().to_string()).to_uppercase());
        state
            .store
            .upsert_buyer(tenant.id, Channel::Web, &format!("anon:{anon}"), &name)
            .await?
    };
    let mut current = state
        .store
        .current_conversation(tenant.id, buyer.id)
        .await?;
    if let (Some(context), Some(link_id)) = (&start.context, &link_id) {
        current = Some(inbound::open_with_context(&state, &buyer, entry, context, link_id).await?);
    }
    let conversation_id = current.as_ref().map(|c| c.id);
    let context = current.map(|c| c.context).filter(|c| !c.is_empty());
    let buyer_token = state
        .keys
        .issue_buyer_token(&BuyerClaims::new(tenant.id, buyer.id, entry))?;
    Ok(Json(BuyerSession {
        buyer_token,
        buyer,
        shop: ShopInfo {
            service: crate::desk::service::status(&state, tenant.id)
                .await?
                .as_ref()
                .clone(),
            slug: tenant.slug,
            name: tenant.name,
            kind: tenant.kind,
        },
        conversation_id,
        entry,
        context,
    }))
}

async fn caller_buyer(state: &AppState, caller: &BuyerCaller) -> Result<Buyer, ApiError> {
    state
        .store
        .buyer(caller.claims.tenant, caller.claims.sub)
        .await?
        .ok_or_else(|| ErrorCode::Unauthenticated.into())
}

/// The buyer's conversation history (empty before their first message).
#[utoipa::path(get, operation_id = "buyer_messages", path = "/api/v1/buyer/messages", tag = "buyer", params(MessagesQuery),
    responses((status = 200, body = MessageList), (status = 401, body = ErrorBody)))]
pub async fn messages(
    State(state): State<AppState>,
    caller: BuyerCaller,
    ApiQuery(query): ApiQuery<MessagesQuery>,
) -> Result<Json<MessageList>, ApiError> {
    let buyer = caller_buyer(&state, &caller).await?;
    match state
        .store
        .current_conversation(buyer.tenant_id, buyer.id)
        .await?
    {
        Some(c) => Ok(Json(
            message_page(&state, buyer.tenant_id, c.id, &query).await?,
        )),
        None => Ok(Json(MessageList { messages: vec![] })),
    }
}

/// Sends a message over HTTP (the WebSocket `send` frame is the usual way).
#[utoipa::path(post, operation_id = "buyer_send", path = "/api/v1/buyer/messages", tag = "buyer", request_body = SendMessage,
    responses((status = 201, body = Message), (status = 200, body = Message), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "A card's order or product, or the attachment, is not found"),
        (status = 409, body = ErrorBody, description = "`message_conflict`: send again")))]
pub async fn send(
    State(state): State<AppState>,
    caller: BuyerCaller,
    ApiJson(request): ApiJson<SendMessage>,
) -> Result<(StatusCode, Json<Message>), ApiError> {
    let buyer = caller_buyer(&state, &caller).await?;
    let appended =
        inbound::send_as_buyer(&state, &buyer, caller.claims.entry, None, request).await?;
    let status = if appended.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(appended.message)))
}

/// The buyer ends their conversation ("结束咨询", the buyer leaves): it is resolved, and the
/// shop's closing message and rating invitation follow as after an agent resolves it. Nothing
/// happens when there is no open conversation.
#[utoipa::path(post, path = "/api/v1/buyer/conversation/end", tag = "buyer",
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn end_conversation(
    State(state): State<AppState>,
    caller: BuyerCaller,
) -> Result<StatusCode, ApiError> {
    let buyer = caller_buyer(&state, &caller).await?;
    let current = state
        .store
        .current_conversation(buyer.tenant_id, buyer.id)
        .await?;
    let Some(current) = current.filter(|c| c.status == ConversationStatus::Open) else {
        return Ok(StatusCode::NO_CONTENT);
    };
    let ended = state
        .store
        .end_by_buyer(buyer.tenant_id, current.id, buyer.id)
        .await?;
    if ended.status == ConversationStatus::Resolved {
        crate::desk::outbound::publish_conversation(&state, &ended).await;
        state.dispatcher.wake();
        state.automation.resolved(&ended, None);
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderList {
    pub orders: Vec<Order>,
}

/// The buyer's own recent orders in this shop (none for anonymous buyers), to pick one for
/// a card or a problem report (SELF-4).
#[utoipa::path(get, path = "/api/v1/buyer/orders", tag = "buyer",
    responses((status = 200, body = OrderList), (status = 401, body = ErrorBody)))]
pub async fn buyer_orders(
    State(state): State<AppState>,
    caller: BuyerCaller,
) -> Result<Json<OrderList>, ApiError> {
    let buyer = state
        .store
        .buyer(caller.claims.tenant, caller.claims.sub)
        .await?
        .ok_or(ErrorCode::Unauthenticated)?;
    let orders = match member_of(&buyer) {
        None => vec![],
        Some(member) if is_platform(&state, buyer.tenant_id).await? => state
            .store
            .orders_of_member_everywhere(member, 20)
            .await?
            .into_iter()
            .map(|(_, o)| o)
            .collect(),
        Some(member) => {
            state
                .store
                .orders_of_member(buyer.tenant_id, member, 20)
                .await?
        }
    };
    Ok(Json(OrderList { orders }))
}
