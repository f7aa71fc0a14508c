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
}
