//! Teams (ACC-6): a shop starts with its default teams, changes them and adds its own; the
//! supervisor's live view counts each agent's load, replies, resolutions and first replies
//! (WB-9).

use kefu_domain::guard::Team;
use kefu_domain::message::SenderKind;
use kefu_domain::time::now_ms;
use kefu_store::{AgentActivity, Store};

use crate::{send, text};

on_both_backends!(a_shop_starts_with_default_teams_and_adds_its_own);
on_both_backends!(the_live_view_counts_each_agents_work);

async fn a_shop_starts_with_default_teams_and_adds_its_own(store: Store) {
    let shop = crate::shop(&store, "teams").await;
    let other = crate::shop(&store, "other-teams").await;
    let tenant = shop.tenant.id;
    // The defaults are made in one transaction, maybe within one millisecond: by key.
    let mut teams = store.teams(tenant).await.unwrap();
    teams.sort_by(|a, b| a.key.cmp(&b.key));
    let summary: Vec<(&str, i64, bool, i64)> = teams
        .iter()
        .map(|t| {
            (
                t.key.as_str(),
                t.response_target_seconds,
                t.office_hours_only,
                t.members,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("after_sales", 7200, true, 0),
            ("pre_sales", 30, false, 1),
            ("qa", 86_400, false, 0),
        ],
        "the defaults, with the shop's agent in pre-sales"
    );
    let pre_sales = Team {
        response_target_seconds: 60,
        require_tag: true,
        strategy: "round_robin".into(),
        ..teams[1].clone() // pre_sales
    };
    store
        .upsert_team(tenant, &pre_sales, |_| vec![])
        .await
        .unwrap();
    let vip = Team {
        key: "vip".into(),
        name: "大客户".into(),
        response_target_seconds: 15,
        require_tag: false,
        strategy: "sticky".into(),
        grab_mode: true,
        office_hours_only: false,
        members: 0,
    };
    store.upsert_team(tenant, &vip, |_| vec![]).await.unwrap();
    let teams = store.teams(tenant).await.unwrap();
    assert_eq!(teams.len(), 4);
    assert_eq!(teams[3], vip, "a new team comes last");
    assert!(teams.contains(&pre_sales));
    let theirs = store.teams(other.tenant.id).await.unwrap();
    assert!(
        theirs
            .iter()
            .any(|t| t.key == "pre_sales" && t.response_target_seconds == 30),
        "another shop's teams are its own"
    );
}

async fn the_live_view_counts_each_agents_work(store: Store) {
    let shop = crate::shop(&store, "live").await;
    let (tenant, agent, boss) = (shop.tenant.id, shop.agent.id, shop.boss.id);
    let since = now_ms();
    let first = crate::conversation(&store, tenant, &shop.buyer).await;
    send(
        &store,
        text(
            first.id,
            tenant,
            SenderKind::Buyer,
            shop.buyer.id,
            "q",
            "在吗",
        ),
    )
    .await;
    send(
        &store,
        text(first.id, tenant, SenderKind::Agent, agent, "a1", "在"),
    )
    .await;
    send(
        &store,
        text(first.id, tenant, SenderKind::Agent, agent, "a2", "请讲"),
    )
    .await;
    store
        .resolve_conversation(tenant, first.id, agent)
        .await
        .unwrap();
    let buyer = store
        .upsert_buyer(
            tenant,
            kefu_domain::channel::Channel::Web,
            "live:2",
            "另一位",
        )
        .await
        .unwrap();
    let second = crate::conversation(&store, tenant, &buyer).await;
    store
        .assign_conversation(tenant, second.id, agent, boss)
        .await
        .unwrap();

    let activity = store.team_activity(tenant, since).await.unwrap();
    assert_eq!(activity.len(), 1, "only the agent did anything counted");
    let mine = activity[&agent];
    assert_eq!(
        (mine.load, mine.replies, mine.resolved, mine.first_replies),
        (1, 2, 1, 1)
    );
    assert!(mine.first_reply_wait_ms_total >= 0);
    let later = store
        .team_activity(tenant, now_ms() + 60_000)
        .await
        .unwrap();
    assert_eq!(
        later[&agent],
        AgentActivity {
            load: 1,
            ..AgentActivity::default()
        },
        "the load is now; the rest counts from `since`"
    );
}
