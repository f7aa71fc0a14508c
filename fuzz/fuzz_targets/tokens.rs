//! Tokens that arrive from outside and are checked by signature: entry-link tokens (CH-2,
//! `docs/entry-links.md`), identity tokens a shop's site signs for its members (CH-6), buyer
//! tokens (CH-1) and signed file links.
//!
//! The first byte picks the mode. Tokens as sent: the rest of the input is the token itself,
//! as a buyer could forge it. Tokens as signed: the rest is a JWT header and claims (split at
//! the first line break) signed with the right secret, so that the claims are read and checked
//! past the signature, as they are for a shop's own links.
#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};
use kefu_server::auth::{Keys, verify_entry_token, verify_shop_identity};
use libfuzzer_sys::fuzz_target;

const SHOP_SECRET: &str = "fuzz-shop-identity-secret";
const BUYER_SECRET: &str = "fuzz-buyer-token-secret";

fn keys() -> &'static Keys {
    static KEYS: std::sync::OnceLock<Keys> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| Keys::from_secrets(BUYER_SECRET, "fuzz-file-link-secret"))
}

/// A JWT of `header` and `claims` as given, signed HS256 with `secret`.
fn signed(header: &[u8], claims: &[u8], secret: &str) -> Option<String> {
    let message = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let key = EncodingKey::from_secret(secret.as_bytes());
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &key, Algorithm::HS256).ok()?;
    Some(format!("{message}.{signature}"))
}

fn check_all(token: &str, shop_secret: &str) {
    let _ = verify_entry_token(token, shop_secret);
    let _ = verify_shop_identity(token, shop_secret);
    let _ = keys().verify_buyer_token(token);
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => {
            let Ok(token) = std::str::from_utf8(rest) else {
                return;
            };
            check_all(token, SHOP_SECRET);
        }
        1 => {
            let split = rest.iter().position(|&b| b == b'\n');
            let (header, claims) = match split {
                Some(i) => (&rest[..i], &rest[i + 1..]),
                None => (&br#"{"alg":"HS256","typ":"JWT"}"#[..], rest),
            };
            if let Some(token) = signed(header, claims, SHOP_SECRET) {
                let _ = verify_entry_token(&token, SHOP_SECRET);
                let _ = verify_shop_identity(&token, SHOP_SECRET);
            }
            if let Some(token) = signed(header, claims, BUYER_SECRET) {
                let _ = keys().verify_buyer_token(&token);
            }
        }
        _ => {
            // A file link's query: `<uuid>:<expires>:<signature>`.
            let Ok(text) = std::str::from_utf8(rest) else {
                return;
            };
            let mut parts = text.splitn(3, ':');
            let (Some(id), Some(expires), Some(signature)) =
                (parts.next(), parts.next(), parts.next())
            else {
                return;
            };
            if let (Ok(id), Ok(expires)) = (id.parse::<uuid::Uuid>(), expires.parse::<i64>()) {
                let _ = keys().verify_file_url(id, expires, signature);
            }
        }
    }
});
