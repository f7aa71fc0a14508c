//! The demo shops' work orders (ESC-3): a refund past its deadline, a parcel check nobody
//! has taken yet, a callback waiting on the courier and a complaint resolved two days ago,
//! so the list, the sweep's alerts and the buyer's progress line show from the first start.

use std::collections::BTreeMap;

use kefu_domain::account::{Tenant, User};
use kefu_domain::time::now_ms;
use kefu_domain::work_order::{
    self, EventKind, Move, Opening, Priority, Source, WorkOrder, WorkOrderDraft, WorkOrderKind,
    WorkOrderSettings,
};
use kefu_store::{NewWorkOrderEvent, Store};
use serde_json::json;
use uuid::Uuid;

use crate::error::ApiError;

const HOUR: i64 = 3_600_000;

struct Demo {
    kind: WorkOrderKind,
    title: &'static str,
    priority: Priority,
    /// The demo conversation it comes from (by its place), if any.
    conversation: Option<usize>,
    /// The account that has it (by username suffix); `None`: the after-sales team's.
    owner: Option<&'static str>,
    opened_hours_ago: i64,
    /// Moves and how many hours ago each was made.
    moves: &'static [(Move, i64)],
    fields: &'static [(&'static str, &'static str)],
}

const ORDERS: [Demo; 4] = [
    Demo {
        kind: WorkOrderKind::Refund,
        title: "茶叶罐压坏，退部分货款",
        priority: Priority::High,
        conversation: Some(0),
        owner: Some("after1"),
        opened_hours_ago: 25,
        moves: &[(Move::Start, 24)],
        fields: &[("reason", "商品破损")],
    },
    Demo {
        kind: WorkOrderKind::Logistics,
        title: "物流三天未更新，请核实",
        priority: Priority::Normal,
        conversation: Some(1),
        owner: None,
        opened_hours_ago: 7,
        moves: &[],
        fields: &[("carrier", "顺丰速运")],
    },
    Demo {
        kind: WorkOrderKind::Callback,
        title: "回电说明补发进度",
        priority: Priority::Normal,
        conversation: None,
        owner: Some("lead"),
        opened_hours_ago: 3,
        moves: &[(Move::Start, 2), (Move::WaitForThirdParty, 1)],
        fields: &[("when", "工作日 18:00 后")],
    },
    Demo {
        kind: WorkOrderKind::Complaint,
        title: "投诉客服回复慢",
        priority: Priority::Normal,
        conversation: Some(2),
        owner: Some("lead"),
        opened_hours_ago: 72,
        moves: &[(Move::Start, 70), (Move::Resolve, 48)],
        fields: &[],
    },
];

/// Opens the demo's orders (once, with the shop's people and conversations).
pub async fn seed(
    store: &Store,
    tenant: &Tenant,
    staff: &[User],
    conversations: &[(Uuid, Option<String>)],
) -> Result<(), ApiError> {
    let now = now_ms();
    let settings = WorkOrderSettings::default();
    for demo in &ORDERS {
        let conversation = match demo.conversation.and_then(|i| conversations.get(i)) {
            Some((id, _)) => store.conversation(tenant.id, *id).await?,
            None => None,
        };
        let owner = demo.owner.and_then(|suffix| {
            staff
                .iter()
                .find(|u| u.username.ends_with(&format!("-{suffix}")))
        });
        let order_no = demo
            .conversation
            .and_then(|i| conversations.get(i))
            .and_then(|(_, order)| order.clone())
            .filter(|_| demo.kind != WorkOrderKind::Complaint);
        let draft = WorkOrderDraft {
            kind: demo.kind,
            title: demo.title.to_owned(),
            description: String::new(),
            priority: demo.priority,
            order_no,
            items: vec![],
            amount_fen: (demo.kind == WorkOrderKind::Refund).then_some(3_800),
            fields: demo
                .fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<BTreeMap<_, _>>(),
        };
        let opened = now - demo.opened_hours_ago * HOUR;
        let id = Uuid::now_v7();
        let order = WorkOrder::open(
            draft,
            Opening {
                id,
                number: work_order::number("WO", id, opened),
                source: Source::Agent,
                source_id: None,
                conversation_id: conversation.as_ref().map(|c| c.id),
                buyer_id: conversation.as_ref().map(|c| c.buyer_id),
                owner_id: owner.map(|u| u.id),
                team: Some("after_sales".to_owned()),
                created_by: owner.map(|u| u.id),
                now: opened,
            },
            &settings,
            None,
        );
        let actor = owner.map(|u| (u.id, u.display_name.as_str()));
        let created = NewWorkOrderEvent::of(EventKind::Created, actor, json!({"source": "agent"}));
        let mut order = store
            .create_work_order(tenant.id, &order, &created, false)
            .await?;
        for (step, hours_ago) in demo.moves {
            let at = now - hours_ago * HOUR;
            let Ok(next) = order.moved(*step, at, None) else {
                continue;
            };
            let moved = NewWorkOrderEvent::of(
                EventKind::Moved,
                actor,
                json!({"from": order.status, "to": next.status, "move": step}),
            );
            if let Some(saved) = store.save_work_order(tenant.id, &next, &[moved]).await? {
                order = saved;
            }
        }
    }
    Ok(())
}
