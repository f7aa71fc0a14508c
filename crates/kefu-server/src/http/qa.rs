//! `/qa`: quality inspection (issue #18, KPI-3). QA inspectors (`qa.score`) sample a day's
//! conversations and score them against the shop's rubric with comments on messages; the
//! agent reads their results and may appeal once; a supervisor (`team.manage`) decides.

use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use kefu_domain::error_code::ErrorCode;
use kefu_domain::qa::{self, QaReview, ReviewStatus, Rubric, ScoreInput};
use kefu_domain::role::Permission;
use kefu_domain::time::now_ms;
use kefu_store::{QaChange, QaFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::audit;
use crate::auth::Agent;
use crate::error::{ApiError, ErrorBody};
use crate::http::automation::save_document;
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::reports::{today, zone_of};

/// The shop's QA rubric and sampling rules, and their version (0: the default rubric).
#[derive(Debug, Serialize, ToSchema)]
pub struct RubricView {
    pub rubric: Rubric,
    pub version: i64,
}

#[utoipa::path(get, path = "/api/v1/qa/rubric", tag = "qa",
    responses((status = 200, body = RubricView)))]
pub async fn rubric(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Json<RubricView>, ApiError> {
    agent.require(Permission::TeamRead)?;
    let (rubric, version) = state
        .store
        .shop_document::<Rubric>(agent.tenant_id())
        .await?;
    Ok(Json(RubricView { rubric, version }))
}

/// Saves the rubric (items and points), the forbidden words and the sampling share; audited.
#[utoipa::path(put, path = "/api/v1/qa/rubric", tag = "qa", request_body = Rubric,
    responses((status = 200, body = RubricView), (status = 400, body = ErrorBody)))]
pub async fn put_rubric(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(rubric): ApiJson<Rubric>,
) -> Result<Json<RubricView>, ApiError> {
    agent.require(Permission::TeamManage)?;
    rubric.check().map_err(|code| {
        ApiError::new(
            code,
            "1–30 items named in 1–40 characters worth 1–100 points; 200 forbidden words at most",
        )
    })?;
    let version = save_document(&state, &agent, &rubric, "qa_rubric.change").await?;
    Ok(Json(RubricView { rubric, version }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewList {
    pub reviews: Vec<QaReview>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReviewQuery {
    /// The sample's day, `YYYY-MM-DD`.
    day: Option<String>,
    /// `pending`, `scored`, `appealed` or `decided`.
    status: Option<String>,
    agent_id: Option<Uuid>,
}

fn day(s: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| ApiError::new(ErrorCode::InvalidRange, "the day is YYYY-MM-DD"))
}

fn may_inspect(agent: &Agent) -> Result<(), ApiError> {
    if agent.may(Permission::TeamManage) {
        return Ok(());
    }
    agent.require(Permission::QaScore)
}

/// Reviews by day, status and agent: the inspector's queue, the supervisor's appeals.
#[utoipa::path(get, path = "/api/v1/qa/reviews", tag = "qa", params(ReviewQuery),
    responses((status = 200, body = ReviewList), (status = 400, body = ErrorBody)))]
pub async fn reviews(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(query): ApiQuery<ReviewQuery>,
) -> Result<Json<ReviewList>, ApiError> {
    may_inspect(&agent)?;
    let status = query
        .status
        .as_deref()
        .map(|s| {
            ReviewStatus::parse(s).ok_or_else(|| {
                ApiError::new(
                    ErrorCode::InvalidStatus,
                    "pending, scored, appealed or decided",
                )
            })
        })
        .transpose()?;
    let filter = QaFilter {
        day: query
            .day
            .as_deref()
            .map(day)
            .transpose()?
            .map(crate::reports::day_key),
        status,
        agent_id: query.agent_id,
    };
    let reviews = state.store.qa_reviews(agent.tenant_id(), &filter).await?;
    Ok(Json(ReviewList { reviews }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SampleRequest {
    /// The day to sample, `YYYY-MM-DD` (default: yesterday).
    pub day: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Sampled {
    pub day: String,
    /// Reviews added now (sampling again adds only what is new).
    pub added: u64,
    pub reviews: Vec<QaReview>,
}

/// Samples a day's conversations (the job samples yesterday every hour anyway).
#[utoipa::path(post, path = "/api/v1/qa/sample", tag = "qa", request_body = SampleRequest,
    responses((status = 200, body = Sampled), (status = 400, body = ErrorBody)))]
pub async fn sample(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(request): ApiJson<SampleRequest>,
) -> Result<Json<Sampled>, ApiError> {
    agent.require(Permission::QaScore)?;
    let tenant = agent.tenant_id();
    let which = match request.day.as_deref() {
        Some(d) => day(d)?,
        None => today(zone_of(&state, tenant).await)
            .pred_opt()
            .ok_or(ErrorCode::InvalidRange)?,
    };
    let added = crate::reports::qa::sample_day(&state, tenant, which).await?;
    let key = crate::reports::day_key(which);
    let reviews = state
        .store
        .qa_reviews(
            tenant,
            &QaFilter {
                day: Some(key.clone()),
                ..QaFilter::default()
            },
        )
        .await?;
    Ok(Json(Sampled {
        day: key,
        added,
        reviews,
    }))
}

/// A review with the rubric it is scored against.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewDetail {
    pub review: QaReview,
    pub rubric: Rubric,
}

/// One review: for inspectors and supervisors, and for the agent reviewed once it is scored.
#[utoipa::path(get, path = "/api/v1/qa/reviews/{id}", tag = "qa", params(("id" = Uuid, Path)),
    responses((status = 200, body = ReviewDetail), (status = 404, body = ErrorBody)))]
pub async fn review(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<ReviewDetail>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    let tenant = agent.tenant_id();
    let review = state
        .store
        .qa_review(tenant, id)
        .await?
        .filter(|r| visible(&agent, r))
        .ok_or(ErrorCode::QaReviewNotFound)?;
    let (rubric, _) = state.store.shop_document::<Rubric>(tenant).await?;
    Ok(Json(ReviewDetail { review, rubric }))
}

fn visible(agent: &Agent, review: &QaReview) -> bool {
    agent.may(Permission::QaScore)
        || agent.may(Permission::TeamManage)
        || (review.agent_id == Some(agent.user.id) && review.status != ReviewStatus::Pending)
}

fn done(change: QaChange) -> Result<Json<QaReview>, ApiError> {
    match change {
        QaChange::Done(review) => Ok(Json(*review)),
        QaChange::NotFound => Err(ErrorCode::QaReviewNotFound.into()),
        QaChange::Closed => Err(ErrorCode::QaReviewClosed.into()),
    }
}

/// Scores a review: points for every rubric item and comments on messages. Scoring again is
/// allowed until the agent appeals.
#[utoipa::path(post, path = "/api/v1/qa/reviews/{id}/score", tag = "qa", params(("id" = Uuid, Path)),
    request_body = ScoreInput,
    responses((status = 200, body = QaReview), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn score(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<ScoreInput>,
) -> Result<Json<QaReview>, ApiError> {
    agent.require(Permission::QaScore)?;
    let tenant = agent.tenant_id();
    let review = state
        .store
        .qa_review(tenant, id)
        .await?
        .ok_or(ErrorCode::QaReviewNotFound)?;
    let last_seq = state
        .store
        .conversation(tenant, review.conversation_id)
        .await?
        .map_or(0, |c| c.last_seq);
    let (rubric, _) = state.store.shop_document::<Rubric>(tenant).await?;
    let checked = input.check(&rubric, last_seq).map_err(|code| {
        ApiError::new(
            code,
            "every rubric item once, within its points; comments of 1–500 characters on this conversation's messages",
        )
    })?;
    done(
        state
            .store
            .score_qa_review(tenant, id, agent.user.id, &checked, now_ms())
            .await?,
    )
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AppealRequest {
    pub text: String,
}

/// The reviewed agent appeals a scored review, once, saying why.
#[utoipa::path(post, path = "/api/v1/qa/reviews/{id}/appeal", tag = "qa", params(("id" = Uuid, Path)),
    request_body = AppealRequest,
    responses((status = 200, body = QaReview), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn appeal(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<AppealRequest>,
) -> Result<Json<QaReview>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    let text = qa::check_text(&request.text)
        .map_err(|code| ApiError::new(code, "an appeal says why in 1–500 characters"))?;
    done(
        state
            .store
            .appeal_qa_review(agent.tenant_id(), id, agent.user.id, &text, now_ms())
            .await?,
    )
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DecisionRequest {
    pub decision: String,
    /// The score that counts from now (0–100); none: the inspector's stands.
    pub score: Option<f64>,
}

/// A supervisor decides an appeal; audited.
#[utoipa::path(post, path = "/api/v1/qa/reviews/{id}/decide", tag = "qa", params(("id" = Uuid, Path)),
    request_body = DecisionRequest,
    responses((status = 200, body = QaReview), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<DecisionRequest>,
) -> Result<Json<QaReview>, ApiError> {
    agent.require(Permission::TeamManage)?;
    let reason = "a decision says why in 1–500 characters; a score is 0–100";
    let text = qa::check_text(&request.decision).map_err(|code| ApiError::new(code, reason))?;
    let score =
        qa::check_decided_score(request.score).map_err(|code| ApiError::new(code, reason))?;
    let change = state
        .store
        .decide_qa_review(
            agent.tenant_id(),
            id,
            agent.user.id,
            &text,
            score,
            |review| {
                vec![audit::by(
                    &agent,
                    "qa_review.decide",
                    review.id.to_string(),
                    serde_json::json!({
                        "score": review.score, "final_score": review.final_score,
                        "appeal": review.appeal, "decision": review.decision,
                    }),
                )]
            },
            now_ms(),
        )
        .await?;
    done(change)
}

/// The caller's own reviews that are scored (pending ones are the inspectors' until then).
#[utoipa::path(get, path = "/api/v1/qa/mine", tag = "qa",
    responses((status = 200, body = ReviewList)))]
pub async fn mine(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Json<ReviewList>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    let filter = QaFilter {
        agent_id: Some(agent.user.id),
        ..QaFilter::default()
    };
    let mut reviews = state.store.qa_reviews(agent.tenant_id(), &filter).await?;
    reviews.retain(|r| r.status != ReviewStatus::Pending);
    Ok(Json(ReviewList { reviews }))
}
