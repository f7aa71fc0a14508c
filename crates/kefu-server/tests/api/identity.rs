use jsonwebtoken::{EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

#[tokio::test]
async fn a_returning_buyer_token_keeps_the_same_buyer_and_history() {
    let app = TestApp::spawn().await;
    let buyer = app.buyer("shanye-tea").await;
    buyer.send("m1", "上次问的茶叶").await;
    let back = app
        .buyer_with(json!({"shop": "shanye-tea", "buyer_token": buyer.token}))
        .await;
    assert_eq!(back.buyer_id, buyer.buyer_id);
    assert_eq!(back.messages().await.len(), 1);
    assert!(back.session["conversation_id"].is_string());
}

#[tokio::test]
async fn a_shop_signed_identity_is_the_same_buyer_on_every_device() {
    let app = TestApp::spawn().await;
    // The shop's identity secret is what its site signs with (shown to its admins).
    let store = &app.state.as_ref().unwrap().store;
    let tenant = store.tenant_by_slug("shanye-tea").await.unwrap().unwrap();
    let secret = store
        .tenant_identity_secret(tenant.id)
        .await
        .unwrap()
        .unwrap();
    let sign = |key: &str| {
        jsonwebtoken::encode(
            &Header::default(),
            &json!({"sub": "member-1001", "name": "老顾客周女士", "exp": 4_102_444_800i64}),
            &EncodingKey::from_secret(key.as_bytes()),
        )
        .unwrap()
    };
    let phone = app
        .buyer_with(json!({"shop": "shanye-tea", "identity": sign(&secret)}))
        .await;
    let laptop = app
        .buyer_with(json!({"shop": "shanye-tea", "identity": sign(&secret)}))
        .await;
    assert_eq!(phone.buyer_id, laptop.buyer_id);
    assert_eq!(phone.session["buyer"]["display_name"], "老顾客周女士");
    phone.send("p1", "手机上问的").await;
    assert_eq!(laptop.messages().await.len(), 1);

    let forged = app
        .http
        .post(app.url("/api/v1/buyer/session"))
        .json(&json!({"shop": "shanye-tea", "identity": sign("guessed-secret")}))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        forged.json::<Value>().await.unwrap()["code"],
        "invalid_identity"
    );
}

#[tokio::test]
async fn an_unknown_shop_is_a_clear_404() {
    let app = TestApp::spawn().await;
    let response = app
        .http
        .post(app.url("/api/v1/buyer/session"))
        .json(&json!({"shop": "no-such-shop"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        response.json::<Value>().await.unwrap()["code"],
        "shop_not_found"
    );
}
