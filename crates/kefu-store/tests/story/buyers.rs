//! Buyers (CH-6): one buyer per channel id, seen again on every visit, with the member level
//! the shop's site vouched for; invisible to other shops (ACC-1).

use kefu_domain::channel::Channel;
use kefu_store::Store;

on_both_backends!(a_buyer_is_one_per_channel_id);

async fn a_buyer_is_one_per_channel_id(store: Store) {
    let shop = crate::shop(&store, "buyers").await;
    let other = crate::shop(&store, "strangers").await;
    let tenant = shop.tenant.id;
    let first = store
        .upsert_buyer(tenant, Channel::WechatMp, "openid-1", "微信用户")
        .await
        .unwrap();
    assert_eq!(
        (first.tenant_id, first.channel, first.external_id.as_str()),
        (tenant, Channel::WechatMp, "openid-1")
    );
    assert_eq!(
        (first.display_name.as_str(), first.vip_level),
        ("微信用户", 0)
    );
    crate::tick().await;
    let again = store
        .upsert_buyer(tenant, Channel::WechatMp, "openid-1", "改了名")
        .await
        .unwrap();
    assert_eq!(again.id, first.id);
    let (found, current) = store
        .buyer_by_external(tenant, Channel::WechatMp, "openid-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, first.id);
    assert_eq!(current, None, "no conversation yet");
    assert_eq!(
        store
            .buyer_by_external(other.tenant.id, Channel::WechatMp, "openid-1")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        again.display_name, "微信用户",
        "the name is the first visit's"
    );
    assert!(again.last_seen_at > first.last_seen_at);
    let by_mail = store
        .upsert_buyer(tenant, Channel::Email, "openid-1", "邮件用户")
        .await
        .unwrap();
    assert_ne!(by_mail.id, first.id, "another channel, another buyer");
    let elsewhere = store
        .upsert_buyer(other.tenant.id, Channel::WechatMp, "openid-1", "微信用户")
        .await
        .unwrap();
    assert_ne!(elsewhere.id, first.id, "another shop, another buyer");

    store.set_buyer_vip(tenant, first.id, 3).await.unwrap();
    store
        .set_buyer_vip(other.tenant.id, first.id, 9)
        .await
        .unwrap();
    let vip = store.buyer(tenant, first.id).await.unwrap().unwrap();
    assert_eq!((vip.id, vip.vip_level), (first.id, 3));
    assert_eq!(store.buyer(other.tenant.id, first.id).await.unwrap(), None);

    // Seen again with the conversation they are in (the callback's one read).
    let conversation = crate::conversation(&store, tenant, &vip).await;
    let (_, current) = store
        .buyer_by_external(tenant, Channel::WechatMp, "openid-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(current, Some(conversation.id));
}

on_both_backends!(buyers_on_several_channels_are_merged_and_split);

/// CH-6: an agent merges the same person's buyers on two channels into one profile (audited
/// with the change), a third joins it, one is taken out again; the profile's first buyer
/// leaving keeps the rest together; another shop's buyers are never merged in.
async fn buyers_on_several_channels_are_merged_and_split(store: Store) {
    let shop = crate::shop(&store, "profiles").await;
    let other = crate::shop(&store, "strangers").await;
    let tenant = shop.tenant.id;
    let web = shop.buyer.clone();
    crate::tick().await;
    let wechat = store
        .upsert_buyer(tenant, Channel::WechatMp, "wx1/o1", "微信用户")
        .await
        .unwrap();
    crate::tick().await;
    let mail = store
        .upsert_buyer(tenant, Channel::Email, "a@example.com", "邮件用户")
        .await
        .unwrap();
    let ids = |buyers: Vec<kefu_domain::account::Buyer>| {
        buyers.into_iter().map(|b| b.id).collect::<Vec<_>>()
    };
    assert_eq!(
        ids(store.buyer_profile(tenant, wechat.id).await.unwrap()),
        vec![wechat.id]
    );
    let audit = || {
        vec![kefu_store::NewAudit {
            tenant_id: tenant,
            actor_id: None,
            actor_name: "story".into(),
            action: "buyer.merge".into(),
            target: "buyer".into(),
            detail: serde_json::json!({}),
        }]
    };
    assert!(
        store
            .merge_buyers(tenant, web.id, wechat.id, audit)
            .await
            .unwrap()
    );
    assert_eq!(
        ids(store.buyer_profile(tenant, wechat.id).await.unwrap()),
        vec![wechat.id, web.id]
    );
    assert!(
        store
            .merge_buyers(tenant, mail.id, wechat.id, audit)
            .await
            .unwrap()
    );
    assert_eq!(
        ids(store.buyer_profile(tenant, web.id).await.unwrap()),
        vec![web.id, wechat.id, mail.id]
    );
    // Another shop's buyer is not found, merged or shown.
    assert!(
        !store
            .merge_buyers(tenant, web.id, other.buyer.id, audit)
            .await
            .unwrap()
    );
    assert!(
        !store
            .merge_buyers(other.tenant.id, other.buyer.id, web.id, Vec::new)
            .await
            .unwrap()
    );
    assert!(
        store
            .buyer_profile(other.tenant.id, web.id)
            .await
            .unwrap()
            .is_empty()
    );
    // The first buyer leaves: the other two stay one profile.
    assert!(store.split_buyer(tenant, web.id, audit).await.unwrap());
    assert_eq!(
        ids(store.buyer_profile(tenant, web.id).await.unwrap()),
        vec![web.id]
    );
    assert_eq!(
        ids(store.buyer_profile(tenant, mail.id).await.unwrap()),
        vec![mail.id, wechat.id]
    );
    // One more leaves: each is on their own.
    assert!(store.split_buyer(tenant, mail.id, audit).await.unwrap());
    assert_eq!(
        ids(store.buyer_profile(tenant, wechat.id).await.unwrap()),
        vec![wechat.id]
    );
    assert!(
        !store
            .split_buyer(other.tenant.id, wechat.id, Vec::new)
            .await
            .unwrap()
    );
    let merges = store
        .audit_entries(
            tenant,
            &kefu_store::AuditFilter {
                action: Some("buyer"),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(merges.len(), 4, "each change with its entry");
}

on_both_backends!(buyers_with_one_key_are_linked_once);

/// CH-6: a buyer's keys (member id, phone, email, unionid) link them with the shop's buyers
/// that have one of them, into the oldest's profile; a key seen before links nothing again,
/// so a split stays split; another shop's buyer with the same key is never linked.
async fn buyers_with_one_key_are_linked_once(store: Store) {
    use kefu_domain::profile::BuyerKey;
    let shop = crate::shop(&store, "linked").await;
    let other = crate::shop(&store, "linked-elsewhere").await;
    let tenant = shop.tenant.id;
    let member = shop.buyer.clone();
    let phone = BuyerKey::phone("139 1234 5678").unwrap();
    let email = BuyerKey::email("zhou@example.com").unwrap();
    let audit = |linked: &[uuid::Uuid]| {
        vec![kefu_store::NewAudit {
            tenant_id: tenant,
            actor_id: None,
            actor_name: "kefu".into(),
            action: "buyer.link".into(),
            target: "buyer".into(),
            detail: serde_json::json!({"linked": linked}),
        }]
    };
    let none = store
        .link_buyer(tenant, member.id, &[phone.clone(), email.clone()], audit)
        .await
        .unwrap();
    assert!(none.is_empty(), "no one else has the keys yet");
    assert_eq!(
        store.buyer_keys(tenant, member.id).await.unwrap(),
        vec![email.clone(), phone.clone()]
    );
    crate::tick().await;
    let caller = store
        .upsert_buyer(tenant, Channel::Phone, "400/13912345678", "来电")
        .await
        .unwrap();
    let linked = store
        .link_buyer(tenant, caller.id, std::slice::from_ref(&phone), audit)
        .await
        .unwrap();
    assert_eq!(linked, vec![member.id]);
    let profile: Vec<_> = store
        .buyer_profile(tenant, caller.id)
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.id)
        .collect();
    assert_eq!(profile, vec![caller.id, member.id]);
    // Keyed by the oldest: the member's profile.
    let from_member: Vec<_> = store
        .buyer_profile(tenant, member.id)
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.id)
        .collect();
    assert_eq!(from_member, vec![member.id, caller.id]);

    // Split by hand; the same key again links nothing.
    assert!(
        store
            .split_buyer(tenant, caller.id, Vec::new)
            .await
            .unwrap()
    );
    let again = store
        .link_buyer(tenant, caller.id, std::slice::from_ref(&phone), audit)
        .await
        .unwrap();
    assert!(again.is_empty());
    assert_eq!(
        store.buyer_profile(tenant, caller.id).await.unwrap().len(),
        1
    );
    // A third buyer with the phone joins the member, the first holder; the split one stays.
    crate::tick().await;
    let mailer = store
        .upsert_buyer(tenant, Channel::Email, "shop@x/zhou@example.com", "邮件")
        .await
        .unwrap();
    let joined = store
        .link_buyer(tenant, mailer.id, std::slice::from_ref(&phone), audit)
        .await
        .unwrap();
    assert_eq!(joined, vec![member.id]);
    assert_eq!(
        store.buyer_profile(tenant, caller.id).await.unwrap().len(),
        1
    );
    assert_eq!(
        store.buyer_profile(tenant, member.id).await.unwrap().len(),
        2
    );
    // A key five buyers hold already (a placeholder) names no one.
    let placeholder = BuyerKey::phone("13800000000").unwrap();
    for n in 0..5 {
        let b = store
            .upsert_buyer(tenant, Channel::Phone, &format!("400/p{n}"), "来电")
            .await
            .unwrap();
        store
            .link_buyer(tenant, b.id, std::slice::from_ref(&placeholder), audit)
            .await
            .unwrap();
    }
    let sixth = store
        .upsert_buyer(tenant, Channel::Phone, "400/p5", "来电")
        .await
        .unwrap();
    assert!(
        store
            .link_buyer(tenant, sixth.id, std::slice::from_ref(&placeholder), audit)
            .await
            .unwrap()
            .is_empty()
    );

    // Another shop's buyer with the phone stays its own.
    let stranger = other.buyer.clone();
    let theirs = store
        .link_buyer(
            other.tenant.id,
            stranger.id,
            std::slice::from_ref(&phone),
            |_| vec![],
        )
        .await
        .unwrap();
    assert!(theirs.is_empty());
    // A buyer not of the shop links nothing.
    assert!(
        store
            .link_buyer(tenant, stranger.id, std::slice::from_ref(&email), audit)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .buyer_keys(tenant, stranger.id)
            .await
            .unwrap()
            .is_empty()
    );
}
