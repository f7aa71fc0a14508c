//! The satisfaction rating (KPI-3, issue #17). The team reads a conversation's ratings and a
//! supervisor invites the buyer once more; the buyer reads an invitation and rates it, once,
//! within its day.

use axum::Json;
use axum::extract::State;
use kefu_domain::error_code::ErrorCode;
use kefu_domain::rating::{
    BAD_REASONS, GOOD_REASONS, Rating, RatingInput, RatingState, STAR_LABELS,
};
use kefu_domain::role::Permission;
use kefu_domain::time::now_ms;
use kefu_store::RatingChange;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{Agent, BuyerCaller};
use crate::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiJson, ApiPath};

#[derive(Debug, Serialize, ToSchema)]
pub struct RatingList {
    pub ratings: Vec<Rating>,
}

/// A conversation's invitations and ratings, oldest first.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/ratings", tag = "conversations", params(("id" = Uuid, Path)),
    responses((status = 200, body = RatingList), (status = 404, body = ErrorBody)))]
pub async fn conversation_ratings(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<RatingList>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    let tenant = agent.tenant_id();
    state
        .store
        .conversation(tenant, id)
        .await?
        .ok_or(ErrorCode::ConversationNotFound)?;
    let ratings = state.store.conversation_ratings(tenant, id).await?;
    Ok(Json(RatingList { ratings }))
}

fn refused(change: RatingChange) -> Result<Rating, ApiError> {
    match change {
        RatingChange::Done(rating) => Ok(rating),
        RatingChange::NotFound => Err(ErrorCode::RatingNotFound.into()),
        RatingChange::Closed => Err(ErrorCode::RatingClosed.into()),
        RatingChange::Expired => Err(ErrorCode::RatingExpired.into()),
    }
}

/// Invites the buyer to rate once more (a supervisor, once, while they have not rated): the
/// invitation is open for another day and goes to the buyer again.
#[utoipa::path(post, path = "/api/v1/ratings/{id}/reinvite", tag = "conversations", params(("id" = Uuid, Path)),
    responses((status = 200, body = Rating), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn reinvite(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Rating>, ApiError> {
    agent.require(Permission::TeamManage)?;
    let tenant = agent.tenant_id();
    let change = state
        .store
        .reinvite_rating(tenant, id, agent.user.id, now_ms())
        .await?;
    let rating = refused(change)?;
    let conversation = state
        .store
        .conversation(tenant, rating.conversation_id)
        .await?
        .ok_or(ErrorCode::ConversationNotFound)?;
    let text = crate::desk::automation::rating_text(&state, tenant).await?;
    crate::desk::automation::invite_to_rate(&state, &conversation, &rating, &text).await?;
    Ok(Json(rating))
}

/// An invitation as its buyer sees it, with what they may answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct BuyerRating {
    pub id: Uuid,
    pub state: RatingState,
    pub expires_at: i64,
    pub stars: Option<u8>,
    pub reasons: Vec<String>,
    pub comment: String,
    /// What 1 to 5 stars say.
    pub star_labels: Vec<String>,
    /// Reasons to tick with 4–5 stars, and with 1–3.
    pub good_reasons: Vec<String>,
    pub bad_reasons: Vec<String>,
}

fn buyer_view(rating: Rating) -> BuyerRating {
    let owned = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect();
    BuyerRating {
        id: rating.id,
        state: rating.state(now_ms()),
        expires_at: rating.expires_at,
        stars: rating.stars,
        reasons: rating.reasons,
        comment: rating.comment,
        star_labels: owned(&STAR_LABELS),
        good_reasons: owned(&GOOD_REASONS),
        bad_reasons: owned(&BAD_REASONS),
    }
}

/// The caller's invitation: in one of their own conversations.
async fn buyers_rating(
    state: &AppState,
    caller: &BuyerCaller,
    id: Uuid,
) -> Result<Rating, ApiError> {
    let tenant = caller.claims.tenant;
    let rating = state
        .store
        .rating(tenant, id)
        .await?
        .ok_or(ErrorCode::RatingNotFound)?;
    let conversation = state
        .store
        .conversation(tenant, rating.conversation_id)
        .await?
        .ok_or(ErrorCode::RatingNotFound)?;
    if conversation.buyer_id != caller.claims.sub {
        return Err(ErrorCode::RatingNotFound.into());
    }
    Ok(rating)
}

#[utoipa::path(get, path = "/api/v1/buyer/ratings/{id}", tag = "buyer", params(("id" = Uuid, Path)),
    responses((status = 200, body = BuyerRating), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn buyer_rating(
    State(state): State<AppState>,
    caller: BuyerCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<BuyerRating>, ApiError> {
    Ok(Json(buyer_view(buyers_rating(&state, &caller, id).await?)))
}

/// The buyer rates: 1–5 stars, reasons offered for those stars, a comment of at most 500.
#[utoipa::path(post, path = "/api/v1/buyer/ratings/{id}", tag = "buyer", params(("id" = Uuid, Path)), request_body = RatingInput,
    responses((status = 200, body = BuyerRating), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn rate(
    State(state): State<AppState>,
    caller: BuyerCaller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<RatingInput>,
) -> Result<Json<BuyerRating>, ApiError> {
    let given = input.check()?;
    let rating = buyers_rating(&state, &caller, id).await?;
    let change = state
        .store
        .rate(
            caller.claims.tenant,
            rating.id,
            caller.claims.sub,
            &given,
            now_ms(),
        )
        .await?;
    let rated = refused(change)?;
    // ESC-1: one star escalates the conversation (the shop's rules decide).
    if let Some(stars) = rated.stars
        && let Err(error) = crate::cases::escalations::rated(
            &state,
            caller.claims.tenant,
            rated.conversation_id,
            stars,
        )
        .await
    {
        tracing::warn!(%error, "could not escalate a one-star rating");
    }
    // The team sees it on the conversation at once.
    if let Some(conversation) = state
        .store
        .conversation(caller.claims.tenant, rated.conversation_id)
        .await?
    {
        crate::desk::outbound::publish_conversation(&state, &conversation).await;
    }
    Ok(Json(buyer_view(rated)))
}
