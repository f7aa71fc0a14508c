//! The shop's products and orders over HTTP (CH-2, CH-5, CH-6): what agents look up beside a
//! conversation, what a shop's backend pushes (idempotent upserts) or imports, the cards both
//! sides send, and handoffs to fulfilment partners.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use kefu_domain::account::{Buyer, TenantKind};
use kefu_domain::channel::Entry;
use kefu_domain::commerce::{
    BuyerNote, EntryContext, HANDOFF_WORKING_DAYS, HandoffCase, MAX_NOTE_CHARS, Order, OrderCard,
    OrderInput, Product, ProductCard, ProductInput, add_working_days,
};
use kefu_domain::conversation::ConversationSummary;
use kefu_domain::message::{MessageContent, MessageKind, SenderKind};
use kefu_domain::role::Permission;
use kefu_store::{AppendRequest, NewHandoff, UpsertCounts};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::auth::{Agent, BuyerCaller};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::import::{self, Format, ImportKind, ImportReport};

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
                .ok_or(ApiError::NotFound("product"))?;
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
async fn member_order(
    state: &AppState,
    tenant_id: Uuid,
    member: Option<&str>,
    order_no: &str,
) -> Result<Order, ApiError> {
    let member = member.ok_or(ApiError::NotFound("order"))?;
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
        .ok_or(ApiError::NotFound("order"))
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
        Some(_) => Err(ApiError::Refused {
            code: "order_not_yours",
            message: "the entry names an order of another buyer".to_owned(),
        }),
        None => Err(ApiError::NotFound("order")),
    }
}

async fn is_platform(state: &AppState, tenant_id: Uuid) -> Result<bool, ApiError> {
    Ok(state
        .store
        .tenant(tenant_id)
        .await?
        .is_some_and(|t| t.kind == TenantKind::Platform))
}

/// The member id of a conversation's buyer.
async fn conversation_member(
    state: &AppState,
    conversation: &ConversationSummary,
) -> Result<(Buyer, Option<String>), ApiError> {
    let buyer = state
        .store
        .buyer(conversation.tenant_id, conversation.buyer_id)
        .await?
        .ok_or(ApiError::NotFound("buyer"))?;
    let member = member_of(&buyer).map(str::to_owned);
    Ok((buyer, member))
}

/// What an entry link opens with: the conversation takes the context, and an order or
/// product card goes in as the buyer's message (once per link: a reload repeats nothing).
pub async fn open_with_context(
    state: &AppState,
    buyer: &Buyer,
    entry: Entry,
    context: &EntryContext,
    link_id: &str,
) -> Result<ConversationSummary, ApiError> {
    let conversation = state
        .store
        .open_conversation(buyer.tenant_id, buyer, entry, context)
        .await?;
    crate::dispatch::route_new(state, &conversation, None).await;
    crate::robot::adopt(state, &conversation).await;
    let card = match (&context.order_no, &context.product_code) {
        (Some(order_no), _) => Some((
            MessageKind::OrderCard,
            serde_json::json!({ "order_no": order_no }),
        )),
        (None, Some(code)) => Some((
            MessageKind::ProductCard,
            serde_json::json!({ "product_code": code, "sku_code": context.sku_code }),
        )),
        (None, None) => None,
    };
    if let Some((kind, reference)) = card {
        let content = MessageContent::parse(kind, &reference.to_string(), None)?;
        let content = resolve_card(
            state,
            buyer.tenant_id,
            member_of(buyer),
            content,
            context.room_title.clone(),
        )
        .await?;
        state
            .writer
            .append(AppendRequest {
                tenant_id: buyer.tenant_id,
                conversation_id: conversation.id,
                sender_kind: SenderKind::Buyer,
                sender_id: Some(buyer.id),
                sender_name: buyer.display_name.clone(),
                client_msg_id: Some(format!("entry-{link_id}")),
                content,
                external_id: None,
            })
            .await?;
    }
    Ok(conversation)
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct SearchQuery {
    /// Part of a code, title or category; empty lists everything.
    #[serde(default)]
    q: String,
    /// At most 100; default 20.
    limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProductList {
    pub products: Vec<Product>,
}

/// Finds products, by code.
#[utoipa::path(get, path = "/api/v1/products", tag = "commerce", params(SearchQuery),
    responses((status = 200, body = ProductList), (status = 403, body = ErrorBody)))]
pub async fn products(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> Result<Json<ProductList>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    let limit = query.limit.unwrap_or(20).clamp(1, 100);
    let q = query.q.trim();
    if q.chars().count() > 100 {
        return Err(ApiError::bad_request(
            "query_too_long",
            "search at most 100 characters",
        ));
    }
    let products = state.store.products(agent.tenant_id(), q, limit).await?;
    Ok(Json(ProductList { products }))
}

#[utoipa::path(get, path = "/api/v1/products/{code}", tag = "commerce",
    responses((status = 200, body = Product), (status = 404, body = ErrorBody)))]
pub async fn product(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Product>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    state
        .store
        .product(agent.tenant_id(), &code)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound("product"))
}

/// What an upsert did to the one record sent.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Upserted {
    Created,
    Updated,
    Unchanged,
}

impl From<UpsertCounts> for UpsertResult {
    fn from(c: UpsertCounts) -> UpsertResult {
        let result = if c.created > 0 {
            Upserted::Created
        } else if c.updated > 0 {
            Upserted::Updated
        } else {
            Upserted::Unchanged
        };
        UpsertResult { result }
    }
}

/// A `PUT` names its record in the path and the body; they must agree.
fn same_code(body: &str, path: &str) -> Result<(), ApiError> {
    if body == path.trim() {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "code_mismatch",
            "the body's code differs from the path's",
        ))
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UpsertResult {
    pub result: Upserted,
}

fn invalid(e: kefu_domain::commerce::InputError) -> ApiError {
    ApiError::bad_request(e.code, e.message)
}

/// Creates or replaces a product (a shop's backend keeps kefu current). Sending the same
/// product again changes nothing.
#[utoipa::path(put, path = "/api/v1/products/{code}", tag = "commerce", request_body = ProductInput,
    responses((status = 200, body = UpsertResult), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn put_product(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(code): ApiPath<String>,
    ApiJson(product): ApiJson<ProductInput>,
) -> Result<Json<UpsertResult>, ApiError> {
    agent.require(Permission::CatalogManage)?;
    let product = product.check().map_err(invalid)?;
    same_code(&product.code, &code)?;
    let counts = state
        .store
        .upsert_products(agent.tenant_id(), std::slice::from_ref(&product))
        .await?;
    Ok(Json(counts.into()))
}

#[utoipa::path(get, path = "/api/v1/orders/{order_no}", tag = "commerce",
    responses((status = 200, body = Order), (status = 404, body = ErrorBody)))]
pub async fn order(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(order_no): ApiPath<String>,
) -> Result<Json<Order>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    state
        .store
        .order(agent.tenant_id(), &order_no)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound("order"))
}

/// Creates or replaces an order (status, logistics and after-sale changes included).
#[utoipa::path(put, path = "/api/v1/orders/{order_no}", tag = "commerce", request_body = OrderInput,
    responses((status = 200, body = UpsertResult), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn put_order(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(order_no): ApiPath<String>,
    ApiJson(order): ApiJson<OrderInput>,
) -> Result<Json<UpsertResult>, ApiError> {
    agent.require(Permission::CatalogManage)?;
    let order = order.check().map_err(invalid)?;
    same_code(&order.order_no, &order_no)?;
    let counts = state
        .store
        .upsert_orders(agent.tenant_id(), std::slice::from_ref(&order))
        .await?;
    Ok(Json(counts.into()))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ImportQuery {
    /// `csv` or `jsonl`; by default from the Content-Type, else from the content.
    format: Option<Format>,
}

/// Imports a CSV or JSON Lines file sent as the request body. Bad rows are reported by
/// line and change nothing; a repeated import changes nothing.
#[utoipa::path(post, path = "/api/v1/imports/{kind}", tag = "commerce", params(ImportQuery),
    request_body(content = String, description = "the file", content_type = "text/csv"),
    responses((status = 200, body = ImportReport), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(kind): ApiPath<ImportKind>,
    ApiQuery(query): ApiQuery<ImportQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<ImportReport>, ApiError> {
    agent.require(match kind {
        ImportKind::Kb => Permission::KbManage,
        ImportKind::Products | ImportKind::Orders => Permission::CatalogManage,
    })?;
    let text = std::str::from_utf8(&body).map_err(|_| {
        ApiError::bad_request(
            "not_utf8",
            "the file is not UTF-8 text; save it as CSV UTF-8",
        )
    })?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let format = query.format.unwrap_or_else(|| {
        if content_type.starts_with("text/csv") {
            Format::Csv
        } else if content_type.contains("ndjson") || content_type.contains("jsonl") {
            Format::Jsonl
        } else {
            Format::detect(None, text)
        }
    });
    let tenant = agent.tenant_id();
    let report = import::import(&state.store, tenant, kind, text, format, &mut |_, _| {}).await?;
    if kind == ImportKind::Kb && report.accepted > 0 {
        crate::robot::rebuild_soon(&state, tenant);
    }
    tracing::info!(
        ?kind,
        rows = report.rows,
        accepted = report.accepted,
        rejected = report.rejected,
        "import"
    );
    Ok(Json(report))
}

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

#[utoipa::path(get, path = "/api/v1/conversations/{id}/context", tag = "commerce",
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
        .ok_or(ApiError::NotFound("conversation"))?;
    let (buyer, member) = conversation_member(&state, &conversation).await?;
    let here = state
        .store
        .tenant(tenant_id)
        .await?
        .ok_or(ApiError::NotFound("shop"))?;
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
        .ok_or(ApiError::Unauthenticated)?;
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

#[derive(Debug, Deserialize, ToSchema)]
pub struct HandoffRequest {
    pub order_no: String,
    /// For the partner and the team; at most 500 characters.
    #[serde(default)]
    pub note: String,
}

/// Hands the buyer's order over to its fulfilment partner (CH-5): a tracked case due in
/// three working days, a line in the event log, and a notice in the conversation.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/handoffs", tag = "commerce", request_body = HandoffRequest,
    responses((status = 201, body = HandoffCase), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn hand_off(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<HandoffRequest>,
) -> Result<(StatusCode, Json<HandoffCase>), ApiError> {
    agent.require(Permission::ConversationReply)?;
    if request.note.chars().count() > 500 {
        return Err(ApiError::bad_request(
            "note_too_long",
            "a note is at most 500 characters",
        ));
    }
    let tenant_id = agent.tenant_id();
    let conversation = state
        .store
        .conversation(tenant_id, id)
        .await?
        .ok_or(ApiError::NotFound("conversation"))?;
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
        .ok_or_else(|| ApiError::bad_request("no_partner", "the shop fulfils this order itself"))?;
    let card = serde_json::to_value(OrderCard::from(&order))
        .map_err(|e| ApiError::Internal(format!("card: {e}")))?;
    // Only the fields the partner is meant to receive.
    let shared: serde_json::Map<String, serde_json::Value> = partner
        .shared_fields
        .iter()
        .filter_map(|field| match field.as_str() {
            "buyer_name" => Some((field.clone(), order.buyer_name.clone().into())),
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

#[derive(Debug, Deserialize, IntoParams)]
pub struct CasesQuery {
    /// `open` (default), `closed` or `all`.
    status: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HandoffList {
    pub handoffs: Vec<HandoffCase>,
}

/// The shop's partner handoff cases: open ones by due date (the tracking list, CH-5).
#[utoipa::path(get, path = "/api/v1/handoffs", tag = "commerce", params(CasesQuery),
    responses((status = 200, body = HandoffList), (status = 400, body = ErrorBody)))]
pub async fn handoff_cases(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(query): ApiQuery<CasesQuery>,
) -> Result<Json<HandoffList>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    let status = match query.status.as_deref() {
        None | Some("open") => Some("open"),
        Some("closed") => Some("closed"),
        Some("all") => None,
        Some(_) => {
            return Err(ApiError::bad_request(
                "invalid_status",
                "status is open, closed or all",
            ));
        }
    };
    let handoffs = state
        .store
        .handoff_cases(agent.tenant_id(), status, 200)
        .await?;
    Ok(Json(HandoffList { handoffs }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CloseHandoff {
    /// What came of it; at most 500 characters.
    #[serde(default)]
    pub resolution: String,
}

/// Closes a case once the partner has answered.
#[utoipa::path(post, path = "/api/v1/handoffs/{id}/close", tag = "commerce", request_body = CloseHandoff,
    responses((status = 200, body = HandoffCase), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn close_handoff(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<CloseHandoff>,
) -> Result<Json<HandoffCase>, ApiError> {
    agent.require(Permission::ConversationReply)?;
    let resolution = request.resolution.trim();
    if resolution.chars().count() > 500 {
        return Err(ApiError::bad_request(
            "resolution_too_long",
            "a resolution is at most 500 characters",
        ));
    }
    Ok(Json(
        state
            .store
            .close_handoff(agent.tenant_id(), id, resolution)
            .await?,
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoteList {
    pub notes: Vec<BuyerNote>,
}

#[utoipa::path(get, path = "/api/v1/buyers/{id}/notes", tag = "conversations",
    responses((status = 200, body = NoteList), (status = 404, body = ErrorBody)))]
pub async fn notes(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<NoteList>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    state
        .store
        .buyer(agent.tenant_id(), id)
        .await?
        .ok_or(ApiError::NotFound("buyer"))?;
    let notes = state.store.buyer_notes(agent.tenant_id(), id).await?;
    Ok(Json(NoteList { notes }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewNote {
    /// 1 to 1,000 characters.
    pub body: String,
}

/// Adds a note on the buyer that every agent of the shop sees (CH-6).
#[utoipa::path(post, path = "/api/v1/buyers/{id}/notes", tag = "conversations", request_body = NewNote,
    responses((status = 201, body = BuyerNote), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn add_note(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(note): ApiJson<NewNote>,
) -> Result<(StatusCode, Json<BuyerNote>), ApiError> {
    agent.require(Permission::ConversationReply)?;
    let body = note.body.trim();
    if body.is_empty() {
        return Err(ApiError::bad_request(
            "note_empty",
            "a note needs some text",
        ));
    }
    if body.chars().count() > MAX_NOTE_CHARS {
        return Err(ApiError::bad_request(
            "note_too_long",
            "a note is at most 1,000 characters",
        ));
    }
    let note = state
        .store
        .add_buyer_note(agent.tenant_id(), id, &agent.user, body)
        .await?;
    Ok((StatusCode::CREATED, Json(note)))
}
