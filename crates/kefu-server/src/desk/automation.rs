//! The shop's automatic replies at the desk (WB-2, issue #17). What to say is decided by the
//! pure rules of `kefu_domain::automation` over the shop's document; this module listens
//! (a committed buyer message, a resolution, a first place in the queue, an agent who is slow)
//! and sends what they decide through the writer, as `automation` messages: durable, in order,
//! never an agent's reply. A reply that must go out once (a keyword rule within its cooldown,
//! the idle nudge per unanswered stretch, the off-hours reply per closed stretch, the queue
//! message) is claimed in the database first, so two processes never both send it.

use std::sync::Arc;
use std::time::Duration;

use kefu_domain::automation::{
    AUTOMATION_NAME, AutoReplies, KeywordMatcher, NoticeKind, WelcomeMessage,
};
use kefu_domain::conversation::{ConversationStatus, ConversationSummary};
use kefu_domain::message::{Message, MessageContent, MessageKind, SenderKind};
use kefu_domain::phrases::{Values, fill_for_buyer};
use kefu_domain::time::now_ms;
use kefu_store::AppendRequest;
use tokio::sync::{Mutex, mpsc};
use uuid::Uuid;

use crate::AppState;
use crate::desk::hooks::{Committed, MessageHook};
use crate::desk::shop_cache::ShopCache;
use crate::error::ApiError;

/// Events wait for the automation in a bounded queue; past it `kefu_automation_dropped_total`
/// counts what was not answered automatically (the conversation itself is unaffected).
const QUEUE: usize = 10_000;
/// The queue message goes out at most once in this long per conversation.
const QUEUE_MESSAGE_EVERY_MS: i64 = 30 * 60_000;
/// Conversations looked at per idle sweep, longest waiting first.
const IDLE_SWEEP: i64 = 500;
/// No nudge comes sooner than this after the buyer wrote, whatever the shop set.
const MIN_IDLE_MS: i64 = 60_000;

/// What the automation is told.
enum Job {
    /// A buyer's committed message (`reopened`: it reopened a resolved conversation).
    Buyer {
        conversation: Box<ConversationSummary>,
        message: Box<Message>,
        reopened: bool,
    },
    /// An agent (`by`) or the buyer (`None`) resolved the conversation.
    Resolved {
        conversation: Box<ConversationSummary>,
        by: Option<Uuid>,
    },
    /// The router told a waiting buyer their place for the first time.
    Queued {
        tenant_id: Uuid,
        conversation_id: Uuid,
        position: usize,
    },
}

/// A shop's document with its keyword rules compiled.
struct Compiled {
    replies: AutoReplies,
    matcher: KeywordMatcher,
}

/// A shop's compiled rules are read again after this long, so a change saved on another
/// process takes effect within it (at once on the process that saved it).
const RULES_TTL: Duration = Duration::from_secs(5);

/// The automation's inbox and each shop's compiled rules (`None`: it never saved any).
#[derive(Clone)]
pub struct AutomationDesk {
    jobs: mpsc::Sender<Job>,
    inbox: Arc<Mutex<Option<mpsc::Receiver<Job>>>>,
    compiled: ShopCache<Option<Arc<Compiled>>>,
}

impl Default for AutomationDesk {
    fn default() -> AutomationDesk {
        let (jobs, inbox) = mpsc::channel(QUEUE);
        AutomationDesk {
            jobs,
            inbox: Arc::new(Mutex::new(Some(inbox))),
            compiled: ShopCache::new(RULES_TTL),
        }
    }
}

impl AutomationDesk {
    /// Reads the shop's rules again on the next event (they were just saved).
    pub fn forget(&self, tenant_id: Uuid) {
        self.compiled.forget(tenant_id);
    }

    fn tell(&self, job: Job) {
        if self.jobs.try_send(job).is_err() {
            metrics::counter!("kefu_automation_dropped_total").increment(1);
        }
    }

    /// Agent `by` (or the buyer, leaving: `None`) resolved `conversation` (it was open): the
    /// closing message and the rating's invitation.
    pub fn resolved(&self, conversation: &ConversationSummary, by: Option<Uuid>) {
        self.tell(Job::Resolved {
            conversation: Box::new(conversation.clone()),
            by,
        });
    }

    /// A waiting buyer heard their place for the first time: the queue message.
    pub fn queued(&self, tenant_id: Uuid, conversation_id: Uuid, position: usize) {
        self.tell(Job::Queued {
            tenant_id,
            conversation_id,
            position,
        });
    }
}

/// Every committed buyer message may get a welcome, the off-hours reply or a keyword rule's.
impl MessageHook for AutomationDesk {
    fn committed(&self, c: &Committed<'_>) {
        if c.message.sender_kind == SenderKind::Buyer {
            self.tell(Job::Buyer {
                conversation: Box::new(c.conversation.clone()),
                message: Box::new(c.message.clone()),
                reopened: c.reopened,
            });
        }
    }
}

/// The shop's automatic replies, compiled; `None` when it never set any.
async fn compiled(state: &AppState, tenant_id: Uuid) -> Result<Option<Arc<Compiled>>, ApiError> {
    if let Some(kept) = state.automation.compiled.get(tenant_id) {
        return Ok(kept.as_ref().clone());
    }
    let (replies, version) = state.store.shop_document::<AutoReplies>(tenant_id).await?;
    let compiled = (version != 0).then(|| {
        Arc::new(Compiled {
            matcher: KeywordMatcher::new(&replies.keywords.rules),
            replies,
        })
    });
    state.automation.compiled.put(tenant_id, compiled.clone());
    Ok(compiled)
}

/// What the variables of an automatic reply or a quick phrase stand for in `conversation`;
/// `agent`: who sends it (an automatic reply speaks for the assigned agent).
pub async fn values_of(
    state: &AppState,
    conversation: &ConversationSummary,
    agent: Option<String>,
    position: Option<usize>,
) -> Values {
    let tenant = conversation.tenant_id;
    let (product, _) = crate::desk::robot::product_context(
        state,
        tenant,
        conversation.context.product_code.as_deref(),
    )
    .await;
    let office = crate::desk::dispatch::office(state, tenant).await;
    let now = now_ms();
    let next_open = office
        .as_ref()
        .and_then(|(_, s)| s.next_open(now).map(|at| s.label(at, now)));
    let hours = office.map(|(hours, _)| hours.describe());
    Values {
        buyer: Some(conversation.buyer_name.clone()).filter(|n| !n.is_empty()),
        order: conversation.context.order_no.clone(),
        product,
        agent: agent.or_else(|| conversation.assignee_name.clone()),
        hours,
        next_open,
        position: position.map(|p| p.to_string()),
    }
}

/// Sends an automatic message into the conversation, durably and in order.
async fn send(
    state: &AppState,
    conversation: &ConversationSummary,
    content: MessageContent,
    key: String,
) -> Result<(), ApiError> {
    state
        .writer
        .append(AppendRequest {
            tenant_id: conversation.tenant_id,
            conversation_id: conversation.id,
            sender_kind: SenderKind::Automation,
            sender_id: None,
            sender_name: AUTOMATION_NAME.to_owned(),
            client_msg_id: Some(key),
            content,
            external_id: None,
        })
        .await?;
    metrics::counter!("kefu_automatic_replies_total").increment(1);
    Ok(())
}

/// Sends `text` with its variables filled from the conversation.
async fn send_text(
    state: &AppState,
    conversation: &ConversationSummary,
    text: &str,
    position: Option<usize>,
    key: String,
) -> Result<(), ApiError> {
    let values = values_of(state, conversation, None, position).await;
    let content = MessageContent::parse(MessageKind::Text, &fill_for_buyer(text, &values), None)?;
    send(state, conversation, content, key).await
}

async fn welcome(
    state: &AppState,
    conversation: &ConversationSummary,
    welcome: &WelcomeMessage,
    key: String,
) -> Result<(), ApiError> {
    let values = values_of(state, conversation, None, None).await;
    let text = fill_for_buyer(&welcome.text, &values);
    let content = match welcome.buttons() {
        Some(mut buttons) => {
            buttons.text = text;
            MessageContent::buttons(&buttons)?
        }
        None => MessageContent::parse(MessageKind::Text, &text, None)?,
    };
    send(state, conversation, content, key).await
}

/// A buyer's message: the welcome when it opens (or reopens) the conversation; then, unless
/// the robot serves it, the off-hours reply once per closed stretch and the keyword rule it
/// matches, once per cooldown.
async fn on_buyer_message(
    state: &AppState,
    conversation: &ConversationSummary,
    message: &Message,
    reopened: bool,
) -> Result<(), ApiError> {
    if conversation.status == ConversationStatus::Invalid {
        return Ok(());
    }
    let Some(shop) = compiled(state, conversation.tenant_id).await? else {
        return Ok(());
    };
    let replies = &shop.replies;
    let (tenant, channel, now) = (conversation.tenant_id, conversation.channel, now_ms());
    if (message.seq == 1 || reopened)
        && let Some(w) = replies.welcome_for(conversation.entry, channel)
    {
        welcome(
            state,
            conversation,
            &w,
            format!("auto-welcome-{}", message.id),
        )
        .await?;
    }
    if conversation.robot_active && conversation.assignee_id.is_none() {
        return Ok(());
    }
    if let Some(text) = replies.notice(NoticeKind::OffHours, channel)
        && let Some(schedule) = crate::desk::dispatch::office_schedule(state, tenant).await
        && let Some(closed_since) = schedule.closed_since(now)
        && state
            .store
            .claim_automation(tenant, conversation.id, "off_hours", closed_since, now)
            .await?
    {
        send_text(
            state,
            conversation,
            text,
            None,
            format!("auto-off-{}", message.id),
        )
        .await?;
    }
    if replies.keywords_on(channel)
        && message.kind == MessageKind::Text
        && let Some(rule) = shop.matcher.matching(&message.body)
    {
        let claimed = state
            .store
            .claim_automation(
                tenant,
                conversation.id,
                &format!("kw:{}", rule.id),
                rule.quiet_since(now),
                now,
            )
            .await?;
        if claimed {
            send_text(
                state,
                conversation,
                &rule.reply,
                None,
                format!("auto-kw-{}", message.id),
            )
            .await?;
        }
    }
    Ok(())
}

/// A resolution: the closing message, then the rating's invitation for the agent's service
/// (the one assigned, else the one who resolved it; none when the robot alone served).
async fn on_resolved(
    state: &AppState,
    conversation: &ConversationSummary,
    by: Option<Uuid>,
) -> Result<(), ApiError> {
    let Some(shop) = compiled(state, conversation.tenant_id).await? else {
        return Ok(());
    };
    let channel = conversation.channel;
    if let Some(text) = shop.replies.notice(NoticeKind::Closing, channel) {
        send_text(
            state,
            conversation,
            text,
            None,
            format!("auto-closing-{}-{}", conversation.id, conversation.last_seq),
        )
        .await?;
    }
    if let Some(text) = shop.replies.notice(NoticeKind::Rating, channel) {
        let agent = conversation.assignee_id.or(by);
        if let Some(rating) = state
            .store
            .invite_rating(conversation.tenant_id, conversation.id, agent, now_ms())
            .await?
        {
            invite_to_rate(state, conversation, &rating, text).await?;
        }
    }
    Ok(())
}

/// The rating's invitation as a message the buyer taps (KPI-3); sent again when a supervisor
/// invites once more.
pub async fn invite_to_rate(
    state: &AppState,
    conversation: &ConversationSummary,
    rating: &kefu_domain::rating::Rating,
    text: &str,
) -> Result<(), ApiError> {
    let invitation = kefu_domain::rating::RatingInvitation {
        rating_id: rating.id,
        expires_at: rating.expires_at,
        text: text.to_owned(),
    };
    let key = format!("auto-rating-{}-{}", rating.id, rating.invited_at);
    send(
        state,
        conversation,
        MessageContent::rating(&invitation),
        key,
    )
    .await
}

/// The text a shop invites buyers to rate with (its own, else kefu's).
pub async fn rating_text(state: &AppState, tenant_id: Uuid) -> Result<String, ApiError> {
    let shop = compiled(state, tenant_id).await?;
    let text = shop.as_ref().map(|c| c.replies.rating.text.trim());
    Ok(match text {
        None | Some("") => AutoReplies::default().rating.text,
        Some(text) => text.to_owned(),
    })
}

async fn on_queued(
    state: &AppState,
    tenant_id: Uuid,
    conversation_id: Uuid,
    position: usize,
) -> Result<(), ApiError> {
    let Some(shop) = compiled(state, tenant_id).await? else {
        return Ok(());
    };
    let Some(conversation) = state.store.conversation(tenant_id, conversation_id).await? else {
        return Ok(());
    };
    let still_waiting = conversation.assignee_id.is_none()
        && !conversation.robot_active
        && conversation.status == ConversationStatus::Open;
    let Some(text) = shop.replies.notice(NoticeKind::Queue, conversation.channel) else {
        return Ok(());
    };
    let now = now_ms();
    if still_waiting
        && state
            .store
            .claim_automation(
                tenant_id,
                conversation_id,
                "queue",
                now - QUEUE_MESSAGE_EVERY_MS,
                now,
            )
            .await?
    {
        send_text(
            state,
            &conversation,
            text,
            Some(position),
            format!("auto-queue-{conversation_id}-{now}"),
        )
        .await?;
    }
    Ok(())
}

/// Buyers whose agent has not answered within the shop's idle minutes get the nudge, once per
/// unanswered stretch; the agent's timer keeps running. The leader runs it every tick.
pub async fn nudge_idle(state: &AppState) {
    let now = now_ms();
    let waiting = match state
        .store
        .idle_conversations(now - MIN_IDLE_MS, IDLE_SWEEP)
        .await
    {
        Ok(waiting) => waiting,
        Err(error) => {
            tracing::warn!(%error, "reading conversations for the idle nudge");
            return;
        }
    };
    for idle in waiting {
        if let Err(error) = nudge(state, &idle, now).await {
            tracing::warn!(%error, conversation = %idle.conversation_id, "the idle nudge failed");
        }
    }
}

async fn nudge(
    state: &AppState,
    idle: &kefu_store::IdleConversation,
    now: i64,
) -> Result<(), ApiError> {
    let Some(shop) = compiled(state, idle.tenant_id).await? else {
        return Ok(());
    };
    let Some(after) = shop.replies.idle_after_ms(idle.channel) else {
        return Ok(());
    };
    if idle.waiting_since + after > now {
        return Ok(());
    }
    let claimed = state
        .store
        .claim_automation(
            idle.tenant_id,
            idle.conversation_id,
            "idle",
            idle.last_agent_at + 1,
            now,
        )
        .await?;
    let conversation = state
        .store
        .conversation(idle.tenant_id, idle.conversation_id)
        .await?;
    if let (true, Some(conversation)) = (claimed, conversation) {
        send_text(
            state,
            &conversation,
            &shop.replies.idle.text,
            None,
            format!("auto-idle-{}-{now}", idle.conversation_id),
        )
        .await?;
    }
    Ok(())
}

/// Serves the automation's events until the process stops, one at a time, in order.
pub async fn run_forever(state: AppState) {
    let Some(mut inbox) = state.automation.inbox.lock().await.take() else {
        return;
    };
    loop {
        let job = tokio::select! {
            job = inbox.recv() => job,
            _ = state.shutdown.cancelled() => return,
        };
        let Some(job) = job else {
            return;
        };
        let done = match &job {
            Job::Buyer {
                conversation,
                message,
                reopened,
            } => on_buyer_message(&state, conversation, message, *reopened).await,
            Job::Resolved { conversation, by } => on_resolved(&state, conversation, *by).await,
            Job::Queued {
                tenant_id,
                conversation_id,
                position,
            } => on_queued(&state, *tenant_id, *conversation_id, *position).await,
        };
        if let Err(error) = done {
            tracing::warn!(%error, "an automatic reply failed");
        }
    }
}
