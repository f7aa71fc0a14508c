use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

pub const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

#[tokio::test]
async fn a_buyer_sends_a_picture_the_agent_can_open() {
    let app = TestApp::spawn().await;
    let buyer = app.buyer("shanye-tea").await;
    let uploaded = buyer.upload("破损照片.png", PNG.to_vec()).await;
    assert_eq!(uploaded.status(), StatusCode::CREATED);
    let attachment: Value = uploaded.json().await.unwrap();
    assert_eq!(attachment["content_type"], "image/png");
    assert_eq!(attachment["file_name"], "破损照片.png");

    let sent = buyer
        .http
        .post(app.url("/api/v1/buyer/messages"))
        .bearer_auth(&buyer.token)
        .json(&json!({"client_msg_id": "pic", "kind": "image", "attachment_id": attachment["id"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), StatusCode::CREATED);

    let agent = app.agent("tea-after1").await;
    let conversation = agent.conversations("open").await[0].clone();
    assert_eq!(conversation["last_message_preview"], "[图片]");
    let messages = agent.messages(conversation["id"].as_str().unwrap()).await;
    let url = messages[0]["attachment"]["url"].as_str().unwrap();
    let file = app.http.get(app.url(url)).send().await.unwrap();
    assert_eq!(file.status(), StatusCode::OK);
    assert_eq!(file.headers()["content-type"], "image/png");
    assert_eq!(file.bytes().await.unwrap().as_ref(), PNG);

    // A tampered signature opens nothing.
    let tampered = url.replace("sig=", "sig=00");
    assert_eq!(
        app.http
            .get(app.url(&tampered))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn wrong_types_and_oversize_files_are_refused_and_nothing_is_stored() {
    let app = TestApp::spawn_with(|s| s.limits.max_image_bytes = 1024).await;
    let buyer = app.buyer("shanye-tea").await;

    // An executable renamed to .png is judged by its bytes.
    let exe = buyer
        .upload("cat.png", b"MZ\x90\0\x03\0\0\0\x04\0".to_vec())
        .await;
    assert_eq!(exe.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        exe.json::<Value>().await.unwrap()["code"],
        "unsupported_file_type"
    );

    let mut big = PNG.to_vec();
    big.resize(2048, 0);
    let oversize = buyer.upload("big.png", big).await;
    assert_eq!(oversize.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        oversize.json::<Value>().await.unwrap()["code"],
        "file_too_large"
    );

    let empty = buyer.upload("empty.txt", vec![]).await;
    assert_eq!(empty.json::<Value>().await.unwrap()["code"], "file_empty");

    // A body that is not multipart at all answers with a code too (schema fuzzing found a
    // plain-text 400 here).
    let not_multipart = app
        .http
        .post(app.url("/api/v1/buyer/attachments"))
        .bearer_auth(&buyer.token)
        .body("a file?")
        .send()
        .await
        .unwrap();
    assert_eq!(not_multipart.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        not_multipart.json::<Value>().await.unwrap()["code"],
        "invalid_multipart"
    );

    let stored = std::fs::read_dir(app.data_dir.join("attachments"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(stored, 0, "no file was written");
}

#[tokio::test]
async fn an_attachment_of_another_shop_cannot_be_sent() {
    let app = TestApp::spawn().await;
    let other = app.buyer("chaowan-digital").await;
    let attachment: Value = other
        .upload("a.pdf", b"%PDF-1.7 test".to_vec())
        .await
        .json()
        .await
        .unwrap();
    let buyer = app.buyer("shanye-tea").await;
    let sent = buyer
        .http
        .post(app.url("/api/v1/buyer/messages"))
        .bearer_auth(&buyer.token)
        .json(&json!({"client_msg_id": "steal", "kind": "file", "attachment_id": attachment["id"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        sent.json::<Value>().await.unwrap()["code"],
        "attachment_not_found"
    );
}

#[tokio::test]
async fn uploads_beyond_the_per_minute_limit_are_refused() {
    let app = TestApp::spawn_with(|s| s.limits.uploads_per_minute = 2).await;
    let buyer = app.buyer("shanye-tea").await;
    for _ in 0..2 {
        assert_eq!(
            buyer.upload("a.txt", b"ok".to_vec()).await.status(),
            StatusCode::CREATED
        );
    }
    let third = buyer.upload("a.txt", b"ok".to_vec()).await;
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(third.json::<Value>().await.unwrap()["code"], "rate_limited");
}

#[tokio::test]
async fn uploads_nobody_sent_are_swept_and_sent_ones_stay() {
    let app = TestApp::spawn().await;
    let buyer = app.buyer("shanye-tea").await;
    let kept: Value = buyer
        .upload("kept.pdf", b"%PDF-1.7 kept".to_vec())
        .await
        .json()
        .await
        .unwrap();
    let dropped: Value = buyer
        .upload("dropped.pdf", b"%PDF-1.7 dropped".to_vec())
        .await
        .json()
        .await
        .unwrap();
    buyer
        .http
        .post(app.url("/api/v1/buyer/messages"))
        .bearer_auth(&buyer.token)
        .json(&json!({"client_msg_id": "f", "kind": "file", "attachment_id": kept["id"]}))
        .send()
        .await
        .unwrap();

    let state = app.state.as_ref().unwrap();
    let far_future = i64::MAX / 2;
    let removed = kefu_server::jobs::housekeeping::sweep_unsent(state, far_future)
        .await
        .unwrap();
    assert_eq!(removed, 1);
    let files = |name: &Value| {
        let id = name["id"].as_str().unwrap().to_owned();
        app.data_dir
            .join("attachments")
            .read_dir()
            .unwrap()
            .flat_map(|tenant| {
                tenant
                    .unwrap()
                    .path()
                    .read_dir()
                    .unwrap()
                    .map(|f| f.unwrap().file_name())
            })
            .any(|f| f.to_string_lossy() == id)
    };
    assert!(files(&kept), "a sent file stays");
    assert!(!files(&dropped), "an unsent file goes");
    let link = app
        .http
        .get(app.url(kept["url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(link.status(), StatusCode::OK);
    let gone = app
        .http
        .get(app.url(dropped["url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
}
