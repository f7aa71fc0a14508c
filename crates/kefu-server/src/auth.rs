//! Who is calling: agents by UI session cookie (CSRF-checked) or API bearer token, buyers by
//! a signed buyer token. Extractors here are the only way handlers learn the caller, and they
//! always carry the caller's tenant (ACC-1).

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use kefu_domain::account::User;
use kefu_domain::channel::Entry;
use kefu_domain::commerce::EntryContext;
use kefu_domain::error_code::ErrorCode;
use kefu_domain::role::{Permission, Permissions, effective_permissions};
use kefu_domain::time::now_ms;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::AppState;
use crate::error::ApiError;

pub const SESSION_COOKIE: &str = "kefu_session";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Buyer tokens last a year: the anonymous buyer keeps their history on this device.
const BUYER_TOKEN_MS: i64 = 365 * 24 * 3600 * 1000;

/// A fresh random secret, hex-encoded (256 bits).
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Password checks running at once. Each Argon2id run takes ~19 MiB and a core for a moment;
/// a flood of logins waits here instead of exhausting memory.
static PASSWORD_WORK: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

/// Argon2id, off the async threads.
pub async fn hash_password(password: String) -> Result<String, ApiError> {
    let _permit = PASSWORD_WORK
        .acquire()
        .await
        .map_err(|_| ErrorCode::Unavailable)?;
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| ApiError::Internal(format!("hashing failed: {e}")))
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
}

pub async fn verify_password(password: String, hash: String) -> bool {
    let Ok(_permit) = PASSWORD_WORK.acquire().await else {
        return false;
    };
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// Signing keys, shared by every process on the same database.
pub struct Keys {
    buyer_encoding: EncodingKey,
    buyer_decoding: DecodingKey,
    file_key: Vec<u8>,
}

impl Keys {
    pub async fn load(store: &kefu_store::Store) -> Result<Keys, kefu_store::StoreError> {
        let buyer = store
            .server_secret("buyer_token_key", &random_secret())
            .await?;
        let files = store
            .server_secret("file_url_key", &random_secret())
            .await?;
        Ok(Keys::from_secrets(&buyer, &files))
    }

    /// Keys from the buyer-token secret and the file-link secret, as `load` reads them (the
    /// fuzz targets make their own).
    pub fn from_secrets(buyer: &str, files: &str) -> Keys {
        Keys {
            buyer_encoding: EncodingKey::from_secret(buyer.as_bytes()),
            buyer_decoding: DecodingKey::from_secret(buyer.as_bytes()),
            file_key: files.as_bytes().to_vec(),
        }
    }

    pub fn issue_buyer_token(&self, claims: &BuyerClaims) -> Result<String, ApiError> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.buyer_encoding)
            .map_err(|e| ApiError::Internal(format!("signing failed: {e}")))
    }

    pub fn verify_buyer_token(&self, token: &str) -> Option<BuyerClaims> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub"]);
        jsonwebtoken::decode::<BuyerClaims>(token, &self.buyer_decoding, &validation)
            .ok()
            .map(|data| data.claims)
            .filter(|c| c.kind == "buyer")
    }

    fn file_mac(&self, id: Uuid, expires: i64) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.file_key)
            .expect("HMAC accepts keys of any length");
        mac.update(format!("{id}:{expires}").as_bytes());
        mac
    }

    /// A link to an attachment valid for at least a week; links made on the same day are
    /// identical, so browsers cache the file.
    pub fn file_url(&self, id: Uuid) -> String {
        const DAY_MS: i64 = 24 * 3600 * 1000;
        let expires = (now_ms() / DAY_MS + 8) * DAY_MS;
        format!(
            "/files/{id}?exp={expires}&sig={}",
            hex::encode(self.file_mac(id, expires).finalize().into_bytes())
        )
    }

    /// The seal of an evidence transcript (issue #20): HMAC-SHA256 of the document under a key
    /// derived from the file-link secret, in hex.
    pub fn seal(&self, document: &str) -> String {
        let mut derive = <Hmac<Sha256> as Mac>::new_from_slice(&self.file_key)
            .expect("HMAC accepts keys of any length");
        derive.update(b"kefu transcript seal v1");
        let key = derive.finalize().into_bytes();
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&key).expect("HMAC accepts keys of any length");
        mac.update(document.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// A signature of `text` for `purpose` (a link kefu gives out and takes back, such as a
    /// platform grant's state): HMAC-SHA256 under a key derived for that purpose, in hex.
    pub fn sign(&self, purpose: &str, text: &str) -> String {
        let mut derive = <Hmac<Sha256> as Mac>::new_from_slice(&self.file_key)
            .expect("HMAC accepts keys of any length");
        derive.update(format!("kefu signature v1: {purpose}").as_bytes());
        let key = derive.finalize().into_bytes();
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&key).expect("HMAC accepts keys of any length");
        mac.update(text.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    pub fn verify_file_url(&self, id: Uuid, expires: i64, signature: &str) -> bool {
        if expires < now_ms() {
            return false;
        }
        hex::decode(signature)
            .map(|sig| self.file_mac(id, expires).verify_slice(&sig).is_ok())
            .unwrap_or(false)
    }
}

/// What a buyer token says. Anonymous buyers are `anon:<uuid>`; buyers a shop's site vouched
/// for are `member:<their member id>` and are the same buyer on every device.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BuyerClaims {
    /// The buyer's id.
    pub sub: Uuid,
    pub tenant: Uuid,
    pub kind: String,
    pub entry: Entry,
    pub exp: i64,
}

impl BuyerClaims {
    pub fn new(tenant: Uuid, buyer: Uuid, entry: Entry) -> BuyerClaims {
        BuyerClaims {
            sub: buyer,
            tenant,
            kind: "buyer".to_owned(),
            entry,
            exp: (now_ms() + BUYER_TOKEN_MS) / 1000,
        }
    }
}

/// What a shop's site signs (HS256, with the shop's identity secret) to vouch for a shopper.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShopIdentity {
    /// The shop's own member id.
    pub sub: String,
    #[serde(default)]
    pub name: Option<String>,
    /// The member's level in the shop, 0–9 (WB-4: routing and queue priority).
    #[serde(default)]
    pub vip: Option<u8>,
    /// The member's phone, email and WeChat unionid, when the shop shares them: a buyer who
    /// calls, mails or writes on WeChat from one of them is this member (CH-6).
    /// Read leniently: a number is taken as its digits, anything else that is not text is
    /// left out, never failing the token (a shop's site signed these before kefu read them).
    #[serde(default, deserialize_with = "lenient_text")]
    pub phone: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub unionid: Option<String>,
    pub exp: i64,
}

fn lenient_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

impl ShopIdentity {
    /// The member's keys across channels: the member id and what else the shop shared
    /// (a key that is not well formed is left out).
    pub fn keys(&self) -> Vec<kefu_domain::profile::BuyerKey> {
        use kefu_domain::profile::BuyerKey;
        [
            BuyerKey::member(&self.sub),
            self.phone.as_deref().and_then(BuyerKey::phone),
            self.email.as_deref().and_then(BuyerKey::email),
            self.unionid.as_deref().and_then(BuyerKey::unionid),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

pub fn verify_shop_identity(token: &str, secret: &str) -> Option<ShopIdentity> {
    let validation = Validation::new(Algorithm::HS256);
    jsonwebtoken::decode::<ShopIdentity>(
        token,
        &DecodingKey::from_secret(secret.as_bytes()),
        &validation,
    )
    .ok()
    .map(|d| d.claims)
    .filter(|c| !c.sub.is_empty() && c.sub.len() <= 128)
}

/// What a shop's site or app signs (HS256, with the shop's identity secret) to open chat with
/// context: an entry link (`/chat/<shop>?entry=<token>`, CH-2; `docs/entry-links.md`). A buyer
/// cannot forge one, so an order named here may be shown to the member named here.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EntryClaims {
    /// The member id of the shopper, when the shop knows them; required for order entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The member's level in the shop, 0–9, when `sub` is set (WB-4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vip: Option<u8>,
    pub entry: Entry,
    /// What the buyer came about: `order_no`, `product_code`, `sku_code`, `room_id`,
    /// `room_title`, `creator_id`, `creator_name`, all optional, at the top level.
    #[serde(flatten)]
    pub context: EntryContext,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
}

impl EntryClaims {
    /// A link valid for a day from now.
    pub fn new(entry: Entry) -> EntryClaims {
        EntryClaims {
            sub: None,
            name: None,
            vip: None,
            entry,
            context: EntryContext::default(),
            exp: now_ms() / 1000 + 24 * 3600,
            iat: Some(now_ms() / 1000),
        }
    }
}

/// The longest an entry token may be valid for: links are minted when a page is shown.
pub const MAX_ENTRY_TOKEN_SECONDS: i64 = 7 * 24 * 3600;

/// Signs an entry token as a shop's site would (for `kefu entry-link` and the demo).
pub fn sign_entry_token(claims: &EntryClaims, secret: &str) -> Result<String, ApiError> {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .map_err(|e| ApiError::Internal(format!("signing failed: {e}")))
}

/// Checks an entry token's signature, expiry (`exp` required, at most a week ahead) and
/// field sizes.
pub fn verify_entry_token(token: &str, secret: &str) -> Option<EntryClaims> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_required_spec_claims(&["exp"]);
    let claims = jsonwebtoken::decode::<EntryClaims>(
        token,
        &DecodingKey::from_secret(secret.as_bytes()),
        &validation,
    )
    .ok()?
    .claims;
    let short = |s: &Option<String>| s.as_ref().is_none_or(|s| !s.is_empty() && s.len() <= 128);
    let c = &claims.context;
    let fields = [
        &claims.sub,
        &c.order_no,
        &c.product_code,
        &c.sku_code,
        &c.room_id,
        &c.creator_id,
    ];
    let titles_ok = [&claims.name, &c.room_title, &c.creator_name]
        .iter()
        .all(|t| t.as_ref().is_none_or(|t| t.chars().count() <= 100));
    let fresh = claims.exp <= now_ms() / 1000 + MAX_ENTRY_TOKEN_SECONDS;
    (fields.iter().all(|f| short(f)) && titles_ok && fresh).then_some(claims)
}

/// A signed-in team member.
#[derive(Debug, Clone)]
pub struct Agent {
    pub user: User,
    pub csrf_token: String,
    /// The hash of the credential used, to end a session on logout.
    pub token_hash: String,
    /// Authenticated by the UI cookie (so browsers may attach it cross-site).
    pub by_cookie: bool,
    /// What the caller may do now: role, unexpired group grants, probation (ACC-3, ACC-4).
    pub permissions: Permissions,
}

impl Agent {
    pub fn tenant_id(&self) -> Uuid {
        self.user.tenant_id
    }

    /// ACC-3: refuses unless the caller may do `permission` right now.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if self.permissions.contains(permission) {
            Ok(())
        } else {
            Err(ErrorCode::Forbidden.into())
        }
    }

    pub fn may(&self, permission: Permission) -> bool {
        self.permissions.contains(permission)
    }

    /// What others read as the caller's name: the display name, else the username.
    pub fn name(&self) -> &str {
        match self.user.display_name.as_str() {
            "" => self.user.username.as_str(),
            name => name,
        }
    }
}

/// What `user` may do now.
pub async fn permissions_of(state: &AppState, user: &User) -> Result<Permissions, ApiError> {
    let now = now_ms();
    let granted = state.store.granted_permissions(user.id, now).await?;
    Ok(effective_permissions(
        user.role,
        granted,
        user.in_probation(now),
    ))
}

/// Finds the agent behind a bearer token or session cookie, without CSRF checks.
pub async fn authenticate_agent(
    state: &AppState,
    bearer_token: Option<&str>,
    cookie_token: Option<&str>,
) -> Result<Agent, ApiError> {
    let (token, by_cookie) = match (bearer_token, cookie_token) {
        (Some(token), _) => (token, false),
        (None, Some(token)) => (token, true),
        (None, None) => return Err(ErrorCode::Unauthenticated.into()),
    };
    let token_hash = sha256_hex(token);
    let session = state
        .store
        .session(&token_hash)
        .await?
        .ok_or(ErrorCode::Unauthenticated)?;
    if by_cookie && !session.is_ui {
        return Err(ErrorCode::Unauthenticated.into());
    }
    let permissions = permissions_of(state, &session.user).await?;
    Ok(Agent {
        user: session.user,
        csrf_token: session.csrf_token,
        token_hash,
        by_cookie,
        permissions,
    })
}

/// A buyer, by their buyer token.
#[derive(Debug, Clone)]
pub struct BuyerCaller {
    pub claims: BuyerClaims,
}

/// Compares secrets in time that does not depend on where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_comparison_matches_equality() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    #[test]
    fn shop_identities_need_the_shop_secret() {
        let claims = ShopIdentity {
            sub: "member-42".into(),
            name: Some("小王".into()),
            vip: Some(2),
            phone: Some("+86 139 0000 5678".into()),
            email: Some("not an address".into()),
            unionid: None,
            exp: now_ms() / 1000 + 600,
        };
        // Claims a site signed before kefu read them never fail the token.
        let odd = serde_json::json!({"sub": "m-1", "phone": 13912345678u64, "email": {"x": 1},
            "unionid": null, "exp": now_ms() / 1000 + 600});
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &odd,
            &EncodingKey::from_secret(b"shop-secret"),
        )
        .unwrap();
        let read = verify_shop_identity(&token, "shop-secret").unwrap();
        assert_eq!(
            (read.phone.as_deref(), read.email, read.unionid),
            (Some("13912345678"), None, None)
        );
        // CH-6: the member id and the well-formed phone are keys; the bad address is not.
        let keys: Vec<(String, String)> = claims
            .keys()
            .into_iter()
            .map(|k| (k.kind.as_str().to_owned(), k.value))
            .collect();
        assert_eq!(
            keys,
            [
                ("member".to_owned(), "member-42".to_owned()),
                ("phone".to_owned(), "13900005678".to_owned())
            ]
        );
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(b"shop-secret"),
        )
        .unwrap();
        assert_eq!(
            verify_shop_identity(&token, "shop-secret").unwrap().sub,
            "member-42"
        );
        assert!(verify_shop_identity(&token, "another-secret").is_none());
    }
}
