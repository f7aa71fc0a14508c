//! The robot at the desk (BOT-1 … BOT-7): a shop in `robot_first` mode (or `night_only`
//! outside its office hours) has the robot take each new conversation. Every committed buyer
//! message in such a conversation goes to the robot, which answers, offers choices (the buyer
//! replies with a number), greets, or hands the buyer to people: asked for, a complaint, anger,
//! something it does not know, or misunderstood twice. The handoff goes into routing with the
//! robot's guess. Each shop's robot is built from its knowledge base and lexicons and rebuilt
//! when they change (`kb_version`).

use std::collections::HashMap;
use std::sync::Arc;

use kefu_domain::conversation::ConversationSummary;
use kefu_domain::message::{Button, Buttons, Message, MessageContent, MessageKind, SenderKind};
use kefu_domain::robot::{RobotMode, RobotSettings};
use kefu_domain::time::now_ms;
use kefu_robot::eval::{Calibration, cross_validate};
use kefu_robot::{Action, Context, Decision, Lexicon, Robot};
use kefu_store::{AppendRequest, NewRobotLog};
use tokio::sync::{Mutex, mpsc};
use uuid::Uuid;

use crate::AppState;
use crate::error::ApiError;

/// The robot's name in the chat.
pub const ROBOT_NAME: &str = "智能客服";

/// What buyers read when the robot passes them on.
const HANDOFF_TEXT: &str = "好的，正在为您转接人工客服，请稍候～";

/// A buyer message for the robot, with its shop, and whether it reopened the conversation.
type Job = (Uuid, Message, bool);
/// Buyer messages wait for the robot in a bounded queue (`limits.robot_queue`; issue #14).
/// Past it the robot does not keep the buyer waiting: the conversation goes to people
/// (`robot_busy`), through a queue of its own that a task of its own drains, and
/// `kefu_robot_overflow_total` counts it (alert on it). Past that queue too, the message stays
/// in the conversation for the team and `kefu_robot_dropped_total` counts it.
const OVERFLOW_QUEUE: usize = 10_000;
/// Each shop's robot with the knowledge base version it was built from.
type Built = HashMap<Uuid, (i64, Arc<Robot>)>;
/// Each shop's calibration curve with the knowledge base version it was measured on.
type Measured = HashMap<Uuid, (i64, Arc<Calibration>)>;

/// Buyer messages for the robot, and each shop's built robot.
#[derive(Clone)]
pub struct RobotDesk {
    jobs: mpsc::Sender<Job>,
    inbox: Arc<Mutex<Option<mpsc::Receiver<Job>>>>,
    overflow: mpsc::Sender<Job>,
    overflow_inbox: Arc<Mutex<Option<mpsc::Receiver<Job>>>>,
    built: Arc<Mutex<Built>>,
    /// Per shop, held while its robot builds: one build per shop at a time, and a build never
    /// holds up another shop's robot.
    building: Arc<Mutex<HashMap<Uuid, Arc<Mutex<()>>>>>,
    /// Per shop, its calibration curve and the knowledge base version it was measured on.
    calibrations: Arc<Mutex<Measured>>,
    /// Held while a calibration is measured.
    measuring: Arc<Mutex<()>>,
    /// Each shop's answer threshold as `robot_for` last read it with the knowledge base
    /// version: a decision reads the shop's robot settings once, not twice.
    thresholds: Arc<std::sync::Mutex<HashMap<Uuid, Option<f32>>>>,
}

impl RobotDesk {
    /// At most `queue` buyer messages wait for the robot.
    pub fn with_capacity(queue: usize) -> RobotDesk {
        let (jobs, inbox) = mpsc::channel(queue.max(1));
        let (overflow, overflow_inbox) = mpsc::channel(OVERFLOW_QUEUE);
        RobotDesk {
            jobs,
            inbox: Arc::new(Mutex::new(Some(inbox))),
            overflow,
            overflow_inbox: Arc::new(Mutex::new(Some(overflow_inbox))),
            built: Arc::new(Mutex::new(HashMap::new())),
            building: Arc::new(Mutex::new(HashMap::new())),
            calibrations: Arc::new(Mutex::new(HashMap::new())),
            measuring: Arc::new(Mutex::new(())),
            thresholds: Arc::new(std::sync::Mutex::new(HashMap::new())),
        }
    }
}

impl RobotDesk {
    /// A committed buyer message in a conversation the robot serves, or one that reopened a
    /// resolved conversation (the robot may take a returning buyer, as a new one).
    pub fn consider(&self, conversation: &ConversationSummary, message: &Message, reopened: bool) {
        let serving = conversation.robot_active && conversation.assignee_id.is_none();
        if serving || (reopened && !conversation.robot_active) {
            let job = (conversation.tenant_id, message.clone(), reopened);
            if let Err(full) = self.jobs.try_send(job) {
                metrics::counter!("kefu_robot_overflow_total").increment(1);
                if self.overflow.try_send(full.into_inner()).is_err() {
                    metrics::counter!("kefu_robot_dropped_total").increment(1);
                    tracing::warn!(conversation = %conversation.id, "the robot and its overflow are full; the message waits for the team");
                }
            }
        }
    }
}

/// A knowledge base entry read back from storage; entries that no longer parse are skipped.
fn entries_of(rows: Vec<kefu_store::KbRow>) -> Vec<kefu_robot::Entry> {
    rows.into_iter()
        .filter_map(|row| serde_json::from_value::<kefu_robot::Entry>(row.body).ok())
        .filter(|e| e.check().is_ok())
        .collect()
}

/// The shop's lexicon from its settings; an unreadable one is empty.
pub fn lexicon_of(settings: &RobotSettings) -> Lexicon {
    serde_json::from_value(settings.lexicon.clone()).unwrap_or_default()
}

/// The shop's robot if it is built from this version of the knowledge base; if not, the one
/// built from an earlier version, if any.
async fn built_robot(
    state: &AppState,
    tenant_id: Uuid,
    version: i64,
) -> Result<Arc<Robot>, Option<Arc<Robot>>> {
    let built = state.robot.built.lock().await;
    match built.get(&tenant_id) {
        Some((v, robot)) if *v == version => Ok(robot.clone()),
        other => Err(other.map(|(_, robot)| robot.clone())),
    }
}

/// The shop's robot, built on first use and again after its knowledge base changed (reading
/// only the questions that are new since the last build).
pub async fn robot_for(state: &AppState, tenant_id: Uuid) -> Result<Arc<Robot>, ApiError> {
    let settings = state.store.robot_settings(tenant_id).await?;
    if let Ok(mut thresholds) = state.robot.thresholds.lock() {
        thresholds.insert(tenant_id, settings.answer_threshold);
    }
    if let Ok(robot) = built_robot(state, tenant_id, settings.kb_version).await {
        return Ok(robot);
    }
    let gate = (state.robot.building.lock().await)
        .entry(tenant_id)
        .or_default()
        .clone();
    let _building = gate.lock().await;
    // Another request may have built it while this one waited, or the base moved on again.
    let settings = state.store.robot_settings(tenant_id).await?;
    let previous = match built_robot(state, tenant_id, settings.kb_version).await {
        Ok(robot) => return Ok(robot),
        Err(previous) => previous,
    };
    let entries = entries_of(state.store.kb_entries(tenant_id).await?);
    let flows: Vec<kefu_robot::Flow> = state
        .store
        .robot_flows(tenant_id)
        .await?
        .into_iter()
        .filter_map(|row| serde_json::from_value(row.body).ok())
        .collect();
    let lexicon = lexicon_of(&settings);
    let robot = tokio::task::spawn_blocking(move || {
        Robot::rebuild(previous.as_deref(), entries, flows, &lexicon)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("building the robot: {e}")))?;
    let robot = Arc::new(robot);
    (state.robot.built.lock().await).insert(tenant_id, (settings.kb_version, robot.clone()));
    Ok(robot)
}

/// Rounds of the shop's cross-validation: each builds a robot on four fifths of the questions.
const CALIBRATION_FOLDS: usize = 5;
/// Held-out answerable questions asked per round at most (a third as many unanswerable).
const CALIBRATION_QUESTIONS: usize = 400;

/// The shop's calibration curve (BOT-6): measured by cross-validation on its knowledge base
/// the first time it is asked for after the base changed, then kept. One measurement per
/// at a time across shops (it builds robots: seconds for a large base), never holding up a
/// shop's robot.
pub async fn calibration_for(
    state: &AppState,
    tenant_id: Uuid,
) -> Result<(RobotSettings, Arc<Calibration>), ApiError> {
    let cached = |version: i64| async move {
        (state.robot.calibrations.lock().await)
            .get(&tenant_id)
            .filter(|(v, _)| *v == version)
            .map(|(_, c)| c.clone())
    };
    let settings = state.store.robot_settings(tenant_id).await?;
    if let Some(found) = cached(settings.kb_version).await {
        return Ok((settings, found));
    }
    // Held until the measurement ends, even if the caller has gone: measurements never run
    // side by side.
    let measuring = state.robot.measuring.clone().lock_owned().await;
    let settings = state.store.robot_settings(tenant_id).await?;
    if let Some(found) = cached(settings.kb_version).await {
        return Ok((settings, found));
    }
    let entries = entries_of(state.store.kb_entries(tenant_id).await?);
    let lexicon = lexicon_of(&settings);
    let context = context_of_shop(state, tenant_id).await;
    let calibration = tokio::task::spawn_blocking(move || {
        let _measuring = measuring;
        cross_validate(
            &entries,
            &lexicon,
            CALIBRATION_FOLDS,
            CALIBRATION_QUESTIONS,
            &context,
        )
    })
    .await
    .map_err(|e| ApiError::Internal(format!("measuring the robot: {e}")))?;
    let calibration = Arc::new(calibration);
    (state.robot.calibrations.lock().await)
        .insert(tenant_id, (settings.kb_version, calibration.clone()));
    Ok((settings, calibration))
}

/// Builds the shop's robot now, in the background, after its knowledge base, flows or
/// lexicon changed: the next buyer does not wait for the build.
pub fn rebuild_soon(state: &AppState, tenant_id: Uuid) {
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(error) = robot_for(&state, tenant_id).await {
            tracing::warn!(%error, %tenant_id, "rebuilding the robot");
        }
    });
}

/// The knowledge base version the shop's robot in memory was built from, if it is built.
pub async fn built_version(state: &AppState, tenant_id: Uuid) -> Option<i64> {
    (state.robot.built.lock().await)
        .get(&tenant_id)
        .map(|(version, _)| *version)
}

/// Whether the robot takes a conversation that opens now (BOT-7: nights only, or always).
pub async fn takes_new(state: &AppState, tenant_id: Uuid) -> bool {
    let Ok(settings) = state.store.robot_settings(tenant_id).await else {
        return false;
    };
    match (settings.mode, settings.night_only) {
        (RobotMode::RobotFirst, false) => true,
        (RobotMode::RobotFirst, true) => {
            let now = now_ms();
            crate::desk::dispatch::office_schedule(state, tenant_id)
                .await
                .is_some_and(|s| !s.is_open(now))
        }
        _ => false,
    }
}

/// A new conversation: the robot takes it when the shop says so.
pub async fn adopt(state: &AppState, conversation: &ConversationSummary) {
    if conversation.assignee_id.is_none()
        && takes_new(state, conversation.tenant_id).await
        && let Err(error) = state
            .store
            .adopt_conversation(conversation.tenant_id, conversation.id)
            .await
    {
        tracing::warn!(%error, "the robot could not take a conversation");
    }
}

/// Serves the robot's messages until the process stops, one at a time, in commit order.
pub async fn run_forever(state: AppState) {
    let Some(mut inbox) = state.robot.inbox.lock().await.take() else {
        return;
    };
    let _overflow = tokio_util::task::AbortOnDropHandle::new(tokio::spawn(hand_over_the_overflow(
        state.clone(),
    )));
    loop {
        let job = tokio::select! {
            job = inbox.recv() => job,
            _ = state.shutdown.cancelled() => return,
        };
        let Some((tenant_id, message, reopened)) = job else {
            return;
        };
        if let Err(error) = serve(&state, tenant_id, &message, reopened).await {
            tracing::warn!(%error, "the robot failed on a message");
        }
    }
}

/// Buyers the robot had no room for go to people at once, rather than wait behind a queue
/// that is already full (issue #14).
async fn hand_over_the_overflow(state: AppState) {
    let Some(mut inbox) = state.robot.overflow_inbox.lock().await.take() else {
        return;
    };
    loop {
        let job = tokio::select! {
            job = inbox.recv() => job,
            _ = state.shutdown.cancelled() => return,
        };
        let Some((tenant_id, message, _)) = job else {
            return;
        };
        let conversation = match state
            .store
            .conversation(tenant_id, message.conversation_id)
            .await
        {
            Ok(Some(c)) if c.robot_active && c.assignee_id.is_none() => c,
            Ok(_) => continue,
            Err(error) => {
                tracing::warn!(%error, "reading a conversation the robot had no room for");
                continue;
            }
        };
        if let Err(error) =
            hand_off(&state, &conversation, &message, "robot_busy", None, None).await
        {
            tracing::warn!(%error, "handing over a conversation the robot had no room for");
        }
    }
}

/// The product a code names, as the robot reads it: its title ("这个" means it) and category.
pub async fn product_context(
    state: &AppState,
    tenant_id: Uuid,
    code: Option<&str>,
) -> (Option<String>, Option<String>) {
    let product = match code {
        Some(code) => state.store.product(tenant_id, code).await.ok().flatten(),
        None => None,
    };
    product.map_or((None, None), |p| (Some(p.title), Some(p.category)))
}

/// What the robot knows of the conversation: the product in context, entry, channel, office
/// hours and the time. The same for serving buyers and suggesting replies to agents.
pub async fn context_of(state: &AppState, conversation: &ConversationSummary) -> Context {
    let c = &conversation.context;
    let (product_title, category) =
        product_context(state, conversation.tenant_id, c.product_code.as_deref()).await;
    Context {
        product: c.sku_code.clone().or(c.product_code.clone()),
        product_title,
        category,
        entry: Some(conversation.entry.as_str().to_owned()),
        channel: Some(conversation.channel.as_str().to_owned()),
        ..context_of_shop(state, conversation.tenant_id).await
    }
}

/// What the robot knows without a conversation: the shop's office hours, the time and the
/// shop's answer threshold.
pub async fn context_of_shop(state: &AppState, tenant_id: Uuid) -> Context {
    let now = now_ms();
    let office = crate::desk::dispatch::office_schedule(state, tenant_id).await;
    // As the shop's robot was just fetched with (`robot_for`), else read.
    let known = state
        .robot
        .thresholds
        .lock()
        .ok()
        .and_then(|t| t.get(&tenant_id).copied());
    let answer_threshold = match known {
        Some(threshold) => threshold,
        None => state
            .store
            .robot_settings(tenant_id)
            .await
            .ok()
            .and_then(|s| s.answer_threshold),
    };
    Context {
        in_office_hours: office.map(|s| s.is_open(now)),
        now_ms: now,
        answer_threshold,
        ..Context::default()
    }
}

/// The buyer picks one of the choices last offered: a tapped button sends the question
/// itself; "2", "第二个", "选1" pick by position.
fn picked(robot: &Robot, text: &str, offered: &[String]) -> Option<usize> {
    let t = text.trim();
    offered
        .iter()
        .position(|id| {
            robot
                .entry(id)
                .is_some_and(|e| kefu_robot::flow::says(t, &e.question))
        })
        .or_else(|| kefu_robot::flow::ordinal(t, offered.len().min(3)))
}

/// Words with which a buyer says the last answer missed.
const MISSED: &[&str] = &[
    "不是这个",
    "不对",
    "答非所问",
    "没用",
    "不是问这个",
    "你没懂",
    "听不懂",
];

async fn serve(
    state: &AppState,
    tenant_id: Uuid,
    message: &Message,
    reopened: bool,
) -> Result<(), ApiError> {
    if !matches!(message.kind, MessageKind::Text | MessageKind::Image) {
        return Ok(());
    }
    let Some(mut conversation) = state
        .store
        .conversation(tenant_id, message.conversation_id)
        .await?
    else {
        return Ok(());
    };
    // A buyer coming back to a resolved conversation meets the robot first, as a new one
    // would; whoever served them before is kept for the handoff (sticky routing).
    if reopened
        && !conversation.robot_active
        && takes_new(state, tenant_id).await
        && let Some(taken) = state
            .store
            .readopt_conversation(tenant_id, conversation.id)
            .await?
    {
        crate::desk::outbound::publish_conversation(state, &taken).await;
        conversation = taken;
    }
    if !conversation.robot_active || conversation.assignee_id.is_some() {
        return Ok(());
    }
    let robot = robot_for(state, tenant_id).await?;
    // A flow in progress reads the message first (BOT-4).
    if crate::desk::flows::continue_flow(state, &robot, &conversation, message).await? {
        return Ok(());
    }
    if message.kind != MessageKind::Text {
        return Ok(());
    }
    let recent = state
        .store
        .robot_log_of(tenant_id, conversation.id, 4)
        .await?;
    let text = message.body.as_str();
    // A reply to the choices just offered.
    if let Some(last) = recent.first().filter(|l| l.action == "clarify")
        && let Some(i) = picked(&robot, text, &last.choices)
    {
        let id = &last.choices[i];
        if let Some(flow) = id.strip_prefix(kefu_robot::robot::FLOW_PREFIX) {
            return crate::desk::flows::start(state, &robot, &conversation, message, flow).await;
        }
        // Past its review date since it was offered: a person answers (issue #16).
        if robot.is_outdated(id, kefu_domain::time::now_ms()) {
            return hand_off(state, &conversation, message, "outdated", None, None).await;
        }
        if let Some(entry) = robot.entry(id) {
            log(
                state,
                &conversation,
                text,
                "answer",
                Some(&entry.id),
                Some("picked"),
                1.0,
                &[],
            )
            .await;
            return say(
                state,
                &conversation,
                message,
                &answer_replies(&entry.answer),
            )
            .await;
        }
    }
    let context = context_of(state, &conversation).await;
    let decision = robot.decide(text, &context);
    // Misunderstood twice: a clarification or a "that's not it" after one already.
    let corrected = MISSED.iter().any(|w| text.contains(w));
    let missed_before = recent
        .iter()
        .take_while(|l| l.action == "clarify" || l.reason.as_deref() == Some("corrected"))
        .count();
    let unsure = matches!(decision.action, Action::Clarify { .. }) || corrected;
    if unsure && missed_before >= 1 {
        return hand_off(
            state,
            &conversation,
            message,
            "misunderstood",
            Some(&decision),
            None,
        )
        .await;
    }
    match &decision.action {
        Action::Answer { id, answer, .. } if !corrected => {
            log(
                state,
                &conversation,
                text,
                "answer",
                Some(id),
                None,
                decision.confidence.into(),
                &[],
            )
            .await;
            // Several questions in the message: each answer in turn (issue #16).
            let mut replies = answer_replies(answer);
            for more in &decision.also {
                replies.extend(answer_replies(&more.answer));
            }
            say(state, &conversation, message, &replies).await
        }
        Action::Flow { id, .. } if !corrected => {
            crate::desk::flows::start(state, &robot, &conversation, message, id).await
        }
        Action::Clarify { choices } if !choices.is_empty() => {
            let ids: Vec<String> = choices.iter().map(|c| c.id.clone()).collect();
            let reason = corrected.then_some("corrected");
            log(
                state,
                &conversation,
                text,
                "clarify",
                None,
                reason,
                decision.confidence.into(),
                &ids,
            )
            .await;
            let reply = Buttons {
                text: "您是想问以下哪个问题？点选即可，找人工客服请回复「人工」。".to_owned(),
                buttons: choices
                    .iter()
                    .map(|c| Button {
                        label: kefu_robot::flow::button_text(&c.question),
                        reply: kefu_robot::flow::button_text(&c.question),
                    })
                    .collect(),
            };
            say(state, &conversation, message, &[Reply::Buttons(reply)]).await
        }
        Action::Greet { text: greeting } => {
            log(state, &conversation, text, "greet", None, None, 0.0, &[]).await;
            say(
                state,
                &conversation,
                message,
                &[Reply::Text(greeting.clone())],
            )
            .await
        }
        Action::Handoff { reason } => {
            hand_off(
                state,
                &conversation,
                message,
                reason.as_str(),
                Some(&decision),
                None,
            )
            .await
        }
        // An answer the buyer just said was wrong, or nothing to offer: ask once more.
        _ => {
            log(
                state,
                &conversation,
                text,
                "clarify",
                None,
                Some("corrected"),
                0.0,
                &[],
            )
            .await;
            let again = "抱歉没能理解您的问题，能换个说法再描述一下吗？找人工客服请回复「人工」。";
            say(
                state,
                &conversation,
                message,
                &[Reply::Text(again.to_owned())],
            )
            .await
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn log(
    state: &AppState,
    conversation: &ConversationSummary,
    text: &str,
    action: &str,
    entry_id: Option<&str>,
    reason: Option<&str>,
    confidence: f64,
    choices: &[String],
) {
    let entry = NewRobotLog {
        tenant_id: conversation.tenant_id,
        conversation_id: Some(conversation.id),
        text,
        action,
        entry_id,
        reason,
        confidence,
        choices,
    };
    if let Err(error) = state.store.log_robot(&entry).await {
        tracing::warn!(%error, "writing the robot's log failed");
    }
}

/// One message the robot sends.
pub enum Reply {
    Text(String),
    Buttons(Buttons),
    /// The card of a product of the shop, by its code.
    ProductCard(String),
    /// A picture the shop uploaded, by its attachment id.
    Image(Uuid),
}

/// An entry's answer as the robot sends it: its text (with its buttons when it has them),
/// then its picture, then the product's card when it names one.
fn answer_replies(answer: &kefu_robot::Answer) -> Vec<Reply> {
    let mut replies = vec![answer_reply(answer)];
    if let Some(id) = answer.image.as_deref().and_then(|id| id.parse().ok()) {
        replies.push(Reply::Image(id));
    }
    if let Some(code) = &answer.product_code {
        replies.push(Reply::ProductCard(code.clone()));
    }
    replies
}

fn answer_reply(answer: &kefu_robot::Answer) -> Reply {
    match answer.buttons.is_empty() {
        true => Reply::Text(answer.text.clone()),
        false => Reply::Buttons(Buttons {
            text: answer.text.clone(),
            buttons: answer
                .buttons
                .iter()
                .map(|b| Button {
                    label: kefu_robot::flow::button_text(b),
                    reply: kefu_robot::flow::button_text(b),
                })
                .collect(),
        }),
    }
}

/// An uploaded picture of the shop's, if there is one by this id.
pub(crate) async fn shop_picture(
    state: &AppState,
    tenant_id: Uuid,
    id: Uuid,
) -> Result<Option<kefu_domain::message::Attachment>, ApiError> {
    Ok(state
        .store
        .attachment(id)
        .await?
        .filter(|a| a.tenant_id == tenant_id && a.attachment.content_type.starts_with("image/"))
        .map(|a| a.attachment))
}

/// The robot's messages in the conversation, answering `to` (idempotent per message: a
/// retried job sends nothing twice).
pub(crate) async fn say(
    state: &AppState,
    conversation: &ConversationSummary,
    to: &Message,
    replies: &[Reply],
) -> Result<(), ApiError> {
    for (k, reply) in replies.iter().enumerate() {
        let content = match reply {
            Reply::Text(text) => MessageContent::parse(MessageKind::Text, text, None)?,
            Reply::Buttons(buttons) => MessageContent::buttons(buttons)?,
            Reply::Image(id) => {
                if shop_picture(state, conversation.tenant_id, *id)
                    .await?
                    .is_none()
                {
                    // The picture was removed: the answer stands without it.
                    tracing::warn!(%id, "a robot answer's picture is gone");
                    continue;
                }
                MessageContent::parse(MessageKind::Image, "", Some(*id))?
            }
            Reply::ProductCard(code) => {
                let named = serde_json::json!({ "product_code": code }).to_string();
                let card = MessageContent::parse(MessageKind::ProductCard, &named, None)?;
                match crate::desk::cards::resolve_card(
                    state,
                    conversation.tenant_id,
                    None,
                    card,
                    None,
                )
                .await
                {
                    Ok(card) => card,
                    Err(error) => {
                        // The product is gone from the catalogue: the answer stands without it.
                        tracing::warn!(%error, %code, "a robot answer names an unknown product");
                        continue;
                    }
                }
            }
        };
        let client_msg_id = match k {
            0 => format!("robot-{}", to.id),
            k => format!("robot-{}-{k}", to.id),
        };
        state
            .writer
            .append(AppendRequest {
                tenant_id: conversation.tenant_id,
                conversation_id: conversation.id,
                sender_kind: SenderKind::Bot,
                sender_id: None,
                sender_name: ROBOT_NAME.to_owned(),
                client_msg_id: Some(client_msg_id),
                content,
                external_id: None,
            })
            .await?;
    }
    Ok(())
}

/// Passes the buyer to people: a note to the buyer, a `robot_handoff` event with the reason,
/// the robot's guess and what a flow collected, and the router wakes for the conversation.
pub(crate) async fn hand_off(
    state: &AppState,
    conversation: &ConversationSummary,
    to: &Message,
    reason_text: &str,
    decision: Option<&Decision>,
    slots: Option<serde_json::Value>,
) -> Result<(), ApiError> {
    let guess = decision.and_then(|d| d.candidates.first());
    let issue_type = guess.and_then(|c| kefu_domain::routing::issue_type_of(&c.question));
    log(
        state,
        conversation,
        &to.body,
        "handoff",
        guess.map(|c| c.id.as_str()),
        Some(reason_text),
        decision.map_or(0.0, |d| d.confidence.into()),
        &[],
    )
    .await;
    say(
        state,
        conversation,
        to,
        &[Reply::Text(HANDOFF_TEXT.to_owned())],
    )
    .await?;
    let data = serde_json::json!({
        "reason": reason_text,
        "guess": guess.map(|c| serde_json::json!({ "id": c.id, "question": c.question, "probability": c.probability })),
        "issue_type": issue_type,
        "flow": slots,
    });
    if let Some(summary) = state
        .store
        .robot_handoff(conversation.tenant_id, conversation.id, data)
        .await?
    {
        crate::desk::outbound::publish_conversation(state, &summary).await;
        state.dispatcher.wake();
    }
    Ok(())
}
