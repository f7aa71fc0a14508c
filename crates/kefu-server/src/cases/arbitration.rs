//! Arbitration by the platform (ACC-1, ESC-1): a buyer unhappy with the shop's answer asks
//! the platform's official desk to step in; the case escalates the conversation to level 2,
//! the desk asks either side for evidence and rules, the shop carries the ruling out by its
//! deadline (the sweep marks it late once). Each step is audited in the chains of the sides
//! it concerns, told to the other side (a notice, the shop's webhooks) and to the buyer in
//! their conversation. A deployment without a platform desk has no arbitration.

use kefu_domain::account::{Tenant, TenantKind};
use kefu_domain::arbitration::{Arbitration, Filing, Party, RulingKind};
use kefu_domain::error_code::ErrorCode;
use kefu_domain::escalation::{Subject, Trigger};
use kefu_domain::frames::NoticeKind;
use kefu_domain::message::SenderKind;
use kefu_domain::money::Money;
use kefu_domain::notify::NotifyEvent;
use kefu_domain::time::now_ms;
use kefu_store::{NewAudit, StoreError};
use serde_json::json;
use uuid::Uuid;

use crate::AppState;
use crate::cases::escalations::{self, Raise};
use crate::cases::notify::{self, Notice};
use crate::error::ApiError;

/// Messages read to see whether the shop has answered the buyer.
const ANSWER_SCAN: i64 = 500;
const SWEEP_BATCH: i64 = 200;

/// Who acts on a case: an account of one side, or the buyer.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub tenant_id: Uuid,
    pub id: Option<Uuid>,
    pub name: &'a str,
}

fn audit(actor: Actor<'_>, tenant_id: Uuid, action: &str, case: &Arbitration) -> NewAudit {
    NewAudit {
        tenant_id,
        actor_id: actor.id,
        actor_name: actor.name.to_owned(),
        action: action.to_owned(),
        target: case.number.clone(),
        detail: json!({
            "arbitration": case.id,
            "status": case.status,
            "ruling": case.ruling,
            "by_platform": actor.tenant_id == case.platform_id,
        }),
    }
}

/// The deployment's platform desk, if it has one.
pub async fn platform(state: &AppState) -> Result<Option<Tenant>, ApiError> {
    Ok(state
        .store
        .tenants()
        .await?
        .into_iter()
        .find(|t| t.kind == TenantKind::Platform))
}

/// Whether the shop has written to the buyer in the conversation (an agent's message).
async fn shop_answered(
    state: &AppState,
    tenant_id: Uuid,
    conversation_id: Uuid,
    last_seq: i64,
) -> Result<bool, ApiError> {
    let messages = state
        .store
        .messages(
            tenant_id,
            conversation_id,
            (last_seq - ANSWER_SCAN).max(0),
            None,
            ANSWER_SCAN,
        )
        .await?;
    Ok(messages.iter().any(|m| m.sender_kind == SenderKind::Agent))
}

/// What the buyer may do: ask (a platform desk exists, the shop answered, no open case)
/// and their conversation's case, if any.
pub async fn for_buyer(
    state: &AppState,
    tenant_id: Uuid,
    buyer_id: Uuid,
) -> Result<(bool, Option<Arbitration>), ApiError> {
    let Some(conversation) = state
        .store
        .current_conversation(tenant_id, buyer_id)
        .await?
    else {
        return Ok((false, None));
    };
    let case = state
        .store
        .latest_arbitration(tenant_id, conversation.id)
        .await?;
    let open = case
        .as_ref()
        .is_some_and(|c| c.status != kefu_domain::arbitration::Status::Closed);
    let tenant = state.store.tenant(tenant_id).await?;
    let may = !open
        && tenant.is_some_and(|t| t.kind == TenantKind::Shop)
        && platform(state).await?.is_some()
        && shop_answered(state, tenant_id, conversation.id, conversation.last_seq).await?;
    Ok((may, case))
}

/// The buyer asks the platform to step in on their current conversation.
pub async fn file(
    state: &AppState,
    tenant_id: Uuid,
    buyer_id: Uuid,
    reason: &str,
) -> Result<Arbitration, ApiError> {
    let shop = state
        .store
        .tenant(tenant_id)
        .await?
        .filter(|t| t.kind == TenantKind::Shop)
        .ok_or(ErrorCode::ArbitrationUnavailable)?;
    let desk = platform(state)
        .await?
        .ok_or(ErrorCode::ArbitrationUnavailable)?;
    let conversation = state
        .store
        .current_conversation(tenant_id, buyer_id)
        .await?
        .ok_or(ErrorCode::ArbitrationUnavailable)?;
    if !shop_answered(state, tenant_id, conversation.id, conversation.last_seq).await? {
        return Err(ErrorCode::ArbitrationUnavailable.into());
    }
    let now = now_ms();
    let id = Uuid::now_v7();
    let case = Arbitration::file(
        Filing {
            id,
            number: kefu_domain::work_order::number("AR", id, now),
            shop_id: tenant_id,
            shop_name: shop.name.clone(),
            platform_id: desk.id,
            conversation_id: conversation.id,
            buyer_id,
            buyer_name: conversation.buyer_name.clone(),
            order_no: conversation.context.order_no.clone(),
        },
        reason,
        now,
    )?;
    let buyer = Actor {
        tenant_id,
        id: None,
        name: &conversation.buyer_name,
    };
    let entries = vec![
        audit(buyer, tenant_id, "arbitration.file", &case),
        audit(buyer, desk.id, "arbitration.file", &case),
    ];
    let case = match state.store.create_arbitration(&case, entries).await {
        Ok(case) => case,
        Err(StoreError::Conflict(_)) => return Err(ErrorCode::ArbitrationExists.into()),
        Err(error) => return Err(error.into()),
    };
    metrics::counter!("kefu_arbitrations_total").increment(1);
    escalations::raise(
        state,
        tenant_id,
        Raise {
            subject: Subject::Conversation(conversation.id),
            triggers: vec![Trigger::Arbitration],
            level: None,
            reason: &format!("买家申请平台介入：{}", case.reason),
            by: None,
        },
    )
    .await?;
    tell_sides(
        state,
        &case,
        "买家申请平台介入",
        Some(NotifyEvent::ArbitrationOpened),
    )
    .await;
    let line = format!(
        "您已申请平台介入（{}），官方客服将尽快处理，处理结果会在这里通知您。",
        case.number
    );
    tell_buyer(state, &case, "filed", &line).await;
    Ok(case)
}

/// The platform's desk asks a side for evidence.
pub async fn ask_evidence(
    state: &AppState,
    case: &Arbitration,
    party: Party,
    what: &str,
    desk: Actor<'_>,
) -> Result<Arbitration, ApiError> {
    let next = case.evidence_asked(party, what, now_ms())?;
    let saved = save(state, &next, desk, "arbitration.ask_evidence").await?;
    match party {
        Party::Buyer => {
            let line = format!("平台请您补充证据（{}）：{what}", saved.number);
            tell_buyer(
                state,
                &saved,
                &format!("ask-{}", saved.requests.len()),
                &line,
            )
            .await;
        }
        _ => tell_shop(state, &saved, "平台请店铺补充证据", None).await,
    }
    Ok(saved)
}

/// A side sends evidence; the platform's desk is told.
pub async fn add_evidence(
    state: &AppState,
    case: &Arbitration,
    party: Party,
    what: &str,
    attachment_id: Option<Uuid>,
    by: Actor<'_>,
) -> Result<Arbitration, ApiError> {
    let next = case.evidence_added(party, by.name, what, attachment_id, now_ms())?;
    let saved = save(state, &next, by, "arbitration.evidence").await?;
    tell_desk(state, &saved, "仲裁案件有新证据").await;
    Ok(saved)
}

/// The platform rules; the shop (and its webhooks) and the buyer are told.
pub async fn rule(
    state: &AppState,
    case: &Arbitration,
    kind: RulingKind,
    amount_fen: Option<i64>,
    reason: &str,
    desk: Actor<'_>,
) -> Result<Arbitration, ApiError> {
    let by = desk.id.ok_or(ErrorCode::Forbidden)?;
    // A refund is at most what the case's order came to.
    if let (RulingKind::Refund, Some(amount), Some(no)) = (kind, amount_fen, &case.order_no)
        && let Some(order) = state.store.order(case.shop_id, no).await?
        && amount > order.total_fen.fen()
    {
        return Err(ErrorCode::InvalidArbitration.into());
    }
    let next = case.ruled(kind, amount_fen, reason, (by, desk.name), now_ms())?;
    let saved = save(state, &next, desk, "arbitration.rule").await?;
    let verdict = verdict_text(&saved);
    tell_shop(
        state,
        &saved,
        &format!("平台已裁定：{verdict}"),
        Some(NotifyEvent::ArbitrationRuled),
    )
    .await;
    let line = format!(
        "平台已对您的申请（{}）作出裁定：{verdict}。理由：{}",
        saved.number,
        saved.ruling.as_ref().map_or("", |r| r.reason.as_str())
    );
    tell_buyer(state, &saved, "ruled", &line).await;
    Ok(saved)
}

/// The shop carried the ruling out; the platform's desk and the buyer are told.
pub async fn comply(
    state: &AppState,
    case: &Arbitration,
    note: &str,
    by: Actor<'_>,
) -> Result<Arbitration, ApiError> {
    let next = case.complied(note, now_ms())?;
    let saved = save(state, &next, by, "arbitration.comply").await?;
    tell_desk(state, &saved, "店铺已执行裁定").await;
    let line = format!(
        "店铺已执行平台裁定（{}）：{}",
        saved.number, saved.compliance_note
    );
    tell_buyer(state, &saved, "complied", &line).await;
    Ok(saved)
}

/// The sweep (every five seconds, by the jobs' leader): a ruling not carried out by the shop's
/// deadline is marked late once and told to both sides.
pub async fn sweep(state: &AppState) {
    let now = now_ms();
    let due = match state.store.due_arbitrations(now, SWEEP_BATCH).await {
        Ok(due) => due,
        Err(error) => {
            tracing::warn!(%error, "could not list arbitrations due");
            return;
        }
    };
    for case in due {
        let Some(next) = case.missed(now) else {
            continue;
        };
        let kefu = Actor {
            tenant_id: case.platform_id,
            id: None,
            name: "系统",
        };
        match save(state, &next, kefu, "arbitration.overdue").await {
            Ok(saved) => {
                tell_shop(state, &saved, "仲裁裁定已超时未执行", None).await;
                tell_desk(state, &saved, "仲裁裁定已超时未执行").await;
            }
            Err(error) => tracing::debug!(?error, "an arbitration changed under the sweep"),
        }
    }
}

/// Saves a case from the version read, audited in both sides' chains.
async fn save(
    state: &AppState,
    next: &Arbitration,
    actor: Actor<'_>,
    action: &str,
) -> Result<Arbitration, ApiError> {
    let entries = vec![
        audit(actor, next.shop_id, action, next),
        audit(actor, next.platform_id, action, next),
    ];
    state
        .store
        .save_arbitration(next, entries)
        .await?
        .ok_or_else(|| ErrorCode::ArbitrationClosed.into())
}

fn verdict_text(case: &Arbitration) -> String {
    let Some(ruling) = &case.ruling else {
        return String::new();
    };
    let amount = ruling
        .amount_fen
        .map(|f| Money::from_fen(f).to_string())
        .unwrap_or_default();
    match ruling.kind {
        RulingKind::Refund => format!("店铺退款 {amount} 元"),
        RulingKind::Compensation => format!("店铺补偿 {amount} 元"),
        RulingKind::NoAction => "维持店铺的处理".to_owned(),
    }
}

async fn tell_buyer(state: &AppState, case: &Arbitration, step: &str, line: &str) {
    let key = format!("ar-{}-{step}", case.id);
    crate::cases::tell_buyer(state, case.shop_id, case.conversation_id, key, line).await;
}

async fn tell_shop(state: &AppState, case: &Arbitration, what: &str, event: Option<NotifyEvent>) {
    let notice = Notice {
        event,
        kind: NoticeKind::Arbitration,
        title: format!("{what}：{}", case.number),
        link: format!("/agent/arbitrations?case={}", case.id),
        to: None,
        level: None,
        data: json!({ "arbitration": case }),
    };
    notify::announce(state, case.shop_id, notice).await;
}

async fn tell_desk(state: &AppState, case: &Arbitration, what: &str) {
    let notice = Notice {
        event: None,
        kind: NoticeKind::Arbitration,
        title: format!("{what}：{} {}", case.number, case.shop_name),
        link: format!("/agent/arbitrations?case={}", case.id),
        to: None,
        level: None,
        data: serde_json::Value::Null,
    };
    notify::announce(state, case.platform_id, notice).await;
}

/// A new case: the platform's desk and the shop are told.
async fn tell_sides(state: &AppState, case: &Arbitration, what: &str, event: Option<NotifyEvent>) {
    tell_desk(state, case, what).await;
    tell_shop(state, case, what, event).await;
}
