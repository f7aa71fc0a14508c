//! After-sale requests (BOT-4): a flow files one for a buyer's order, which marks the order
//! `requested`; the shop lists its requests, newest first.

use kefu_domain::commerce::AfterSaleStatus;
use kefu_store::{AfterSaleRow, NewAfterSale, Store};
use uuid::Uuid;

use crate::order;

on_both_backends!(a_request_is_filed_and_marks_its_order);

async fn a_request_is_filed_and_marks_its_order(store: Store) {
    let shop = crate::shop(&store, "after-sales").await;
    let other = crate::shop(&store, "no-after-sales").await;
    let tenant = shop.tenant.id;
    store
        .upsert_orders(
            tenant,
            &[
                order("A1", "m1", "P1", 1_795_000_000_000),
                order("A2", "m1", "P1", 1_795_000_000_000),
            ],
        )
        .await
        .unwrap();
    let c = crate::conversation(&store, tenant, &shop.buyer).await;
    let photo = Uuid::now_v7();
    let first = store
        .create_after_sale(&NewAfterSale {
            tenant_id: tenant,
            order_no: "A1",
            conversation_id: Some(c.id),
            member_id: "m1",
            kind: "return_refund",
            sku_code: Some("P1-1"),
            item_title: Some("商品"),
            reason: "破损",
            detail: "盒子压坏了",
            photo_attachment_id: Some(photo),
        })
        .await
        .unwrap();
    assert_eq!(
        (
            first.order_no.as_str(),
            first.conversation_id,
            first.member_id.as_str(),
            first.kind.as_str(),
            first.sku_code.as_deref(),
            first.item_title.as_deref(),
        ),
        (
            "A1",
            Some(c.id),
            "m1",
            "return_refund",
            Some("P1-1"),
            Some("商品")
        )
    );
    assert_eq!(
        (
            first.reason.as_str(),
            first.detail.as_str(),
            first.photo_attachment_id,
            first.status.as_str()
        ),
        ("破损", "盒子压坏了", Some(photo), "requested")
    );
    assert!(first.case_no.starts_with("AS") && first.case_no.len() == 16);
    assert_eq!(
        store
            .order(tenant, "A1")
            .await
            .unwrap()
            .unwrap()
            .after_sale_status,
        AfterSaleStatus::Requested
    );
    assert_eq!(
        store
            .order(tenant, "A2")
            .await
            .unwrap()
            .unwrap()
            .after_sale_status,
        AfterSaleStatus::None
    );
    crate::tick().await;
    let second = store
        .create_after_sale(&NewAfterSale {
            tenant_id: tenant,
            order_no: "A2",
            conversation_id: None,
            member_id: "m1",
            kind: "exchange",
            sku_code: None,
            item_title: None,
            reason: "尺码不对",
            detail: "",
            photo_attachment_id: None,
        })
        .await
        .unwrap();
    let listed: Vec<AfterSaleRow> = store.after_sales(tenant, 10).await.unwrap();
    assert_eq!(listed, [second.clone(), first], "newest first");
    assert_eq!(store.after_sales(tenant, 1).await.unwrap(), [second]);
    assert!(
        store
            .after_sales(other.tenant.id, 10)
            .await
            .unwrap()
            .is_empty()
    );
}
