//! The channels (issue #21, CH-3): buyers on outside platforms, served through the desk like
//! the chat page. With no HTTP in it. A platform's callback is read and checked by its
//! adapter (`wechat_mp.rs`, `wecom_kf.rs`, `douyin.rs`, with the pure wire formats of `kefu_channels`; the
//! WeChat family's API calls in `wx_api.rs`) and enters by
//! `desk::inbound`, the chat page's door (the writer, dedupe by the platform's message id);
//! a reply leaves by `desk::outbound`, which hands it to the `ChannelOutbox` here: a bounded
//! queue, turned by a task per shop into a delivery in the database (the notifications' queue,
//! `cases::notify`), tried at once and, if that fails, by the jobs' leader with backoff, each
//! try in the delivery log. Access tokens are kept in the database, sealed, for every process.

pub mod douyin;
pub mod email;
pub mod inbox;
pub mod moves;
pub mod phone;
pub mod wechat_mp;
pub mod wecom_kf;
pub mod widget;
pub mod wx_api;

use std::sync::Arc;
use std::time::Duration;

use kefu_channels::window::{ReplyRule, WindowState};
use kefu_domain::channel::{Channel, Overflow};
use kefu_domain::conversation::ConversationSummary;
use kefu_domain::error_code::ErrorCode;
use kefu_domain::message::{Message, SenderKind};
use kefu_domain::time::now_ms;
use kefu_store::{ChannelRow, ChannelSeen, Delivery, NewAudit, NewChannel, NewDelivery, Store};
use tokio::sync::{Mutex, mpsc};
use uuid::Uuid;

use crate::AppState;
use crate::deliveries::{self, Outcome};
use crate::desk::outbound::ChannelSender;
use crate::desk::shop_cache::ShopCache;
use crate::error::ApiError;

/// Replies waiting for the outbox's task; a full queue drops (and counts) the newest.
const QUEUE: usize = 4_096;
/// Replies of one shop waiting for their turn.
const SHOP_QUEUE: usize = 1_024;
/// The most replies of a shop queued in one transaction.
const BATCH: usize = 64;
/// Tries of a batch are recorded this many at a time (a crash between a send and its
/// record sends it again: at most this many).
const RECORD_EVERY: usize = 8;
/// A batch starts tries only this long after it was queued; what is left is the leader's
/// (due after `FIRST_RETRY_MS`). With `TRY_LIMIT`, every try of the batch ends before the
/// leader may take its rows, so the two never send one twice, and a platform that is down
/// holds its shop's replies for at most this long.
const BATCH_WINDOW: Duration = Duration::from_secs(5);
/// A delivery tried at once is due again for the leader only after this, longer than a
/// batch's window and a whole try together (`BATCH_WINDOW` + `TRY_LIMIT`), so the two never
/// send it twice.
const FIRST_RETRY_MS: i64 = 30_000;
/// The longest one try of a delivery may take, token, upload and retry included.
const TRY_LIMIT: Duration = Duration::from_secs(20);
const TIMEOUT: Duration = Duration::from_secs(10);
/// How long a process trusts what it read of a shop's channels.
const CONNECTED_TTL: Duration = Duration::from_secs(5);

/// The kinds of channel kefu connects. Their names are the command line's and the API's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    WechatMp,
    WecomKf,
    Douyin,
    Email,
    Phone,
    Widget,
}

impl Kind {
    pub fn parse(s: &str) -> Result<Kind, ApiError> {
        match s {
            "wechat_mp" | "wechat-mp" => Ok(Kind::WechatMp),
            "wecom_kf" | "wecom-kf" => Ok(Kind::WecomKf),
            "douyin" => Ok(Kind::Douyin),
            "widget" => Ok(Kind::Widget),
            "phone" => Ok(Kind::Phone),
            "email" => Ok(Kind::Email),
            _ => Err(ApiError::new(
                ErrorCode::ChannelKindUnsupported,
                format!("no channel kind `{s}`"),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::WechatMp => "wechat_mp",
            Kind::WecomKf => "wecom_kf",
            Kind::Douyin => "douyin",
            Kind::Email => "email",
            Kind::Phone => "phone",
            Kind::Widget => "widget",
        }
    }

    /// The conversation channel its buyers are on.
    pub fn channel(self) -> Channel {
        match self {
            Kind::WechatMp => Channel::WechatMp,
            Kind::WecomKf => Channel::Wecom,
            Kind::Douyin => Channel::Douyin,
            Kind::Email => Channel::Email,
            Kind::Phone => Channel::Phone,
            // The widget opens the chat page: its buyers are the web's.
            Kind::Widget => Channel::Web,
        }
    }

    /// Where the platform calls kefu, below the server's public address (the widget: where
    /// the shop's site loads its script).
    pub fn callback_path(self, id: Uuid) -> String {
        match self {
            Kind::WechatMp => format!("/hooks/wechat-mp/{id}"),
            Kind::WecomKf => format!("/hooks/wecom-kf/{id}"),
            Kind::Douyin => format!("/hooks/douyin/{id}"),
            Kind::Phone => format!("/hooks/phone/{id}"),
            // Mail is read from the channel's mailbox: nothing calls kefu.
            Kind::Email => String::new(),
            Kind::Widget => format!("/widget/{id}.js"),
        }
    }
}

/// A channel to connect, as the settings page and `kefu channel add` give it.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct ChannelInput {
    /// `wechat_mp`, `wecom_kf`, `douyin`, `email`, `phone` or `widget`.
    pub kind: String,
    /// What agents see it as; defaults to the kind's name and the account's id.
    #[serde(default)]
    pub name: Option<String>,
    /// The Official Account's AppID; WeCom's CorpID (企业ID); Douyin's Client Key; the phone
    /// line's number; the email address.
    #[serde(default)]
    pub app_id: String,
    /// The AppSecret; WeCom 微信客服's Secret; Douyin's Client Secret; the mailbox's password
    /// (or the mail service's 授权码).
    #[serde(default)]
    pub app_secret: String,
    /// The token signatures are made with (1–32 characters; not for Douyin); the phone line's
    /// push password (16–64 characters, HTTP Basic or `Bearer`).
    #[serde(default)]
    pub token: String,
    /// The 43-character EncodingAESKey (compatible and safe mode; always for WeCom).
    #[serde(default)]
    pub aes_key: Option<String>,
    /// An Official Account's `safe` (the default), `compatible` or `plain`; WeCom is always
    /// encrypted. A phone line's call records: `tccc` (the default) or `generic`.
    #[serde(default)]
    pub mode: Option<String>,
    /// The platform API's address: only for a test double of it, and only where the server
    /// allows one (`http.channel_test_doubles`); ignored otherwise.
    #[serde(default)]
    pub api_base: Option<String>,
    /// The widget's sites (`https://shop.example.com`, up to 10): only they may show the chat
    /// in a frame.
    #[serde(default)]
    pub origins: Vec<String>,
    /// The widget's colour, `#RRGGBB`.
    #[serde(default)]
    pub color: Option<String>,
    /// Where the widget's bubble sits: `right` (the default) or `left`.
    #[serde(default)]
    pub position: Option<String>,
    /// A phone line's hours (CH-4; every day 09:00–21:00 when absent): a call in outside
    /// them is owed a callback.
    #[serde(default)]
    pub hours: Option<kefu_domain::hours::OfficeHours>,
    /// An email channel's IMAP and SMTP servers.
    #[serde(default)]
    pub email: Option<email::Servers>,
    /// A WeCom 微信客服 account's contact link (客服链接), to move buyers to it.
    #[serde(default)]
    pub contact_url: Option<String>,
}

/// A channel's overflow rule (CH-7), when it has one.
pub fn overflow(channel: &ChannelRow) -> Option<Overflow> {
    serde_json::from_value::<Overflow>(channel.settings.get("overflow")?.clone())
        .ok()
        .filter(|o| o.limit > 0)
}

/// Checks `input` and connects the channel, audited as `actor` did it.
pub async fn connect(
    store: &Store,
    tenant_id: Uuid,
    input: &ChannelInput,
    actor: (Option<Uuid>, &str),
    test_doubles: bool,
) -> Result<ChannelRow, ApiError> {
    let kind = Kind::parse(input.kind.trim())?;
    let (checked, default_name) = match kind {
        Kind::WechatMp => (wechat_mp::check(input, test_doubles)?, "微信公众号"),
        Kind::WecomKf => (wecom_kf::check(input, test_doubles)?, "企业微信客服"),
        Kind::Douyin => (douyin::check(input, test_doubles)?, "抖音企业号"),
        Kind::Phone => (phone::check(input)?, "客服热线"),
        Kind::Email => (email::check(input, test_doubles)?, "客服邮箱"),
        Kind::Widget => (widget::check(input)?, "网站聊天插件"),
    };
    let name = input
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| match kind {
            Kind::Widget => default_name.to_owned(),
            _ => format!("{default_name} {}", checked.public_id),
        });
    if name.chars().count() > 60 {
        return Err(ApiError::new(
            ErrorCode::InvalidChannel,
            "a name of 1–60 characters",
        ));
    }
    let new = NewChannel {
        kind: kind.as_str(),
        name: &name,
        public_id: &checked.public_id,
        settings: &checked.settings,
        secrets: &checked.secrets,
    };
    let (actor_id, actor_name) = actor;
    let row = store
        .create_channel(tenant_id, &new, |row| {
            vec![crate::audit::by_actor(
                tenant_id,
                actor_id,
                actor_name,
                "channel.connect",
                format!("channel:{}", row.id),
                serde_json::json!({"kind": row.kind, "public_id": row.public_id, "settings": row.settings}),
            )]
        })
        .await?;
    if kind == Kind::Email {
        email::enlist(store, row.id).await?;
    }
    Ok(row)
}

/// A channel's checked settings: the account's id, the public settings, the secrets.
pub struct Checked {
    pub public_id: String,
    pub settings: serde_json::Value,
    pub secrets: serde_json::Value,
}

/// The channel a platform's callback names (kept a few seconds; forgotten here on a change;
/// an id that names none is not kept).
pub async fn callback_channel(
    state: &AppState,
    id: Uuid,
) -> Result<Option<Arc<ChannelRow>>, ApiError> {
    if let Some(kept) = state.channel_outbox.rows.get(id) {
        return Ok((*kept).clone());
    }
    let row = state.store.channel_for_callback(id).await?.map(Arc::new);
    // Only channels are kept: ids that name none (anyone may ask for any) would grow the
    // cache without end.
    if row.is_some() {
        state.channel_outbox.rows.put(id, row.clone());
    }
    Ok(row)
}

/// The channel of `kind` a callback names, or `channel_not_found`.
pub async fn callback_channel_of(
    state: &AppState,
    id: Uuid,
    kind: Kind,
) -> Result<Arc<ChannelRow>, ApiError> {
    callback_channel(state, id)
        .await?
        .filter(|c| c.kind == kind.as_str())
        .ok_or_else(|| ErrorCode::ChannelNotFound.into())
}

/// A callback refused: it did not prove it came from the platform.
pub fn refused(kind: Kind, error: kefu_channels::WireError) -> ApiError {
    ApiError::new(ErrorCode::Forbidden, format!("{}: {error}", kind.as_str()))
}

/// Forgets what this process kept of a channel that just changed.
pub fn forget(state: &AppState, tenant_id: Uuid, id: Uuid) {
    state.channel_outbox.rows.forget(id);
    state.channel_outbox.shops.forget(tenant_id);
}

/// Notes a message in on the channel's health line, at most once every few seconds.
pub async fn seen_in(state: &AppState, id: Uuid) {
    if state.channel_outbox.noted.get(id).is_some() {
        return;
    }
    state.channel_outbox.noted.put(id, ());
    if let Err(error) = state
        .store
        .channel_seen(id, ChannelSeen::In, now_ms())
        .await
    {
        tracing::warn!(%error, "could not note a channel's health");
    }
}

/// The platform's rule for writing to a buyer on `channel`, if it has one.
pub fn reply_rule(channel: Channel) -> Option<ReplyRule> {
    match channel {
        // 微信客服 has the Official Account's rule: 48 hours, five messages.
        Channel::WechatMp | Channel::Wecom => Some(ReplyRule {
            length_ms: kefu_channels::wechat_mp::WINDOW_MS,
            quota: Some(kefu_channels::wechat_mp::WINDOW_QUOTA),
        }),
        // Douyin: a reply names the buyer's message, good for 24 hours.
        Channel::Douyin => Some(ReplyRule {
            length_ms: kefu_channels::douyin::WINDOW_MS,
            quota: None,
        }),
        _ => None,
    }
}

/// Where the conversation stands against its platform's rule (none for the chat page).
pub async fn window(
    state: &AppState,
    conversation: &ConversationSummary,
) -> Result<Option<WindowState>, ApiError> {
    let Some(rule) = reply_rule(conversation.channel) else {
        return Ok(None);
    };
    let sent = match conversation.last_buyer_message_at {
        Some(since) => {
            state
                .store
                .sent_since(conversation.tenant_id, conversation.id, since)
                .await?
        }
        None => 0,
    };
    let sent = u32::try_from(sent).unwrap_or(u32::MAX);
    Ok(Some(rule.state(
        conversation.last_buyer_message_at,
        sent,
        now_ms(),
    )))
}

/// The shop has connected no channel: every buyer is on the chat page (kept a few seconds
/// per shop, forgotten by the process that connects one).
pub async fn web_only(state: &AppState, tenant_id: Uuid) -> Result<bool, ApiError> {
    Ok(shop_channels(state, tenant_id).await?.is_empty())
}

/// The shop's channels, kept a few seconds per shop (forgotten by the process that changes
/// one): the agent's door, the outbox and each delivery's try read them here, not from the
/// database each time. Their health lines are not read from here.
async fn shop_channels(
    state: &AppState,
    tenant_id: Uuid,
) -> Result<Arc<Vec<Arc<ChannelRow>>>, ApiError> {
    if let Some(kept) = state.channel_outbox.shops.get(tenant_id) {
        return Ok(kept);
    }
    let rows = state.store.channels(tenant_id).await?;
    Ok(state
        .channel_outbox
        .shops
        .put(tenant_id, rows.into_iter().map(Arc::new).collect()))
}

/// Refuses an agent's message the buyer's platform would not take now, with the reason.
pub async fn check_can_send(
    state: &AppState,
    conversation: &ConversationSummary,
    buyer: &kefu_domain::account::Buyer,
) -> Result<(), ApiError> {
    if let Some(channel) = channel_of_buyer(
        state,
        conversation.tenant_id,
        conversation.channel,
        &buyer.external_id,
    )
    .await?
        && channel.paused
    {
        return Err(ApiError::new(
            ErrorCode::ChannelPaused,
            format!("the channel {} is paused", channel.name),
        ));
    }
    if conversation.channel == Channel::Phone {
        return Err(ApiError::new(
            ErrorCode::ChannelNoText,
            "the buyer is on the phone line: call them back",
        ));
    }
    if let Some(w) = window(state, conversation).await?
        && !w.open
    {
        let hours = reply_rule(conversation.channel).map_or(0, |r| r.length_ms / 3_600_000);
        let why = match (w.remaining, w.closes_at) {
            (Some(0), Some(closes_at)) if closes_at > now_ms() => {
                "the platform's five messages since the buyer last wrote are used up".to_owned()
            }
            (_, None) => "the buyer has not written on this channel yet".to_owned(),
            _ => format!("{hours} hours have passed since the buyer last wrote"),
        };
        return Err(ApiError::new(ErrorCode::ChannelWindowClosed, why));
    }
    Ok(())
}

/// The channel a buyer on `channel` with the id `external_id` came through, if connected.
pub async fn channel_of_buyer(
    state: &AppState,
    tenant_id: Uuid,
    channel: Channel,
    external_id: &str,
) -> Result<Option<Arc<ChannelRow>>, ApiError> {
    let (kind, account) = match channel {
        Channel::WechatMp => (
            Kind::WechatMp,
            wechat_mp::split_buyer_id(external_id).map(|b| b.0),
        ),
        Channel::Wecom => (
            Kind::WecomKf,
            wecom_kf::split_buyer_id(external_id).map(|b| b.0),
        ),
        Channel::Douyin => (
            Kind::Douyin,
            douyin::split_buyer_id(external_id).map(|b| b.0),
        ),
        Channel::Phone => (Kind::Phone, phone::split_buyer_id(external_id).map(|b| b.0)),
        Channel::Email => (Kind::Email, email::split_buyer_id(external_id).map(|b| b.0)),
        _ => return Ok(None),
    };
    let Some(account) = account else {
        return Ok(None);
    };
    Ok(shop_channels(state, tenant_id)
        .await?
        .iter()
        .find(|c| c.kind == kind.as_str() && c.public_id == account)
        .cloned())
}

/// Where a new conversation of `buyer` goes by their channel's overflow rule (CH-7): `None`
/// while the channel's queue is under its limit, or it has no rule (one read of the shop's
/// kept channels then, no query).
pub async fn overflowed(
    state: &AppState,
    buyer: &kefu_domain::account::Buyer,
) -> Option<kefu_domain::channel::Overflowed> {
    let channel = channel_of_buyer(state, buyer.tenant_id, buyer.channel, &buyer.external_id)
        .await
        .ok()
        .flatten()?;
    let rule = overflow(&channel)?;
    let waiting = match state
        .store
        .waiting_on_channel(buyer.tenant_id, buyer.channel, &channel.public_id)
        .await
    {
        Ok(waiting) => waiting,
        Err(error) => {
            tracing::warn!(%error, "could not count a channel's queue");
            return None;
        }
    };
    let routed = rule.route(waiting)?;
    metrics::counter!("kefu_channel_overflow_total", "channel" => channel.kind.clone())
        .increment(1);
    tracing::info!(channel = %channel.id, waiting, ?routed, "a channel's queue overflowed");
    Some(routed)
}

/// A committed message for a buyer on another platform.
type Outgoing = (ConversationSummary, Message);

/// `desk::outbound`'s sender for every connected platform: a bounded queue to one task.
#[derive(Clone)]
pub struct ChannelOutbox {
    jobs: mpsc::Sender<Outgoing>,
    inbox: Arc<Mutex<Option<mpsc::Receiver<Outgoing>>>>,
    /// Each shop's channels.
    shops: ShopCache<Vec<Arc<ChannelRow>>>,
    /// The platforms' APIs are called through this one client (connections kept).
    pub client: reqwest::Client,
    /// Channels as their callbacks read them, kept a few seconds: a busy account's pushes
    /// read (and unseal) its row once, not once a message.
    rows: ShopCache<Option<Arc<ChannelRow>>>,
    /// Channels whose last message in was noted in the last few seconds.
    noted: ShopCache<()>,
    /// The WeCom kf accounts being pulled in this process.
    pulls: wecom_kf::Pulls,
    /// The mailboxes watched in this process.
    watchers: email::Watchers,
}

impl Default for ChannelOutbox {
    fn default() -> ChannelOutbox {
        let (jobs, inbox) = mpsc::channel(QUEUE);
        ChannelOutbox {
            jobs,
            inbox: Arc::new(Mutex::new(Some(inbox))),
            shops: ShopCache::new(CONNECTED_TTL),
            rows: ShopCache::new(CONNECTED_TTL),
            noted: ShopCache::new(CONNECTED_TTL),
            pulls: wecom_kf::Pulls::default(),
            watchers: email::Watchers::default(),
            // No redirects: a platform's API answers where it was asked.
            client: reqwest::Client::builder()
                .timeout(TIMEOUT)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap_or_default(),
        }
    }
}

impl ChannelSender for ChannelOutbox {
    fn send(&self, conversation: &ConversationSummary, message: &Message) {
        if self
            .jobs
            .try_send((conversation.clone(), message.clone()))
            .is_err()
        {
            metrics::counter!("kefu_channel_replies_dropped_total").increment(1);
            tracing::warn!(conversation = %conversation.id, "the channel outbox is full; a reply was not queued");
        }
    }
}

/// Turns queued replies into deliveries, each tried at once: in order within a shop, on a
/// task per shop, so one shop's slow platform delays only its own replies (a task per shop
/// that ever had one, each with a bounded queue).
pub async fn run_forever(state: AppState) {
    let Some(mut inbox) = state.channel_outbox.inbox.lock().await.take() else {
        return;
    };
    let mut shops: std::collections::HashMap<Uuid, mpsc::Sender<Outgoing>> =
        std::collections::HashMap::new();
    while let Some(outgoing) = inbox.recv().await {
        let tenant_id = outgoing.0.tenant_id;
        let shop = shops.entry(tenant_id).or_insert_with(|| {
            let (jobs, mut queue) = mpsc::channel::<Outgoing>(SHOP_QUEUE);
            let state = state.clone();
            tokio::spawn(async move {
                let client = state.channel_outbox.client.clone();
                let mut batch = Vec::with_capacity(BATCH);
                while queue.recv_many(&mut batch, BATCH).await > 0 {
                    if let Err(error) = replies(&state, &client, tenant_id, &batch).await {
                        tracing::warn!(%error, tenant = %tenant_id, "could not queue replies to the buyers' channels");
                    }
                    batch.clear();
                }
            });
            jobs
        });
        if shop.try_send(outgoing).is_err() {
            metrics::counter!("kefu_channel_replies_dropped_total").increment(1);
            tracing::warn!(tenant = %tenant_id, "a shop's channel replies are backed up; a reply was not queued");
        }
    }
}

/// A shop's replies waiting at once: each turned into its platform's delivery, queued in one
/// transaction, tried in order within `BATCH_WINDOW` (the rest left to the leader), and the
/// tries recorded a few at a time.
async fn replies(
    state: &AppState,
    client: &reqwest::Client,
    tenant_id: Uuid,
    batch: &[Outgoing],
) -> Result<(), ApiError> {
    let mut deliveries = Vec::with_capacity(batch.len());
    for (conversation, message) in batch {
        match delivery(state, conversation, message).await {
            Ok(Some(d)) => deliveries.push(d),
            Ok(None) => {}
            Err(error) => {
                tracing::warn!(%error, conversation = %conversation.id, "could not queue a reply to the buyer's channel");
            }
        }
    }
    if deliveries.is_empty() {
        return Ok(());
    }
    let now = now_ms();
    let ids = state
        .store
        .queue_channel_deliveries(tenant_id, &deliveries, now + FIRST_RETRY_MS)
        .await?;
    let started = std::time::Instant::now();
    let mut outcomes = Vec::with_capacity(RECORD_EVERY);
    for (id, d) in ids.into_iter().zip(deliveries) {
        if started.elapsed() > BATCH_WINDOW {
            metrics::counter!("kefu_channel_replies_left_to_leader_total").increment(1);
            continue;
        }
        let queued = Delivery {
            id,
            tenant_id,
            channel: d.channel.to_owned(),
            target: d.target,
            event: d.event.to_owned(),
            body: d.body,
            status: "pending".into(),
            attempts: 0,
            next_at: Some(now + FIRST_RETRY_MS),
            last_error: String::new(),
            response_status: None,
            created_at: now,
            sent_at: None,
        };
        let outcome = attempt(state, client, &queued).await;
        outcomes.push((queued, outcome));
        if outcomes.len() >= RECORD_EVERY {
            deliveries::record_all(state, std::mem::take(&mut outcomes)).await;
        }
    }
    deliveries::record_all(state, outcomes).await;
    Ok(())
}

/// The delivery of a reply to the buyer's platform, if it goes anywhere.
async fn delivery(
    state: &AppState,
    conversation: &ConversationSummary,
    message: &Message,
) -> Result<Option<NewDelivery>, ApiError> {
    // A rating invitation is the chat page's (a tap rates); other platforms get the text.
    if message.sender_kind == SenderKind::Buyer {
        return Ok(None);
    }
    let tenant_id = conversation.tenant_id;
    let Some(buyer) = state.store.buyer(tenant_id, conversation.buyer_id).await? else {
        return Ok(None);
    };
    let Some(channel) =
        channel_of_buyer(state, tenant_id, conversation.channel, &buyer.external_id).await?
    else {
        metrics::counter!("kefu_undeliverable_messages_total", "channel" => conversation.channel.as_str())
            .increment(1);
        return Ok(None);
    };
    if channel.paused {
        return Ok(None);
    }
    let kind = Kind::parse(&channel.kind)?;
    let body = match kind {
        Kind::WechatMp => wechat_mp::outgoing(state, &buyer.external_id, message)?,
        Kind::WecomKf => wecom_kf::outgoing(state, &buyer.external_id, message)?,
        Kind::Douyin => douyin::outgoing(state, &buyer.external_id, message)?,
        Kind::Email => {
            email::outgoing(
                state,
                &channel,
                (conversation.id, buyer.id),
                &buyer.external_id,
                message,
            )
            .await?
        }
        // The widget's buyers are the chat page's; callers are called back, not written to.
        Kind::Widget | Kind::Phone => None,
    };
    Ok(body.map(|body| NewDelivery {
        channel: kind.as_str(),
        target: channel.id.to_string(),
        event: "message",
        body: body.to_string(),
    }))
}

/// One try of a channel's delivery (at once, or in the leader's passes in `cases::notify`).
pub async fn attempt(state: &AppState, client: &reqwest::Client, delivery: &Delivery) -> Outcome {
    let Ok(id) = delivery.target.parse::<Uuid>() else {
        return Outcome::GiveUp(None, "not a channel".into());
    };
    let channel = match shop_channels(state, delivery.tenant_id).await {
        Ok(channels) => match channels.iter().find(|c| c.id == id) {
            Some(channel) => channel.clone(),
            None => return Outcome::GiveUp(None, "the channel was disconnected".into()),
        },
        Err(error) => return Outcome::Retry(None, error.to_string()),
    };
    if channel.paused {
        return Outcome::GiveUp(None, "the channel is paused".into());
    }
    let sending = async {
        match Kind::parse(&channel.kind) {
            Ok(Kind::WechatMp | Kind::WecomKf) => {
                wx_api::send(state, client, &channel, delivery).await
            }
            Ok(Kind::Douyin) => douyin::send(state, client, &channel, delivery).await,
            Ok(Kind::Email) => email::send(state, &channel, delivery).await,
            Ok(Kind::Widget | Kind::Phone) | Err(_) => {
                Outcome::GiveUp(None, "not a channel kefu delivers to".into())
            }
        }
    };
    let outcome = tokio::time::timeout(TRY_LIMIT, sending)
        .await
        .unwrap_or_else(|_| Outcome::Retry(None, "the platform took too long".into()));
    let seen = match &outcome {
        Outcome::Sent(_) => ChannelSeen::Out,
        Outcome::Retry(_, error) | Outcome::GiveUp(_, error) => ChannelSeen::Error(error),
    };
    if let Err(error) = state.store.channel_seen(channel.id, seen, now_ms()).await {
        tracing::warn!(%error, "could not note a channel's health");
    }
    outcome
}

/// A change of a channel, as the settings page gives it.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct ChannelEdit {
    pub name: Option<String>,
    /// Paused: kefu leaves the account's messages alone and sends nothing on it.
    pub paused: Option<bool>,
    /// A widget's sites, colour and side (as when it was connected).
    pub origins: Option<Vec<String>>,
    pub color: Option<String>,
    pub position: Option<String>,
    /// A phone line's hours and its records' format (`tccc` or `generic`).
    pub hours: Option<kefu_domain::hours::OfficeHours>,
    pub mode: Option<String>,
    /// Where new conversations go while the channel's queue is full (CH-7; `limit: 0`: off).
    pub overflow: Option<Overflow>,
    /// A WeCom 微信客服 account's contact link (客服链接, from WeCom's console): agents move
    /// buyers of other channels to it; empty removes it.
    pub contact_url: Option<String>,
    /// A new secret after the platform's was reset: the AppSecret, the 微信客服 Secret,
    /// Douyin's Client Secret, the mailbox's password or 授权码. Never sent back.
    pub app_secret: Option<String>,
    /// An email channel's servers and login (the password stays unless `app_secret` is given).
    pub email: Option<email::Servers>,
}

/// Renames or pauses a channel, or changes its settings (a widget's sites and looks, a phone
/// line's hours and format, the overflow rule, a WeCom account's contact link) or its secret
/// (an account's reset secret, a mailbox's servers and password); audited, never with the
/// secret.
pub async fn update(
    store: &Store,
    tenant_id: Uuid,
    id: Uuid,
    edit: &ChannelEdit,
    test_doubles: bool,
    audit: impl FnOnce(&ChannelRow) -> Vec<NewAudit> + Send,
) -> Result<ChannelRow, ApiError> {
    let bad = |why: &str| ApiError::new(ErrorCode::InvalidChannel, why.to_owned());
    let name = edit.name.as_deref().map(str::trim);
    if let Some(name) = name
        && (name.is_empty() || name.chars().count() > 60)
    {
        return Err(bad("a name of 1–60 characters"));
    }
    let mut settings = None;
    let widget_change = edit.origins.is_some() || edit.color.is_some() || edit.position.is_some();
    let phone_change = edit.hours.is_some() || edit.mode.is_some();
    let secret_change = edit.app_secret.is_some() || edit.email.is_some();
    // The channel as it stands, read once for whatever the change needs of it.
    let current = match widget_change
        || phone_change
        || secret_change
        || edit.overflow.is_some()
        || edit.contact_url.is_some()
    {
        true => Some(
            store
                .channels(tenant_id)
                .await?
                .into_iter()
                .find(|c| c.id == id)
                .ok_or(ErrorCode::ChannelNotFound)?,
        ),
        false => None,
    };
    if let Some(current) = current.as_ref().filter(|_| {
        widget_change || phone_change || edit.overflow.is_some() || edit.contact_url.is_some()
    }) {
        let kind = Kind::parse(&current.kind)?;
        let mut next = current.settings.clone();
        if widget_change {
            if kind != Kind::Widget {
                return Err(bad("only a widget has sites, a colour and a side"));
            }
            let text = |k: &str| current.settings[k].as_str().map(str::to_owned);
            let input = ChannelInput {
                kind: current.kind.clone(),
                origins: edit
                    .origins
                    .clone()
                    .unwrap_or_else(|| widget::origins(current)),
                color: edit.color.clone().or_else(|| text("color")),
                position: edit.position.clone().or_else(|| text("position")),
                ..Default::default()
            };
            next = widget::check(&input)?.settings;
        }
        if phone_change {
            if kind != Kind::Phone {
                return Err(bad("only a phone line has hours and a records' format"));
            }
            let input = ChannelInput {
                kind: current.kind.clone(),
                app_id: current.public_id.clone(),
                token: current.secrets["password"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                mode: edit
                    .mode
                    .clone()
                    .or_else(|| current.settings["format"].as_str().map(str::to_owned)),
                hours: Some(edit.hours.clone().unwrap_or_else(|| phone::hours(current))),
                ..Default::default()
            };
            next = phone::check(&input)?.settings;
        }
        if let Some(overflow) = &edit.overflow {
            overflow.check().map_err(bad)?;
            // The widget's buyers are the chat page's (routing rules route them), and a
            // caller is owed a callback, not a queue.
            if overflow.limit > 0 && matches!(kind, Kind::Widget | Kind::Phone) {
                return Err(bad(
                    "overflow is for a platform account's or a mailbox's queue",
                ));
            }
            next["overflow"] = match overflow.limit {
                0 => serde_json::Value::Null,
                _ => serde_json::to_value(Overflow {
                    team: overflow.team.as_deref().map(|t| t.trim().to_owned()),
                    ..overflow.clone()
                })
                .map_err(|e| ApiError::Internal(e.to_string()))?,
            };
        } else if let Some(kept) = current.settings.get("overflow") {
            next["overflow"] = kept.clone();
        }
        if let Some(url) = &edit.contact_url {
            if kind != Kind::WecomKf {
                return Err(bad("only a WeCom 微信客服 account has a contact link"));
            }
            next["contact_url"] = match moves::check_contact_url(url)? {
                Some(url) => serde_json::Value::String(url),
                None => serde_json::Value::Null,
            };
        } else if let Some(kept) = current.settings.get("contact_url") {
            next["contact_url"] = kept.clone();
        }
        settings = Some(next);
    }
    let mut secrets = None;
    let mut forget_token = false;
    if let Some(current) = current.as_ref().filter(|_| secret_change) {
        let kind = Kind::parse(&current.kind)?;
        let new_secret = edit.app_secret.as_deref().map(str::trim);
        if new_secret.is_some_and(|s| s.is_empty() || s.len() > 256) {
            return Err(bad("a secret of 1–256 characters"));
        }
        let mut next = current.secrets.clone();
        match kind {
            Kind::WechatMp | Kind::WecomKf | Kind::Douyin if edit.email.is_none() => {
                if let Some(secret) = new_secret {
                    next["app_secret"] = secret.into();
                    // Douyin's tokens are the account owner's grant, not the secret's.
                    forget_token = kind != Kind::Douyin;
                }
            }
            Kind::Email => {
                let servers = edit
                    .email
                    .clone()
                    .unwrap_or_else(|| email::servers(current));
                let input = ChannelInput {
                    kind: current.kind.clone(),
                    app_id: current.public_id.clone(),
                    app_secret: new_secret
                        .unwrap_or(current.secrets["password"].as_str().unwrap_or_default())
                        .to_owned(),
                    email: Some(servers),
                    ..Default::default()
                };
                let checked = email::check(&input, test_doubles)?;
                let mut merged = settings.take().unwrap_or_else(|| current.settings.clone());
                if let (Some(merged), Some(fresh)) =
                    (merged.as_object_mut(), checked.settings.as_object())
                {
                    merged.extend(fresh.clone());
                }
                settings = Some(merged);
                next = checked.secrets;
            }
            _ => {
                return Err(bad(
                    "only a platform account's secret or a mailbox's servers and password change",
                ));
            }
        }
        secrets = Some(next);
    }
    let change = kefu_store::ChannelChange {
        name,
        paused: edit.paused,
        settings: settings.as_ref(),
        secrets: secrets.as_ref(),
        forget_token,
    };
    store
        .update_channel(tenant_id, id, change, audit)
        .await?
        .ok_or_else(|| ErrorCode::ChannelNotFound.into())
}
