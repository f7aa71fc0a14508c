//! `/robot` (BOT-1 … BOT-6): the knowledge base (list, put, delete; import goes through
//! `/imports/kb`), the robot's settings and lexicons, the test console, and its daily
//! figures. Flows and the training review queue are in `robot/`.

pub mod flows;
pub mod proposals;

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_domain::error_code::ErrorCode;
use kefu_domain::robot::{RobotMode, RobotSettings};
use kefu_domain::role::Permission;
use kefu_domain::time::now_ms;
use kefu_robot::{Context, Decision, Lexicon};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Agent;
use crate::desk::robot::robot_for;
use crate::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::{AppState, audit};

/// A knowledge base entry with when it last changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct KbEntryView {
    #[serde(flatten)]
    #[schema(value_type = kefu_robot::Entry)]
    pub entry: serde_json::Value,
    pub updated_at: i64,
    /// A signed, expiring link to the answer's picture, for the editor's preview.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_link: Option<String>,
}

impl KbEntryView {
    pub(super) fn new(state: &AppState, entry: serde_json::Value, updated_at: i64) -> KbEntryView {
        let image_link = entry["answer"]["image"]
            .as_str()
            .and_then(|id| id.parse().ok())
            .map(|id| state.keys.file_url(id));
        KbEntryView {
            entry,
            updated_at,
            image_link,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KbList {
    pub entries: Vec<KbEntryView>,
    pub total: usize,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KbQuery {
    /// Words in the question, similar questions or answer.
    pub q: Option<String>,
    /// `general`, `product` or `scenario`.
    pub tier: Option<String>,
}

/// The shop's knowledge base (agents may read it; `kb.manage` changes it).
#[utoipa::path(get, path = "/api/v1/robot/entries", tag = "robot", params(KbQuery),
    responses((status = 200, body = KbList), (status = 403, body = ErrorBody)))]
pub async fn entries(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(query): ApiQuery<KbQuery>,
) -> Result<Json<KbList>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    let needle = query.q.as_deref().map(str::trim).unwrap_or_default();
    let entries: Vec<KbEntryView> = state
        .store
        .kb_entries(agent.tenant_id())
        .await?
        .into_iter()
        .filter(|row| {
            query
                .tier
                .as_deref()
                .is_none_or(|t| row.body["tier"].as_str().unwrap_or("general") == t)
        })
        .filter(|row| needle.is_empty() || row.body.to_string().contains(needle))
        .map(|row| KbEntryView::new(&state, row.body, row.updated_at))
        .collect();
    let total = entries.len();
    Ok(Json(KbList { entries, total }))
}

/// Reply buttons an answer may carry (as the entry dialog offers).
const MAX_ANSWER_BUTTONS: usize = 6;

/// Creates or replaces one entry; the path's id wins over the body's.
#[utoipa::path(put, path = "/api/v1/robot/entries/{id}", tag = "robot", params(("id" = String, Path)),
    request_body(content = kefu_robot::Entry, description = "the entry (its id may be left out: the path's wins)"),
    responses((status = 200, body = KbEntryView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn put_entry(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<String>,
    ApiJson(mut body): ApiJson<serde_json::Map<String, serde_json::Value>>,
) -> Result<Json<KbEntryView>, ApiError> {
    agent.require(Permission::KbManage)?;
    body.insert("id".to_owned(), serde_json::Value::String(id));
    let entry: kefu_robot::Entry =
        serde_json::from_value::<kefu_robot::Entry>(serde_json::Value::Object(body))
            .map_err(|e| ApiError::new(ErrorCode::InvalidKbEntry, e.to_string()))?
            .tidy();
    entry
        .check()
        .map_err(|code| ApiError::new(code, "see docs/robot.md for what an entry needs"))?;
    // What the dialog offers, checked here too: a product of the catalogue, a few buttons.
    if let Some(code) = &entry.answer.product_code
        && state
            .store
            .product(agent.tenant_id(), code)
            .await?
            .is_none()
    {
        return Err(ApiError::new(
            ErrorCode::AnswerProductNotFound,
            "the product card names a product code the catalogue does not have",
        ));
    }
    let buttons = &entry.answer.buttons;
    if buttons.len() > MAX_ANSWER_BUTTONS || buttons.iter().any(|b| b.trim().is_empty()) {
        return Err(ApiError::new(
            ErrorCode::InvalidAnswerButtons,
            format!("at most {MAX_ANSWER_BUTTONS} buttons, none empty"),
        ));
    }
    if let Some(image) = &entry.answer.image {
        let id = image.parse().map_err(|_| {
            ApiError::new(
                ErrorCode::InvalidAnswerImage,
                "the picture is an upload's id",
            )
        })?;
        if crate::desk::robot::shop_picture(&state, agent.tenant_id(), id)
            .await?
            .is_none()
        {
            return Err(ApiError::new(
                ErrorCode::AnswerImageNotFound,
                "upload the picture first (POST /api/v1/attachments); its id goes in answer.image",
            ));
        }
    }
    let body = serde_json::to_value(&entry).map_err(|e| ApiError::Internal(e.to_string()))?;
    state
        .store
        .upsert_kb_entries(
            agent.tenant_id(),
            &[(entry.id.clone(), body.clone())],
            Some(agent.user.id),
            |_| {
                vec![audit::by(
                    &agent,
                    "kb.change",
                    format!("kb:{}", entry.id),
                    serde_json::json!({ "question": entry.question }),
                )]
            },
        )
        .await?;
    crate::desk::robot::rebuild_soon(&state, agent.tenant_id());
    Ok(Json(KbEntryView::new(&state, body, now_ms())))
}

/// Removes one entry.
#[utoipa::path(delete, path = "/api/v1/robot/entries/{id}", tag = "robot", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn delete_entry(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    agent.require(Permission::KbManage)?;
    if !state
        .store
        .delete_kb_entry(agent.tenant_id(), &id, |_| {
            vec![audit::by(
                &agent,
                "kb.delete",
                format!("kb:{id}"),
                serde_json::json!({}),
            )]
        })
        .await?
    {
        return Err(ErrorCode::KbEntryNotFound.into());
    }
    crate::desk::robot::rebuild_soon(&state, agent.tenant_id());
    Ok(StatusCode::NO_CONTENT)
}

/// The robot's settings and lexicons.
#[utoipa::path(get, operation_id = "robot_settings", path = "/api/v1/robot/settings", tag = "robot",
    responses((status = 200, body = RobotSettings), (status = 403, body = ErrorBody)))]
pub async fn settings(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Json<RobotSettings>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    let mut settings = state.store.robot_settings(agent.tenant_id()).await?;
    // Issue #16: the sensitive list in force, so the editor starts from the built-in one.
    if let Some(lexicon) = settings.lexicon.as_object_mut()
        && lexicon
            .get("sensitive")
            .is_none_or(serde_json::Value::is_null)
    {
        lexicon.insert(
            "sensitive".to_owned(),
            serde_json::json!(kefu_robot::lexicon::BUILTIN_SENSITIVE),
        );
    }
    Ok(Json(settings))
}

/// What `PUT /robot/settings` takes.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RobotSettingsUpdate {
    pub mode: RobotMode,
    #[serde(default)]
    pub night_only: bool,
    /// Lexicons; absent keeps the shop's.
    #[serde(default)]
    #[schema(value_type = Option<kefu_robot::Lexicon>)]
    pub lexicon: Option<serde_json::Value>,
    /// The confidence at or above which the robot answers, 0.05–0.95 (a point of the
    /// calibration curve); `null` goes back to the default; absent keeps the shop's.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<f32>)]
    pub answer_threshold: Option<Option<f32>>,
}

/// A field that may be absent (outer `None`), `null` (`Some(None)`) or a value.
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// The range a shop may set its robot's answer threshold in.
const ANSWER_THRESHOLDS: std::ops::RangeInclusive<f32> = 0.05..=0.95;

/// Sets the mode (off, assist, robot_first), night-only service and the lexicons.
#[utoipa::path(put, operation_id = "put_robot_settings", path = "/api/v1/robot/settings", tag = "robot", request_body = RobotSettingsUpdate,
    responses((status = 200, body = RobotSettings), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn put_settings(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(update): ApiJson<RobotSettingsUpdate>,
) -> Result<Json<RobotSettings>, ApiError> {
    agent.require(Permission::KbManage)?;
    let lexicon = match update.lexicon {
        Some(value) => {
            let lexicon: Lexicon = serde_json::from_value(value.clone())
                .map_err(|e| ApiError::new(ErrorCode::InvalidLexicon, e.to_string()))?;
            lexicon.check().map_err(|code| {
                ApiError::new(
                    code,
                    "synonym groups need two words or more; words are 1–32 characters; at most 200 groups and 2,000 words",
                )
            })?;
            Some(serde_json::to_value(&lexicon).map_err(|e| ApiError::Internal(e.to_string()))?)
        }
        None => None,
    };
    if let Some(Some(t)) = update.answer_threshold
        && !ANSWER_THRESHOLDS.contains(&t)
    {
        return Err(ApiError::new(
            ErrorCode::BadThreshold,
            "the robot's answer threshold is 0.05–0.95",
        ));
    }
    // What the request leaves out is kept as it stands when the change is written, not as
    // it was read before (a save at the same moment keeps its fields).
    let (before, saved) = state
        .store
        .update_robot_settings(
            agent.tenant_id(),
            |now| RobotSettings {
                mode: update.mode,
                night_only: update.night_only,
                lexicon: lexicon.unwrap_or_else(|| now.lexicon.clone()),
                kb_version: now.kb_version,
                answer_threshold: update.answer_threshold.unwrap_or(now.answer_threshold),
            },
            |before, saved| {
                vec![audit::by(
                    &agent,
                    "robot.settings",
                    "robot",
                    serde_json::json!({
                        "mode": { "from": before.mode, "to": saved.mode },
                        "night_only": saved.night_only,
                        "lexicon_changed": saved.kb_version != before.kb_version,
                        "answer_threshold": { "from": before.answer_threshold, "to": saved.answer_threshold },
                    }),
                )]
            },
        )
        .await?;
    if saved.kb_version != before.kb_version {
        crate::desk::robot::rebuild_soon(&state, agent.tenant_id());
    }
    Ok(Json(saved))
}

/// The shop's calibration curve (BOT-6): for each answer threshold, the share of answers
/// that are right, of answerable questions answered, and of unanswerable ones handed off,
/// measured by cross-validation on the shop's own knowledge base.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalibrationView {
    /// The knowledge base version measured.
    pub kb_version: i64,
    /// Held-out questions asked: of entries the robot had, and of entries it did not.
    pub answerable: usize,
    pub unanswerable: usize,
    /// Highest threshold first.
    pub points: Vec<kefu_robot::eval::CurvePoint>,
    /// The threshold the robot answers at now, and the robot's default.
    pub answer_threshold: f32,
    pub default_threshold: f32,
}

/// Measures the robot on its own knowledge base (once per version; seconds for a large
/// one) and returns the calibration curve the merchant picks the answer threshold on.
#[utoipa::path(get, path = "/api/v1/robot/calibration", tag = "robot",
    responses((status = 200, body = CalibrationView), (status = 403, body = ErrorBody)))]
pub async fn calibration(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Json<CalibrationView>, ApiError> {
    agent.require(Permission::KbManage)?;
    let (settings, measured) =
        crate::desk::robot::calibration_for(&state, agent.tenant_id()).await?;
    let default_threshold = kefu_robot::Thresholds::default().answer;
    Ok(Json(CalibrationView {
        kb_version: settings.kb_version,
        answerable: measured.answerable,
        unanswerable: measured.unanswerable,
        points: measured.points.clone(),
        answer_threshold: settings.answer_threshold.unwrap_or(default_threshold),
        default_threshold,
    }))
}

/// A question for the test console.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AskRequest {
    pub text: String,
    /// A product code or SKU in context ("这个" means it).
    #[serde(default)]
    pub product: Option<String>,
}

/// The test console (BOT-3): the robot's decision on a question, with its candidates, their
/// scores and why.
#[utoipa::path(post, path = "/api/v1/robot/ask", tag = "robot", request_body = AskRequest,
    responses((status = 200, body = kefu_robot::Decision), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn ask(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(request): ApiJson<AskRequest>,
) -> Result<Json<Decision>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    let text = request.text.trim();
    if text.is_empty() || text.chars().count() > 500 {
        return Err(ApiError::new(
            ErrorCode::InvalidQuestion,
            "ask a question of 1–500 characters",
        ));
    }
    let robot = robot_for(&state, agent.tenant_id()).await?;
    let (product_title, category) =
        crate::desk::robot::product_context(&state, agent.tenant_id(), request.product.as_deref())
            .await;
    let context = Context {
        product: request.product.clone(),
        product_title,
        category,
        ..crate::desk::robot::context_of_shop(&state, agent.tenant_id()).await
    };
    Ok(Json(robot.decide(text, &context)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MetricsQuery {
    /// Days back from today, 1–90 [default 7].
    pub days: Option<i64>,
}

/// One day of the robot's work (BOT-6), in the shop's time zone (China Standard Time).
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct RobotDay {
    /// YYYY-MM-DD.
    pub day: String,
    /// Buyer messages the robot read.
    pub questions: u64,
    pub answered: u64,
    pub clarified: u64,
    pub handed_off: u64,
    pub greeted: u64,
    /// Steps of multi-turn flows (BOT-4): turns, not questions.
    pub flow_turns: u64,
    /// Answered or clarified, of questions that were not greetings.
    pub recognition_rate: f64,
    pub answer_rate: f64,
    pub clarification_rate: f64,
    pub transfer_rate: f64,
    /// Robot turns per conversation it served that day.
    pub turns_per_dialogue: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RobotMetrics {
    pub days: Vec<RobotDay>,
    /// The questions most often handed off as unknown, with how often.
    pub top_unanswered: Vec<(String, u64)>,
}

const DAY_MS: i64 = 86_400_000;
/// China Standard Time, the default shop zone, has no daylight saving.
const CST_MS: i64 = 8 * 3_600_000;

fn day_of(at: i64) -> String {
    chrono::DateTime::from_timestamp_millis(at + CST_MS)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

fn rate(n: u64, d: u64) -> f64 {
    if d == 0 { 0.0 } else { n as f64 / d as f64 }
}

/// The robot's figures per day, and the top unanswered questions.
#[utoipa::path(get, operation_id = "robot_metrics", path = "/api/v1/robot/metrics", tag = "robot", params(MetricsQuery),
    responses((status = 200, body = RobotMetrics), (status = 403, body = ErrorBody)))]
pub async fn metrics(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(query): ApiQuery<MetricsQuery>,
) -> Result<Json<RobotMetrics>, ApiError> {
    agent.require(Permission::ReportView)?;
    let days = query.days.unwrap_or(7).clamp(1, 90);
    let now = now_ms();
    let since = (now + CST_MS) / DAY_MS * DAY_MS - CST_MS - (days - 1) * DAY_MS;
    let log = state
        .store
        .robot_log_since(agent.tenant_id(), since)
        .await?;
    let mut by_day: Vec<RobotDay> = (0..days)
        .map(|d| RobotDay {
            day: day_of(since + d * DAY_MS),
            ..RobotDay::default()
        })
        .collect();
    let mut dialogues: HashMap<(usize, Uuid), u64> = HashMap::new();
    let mut unanswered: HashMap<String, u64> = HashMap::new();
    for entry in &log {
        let i = usize::try_from((entry.at - since) / DAY_MS).unwrap_or(0);
        let Some(day) = by_day.get_mut(i) else {
            continue;
        };
        if let Some(c) = entry.conversation_id {
            *dialogues.entry((i, c)).or_default() += 1;
        }
        if entry.action == "flow" {
            // A step of a multi-turn flow: a turn of the dialogue, not a question.
            day.flow_turns += 1;
            continue;
        }
        day.questions += 1;
        match entry.action.as_str() {
            "answer" => day.answered += 1,
            "clarify" => day.clarified += 1,
            "greet" => day.greeted += 1,
            _ => {
                day.handed_off += 1;
                if entry.reason.as_deref() == Some("unknown") {
                    *unanswered.entry(entry.text.clone()).or_default() += 1;
                }
            }
        }
    }
    for (i, day) in by_day.iter_mut().enumerate() {
        let asked = day.questions - day.greeted;
        day.recognition_rate = rate(day.answered + day.clarified, asked);
        day.answer_rate = rate(day.answered, asked);
        day.clarification_rate = rate(day.clarified, asked);
        day.transfer_rate = rate(day.handed_off, asked);
        let turns: Vec<u64> = dialogues
            .iter()
            .filter(|((d, _), _)| *d == i)
            .map(|(_, n)| *n)
            .collect();
        day.turns_per_dialogue = rate(turns.iter().sum(), turns.len() as u64);
    }
    let mut top_unanswered: Vec<(String, u64)> = unanswered.into_iter().collect();
    top_unanswered.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    top_unanswered.truncate(20);
    Ok(Json(RobotMetrics {
        days: by_day,
        top_unanswered,
    }))
}
