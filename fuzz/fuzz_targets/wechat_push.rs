//! What WeChat (or anyone knowing a channel's callback URL) posts to kefu (issue #21): the
//! XML of a push, the safe mode's encrypted message, and the whole callback check.
//!
//! The first byte picks the mode. 0: the rest is a plain push's XML, read. 1: the rest is an
//! `Encrypt` value, decrypted with a channel's key. 2: the rest is a message, encrypted and
//! signed as WeChat would, then read back through the callback check, so that what comes
//! after the signature (the decryption, the XML) is reached as it is for real pushes.
//! 3: the same for WeCom 微信客服's notice. 4: the rest is a `sync_msg` page (JSON), read
//! with every message's content. 5: the rest is a Douyin webhook's body, signed as Douyin
//! would and read back through the signature check (CHANNELS.md §4). 6: the rest is a phone
//! line's call record, TCCC's and the generic one, and an `Authorization` header
//! (CHANNELS.md §8). 7: the rest is a raw mail, read, folded and threaded (CHANNELS.md §7).
#![no_main]

use kefu_channels::wechat_mp::{CallbackQuery, Pushed, read_push};
use kefu_channels::wecom_kf::{KfQuery, SyncPage, read_notice};
use kefu_channels::wxcrypt::WxCrypt;
use kefu_channels::xml::fields;
use kefu_channels::{douyin, email, phone};
use libfuzzer_sys::fuzz_target;

const TOKEN: &str = "fuzztoken";
const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const APP_ID: &str = "wxfuzz0000000001";

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let Ok(crypt) = WxCrypt::new(TOKEN, KEY, APP_ID) else {
        return;
    };
    match mode % 8 {
        0 => {
            let _ = fields(&text);
            let _ = Pushed::parse(&text);
        }
        1 => {
            let _ = crypt.decrypt(&text);
        }
        3 => {
            let encrypted = crypt.encrypt_with(&[7; 16], &text);
            let query = KfQuery {
                msg_signature: crypt.sign("1", "n", &encrypted),
                timestamp: "1".into(),
                nonce: "n".into(),
                echostr: None,
            };
            let body = format!("<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>");
            let _ = read_notice(&crypt, &query, &body);
        }
        4 => {
            if let Ok(page) = serde_json::from_str::<SyncPage>(&text) {
                for message in page.messages().flatten() {
                    let _ = (message.content(), message.origin(), message.dedupe_key());
                }
            }
        }
        5 => {
            let signed = douyin::signature("fuzz-secret", rest);
            if douyin::verify("fuzz-secret", rest, &signed).is_ok()
                && let Ok(douyin::Event::Received(message)) = douyin::read_event(rest)
            {
                let _ = (message.line(), message.dedupe_key());
            }
        }
        6 => {
            for call in [phone::read_tccc(rest), phone::read_generic(rest)]
                .into_iter()
                .flatten()
            {
                let _ = (call.line(), phone::normalize_number(call.customer_number()));
            }
            let _ = phone::check_auth("fuzz-line-password", &text);
        }
        7 => {
            if let Ok(mail) = email::read(rest) {
                let _ = (
                    email::thread_of(&mail, "support@shop.example"),
                    email::line(&mail, true),
                    email::reply_subject(&mail.subject),
                );
            }
        }
        _ => {
            let encrypted = crypt.encrypt_with(&[7; 16], &text);
            let query = CallbackQuery {
                signature: crypt.sign_plain("1", "n"),
                timestamp: "1".into(),
                nonce: "n".into(),
                encrypt_type: Some("aes".into()),
                msg_signature: Some(crypt.sign("1", "n", &encrypted)),
                ..Default::default()
            };
            let body = format!("<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>");
            let read = read_push(TOKEN, Some(&crypt), true, &query, &body);
            // What decrypts is the message itself.
            if let Ok(pushed) = read {
                assert_eq!(Pushed::parse(&text).ok(), Some(pushed));
            }
        }
    }
});
