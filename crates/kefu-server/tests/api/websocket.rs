use std::time::Duration;

use serde_json::json;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::helpers::{TestApp, text_frame};

#[tokio::test]
async fn a_retried_websocket_send_is_acked_twice_and_stored_once() {
    let app = TestApp::spawn().await;
    let buyer = app.buyer("shanye-tea").await;
    let mut socket = buyer.socket(Some(0)).await;
    socket.send(text_frame("retry-1", "物流到哪了？")).await;
    let first = socket.next_of("ack").await;
    assert_eq!(first["duplicate"], false);
    // The client lost the ack and reconnects, then sends again with the same id.
    socket.close().await;
    let mut socket = buyer.socket(None).await;
    socket.send(text_frame("retry-1", "物流到哪了？")).await;
    let second = socket.next_of("ack").await;
    assert_eq!(second["duplicate"], true);
    assert_eq!(second["message_id"], first["message_id"]);
    assert_eq!(second["seq"], first["seq"]);
    assert_eq!(buyer.messages().await.len(), 1);
}

#[tokio::test]
async fn a_reconnecting_buyer_resumes_without_gap_or_duplicate() {
    let app = TestApp::spawn().await;
    let buyer = app.buyer("shanye-tea").await;
    let mut socket = buyer.socket(Some(0)).await;
    socket.send(text_frame("b1", "第一条")).await;
    socket.next_of("ack").await;
    let conversation = buyer.messages().await[0]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    socket.close().await;

    // While the buyer is away, the agent writes three replies.
    let agent = app.agent("tea-pre1").await;
    for i in 0..3 {
        agent
            .reply(&conversation, &format!("r{i}"), &format!("回复{i}"))
            .await;
    }

    // The buyer comes back having seen seq 1: it gets 2, 3, 4 exactly once, in order, then
    // live messages.
    let mut socket = buyer.socket(Some(1)).await;
    let mut seqs = vec![];
    for _ in 0..3 {
        let frame = socket.next_of("message").await;
        seqs.push(frame["message"]["seq"].as_i64().unwrap());
    }
    assert_eq!(seqs, [2, 3, 4]);
    agent.reply(&conversation, "r3", "还在吗").await;
    let live = socket.next_of("message").await;
    assert_eq!(live["message"]["seq"], 5);
    let rest = socket.drain(Duration::from_millis(300)).await;
    assert!(
        rest.iter().all(|f| f["type"] != "message"),
        "no duplicates: {rest:?}"
    );
}

/// The bus between processes delivers at most once. Two replies stored without being
/// announced (as if the bus lost them), then one announced: the buyer's socket gets all three,
/// in order, once each.
#[tokio::test]
async fn a_buyer_never_sees_a_gap_when_the_bus_loses_messages() {
    let app = TestApp::spawn().await;
    let buyer = app.buyer("shanye-tea").await;
    let mut socket = buyer.socket(Some(0)).await;
    socket.send(text_frame("b1", "在吗")).await;
    // The ack and the buyer's own message, in either order.
    let (mut ack, mut own) = (None, None);
    while ack.is_none() || own.is_none() {
        let frame = socket.next().await;
        match frame["type"].as_str() {
            Some("ack") => ack = Some(frame),
            Some("message") => own = Some(frame),
            _ => {}
        }
    }
    let conversation = ack.unwrap()["conversation_id"].as_str().unwrap().to_owned();
    assert_eq!(own.unwrap()["message"]["seq"], 1);

    let state = app.state.as_ref().unwrap();
    let tenant = state
        .store
        .tenant_by_slug("shanye-tea")
        .await
        .unwrap()
        .unwrap();
    let lost: Vec<_> = ["丢了的一", "丢了的二"]
        .iter()
        .map(|text| kefu_store::AppendRequest {
            tenant_id: tenant.id,
            conversation_id: conversation.parse().unwrap(),
            sender_kind: kefu_domain::message::SenderKind::System,
            sender_id: None,
            sender_name: "系统".to_owned(),
            client_msg_id: None,
            content: kefu_domain::message::MessageContent::parse(
                kefu_domain::message::MessageKind::Text,
                text,
                None,
            )
            .unwrap(),
            external_id: None,
        })
        .collect();
    for stored in state.store.append_batch(&lost).await.unwrap() {
        stored.unwrap();
    }

    let agent = app.agent("tea-pre1").await;
    agent.reply(&conversation, "r1", "补上了吗").await;
    let mut heard = vec![];
    for _ in 0..3 {
        let frame = socket.next_of("message").await;
        heard.push((
            frame["message"]["seq"].as_i64().unwrap(),
            frame["message"]["body"].as_str().unwrap().to_owned(),
        ));
    }
    assert_eq!(
        heard,
        [
            (2, "丢了的一".to_owned()),
            (3, "丢了的二".to_owned()),
            (4, "补上了吗".to_owned())
        ]
    );
    let rest = socket.drain(Duration::from_millis(300)).await;
    assert!(
        rest.iter().all(|f| f["type"] != "message"),
        "no duplicates: {rest:?}"
    );
}

#[tokio::test]
async fn agents_see_buyers_live_and_buyers_see_replies_typing_and_reads() {
    let app = TestApp::spawn().await;
    let agent = app.agent("tea-pre1").await;
    let mut agent_socket = agent.socket().await;
    let buyer = app.buyer("shanye-tea").await;
    let mut buyer_socket = buyer.socket(Some(0)).await;

    buyer_socket.send(text_frame("b1", "你好")).await;
    let ack = buyer_socket.next_of("ack").await;
    let conversation = ack["conversation_id"].as_str().unwrap().to_owned();
    let seen = agent_socket.next_of("message").await;
    assert_eq!(seen["message"]["body"], "你好");
    let update = agent_socket.next_of("conversation").await;
    assert_eq!(update["conversation"]["unread_count"], 1);

    buyer_socket.send(json!({"type": "typing"})).await;
    let typing = agent_socket.next_of("typing").await;
    assert_eq!(typing["party"], "buyer");
    assert_eq!(typing["conversation_id"], conversation.as_str());

    agent_socket
        .send(json!({"type": "read", "conversation_id": conversation, "seq": 1}))
        .await;
    let read = buyer_socket.next_of("read").await;
    assert_eq!(
        (read["party"].as_str(), read["seq"].as_i64()),
        (Some("agent"), Some(1))
    );

    agent_socket
        .send(json!({"type": "typing", "conversation_id": conversation}))
        .await;
    assert_eq!(buyer_socket.next_of("typing").await["party"], "agent");

    agent_socket
        .send(json!({"type": "send", "conversation_id": conversation, "client_msg_id": "a1", "kind": "text", "body": "您好！"}))
        .await;
    assert_eq!(agent_socket.next_of("ack").await["seq"], 2);
    let reply = buyer_socket.next_of("message").await;
    assert_eq!(reply["message"]["body"], "您好！");
    assert_eq!(reply["message"]["sender_name"], "售前·小雨");

    buyer_socket.send(json!({"type": "read", "seq": 2})).await;
    let buyer_read = agent_socket.next_of("read").await;
    assert_eq!(
        (buyer_read["party"].as_str(), buyer_read["seq"].as_i64()),
        (Some("buyer"), Some(2))
    );
}

#[tokio::test]
async fn unknown_malformed_oversize_and_binary_frames_get_errors_and_change_nothing() {
    let app = TestApp::spawn().await;
    let buyer = app.buyer("shanye-tea").await;
    let mut socket = buyer.socket(Some(0)).await;
    let cases = [
        (
            json!({"type": "launch_rocket"}).to_string(),
            "unknown_frame_type",
        ),
        ("{\"type\":\"send\"".to_owned(), "malformed_frame"),
        (
            json!({"type": "send", "kind": "text", "body": "x"}).to_string(),
            "malformed_frame",
        ),
        (
            text_frame("long", &"好".repeat(5001)).to_string(),
            "message_too_long",
        ),
        (
            format!(
                "{{\"type\":\"ping\",\"pad\":\"{}\"}}",
                "a".repeat(70 * 1024)
            ),
            "frame_too_large",
        ),
    ];
    for (frame, code) in cases {
        socket.send_raw(WsMessage::Text(frame.into())).await;
        let error = socket.next_of("error").await;
        assert_eq!(error["code"], code);
    }
    socket
        .send_raw(WsMessage::Binary(vec![0xff, 0x00].into()))
        .await;
    assert_eq!(
        socket.next_of("error").await["code"],
        "binary_not_supported"
    );
    // The session is still usable and nothing was stored.
    socket.send(json!({"type": "ping"})).await;
    assert_eq!(socket.next_of("pong").await["type"], "pong");
    assert!(buyer.messages().await.is_empty());
}

#[tokio::test]
async fn sends_beyond_the_rate_limit_are_refused() {
    let app = TestApp::spawn_with(|s| s.limits.messages_per_second = 2).await;
    let buyer = app.buyer("shanye-tea").await;
    let mut socket = buyer.socket(Some(0)).await;
    for i in 0..8 {
        socket.send(text_frame(&format!("burst-{i}"), "刷屏")).await;
    }
    let mut acks = 0;
    let mut limited = 0;
    while acks + limited < 8 {
        let frame = socket.next().await;
        match frame["type"].as_str() {
            Some("ack") => acks += 1,
            Some("error") => {
                assert_eq!(frame["code"], "rate_limited");
                limited += 1;
            }
            _ => {}
        }
    }
    assert!(limited > 0 && acks >= 4, "acks {acks}, limited {limited}");
    assert_eq!(buyer.messages().await.len(), acks);
}

#[tokio::test]
async fn shutdown_closes_sessions_with_a_restart_code() {
    let app = TestApp::spawn().await;
    let buyer = app.buyer("shanye-tea").await;
    let url = app.ws_url(&format!("/api/v1/buyer/ws?token={}", buyer.token));
    let (mut stream, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    use futures::StreamExt;
    let hello = stream.next().await.unwrap().unwrap();
    assert!(hello.is_text());
    let stopping = tokio::spawn(app.stop());
    let mut close_code = None;
    while let Some(Ok(message)) = stream.next().await {
        if let WsMessage::Close(Some(frame)) = message {
            close_code = Some(u16::from(frame.code));
            break;
        }
    }
    assert_eq!(close_code, Some(1012));
    stopping.await.unwrap();
}

#[tokio::test]
async fn a_reconnecting_buyer_learns_how_far_the_team_has_read() {
    let app = TestApp::spawn().await;
    let buyer = app.buyer("shanye-tea").await;
    buyer.send("b1", "看到了吗").await;
    buyer.send("b2", "还在吗").await;
    let agent = app.agent("tea-pre1").await;
    let conversation = agent.conversations("open").await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    agent
        .post(
            &format!("/api/v1/conversations/{conversation}/read"),
            json!({"seq": 2}),
        )
        .await;
    let mut socket = buyer.socket(Some(2)).await;
    let read = socket.next_of("read").await;
    assert_eq!(
        (read["party"].as_str(), read["seq"].as_i64()),
        (Some("agent"), Some(2))
    );
}

#[tokio::test]
async fn an_agent_coming_online_hears_its_own_presence() {
    let app = TestApp::spawn().await;
    let agent = app.agent("tea-pre2").await;
    let mut socket = agent.socket().await;
    let presence = socket.next_of("presence").await;
    assert_eq!(presence["user_id"], agent.user_id.to_string());
    assert_eq!(presence["status"], "online");
    let me: serde_json::Value = agent.get("/api/v1/auth/me").await.json().await.unwrap();
    assert_eq!(me["user"]["status"], "online");
}

#[tokio::test]
async fn an_agent_socket_closes_once_its_session_ends() {
    let app = TestApp::spawn().await;
    let agent = app.agent("tea-pre1").await;
    let url = app.ws_url(&format!("/api/v1/agent/ws?token={}", agent.token));
    let (mut stream, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let logout = agent.post("/api/v1/auth/logout", json!({})).await;
    assert_eq!(logout.status(), reqwest::StatusCode::NO_CONTENT);
    // The next heartbeat (every 20 s) notices and closes with 1008.
    use futures::StreamExt;
    let code = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(Ok(message)) = stream.next().await {
            if let WsMessage::Close(Some(frame)) = message {
                return Some(u16::from(frame.code));
            }
        }
        None
    })
    .await
    .unwrap();
    assert_eq!(code, Some(1008));
}

/// A client may keep many sends in flight on one socket: they are stored in the order sent,
/// answered in that order, and every agent sees them in seq order.
#[tokio::test]
async fn pipelined_sends_are_stored_acked_and_announced_in_order() {
    let app = TestApp::spawn().await;
    let agent = app.agent("tea-pre1").await;
    let mut agent_socket = agent.socket().await;
    let buyer = app.buyer("shanye-tea").await;
    let mut socket = buyer.socket(Some(0)).await;
    for i in 0..30 {
        socket
            .send(text_frame(&format!("p{i}"), &format!("第{i}条")))
            .await;
    }
    let mut acked = vec![];
    for _ in 0..30 {
        let ack = socket.next_of("ack").await;
        acked.push((
            ack["client_msg_id"].as_str().unwrap().to_owned(),
            ack["seq"].as_i64().unwrap(),
        ));
    }
    let expected: Vec<(String, i64)> = (0..30).map(|i| (format!("p{i}"), i + 1)).collect();
    assert_eq!(acked, expected);

    let mut announced = vec![];
    for _ in 0..30 {
        let frame = agent_socket.next_of("message").await;
        announced.push(frame["message"]["seq"].as_i64().unwrap());
    }
    assert_eq!(announced, (1..=30).collect::<Vec<_>>());
    let stored: Vec<String> = buyer
        .messages()
        .await
        .iter()
        .map(|m| m["body"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        stored,
        (0..30).map(|i| format!("第{i}条")).collect::<Vec<_>>()
    );
}

/// Issue #14 (6): a client that breaks the WebSocket protocol hears why before the socket
/// closes (RFC 6455 §7.4.1): 1007 for a text frame that is not UTF-8, 1002 for a protocol
/// error, 1009 for a message above the transport's limit.
#[tokio::test]
async fn protocol_errors_close_the_socket_with_their_code() {
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::protocol::frame::Frame;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

    let app = TestApp::spawn().await;
    let buyer = app.buyer("shanye-tea").await;
    let not_utf8 = Frame::message(vec![0xe4, 0xbd], OpCode::Data(Data::Text), true);
    let stray_continuation = Frame::message(b"tail".to_vec(), OpCode::Data(Data::Continue), true);
    let too_big = WsMessage::Text("a".repeat(1024 * 1024 + 1).into());
    let cases = [
        (WsMessage::Frame(not_utf8), 1007),
        (WsMessage::Frame(stray_continuation), 1002),
        (too_big, 1009),
    ];
    for (message, expected) in cases {
        let url = app.ws_url(&format!("/api/v1/buyer/ws?token={}", buyer.token));
        let (mut stream, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        let hello = stream.next().await.unwrap().unwrap();
        assert!(hello.is_text());
        // The server may close while a large message is still being written.
        let _ = stream.send(message).await;
        let mut code = None;
        while let Ok(Some(Ok(frame))) =
            tokio::time::timeout(Duration::from_secs(5), stream.next()).await
        {
            if let WsMessage::Close(close) = frame {
                code = close.map(|c| u16::from(c.code));
                break;
            }
        }
        assert_eq!(code, Some(expected));
    }
    // Nothing of it was stored, and the buyer can still talk.
    let mut socket = buyer.socket(Some(0)).await;
    socket.send(text_frame("after", "还在吗")).await;
    assert_eq!(socket.next_of("ack").await["duplicate"], false);
    assert_eq!(buyer.messages().await.len(), 1);
}

/// Issue #14: an agent whose client stops reading is dropped once a message has waited
/// `limits.socket_send_seconds` for it (or its queue overflows); it never holds memory
/// without bound, and the rest of the team hears every message on time meanwhile.
#[tokio::test]
async fn a_client_that_stops_reading_is_dropped_and_holds_up_nobody() {
    use futures::StreamExt;

    let app = TestApp::spawn_with(|s| {
        s.limits.socket_send_seconds = 2;
        s.limits.messages_per_second = 10_000;
    })
    .await;
    let reader = app.agent("tea-pre1").await;
    let mut reading = reader.socket().await;
    let stalled = app.agent("tea-pre2").await;
    let url = app.ws_url(&format!("/api/v1/agent/ws?token={}", stalled.token));
    let (mut stuck, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    assert!(stuck.next().await.unwrap().unwrap().is_text()); // hello; then it reads no more
    let buyer = app.buyer("shanye-tea").await;
    let mut buyer_socket = buyer.socket(Some(0)).await;

    // About 12 MB of messages: far more than the loopback socket buffers hold.
    let body = "慢".repeat(4_000);
    let total = 1_000;
    let mut heard = 0;
    for round in 0..total / 50 {
        for i in 0..50 {
            let id = format!("m{}", round * 50 + i);
            buyer_socket.send(text_frame(&id, &body)).await;
        }
        for _ in 0..50 {
            buyer_socket.next_of("ack").await;
        }
        while heard < (round + 1) * 50 {
            reading.next_of("message").await;
            heard += 1;
        }
    }
    assert_eq!(heard, total);

    // The stalled client, reading again, finds its socket cut before the end.
    let mut delivered = 0;
    loop {
        match tokio::time::timeout(Duration::from_secs(10), stuck.next()).await {
            Ok(Some(Ok(WsMessage::Text(text)))) if text.as_str().contains("\"message\"") => {
                delivered += 1
            }
            Ok(Some(Ok(WsMessage::Close(_)))) | Ok(Some(Err(_))) | Ok(None) => break,
            Ok(Some(Ok(_))) => {}
            Err(_) => panic!("the stalled socket was neither cut nor finished"),
        }
    }
    assert!(
        delivered < total,
        "the stalled client got all {total} messages"
    );
}
