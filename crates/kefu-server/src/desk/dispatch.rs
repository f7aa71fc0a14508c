//! The live router (WB-4, CH-7): for every shop that turned it on, waiting conversations go
//! to agents by their team's strategy, and waiting buyers hear their place in the queue.
//!
//! Each run reads a fresh snapshot from the database and decides with
//! `kefu_domain::routing::dispatch`; each assignment is a compare-and-set on the
//! conversation (`assignee_id IS NULL`), so two processes, or an agent replying first, never
//! give one conversation two owners, and a restart loses nothing. Runs are woken at once by
//! a buyer's message, a status change or a freed agent, and every second regardless.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use kefu_domain::channel::{Channel, Entry};
use kefu_domain::commerce::EntryContext;
use kefu_domain::conversation::ConversationSummary;
use kefu_domain::frames::ServerFrame;
use kefu_domain::hours;
use kefu_domain::routing::{self, ConversationFacts, queue_positions};
use kefu_domain::time::now_ms;
use tokio::sync::{Mutex, Notify};
use uuid::Uuid;

use crate::AppState;
use crate::bus::Audience;
use crate::desk::outbound;

/// Where a conversation goes when no rule matches.
pub const DEFAULT_TEAM: &str = "pre_sales";

/// The handle that wakes the router.
#[derive(Clone, Default)]
pub struct Dispatcher {
    wake: Arc<Notify>,
    /// Conversations whose buyer should hear their place again (they wrote, they reconnected).
    retell: Arc<std::sync::Mutex<std::collections::HashSet<Uuid>>>,
    /// Round-robin cursors and the queue places last told to buyers, per tenant.
    memory: Arc<Mutex<HashMap<Uuid, TenantMemory>>>,
}

#[derive(Default)]
struct TenantMemory {
    cursors: HashMap<String, usize>,
    told: HashMap<Uuid, usize>,
}

/// How long one conversation takes an agent, for queue estimates.
const AVERAGE_HANDLE_MS: i64 = 3 * 60_000;

impl Dispatcher {
    /// Something changed that may let a conversation be assigned.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// The buyer of `conversation` is listening (again): tell them their place on the next run.
    pub fn retell(&self, conversation: Uuid) {
        if let Ok(mut retell) = self.retell.lock() {
            retell.insert(conversation);
        }
        self.wake();
    }
}

/// Runs the router until the process stops.
pub async fn run_forever(state: AppState) {
    loop {
        tokio::select! {
            _ = state.dispatcher.wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = state.shutdown.cancelled() => return,
        }
        match state.store.routing_tenants().await {
            Ok(tenants) => {
                for tenant in tenants {
                    if let Err(error) = run_once(&state, tenant).await {
                        tracing::warn!(%error, %tenant, "routing failed");
                    }
                }
            }
            Err(error) => tracing::warn!(%error, "listing routing tenants failed"),
        }
    }
}

/// One routing pass for a tenant; returns the conversations it assigned.
pub async fn run_once(state: &AppState, tenant: Uuid) -> anyhow::Result<Vec<ConversationSummary>> {
    // A conversation from before routing was on (no team yet) waits for the default team.
    let (mut snapshot, buyers) = state.store.routing_snapshot(tenant, DEFAULT_TEAM).await?;
    let mut memory = state.dispatcher.memory.lock().await;
    let memory = memory.entry(tenant).or_default();
    if let Ok(mut retell) = state.dispatcher.retell.lock() {
        retell.retain(|id| memory.told.remove(id).is_none() && buyers.contains_key(id));
    }
    snapshot.cursors = std::mem::take(&mut memory.cursors);
    let assignments = routing::dispatch(&mut snapshot, now_ms());
    memory.cursors = std::mem::take(&mut snapshot.cursors);
    let mut assigned = vec![];
    for assignment in assignments {
        if let Some(summary) = state
            .store
            .claim_conversation(
                tenant,
                assignment.conversation_id,
                assignment.agent_id,
                kefu_store::Claim::Route,
            )
            .await?
        {
            outbound::publish_conversation(state, &summary).await;
            memory.told.remove(&summary.id);
            if let Some(buyer) = buyers.get(&summary.id) {
                state
                    .bus
                    .publish(
                        tenant,
                        Audience::Buyer(*buyer),
                        ServerFrame::Queue {
                            conversation_id: summary.id,
                            position: 0,
                            ahead: 0,
                            estimated_wait_ms: 0,
                            agent_name: summary.assignee_name.clone(),
                        },
                    )
                    .await;
            }
            assigned.push(summary);
        }
    }
    // Buyers still waiting hear their place when it changes.
    let places = queue_positions(&snapshot, AVERAGE_HANDLE_MS);
    memory.told.retain(|id, _| places.contains_key(id));
    for (conversation, info) in places {
        let told = memory.told.insert(conversation, info.position);
        if told == Some(info.position) {
            continue;
        }
        if told.is_none() {
            // WB-2: the queue message, once, with the place.
            state.automation.queued(tenant, conversation, info.position);
        }
        if let Some(buyer) = buyers.get(&conversation) {
            state
                .bus
                .publish(
                    tenant,
                    Audience::Buyer(*buyer),
                    ServerFrame::Queue {
                        conversation_id: conversation,
                        position: info.position,
                        ahead: info.ahead,
                        estimated_wait_ms: info.estimated_wait_ms,
                        agent_name: None,
                    },
                )
                .await;
        }
    }
    Ok(assigned)
}

/// Decides a newly opened conversation's team by the shop's rules (WB-4); `first_message`
/// is the buyer's text when the conversation opens with one (its issue and language).
pub async fn route_new(
    state: &AppState,
    conversation: &ConversationSummary,
    first_message: Option<&str>,
) {
    if conversation.team.is_some() {
        return;
    }
    let vip_level = state
        .store
        .buyer(conversation.tenant_id, conversation.buyer_id)
        .await
        .ok()
        .flatten()
        .map_or(0, |b| b.vip_level);
    let Some(team) = team_for(
        state,
        conversation.tenant_id,
        vip_level,
        conversation.entry,
        conversation.channel,
        &conversation.context,
        first_message,
    )
    .await
    else {
        return;
    };
    if let Err(error) = state
        .store
        .set_conversation_team(conversation.tenant_id, conversation.id, &team)
        .await
    {
        tracing::warn!(%error, "setting the conversation's team failed");
    }
}

/// The team the routing rules give a new conversation (WB-4), decided from what is known
/// before it exists; `None` when the rules cannot be read.
pub async fn team_for(
    state: &AppState,
    tenant_id: Uuid,
    vip_level: u8,
    entry: Entry,
    channel: Channel,
    context: &EntryContext,
    first_message: Option<&str>,
) -> Option<String> {
    let category = match &context.product_code {
        Some(code) => state
            .store
            .product(tenant_id, code)
            .await
            .ok()
            .flatten()
            .map(|p| p.category),
        None => None,
    };
    let facts = ConversationFacts {
        entry,
        channel,
        category,
        sku: context.sku_code.clone(),
        issue_type: first_message
            .and_then(routing::issue_type_of)
            .map(str::to_owned),
        language: first_message
            .and_then(routing::language_of)
            .map(str::to_owned),
        vip_level,
        priority: routing::ChannelPriority::of_entry(entry),
    };
    let rules = match state.store.routing_rules(tenant_id).await {
        Ok(rules) => rules,
        Err(error) => {
            tracing::warn!(%error, "reading routing rules failed");
            return None;
        }
    };
    Some(routing::route_team(&rules, &facts, DEFAULT_TEAM).team)
}

/// Takes back conversations whose agent went away or offline, or left the buyer waiting past
/// twice the team's target (WB-7): the supervisors are alerted, and the conversation goes back
/// to the queue or, in a grab-mode team, up for grabs (WB-8). Runs every few seconds.
pub async fn sweep_stranded(state: &AppState) {
    let stranded = match state.store.stranded(now_ms()).await {
        Ok(stranded) => stranded,
        Err(error) => {
            tracing::warn!(%error, "looking for stranded conversations failed");
            return;
        }
    };
    let now = now_ms();
    let mut schedules = HashMap::new();
    for mut s in stranded {
        if s.reason == "no_reply" {
            // The wait counts from the buyer's message, but the agent is only answerable from
            // when they got it (a buyer who queued long is not stranded on arrival), and in
            // office time when the team's target says so (WB-7).
            let since = s
                .waiting_since
                .unwrap_or(now)
                .max(s.assigned_at.unwrap_or(i64::MIN));
            let schedule = match (s.office_hours_only, schedules.get(&s.tenant_id)) {
                (false, _) => None,
                (true, Some(schedule)) => *schedule,
                (true, None) => {
                    let schedule = office_schedule(state, s.tenant_id).await;
                    schedules.insert(s.tenant_id, schedule);
                    schedule
                }
            };
            if hours::waited_ms(schedule.as_ref(), since, now) < 2 * s.target_ms {
                continue;
            }
            s.waited_ms = hours::waited_ms(schedule.as_ref(), s.waiting_since.unwrap_or(now), now);
        }
        let released = state
            .store
            .release_conversation(
                s.tenant_id,
                s.conversation_id,
                s.assignee_id,
                &s.reason,
                s.grab_mode,
            )
            .await;
        let summary = match released {
            Ok(Some(summary)) => summary,
            Ok(None) => continue,
            Err(error) => {
                tracing::warn!(%error, "releasing a stranded conversation failed");
                continue;
            }
        };
        outbound::publish_conversation(state, &summary).await;
        if s.reason == "no_reply" {
            state
                .bus
                .publish(
                    s.tenant_id,
                    Audience::Agents,
                    ServerFrame::Alert {
                        conversation: summary.clone(),
                        waited_ms: s.waited_ms,
                    },
                )
                .await;
        }
        if s.grab_mode {
            state
                .bus
                .publish(
                    s.tenant_id,
                    Audience::Agents,
                    ServerFrame::Grab {
                        conversation: summary,
                    },
                )
                .await;
        } else {
            state.dispatcher.wake();
        }
    }
}

/// The shop's office hours in its time zone, when it has set them (WB-7).
pub async fn office_schedule(state: &AppState, tenant_id: Uuid) -> Option<hours::Schedule> {
    office(state, tenant_id).await.map(|(_, schedule)| schedule)
}

/// The shop's office hours as it wrote them (what buyers read) and as a schedule in its zone.
pub async fn office(
    state: &AppState,
    tenant_id: Uuid,
) -> Option<(hours::OfficeHours, hours::Schedule)> {
    let hours = state
        .store
        .shop_settings(tenant_id)
        .await
        .ok()?
        .office_hours?;
    let zone = state.store.tenant(tenant_id).await.ok()??.timezone;
    let schedule = hours.schedule(&zone)?;
    Some((hours, schedule))
}

/// Tells the buyer someone has taken their conversation (assigned by hand, grabbed,
/// transferred to a colleague), as the router does when it assigns.
pub async fn tell_served(state: &AppState, summary: &ConversationSummary) {
    if summary.assignee_id.is_none() {
        return;
    }
    state
        .bus
        .publish(
            summary.tenant_id,
            Audience::Buyer(summary.buyer_id),
            ServerFrame::Queue {
                conversation_id: summary.id,
                position: 0,
                ahead: 0,
                estimated_wait_ms: 0,
                agent_name: summary.assignee_name.clone(),
            },
        )
        .await;
}
