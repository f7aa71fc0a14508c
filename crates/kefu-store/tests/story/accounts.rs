//! Accounts (ACC-2 … ACC-4): an account is created, found for login, changed, sent on a
//! break and back, disabled; a phone is verified by code.

use kefu_domain::account::AgentStatus;
use kefu_domain::role::Role;
use kefu_domain::time::now_ms;
use kefu_store::{AccountChange, NewUser, PhoneCodeCheck, Store, StoreError};

on_both_backends!(an_account_is_created_changed_and_disabled);
on_both_backends!(an_agent_goes_on_a_break_and_comes_back);
on_both_backends!(a_phone_is_verified_by_code);

async fn an_account_is_created_changed_and_disabled(store: Store) {
    let shop = crate::shop(&store, "staff").await;
    let other = crate::shop(&store, "rival").await;
    let tenant = shop.tenant.id;
    let until = now_ms() + 7 * 86_400_000;
    let new = store
        .create_user(
            &NewUser {
                tenant_id: tenant,
                username: "xiaoyu",
                display_name: "小雨",
                password_hash: "argon2-hash",
                role: Role::Agent,
                team: Some("after_sales"),
                phone: Some("13812345678"),
                probation_until: Some(until),
                created_by: Some(shop.boss.id),
            },
            |_| vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        (
            new.tenant_id,
            new.username.as_str(),
            new.display_name.as_str(),
            new.role,
            new.team.as_deref(),
            new.status,
        ),
        (
            tenant,
            "xiaoyu",
            "小雨",
            Role::Agent,
            Some("after_sales"),
            AgentStatus::Offline
        )
    );
    assert_eq!(new.phone.as_deref(), Some("13812345678"));
    assert_ne!(new.phone_masked, new.phone, "the number is masked");
    assert_eq!(
        (new.probation_until, new.disabled, new.phone_verified),
        (Some(until), false, false)
    );
    assert_eq!(new.max_concurrent, 5);
    let again = NewUser {
        tenant_id: other.tenant.id,
        username: "xiaoyu",
        display_name: "另一个",
        password_hash: "x",
        role: Role::Agent,
        team: None,
        phone: None,
        probation_until: None,
        created_by: None,
    };
    assert!(matches!(
        store.create_user(&again, |_| vec![]).await,
        Err(StoreError::Conflict("username_taken"))
    ));

    let (found, hash) = store.user_for_login("xiaoyu").await.unwrap().unwrap();
    assert_eq!((found, hash.as_str()), (new.clone(), "argon2-hash"));
    assert_eq!(store.user_for_login("nobody").await.unwrap(), None);
    assert_eq!(store.user(tenant, new.id).await.unwrap(), Some(new.clone()));
    assert_eq!(
        store.user(other.tenant.id, new.id).await.unwrap(),
        None,
        "ACC-1"
    );
    let names = |users: Vec<kefu_domain::account::User>| {
        users.into_iter().map(|u| u.username).collect::<Vec<_>>()
    };
    assert_eq!(
        names(store.team(tenant).await.unwrap()),
        ["staff-agent", "staff-boss", "xiaoyu"]
    );
    assert_eq!(store.count_accounts(tenant).await.unwrap(), 3);

    // A change touches only what it names; `Some(None)` clears.
    let changed = store
        .update_account(
            tenant,
            new.id,
            &AccountChange {
                display_name: Some("小雨（组长）"),
                role: Some(Role::Supervisor),
                team: Some(None),
                probation_until: Some(None),
                max_concurrent: Some(8),
                ..AccountChange::default()
            },
            |_, _| vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        (
            changed.display_name.as_str(),
            changed.role,
            changed.team.as_deref(),
            changed.probation_until,
            changed.max_concurrent,
            changed.phone.as_deref(),
        ),
        (
            "小雨（组长）",
            Role::Supervisor,
            None,
            None,
            8,
            Some("13812345678")
        )
    );
    let moved = store
        .update_account(
            tenant,
            new.id,
            &AccountChange {
                team: Some(Some("qa")),
                ..AccountChange::default()
            },
            |_, _| vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        (moved.team.as_deref(), moved.role),
        (Some("qa"), Role::Supervisor)
    );
    assert!(matches!(
        store
            .update_account(
                other.tenant.id,
                new.id,
                &AccountChange::default(),
                |_, _| vec![]
            )
            .await,
        Err(StoreError::NotFound("user"))
    ));

    // Disabled: no login, no sessions, off the team, still among the accounts.
    store
        .create_session(
            "staff-token",
            new.id,
            true,
            "browser",
            "csrf",
            now_ms() + 60_000,
            |_| vec![],
        )
        .await
        .unwrap();
    let disabled = store
        .update_account(
            tenant,
            new.id,
            &AccountChange {
                disabled: Some(true),
                ..AccountChange::default()
            },
            |_, _| vec![],
        )
        .await
        .unwrap();
    assert!(disabled.disabled);
    assert_eq!(
        store.session("staff-token").await.unwrap().map(|s| s.user),
        None
    );
    assert_eq!(store.user_for_login("xiaoyu").await.unwrap(), None);
    assert_eq!(
        names(store.team(tenant).await.unwrap()),
        ["staff-agent", "staff-boss"]
    );
    let accounts = store.accounts(tenant).await.unwrap();
    assert_eq!(
        names(accounts.clone()),
        ["staff-agent", "staff-boss", "xiaoyu"]
    );
    assert!(accounts[2].disabled);
    assert_eq!(store.count_accounts(tenant).await.unwrap(), 3);
    assert_eq!(store.count_accounts(other.tenant.id).await.unwrap(), 2);
}

async fn an_agent_goes_on_a_break_and_comes_back(store: Store) {
    let shop = crate::shop(&store, "breaks").await;
    let (tenant, agent, boss) = (shop.tenant.id, shop.agent.id, shop.boss.id);
    let now = now_ms();
    store
        .set_user_status(tenant, agent, AgentStatus::Away, Some(("lunch", now - 1)))
        .await
        .unwrap();
    store
        .set_user_status(
            tenant,
            boss,
            AgentStatus::Away,
            Some(("meeting", now + 3_600_000)),
        )
        .await
        .unwrap();
    let away = store.user(tenant, agent).await.unwrap().unwrap();
    assert_eq!(
        (away.status, away.break_reason.as_deref(), away.break_until),
        (AgentStatus::Away, Some("lunch"), Some(now - 1))
    );
    assert_eq!(
        store.end_breaks(now).await.unwrap(),
        [(tenant, agent)],
        "only the break that is over ends"
    );
    let back = store.user(tenant, agent).await.unwrap().unwrap();
    assert_eq!(
        (back.status, back.break_reason, back.break_until),
        (AgentStatus::Online, None, None)
    );
    assert_eq!(
        store.user(tenant, boss).await.unwrap().unwrap().status,
        AgentStatus::Away
    );
    store
        .set_user_status(tenant, boss, AgentStatus::Busy, None)
        .await
        .unwrap();
    let busy = store.user(tenant, boss).await.unwrap().unwrap();
    assert_eq!((busy.status, busy.break_until), (AgentStatus::Busy, None));
    assert!(store.end_breaks(now + 7_200_000).await.unwrap().is_empty());
}

async fn a_phone_is_verified_by_code(store: Store) {
    let shop = crate::shop(&store, "phones").await;
    let (tenant, agent, boss) = (shop.tenant.id, shop.agent.id, shop.boss.id);
    let later = now_ms() + 300_000;
    assert_eq!(
        store
            .check_phone_code(agent, "h1", 5, |_| vec![])
            .await
            .unwrap(),
        PhoneCodeCheck::NoCode
    );
    assert!(
        store
            .put_phone_code(agent, "h1", later, 60_000)
            .await
            .unwrap()
    );
    assert!(
        !store
            .put_phone_code(agent, "h2", later, 60_000)
            .await
            .unwrap(),
        "not again within the minute"
    );
    assert_eq!(
        store
            .check_phone_code(agent, "wrong", 2, |_| vec![])
            .await
            .unwrap(),
        PhoneCodeCheck::Wrong
    );
    assert_eq!(
        store
            .check_phone_code(agent, "wrong", 2, |_| vec![])
            .await
            .unwrap(),
        PhoneCodeCheck::Wrong
    );
    assert_eq!(
        store
            .check_phone_code(agent, "h1", 2, |_| vec![])
            .await
            .unwrap(),
        PhoneCodeCheck::TooManyAttempts
    );
    // A new code (the interval is up) starts the attempts again.
    assert!(store.put_phone_code(agent, "h3", later, 0).await.unwrap());
    assert_eq!(
        store
            .check_phone_code(agent, "h3", 2, |_| vec![])
            .await
            .unwrap(),
        PhoneCodeCheck::Verified
    );
    assert!(
        store
            .user(tenant, agent)
            .await
            .unwrap()
            .unwrap()
            .phone_verified
    );
    assert_eq!(
        store
            .check_phone_code(agent, "h3", 2, |_| vec![])
            .await
            .unwrap(),
        PhoneCodeCheck::NoCode,
        "a code is used once"
    );
    assert!(
        store
            .put_phone_code(boss, "h4", now_ms() - 1, 0)
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .check_phone_code(boss, "h4", 2, |_| vec![])
            .await
            .unwrap(),
        PhoneCodeCheck::Expired
    );
    assert!(
        !store
            .user(tenant, boss)
            .await
            .unwrap()
            .unwrap()
            .phone_verified
    );
    store.mark_phone_verified(tenant, boss).await.unwrap();
    assert!(
        store
            .user(tenant, boss)
            .await
            .unwrap()
            .unwrap()
            .phone_verified
    );
}
