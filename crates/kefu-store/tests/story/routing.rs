//! The router (WB-4, WB-7, WB-8): rules are replaced whole; the snapshot shows agents, the
//! waiting queue and strategies; a claim gives a conversation exactly one owner within the
//! agent's status and cap; stranded conversations are found and taken back.

use kefu_domain::account::AgentStatus;
use kefu_domain::channel::{Channel, Entry};
use kefu_domain::commerce::EntryContext;
use kefu_domain::conversation::{ConversationSummary, EventKind};
use kefu_domain::guard::{ShopSettings, Team};
use kefu_domain::message::SenderKind;
use kefu_domain::role::Role;
use kefu_domain::routing::{ChannelPriority, Condition, RoutingRule, Strategy, Waiting};
use kefu_domain::time::now_ms;
use kefu_store::{AccountChange, Claim, Store};
use uuid::Uuid;

use crate::{send, text, user};

on_both_backends!(rules_are_replaced_whole_and_read_in_order);
on_both_backends!(a_claim_gives_a_waiting_conversation_one_owner);
on_both_backends!(stranded_conversations_are_found_and_taken_back);

async fn rules_are_replaced_whole_and_read_in_order(store: Store) {
    let shop = crate::shop(&store, "rules").await;
    let other = crate::shop(&store, "no-rules").await;
    let tenant = shop.tenant.id;
    assert!(store.routing_rules(tenant).await.unwrap().is_empty());
    let vip = RoutingRule {
        id: Uuid::now_v7(),
        name: "大客户".into(),
        position: 2,
        conditions: vec![Condition::VipAtLeast(3)],
        team: "vip".into(),
        enabled: true,
    };
    let refunds = RoutingRule {
        id: Uuid::now_v7(),
        name: "退款".into(),
        position: 1,
        conditions: vec![
            Condition::IssueType("refund".into()),
            Condition::Channel(Channel::Web),
        ],
        team: "after_sales".into(),
        enabled: false,
    };
    store
        .replace_routing_rules(tenant, &[vip.clone(), refunds.clone()], |_| vec![])
        .await
        .unwrap();
    assert_eq!(
        store.routing_rules(tenant).await.unwrap(),
        [refunds, vip.clone()],
        "by position"
    );
    store
        .replace_routing_rules(tenant, std::slice::from_ref(&vip), |_| vec![])
        .await
        .unwrap();
    assert_eq!(store.routing_rules(tenant).await.unwrap(), [vip]);
    assert!(
        store
            .routing_rules(other.tenant.id)
            .await
            .unwrap()
            .is_empty()
    );
    store
        .replace_routing_rules(tenant, &[], |_| vec![])
        .await
        .unwrap();
    assert!(store.routing_rules(tenant).await.unwrap().is_empty());
}

/// A shop with routing on, and a buyer waiting in a new conversation from `entry`.
async fn routed(store: &Store, slug: &str) -> crate::Shop {
    let shop = crate::shop(store, slug).await;
    let settings = ShopSettings {
        routing_enabled: true,
        ..ShopSettings::default()
    };
    store
        .set_shop_settings(shop.tenant.id, &settings, |_| vec![])
        .await
        .unwrap();
    shop
}

async fn waiting(
    store: &Store,
    shop: &crate::Shop,
    external_id: &str,
    entry: Entry,
) -> ConversationSummary {
    let tenant = shop.tenant.id;
    let buyer = store
        .upsert_buyer(tenant, Channel::Web, external_id, "访客")
        .await
        .unwrap();
    let c = store
        .open_conversation(tenant, &buyer, entry, &EntryContext::default())
        .await
        .unwrap();
    send(
        store,
        text(c.id, tenant, SenderKind::Buyer, buyer.id, "q", "有人吗"),
    )
    .await
    .conversation
}

async fn a_claim_gives_a_waiting_conversation_one_owner(store: Store) {
    let shop = routed(&store, "router").await;
    let quiet = crate::shop(&store, "quiet").await;
    let (tenant, agent) = (shop.tenant.id, shop.agent.id);
    assert_eq!(store.routing_tenants().await.unwrap(), [tenant]);
    let colleague = user(&store, tenant, "router-b", Role::Agent, Some("pre_sales")).await;
    store
        .set_user_status(tenant, agent, AgentStatus::Online, None)
        .await
        .unwrap();
    let first = waiting(&store, &shop, "b1", Entry::ShopHome).await;
    let second = waiting(&store, &shop, "b2", Entry::LiveRoom).await;
    store
        .set_buyer_vip(tenant, second.buyer_id, 2)
        .await
        .unwrap();
    let browsing = crate::conversation(&store, tenant, &shop.buyer).await;

    let (state, buyers) = store.routing_snapshot(tenant, "pre_sales").await.unwrap();
    let mut agents: Vec<(Uuid, Option<&str>, AgentStatus, u32, u32)> = state
        .agents
        .iter()
        .map(|a| (a.id, a.team.as_deref(), a.status, a.load, a.cap))
        .collect();
    agents.sort_by_key(|a| a.0);
    let mut expected = vec![
        (agent, Some("pre_sales"), AgentStatus::Online, 0, 5),
        (shop.boss.id, None, AgentStatus::Offline, 0, 5),
        (colleague.id, Some("pre_sales"), AgentStatus::Offline, 0, 5),
    ];
    expected.sort_by_key(|a| a.0);
    assert_eq!(agents, expected);
    let mut queue = state.queue.clone();
    queue.sort_by_key(|w| w.waiting_since);
    let waits = |c: &ConversationSummary, priority, vip_level| Waiting {
        conversation_id: c.id,
        team: "pre_sales".into(),
        priority,
        vip_level,
        waiting_since: c.created_at,
        last_agent: None,
    };
    assert_eq!(
        queue,
        [
            waits(&first, ChannelPriority::DirectMessage, 0),
            waits(&second, ChannelPriority::LiveStream, 2),
        ],
        "a conversation nobody wrote in does not wait"
    );
    assert!(!buyers.contains_key(&browsing.id));
    assert_eq!(buyers[&first.id], first.buyer_id);
    assert_eq!(state.strategies["pre_sales"], Strategy::LeastLoaded);
    assert_eq!(state.strategies.len(), 3);

    // A conversation's team is set once.
    store
        .set_conversation_team(tenant, second.id, "after_sales")
        .await
        .unwrap();
    store
        .set_conversation_team(tenant, second.id, "qa")
        .await
        .unwrap();
    let (state, _) = store.routing_snapshot(tenant, "pre_sales").await.unwrap();
    let team_of = |id| {
        state
            .queue
            .iter()
            .find(|w| w.conversation_id == id)
            .map(|w| w.team.clone())
    };
    assert_eq!(team_of(second.id).as_deref(), Some("after_sales"));

    // One owner: the second claim finds it taken.
    let claimed = store
        .claim_conversation(tenant, first.id, agent, Claim::Route)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claimed.assignee_id, Some(agent));
    assert_eq!(
        store
            .claim_conversation(tenant, first.id, colleague.id, Claim::Grab)
            .await
            .unwrap(),
        None
    );
    // The router gives nothing to an offline agent, nor past an agent's cap.
    assert_eq!(
        store
            .claim_conversation(tenant, second.id, colleague.id, Claim::Route)
            .await
            .unwrap(),
        None
    );
    let capped = AccountChange {
        max_concurrent: Some(1),
        ..AccountChange::default()
    };
    store
        .update_account(tenant, agent, &capped, |_, _| vec![])
        .await
        .unwrap();
    assert_eq!(
        store
            .claim_conversation(tenant, second.id, agent, Claim::Route)
            .await
            .unwrap(),
        None
    );
    let (state, _) = store.routing_snapshot(tenant, "pre_sales").await.unwrap();
    let mine = state.agents.iter().find(|a| a.id == agent).unwrap();
    assert_eq!((mine.load, mine.cap), (1, 1));
    assert_eq!(
        state
            .queue
            .iter()
            .map(|w| w.conversation_id)
            .collect::<Vec<_>>(),
        [second.id]
    );
    // Taken from the list (the router is off for it): whoever grabs it gets it.
    let grabbed = store
        .claim_conversation(tenant, second.id, colleague.id, Claim::Grab)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(grabbed.assignee_id, Some(colleague.id));
    let reasons: Vec<serde_json::Value> = store
        .conversation_events(tenant, second.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == EventKind::Assigned)
        .map(|e| e.data["reason"].clone())
        .collect();
    assert_eq!(reasons, ["grab"]);
    assert_eq!(
        store
            .claim_conversation(quiet.tenant.id, browsing.id, quiet.agent.id, Claim::Grab)
            .await
            .unwrap(),
        None,
        "ACC-1"
    );
}

async fn stranded_conversations_are_found_and_taken_back(store: Store) {
    let shop = routed(&store, "strands").await;
    let (tenant, agent) = (shop.tenant.id, shop.agent.id);
    let colleague = user(
        &store,
        tenant,
        "strands-b",
        Role::Agent,
        Some("after_sales"),
    )
    .await;
    let mut teams = store.teams(tenant).await.unwrap();
    let after_sales = teams.iter_mut().find(|t| t.key == "after_sales").unwrap();
    after_sales.grab_mode = true;
    let after_sales: Team = after_sales.clone();
    store
        .upsert_team(tenant, &after_sales, |_| vec![])
        .await
        .unwrap();
    for who in [agent, colleague.id] {
        store
            .set_user_status(tenant, who, AgentStatus::Online, None)
            .await
            .unwrap();
    }
    let c = waiting(&store, &shop, "s1", Entry::ShopHome).await;
    store
        .set_conversation_team(tenant, c.id, "after_sales")
        .await
        .unwrap();
    store
        .claim_conversation(tenant, c.id, agent, Claim::Route)
        .await
        .unwrap()
        .unwrap();
    let now = now_ms();
    assert!(store.stranded(now).await.unwrap().is_empty());

    // The agent went away: the conversation is stranded, and offered to the team (grab mode).
    store
        .set_user_status(tenant, agent, AgentStatus::Away, None)
        .await
        .unwrap();
    let now = now_ms();
    let stranded = store.stranded(now).await.unwrap();
    assert_eq!(stranded.len(), 1);
    let s = &stranded[0];
    assert_eq!(
        (s.tenant_id, s.conversation_id, s.assignee_id, s.grab_mode),
        (tenant, c.id, agent, true)
    );
    assert_eq!(s.reason, "agent_away");
    assert_eq!(s.waiting_since, c.last_buyer_message_at);
    assert_eq!(s.waited_ms, now - c.last_buyer_message_at.unwrap());
    assert!(s.assigned_at.is_some());
    assert_eq!((s.target_ms, s.office_hours_only), (7_200_000, true));
    let offered = store
        .release_conversation(tenant, c.id, agent, "agent_away", true)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((offered.assignee_id, offered.up_for_grabs), (None, true));
    assert_eq!(
        store
            .release_conversation(tenant, c.id, agent, "agent_away", true)
            .await
            .unwrap(),
        None,
        "it is no longer theirs"
    );
    let (state, _) = store.routing_snapshot(tenant, "pre_sales").await.unwrap();
    assert!(state.queue.is_empty(), "up for grabs, not in the queue");
    let taken = store
        .claim_conversation(tenant, c.id, colleague.id, Claim::GrabOffered)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (taken.assignee_id, taken.up_for_grabs),
        (Some(colleague.id), false)
    );
    assert_eq!(
        store
            .claim_conversation(tenant, c.id, agent, Claim::GrabOffered)
            .await
            .unwrap(),
        None
    );

    // Nobody answered for more than twice the target: taken back into the queue.
    let much_later = now_ms() + 3 * 7_200_000;
    let stranded = store.stranded(much_later).await.unwrap();
    assert_eq!(
        stranded
            .iter()
            .map(|s| (s.conversation_id, s.assignee_id, s.reason.as_str()))
            .collect::<Vec<_>>(),
        [(c.id, colleague.id, "no_reply")]
    );
    store
        .release_conversation(tenant, c.id, colleague.id, "no_reply", false)
        .await
        .unwrap()
        .unwrap();
    let (state, _) = store.routing_snapshot(tenant, "pre_sales").await.unwrap();
    assert_eq!(
        state
            .queue
            .iter()
            .map(|w| (w.conversation_id, w.last_agent))
            .collect::<Vec<_>>(),
        [(c.id, None)],
        "back in the queue; no_reply keeps no sticky agent"
    );

    // Taken from an agent who went offline: the buyer goes back to them first (sticky).
    store
        .claim_conversation(tenant, c.id, colleague.id, Claim::Route)
        .await
        .unwrap()
        .unwrap();
    store
        .set_user_status(tenant, colleague.id, AgentStatus::Offline, None)
        .await
        .unwrap();
    assert_eq!(
        store.stranded(now_ms()).await.unwrap()[0].reason,
        "agent_offline"
    );
    store
        .release_conversation(tenant, c.id, colleague.id, "agent_offline", false)
        .await
        .unwrap()
        .unwrap();
    let (state, _) = store.routing_snapshot(tenant, "pre_sales").await.unwrap();
    assert_eq!(state.queue[0].last_agent, Some(colleague.id));
    let stranded_events = store
        .conversation_events(tenant, c.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == EventKind::Stranded)
        .count();
    assert_eq!(stranded_events, 3);
}

on_both_backends!(a_channels_queue_counts_its_waiting_buyers);

/// CH-7: what a channel's overflow rule counts: its open conversations no agent or robot
/// holds whose buyer waits for a reply; not another channel's, nor another shop's.
async fn a_channels_queue_counts_its_waiting_buyers(store: Store) {
    let shop = crate::shop(&store, "overflowing").await;
    let other = crate::shop(&store, "overflowing-elsewhere").await;
    let tenant = shop.tenant.id;
    assert_eq!(
        store
            .waiting_on_channel(tenant, Channel::Douyin, "dy")
            .await
            .unwrap(),
        0
    );
    let mut waiting = vec![];
    for n in 0..3 {
        let buyer = store
            .upsert_buyer(tenant, Channel::Douyin, &format!("dy/{n}"), "抖音用户")
            .await
            .unwrap();
        let c = crate::conversation(&store, tenant, &buyer).await;
        send(
            &store,
            text(
                c.id,
                tenant,
                SenderKind::Buyer,
                buyer.id,
                &format!("q{n}"),
                "在吗",
            ),
        )
        .await;
        waiting.push(c);
    }
    // A web buyer waits too, on another channel; another Douyin account's buyer; another
    // shop's Douyin buyer elsewhere.
    let web = crate::conversation(&store, tenant, &shop.buyer).await;
    let other_account = store
        .upsert_buyer(tenant, Channel::Douyin, "dy2/0", "抖音用户")
        .await
        .unwrap();
    let c2 = crate::conversation(&store, tenant, &other_account).await;
    send(
        &store,
        text(
            c2.id,
            tenant,
            SenderKind::Buyer,
            other_account.id,
            "o",
            "在吗",
        ),
    )
    .await;
    send(
        &store,
        text(
            web.id,
            tenant,
            SenderKind::Buyer,
            shop.buyer.id,
            "w",
            "在吗",
        ),
    )
    .await;
    let theirs = store
        .upsert_buyer(other.tenant.id, Channel::Douyin, "dy/0", "抖音用户")
        .await
        .unwrap();
    let c = crate::conversation(&store, other.tenant.id, &theirs).await;
    send(
        &store,
        text(
            c.id,
            other.tenant.id,
            SenderKind::Buyer,
            theirs.id,
            "x",
            "在吗",
        ),
    )
    .await;
    assert_eq!(
        store
            .waiting_on_channel(tenant, Channel::Douyin, "dy")
            .await
            .unwrap(),
        3
    );
    // One taken by an agent, one answered: one still waits.
    store
        .assign_conversation(tenant, waiting[0].id, shop.agent.id, shop.agent.id)
        .await
        .unwrap();
    send(
        &store,
        text(
            waiting[1].id,
            tenant,
            SenderKind::Agent,
            shop.agent.id,
            "a1",
            "您好",
        ),
    )
    .await;
    assert_eq!(
        store
            .waiting_on_channel(tenant, Channel::Douyin, "dy")
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .waiting_on_channel(tenant, Channel::Douyin, "dy2")
            .await
            .unwrap(),
        1,
        "the other account's own queue"
    );
}
