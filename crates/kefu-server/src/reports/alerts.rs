//! Anomaly alerts (DATA-3): every few minutes the leader looks at each shop's last hour. A
//! subject (a product, a tag, the robot's guess of the issue) surging against its seasonal
//! share (`kefu_domain::anomaly::surge`), the robot handing over far more than usual, a queue
//! over the shop's limit and first responses over the line for 15 minutes each keep an alert
//! with its evidence, once per window; the cockpit shows it until a supervisor acknowledges.

use std::collections::{BTreeMap, HashMap, HashSet};

use kefu_domain::anomaly::{self, AlertKind, AlertRules, HourCount, SubjectKind};
use kefu_domain::conversation::EventKind;
use kefu_domain::frames::{NoticeKind, ServerFrame, SupervisorNotice};
use kefu_domain::kpi::KpiRules;
use kefu_store::NewAlert;
use uuid::Uuid;

use crate::AppState;
use crate::bus::Audience;
use crate::error::ApiError;

const HOUR_MS: i64 = 3_600_000;
const QUARTER_MS: i64 = 15 * 60_000;
/// The events a subject is read from, and those that begin a cycle.
const SUBJECT_EVENTS: [EventKind; 5] = [
    EventKind::Created,
    EventKind::Reopened,
    EventKind::Entered,
    EventKind::Tagged,
    EventKind::RobotHandoff,
];
const CYCLE_STARTS: [EventKind; 2] = [EventKind::Created, EventKind::Reopened];
/// Events read per window: past this the window's subjects are counted from its newest.
const WINDOW_SCAN: i64 = 50_000;
/// Sample conversations kept with an alert.
const SAMPLES: usize = 5;
/// First replies a first-response alert needs in its 15 minutes.
const MIN_REPLIES: usize = 3;

/// One window's subjects: the conversations about each, and all its cycles.
struct Window {
    subjects: HashMap<(SubjectKind, String), Vec<Uuid>>,
    handoffs: Vec<Uuid>,
    total: i64,
}

async fn window(
    state: &AppState,
    tenant_id: Uuid,
    (start, end): (i64, i64),
) -> Result<Window, ApiError> {
    let events = state
        .store
        .events_of_kinds(tenant_id, &SUBJECT_EVENTS, start, end, WINDOW_SCAN)
        .await?;
    let mut subjects: HashMap<(SubjectKind, String), Vec<Uuid>> = HashMap::new();
    let mut handoffs = Vec::new();
    for event in events {
        if event.kind == EventKind::RobotHandoff && !handoffs.contains(&event.conversation_id) {
            handoffs.push(event.conversation_id);
        }
        for subject in anomaly::subjects_of(event.kind, &event.data) {
            let conversations = subjects.entry(subject).or_default();
            if !conversations.contains(&event.conversation_id) {
                conversations.push(event.conversation_id);
            }
        }
    }
    let total = state
        .store
        .count_events(tenant_id, &CYCLE_STARTS, start, end)
        .await?;
    Ok(Window {
        subjects,
        handoffs,
        total,
    })
}

/// Looks at the shop's last hour (and quarter) as of `now`; returns the alerts kept.
pub async fn scan(state: &AppState, tenant_id: Uuid, now: i64) -> Result<usize, ApiError> {
    let (rules, _) = state.store.shop_document::<AlertRules>(tenant_id).await?;
    let mut found: Vec<NewAlert> = Vec::new();
    let hour = (now - HOUR_MS, now);
    let current = window(state, tenant_id, hour).await?;
    let hour_key = now - now.rem_euclid(HOUR_MS);
    if current.total > 0 || !current.subjects.is_empty() {
        let mut history = Vec::new();
        for span in anomaly::baseline_hours(now - HOUR_MS) {
            history.push(window(state, tenant_id, span).await?);
        }
        let mut subjects: BTreeMap<&(SubjectKind, String), &Vec<Uuid>> = BTreeMap::new();
        subjects.extend(
            current
                .subjects
                .iter()
                .filter(|(_, c)| c.len() as i64 >= rules.min_count),
        );
        for (subject, conversations) in subjects {
            let past: Vec<HourCount> = history
                .iter()
                .map(|w| HourCount {
                    subject: w.subjects.get(subject).map_or(0, |c| c.len() as i64),
                    total: w.total,
                })
                .collect();
            let now_count = HourCount {
                subject: conversations.len() as i64,
                total: current.total,
            };
            if let Some(surge) =
                anomaly::surge_with(now_count, &past, rules.sensitivity, rules.min_count)
            {
                let (kind, key) = subject;
                found.push(NewAlert {
                    kind: AlertKind::Surge,
                    subject: format!("{}:{key}", kind.as_str()),
                    label: label(state, tenant_id, *kind, key).await,
                    window_start: hour_key,
                    observed: surge.observed as f64,
                    expected: surge.expected,
                    evidence: evidence(&surge, current.total, &past, conversations),
                });
            }
        }
        if rules.robot_transfer {
            let past: Vec<HourCount> = history
                .iter()
                .map(|w| HourCount {
                    subject: w.handoffs.len() as i64,
                    total: w.total,
                })
                .collect();
            let now_count = HourCount {
                subject: current.handoffs.len() as i64,
                total: current.total,
            };
            if let Some(surge) =
                anomaly::surge_with(now_count, &past, rules.sensitivity, rules.min_count)
            {
                found.push(NewAlert {
                    kind: AlertKind::RobotTransfer,
                    subject: AlertKind::RobotTransfer.as_str().to_owned(),
                    label: String::new(),
                    window_start: hour_key,
                    observed: surge.observed as f64,
                    expected: surge.expected,
                    evidence: evidence(&surge, current.total, &past, &current.handoffs),
                });
            }
        }
    }
    let quarter_key = now - now.rem_euclid(QUARTER_MS);
    let live = state.store.live_counts(tenant_id).await?;
    if live.waiting > rules.queue_limit {
        let waiting = state
            .store
            .open_conversation_ids(tenant_id, true, SAMPLES as i64)
            .await?;
        found.push(NewAlert {
            kind: AlertKind::Queue,
            subject: AlertKind::Queue.as_str().to_owned(),
            label: String::new(),
            window_start: quarter_key,
            observed: live.waiting as f64,
            expected: rules.queue_limit as f64,
            evidence: serde_json::json!({
                "waiting": live.waiting,
                "limit": rules.queue_limit,
                "agents_online": live.agents_online,
                "conversations": waiting,
            }),
        });
    }
    let line_s = if rules.first_response_s > 0 {
        rules.first_response_s as f64
    } else {
        let (kpi_rules, _) = state.store.shop_document::<KpiRules>(tenant_id).await?;
        kpi_rules.lines.first_response_s.pass
    };
    let waits = state
        .store
        .recent_first_reply_waits(tenant_id, now - QUARTER_MS, 1_000)
        .await?;
    if waits.len() >= MIN_REPLIES {
        let average_s = waits.iter().sum::<i64>() as f64 / waits.len() as f64 / 1_000.0;
        if average_s > line_s {
            found.push(NewAlert {
                kind: AlertKind::FirstResponse,
                subject: AlertKind::FirstResponse.as_str().to_owned(),
                label: String::new(),
                window_start: quarter_key,
                observed: average_s,
                expected: line_s,
                evidence: serde_json::json!({
                    "replies": waits.len(),
                    "average_s": average_s,
                    "line_s": line_s,
                    "conversations": slow_conversations(state, tenant_id, now).await?,
                }),
            });
        }
    }
    let mut kept = 0;
    for alert in &found {
        if state.store.add_alert(tenant_id, alert, now).await? {
            kept += 1;
            metrics::counter!("kefu_alerts_total", "kind" => alert.kind.as_str()).increment(1);
            let notice = SupervisorNotice {
                kind: NoticeKind::Alert,
                title: notice_title(alert),
                link: "/agent/cockpit".to_owned(),
                at: now,
                to: None,
            };
            state
                .bus
                .publish(tenant_id, Audience::Agents, ServerFrame::Notice { notice })
                .await;
        }
    }
    Ok(kept)
}

/// The line a supervisor reads in the notice.
fn notice_title(alert: &NewAlert) -> String {
    match alert.kind {
        AlertKind::Surge => format!(
            "咨询激增：{}（{} 个会话，平时约 {:.0}）",
            alert.label, alert.observed, alert.expected
        ),
        AlertKind::Queue => format!("排队 {} 人，超过上限 {}", alert.observed, alert.expected),
        AlertKind::FirstResponse => format!(
            "近 15 分钟平均首响 {:.0} 秒，超过 {:.0} 秒",
            alert.observed, alert.expected
        ),
        AlertKind::RobotTransfer => format!(
            "机器人转人工激增：{} 次（平时约 {:.0}）",
            alert.observed, alert.expected
        ),
    }
}

fn evidence(
    surge: &anomaly::Surge,
    total: i64,
    past: &[HourCount],
    conversations: &[Uuid],
) -> serde_json::Value {
    serde_json::json!({
        "observed": surge.observed,
        "expected": surge.expected,
        "score": surge.score,
        "total": total,
        "history": past.iter().map(|h| [h.subject, h.total]).collect::<Vec<_>>(),
        "conversations": conversations.iter().take(SAMPLES).collect::<Vec<_>>(),
    })
}

/// The conversations of the last quarter's slowest first replies.
async fn slow_conversations(
    state: &AppState,
    tenant_id: Uuid,
    now: i64,
) -> Result<Vec<Uuid>, ApiError> {
    let mut replies = state
        .store
        .events_of_kinds(
            tenant_id,
            &[EventKind::FirstReply],
            now - QUARTER_MS,
            now,
            1_000,
        )
        .await?;
    replies.sort_by_key(|e| std::cmp::Reverse(e.data["wait_ms"].as_i64().unwrap_or(0)));
    let mut seen = HashSet::new();
    Ok(replies
        .into_iter()
        .map(|e| e.conversation_id)
        .filter(|id| seen.insert(*id))
        .take(SAMPLES)
        .collect())
}

/// What a supervisor reads for a subject: the product's title, the tag's name.
async fn label(state: &AppState, tenant_id: Uuid, kind: SubjectKind, key: &str) -> String {
    match kind {
        SubjectKind::Product => state
            .store
            .product(tenant_id, key)
            .await
            .ok()
            .flatten()
            .map(|p| p.title)
            .unwrap_or_else(|| key.to_owned()),
        SubjectKind::Tag => kefu_domain::tags::BUILTIN_TAGS
            .iter()
            .find(|(k, ..)| *k == key)
            .map(|(_, name, _)| (*name).to_owned())
            .unwrap_or_else(|| key.to_owned()),
        SubjectKind::IssueType => key.to_owned(),
    }
}

/// The jobs' few minutes: every shop looked at.
pub async fn scan_all(state: &AppState) {
    let Ok(tenants) = state.store.tenants().await else {
        return;
    };
    let now = kefu_domain::time::now_ms();
    for tenant in tenants {
        if let Err(error) = scan(state, tenant.id, now).await {
            tracing::warn!(tenant = %tenant.id, %error, "could not look for anomalies");
        }
    }
}
