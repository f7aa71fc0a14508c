//! Escalation (ESC-1): a conversation or work order goes up the seeds' three levels when an
//! agent escalates it, when the shop's rules fire on what a buyer writes (complaint words,
//! anger, a threat to go public; with a big order or a third contact, level 2) or rates (one
//! star), or when a work order or a level's own deadline passes. Each new level is told at
//! once through the one outbound path (`notify`), and stays on the cockpit until handled.

use std::sync::Arc;
use std::time::Duration;

use kefu_domain::escalation::{
    Escalation, EscalationMatcher, EscalationRules, Level, Signs, Subject, Trigger,
};
use kefu_domain::frames::NoticeKind;
use kefu_domain::message::{MessageKind, SenderKind};
use kefu_domain::notify::NotifyEvent;
use kefu_domain::time::now_ms;
use kefu_store::StoreError;
use serde_json::json;
use tokio::sync::{Mutex, mpsc};
use uuid::Uuid;

use crate::AppState;
use crate::cases::notify::{self, Notice};
use crate::desk::hooks::{Committed, MessageHook};
use crate::desk::shop_cache::ShopCache;
use crate::error::ApiError;

/// Escalations the sweep handles per pass.
const SWEEP_BATCH: i64 = 200;
/// Buyers' messages waiting for the rules.
const QUEUE: usize = 4_096;
/// How long a process keeps a shop's compiled rules (another process's change shows after).
const RULES_TTL: Duration = Duration::from_secs(10);
/// Tries of a raise that lost a race with another (a second rule, the sweep).
const TRIES: usize = 3;
/// The window a buyer's contacts about one problem are counted in.
const CONTACT_WINDOW_MS: i64 = 7 * 24 * 3_600_000;

/// Raising a matter: what, why, to which level (an agent's choice) and by whom.
#[derive(Debug, Clone)]
pub struct Raise<'a> {
    pub subject: Subject,
    pub triggers: Vec<Trigger>,
    /// The level an agent chose; `None`: the level the triggers call for.
    pub level: Option<Level>,
    pub reason: &'a str,
    pub by: Option<Uuid>,
}

/// Escalates a matter: opens its escalation, or raises the one it has. `None` when nothing
/// calls for one; the escalation unchanged when it is already that high.
pub async fn raise(
    state: &AppState,
    tenant_id: Uuid,
    raise: Raise<'_>,
) -> Result<Option<Escalation>, ApiError> {
    let key = raise.subject.key();
    for _ in 0..TRIES {
        let now = now_ms();
        match state.store.open_escalation(tenant_id, &key).await? {
            Some(current) => {
                let Some(next) = current.raised(
                    &raise.triggers,
                    raise.level,
                    raise.reason,
                    raise.subject.work_order_id(),
                    raise.by,
                    now,
                ) else {
                    return Ok(Some(current));
                };
                if let Some(saved) = state.store.save_escalation(tenant_id, &next).await? {
                    announce(state, tenant_id, &saved).await;
                    return Ok(Some(saved));
                }
            }
            None => {
                let Some(new) = Escalation::raise(
                    Uuid::now_v7(),
                    raise.subject,
                    &raise.triggers,
                    raise.level,
                    raise.reason,
                    raise.by,
                    now,
                ) else {
                    return Ok(None);
                };
                match state.store.create_escalation(tenant_id, &new).await {
                    Ok(created) => {
                        metrics::counter!("kefu_escalations_total", "level" => created.level.as_str())
                            .increment(1);
                        announce(state, tenant_id, &created).await;
                        return Ok(Some(created));
                    }
                    Err(StoreError::Conflict(_)) => {}
                    Err(error) => return Err(error.into()),
                }
            }
        }
    }
    Err(kefu_domain::error_code::ErrorCode::EscalationChanged.into())
}

/// Where the UI shows an escalation.
pub fn link(escalation: &Escalation) -> String {
    format!(
        "/agent/cockpit?tab=escalations&escalation={}",
        escalation.id
    )
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::One => "一级",
        Level::Two => "二级",
        Level::Three => "三级",
    }
}

/// Tells an escalation's new level: in kefu to the supervisors (level 1: the team's
/// supervisors are told, the agent keeps it), to the shop's webhooks, and by text message to
/// the phones listed for the level.
async fn announce(state: &AppState, tenant_id: Uuid, escalation: &Escalation) {
    let reason = match escalation.reason.as_str() {
        "" => "规则触发",
        reason => reason,
    };
    let title = format!(
        "{}升级：{}",
        level_name(escalation.level),
        reason.chars().take(60).collect::<String>()
    );
    notify::announce(
        state,
        tenant_id,
        Notice {
            event: Some(NotifyEvent::EscalationRaised),
            kind: NoticeKind::Escalation,
            title,
            link: link(escalation),
            to: None,
            level: Some(escalation.level),
            data: json!({ "escalation": escalation }),
        },
    )
    .await;
}

/// Takes an escalation up, from the version read (`escalation_changed` otherwise).
pub async fn take(
    state: &AppState,
    tenant_id: Uuid,
    current: &Escalation,
    by: Uuid,
) -> Result<Escalation, ApiError> {
    let next = current.taken(by, now_ms())?;
    saved(state.store.save_escalation(tenant_id, &next).await?)
}

/// Marks an escalation handled with what was done, from the version read.
pub async fn handle(
    state: &AppState,
    tenant_id: Uuid,
    current: &Escalation,
    by: Uuid,
    outcome: &str,
) -> Result<Escalation, ApiError> {
    let next = current.handled(by, outcome, now_ms())?;
    saved(state.store.save_escalation(tenant_id, &next).await?)
}

fn saved(stored: Option<Escalation>) -> Result<Escalation, ApiError> {
    stored.ok_or_else(|| kefu_domain::error_code::ErrorCode::EscalationChanged.into())
}

/// The sweep (every five seconds, by the jobs' leader): an escalation its level's owner did
/// not take up in time goes one level up (level 3's is told once more), written only from
/// the version read, so two processes never raise it twice.
pub async fn sweep(state: &AppState) {
    let now = now_ms();
    let due = match state.store.due_escalations(now, SWEEP_BATCH).await {
        Ok(due) => due,
        Err(error) => {
            tracing::warn!(%error, "could not list escalations due");
            return;
        }
    };
    for (tenant_id, escalation) in due {
        let Some(next) = escalation.missed(now) else {
            continue;
        };
        match state.store.save_escalation(tenant_id, &next).await {
            Ok(Some(saved)) if saved.level > escalation.level => {
                announce(state, tenant_id, &saved).await;
            }
            Ok(Some(saved)) => {
                let title = format!("三级升级超时未处理：{}", saved.reason);
                notify::announce(
                    state,
                    tenant_id,
                    Notice {
                        event: Some(NotifyEvent::EscalationOverdue),
                        kind: NoticeKind::Escalation,
                        title,
                        link: link(&saved),
                        to: None,
                        level: Some(saved.level),
                        data: json!({ "escalation": saved }),
                    },
                )
                .await;
            }
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, "could not raise an escalation past its deadline"),
        }
    }
}

/// The shop's rules, compiled, kept a few seconds per process.
pub async fn rules(state: &AppState, tenant_id: Uuid) -> Result<Arc<EscalationMatcher>, ApiError> {
    if let Some(kept) = state.escalations.rules.get(tenant_id) {
        return Ok(kept);
    }
    let (rules, _) = state
        .store
        .shop_document::<EscalationRules>(tenant_id)
        .await?;
    Ok(state.escalations.rules.put(tenant_id, rules.matcher()))
}

/// This process saved the shop's rules: read them again on the next message.
pub fn forget_rules(state: &AppState, tenant_id: Uuid) {
    state.escalations.rules.forget(tenant_id);
}

/// A buyer rated a conversation: one star escalates it (when the shop's rules are on).
pub async fn rated(
    state: &AppState,
    tenant_id: Uuid,
    conversation_id: Uuid,
    stars: u8,
) -> Result<(), ApiError> {
    let matcher = rules(state, tenant_id).await?;
    let signs = Signs {
        stars: Some(stars),
        contacts: 1,
        ..Signs::default()
    };
    let triggers = matcher.triggers(&signs);
    if !triggers.is_empty() {
        raise(
            state,
            tenant_id,
            Raise {
                subject: Subject::Conversation(conversation_id),
                triggers,
                level: None,
                reason: "买家给出一星评价",
                by: None,
            },
        )
        .await?;
    }
    Ok(())
}

/// A work order passed its deadline: it is escalated (level 2, or one up).
pub async fn work_order_missed(
    state: &AppState,
    tenant_id: Uuid,
    order: &kefu_domain::work_order::WorkOrder,
) -> Result<(), ApiError> {
    let reason = format!("工单超时：{} {}", order.number, order.title);
    raise(
        state,
        tenant_id,
        Raise {
            subject: Subject::WorkOrder {
                id: order.id,
                conversation_id: order.conversation_id,
            },
            triggers: vec![Trigger::MissedDeadline],
            level: None,
            reason: &reason,
            by: None,
        },
    )
    .await?;
    Ok(())
}

/// A buyer's text message: the shop, the conversation, the text.
type Written = (Uuid, Uuid, String);

/// The rules at the desk: a writer hook hands buyers' text messages to a task of its own
/// (bounded queue; a message dropped when it is full is counted), which reads them against
/// the shop's rules.
#[derive(Clone)]
pub struct EscalationDesk {
    jobs: mpsc::Sender<Written>,
    inbox: Arc<Mutex<Option<mpsc::Receiver<Written>>>>,
    rules: ShopCache<EscalationMatcher>,
}

impl Default for EscalationDesk {
    fn default() -> EscalationDesk {
        let (jobs, inbox) = mpsc::channel(QUEUE);
        EscalationDesk {
            jobs,
            inbox: Arc::new(Mutex::new(Some(inbox))),
            rules: ShopCache::new(RULES_TTL),
        }
    }
}

impl MessageHook for EscalationDesk {
    fn committed(&self, c: &Committed<'_>) {
        if c.message.sender_kind != SenderKind::Buyer || c.message.kind != MessageKind::Text {
            return;
        }
        let job = (
            c.conversation.tenant_id,
            c.conversation.id,
            c.message.body.clone(),
        );
        if self.jobs.try_send(job).is_err() {
            metrics::counter!("kefu_escalation_messages_dropped_total").increment(1);
        }
    }
}

/// Reads buyers' messages against their shop's rules until the process stops.
pub async fn run_forever(state: AppState) {
    let Some(mut inbox) = state.escalations.inbox.lock().await.take() else {
        return;
    };
    while let Some((tenant_id, conversation_id, text)) = inbox.recv().await {
        if let Err(error) = buyer_wrote(&state, tenant_id, conversation_id, &text).await {
            tracing::warn!(%error, "could not read a buyer's message against the escalation rules");
        }
    }
}

/// What a buyer wrote, against the shop's rules: a complaint, anger or a threat escalates
/// the conversation; with its order over the shop's line, or the buyer's third contact about
/// it within a week, to level 2.
pub async fn buyer_wrote(
    state: &AppState,
    tenant_id: Uuid,
    conversation_id: Uuid,
    text: &str,
) -> Result<(), ApiError> {
    let matcher = rules(state, tenant_id).await?;
    let mut signs = Signs {
        text: Some(text),
        angry: kefu_robot::sounds_angry(text),
        contacts: 1,
        ..Signs::default()
    };
    // The order and the contacts only matter for an unhappy buyer: read them then.
    if matcher.triggers(&signs).is_empty() {
        return Ok(());
    }
    if let Some(conversation) = state.store.conversation(tenant_id, conversation_id).await? {
        let order_no = conversation.context.order_no.clone();
        if let Some(no) = &order_no {
            signs.order_total_fen = state
                .store
                .order(tenant_id, no)
                .await?
                .map(|o| o.total_fen.fen());
        }
        let since = now_ms() - CONTACT_WINDOW_MS;
        let earlier = state
            .store
            .conversations_of_buyer(tenant_id, conversation.buyer_id, 20)
            .await?;
        let contacts = earlier
            .iter()
            .filter(|c| c.created_at >= since && c.context.order_no == order_no)
            .count();
        signs.contacts = u32::try_from(contacts.max(1)).unwrap_or(u32::MAX);
    }
    let triggers = matcher.triggers(&signs);
    raise(
        state,
        tenant_id,
        Raise {
            subject: Subject::Conversation(conversation_id),
            triggers,
            level: None,
            reason: text,
            by: None,
        },
    )
    .await?;
    Ok(())
}
