//! Sensitive operations (ACC-5): an agent asks for a refund, a compensation or a logistics
//! change on an order; money at or below the shop's threshold is carried out at once by a
//! permitted requester, the rest waits for someone else with the approving permission. Each
//! request is executed at most once, however often or concurrently it is approved. The
//! requester, the approvers' queue and the buyer's conversation hear the outcome.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_domain::commerce::Order;
use kefu_domain::error_code::ErrorCode;
use kefu_domain::frames::ServerFrame;
use kefu_domain::guard::{
    Approval, ApprovalKind, ApprovalStatus, ChangeRequest, CompensationForm, Reason,
    SensitiveChange,
};
use kefu_domain::message::{MessageContent, MessageKind, SenderKind};
use kefu_domain::money::Money;
use kefu_domain::role::Permission;
use kefu_store::{AppendRequest, NewApproval};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Agent;
use crate::bus::Audience;
use crate::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::{AppState, audit};

#[derive(Debug, Deserialize, ToSchema)]
pub struct ApprovalRequest {
    pub kind: ApprovalKind,
    pub order_no: String,
    /// Refunds and compensations: the amount, in fen.
    #[serde(default)]
    pub amount_fen: Option<Money>,
    /// Logistics changes: the new company and tracking number.
    #[serde(default)]
    pub logistics_company: Option<String>,
    #[serde(default)]
    pub tracking_no: Option<String>,
    /// Why; 1–500 characters.
    pub reason: String,
    /// The conversation it was asked from: the buyer hears the outcome there.
    #[serde(default)]
    pub conversation_id: Option<Uuid>,
    /// Compensations: paid as money (`cash`, the default) or as a shop coupon (`coupon`,
    /// the workbench's 发优惠券 tool, WB-1).
    #[serde(default)]
    pub compensation_form: Option<CompensationForm>,
}

/// A request with the order it is about, as the queue shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovalView {
    #[serde(flatten)]
    pub approval: Approval,
    pub order: Option<Order>,
}

async fn with_order(state: &AppState, tenant_id: Uuid, approval: Approval) -> ApprovalView {
    let order = state
        .store
        .order(tenant_id, &approval.order_no)
        .await
        .ok()
        .flatten();
    ApprovalView { approval, order }
}

/// Asks for a refund, a compensation or a logistics change.
#[utoipa::path(post, path = "/api/v1/approvals", tag = "approvals", request_body = ApprovalRequest,
    responses((status = 201, body = ApprovalView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn request(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(request): ApiJson<ApprovalRequest>,
) -> Result<(StatusCode, Json<ApprovalView>), ApiError> {
    agent.require(request.kind.request_permission())?;
    let tenant_id = agent.tenant_id();
    let reason = Reason::parse(&request.reason)?;
    let order = state
        .store
        .order(tenant_id, request.order_no.trim())
        .await?
        .ok_or(ErrorCode::OrderNotFound)?;
    if let Some(conversation) = request.conversation_id {
        state
            .store
            .conversation(tenant_id, conversation)
            .await?
            .ok_or(ErrorCode::ConversationNotFound)?;
    }
    let change = SensitiveChange::parse(
        request.kind,
        ChangeRequest {
            amount: request.amount_fen,
            logistics_company: request.logistics_company.as_deref(),
            tracking_no: request.tracking_no.as_deref(),
            compensation_form: request.compensation_form,
        },
        order.paid_fen,
    )?;
    let amount_fen = change.amount();
    let payload = change.payload(
        order.logistics_company.as_deref(),
        order.tracking_no.as_deref(),
    );
    let threshold = state
        .store
        .shop_settings(tenant_id)
        .await?
        .refund_threshold_fen;
    let execute_now = !request
        .kind
        .needs_approval(amount_fen.unwrap_or(Money::ZERO), threshold);
    let approval = state
        .store
        .create_approval(
            &NewApproval {
                tenant_id,
                kind: request.kind,
                conversation_id: request.conversation_id,
                order_no: &order.order_no,
                amount_fen,
                payload,
                reason: reason.as_str(),
                requested_by: agent.user.id,
            },
            execute_now,
            |approval| {
                let family = action_family(request.kind);
                let target = format!("order:{}", order.order_no);
                let mut entries = vec![audit::by(
                    &agent,
                    format!("{family}.request"),
                    target.clone(),
                    serde_json::json!({
                        "approval_id": approval.id, "amount_fen": amount_fen, "reason": reason.as_str(),
                        "status": approval.status, "payload": approval.payload,
                    }),
                )];
                if approval.status == ApprovalStatus::Executed {
                    entries.push(audit::by(
                        &agent,
                        format!("{family}.execute"),
                        target,
                        serde_json::json!({ "approval_id": approval.id, "within_threshold": true }),
                    ));
                }
                entries
            },
        )
        .await?;
    announce(&state, tenant_id, &approval).await;
    Ok((
        StatusCode::CREATED,
        Json(with_order(&state, tenant_id, approval).await),
    ))
}

fn action_family(kind: ApprovalKind) -> &'static str {
    match kind {
        ApprovalKind::Refund => "refund",
        ApprovalKind::Compensation => "compensation",
        ApprovalKind::LogisticsChange => "logistics",
    }
}

/// Tells the tenant's agents (the queue, the requester), and the buyer's conversation.
async fn announce(state: &AppState, tenant_id: Uuid, approval: &Approval) {
    state
        .bus
        .publish(
            tenant_id,
            Audience::Agents,
            ServerFrame::Approval {
                approval: approval.clone(),
            },
        )
        .await;
    let Some(conversation_id) = approval.conversation_id else {
        return;
    };
    let amount = approval
        .amount_fen
        .map(|a| a.to_string())
        .unwrap_or_default();
    let coupon = approval.payload["form"] == "coupon";
    let text = match (approval.kind, approval.status) {
        (ApprovalKind::Compensation, ApprovalStatus::Pending) if coupon => {
            format!("您的优惠券（¥{amount}）申请已提交，正在审核。")
        }
        (ApprovalKind::Compensation, ApprovalStatus::Executed) if coupon => {
            format!("已为您发放 ¥{amount} 店铺优惠券，下单时可直接抵扣。")
        }
        (ApprovalKind::Refund, ApprovalStatus::Pending) => {
            format!("您的退款申请（¥{amount}）已提交，正在审核。")
        }
        (ApprovalKind::Refund, ApprovalStatus::Executed) => {
            format!(
                "已为订单 {} 退款 ¥{amount}，预计 1–3 个工作日原路到账。",
                approval.order_no
            )
        }
        (ApprovalKind::Compensation, ApprovalStatus::Pending) => {
            format!("您的补偿申请（¥{amount}）已提交，正在审核。")
        }
        (ApprovalKind::Compensation, ApprovalStatus::Executed) => {
            format!("已为您发放补偿 ¥{amount}。")
        }
        (ApprovalKind::LogisticsChange, ApprovalStatus::Pending) => {
            "物流信息修改已提交，等待主管审核。".to_owned()
        }
        (ApprovalKind::LogisticsChange, ApprovalStatus::Executed) => format!(
            "订单 {} 的物流信息已更新为 {} {}。",
            approval.order_no,
            approval.payload["logistics_company"]
                .as_str()
                .unwrap_or_default(),
            approval.payload["tracking_no"].as_str().unwrap_or_default()
        ),
        (_, ApprovalStatus::Rejected) => format!(
            "很抱歉，您的申请未通过：{}",
            if approval.decision_reason.is_empty() {
                "请联系客服了解详情"
            } else {
                approval.decision_reason.as_str()
            }
        ),
        (_, ApprovalStatus::Approved) => return,
    };
    let content = match MessageContent::parse(MessageKind::Text, &text, None) {
        Ok(content) => content,
        Err(_) => return,
    };
    let appended = state
        .writer
        .append(AppendRequest {
            tenant_id,
            conversation_id,
            sender_kind: SenderKind::System,
            sender_id: None,
            sender_name: "系统".to_owned(),
            client_msg_id: Some(format!(
                "approval-{}-{}",
                approval.id,
                approval.status.as_str()
            )),
            content,
            external_id: None,
        })
        .await;
    if let Err(error) = appended {
        tracing::warn!(%error, "could not tell the conversation about an approval");
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// `pending` (default, oldest first) or `all` (newest first).
    status: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovalList {
    pub approvals: Vec<ApprovalView>,
}

/// The approvers' queue. Someone who may decide neither kind sees only their own requests.
#[utoipa::path(get, path = "/api/v1/approvals", tag = "approvals", params(QueueQuery),
    responses((status = 200, body = ApprovalList), (status = 400, body = ErrorBody)))]
pub async fn queue(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(query): ApiQuery<QueueQuery>,
) -> Result<Json<ApprovalList>, ApiError> {
    let status = match query.status.as_deref() {
        None | Some("pending") => Some(ApprovalStatus::Pending),
        Some("all") => None,
        Some(_) => {
            return Err(ApiError::new(
                ErrorCode::InvalidStatus,
                "status is pending or all",
            ));
        }
    };
    let refunds = agent.may(Permission::RefundApprove);
    let logistics = agent.may(Permission::LogisticsReview);
    if !refunds && !logistics {
        agent
            .require(Permission::RefundRequest)
            .or_else(|_| agent.require(Permission::LogisticsChange))?;
    }
    let tenant_id = agent.tenant_id();
    let mut approvals = vec![];
    for approval in state.store.approvals(tenant_id, status, 200).await? {
        let visible = match approval.kind.approve_permission() {
            Permission::RefundApprove => refunds,
            _ => logistics,
        } || approval.requested_by == agent.user.id;
        if visible {
            approvals.push(with_order(&state, tenant_id, approval).await);
        }
    }
    Ok(Json(ApprovalList { approvals }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Decision {
    /// Required to reject; 0–500 characters.
    #[serde(default)]
    pub reason: String,
}

async fn decide(
    state: &AppState,
    agent: &Agent,
    id: Uuid,
    approve: bool,
    reason: &str,
) -> Result<Json<ApprovalView>, ApiError> {
    let tenant_id = agent.tenant_id();
    let reason = reason.trim();
    if reason.chars().count() > 500 || (!approve && reason.is_empty()) {
        return Err(ApiError::new(
            ErrorCode::InvalidReason,
            "a rejection needs a reason; at most 500 characters",
        ));
    }
    let current = state
        .store
        .approval(tenant_id, id)
        .await?
        .ok_or(ErrorCode::ApprovalNotFound)?;
    agent.require(current.kind.approve_permission())?;
    let decided = state
        .store
        .decide_approval(tenant_id, id, approve, agent.user.id, reason, |decided| {
            let target = format!("order:{}", decided.order_no);
            let action = if approve {
                "approval.approve"
            } else {
                "approval.reject"
            };
            let mut entries = vec![audit::by(
                agent,
                action,
                target.clone(),
                serde_json::json!({ "approval_id": id, "kind": decided.kind, "reason": reason }),
            )];
            if decided.status == ApprovalStatus::Executed {
                entries.push(audit::by(
                    agent,
                    format!("{}.execute", action_family(decided.kind)),
                    target,
                    serde_json::json!({ "approval_id": id, "amount_fen": decided.amount_fen }),
                ));
            }
            entries
        })
        .await?;
    announce(state, tenant_id, &decided).await;
    Ok(Json(with_order(state, tenant_id, decided).await))
}

/// Approves (and so executes) a pending request; not one's own, and only once.
#[utoipa::path(post, path = "/api/v1/approvals/{id}/approve", tag = "approvals", params(("id" = Uuid, Path)), request_body = Decision,
    responses((status = 200, body = ApprovalView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn approve(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(decision): ApiJson<Decision>,
) -> Result<Json<ApprovalView>, ApiError> {
    decide(&state, &agent, id, true, &decision.reason).await
}

/// Rejects a pending request, with a reason the requester and the buyer see.
#[utoipa::path(post, path = "/api/v1/approvals/{id}/reject", tag = "approvals", params(("id" = Uuid, Path)), request_body = Decision,
    responses((status = 200, body = ApprovalView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn reject(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(decision): ApiJson<Decision>,
) -> Result<Json<ApprovalView>, ApiError> {
    decide(&state, &agent, id, false, &decision.reason).await
}
