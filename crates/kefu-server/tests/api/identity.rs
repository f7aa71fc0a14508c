use jsonwebtoken::{EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// A member login as a shop's site signs it with `key` (HS256), valid until 2100.
fn member_token(key: &str, sub: &str, name: &str) -> String {
    jsonwebtoken::encode(
        &Header::default(),
        &json!({"sub": sub, "name": name, "exp": 4_102_444_800i64}),
        &EncodingKey::from_secret(key.as_bytes()),
    )
    .unwrap()
}

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
        .identity_secrets(tenant.id)
        .await
        .unwrap()
        .unwrap()
        .current;
    let sign = |key: &str| member_token(key, "member-1001", "老顾客周女士");
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

/// Issue #15 part 3 (CH-2): the super admin sees the identity secret on request and rotates
/// it; through the grace period tokens signed with the old one still work, after it (or once
/// the grace is ended) they are refused. Every look and change is audited; nobody else,
/// not even a supervisor granted `settings.manage`, sees it.
#[tokio::test]
async fn the_super_admin_reveals_and_rotates_the_identity_secret_with_a_grace_period() {
    let app = TestApp::spawn().await;
    let admin = app.agent("tea-admin").await;
    let old = app.identity_secret("shanye-tea").await;
    let sign = |key: &str| member_token(key, "member-2001", "王女士");
    let session = |token: String| {
        app.http
            .post(app.url("/api/v1/buyer/session"))
            .json(&json!({"shop": "shanye-tea", "identity": token}))
            .send()
    };

    let status = admin.get_json("/api/v1/settings/identity-secret").await;
    assert_eq!(
        status,
        json!({"rotated_at": null, "previous_valid_until": null})
    );
    let revealed: Value = admin
        .post("/api/v1/settings/identity-secret/reveal", json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(revealed["secret"], old.as_str());

    // A supervisor with a group granting settings.manage still may not see it.
    let group: Value = admin
        .post(
            "/api/v1/permission-groups",
            json!({"name": "设置", "permissions": ["settings.manage"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let lead_id = admin.get_json("/api/v1/accounts").await["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == "tea-lead")
        .unwrap()["id"]
        .clone();
    admin
        .post(
            &format!(
                "/api/v1/permission-groups/{}/grants",
                group["id"].as_str().unwrap()
            ),
            json!({"user_ids": [lead_id]}),
        )
        .await;
    let lead = app.agent("tea-lead").await;
    for path in ["reveal", "rotate"] {
        let refused = lead
            .post(
                &format!("/api/v1/settings/identity-secret/{path}"),
                json!({}),
            )
            .await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{path}");
    }

    let too_long = admin
        .post(
            "/api/v1/settings/identity-secret/rotate",
            json!({"grace_hours": 169}),
        )
        .await;
    assert_eq!(too_long.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        too_long.json::<Value>().await.unwrap()["code"],
        "invalid_grace"
    );
    assert_eq!(
        app.identity_secret("shanye-tea").await,
        old,
        "nothing changed"
    );

    let rotated: Value = admin
        .post(
            "/api/v1/settings/identity-secret/rotate",
            json!({"grace_hours": 2}),
        )
        .await
        .json()
        .await
        .unwrap();
    let new = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert_eq!(new.len(), 64);
    let until = rotated["previous_valid_until"].as_i64().unwrap();
    let in_two_hours = kefu_domain::time::now_ms() + 2 * 3_600_000;
    assert!(
        (in_two_hours - 60_000..=in_two_hours).contains(&until),
        "{rotated}"
    );
    assert!(rotated["rotated_at"].is_i64());
    // Both secrets verify through the grace; a guess does not.
    for key in [&old, &new] {
        let ok = session(sign(key)).await.unwrap();
        assert_eq!(ok.status(), StatusCode::OK);
    }
    let guessed = session(sign("guessed")).await.unwrap();
    assert_eq!(guessed.status(), StatusCode::BAD_REQUEST);

    // Ending the grace: the old secret is refused from now on.
    let ended = admin
        .http
        .delete(app.url("/api/v1/settings/identity-secret/previous"))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(ended.status(), StatusCode::OK);
    assert_eq!(
        ended.json::<Value>().await.unwrap()["previous_valid_until"],
        Value::Null
    );
    let stale = session(sign(&old)).await.unwrap();
    assert_eq!(stale.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        stale.json::<Value>().await.unwrap()["code"],
        "invalid_identity"
    );
    assert_eq!(session(sign(&new)).await.unwrap().status(), StatusCode::OK);

    // Rotating without a grace refuses the old one at once.
    let third: Value = admin
        .post(
            "/api/v1/settings/identity-secret/rotate",
            json!({"grace_hours": 0}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(third["previous_valid_until"], Value::Null);
    assert_eq!(
        session(sign(&new)).await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );

    let audit = admin.get_json("/api/v1/audit?action=identity_secret").await;
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "identity_secret.rotate")
            .count(),
        2,
        "{actions:?}"
    );
    assert!(actions.contains(&"identity_secret.reveal"));
    assert!(actions.contains(&"identity_secret.end_grace"));
    let text = audit.to_string();
    assert!(
        !text.contains(&new) && !text.contains(&old),
        "no secret in the audit log"
    );
}

/// docs/entry-links.md's Python example (standard library only) signs a member login that
/// kefu accepts: the doc's block is run as written.
#[tokio::test]
async fn the_documented_backend_example_signs_a_member_login_kefu_accepts() {
    let app = TestApp::spawn().await;
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/entry-links.md"
    ))
    .unwrap();
    let block = doc
        .split("```python\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a python block in docs/entry-links.md");
    let output = std::process::Command::new("python3")
        .args(["-c", block])
        .env(
            "KEFU_IDENTITY_SECRET",
            app.identity_secret("shanye-tea").await,
        )
        .output()
        .expect("python3");
    assert!(output.status.success(), "{output:?}");
    let token = String::from_utf8(output.stdout).unwrap();
    let session: Value = app
        .http
        .post(app.url("/api/v1/buyer/session"))
        .json(&json!({"shop": "shanye-tea", "identity": token.trim()}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(session["buyer"]["display_name"], "周女士", "{session}");
    assert_eq!(session["buyer"]["vip_level"], 2);
}
