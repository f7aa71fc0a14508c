//! Question mining (DATA-5): each shop week the buyers' questions (every channel, whoever
//! answered them) are grouped into topics by `kefu_robot::mining`, seeded with the topics of
//! the twelve weeks before so a topic keeps its identity; the current week is mined again
//! every hour, a finished week once more after its end, and a new shop's last eight weeks on
//! its first run. A topic goes to the robot's review queue as a new entry, or to a product's
//! owner as a problem whose fix is followed by the topic's rate before and after it.

use std::collections::{BTreeMap, HashMap};

use chrono::{Days, NaiveDate};
use kefu_domain::error_code::ErrorCode;
use kefu_domain::frames::{NoticeKind, ServerFrame, SupervisorNotice};
use kefu_domain::kpi;
use kefu_domain::questions::{
    self, BeforeAfter, FIX_SPAN, NewProblem, ProblemStatus, TopicLine, WeekCount,
};
use kefu_domain::time::now_ms;
use kefu_robot::Lexicon;
use kefu_robot::mining::{self, KnownTopic, Question};
use kefu_robot::text::Analyzer;
use kefu_store::{
    MinedWeek, NewProposal, NewTopic, NewTopicProblem, ProblemRow, TopicRow, TopicWeekRow,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{day_key, zone_of};
use crate::AppState;
use crate::bus::Audience;
use crate::error::ApiError;

/// A conversation's first this many questions are mined (later ones are mostly follow-ups).
const QUESTIONS_PER_CONVERSATION: usize = 5;
/// At most this many buyer messages are read for a week.
const MAX_MESSAGES: i64 = 400_000;
/// Topics asked within this many weeks are offered to a week's mining first.
const KNOWN_WEEKS: u64 = 12;
/// A new shop's first run mines this many weeks, the current one included.
const BACKFILL_WEEKS: usize = 8;
/// The current week is mined again when its last mining is this old.
const REMINE_MS: i64 = 3_600_000;
/// Topics listed at most.
const MAX_TOPICS: usize = 200;
/// Examples per topic and product row.
const EXAMPLES_PER_ROW: usize = 3;

/// Mines the shop's week starting on `monday`; how many topics it found.
pub async fn mine_week(
    state: &AppState,
    tenant_id: Uuid,
    monday: NaiveDate,
) -> Result<usize, ApiError> {
    let zone = zone_of(state, tenant_id).await;
    let (start, end) = questions::week_span(zone, monday);
    let asked = state
        .store
        .buyer_questions(tenant_id, start, end, MAX_MESSAGES)
        .await?;
    let mut per_conversation: HashMap<Uuid, usize> = HashMap::new();
    let questions: Vec<Question> = asked
        .into_iter()
        .filter(|q| {
            let n = per_conversation.entry(q.conversation_id).or_default();
            *n += 1;
            *n <= QUESTIONS_PER_CONVERSATION
        })
        .map(|q| Question {
            conversation: q.conversation_id.to_string(),
            product: q.product_code,
            text: q.text,
            at: q.at,
        })
        .collect();
    let since = day_key(monday - Days::new(7 * KNOWN_WEEKS));
    let known: Vec<KnownTopic> = state
        .store
        .question_topics(tenant_id, &since)
        .await?
        .into_iter()
        .filter(|t| t.first_week.as_str() <= day_key(monday).as_str())
        .map(|t| KnownTopic {
            id: t.id.to_string(),
            centroid: t.centroid,
        })
        .collect();
    let settings = state.store.robot_settings(tenant_id).await?;
    let lexicon = Lexicon::builtin().with(&crate::desk::robot::lexicon_of(&settings));
    let mined = tokio::task::spawn_blocking(move || {
        mining::mine(&Analyzer::new(&lexicon), &questions, &known)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("question mining stopped: {e}")))?;

    let mut new_topics = vec![];
    let mut rows = vec![];
    for topic in &mined.topics {
        let id = match topic.known.as_deref().map(Uuid::parse_str) {
            Some(Ok(id)) => id,
            _ => {
                let id = Uuid::now_v7();
                new_topics.push(NewTopic {
                    id,
                    label: topic.label.clone(),
                    keywords: topic.keywords.clone(),
                    centroid: topic.centroid.clone(),
                });
                id
            }
        };
        for (product, conversations) in &topic.by_product {
            let examples: Vec<serde_json::Value> = topic
                .examples
                .iter()
                .filter(|e| &e.product == product)
                .take(EXAMPLES_PER_ROW)
                .map(|e| serde_json::json!({"conversation": e.conversation, "text": e.text, "at": e.at}))
                .collect();
            rows.push(TopicWeekRow {
                topic_id: id,
                product_code: product.clone(),
                conversations: i64::from(*conversations),
                examples: serde_json::Value::Array(examples),
            });
        }
    }
    let asked: Vec<(String, i64)> = mined
        .asked
        .iter()
        .map(|(product, n)| (product.clone(), i64::from(*n)))
        .collect();
    state
        .store
        .save_question_week(
            tenant_id,
            &MinedWeek {
                week: &day_key(monday),
                mined_at: now_ms(),
                asked: &asked,
                new_topics: &new_topics,
                rows: &rows,
            },
        )
        .await?;
    Ok(mined.topics.len())
}

/// The weeks of the shop that are due a mining now, oldest first: those never mined of the
/// last [`BACKFILL_WEEKS`], a finished week last mined before its end, and the current week
/// when its mining is over an hour old.
pub async fn due_weeks(state: &AppState, tenant_id: Uuid) -> Result<Vec<NaiveDate>, ApiError> {
    let zone = zone_of(state, tenant_id).await;
    let now = now_ms();
    let weeks = questions::weeks_ending(kpi::local_day(zone, now), BACKFILL_WEEKS);
    let mined: HashMap<String, i64> = state
        .store
        .mined_weeks(tenant_id, &day_key(weeks[0]))
        .await?
        .into_iter()
        .collect();
    let current = weeks[weeks.len() - 1];
    Ok(weeks
        .into_iter()
        .filter(|week| match mined.get(&day_key(*week)) {
            None => true,
            Some(&at) if *week == current => now - at >= REMINE_MS,
            Some(&at) => at < questions::week_span(zone, *week).1,
        })
        .collect())
}

/// The jobs' hour: every shop's due weeks.
pub async fn mine_due(state: &AppState) {
    let Ok(tenants) = state.store.tenants().await else {
        return;
    };
    for tenant in tenants {
        let weeks = match due_weeks(state, tenant.id).await {
            Ok(weeks) => weeks,
            Err(error) => {
                tracing::warn!(tenant = %tenant.id, %error, "could not read the mined weeks");
                continue;
            }
        };
        for week in weeks {
            if let Err(error) = mine_week(state, tenant.id, week).await {
                tracing::warn!(tenant = %tenant.id, %week, %error, "could not mine the questions");
            }
        }
    }
}

/// A product buyers asked about, with how many conversations asked anything.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ProductAsked {
    pub code: String,
    pub title: Option<String>,
    pub asked: i64,
}

/// The topics page: the window's weeks and the topics asked in them.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TopicsReport {
    /// The window's Mondays, oldest first; the last is the current week.
    #[schema(value_type = Vec<String>)]
    pub weeks: Vec<NaiveDate>,
    pub product: Option<String>,
    /// When the current week was last mined (epoch ms).
    pub mined_at: Option<i64>,
    /// Conversations that asked anything in the window (for `product`).
    pub asked: i64,
    /// The most asked in the latest week first.
    pub topics: Vec<TopicLine>,
    /// Products asked about in the window, the most asked first.
    pub products: Vec<ProductAsked>,
}

/// The window of `weeks` ending with the current week.
async fn window(
    state: &AppState,
    tenant_id: Uuid,
    weeks: usize,
) -> Result<Vec<NaiveDate>, ApiError> {
    if !(1..=questions::MAX_WEEKS).contains(&weeks) {
        return Err(ApiError::new(ErrorCode::InvalidQuery, "weeks is 1 to 26"));
    }
    let zone = zone_of(state, tenant_id).await;
    Ok(questions::weeks_ending(
        kpi::local_day(zone, now_ms()),
        weeks,
    ))
}

/// Each topic's weeks over `window` for `product`.
async fn series(
    state: &AppState,
    tenant_id: Uuid,
    window: &[NaiveDate],
    product: Option<&str>,
) -> Result<(HashMap<Uuid, Vec<WeekCount>>, Vec<WeekCount>), ApiError> {
    let (first, last) = (day_key(window[0]), day_key(window[window.len() - 1]));
    let (counts, totals) = state
        .store
        .topic_counts(tenant_id, &first, &last, product)
        .await?;
    let totals: HashMap<String, i64> = totals.into_iter().collect();
    let empty: Vec<WeekCount> = window
        .iter()
        .map(|&week| WeekCount {
            week,
            asked: 0,
            total: totals.get(&day_key(week)).copied().unwrap_or(0),
        })
        .collect();
    let at: HashMap<String, usize> = window
        .iter()
        .enumerate()
        .map(|(i, w)| (day_key(*w), i))
        .collect();
    let mut by_topic: HashMap<Uuid, Vec<WeekCount>> = HashMap::new();
    for (topic, week, n) in counts {
        if let Some(&i) = at.get(&week) {
            by_topic.entry(topic).or_insert_with(|| empty.clone())[i].asked = n;
        }
    }
    Ok((by_topic, empty))
}

fn line(topic: &TopicRow, weeks: Vec<WeekCount>, open_problems: i64) -> TopicLine {
    let first_week = NaiveDate::parse_from_str(&topic.first_week, "%Y-%m-%d").unwrap_or_default();
    let count = weeks.last().map_or(0, |w| w.asked);
    let previous = weeks.len().checked_sub(2).map_or(0, |i| weeks[i].asked);
    TopicLine {
        id: topic.id,
        label: topic.label.clone(),
        keywords: topic.keywords.clone(),
        first_week,
        trend: questions::trend(&weeks, first_week),
        weeks,
        count,
        previous,
        proposal_id: topic.proposal_id,
        open_problems,
    }
}

async fn open_problems(state: &AppState, tenant_id: Uuid) -> Result<HashMap<Uuid, i64>, ApiError> {
    let mut open: HashMap<Uuid, i64> = HashMap::new();
    for problem in state
        .store
        .topic_problems(tenant_id, Some(ProblemStatus::Open.as_str()), None, 1000)
        .await?
    {
        *open.entry(problem.topic_id).or_default() += 1;
    }
    Ok(open)
}

/// The topics asked in the last `weeks` weeks, for `product` or all.
pub async fn topics(
    state: &AppState,
    tenant_id: Uuid,
    weeks: usize,
    product: Option<&str>,
) -> Result<TopicsReport, ApiError> {
    let window = window(state, tenant_id, weeks).await?;
    let (first, last) = (day_key(window[0]), day_key(window[window.len() - 1]));
    let (mut by_topic, totals) = series(state, tenant_id, &window, product).await?;
    let open = open_problems(state, tenant_id).await?;
    let mut topics: Vec<TopicLine> = state
        .store
        .question_topics(tenant_id, &first)
        .await?
        .iter()
        .filter_map(|topic| {
            let weeks = by_topic.remove(&topic.id)?;
            Some(line(
                topic,
                weeks,
                open.get(&topic.id).copied().unwrap_or(0),
            ))
        })
        .collect();
    topics.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(b.previous.cmp(&a.previous))
            .then_with(|| a.label.cmp(&b.label))
    });
    topics.truncate(MAX_TOPICS);
    let mined_at = state
        .store
        .mined_weeks(tenant_id, &last)
        .await?
        .into_iter()
        .next()
        .map(|(_, at)| at);
    let mut products = vec![];
    for (code, asked) in state
        .store
        .asking_products(tenant_id, &first, &last)
        .await?
        .into_iter()
        .take(50)
    {
        let title = state
            .store
            .product(tenant_id, &code)
            .await?
            .map(|p| p.title);
        products.push(ProductAsked { code, title, asked });
    }
    Ok(TopicsReport {
        weeks: window,
        product: product.map(str::to_owned),
        mined_at,
        asked: totals.iter().map(|w| w.total).sum(),
        topics,
        products,
    })
}

/// A question asked, as an example of its topic.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TopicExample {
    pub conversation_id: Uuid,
    pub text: String,
    pub at: i64,
    pub product_code: Option<String>,
}

/// A problem as listed, with its topic's weeks around the fix.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ProblemView {
    pub id: Uuid,
    pub topic_id: Uuid,
    pub topic_label: String,
    pub product_code: Option<String>,
    pub product_title: Option<String>,
    pub owner_id: Uuid,
    pub owner_name: String,
    pub note: String,
    pub status: ProblemStatus,
    #[schema(value_type = Option<String>, format = Date)]
    pub fixed_on: Option<NaiveDate>,
    pub created_by: Uuid,
    pub created_at: i64,
    pub updated_at: i64,
    /// The topic's weeks (for the problem's product, if one): the [`FIX_SPAN`] weeks before
    /// the fix to the [`FIX_SPAN`] after it, or the last eight weeks while it is open.
    pub weeks: Vec<WeekCount>,
    pub before_after: Option<BeforeAfter>,
}

/// A topic with its examples, its products and the problems sent on it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TopicDetail {
    pub topic: TopicLine,
    /// Newest first.
    pub examples: Vec<TopicExample>,
    pub products: Vec<ProductAsked>,
    pub problems: Vec<ProblemView>,
}

/// The shop's week now (its Monday).
async fn current_week(state: &AppState, tenant_id: Uuid) -> NaiveDate {
    questions::week_of(kpi::local_day(zone_of(state, tenant_id).await, now_ms()))
}

async fn topic_row(state: &AppState, tenant_id: Uuid, id: Uuid) -> Result<TopicRow, ApiError> {
    state
        .store
        .question_topic(tenant_id, id)
        .await?
        .ok_or_else(|| ErrorCode::TopicNotFound.into())
}

pub async fn topic(
    state: &AppState,
    tenant_id: Uuid,
    id: Uuid,
    weeks: usize,
    product: Option<&str>,
) -> Result<TopicDetail, ApiError> {
    let row = topic_row(state, tenant_id, id).await?;
    let window = window(state, tenant_id, weeks).await?;
    let (mut by_topic, empty) = series(state, tenant_id, &window, product).await?;
    let problems = state
        .store
        .topic_problems(tenant_id, None, Some(id), 100)
        .await?;
    let open = problems.iter().filter(|p| p.status == "open").count() as i64;
    let line = line(&row, by_topic.remove(&id).unwrap_or(empty), open);
    let (first, last) = (day_key(window[0]), day_key(window[window.len() - 1]));
    let mut examples = vec![];
    let mut per_product: BTreeMap<String, i64> = BTreeMap::new();
    for week in state
        .store
        .topic_weeks(tenant_id, id, &first, &last)
        .await?
    {
        *per_product.entry(week.product_code.clone()).or_default() += week.conversations;
        if product.is_some_and(|p| p != week.product_code) {
            continue;
        }
        for example in week.examples.as_array().into_iter().flatten() {
            let conversation = example["conversation"]
                .as_str()
                .and_then(|s| Uuid::parse_str(s).ok());
            if let (Some(conversation_id), Some(text)) = (conversation, example["text"].as_str()) {
                examples.push(TopicExample {
                    conversation_id,
                    text: text.to_owned(),
                    at: example["at"].as_i64().unwrap_or(0),
                    product_code: Some(week.product_code.clone()).filter(|c| !c.is_empty()),
                });
            }
        }
    }
    examples.sort_by_key(|e| std::cmp::Reverse(e.at));
    let mut products = vec![];
    let mut ranked: Vec<(String, i64)> = per_product.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    for (code, asked) in ranked {
        let title = if code.is_empty() {
            None
        } else {
            state
                .store
                .product(tenant_id, &code)
                .await?
                .map(|p| p.title)
        };
        products.push(ProductAsked { code, title, asked });
    }
    let current = window[window.len() - 1];
    let mut views = Vec::with_capacity(problems.len());
    for problem in problems {
        views.push(problem_view(state, tenant_id, problem, Some(&row), current).await?);
    }
    Ok(TopicDetail {
        topic: line,
        examples,
        products,
        problems: views,
    })
}

/// The problem with its owner, its product and its topic's weeks around the fix.
async fn problem_view(
    state: &AppState,
    tenant_id: Uuid,
    problem: ProblemRow,
    topic: Option<&TopicRow>,
    current: NaiveDate,
) -> Result<ProblemView, ApiError> {
    let topic_label = match topic {
        Some(topic) => topic.label.clone(),
        None => state
            .store
            .question_topic(tenant_id, problem.topic_id)
            .await?
            .map(|t| t.label)
            .unwrap_or_default(),
    };
    let owner_name = state
        .store
        .user(tenant_id, problem.owner_id)
        .await?
        .map(|u| u.display_name)
        .unwrap_or_default();
    let product_title = match &problem.product_code {
        Some(code) => state.store.product(tenant_id, code).await?.map(|p| p.title),
        None => None,
    };
    let fixed_on = problem
        .fixed_on
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let window: Vec<NaiveDate> = match fixed_on {
        Some(day) => {
            let fix_week = questions::week_of(day);
            let from = fix_week - Days::new(7 * FIX_SPAN as u64);
            let to = (fix_week + Days::new(7 * FIX_SPAN as u64)).min(current);
            let n = (to - from).num_days() / 7 + 1;
            questions::weeks_ending(to, n.max(1) as usize)
        }
        None => questions::weeks_ending(current, 8),
    };
    let (mut by_topic, empty) =
        series(state, tenant_id, &window, problem.product_code.as_deref()).await?;
    let weeks = by_topic.remove(&problem.topic_id).unwrap_or(empty);
    Ok(ProblemView {
        id: problem.id,
        topic_id: problem.topic_id,
        topic_label,
        product_code: problem.product_code,
        product_title,
        owner_id: problem.owner_id,
        owner_name,
        note: problem.note,
        status: ProblemStatus::parse(&problem.status).unwrap_or(ProblemStatus::Open),
        fixed_on,
        created_by: problem.created_by,
        created_at: problem.created_at,
        updated_at: problem.updated_at,
        before_after: fixed_on.map(|day| questions::before_after(&weeks, day, current)),
        weeks,
    })
}

/// Problems, newest first: all or `status`'s.
pub async fn problems(
    state: &AppState,
    tenant_id: Uuid,
    status: Option<ProblemStatus>,
) -> Result<Vec<ProblemView>, ApiError> {
    let rows = state
        .store
        .topic_problems(tenant_id, status.map(ProblemStatus::as_str), None, 200)
        .await?;
    let current = current_week(state, tenant_id).await;
    let mut views = Vec::with_capacity(rows.len());
    for row in rows {
        views.push(problem_view(state, tenant_id, row, None, current).await?);
    }
    Ok(views)
}

/// Puts the topic in the robot's review queue as a new entry: its label as the question,
/// the other phrasings as similar questions; the reviewer writes the answer. A topic whose
/// proposal still waits for review keeps that one.
pub async fn send_to_robot(state: &AppState, tenant_id: Uuid, id: Uuid) -> Result<Uuid, ApiError> {
    let row = topic_row(state, tenant_id, id).await?;
    if let Some(proposal) = row.proposal_id
        && state
            .store
            .proposal(tenant_id, proposal)
            .await?
            .is_some_and(|p| p.status == "pending")
    {
        return Ok(proposal);
    }
    let detail = topic(state, tenant_id, id, 8, None).await?;
    let mut examples: Vec<String> = vec![];
    for example in &detail.examples {
        if example.text != row.label && !examples.contains(&example.text) {
            examples.push(example.text.clone());
        }
    }
    let asked: i64 = detail.topic.weeks.iter().map(|w| w.asked).sum();
    let proposal = NewProposal {
        kind: "new_entry".to_owned(),
        entry_id: None,
        body: serde_json::json!({
            "question": row.label,
            "similar": examples,
            "answer": "",
            "examples": std::iter::once(row.label.clone()).chain(examples.iter().cloned()).collect::<Vec<_>>(),
            "human_answers": [],
            "topic_id": id,
        }),
        asked,
    };
    state
        .store
        .propose_topic(tenant_id, id, &proposal)
        .await?
        .ok_or_else(|| ErrorCode::TopicNotFound.into())
}

/// Sends the topic to a product's owner as a problem, and tells the owner.
pub async fn report_problem(
    state: &AppState,
    tenant_id: Uuid,
    topic_id: Uuid,
    problem: NewProblem,
    by: Uuid,
) -> Result<ProblemView, ApiError> {
    let problem = problem.check()?;
    let topic = topic_row(state, tenant_id, topic_id).await?;
    let owner = state
        .store
        .user(tenant_id, problem.owner_id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::InvalidProblem, "the owner is not in this shop"))?;
    if let Some(code) = &problem.product_code
        && state.store.product(tenant_id, code).await?.is_none()
    {
        return Err(ErrorCode::ProductNotFound.into());
    }
    let row = state
        .store
        .add_topic_problem(
            tenant_id,
            &NewTopicProblem {
                topic_id,
                product_code: problem.product_code,
                owner_id: owner.id,
                note: problem.note,
                created_by: by,
            },
        )
        .await?;
    let notice = SupervisorNotice {
        kind: NoticeKind::Problem,
        title: format!("买家问题待处理：{}", topic.label),
        link: format!("/agent/questions?tab=problems&problem={}", row.id),
        at: row.created_at,
        to: Some(owner.id),
    };
    state
        .bus
        .publish(tenant_id, Audience::Agents, ServerFrame::Notice { notice })
        .await;
    problem_view(
        state,
        tenant_id,
        row,
        Some(&topic),
        current_week(state, tenant_id).await,
    )
    .await
}

/// Marks a problem fixed on `fixed_on` (not after today), or open again.
pub async fn set_fixed(
    state: &AppState,
    tenant_id: Uuid,
    id: Uuid,
    fixed_on: Option<NaiveDate>,
) -> Result<ProblemView, ApiError> {
    let zone = zone_of(state, tenant_id).await;
    if fixed_on.is_some_and(|day| day > kpi::local_day(zone, now_ms())) {
        return Err(ApiError::new(
            ErrorCode::InvalidProblem,
            "a fix cannot be dated in the future",
        ));
    }
    let row = state
        .store
        .set_problem_fixed(tenant_id, id, fixed_on.map(day_key).as_deref(), now_ms())
        .await?
        .ok_or_else(|| ApiError::from(ErrorCode::ProblemNotFound))?;
    problem_view(
        state,
        tenant_id,
        row,
        None,
        current_week(state, tenant_id).await,
    )
    .await
}

/// Who may change a problem: its owner, or whoever reads reports.
pub async fn problem_owner(state: &AppState, tenant_id: Uuid, id: Uuid) -> Result<Uuid, ApiError> {
    Ok(state
        .store
        .topic_problem(tenant_id, id)
        .await?
        .ok_or_else(|| ApiError::from(ErrorCode::ProblemNotFound))?
        .owner_id)
}
