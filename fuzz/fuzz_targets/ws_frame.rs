//! A WebSocket text frame from a buyer or an agent (CH-1, `docs/websocket.md`): parsed as the
//! sessions parse it, then a send's content and client message id checked as the inbound
//! door checks them before anything is stored.
#![no_main]

use kefu_domain::frames::ClientFrame;
use kefu_domain::message::{MessageContent, parse_client_msg_id};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The transport refuses text frames that are not UTF-8 (close code 1007).
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let frame = match ClientFrame::parse(text) {
        Ok(frame) => frame,
        Err(error) => {
            let _ = error.code();
            let _ = error.to_string();
            return;
        }
    };
    if let ClientFrame::Send {
        client_msg_id,
        kind,
        body,
        attachment_id,
        ..
    } = frame
    {
        let _ = parse_client_msg_id(&client_msg_id);
        if let Ok(content) = MessageContent::parse(kind, &body, attachment_id) {
            let _ = content.preview();
            let _ = content.card_ref();
        }
    }
});
