//! Appeals to the platform (SELF-3): buyers of the official desk and shops file appeals from
//! the kinds' templates, with evidence; the desk reviews its queue against the 15-minute
//! target (the sweep tells it of one waiting longer), decides with a reason that goes back to
//! the filer — a buyer in their conversation with the desk, a shop by a notice — and an
//! appeal may be reopened once with new evidence.

use kefu_domain::account::TenantKind;
use kefu_domain::appeal::{Appeal, AppealKind, Filer, Outcome};
use kefu_domain::error_code::ErrorCode;
use kefu_domain::frames::NoticeKind;
use kefu_domain::time::now_ms;
use uuid::Uuid;

use crate::AppState;
use crate::cases::notify::{self, Notice};
use crate::error::ApiError;

const SWEEP_BATCH: i64 = 200;

/// What is filed.
#[derive(Debug, Clone)]
pub struct Filing<'a> {
    pub kind: AppealKind,
    pub order_no: Option<String>,
    pub description: &'a str,
    pub attachment_ids: &'a [Uuid],
}

/// The files are the filer's own uploads (`attachment_not_found` otherwise).
async fn own_files(state: &AppState, tenant_id: Uuid, ids: &[Uuid]) -> Result<(), ApiError> {
    for id in ids {
        state
            .store
            .attachment(*id)
            .await?
            .filter(|a| a.tenant_id == tenant_id)
            .ok_or(ErrorCode::AttachmentNotFound)?;
    }
    Ok(())
}

/// A buyer of the official desk files an appeal (`invalid_appeal` elsewhere).
pub async fn file_as_buyer(
    state: &AppState,
    tenant_id: Uuid,
    buyer_id: Uuid,
    filing: Filing<'_>,
) -> Result<Appeal, ApiError> {
    let desk = state
        .store
        .tenant(tenant_id)
        .await?
        .filter(|t| t.kind == TenantKind::Platform)
        .ok_or(ErrorCode::InvalidAppeal)?;
    let buyer = state
        .store
        .buyer(tenant_id, buyer_id)
        .await?
        .ok_or(ErrorCode::BuyerNotFound)?;
    own_files(state, tenant_id, filing.attachment_ids).await?;
    let filer = Filer::Buyer {
        buyer_id,
        name: buyer.display_name,
    };
    let appeal = file(state, desk.id, filer, filing, (tenant_id, buyer_id)).await?;
    let line = format!(
        "您的申诉（{}）已提交，平台将在 {} 分钟内受理，处理结果会在这里通知您。",
        appeal.number,
        kefu_domain::appeal::TARGET_MINUTES
    );
    tell_buyer(state, &appeal, "filed", &line).await;
    Ok(appeal)
}

/// A shop's account files an appeal with the platform's desk.
pub async fn file_as_shop(
    state: &AppState,
    shop_id: Uuid,
    user: (Uuid, &str),
    filing: Filing<'_>,
) -> Result<Appeal, ApiError> {
    let shop = state
        .store
        .tenant(shop_id)
        .await?
        .filter(|t| t.kind == TenantKind::Shop)
        .ok_or(ErrorCode::Forbidden)?;
    let desk = crate::cases::arbitration::platform(state)
        .await?
        .ok_or(ErrorCode::ArbitrationUnavailable)?;
    own_files(state, shop_id, filing.attachment_ids).await?;
    let filer = Filer::Shop {
        shop_id,
        shop_name: shop.name,
        user_id: user.0,
        name: user.1.to_owned(),
    };
    file(state, desk.id, filer, filing, (shop_id, user.0)).await
}

async fn file(
    state: &AppState,
    platform_id: Uuid,
    filer: Filer,
    filing: Filing<'_>,
    (filer_tenant, filer_id): (Uuid, Uuid),
) -> Result<Appeal, ApiError> {
    let now = now_ms();
    let id = Uuid::now_v7();
    let appeal = Appeal::file(
        id,
        kefu_domain::work_order::number("AP", id, now),
        platform_id,
        filer,
        filing.kind,
        filing.order_no,
        filing.description,
        filing.attachment_ids,
        now,
    )?;
    let appeal = state
        .store
        .create_appeal(filer_tenant, filer_id, &appeal)
        .await?;
    metrics::counter!("kefu_appeals_total").increment(1);
    tell_desk(state, &appeal, "新的申诉").await;
    Ok(appeal)
}

/// Taken up by the platform's desk.
pub async fn take(state: &AppState, appeal: &Appeal, by: (Uuid, &str)) -> Result<Appeal, ApiError> {
    let next = appeal.taken(by, now_ms())?;
    save(state, &next).await
}

/// Decided: the filer is told the outcome and the reason.
pub async fn decide(
    state: &AppState,
    appeal: &Appeal,
    outcome: Outcome,
    reason: &str,
    by: (Uuid, &str),
) -> Result<Appeal, ApiError> {
    let next = appeal.decided(outcome, reason, by, now_ms())?;
    let saved = save(state, &next).await?;
    let verdict = match outcome {
        Outcome::Upheld => "申诉成立",
        Outcome::Rejected => "申诉不成立",
    };
    let what = format!(
        "平台已处理您的申诉（{}）：{verdict}。理由：{reason}",
        saved.number
    );
    match &saved.filer {
        Filer::Buyer { .. } => {
            let step = format!("decided-{}", saved.decisions.len());
            let again = if saved.reopened_with.is_none() {
                "如有新的证据，可补充后重新申诉一次。"
            } else {
                ""
            };
            tell_buyer(state, &saved, &step, &format!("{what}{again}")).await;
        }
        Filer::Shop {
            shop_id, user_id, ..
        } => tell_shop(state, &saved, *shop_id, Some(*user_id), &what).await,
    }
    Ok(saved)
}

/// Reopened by its filer with new facts and files: back in the queue.
pub async fn reopen(
    state: &AppState,
    appeal: &Appeal,
    filer_tenant: Uuid,
    facts: &str,
    attachment_ids: &[Uuid],
) -> Result<Appeal, ApiError> {
    own_files(state, filer_tenant, attachment_ids).await?;
    let next = appeal.reopened(facts, attachment_ids, now_ms())?;
    let saved = save(state, &next).await?;
    tell_desk(state, &saved, "申诉已补充证据并重新提交").await;
    Ok(saved)
}

/// The sweep (by the jobs' leader): an appeal queued past its 15 minutes is told to the
/// platform's desk, once.
pub async fn sweep(state: &AppState) {
    let now = now_ms();
    let due = match state.store.due_appeals(now, SWEEP_BATCH).await {
        Ok(due) => due,
        Err(error) => {
            tracing::warn!(%error, "could not list appeals due");
            return;
        }
    };
    for appeal in due {
        let Some(next) = appeal.missed(now) else {
            continue;
        };
        if let Ok(Some(saved)) = state.store.save_appeal(&next).await {
            tell_desk(state, &saved, "申诉超过 15 分钟未受理").await;
        }
    }
}

async fn save(state: &AppState, next: &Appeal) -> Result<Appeal, ApiError> {
    state
        .store
        .save_appeal(next)
        .await?
        .ok_or_else(|| ErrorCode::AppealClosed.into())
}

async fn tell_desk(state: &AppState, appeal: &Appeal, what: &str) {
    let notice = Notice {
        event: None,
        kind: NoticeKind::Arbitration,
        title: format!("{what}：{}", appeal.number),
        link: format!("/agent/appeals?appeal={}", appeal.id),
        to: None,
        level: None,
        data: serde_json::Value::Null,
    };
    notify::announce(state, appeal.platform_id, notice).await;
}

async fn tell_shop(state: &AppState, appeal: &Appeal, shop_id: Uuid, to: Option<Uuid>, what: &str) {
    let notice = Notice {
        event: None,
        kind: NoticeKind::Arbitration,
        title: what.to_owned(),
        link: format!("/agent/appeals?appeal={}", appeal.id),
        to,
        level: None,
        data: serde_json::Value::Null,
    };
    notify::announce(state, shop_id, notice).await;
}

/// Tells a buyer filer in their conversation with the desk, if they have one.
async fn tell_buyer(state: &AppState, appeal: &Appeal, step: &str, line: &str) {
    let Filer::Buyer { buyer_id, .. } = &appeal.filer else {
        return;
    };
    let Ok(Some(conversation)) = state
        .store
        .current_conversation(appeal.platform_id, *buyer_id)
        .await
    else {
        return;
    };
    let key = format!("ap-{}-{step}", appeal.id);
    crate::cases::tell_buyer(state, appeal.platform_id, conversation.id, key, line).await;
}
