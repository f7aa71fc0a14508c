//! Permission groups (ACC-3): a shop defines groups, grants them to its own accounts (again:
//! a new expiry), revokes them, and an account holds a group's permissions only while its
//! grant is unexpired.

use kefu_domain::role::{Permission, Permissions};
use kefu_domain::time::now_ms;
use kefu_store::{Store, StoreError};
use uuid::Uuid;

on_both_backends!(a_group_is_granted_expires_and_is_revoked);

async fn a_group_is_granted_expires_and_is_revoked(store: Store) {
    let shop = crate::shop(&store, "groups").await;
    let other = crate::shop(&store, "other-groups").await;
    let (tenant, agent, boss) = (shop.tenant.id, shop.agent.id, shop.boss.id);
    let refunds = [Permission::RefundApprove, Permission::ReportView];
    let group = store
        .create_group(tenant, "退款专员", "可以批退款", &refunds, |_| vec![])
        .await
        .unwrap();
    assert_eq!(
        (
            group.name.as_str(),
            group.description.as_str(),
            group.permissions.as_slice()
        ),
        ("退款专员", "可以批退款", &refunds[..])
    );
    assert!(matches!(
        store
            .create_group(tenant, "退款专员", "", &[], |_| vec![])
            .await,
        Err(StoreError::Conflict("group_name_taken"))
    ));
    let empty = store
        .create_group(
            tenant,
            "旁听",
            "",
            &[Permission::ConversationRead],
            |_| vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        store.groups(tenant).await.unwrap(),
        [empty.clone(), group.clone()]
    );
    assert!(store.groups(other.tenant.id).await.unwrap().is_empty());

    assert_eq!(
        store.granted_permissions(agent, now_ms()).await.unwrap(),
        Permissions::NONE
    );
    assert_eq!(
        store
            .grant_group(tenant, group.id, &[agent, boss], boss, None, |_| vec![])
            .await
            .unwrap(),
        2
    );
    assert!(matches!(
        store
            .grant_group(tenant, group.id, &[other.agent.id], boss, None, |_| vec![])
            .await,
        Err(StoreError::NotFound("user"))
    ));
    assert!(matches!(
        store
            .grant_group(
                other.tenant.id,
                group.id,
                &[other.agent.id],
                other.boss.id,
                None,
                |_| vec![]
            )
            .await,
        Err(StoreError::NotFound("group"))
    ));
    assert!(matches!(
        store
            .grant_group(tenant, Uuid::new_v4(), &[agent], boss, None, |_| vec![])
            .await,
        Err(StoreError::NotFound("group"))
    ));
    let held = store.granted_permissions(agent, now_ms()).await.unwrap();
    assert_eq!(held, Permissions::of(&refunds));
    let grants = store.grants(tenant).await.unwrap();
    assert_eq!(grants.len(), 2);
    assert!(grants.iter().all(|g| g.group_id == group.id
        && g.group_name == "退款专员"
        && g.granted_by == boss
        && g.expires_at.is_none()));
    let mut holders: Vec<Uuid> = grants.iter().map(|g| g.user_id).collect();
    holders.sort();
    let mut expected = vec![agent, boss];
    expected.sort();
    assert_eq!(holders, expected);
    assert!(store.grants(other.tenant.id).await.unwrap().is_empty());

    // Granted again with an expiry: held until then, not after.
    let until = now_ms() + 60_000;
    assert_eq!(
        store
            .grant_group(tenant, group.id, &[agent], boss, Some(until), |_| vec![])
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store.granted_permissions(agent, until - 1).await.unwrap(),
        Permissions::of(&refunds)
    );
    assert_eq!(
        store.granted_permissions(agent, until).await.unwrap(),
        Permissions::NONE
    );
    assert_eq!(
        store.grants(tenant).await.unwrap().len(),
        2,
        "one grant per group and account"
    );

    assert!(
        store
            .revoke_group(tenant, group.id, boss, |_| vec![])
            .await
            .unwrap()
    );
    assert!(
        !store
            .revoke_group(tenant, group.id, boss, |_| vec![])
            .await
            .unwrap()
    );
    assert!(
        !store
            .revoke_group(other.tenant.id, group.id, agent, |_| vec![])
            .await
            .unwrap()
    );
    assert_eq!(
        store.granted_permissions(boss, now_ms()).await.unwrap(),
        Permissions::NONE
    );
    assert_eq!(store.grants(tenant).await.unwrap().len(), 1);
}
