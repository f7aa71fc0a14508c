//! Conversations: one current conversation per buyer, assigned, transferred to a colleague or
//! a team's queue, read, resolved and reopened, each move in the event log; and a whole
//! conversation moved back in time for the demo.

use kefu_domain::conversation::{ConversationStatus, EventKind};
use kefu_domain::message::SenderKind;
use kefu_domain::role::Role;
use kefu_store::{StatusFilter, Store, StoreError};
use uuid::Uuid;

use crate::{send, text, user};

on_both_backends!(a_conversation_is_assigned_transferred_resolved_and_reopened);
on_both_backends!(a_conversation_moves_back_in_time_whole);

async fn a_conversation_is_assigned_transferred_resolved_and_reopened(store: Store) {
    let shop = crate::shop(&store, "desk").await;
    let other = crate::shop(&store, "other-desk").await;
    let (tenant, agent, boss, buyer) = (shop.tenant.id, &shop.agent, &shop.boss, &shop.buyer);
    let colleague = user(
        &store,
        tenant,
        "desk-colleague",
        Role::Agent,
        Some("after_sales"),
    )
    .await;
    assert_eq!(
        store.current_conversation(tenant, buyer.id).await.unwrap(),
        None
    );
    let c = crate::conversation(&store, tenant, buyer).await;
    assert_eq!(
        (c.status, c.assignee_id, c.team.as_deref(), c.last_seq),
        (ConversationStatus::Open, None, None, 0)
    );
    assert_eq!(
        store.current_conversation(tenant, buyer.id).await.unwrap(),
        Some(c.clone())
    );
    assert_eq!(
        store.conversation(tenant, c.id).await.unwrap(),
        Some(c.clone())
    );
    send(
        &store,
        text(c.id, tenant, SenderKind::Buyer, buyer.id, "q1", "在吗"),
    )
    .await;
    send(
        &store,
        text(c.id, tenant, SenderKind::Buyer, buyer.id, "q2", "想退货"),
    )
    .await;
    let seen = store.mark_read_by_buyer(tenant, c.id, 99).await.unwrap();
    assert_eq!(seen.buyer_read_seq, 2, "never past the last message");

    let assigned = store
        .assign_conversation(tenant, c.id, agent.id, boss.id)
        .await
        .unwrap();
    assert_eq!(
        (assigned.assignee_id, assigned.assignee_name.as_deref()),
        (Some(agent.id), Some(agent.display_name.as_str()))
    );
    store
        .assign_conversation(tenant, c.id, agent.id, boss.id)
        .await
        .unwrap();
    assert!(matches!(
        store
            .assign_conversation(tenant, c.id, other.agent.id, boss.id)
            .await,
        Err(StoreError::NotFound("assignee"))
    ));
    assert!(matches!(
        store
            .assign_conversation(other.tenant.id, c.id, other.agent.id, other.boss.id)
            .await,
        Err(StoreError::NotFound("conversation"))
    ));

    let moved = store
        .transfer_conversation(
            tenant,
            c.id,
            Some(colleague.id),
            None,
            "退货归售后",
            agent.id,
        )
        .await
        .unwrap();
    assert_eq!(
        (moved.assignee_id, moved.team.as_deref()),
        (Some(colleague.id), Some("after_sales")),
        "the conversation follows the colleague's team"
    );
    let queued = store
        .transfer_conversation(tenant, c.id, None, Some("qa"), "请质检看看", colleague.id)
        .await
        .unwrap();
    assert_eq!(
        (queued.assignee_id, queued.team.as_deref()),
        (None, Some("qa"))
    );
    assert!(matches!(
        store
            .transfer_conversation(tenant, c.id, Some(other.agent.id), None, "", agent.id)
            .await,
        Err(StoreError::NotFound("assignee"))
    ));
    assert!(matches!(
        store
            .transfer_conversation(tenant, Uuid::new_v4(), None, Some("qa"), "", agent.id)
            .await,
        Err(StoreError::NotFound("conversation"))
    ));

    let read = store.mark_read_by_agent(tenant, c.id, 1).await.unwrap();
    assert_eq!((read.agent_read_seq, read.unread_count), (1, 1));

    let ids = |list: Vec<kefu_domain::conversation::ConversationSummary>| {
        list.into_iter().map(|c| c.id).collect::<Vec<_>>()
    };
    let open = StatusFilter::Only(ConversationStatus::Open);
    let resolved = StatusFilter::Only(ConversationStatus::Resolved);
    assert_eq!(
        ids(store
            .list_conversations(tenant, open, None, 10)
            .await
            .unwrap()),
        [c.id]
    );
    assert!(
        store
            .list_conversations(tenant, resolved, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let done = store
        .resolve_conversation(tenant, c.id, boss.id)
        .await
        .unwrap();
    assert_eq!(done.status, ConversationStatus::Resolved);
    let still = store
        .resolve_conversation(tenant, c.id, boss.id)
        .await
        .unwrap();
    assert_eq!(still.status, ConversationStatus::Resolved);
    assert_eq!(
        ids(store
            .list_conversations(tenant, resolved, None, 10)
            .await
            .unwrap()),
        [c.id]
    );
    assert!(
        store
            .list_conversations(tenant, open, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let again = store
        .reopen_conversation(tenant, c.id, agent.id)
        .await
        .unwrap();
    assert_eq!(again.status, ConversationStatus::Open);
    store
        .reopen_conversation(tenant, c.id, agent.id)
        .await
        .unwrap();
    assert_eq!(
        ids(store
            .list_conversations(tenant, StatusFilter::All, None, 10)
            .await
            .unwrap()),
        [c.id]
    );
    assert!(
        store
            .list_conversations(other.tenant.id, StatusFilter::All, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        ids(store
            .conversations_of_buyer(tenant, buyer.id, 10)
            .await
            .unwrap()),
        [c.id]
    );
    assert!(
        store
            .conversations_of_buyer(other.tenant.id, buyer.id, 10)
            .await
            .unwrap()
            .is_empty()
    );

    let events = store.conversation_events(tenant, c.id).await.unwrap();
    let kinds: Vec<EventKind> = events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            EventKind::Created,
            EventKind::BuyerMessage,
            EventKind::BuyerMessage,
            EventKind::Assigned,
            EventKind::Transferred,
            EventKind::Transferred,
            EventKind::Resolved,
            EventKind::Reopened,
        ],
        "a change that changes nothing is not logged"
    );
    assert_eq!(events[3].actor_id, Some(boss.id));
    assert_eq!(events[4].data["note"], "退货归售后");
    assert_eq!(events[5].data["to_team"], "qa");
    assert!(
        store
            .conversation_events(other.tenant.id, c.id)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn a_conversation_moves_back_in_time_whole(store: Store) {
    let shop = crate::shop(&store, "history").await;
    let (tenant, agent, buyer) = (shop.tenant.id, &shop.agent, &shop.buyer);
    let c = crate::conversation(&store, tenant, buyer).await;
    send(
        &store,
        text(c.id, tenant, SenderKind::Buyer, buyer.id, "q", "有货吗"),
    )
    .await;
    send(
        &store,
        text(c.id, tenant, SenderKind::Agent, agent.id, "a", "有的"),
    )
    .await;
    send(
        &store,
        text(c.id, tenant, SenderKind::Buyer, buyer.id, "q2", "好"),
    )
    .await;
    let before = store.conversation(tenant, c.id).await.unwrap().unwrap();
    let events = store.conversation_events(tenant, c.id).await.unwrap();
    let messages = store.messages(tenant, c.id, 0, None, 10).await.unwrap();
    let day = 86_400_000;
    store
        .shift_conversation_back(tenant, c.id, day)
        .await
        .unwrap();
    let after = store.conversation(tenant, c.id).await.unwrap().unwrap();
    assert_eq!(
        (
            after.created_at,
            after.updated_at,
            after.last_message_at,
            after.last_buyer_message_at
        ),
        (
            before.created_at - day,
            before.updated_at - day,
            before.last_message_at - day,
            before.last_buyer_message_at.map(|at| at - day)
        )
    );
    let moved: Vec<i64> = store
        .conversation_events(tenant, c.id)
        .await
        .unwrap()
        .iter()
        .map(|e| e.at)
        .collect();
    assert_eq!(moved, events.iter().map(|e| e.at - day).collect::<Vec<_>>());
    let moved: Vec<i64> = store
        .messages(tenant, c.id, 0, None, 10)
        .await
        .unwrap()
        .iter()
        .map(|m| m.created_at)
        .collect();
    assert_eq!(
        moved,
        messages
            .iter()
            .map(|m| m.created_at - day)
            .collect::<Vec<_>>()
    );
}
