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

on_both_backends!(a_burst_of_buyers_opens_its_conversations_in_one_go);

/// Issue #14: many buyers' first conversations open in one transaction, each with the team
/// and robot decided beforehand; a buyer who already has one gets it back unchanged, and a
/// second burst opens nothing new.
async fn a_burst_of_buyers_opens_its_conversations_in_one_go(store: Store) {
    use kefu_domain::channel::{Channel, Entry};
    use kefu_store::NewConversation;

    let shop = crate::shop(&store, "burst").await;
    let tenant = shop.tenant.id;
    let existing = store
        .open_conversation(tenant, &shop.buyer, Entry::ShopHome, &Default::default())
        .await
        .unwrap();
    let mut batch = vec![NewConversation {
        buyer: shop.buyer.clone(),
        entry: Entry::ShopHome,
        team: Some("after_sales".to_owned()),
        robot_active: true,
    }];
    for n in 0..20 {
        let buyer = store
            .upsert_buyer(tenant, Channel::Web, &format!("anon:burst-{n}"), "访客")
            .await
            .unwrap();
        batch.push(NewConversation {
            buyer,
            entry: Entry::ShopHome,
            team: (n % 2 == 0).then(|| "pre_sales".to_owned()),
            robot_active: n % 3 == 0,
        });
    }
    let opened = store.open_conversations(&batch).await.unwrap();
    assert_eq!(opened.len(), 21);
    assert_eq!(
        opened[0].id, existing.id,
        "an existing conversation is kept"
    );
    assert_eq!(opened[0].team, existing.team);
    for (n, (new, conversation)) in batch.iter().zip(&opened).enumerate().skip(1) {
        assert_eq!(conversation.buyer_id, new.buyer.id);
        assert_eq!(conversation.team, new.team, "buyer {n}");
        assert_eq!(conversation.robot_active, new.robot_active, "buyer {n}");
        let current = store
            .current_conversation(tenant, new.buyer.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(current.id, conversation.id);
        let events = store
            .conversation_events(tenant, conversation.id)
            .await
            .unwrap();
        assert_eq!(events.first().map(|e| e.kind), Some(EventKind::Created));
    }
    let again = store.open_conversations(&batch).await.unwrap();
    let ids = |list: &[kefu_domain::conversation::ConversationSummary]| {
        list.iter().map(|c| c.id).collect::<Vec<_>>()
    };
    assert_eq!(ids(&again), ids(&opened));
}
