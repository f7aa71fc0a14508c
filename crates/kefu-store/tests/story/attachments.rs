//! Attachments: an upload is recorded once its bytes are on disk, served by id, and swept
//! only while no message and no knowledge base answer carries it.

use kefu_domain::message::{MessageContent, MessageKind, SenderKind};
use kefu_domain::time::now_ms;
use kefu_store::{AppendRequest, NewAttachment, Store, StoreError};
use uuid::Uuid;

on_both_backends!(an_upload_is_kept_while_something_carries_it);

fn upload<'a>(tenant_id: Uuid, uploader_id: Uuid, id: Uuid, key: &'a str) -> NewAttachment<'a> {
    NewAttachment {
        id,
        tenant_id,
        uploader_kind: "buyer",
        uploader_id,
        file_name: "photo.png",
        content_type: "image/png",
        size_bytes: 2048,
        sha256: "abc123",
        storage_key: key,
    }
}

async fn an_upload_is_kept_while_something_carries_it(store: Store) {
    let shop = crate::shop(&store, "uploads").await;
    let other = crate::shop(&store, "no-uploads").await;
    let (tenant, buyer) = (shop.tenant.id, &shop.buyer);
    let [unsent, sent, answer, forgotten, phrase] = [(); 5].map(|_| Uuid::now_v7());
    let stored = store
        .insert_attachment(&upload(tenant, buyer.id, unsent, "ab/unsent"))
        .await
        .unwrap();
    assert_eq!(
        (
            stored.id,
            stored.file_name.as_str(),
            stored.content_type.as_str(),
            stored.size_bytes
        ),
        (unsent, "photo.png", "image/png", 2048)
    );
    for (id, key) in [
        (sent, "ab/sent"),
        (answer, "ab/answer"),
        (forgotten, "ab/forgotten"),
        (phrase, "ab/phrase"),
    ] {
        store
            .insert_attachment(&upload(tenant, buyer.id, id, key))
            .await
            .unwrap();
    }
    let found = store.attachment(unsent).await.unwrap().unwrap();
    assert_eq!(
        (
            found.tenant_id,
            found.storage_key.as_str(),
            found.attachment
        ),
        (tenant, "ab/unsent", stored)
    );
    assert!(store.attachment(Uuid::new_v4()).await.unwrap().is_none());

    // A message carries one; another shop's conversation cannot.
    let c = crate::conversation(&store, tenant, buyer).await;
    let picture = |tenant_id, conversation_id, id| AppendRequest {
        tenant_id,
        conversation_id,
        sender_kind: SenderKind::Buyer,
        sender_id: Some(buyer.id),
        sender_name: "访客".into(),
        client_msg_id: None,
        content: MessageContent::parse(MessageKind::Image, "", Some(id)).unwrap(),
        external_id: None,
    };
    let carried = crate::send(&store, picture(tenant, c.id, sent)).await;
    assert_eq!(
        carried.message.attachment.map(|a| (a.id, a.size_bytes)),
        Some((sent, 2048))
    );
    let theirs = crate::conversation(&store, other.tenant.id, &other.buyer).await;
    let refused = store
        .append_batch(&[picture(other.tenant.id, theirs.id, unsent)])
        .await
        .unwrap();
    assert!(matches!(
        refused[0],
        Err(StoreError::NotFound("attachment"))
    ));

    // A knowledge base answer names one.
    let entry = serde_json::json!({ "question": "长什么样", "answer": { "image": answer } });
    store
        .upsert_kb_entries(tenant, &[("looks".to_owned(), entry)], None, |_| vec![])
        .await
        .unwrap();

    // A quick phrase shows one (WB-3).
    let with_picture = kefu_domain::phrases::PhraseInput {
        scope: kefu_domain::phrases::PhraseScope::Shop,
        team: None,
        category: None,
        shortcut: None,
        text: "实拍图".to_owned(),
        image: Some(phrase),
        product_code: None,
    }
    .check()
    .unwrap();
    store
        .add_phrase(tenant, None, &with_picture, |_| vec![])
        .await
        .unwrap();

    let mut swept = store.unsent_attachments(now_ms() + 1_000).await.unwrap();
    swept.sort();
    let mut expected = vec![
        (unsent, "ab/unsent".to_owned()),
        (forgotten, "ab/forgotten".to_owned()),
    ];
    expected.sort();
    assert_eq!(swept, expected);
    assert!(
        store.unsent_attachments(0).await.unwrap().is_empty(),
        "too young"
    );
    assert!(!store.delete_unsent_attachment(sent).await.unwrap());
    assert!(!store.delete_unsent_attachment(answer).await.unwrap());
    assert!(!store.delete_unsent_attachment(phrase).await.unwrap());
    assert!(store.delete_unsent_attachment(forgotten).await.unwrap());
    assert!(store.attachment(forgotten).await.unwrap().is_none());
    assert!(store.attachment(sent).await.unwrap().is_some());
}
