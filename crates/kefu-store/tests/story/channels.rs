//! Channels (issue #21, CH-3): a shop connects an account once, its secrets and access token
//! are sealed and read back whole, the health line moves forward only, a callback finds the
//! channel by id alone while a shop finds only its own, every change is audited with it; a
//! reply queued for the platform waits until its first due time; and what the platform's
//! quota counts is the shop's side's messages since the buyer wrote.

use kefu_domain::channel::Channel;
use kefu_domain::message::SenderKind;
use kefu_store::{
    AuditFilter, ChannelChange, ChannelSeen, DeliveryTry, NewAudit, NewChannel, NewDelivery, Store,
    StoreError,
};
use serde_json::json;

on_both_backends!(a_channel_is_connected_once_sealed_and_healthy);

fn audit(tenant_id: uuid::Uuid, action: &str) -> Vec<NewAudit> {
    vec![NewAudit {
        tenant_id,
        actor_id: None,
        actor_name: "story".into(),
        action: action.into(),
        target: "channel".into(),
        detail: json!({}),
    }]
}

async fn a_channel_is_connected_once_sealed_and_healthy(store: Store) {
    let shop = crate::shop(&store, "channels").await;
    let other = crate::shop(&store, "elsewhere").await;
    let tenant = shop.tenant.id;
    let settings = json!({"mode": "safe", "api_base": "http://127.0.0.1:1"});
    let secrets = json!({"token": "tok", "aes_key": "k", "app_secret": "秘密"});
    let new = NewChannel {
        kind: "wechat_mp",
        name: "公众号",
        public_id: "wx1",
        settings: &settings,
        secrets: &secrets,
    };
    let created = store
        .create_channel(tenant, &new, |_| audit(tenant, "channel.connect"))
        .await
        .unwrap();
    assert_eq!(
        (created.secrets.clone(), created.paused),
        (secrets.clone(), false)
    );
    assert!(matches!(
        store.create_channel(tenant, &new, |_| vec![]).await,
        Err(StoreError::Conflict("channel_exists"))
    ));
    // Nor may another shop: the platform calls one URL per account and keeps one token.
    assert!(matches!(
        store
            .create_channel(other.tenant.id, &new, |_| vec![])
            .await,
        Err(StoreError::Conflict("channel_exists"))
    ));
    assert_eq!(store.channels(tenant).await.unwrap(), vec![created.clone()]);
    assert_eq!(
        store.channel(other.tenant.id, created.id).await.unwrap(),
        None
    );
    assert_eq!(
        store.channel_for_callback(created.id).await.unwrap(),
        Some(created.clone())
    );

    assert_eq!(store.channel_token(created.id).await.unwrap(), None);
    store
        .save_channel_token(created.id, "ACCESS", 9_000)
        .await
        .unwrap();
    assert_eq!(
        store.channel_token(created.id).await.unwrap(),
        Some(("ACCESS".to_owned(), 9_000))
    );

    // A pull-model channel's cursor per kf account: empty until saved, then the newest.
    assert_eq!(store.channel_cursor(created.id, "wk1").await.unwrap(), "");
    for (from, to) in [("", "c1"), ("c1", "c2")] {
        assert!(
            store
                .save_channel_cursor(created.id, "wk1", from, to, 10)
                .await
                .unwrap()
        );
    }
    // Another pull that started from c1 does not move it back.
    assert!(
        !store
            .save_channel_cursor(created.id, "wk1", "c1", "c9", 11)
            .await
            .unwrap()
    );
    assert_eq!(store.channel_cursor(created.id, "wk1").await.unwrap(), "c2");
    assert_eq!(store.channel_cursor(created.id, "wk2").await.unwrap(), "");
    assert_eq!(
        store.channel_cursors(&created.kind).await.unwrap(),
        vec![(created.id, "wk1".to_owned())]
    );
    // Another kind's are not listed with them.
    assert!(store.channel_cursors("douyin").await.unwrap().is_empty());
    // Kept values past their use are forgotten by their scope's prefix and age only.
    assert!(
        store
            .save_channel_cursor(created.id, "reply/b1", "", "{}", 5)
            .await
            .unwrap()
    );
    assert_eq!(store.prune_channel_cursors("reply/", 5).await.unwrap(), 0);
    assert_eq!(store.prune_channel_cursors("reply/", 6).await.unwrap(), 1);
    assert_eq!(store.channel_cursor(created.id, "wk1").await.unwrap(), "c2");

    store
        .channel_seen(created.id, ChannelSeen::In, 200)
        .await
        .unwrap();
    store
        .channel_seen(created.id, ChannelSeen::In, 100)
        .await
        .unwrap();
    store
        .channel_seen(created.id, ChannelSeen::Out, 300)
        .await
        .unwrap();
    store
        .channel_seen(created.id, ChannelSeen::Error("refused"), 400)
        .await
        .unwrap();
    let seen = store.channel(tenant, created.id).await.unwrap().unwrap();
    assert_eq!(
        (
            seen.last_in_at,
            seen.last_out_at,
            seen.last_error.as_str(),
            seen.last_error_at
        ),
        (Some(200), Some(300), "refused", Some(400)),
        "the health line only moves forward"
    );
    assert_eq!(seen.token_expires_at, Some(9_000));

    let paused = store
        .update_channel(
            tenant,
            created.id,
            ChannelChange {
                name: Some("改名"),
                paused: Some(true),
                settings: Some(&json!({"mode": "plain", "api_base": "http://x"})),
                ..Default::default()
            },
            |_| audit(tenant, "channel.change"),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!((paused.name.as_str(), paused.paused), ("改名", true));
    assert_eq!(
        paused.settings["api_base"], "http://x",
        "the settings replaced"
    );
    assert_eq!(paused.secrets, secrets, "the secrets stay");
    assert!(store.channel_token(created.id).await.unwrap().is_some());
    // A reset secret: sealed as ever, and the access token of the old one forgotten.
    let reset = json!({"token": "tok", "aes_key": "k", "app_secret": "新秘密"});
    let rotated = store
        .update_channel(
            tenant,
            created.id,
            ChannelChange {
                secrets: Some(&reset),
                forget_token: true,
                ..Default::default()
            },
            |_| vec![],
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (rotated.secrets.clone(), rotated.token_expires_at),
        (reset, None)
    );
    assert_eq!(store.channel_token(created.id).await.unwrap(), None);
    assert_eq!(rotated.name, "改名", "the rest stays");
    assert_eq!(
        store
            .update_channel(
                other.tenant.id,
                created.id,
                ChannelChange {
                    paused: Some(false),
                    ..Default::default()
                },
                |_| vec![],
            )
            .await
            .unwrap(),
        None
    );
    let actions: Vec<String> = store
        .audit_entries(
            tenant,
            &AuditFilter {
                action: Some("channel"),
                limit: 10,
                ..AuditFilter::default()
            },
        )
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(
        actions.contains(&"channel.connect".to_owned())
            && actions.contains(&"channel.change".to_owned()),
        "{actions:?}"
    );

    // A reply queued for the platform is due for the leader only at its first due time.
    let delivery = NewDelivery {
        channel: "wechat_mp",
        target: created.id.to_string(),
        event: "message",
        body: "{}".into(),
    };
    let second = NewDelivery {
        body: "{\"n\":2}".into(),
        ..delivery.clone()
    };
    let ids = store
        .queue_channel_deliveries(tenant, &[delivery, second], 10_000_000)
        .await
        .unwrap();
    assert_eq!(ids.len(), 2);
    let id = ids[0];
    assert!(
        store
            .due_deliveries(9_999_999, 10)
            .await
            .unwrap()
            .iter()
            .all(|d| d.id != id)
    );
    assert!(
        store
            .due_deliveries(10_000_000, 10)
            .await
            .unwrap()
            .iter()
            .any(|d| d.id == id)
    );
    // A batch's tries are recorded together, once.
    let sent = DeliveryTry {
        status: "sent",
        next_at: None,
        error: String::new(),
        response_status: Some(200),
        at: 10_000_001,
    };
    let tries = [(ids[0], &sent), (ids[1], &sent)];
    assert_eq!(store.record_deliveries(&tries).await.unwrap(), 2);
    assert_eq!(store.record_deliveries(&tries).await.unwrap(), 0);
    assert!(
        store
            .due_deliveries(20_000_000, 10)
            .await
            .unwrap()
            .iter()
            .all(|d| !ids.contains(&d.id))
    );

    // The platform's quota counts what the shop's side wrote since the buyer's message.
    let buyer = store
        .upsert_buyer(tenant, Channel::WechatMp, "wx1/openid", "微信用户")
        .await
        .unwrap();
    let conversation = crate::conversation(&store, tenant, &buyer).await;
    let c = conversation.id;
    let said = crate::send(
        &store,
        crate::text(c, tenant, SenderKind::Buyer, buyer.id, "b1", "在吗"),
    )
    .await;
    let since = said.message.created_at;
    crate::tick().await;
    for n in 0..2 {
        crate::send(
            &store,
            crate::text(
                c,
                tenant,
                SenderKind::Agent,
                shop.boss.id,
                &format!("a{n}"),
                "在的",
            ),
        )
        .await;
    }
    assert_eq!(store.sent_since(tenant, c, since).await.unwrap(), 2);
    // What the buyer sent is found by its client id in any of their conversations; the
    // agents' ids and other shops are not the buyer's.
    assert!(store.buyer_sent(tenant, buyer.id, "b1").await.unwrap());
    assert!(!store.buyer_sent(tenant, buyer.id, "a0").await.unwrap());
    assert!(
        !store
            .buyer_sent(other.tenant.id, buyer.id, "b1")
            .await
            .unwrap()
    );
    assert_eq!(
        store.sent_since(other.tenant.id, c, since).await.unwrap(),
        0
    );

    assert!(
        !store
            .delete_channel(other.tenant.id, created.id, Vec::new)
            .await
            .unwrap()
    );
    assert!(
        store
            .delete_channel(tenant, created.id, || audit(tenant, "channel.disconnect"))
            .await
            .unwrap()
    );
    assert_eq!(store.channel_for_callback(created.id).await.unwrap(), None);
    // Its cursors went with it.
    assert_eq!(store.channel_cursor(created.id, "wk1").await.unwrap(), "");
}

on_both_backends!(a_move_to_wecom_is_taken_once_by_its_buyer);

/// A buyer moved to a WeCom account: the move is found by its token only on that account in
/// that shop, and taken by the first buyer who comes in by it (again by them, never by
/// another).
async fn a_move_to_wecom_is_taken_once_by_its_buyer(store: Store) {
    let shop = crate::shop(&store, "moves").await;
    let other = crate::shop(&store, "moves-elsewhere").await;
    let tenant = shop.tenant.id;
    let new = NewChannel {
        kind: "wecom_kf",
        name: "企业微信客服",
        public_id: "ww-moves",
        settings: &json!({"contact_url": "https://work.weixin.qq.com/kfid/kfc1"}),
        secrets: &json!({}),
    };
    let wecom = store
        .create_channel(tenant, &new, |_| vec![])
        .await
        .unwrap();
    let conversation = crate::conversation(&store, tenant, &shop.buyer).await;
    let moved = kefu_store::ChannelMove {
        token: "Tok3nOfSixteen16".into(),
        tenant_id: tenant,
        channel_id: wecom.id,
        conversation_id: conversation.id,
        buyer_id: shop.buyer.id,
        moved_by: Some(shop.agent.id),
        created_at: kefu_domain::time::now_ms(),
        taken_at: None,
        taken_by: None,
    };
    store.create_channel_move(&moved).await.unwrap();
    assert_eq!(
        store
            .channel_move(tenant, wecom.id, "Tok3nOfSixteen16")
            .await
            .unwrap(),
        Some(moved.clone())
    );
    for (t, c, token) in [
        (other.tenant.id, wecom.id, "Tok3nOfSixteen16"),
        (tenant, uuid::Uuid::now_v7(), "Tok3nOfSixteen16"),
        (tenant, wecom.id, "another-token"),
    ] {
        assert_eq!(store.channel_move(t, c, token).await.unwrap(), None);
    }
    let wecom_buyer = store
        .upsert_buyer(tenant, Channel::Wecom, "ww/wk/wm1", "微信客户")
        .await
        .unwrap();
    let someone_else = store
        .upsert_buyer(tenant, Channel::Wecom, "ww/wk/wm2", "微信客户")
        .await
        .unwrap();
    let take =
        |buyer: uuid::Uuid| store.take_channel_move(tenant, wecom.id, "Tok3nOfSixteen16", buyer);
    assert_eq!(take(wecom_buyer.id).await.unwrap(), Some(true), "taken now");
    assert_eq!(
        take(wecom_buyer.id).await.unwrap(),
        Some(false),
        "theirs before"
    );
    assert_eq!(take(someone_else.id).await.unwrap(), None, "not theirs");
    assert_eq!(
        store
            .take_channel_move(tenant, wecom.id, "no-such-token", wecom_buyer.id)
            .await
            .unwrap(),
        None
    );
    let taken = store
        .channel_move(tenant, wecom.id, "Tok3nOfSixteen16")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(taken.taken_by, Some(wecom_buyer.id));
    assert!(taken.taken_at.is_some());

    // Lapsed links are forgotten; a taken move stays (it links the two conversations).
    let lapsed = kefu_store::ChannelMove {
        token: "LapsedToken00016".into(),
        created_at: moved.created_at - 1_000,
        ..moved.clone()
    };
    let fresh = kefu_store::ChannelMove {
        token: "FreshToken000016".into(),
        created_at: moved.created_at + 1_000,
        ..moved.clone()
    };
    store.create_channel_move(&lapsed).await.unwrap();
    store.create_channel_move(&fresh).await.unwrap();
    let before = moved.created_at + 500;
    assert_eq!(store.prune_untaken_channel_moves(before).await.unwrap(), 1);
    assert_eq!(store.prune_untaken_channel_moves(before).await.unwrap(), 0);
    let found = |token: &'static str| store.channel_move(tenant, wecom.id, token);
    assert_eq!(found("LapsedToken00016").await.unwrap(), None);
    assert!(found("FreshToken000016").await.unwrap().is_some());
    assert!(
        found("Tok3nOfSixteen16").await.unwrap().is_some(),
        "taken, kept"
    );
}
