//! Routing for the workbench (WB-1): rules pick a team from a conversation's facts (WB-4), a
//! team strategy picks an agent under their concurrency cap, the waiting queue is served by
//! channel priority, VIP level and waiting time (CH-7), idle agents are the grab-mode
//! candidates (WB-8), and overdue replies get a timeout level (WB-7).
//! Plain functions over a snapshot; the live router owns the state, the clock and the store.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::account::AgentStatus;
use crate::channel::{Channel, Entry};
use crate::error_code::ErrorCode;

/// How urgently a conversation's channel is served (CH-7): live-stream > video comment >
/// ordinary DM. Declared lowest first, so the derived `Ord` ranks `LiveStream` highest.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ChannelPriority {
    #[default]
    DirectMessage,
    VideoComment,
    LiveStream,
}

impl ChannelPriority {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelPriority::DirectMessage => "direct_message",
            ChannelPriority::VideoComment => "video_comment",
            ChannelPriority::LiveStream => "live_stream",
        }
    }

    pub fn parse(s: &str) -> Option<ChannelPriority> {
        Some(match s {
            "direct_message" => ChannelPriority::DirectMessage,
            "video_comment" => ChannelPriority::VideoComment,
            "live_stream" => ChannelPriority::LiveStream,
            _ => return None,
        })
    }

    /// The class an entry implies: a live room is live-stream traffic; every other entry is an
    /// ordinary DM (no entry carries video comments yet).
    pub fn of_entry(entry: Entry) -> ChannelPriority {
        match entry {
            Entry::LiveRoom => ChannelPriority::LiveStream,
            _ => ChannelPriority::DirectMessage,
        }
    }
}

/// What routing rules look at: known when the conversation opens (WB-4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConversationFacts {
    pub entry: Entry,
    pub channel: Channel,
    /// The product's category, from the entry's product or order.
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub sku: Option<String>,
    /// `logistics`, `refund`, `quality`, `presale`…: from the problem form or the buyer's
    /// first message.
    #[serde(default)]
    pub issue_type: Option<String>,
    /// A language tag: `zh`, `zh-CN`, `en`.
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub vip_level: u8,
    #[serde(default)]
    pub priority: ChannelPriority,
}

/// One test a rule makes. Text conditions ignore surrounding blanks and ASCII case, except
/// `sku`, which is compared exactly; `language` also matches narrower tags (`zh` matches
/// `zh-CN`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Condition {
    Entry(Entry),
    Channel(Channel),
    Category(String),
    Sku(String),
    IssueType(String),
    Language(String),
    VipAtLeast(u8),
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::Entry(entry) => write!(f, "entry = {}", entry.as_str()),
            Condition::Channel(channel) => write!(f, "channel = {}", channel.as_str()),
            Condition::Category(category) => write!(f, "category = {category}"),
            Condition::Sku(sku) => write!(f, "sku = {sku}"),
            Condition::IssueType(issue) => write!(f, "issue type = {issue}"),
            Condition::Language(language) => write!(f, "language = {language}"),
            Condition::VipAtLeast(level) => write!(f, "VIP level ≥ {level}"),
        }
    }
}

impl Condition {
    /// `None` when the facts satisfy the condition, else why not, in the words the supervisor's
    /// rule tester shows.
    pub fn mismatch(&self, facts: &ConversationFacts) -> Option<String> {
        match self {
            Condition::Entry(want) => (facts.entry != *want)
                .then(|| format!("entry is {}, not {}", facts.entry.as_str(), want.as_str())),
            Condition::Channel(want) => (facts.channel != *want).then(|| {
                format!(
                    "channel is {}, not {}",
                    facts.channel.as_str(),
                    want.as_str()
                )
            }),
            Condition::Category(want) => {
                text_mismatch("category", facts.category.as_deref(), want, same_text)
            }
            Condition::Sku(want) => text_mismatch("sku", facts.sku.as_deref(), want, |a, b| {
                a.trim() == b.trim()
            }),
            Condition::IssueType(want) => {
                text_mismatch("issue type", facts.issue_type.as_deref(), want, same_text)
            }
            Condition::Language(want) => text_mismatch(
                "language",
                facts.language.as_deref(),
                want,
                language_matches,
            ),
            Condition::VipAtLeast(level) => (facts.vip_level < *level)
                .then(|| format!("VIP level {} is below {level}", facts.vip_level)),
        }
    }

    pub fn holds(&self, facts: &ConversationFacts) -> bool {
        self.mismatch(facts).is_none()
    }
}

fn same_text(want: &str, have: &str) -> bool {
    want.trim().eq_ignore_ascii_case(have.trim())
}

/// `zh` matches `zh`, `zh-CN` and `zh_Hans`; `zh-CN` matches only `zh-CN` (any case).
fn language_matches(want: &str, have: &str) -> bool {
    let norm = |s: &str| s.trim().replace('_', "-").to_ascii_lowercase();
    let (want, have) = (norm(want), norm(have));
    have == want
        || have
            .strip_prefix(&want)
            .is_some_and(|rest| rest.starts_with('-'))
}

fn text_mismatch(
    what: &str,
    have: Option<&str>,
    want: &str,
    matches: fn(&str, &str) -> bool,
) -> Option<String> {
    match have {
        Some(have) if matches(want, have) => None,
        Some(have) => Some(format!("{what} is {have}, not {want}")),
        None => Some(format!("{what} is unknown, not {want}")),
    }
}

/// A supervisor's routing rule (WB-4). Rules are tried by ascending `position` (ties by id);
/// the first enabled one whose conditions all hold names the team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RoutingRule {
    pub id: Uuid,
    pub name: String,
    pub position: i32,
    /// All must hold; an empty list matches every conversation (a catch-all).
    pub conditions: Vec<Condition>,
    /// A team key (`pre_sales`, `after_sales`, or a custom one; ACC-6).
    pub team: String,
    pub enabled: bool,
}

impl RoutingRule {
    /// Why each failing condition fails; empty when the rule matches.
    pub fn mismatches(&self, facts: &ConversationFacts) -> Vec<String> {
        self.conditions
            .iter()
            .filter_map(|condition| condition.mismatch(facts))
            .collect()
    }

    /// Whether every condition holds, enabled or not.
    pub fn matches(&self, facts: &ConversationFacts) -> bool {
        self.conditions
            .iter()
            .all(|condition| condition.holds(facts))
    }

    /// Trims the texts and refuses a rule that could never be shown or routed; returns the
    /// stable code of the first bad field.
    pub fn check(mut self) -> Result<RoutingRule, ErrorCode> {
        self.name = self.name.trim().to_owned();
        self.team = self.team.trim().to_owned();
        if self.name.is_empty() || self.name.chars().count() > 64 {
            return Err(ErrorCode::BadRuleName);
        }
        if self.team.is_empty() {
            return Err(ErrorCode::BadRuleTeam);
        }
        for condition in &mut self.conditions {
            if let Condition::Category(text)
            | Condition::Sku(text)
            | Condition::IssueType(text)
            | Condition::Language(text) = condition
            {
                *text = text.trim().to_owned();
                if text.is_empty() {
                    return Err(ErrorCode::BadRuleCondition);
                }
            }
        }
        Ok(self)
    }
}

/// Where a conversation goes and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RouteDecision {
    pub team: String,
    /// The rule that matched; `None` when the default team took it.
    pub rule_id: Option<Uuid>,
    /// One line per rule tried, then the outcome: what the rule tester shows.
    pub explanation: Vec<String>,
}

/// The team for a conversation: the first enabled matching rule by position, else
/// `default_team` (WB-4).
pub fn route_team(
    rules: &[RoutingRule],
    facts: &ConversationFacts,
    default_team: &str,
) -> RouteDecision {
    let mut ordered: Vec<&RoutingRule> = rules.iter().collect();
    ordered.sort_by(|a, b| a.position.cmp(&b.position).then(a.id.cmp(&b.id)));
    let mut explanation = Vec::new();
    for rule in ordered {
        let label = format!("#{} \"{}\"", rule.position, rule.name);
        if !rule.enabled {
            explanation.push(format!("{label}: disabled, skipped"));
            continue;
        }
        let misses = rule.mismatches(facts);
        if misses.is_empty() {
            let because = if rule.conditions.is_empty() {
                "no conditions".to_owned()
            } else {
                rule.conditions
                    .iter()
                    .map(Condition::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            explanation.push(format!("{label}: matched ({because}) → team {}", rule.team));
            return RouteDecision {
                team: rule.team.clone(),
                rule_id: Some(rule.id),
                explanation,
            };
        }
        explanation.push(format!("{label}: no match: {}", misses.join("; ")));
    }
    explanation.push(format!("no rule matched → default team {default_team}"));
    RouteDecision {
        team: default_team.to_owned(),
        rule_id: None,
        explanation,
    }
}

/// An agent as the router sees them at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AgentSnapshot {
    pub id: Uuid,
    /// A team key; an agent in no team takes no routed conversation.
    pub team: Option<String>,
    pub status: AgentStatus,
    /// Open conversations assigned to them now.
    pub load: u32,
    /// The most conversations they take at once (WB-9); 0 takes none.
    pub cap: u32,
    /// Epoch ms of their last assignment; 0 if never.
    pub last_assigned_at: i64,
}

impl AgentSnapshot {
    /// Online and under cap: busy, away and offline agents take no new conversations (WB-9).
    pub fn is_available(&self) -> bool {
        self.status == AgentStatus::Online && self.load < self.cap
    }

    pub fn is_in(&self, team: &str) -> bool {
        self.team.as_deref() == Some(team)
    }
}

/// How a team picks among its available agents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Lowest load/cap, then lowest load, then longest since the last assignment, then id.
    #[default]
    LeastLoaded,
    /// The next available member after the team's cursor, members ordered by id.
    RoundRobin,
    /// The agent who last served this buyer if available, else least-loaded.
    Sticky,
}

impl Strategy {
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::LeastLoaded => "least_loaded",
            Strategy::RoundRobin => "round_robin",
            Strategy::Sticky => "sticky",
        }
    }

    pub fn parse(s: &str) -> Option<Strategy> {
        Some(match s {
            "least_loaded" => Strategy::LeastLoaded,
            "round_robin" => Strategy::RoundRobin,
            "sticky" => Strategy::Sticky,
            _ => return None,
        })
    }
}

/// The least-loaded order: `Less` means `a` is picked before `b`.
pub fn least_loaded_order(a: &AgentSnapshot, b: &AgentSnapshot) -> Ordering {
    // a.load / a.cap < b.load / b.cap  ⇔  a.load · b.cap < b.load · a.cap, without division.
    let a_ratio = u64::from(a.load) * u64::from(b.cap);
    let b_ratio = u64::from(b.load) * u64::from(a.cap);
    a_ratio
        .cmp(&b_ratio)
        .then(a.load.cmp(&b.load))
        .then(a.last_assigned_at.cmp(&b.last_assigned_at))
        .then(a.id.cmp(&b.id))
}

/// An agent chosen for a conversation, with the team's round-robin cursor afterwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Pick {
    pub agent_id: Uuid,
    /// Unchanged unless the strategy is round-robin.
    pub cursor: usize,
}

/// The available agent of `team` that `strategy` picks, or `None` when every member is at cap
/// or not online. `cursor` is the round-robin slot to try first; `last_agent` is the agent who
/// last served this buyer, for `Sticky`.
pub fn pick_agent(
    agents: &[AgentSnapshot],
    team: &str,
    strategy: Strategy,
    last_agent: Option<Uuid>,
    cursor: usize,
) -> Option<Pick> {
    let members = team_members(agents, team);
    choose(agents, &members, strategy, last_agent, cursor).map(|(index, cursor)| Pick {
        agent_id: agents[index].id,
        cursor,
    })
}

/// Indices into `agents` of the members of `team`, ordered by id: the round-robin ring.
fn team_members(agents: &[AgentSnapshot], team: &str) -> Vec<usize> {
    let mut members: Vec<usize> = (0..agents.len())
        .filter(|&index| agents[index].is_in(team))
        .collect();
    members.sort_by_key(|&index| agents[index].id);
    members
}

fn members_by_team(agents: &[AgentSnapshot]) -> HashMap<String, Vec<usize>> {
    let mut by_team: HashMap<String, Vec<usize>> = HashMap::new();
    for (index, agent) in agents.iter().enumerate() {
        if let Some(team) = &agent.team {
            by_team.entry(team.clone()).or_default().push(index);
        }
    }
    for members in by_team.values_mut() {
        members.sort_by_key(|&index| agents[index].id);
    }
    by_team
}

/// The chosen agent's index in `agents` and the cursor afterwards.
fn choose(
    agents: &[AgentSnapshot],
    members: &[usize],
    strategy: Strategy,
    last_agent: Option<Uuid>,
    cursor: usize,
) -> Option<(usize, usize)> {
    let least_loaded = || {
        members
            .iter()
            .copied()
            .filter(|&index| agents[index].is_available())
            .min_by(|&a, &b| least_loaded_order(&agents[a], &agents[b]))
            .map(|index| (index, cursor))
    };
    match strategy {
        Strategy::LeastLoaded => least_loaded(),
        Strategy::RoundRobin => {
            let ring = members.len();
            (0..ring)
                .map(|step| (cursor % ring.max(1) + step) % ring)
                .find(|&slot| agents[members[slot]].is_available())
                .map(|slot| (members[slot], (slot + 1) % ring))
        }
        Strategy::Sticky => last_agent
            .and_then(|id| {
                members
                    .iter()
                    .copied()
                    .find(|&index| agents[index].id == id && agents[index].is_available())
            })
            .map(|index| (index, cursor))
            .or_else(least_loaded),
    }
}

/// A conversation waiting for an agent of its team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Waiting {
    pub conversation_id: Uuid,
    pub team: String,
    pub priority: ChannelPriority,
    pub vip_level: u8,
    /// Epoch ms it has waited since; a stranded conversation put back keeps its first time.
    pub waiting_since: i64,
    /// The agent who last served this buyer, for `Strategy::Sticky`.
    pub last_agent: Option<Uuid>,
}

/// The queue's order (CH-7): `Less` means `a` is served first. Higher channel priority, then
/// higher VIP level, then the longer wait, then the conversation id, so no two tie.
pub fn queue_order(a: &Waiting, b: &Waiting) -> Ordering {
    b.priority
        .cmp(&a.priority)
        .then(b.vip_level.cmp(&a.vip_level))
        .then(a.waiting_since.cmp(&b.waiting_since))
        .then(a.conversation_id.cmp(&b.conversation_id))
}

/// A conversation given to an agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Assignment {
    pub conversation_id: Uuid,
    pub agent_id: Uuid,
    pub team: String,
}

/// Everything the router decides over: agents, the waiting queue, each team's strategy and
/// round-robin cursor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RouterState {
    pub agents: Vec<AgentSnapshot>,
    /// In no particular order; `dispatch` leaves it in queue order.
    pub queue: Vec<Waiting>,
    /// Per team key; a team not listed uses `Strategy::LeastLoaded`.
    #[serde(default)]
    pub strategies: HashMap<String, Strategy>,
    /// The round-robin slot each team tries first.
    #[serde(default)]
    pub cursors: HashMap<String, usize>,
}

impl RouterState {
    pub fn strategy(&self, team: &str) -> Strategy {
        self.strategies.get(team).copied().unwrap_or_default()
    }

    /// Puts a conversation in the queue, replacing any entry it already has.
    pub fn enqueue(&mut self, waiting: Waiting) {
        self.queue
            .retain(|queued| queued.conversation_id != waiting.conversation_id);
        self.queue.push(waiting);
    }

    fn assign(&mut self, index: usize, waiting: Waiting, now: i64) -> Assignment {
        let agent = &mut self.agents[index];
        agent.load = agent.load.saturating_add(1);
        agent.last_assigned_at = now;
        Assignment {
            conversation_id: waiting.conversation_id,
            agent_id: agent.id,
            team: waiting.team,
        }
    }
}

/// Gives waiting conversations to available agents, each team's queue in queue order through
/// its strategy, until no team has both a waiting conversation and an available agent.
/// Assigned agents' load rises by one and `last_assigned_at` becomes `now`; the rest of the
/// queue stays, sorted. A conversation queued twice is kept once, at its better place.
///
/// Never exceeds a cap, never assigns a conversation twice or loses one, and never assigns a
/// conversation while one ahead of it in the same team still waits.
pub fn dispatch(state: &mut RouterState, now: i64) -> Vec<Assignment> {
    let mut queue = std::mem::take(&mut state.queue);
    queue.sort_by(queue_order);
    let mut seen = HashSet::new();
    queue.retain(|waiting| seen.insert(waiting.conversation_id));

    let members = members_by_team(&state.agents);
    // Loads only rise here, so a team with no available agent stays that way.
    let mut exhausted: HashSet<String> = HashSet::new();
    let mut assignments = Vec::new();
    for waiting in queue {
        if exhausted.contains(&waiting.team) {
            state.queue.push(waiting);
            continue;
        }
        let strategy = state.strategy(&waiting.team);
        let cursor = state.cursors.get(&waiting.team).copied().unwrap_or(0);
        let ring = members.get(&waiting.team).map_or(&[][..], Vec::as_slice);
        match choose(&state.agents, ring, strategy, waiting.last_agent, cursor) {
            Some((index, cursor)) => {
                if strategy == Strategy::RoundRobin {
                    state.cursors.insert(waiting.team.clone(), cursor);
                }
                assignments.push(state.assign(index, waiting, now));
            }
            None => {
                exhausted.insert(waiting.team.clone());
                state.queue.push(waiting);
            }
        }
    }
    assignments
}

/// When one agent frees up, offers them the head of their team's queue first (issue #5):
/// `None` if they are not available, in no team, or their team has nobody waiting.
pub fn offer_to(state: &mut RouterState, agent_id: Uuid, now: i64) -> Option<Assignment> {
    let index = state.agents.iter().position(|agent| agent.id == agent_id)?;
    let agent = &state.agents[index];
    if !agent.is_available() {
        return None;
    }
    let team = agent.team.clone()?;
    let head = state
        .queue
        .iter()
        .enumerate()
        .filter(|(_, waiting)| waiting.team == team)
        .min_by(|(_, a), (_, b)| queue_order(a, b))
        .map(|(position, _)| position)?;
    let waiting = state.queue.remove(head);
    if state.strategy(&team) == Strategy::RoundRobin {
        let ring = team_members(&state.agents, &team);
        if let Some(slot) = ring.iter().position(|&member| member == index) {
            state.cursors.insert(team, (slot + 1) % ring.len());
        }
    }
    Some(state.assign(index, waiting, now))
}

/// A waiting buyer's place, as their chat page shows it (issue #5 §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct QueueInfo {
    /// 1-based, within the conversation's team.
    pub position: usize,
    /// Conversations of the same team served before this one: `position - 1`.
    pub ahead: usize,
    /// `ceil(position / max(1, online agents of the team)) × average handle time`: each online
    /// agent is assumed to free one slot per handle time.
    pub estimated_wait_ms: i64,
}

fn queue_info(position: usize, online: usize, average_handle_ms: i64) -> QueueInfo {
    let rounds = position.div_ceil(online.max(1));
    QueueInfo {
        position,
        ahead: position.saturating_sub(1),
        estimated_wait_ms: i64::try_from(rounds)
            .unwrap_or(i64::MAX)
            .saturating_mul(average_handle_ms),
    }
}

fn online_in(agents: &[AgentSnapshot], team: &str) -> usize {
    agents
        .iter()
        .filter(|agent| agent.is_in(team) && agent.status == AgentStatus::Online)
        .count()
}

/// Where one waiting conversation stands in its team's queue; `None` if it is not waiting.
/// `average_handle_ms` is the team's recent average handle time.
pub fn queue_position(
    state: &RouterState,
    conversation_id: Uuid,
    average_handle_ms: i64,
) -> Option<QueueInfo> {
    let me = state
        .queue
        .iter()
        .find(|waiting| waiting.conversation_id == conversation_id)?;
    let ahead = state
        .queue
        .iter()
        .filter(|other| other.team == me.team && queue_order(other, me) == Ordering::Less)
        .count();
    let online = online_in(&state.agents, &me.team);
    Some(queue_info(ahead + 1, online, average_handle_ms))
}

/// `queue_position` for every waiting conversation at once, for the live updates.
pub fn queue_positions(state: &RouterState, average_handle_ms: i64) -> HashMap<Uuid, QueueInfo> {
    let mut ordered: Vec<&Waiting> = state.queue.iter().collect();
    ordered.sort_by(|a, b| queue_order(a, b));
    let mut served: HashMap<&str, usize> = HashMap::new();
    let mut online: HashMap<&str, usize> = HashMap::new();
    let mut infos = HashMap::with_capacity(ordered.len());
    for waiting in ordered {
        let team = waiting.team.as_str();
        let online = *online
            .entry(team)
            .or_insert_with(|| online_in(&state.agents, team));
        let position = served.entry(team).or_insert(0);
        if infos.contains_key(&waiting.conversation_id) {
            continue;
        }
        *position += 1;
        infos.insert(
            waiting.conversation_id,
            queue_info(*position, online, average_handle_ms),
        );
    }
    infos
}

/// The agents a stranded conversation of `team` is shown to in grab mode (WB-8): its online
/// members under cap, least-loaded first. Who wins is the store's compare-and-set.
pub fn grab_candidates(state: &RouterState, team: &str) -> Vec<Uuid> {
    let mut idle: Vec<&AgentSnapshot> = state
        .agents
        .iter()
        .filter(|agent| agent.is_in(team) && agent.is_available())
        .collect();
    idle.sort_by(|a, b| least_loaded_order(a, b));
    idle.into_iter().map(|agent| agent.id).collect()
}

/// How overdue a reply is (WB-7).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TimeoutLevel {
    /// Within the team's target.
    Ok,
    /// Past the target: the agent's workbench flags the conversation.
    Warn,
    /// Past twice the target: the supervisor is alerted.
    Alert,
}

/// The level of a buyer message that has waited `waited_ms` against a `target_ms` response
/// target (a team's `response_target_seconds` × 1000).
pub fn timeout_level(waited_ms: i64, target_ms: i64) -> TimeoutLevel {
    if waited_ms > target_ms.saturating_mul(2) {
        TimeoutLevel::Alert
    } else if waited_ms > target_ms {
        TimeoutLevel::Warn
    } else {
        TimeoutLevel::Ok
    }
}

/// Words that say what a buyer's first message is about, by issue type, in the order tried:
/// a refund question that mentions the parcel is about the refund.
const ISSUE_WORDS: [(&str, &[&str]); 5] = [
    (
        "refund",
        &["退款", "退钱", "退货", "退换", "换货", "refund", "return"],
    ),
    (
        "quality",
        &[
            "破损",
            "坏了",
            "质量",
            "假货",
            "瑕疵",
            "漏液",
            "发错",
            "damaged",
            "broken",
            "quality",
            "wrong item",
        ],
    ),
    (
        "logistics",
        &[
            "物流",
            "快递",
            "发货",
            "没到",
            "不动",
            "单号",
            "配送",
            "delivery",
            "shipping",
            "logistics",
        ],
    ),
    ("invoice", &["发票", "开票", "invoice"]),
    (
        "presale",
        &[
            "有货",
            "有没有",
            "多少钱",
            "优惠",
            "区别",
            "推荐",
            "尺码",
            "库存",
            "price",
            "stock",
        ],
    ),
];

/// The issue type a buyer's message names (WB-4: routing by issue), if any. Lines are tried
/// in order, so the structured problem form (SELF-4), whose first line is the problem
/// ("【问题】物流问题") and second the request ("【诉求】退款"), routes by the problem.
pub fn issue_type_of(text: &str) -> Option<&'static str> {
    text.lines().find_map(|line| {
        let lower = line.to_lowercase();
        ISSUE_WORDS
            .iter()
            .find(|(_, words)| words.iter().any(|w| lower.contains(w)))
            .map(|(issue, _)| *issue)
    })
}

/// A message's language, roughly: Chinese when it has CJK characters, English when it has
/// Latin letters only (WB-4: routing to multilingual groups, LIVE-3).
pub fn language_of(text: &str) -> Option<&'static str> {
    if text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) {
        Some("zh")
    } else if text.chars().any(|c| c.is_ascii_alphabetic()) {
        Some("en")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guard::DEFAULT_TEAMS;

    const PRE_SALES: &str = DEFAULT_TEAMS[0].0;
    const AFTER_SALES: &str = DEFAULT_TEAMS[1].0;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn facts() -> ConversationFacts {
        ConversationFacts {
            entry: Entry::OrderCard,
            channel: Channel::Web,
            category: Some("绿茶".into()),
            sku: Some("LJ-250g".into()),
            issue_type: Some("refund".into()),
            language: Some("zh-CN".into()),
            vip_level: 2,
            priority: ChannelPriority::DirectMessage,
        }
    }

    fn rule(n: u128, position: i32, conditions: Vec<Condition>, team: &str) -> RoutingRule {
        RoutingRule {
            id: id(n),
            name: format!("rule {n}"),
            position,
            conditions,
            team: team.into(),
            enabled: true,
        }
    }

    fn agent(n: u128, team: &str, load: u32, cap: u32) -> AgentSnapshot {
        AgentSnapshot {
            id: id(n),
            team: Some(team.into()),
            status: AgentStatus::Online,
            load,
            cap,
            last_assigned_at: 0,
        }
    }

    fn waiting(n: u128, team: &str, priority: ChannelPriority, vip: u8, since: i64) -> Waiting {
        Waiting {
            conversation_id: id(n),
            team: team.into(),
            priority,
            vip_level: vip,
            waiting_since: since,
            last_agent: None,
        }
    }

    fn dm(n: u128, team: &str, since: i64) -> Waiting {
        waiting(n, team, ChannelPriority::DirectMessage, 0, since)
    }

    #[test]
    fn each_condition_tests_its_fact() {
        let f = facts();
        assert!(Condition::Entry(Entry::OrderCard).holds(&f));
        assert_eq!(
            Condition::Entry(Entry::ProductPage).mismatch(&f).as_deref(),
            Some("entry is order_card, not product_page")
        );
        assert!(Condition::Channel(Channel::Web).holds(&f));
        assert_eq!(
            Condition::Channel(Channel::Douyin).mismatch(&f).as_deref(),
            Some("channel is web, not douyin")
        );
        assert!(Condition::Category(" 绿茶 ".into()).holds(&f));
        assert!(!Condition::Category("红茶".into()).holds(&f));
        assert!(Condition::Sku("LJ-250g".into()).holds(&f));
        assert!(!Condition::Sku("lj-250g".into()).holds(&f));
        assert!(Condition::IssueType("REFUND".into()).holds(&f));
        assert!(!Condition::IssueType("logistics".into()).holds(&f));
        assert!(Condition::Language("zh".into()).holds(&f));
        assert!(Condition::Language("zh_cn".into()).holds(&f));
        assert!(!Condition::Language("zh-TW".into()).holds(&f));
        assert!(!Condition::Language("z".into()).holds(&f));
        assert!(!Condition::Language("en".into()).holds(&f));
        assert!(Condition::VipAtLeast(0).holds(&f));
        assert!(Condition::VipAtLeast(2).holds(&f));
        assert_eq!(
            Condition::VipAtLeast(3).mismatch(&f).as_deref(),
            Some("VIP level 2 is below 3")
        );
    }

    #[test]
    fn an_unknown_fact_fails_its_condition() {
        let f = ConversationFacts {
            category: None,
            sku: None,
            issue_type: None,
            language: None,
            ..facts()
        };
        assert_eq!(
            Condition::Category("绿茶".into()).mismatch(&f).as_deref(),
            Some("category is unknown, not 绿茶")
        );
        assert!(!Condition::Sku("LJ-250g".into()).holds(&f));
        assert!(!Condition::IssueType("refund".into()).holds(&f));
        assert!(!Condition::Language("zh".into()).holds(&f));
    }

    #[test]
    fn the_first_enabled_matching_rule_by_position_wins() {
        let rules = vec![
            rule(1, 3, vec![], "catch_all"),
            rule(
                2,
                2,
                vec![Condition::IssueType("refund".into())],
                AFTER_SALES,
            ),
            rule(3, 1, vec![Condition::Entry(Entry::ProductPage)], PRE_SALES),
            rule(4, 2, vec![Condition::VipAtLeast(1)], "vip"),
        ];
        let decision = route_team(&rules, &facts(), PRE_SALES);
        assert_eq!(decision.team, AFTER_SALES);
        assert_eq!(decision.rule_id, Some(id(2)));
        assert_eq!(
            decision.explanation,
            vec![
                "#1 \"rule 3\": no match: entry is order_card, not product_page".to_owned(),
                "#2 \"rule 2\": matched (issue type = refund) → team after_sales".to_owned(),
            ]
        );
    }

    #[test]
    fn a_rule_needs_every_condition_and_explains_each_miss() {
        let rules = vec![rule(
            1,
            1,
            vec![
                Condition::Entry(Entry::OrderCard),
                Condition::Channel(Channel::Douyin),
                Condition::VipAtLeast(5),
            ],
            "vip",
        )];
        let decision = route_team(&rules, &facts(), PRE_SALES);
        assert_eq!(decision.team, PRE_SALES);
        assert_eq!(decision.rule_id, None);
        assert_eq!(
            decision.explanation,
            vec![
                "#1 \"rule 1\": no match: channel is web, not douyin; VIP level 2 is below 5"
                    .to_owned(),
                "no rule matched → default team pre_sales".to_owned(),
            ]
        );
    }

    #[test]
    fn a_disabled_rule_is_skipped_even_when_it_matches() {
        let mut off = rule(1, 1, vec![Condition::Entry(Entry::OrderCard)], "off");
        off.enabled = false;
        assert!(off.matches(&facts()));
        let rules = vec![off, rule(2, 2, vec![], AFTER_SALES)];
        let decision = route_team(&rules, &facts(), PRE_SALES);
        assert_eq!(decision.team, AFTER_SALES);
        assert_eq!(
            decision.explanation,
            vec![
                "#1 \"rule 1\": disabled, skipped".to_owned(),
                "#2 \"rule 2\": matched (no conditions) → team after_sales".to_owned(),
            ]
        );
    }

    #[test]
    fn without_rules_the_default_team_takes_it() {
        let decision = route_team(&[], &facts(), PRE_SALES);
        assert_eq!(decision.team, PRE_SALES);
        assert_eq!(decision.rule_id, None);
        assert_eq!(
            decision.explanation,
            vec!["no rule matched → default team pre_sales".to_owned()]
        );
    }

    #[test]
    fn rules_with_the_same_position_are_tried_by_id() {
        let rules = vec![rule(9, 1, vec![], "nine"), rule(5, 1, vec![], "five")];
        assert_eq!(route_team(&rules, &facts(), PRE_SALES).team, "five");
    }

    #[test]
    fn a_rule_is_checked_before_it_is_saved() {
        let ok = rule(1, 1, vec![Condition::Category(" 绿茶 ".into())], " qa ")
            .check()
            .unwrap();
        assert_eq!(ok.team, "qa");
        assert_eq!(ok.conditions, vec![Condition::Category("绿茶".into())]);
        let mut unnamed = rule(1, 1, vec![], "qa");
        unnamed.name = "  ".into();
        assert_eq!(unnamed.check(), Err(ErrorCode::BadRuleName));
        assert_eq!(rule(1, 1, vec![], " ").check(), Err(ErrorCode::BadRuleTeam));
        assert_eq!(
            rule(1, 1, vec![Condition::Sku(" ".into())], "qa").check(),
            Err(ErrorCode::BadRuleCondition)
        );
    }

    #[test]
    fn rules_and_facts_speak_snake_case_json() {
        let json = serde_json::to_value(rule(
            1,
            1,
            vec![
                Condition::Entry(Entry::OrderCard),
                Condition::VipAtLeast(3),
                Condition::IssueType("refund".into()),
            ],
            AFTER_SALES,
        ))
        .unwrap();
        assert_eq!(
            json["conditions"],
            serde_json::json!([
                {"kind": "entry", "value": "order_card"},
                {"kind": "vip_at_least", "value": 3},
                {"kind": "issue_type", "value": "refund"},
            ])
        );
        let sample: ConversationFacts = serde_json::from_value(serde_json::json!({
            "entry": "live_room", "channel": "douyin", "priority": "live_stream"
        }))
        .unwrap();
        assert_eq!(sample.priority, ChannelPriority::LiveStream);
        assert_eq!(sample.vip_level, 0);
        assert_eq!(
            serde_json::to_value(Strategy::RoundRobin).unwrap(),
            "round_robin"
        );
        assert_eq!(serde_json::to_value(TimeoutLevel::Warn).unwrap(), "warn");
        for s in [
            Strategy::LeastLoaded,
            Strategy::RoundRobin,
            Strategy::Sticky,
        ] {
            assert_eq!(Strategy::parse(s.as_str()), Some(s));
        }
        for p in [
            ChannelPriority::DirectMessage,
            ChannelPriority::VideoComment,
            ChannelPriority::LiveStream,
        ] {
            assert_eq!(ChannelPriority::parse(p.as_str()), Some(p));
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
        }
    }

    #[test]
    fn live_stream_outranks_video_comment_outranks_direct_message() {
        assert!(ChannelPriority::LiveStream > ChannelPriority::VideoComment);
        assert!(ChannelPriority::VideoComment > ChannelPriority::DirectMessage);
        assert_eq!(
            ChannelPriority::of_entry(Entry::LiveRoom),
            ChannelPriority::LiveStream
        );
        assert_eq!(
            ChannelPriority::of_entry(Entry::OrderCard),
            ChannelPriority::DirectMessage
        );
    }

    #[test]
    fn only_online_agents_under_cap_are_available() {
        assert!(agent(1, PRE_SALES, 2, 3).is_available());
        assert!(!agent(1, PRE_SALES, 3, 3).is_available());
        assert!(!agent(1, PRE_SALES, 0, 0).is_available());
        for status in [AgentStatus::Busy, AgentStatus::Away, AgentStatus::Offline] {
            let a = AgentSnapshot {
                status,
                ..agent(1, PRE_SALES, 0, 3)
            };
            assert!(!a.is_available());
        }
    }

    #[test]
    fn least_loaded_compares_ratio_then_load_then_idle_time_then_id() {
        let pick = |agents: &[AgentSnapshot]| {
            pick_agent(agents, PRE_SALES, Strategy::LeastLoaded, None, 0).map(|p| p.agent_id)
        };
        // 2/5 beats 1/2 although its load is higher.
        assert_eq!(
            pick(&[agent(1, PRE_SALES, 1, 2), agent(2, PRE_SALES, 2, 5)]),
            Some(id(2))
        );
        // Equal ratios: the lower load.
        assert_eq!(
            pick(&[agent(1, PRE_SALES, 3, 6), agent(2, PRE_SALES, 1, 2)]),
            Some(id(2))
        );
        // Equal loads: the one idle longest.
        let mut recent = agent(1, PRE_SALES, 1, 3);
        recent.last_assigned_at = 200;
        let mut earlier = agent(2, PRE_SALES, 1, 3);
        earlier.last_assigned_at = 100;
        assert_eq!(pick(&[recent, earlier]), Some(id(2)));
        // A complete tie: the lowest id.
        assert_eq!(
            pick(&[agent(7, PRE_SALES, 0, 3), agent(4, PRE_SALES, 0, 3)]),
            Some(id(4))
        );
        // Unavailable agents and other teams' agents are never picked.
        let mut away = agent(1, PRE_SALES, 0, 3);
        away.status = AgentStatus::Away;
        assert_eq!(
            pick(&[away, agent(2, PRE_SALES, 3, 3), agent(3, AFTER_SALES, 0, 3)]),
            None
        );
    }

    #[test]
    fn round_robin_goes_around_the_ring_and_wraps() {
        let agents = vec![
            agent(3, PRE_SALES, 0, 9),
            agent(1, PRE_SALES, 0, 9),
            agent(2, PRE_SALES, 0, 9),
        ];
        let mut cursor = 0;
        let mut order = Vec::new();
        for _ in 0..4 {
            let pick = pick_agent(&agents, PRE_SALES, Strategy::RoundRobin, None, cursor).unwrap();
            order.push(pick.agent_id);
            cursor = pick.cursor;
        }
        assert_eq!(order, vec![id(1), id(2), id(3), id(1)]);
        assert_eq!(cursor, 1);
        // A cursor past the end wraps too.
        let pick = pick_agent(&agents, PRE_SALES, Strategy::RoundRobin, None, 5).unwrap();
        assert_eq!((pick.agent_id, pick.cursor), (id(3), 0));
    }

    #[test]
    fn round_robin_skips_unavailable_members() {
        let mut away = agent(2, PRE_SALES, 0, 9);
        away.status = AgentStatus::Away;
        let agents = vec![agent(1, PRE_SALES, 0, 9), away, agent(3, PRE_SALES, 9, 9)];
        let pick = pick_agent(&agents, PRE_SALES, Strategy::RoundRobin, None, 1).unwrap();
        assert_eq!((pick.agent_id, pick.cursor), (id(1), 1));
        assert_eq!(
            pick_agent(&agents[1..], PRE_SALES, Strategy::RoundRobin, None, 0),
            None
        );
        assert_eq!(
            pick_agent(&[], PRE_SALES, Strategy::RoundRobin, None, 3),
            None
        );
    }

    #[test]
    fn sticky_prefers_the_last_agent_while_they_can_take_it() {
        let agents = vec![agent(1, PRE_SALES, 0, 3), agent(2, PRE_SALES, 2, 3)];
        let pick = |agents: &[AgentSnapshot], last| {
            pick_agent(agents, PRE_SALES, Strategy::Sticky, last, 0).map(|p| p.agent_id)
        };
        assert_eq!(pick(&agents, Some(id(2))), Some(id(2)));
        // No history, or the last agent unknown: least-loaded.
        assert_eq!(pick(&agents, None), Some(id(1)));
        assert_eq!(pick(&agents, Some(id(9))), Some(id(1)));
        // The last agent at cap, away, or in another team: least-loaded.
        let full = vec![agent(1, PRE_SALES, 0, 3), agent(2, PRE_SALES, 3, 3)];
        assert_eq!(pick(&full, Some(id(2))), Some(id(1)));
        let mut away = agent(2, PRE_SALES, 0, 3);
        away.status = AgentStatus::Away;
        assert_eq!(
            pick(&[agent(1, PRE_SALES, 1, 3), away], Some(id(2))),
            Some(id(1))
        );
        assert_eq!(
            pick(
                &[agent(1, PRE_SALES, 1, 3), agent(2, AFTER_SALES, 0, 3)],
                Some(id(2))
            ),
            Some(id(1))
        );
    }

    #[test]
    fn the_queue_orders_by_priority_then_vip_then_wait_then_id() {
        use ChannelPriority::*;
        let mut queue = [
            waiting(1, PRE_SALES, DirectMessage, 0, 10),
            waiting(2, PRE_SALES, DirectMessage, 3, 50),
            waiting(3, PRE_SALES, LiveStream, 0, 90),
            waiting(4, PRE_SALES, VideoComment, 0, 5),
            waiting(5, PRE_SALES, DirectMessage, 0, 5),
            waiting(7, PRE_SALES, DirectMessage, 0, 10),
            waiting(6, PRE_SALES, DirectMessage, 0, 10),
        ];
        queue.sort_by(queue_order);
        let order: Vec<Uuid> = queue.iter().map(|w| w.conversation_id).collect();
        assert_eq!(order, [3, 4, 2, 5, 1, 6, 7].map(id));
    }

    #[test]
    fn dispatch_serves_each_team_in_queue_order_until_agents_run_out() {
        let mut state = RouterState {
            agents: vec![agent(10, PRE_SALES, 0, 1), agent(11, AFTER_SALES, 1, 3)],
            queue: vec![
                dm(1, PRE_SALES, 30),
                dm(2, PRE_SALES, 20),
                waiting(3, AFTER_SALES, ChannelPriority::LiveStream, 0, 99),
                dm(4, AFTER_SALES, 10),
                dm(5, AFTER_SALES, 11),
                dm(6, "nobody", 0),
            ],
            ..RouterState::default()
        };
        let assignments = dispatch(&mut state, 1_000);
        let got: Vec<(Uuid, Uuid)> = assignments
            .iter()
            .map(|a| (a.conversation_id, a.agent_id))
            .collect();
        assert_eq!(got, vec![(id(3), id(11)), (id(4), id(11)), (id(2), id(10))]);
        let left: Vec<Uuid> = state.queue.iter().map(|w| w.conversation_id).collect();
        assert_eq!(left, vec![id(6), id(5), id(1)]);
        assert_eq!(state.agents[0].load, 1);
        assert_eq!(state.agents[1].load, 3);
        assert_eq!(state.agents[1].last_assigned_at, 1_000);
        assert!(dispatch(&mut state, 2_000).is_empty());
    }

    #[test]
    fn dispatch_keeps_the_round_robin_cursor() {
        let mut state = RouterState {
            agents: vec![
                agent(1, PRE_SALES, 0, 5),
                agent(2, PRE_SALES, 0, 5),
                agent(3, PRE_SALES, 0, 5),
            ],
            queue: (1..=4).map(|n| dm(100 + n, PRE_SALES, n as i64)).collect(),
            strategies: HashMap::from([(PRE_SALES.to_owned(), Strategy::RoundRobin)]),
            cursors: HashMap::from([(PRE_SALES.to_owned(), 2)]),
        };
        let agents: Vec<Uuid> = dispatch(&mut state, 1)
            .into_iter()
            .map(|a| a.agent_id)
            .collect();
        assert_eq!(agents, vec![id(3), id(1), id(2), id(3)]);
        assert_eq!(state.cursors[PRE_SALES], 0);
    }

    #[test]
    fn dispatch_sends_a_returning_buyer_to_their_agent_in_a_sticky_team() {
        let mut back = dm(1, AFTER_SALES, 0);
        back.last_agent = Some(id(12));
        let mut state = RouterState {
            agents: vec![agent(11, AFTER_SALES, 0, 3), agent(12, AFTER_SALES, 2, 3)],
            queue: vec![back],
            strategies: HashMap::from([(AFTER_SALES.to_owned(), Strategy::Sticky)]),
            ..RouterState::default()
        };
        assert_eq!(dispatch(&mut state, 1)[0].agent_id, id(12));
    }

    #[test]
    fn a_conversation_queued_twice_is_assigned_once() {
        let mut state = RouterState {
            agents: vec![agent(10, PRE_SALES, 0, 5)],
            ..RouterState::default()
        };
        state.queue = vec![dm(1, PRE_SALES, 5), dm(1, PRE_SALES, 1)];
        let assignments = dispatch(&mut state, 1);
        assert_eq!(assignments.len(), 1);
        assert!(state.queue.is_empty());
        assert_eq!(state.agents[0].load, 1);

        state.enqueue(dm(2, PRE_SALES, 5));
        state.enqueue(dm(2, PRE_SALES, 1));
        assert_eq!(state.queue, vec![dm(2, PRE_SALES, 1)]);
    }

    #[test]
    fn a_freed_agent_is_offered_the_head_of_their_teams_queue() {
        let mut state = RouterState {
            agents: vec![agent(10, PRE_SALES, 1, 1), agent(11, AFTER_SALES, 0, 1)],
            queue: vec![
                dm(1, PRE_SALES, 30),
                dm(2, AFTER_SALES, 1),
                waiting(3, PRE_SALES, ChannelPriority::VideoComment, 0, 40),
                dm(4, PRE_SALES, 20),
            ],
            ..RouterState::default()
        };
        // At cap: nothing is offered.
        assert_eq!(offer_to(&mut state, id(10), 5), None);
        state.agents[0].load = 0;
        let offer = offer_to(&mut state, id(10), 5).unwrap();
        assert_eq!(
            offer,
            Assignment {
                conversation_id: id(3),
                agent_id: id(10),
                team: PRE_SALES.into()
            }
        );
        assert_eq!(state.agents[0].load, 1);
        assert_eq!(state.agents[0].last_assigned_at, 5);
        assert_eq!(state.queue.len(), 3);
        // Unknown, busy or teamless agents get nothing.
        assert_eq!(offer_to(&mut state, id(99), 5), None);
        state.agents[1].status = AgentStatus::Busy;
        assert_eq!(offer_to(&mut state, id(11), 5), None);
        state.agents[1].status = AgentStatus::Online;
        state.agents[1].team = None;
        assert_eq!(offer_to(&mut state, id(11), 5), None);
        // Nobody waiting for the team: nothing.
        state.agents[1].team = Some("qa".into());
        assert_eq!(offer_to(&mut state, id(11), 5), None);
    }

    #[test]
    fn an_offer_moves_the_round_robin_cursor_past_the_agent() {
        let mut state = RouterState {
            agents: vec![agent(1, PRE_SALES, 0, 5), agent(2, PRE_SALES, 0, 5)],
            queue: vec![dm(9, PRE_SALES, 0)],
            strategies: HashMap::from([(PRE_SALES.to_owned(), Strategy::RoundRobin)]),
            cursors: HashMap::from([(PRE_SALES.to_owned(), 1)]),
        };
        assert!(offer_to(&mut state, id(2), 1).is_some());
        assert_eq!(state.cursors[PRE_SALES], 0);
    }

    #[test]
    fn a_waiting_buyer_sees_their_place_and_an_estimate() {
        let mut away = agent(12, PRE_SALES, 0, 3);
        away.status = AgentStatus::Away;
        let mut state = RouterState {
            agents: vec![agent(10, PRE_SALES, 3, 3), agent(11, PRE_SALES, 3, 3), away],
            queue: vec![
                dm(1, PRE_SALES, 10),
                dm(2, PRE_SALES, 20),
                dm(3, PRE_SALES, 30),
                dm(4, AFTER_SALES, 0),
            ],
            ..RouterState::default()
        };
        // Two online agents (the away one does not count): ceil(3 / 2) = 2 handle times.
        assert_eq!(
            queue_position(&state, id(3), 60_000),
            Some(QueueInfo {
                position: 3,
                ahead: 2,
                estimated_wait_ms: 120_000
            })
        );
        assert_eq!(
            queue_position(&state, id(1), 60_000).map(|q| q.estimated_wait_ms),
            Some(60_000)
        );
        // No one online: as if one were.
        assert_eq!(
            queue_position(&state, id(4), 60_000),
            Some(QueueInfo {
                position: 1,
                ahead: 0,
                estimated_wait_ms: 60_000
            })
        );
        assert_eq!(queue_position(&state, id(99), 60_000), None);
        // A live-stream buyer jumps ahead.
        state
            .queue
            .push(waiting(5, PRE_SALES, ChannelPriority::LiveStream, 0, 99));
        assert_eq!(
            queue_position(&state, id(1), 60_000).map(|q| q.position),
            Some(2)
        );
        let all = queue_positions(&state, 60_000);
        assert_eq!(all.len(), 5);
        for waiting in &state.queue {
            assert_eq!(
                Some(all[&waiting.conversation_id]),
                queue_position(&state, waiting.conversation_id, 60_000)
            );
        }
    }

    #[test]
    fn grab_mode_shows_a_stranded_conversation_to_idle_team_members() {
        let mut busy = agent(3, PRE_SALES, 0, 3);
        busy.status = AgentStatus::Busy;
        let state = RouterState {
            agents: vec![
                agent(1, PRE_SALES, 2, 3),
                agent(2, PRE_SALES, 0, 3),
                busy,
                agent(4, PRE_SALES, 3, 3),
                agent(5, AFTER_SALES, 0, 3),
            ],
            ..RouterState::default()
        };
        assert_eq!(grab_candidates(&state, PRE_SALES), vec![id(2), id(1)]);
        assert!(grab_candidates(&state, "qa").is_empty());
    }

    #[test]
    fn timeouts_warn_past_the_target_and_alert_past_twice_it() {
        let pre_sales_ms = DEFAULT_TEAMS[0].2 * 1000;
        assert_eq!(timeout_level(0, pre_sales_ms), TimeoutLevel::Ok);
        assert_eq!(timeout_level(30_000, pre_sales_ms), TimeoutLevel::Ok);
        assert_eq!(timeout_level(30_001, pre_sales_ms), TimeoutLevel::Warn);
        assert_eq!(timeout_level(60_000, pre_sales_ms), TimeoutLevel::Warn);
        assert_eq!(timeout_level(60_001, pre_sales_ms), TimeoutLevel::Alert);
        let after_sales_ms = DEFAULT_TEAMS[1].2 * 1000;
        assert_eq!(timeout_level(60_001, after_sales_ms), TimeoutLevel::Ok);
        assert_eq!(timeout_level(i64::MAX, i64::MAX), TimeoutLevel::Ok);
        assert!(TimeoutLevel::Alert > TimeoutLevel::Warn);
    }

    mod properties {
        use proptest::prelude::{Just, ProptestConfig, prop};
        use proptest::strategy::Strategy as Generator;
        use proptest::{prop_assert, prop_assert_eq, prop_oneof, proptest};

        use super::*;

        /// Agents belong to the first three; `vip` has a queue but never an agent.
        const TEAMS: [&str; 4] = ["pre_sales", "after_sales", "qa", "vip"];

        fn status() -> impl Generator<Value = AgentStatus> {
            prop_oneof![
                3 => Just(AgentStatus::Online),
                1 => Just(AgentStatus::Busy),
                1 => Just(AgentStatus::Away),
                1 => Just(AgentStatus::Offline),
            ]
        }

        fn strategy() -> impl Generator<Value = Strategy> {
            prop_oneof![
                Just(Strategy::LeastLoaded),
                Just(Strategy::RoundRobin),
                Just(Strategy::Sticky),
            ]
        }

        fn priority() -> impl Generator<Value = ChannelPriority> {
            prop_oneof![
                Just(ChannelPriority::DirectMessage),
                Just(ChannelPriority::VideoComment),
                Just(ChannelPriority::LiveStream),
            ]
        }

        /// Unique ids in random order: a random high half, the index as the low half.
        fn unique_id(key: u64, index: usize) -> Uuid {
            Uuid::from_u128((u128::from(key) << 64) | index as u128)
        }

        fn router_state() -> impl Generator<Value = RouterState> {
            let agents = prop::collection::vec(
                (
                    proptest::num::u64::ANY,
                    prop::option::weighted(0.9, 0..3usize),
                    status(),
                    0u32..=6,
                    0u32..=5,
                    0i64..5,
                ),
                0..=20,
            );
            let queue = prop::collection::vec(
                (
                    proptest::num::u64::ANY,
                    0..TEAMS.len(),
                    priority(),
                    0u8..4,
                    0i64..20,
                    prop::option::of(0..25usize),
                ),
                0..=60,
            );
            let settings = prop::collection::vec((strategy(), 0usize..25), TEAMS.len());
            (agents, queue, settings).prop_map(|(agents, queue, settings)| {
                let agents: Vec<AgentSnapshot> = agents
                    .into_iter()
                    .enumerate()
                    .map(|(i, (key, team, status, load, cap, last))| AgentSnapshot {
                        id: unique_id(key, i),
                        team: team.map(|t| TEAMS[t].to_owned()),
                        status,
                        load,
                        cap,
                        last_assigned_at: last,
                    })
                    .collect();
                let queue = queue
                    .into_iter()
                    .enumerate()
                    .map(|(i, (key, team, priority, vip, since, last))| Waiting {
                        conversation_id: unique_id(key, i),
                        team: TEAMS[team].to_owned(),
                        priority,
                        vip_level: vip,
                        waiting_since: since,
                        // Some indices miss every agent: a last agent who left.
                        last_agent: last.and_then(|a| agents.get(a)).map(|a| a.id),
                    })
                    .collect();
                RouterState {
                    agents,
                    queue,
                    strategies: TEAMS
                        .iter()
                        .zip(&settings)
                        .map(|(team, (strategy, _))| ((*team).to_owned(), *strategy))
                        .collect(),
                    cursors: TEAMS
                        .iter()
                        .zip(&settings)
                        .map(|(team, (_, cursor))| ((*team).to_owned(), *cursor))
                        .collect(),
                }
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            #[test]
            fn dispatch_loses_nothing_doubles_nothing_and_respects_caps_and_order(
                before in router_state(),
                now in 100i64..200,
            ) {
                let mut after = before.clone();
                let assignments = dispatch(&mut after, now);

                // (a) No conversation is assigned twice.
                let assigned: HashSet<Uuid> =
                    assignments.iter().map(|a| a.conversation_id).collect();
                prop_assert_eq!(assigned.len(), assignments.len());

                // (b) Assigned and still waiting are exactly the input.
                let waiting: HashSet<Uuid> =
                    after.queue.iter().map(|w| w.conversation_id).collect();
                prop_assert_eq!(waiting.len(), after.queue.len());
                prop_assert!(assigned.is_disjoint(&waiting));
                let input: HashSet<Uuid> =
                    before.queue.iter().map(|w| w.conversation_id).collect();
                prop_assert_eq!(&assigned | &waiting, input);

                // (c) Loads grow by what each agent got, never past the cap, only for available
                // agents of the conversation's team.
                for (old, new) in before.agents.iter().zip(&after.agents) {
                    let got: Vec<&Assignment> =
                        assignments.iter().filter(|a| a.agent_id == new.id).collect();
                    prop_assert_eq!(u64::from(new.load), u64::from(old.load) + got.len() as u64);
                    if got.is_empty() {
                        prop_assert_eq!(old, new);
                    } else {
                        prop_assert!(old.is_available());
                        prop_assert!(new.load <= new.cap);
                        prop_assert_eq!(new.last_assigned_at, now);
                        for a in got {
                            prop_assert!(new.is_in(&a.team));
                        }
                    }
                }

                // (d) Within a team, every assigned conversation was ahead of every waiting one.
                let by_id: HashMap<Uuid, &Waiting> =
                    before.queue.iter().map(|w| (w.conversation_id, w)).collect();
                for a in &assignments {
                    let served = by_id[&a.conversation_id];
                    prop_assert_eq!(&served.team, &a.team);
                    for left in after.queue.iter().filter(|w| w.team == a.team) {
                        prop_assert_eq!(queue_order(served, left), Ordering::Less);
                    }
                }

                // (e) A team still waiting has no available agent.
                for left in &after.queue {
                    prop_assert!(
                        !after.agents.iter().any(|g| g.is_in(&left.team) && g.is_available())
                    );
                }

                // The queue is left sorted, and a second pass has nothing to do.
                prop_assert!(after.queue.is_sorted_by(|a, b| queue_order(a, b) == Ordering::Less));
                prop_assert!(dispatch(&mut after.clone(), now).is_empty());
            }

            #[test]
            fn a_freed_agent_gets_exactly_their_teams_head(
                mut state in router_state(),
                pick in 0usize..20,
            ) {
                dispatch(&mut state, 1);
                let Some(agent_id) = state.agents.get(pick).map(|a| a.id) else {
                    return Ok(());
                };
                if let Some(agent) = state.agents.get_mut(pick) {
                    agent.load = agent.load.saturating_sub(1);
                }
                let before = state.clone();
                let agent = &before.agents[pick];
                let head = agent.team.as_ref().and_then(|team| {
                    before
                        .queue
                        .iter()
                        .filter(|w| &w.team == team)
                        .min_by(|a, b| queue_order(a, b))
                });
                let offer = offer_to(&mut state, agent_id, 2);
                match (agent.is_available(), head) {
                    (true, Some(head)) => {
                        let offer = offer.ok_or_else(|| {
                            proptest::test_runner::TestCaseError::fail("no offer")
                        })?;
                        prop_assert_eq!(offer.conversation_id, head.conversation_id);
                        prop_assert_eq!(state.agents[pick].load, agent.load + 1);
                        prop_assert_eq!(state.queue.len(), before.queue.len() - 1);
                    }
                    _ => {
                        prop_assert_eq!(offer, None);
                        prop_assert_eq!(&state, &before);
                    }
                }
            }

            #[test]
            fn queue_positions_count_from_one_within_each_team(
                state in router_state(),
                handle_ms in 1i64..600_000,
            ) {
                let all = queue_positions(&state, handle_ms);
                prop_assert_eq!(all.len(), state.queue.len());
                for team in TEAMS {
                    let mut positions: Vec<usize> = state
                        .queue
                        .iter()
                        .filter(|w| w.team == team)
                        .map(|w| all[&w.conversation_id].position)
                        .collect();
                    positions.sort_unstable();
                    prop_assert!(positions.iter().copied().eq(1..=positions.len()));
                }
                for w in &state.queue {
                    let info = queue_position(&state, w.conversation_id, handle_ms);
                    prop_assert_eq!(info, Some(all[&w.conversation_id]));
                    let info = all[&w.conversation_id];
                    prop_assert_eq!(info.ahead + 1, info.position);
                    prop_assert!(info.estimated_wait_ms >= handle_ms);
                }
            }
        }
    }

    #[test]
    fn first_messages_name_their_issue_and_language() {
        assert_eq!(issue_type_of("我要退款，快递一直不动"), Some("refund"));
        assert_eq!(issue_type_of("我的快递三天没动了"), Some("logistics"));
        assert_eq!(issue_type_of("收到的茶叶包装破损"), Some("quality"));
        assert_eq!(issue_type_of("这款有货吗"), Some("presale"));
        assert_eq!(issue_type_of("你好"), None);
        // The problem form: the problem line decides, not the request line after it.
        assert_eq!(
            issue_type_of("【问题】物流问题\n【诉求】退款\n【描述】三天没动"),
            Some("logistics")
        );
        assert_eq!(
            issue_type_of("【问题】发错货\n【诉求】换货"),
            Some("quality")
        );
        assert_eq!(
            issue_type_of("[Problem] Wrong item\n[Request] Refund"),
            Some("quality")
        );
        assert_eq!(issue_type_of("【问题】其他\n【诉求】退款"), Some("refund"));
        assert_eq!(language_of("你好"), Some("zh"));
        assert_eq!(language_of("Is this in stock?"), Some("en"));
        assert_eq!(language_of("123"), None);
    }
}
