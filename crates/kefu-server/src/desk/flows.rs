//! The robot walking a buyer through a multi-turn flow (BOT-4). The pure engine
//! (`kefu_robot::flow`) decides each turn; here the buyer's orders become its facts, its
//! prompts become button messages, its state is kept per conversation between messages, and
//! a finished flow looks up the logistics, files an after-sale request, replies, or hands
//! the buyer to a person with what was collected.

use kefu_domain::commerce::{Order, ShippingStatus};
use kefu_domain::conversation::ConversationSummary;
use kefu_domain::message::{Message, MessageKind};
use kefu_domain::work_order::{Priority, WorkOrderDraft, WorkOrderItem, WorkOrderKind};
use kefu_robot::flow::{
    Facts, FinishAction, Flow, Input, ItemFact, OrderFact, Prompt, Run, StepKind, Turn, render,
};
use kefu_robot::{Action, HandoffReason, Robot};

use crate::AppState;
use crate::desk::robot::{Reply, hand_off, log, say};
use crate::error::ApiError;

/// The buyer's recent orders, as the engine offers them.
async fn facts_of(state: &AppState, conversation: &ConversationSummary) -> Result<Facts, ApiError> {
    let buyer = state
        .store
        .buyer(conversation.tenant_id, conversation.buyer_id)
        .await?;
    let Some(member) = buyer.as_ref().and_then(crate::desk::cards::member_of) else {
        return Ok(Facts::default());
    };
    let orders = state
        .store
        .orders_of_member(conversation.tenant_id, member, 8)
        .await?;
    Ok(Facts {
        orders: orders.iter().map(order_fact).collect(),
    })
}

fn order_fact(order: &Order) -> OrderFact {
    let count: i64 = order.items.iter().map(|i| i.quantity).sum();
    let first = order.items.first();
    let what = match (first, order.items.len()) {
        (Some(item), 1) => format!("{} ×{}", item.title, item.quantity),
        (Some(item), _) => format!("{} 等 {count} 件", item.title),
        (None, _) => String::new(),
    };
    OrderFact {
        order_no: order.order_no.clone(),
        summary: format!("{what} · ¥{}", order.total_fen),
        items: order
            .items
            .iter()
            .map(|i| ItemFact {
                sku_code: i.sku_code.clone(),
                title: i.title.clone(),
            })
            .collect(),
    }
}

/// The robot's decision starts a flow.
pub async fn start(
    state: &AppState,
    robot: &Robot,
    conversation: &ConversationSummary,
    message: &Message,
    flow_id: &str,
) -> Result<(), ApiError> {
    let Some(flow) = robot.flow(flow_id) else {
        return Ok(());
    };
    let facts = facts_of(state, conversation).await?;
    let (run, turn) = Run::start(flow, &facts, &input_of(message));
    act(state, conversation, message, flow, run, turn, None).await
}

fn input_of(message: &Message) -> Input<'_> {
    Input {
        text: match message.kind {
            MessageKind::Text => &message.body,
            _ => "",
        },
        picture: (message.kind == MessageKind::Image)
            .then(|| message.attachment.as_ref().map(|a| a.id.to_string()))
            .flatten(),
    }
}

/// A message in a conversation with a flow in progress: true when the flow took it.
pub async fn continue_flow(
    state: &AppState,
    robot: &Robot,
    conversation: &ConversationSummary,
    message: &Message,
) -> Result<bool, ApiError> {
    let Some((flow_id, saved)) = state
        .store
        .flow_run(conversation.tenant_id, conversation.id)
        .await?
    else {
        return Ok(false);
    };
    let (Some(flow), Ok(mut run)) = (robot.flow(&flow_id), serde_json::from_value::<Run>(saved))
    else {
        // The flow was switched off or changed shape: read the message afresh.
        end(state, conversation).await?;
        return Ok(false);
    };
    // A person asked for, a complaint, anger: leave the flow for people at once.
    let context = crate::desk::robot::context_of(state, conversation).await;
    let decision =
        (message.kind == MessageKind::Text).then(|| robot.decide(&message.body, &context));
    if let Some(d) = &decision
        && let Action::Handoff { reason } = d.action
        && matches!(
            reason,
            HandoffReason::AskedForHuman
                | HandoffReason::Complaint
                | HandoffReason::Angry
                | HandoffReason::Blocked
                | HandoffReason::Sensitive
        )
    {
        end(state, conversation).await?;
        let slots = serde_json::to_value(&run.slots).unwrap_or_default();
        hand_off(
            state,
            conversation,
            message,
            reason.as_str(),
            Some(d),
            Some(slots),
        )
        .await?;
        return Ok(true);
    }
    let facts = facts_of(state, conversation).await?;
    let turn = run.step(flow, &facts, &input_of(message));
    // Not an answer to the flow's question, but one the knowledge base has: answer it, then
    // ask again.
    let aside = match (&turn, &decision) {
        (Turn::Missed(_), Some(d)) => match &d.action {
            Action::Answer { answer, id, .. }
                if d.confidence >= robot.answer_threshold(&context) =>
            {
                run.forgive();
                log(
                    state,
                    conversation,
                    &message.body,
                    "answer",
                    Some(id),
                    Some("in_flow"),
                    d.confidence.into(),
                    &[],
                )
                .await;
                Some(answer.text.clone())
            }
            _ => None,
        },
        _ => None,
    };
    act(state, conversation, message, flow, run, turn, aside).await?;
    Ok(true)
}

async fn end(state: &AppState, conversation: &ConversationSummary) -> Result<(), ApiError> {
    state
        .store
        .set_flow_run(conversation.tenant_id, conversation.id, None)
        .await?;
    Ok(())
}

/// Carries out a turn: asks (after an aside), finishes, cancels or hands over.
async fn act(
    state: &AppState,
    conversation: &ConversationSummary,
    message: &Message,
    flow: &Flow,
    run: Run,
    turn: Turn,
    aside: Option<String>,
) -> Result<(), ApiError> {
    let text = input_of(message).text.to_owned();
    match turn {
        Turn::Ask(prompt) | Turn::Missed(prompt) => {
            let state_json =
                serde_json::to_value(&run).map_err(|e| ApiError::Internal(e.to_string()))?;
            state
                .store
                .set_flow_run(
                    conversation.tenant_id,
                    conversation.id,
                    Some((&flow.id, &state_json)),
                )
                .await?;
            log_step(state, conversation, &text, flow, "ask").await;
            let mut replies = vec![];
            let prompt = match aside {
                Some(answer) => {
                    replies.push(Reply::Text(answer));
                    Prompt {
                        text: format!("继续刚才的「{}」：{}", flow.name, prompt.text),
                        buttons: prompt.buttons,
                    }
                }
                None => prompt,
            };
            replies.push(reply_of(prompt));
            say(state, conversation, message, &replies).await
        }
        Turn::Done => {
            end(state, conversation).await?;
            finish(state, conversation, message, flow, &run).await
        }
        Turn::Cancelled => {
            end(state, conversation).await?;
            log_step(state, conversation, &text, flow, "cancelled").await;
            let bye = Reply::Text(format!(
                "好的，已为您取消「{}」。还有其他问题随时问我哦～",
                flow.name
            ));
            say(state, conversation, message, &[bye]).await
        }
        Turn::Stuck { why } => {
            end(state, conversation).await?;
            let slots = serde_json::to_value(&run.slots).unwrap_or_default();
            hand_off(state, conversation, message, why, None, Some(slots)).await
        }
    }
}

/// A step of a flow in the robot's log: a turn of the dialogue (BOT-6), with its outcome.
async fn log_step(
    state: &AppState,
    conversation: &ConversationSummary,
    text: &str,
    flow: &Flow,
    outcome: &str,
) {
    log(
        state,
        conversation,
        text,
        "flow",
        Some(&flow.id),
        Some(outcome),
        1.0,
        &[],
    )
    .await;
}

fn reply_of(prompt: Prompt) -> Reply {
    match prompt.buttons.is_empty() {
        true => Reply::Text(prompt.text),
        false => Reply::Buttons(kefu_domain::message::Buttons {
            text: prompt.text,
            buttons: prompt
                .buttons
                .into_iter()
                .map(|b| kefu_domain::message::Button {
                    label: b.label,
                    reply: b.reply,
                })
                .collect(),
        }),
    }
}

fn shipping_label(status: ShippingStatus) -> &'static str {
    match status {
        ShippingStatus::Unshipped => "待发货",
        ShippingStatus::Shipped => "已发货",
        ShippingStatus::InTransit => "运输中",
        ShippingStatus::Delivered => "已签收",
        ShippingStatus::Returned => "已退回",
    }
}

/// Every slot is filled: the finish, with the flow's own text or a default one.
async fn finish(
    state: &AppState,
    conversation: &ConversationSummary,
    message: &Message,
    flow: &Flow,
    run: &Run,
) -> Result<(), ApiError> {
    let text = input_of(message).text.to_owned();
    let mut values = run.values(flow);
    let tenant_id = conversation.tenant_id;
    let order_no = run.slot_of(flow, StepKind::Order).map(|f| f.value.clone());
    let order = match &order_no {
        Some(no) => state.store.order(tenant_id, no).await?,
        None => None,
    };
    let reply = match flow.finish.action {
        FinishAction::Logistics => {
            let Some(order) = order else {
                return hand_off(state, conversation, message, "no_orders", None, None).await;
            };
            values.insert("order_no".into(), order.order_no.clone());
            values.insert(
                "shipping_status".into(),
                shipping_label(order.shipping_status).into(),
            );
            values.insert(
                "logistics_company".into(),
                order.logistics_company.clone().unwrap_or_default(),
            );
            values.insert(
                "tracking_no".into(),
                order.tracking_no.clone().unwrap_or_default(),
            );
            let default = match (order.shipping_status, &order.tracking_no) {
                (ShippingStatus::Unshipped, _) => {
                    "您的订单 {order_no} 还在仓库打包，尚未发货，发出后会第一时间通知您。"
                }
                (_, Some(_)) => {
                    "您的订单 {order_no} 状态：{shipping_status}，{logistics_company} 运单号 {tracking_no}，可在订单详情里查看实时轨迹。"
                }
                (_, None) => "您的订单 {order_no} 状态：{shipping_status}。",
            };
            let template = match flow.finish.text.trim().is_empty() {
                true => default,
                false => flow.finish.text.as_str(),
            };
            render(template, &values)
        }
        FinishAction::AfterSale => {
            let (Some(order), Some(kind)) = (order, flow.finish.after_sale) else {
                return hand_off(state, conversation, message, "no_orders", None, None).await;
            };
            let member = state
                .store
                .buyer(tenant_id, conversation.buyer_id)
                .await?
                .as_ref()
                .and_then(|b| crate::desk::cards::member_of(b).map(str::to_owned))
                .unwrap_or_default();
            if member != order.buyer_id {
                // Only the buyer's own orders are ever offered; this guards the rest.
                return hand_off(state, conversation, message, "personal_case", None, None).await;
            }
            let item = run.slot_of(flow, StepKind::Item);
            let of_kind = |kind: StepKind| {
                run.slot_of(flow, kind)
                    .map(|f| f.value.clone())
                    .unwrap_or_default()
            };
            let reason = run
                .slots
                .get("reason")
                .map(|f| f.value.clone())
                .unwrap_or_else(|| of_kind(StepKind::Choice));
            let photo: Option<uuid::Uuid> = of_kind(StepKind::Photo).parse().ok();
            // ESC-3: the request is a work order of the after-sales team, its photo on its
            // first line.
            let detail = of_kind(StepKind::Text);
            let draft = WorkOrderDraft {
                kind: match kind {
                    kefu_robot::flow::AfterSaleKind::Exchange => WorkOrderKind::Exchange,
                    _ => WorkOrderKind::Refund,
                },
                title: match item {
                    Some(item) => format!("{} · {}", kind.label(), item.label),
                    None => kind.label().to_owned(),
                },
                description: match detail.is_empty() {
                    true => reason.clone(),
                    false => format!("{reason}：{detail}"),
                },
                priority: Priority::Normal,
                order_no: Some(order.order_no.clone()),
                items: item
                    .map(|i| WorkOrderItem {
                        sku_code: i.value.clone(),
                        title: i.label.clone(),
                        quantity: 1,
                    })
                    .into_iter()
                    .collect(),
                amount_fen: None,
                fields: Default::default(),
            };
            let request = crate::cases::work_orders::open_for_buyer(
                state,
                tenant_id,
                conversation.id,
                draft,
                kind.as_str(),
                photo,
            )
            .await?;
            values.insert("case_no".into(), request.number.clone());
            values.insert("order_no".into(), order.order_no.clone());
            let default = format!(
                "已为您提交{}申请，服务单号 {{case_no}}（订单 {{order_no}}）。我们会在 24 小时内审核，请留意消息通知。",
                kind.label()
            );
            let template = match flow.finish.text.trim().is_empty() {
                true => default,
                false => flow.finish.text.clone(),
            };
            render(&template, &values)
        }
        FinishAction::Reply => render(&flow.finish.text, &values),
        FinishAction::Handoff => {
            let slots = serde_json::to_value(&run.slots).unwrap_or_default();
            return hand_off(state, conversation, message, "flow", None, Some(slots)).await;
        }
    };
    log_step(state, conversation, &text, flow, "done").await;
    say(state, conversation, message, &[Reply::Text(reply)]).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_flows_hold_together() {
        let flows: Vec<Flow> = serde_json::from_str(include_str!("../demo_flows.json")).unwrap();
        assert_eq!(flows.len(), 3);
        for flow in &flows {
            assert_eq!(flow.check(), Ok(()), "{}", flow.id);
        }
    }
}
