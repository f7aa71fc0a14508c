//! Tenants and the people who work in them (ACC-1, ACC-2, ACC-3).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::role::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TenantKind {
    /// The platform's own desk (官方客服), which also arbitrates escalated disputes.
    Platform,
    Shop,
}

impl TenantKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TenantKind::Platform => "platform",
            TenantKind::Shop => "shop",
        }
    }

    pub fn parse(s: &str) -> Option<TenantKind> {
        match s {
            "platform" => Some(TenantKind::Platform),
            "shop" => Some(TenantKind::Shop),
            _ => None,
        }
    }
}

/// A shop or the platform desk. Everything a tenant owns is invisible to every other (ACC-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Tenant {
    pub id: Uuid,
    pub kind: TenantKind,
    /// The short name in chat URLs: `/chat/{slug}`.
    pub slug: String,
    pub name: String,
    /// IANA zone for office hours and reports; storage stays UTC.
    pub timezone: String,
}

/// The longest a rotated identity secret keeps verifying (CH-2): a week.
pub const MAX_IDENTITY_GRACE_HOURS: u32 = 168;

/// A shop's identity secret (CH-2): what its site signs member tokens and entry links with.
/// After a rotation the secret before it still verifies until `previous_until`, so the shop's
/// backend can switch without a gap. `Debug` prints neither secret.
#[derive(Clone, PartialEq, Eq)]
pub struct IdentitySecrets {
    pub current: String,
    pub previous: Option<String>,
    /// When the previous secret stops verifying (ms).
    pub previous_until: Option<i64>,
    /// When the current secret replaced another (ms); `None` if it never was rotated.
    pub rotated_at: Option<i64>,
}

impl IdentitySecrets {
    /// The secrets a token may be signed with now: the current one first.
    pub fn accepted(&self, now_ms: i64) -> impl Iterator<Item = &str> {
        let previous = match self.previous_until {
            Some(until) if until > now_ms => self.previous.as_deref(),
            _ => None,
        };
        std::iter::once(self.current.as_str()).chain(previous)
    }

    /// Until when the previous secret still verifies, if it still does.
    pub fn grace_until(&self, now_ms: i64) -> Option<i64> {
        self.previous_until
            .filter(|until| *until > now_ms && self.previous.is_some())
    }
}

impl std::fmt::Debug for IdentitySecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentitySecrets")
            .field("current", &"****")
            .field("previous", &self.previous.as_ref().map(|_| "****"))
            .field("previous_until", &self.previous_until)
            .field("rotated_at", &self.rotated_at)
            .finish()
    }
}

/// An agent's availability (WB-9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgentStatus {
    Online,
    Busy,
    Away,
    Offline,
}

impl AgentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AgentStatus::Online => "online",
            AgentStatus::Busy => "busy",
            AgentStatus::Away => "away",
            AgentStatus::Offline => "offline",
        }
    }

    pub fn parse(s: &str) -> Option<AgentStatus> {
        Some(match s {
            "online" => AgentStatus::Online,
            "busy" => AgentStatus::Busy,
            "away" => AgentStatus::Away,
            "offline" => AgentStatus::Offline,
            _ => return None,
        })
    }
}

/// A team member's account, without its secrets. The full phone number never serializes:
/// only `phone_masked` does; the account itself and super admins get the number through
/// `AccountView` (ACC-2). Nor does it print: `Debug` (and so every log line) shows it masked.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct User {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// A team key (`pre_sales`, `after_sales`, `qa`, or a custom one; ACC-6).
    pub team: Option<String>,
    pub status: AgentStatus,
    /// 138****5678.
    pub phone_masked: Option<String>,
    #[serde(skip)]
    pub phone: Option<String>,
    /// In probation until then (ACC-4); `None` once passed.
    pub probation_until: Option<i64>,
    pub disabled: bool,
    /// The account proved, with a code sent to it, that it holds its phone number (ACC-2).
    pub phone_verified: bool,
    /// On a break (`away`, 小休): why, and until when (WB-9).
    pub break_reason: Option<String>,
    pub break_until: Option<i64>,
    /// The most conversations the router gives them at once (WB-4).
    pub max_concurrent: i64,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("tenant_id", &self.tenant_id)
            .field("username", &self.username)
            .field("display_name", &self.display_name)
            .field("role", &self.role)
            .field("team", &self.team)
            .field("status", &self.status)
            .field("phone", &self.phone_masked)
            .field("probation_until", &self.probation_until)
            .field("disabled", &self.disabled)
            .field("phone_verified", &self.phone_verified)
            .field("break_reason", &self.break_reason)
            .field("break_until", &self.break_until)
            .field("max_concurrent", &self.max_concurrent)
            .finish()
    }
}

impl User {
    pub fn in_probation(&self, now_ms: i64) -> bool {
        self.probation_until.is_some_and(|until| until > now_ms)
    }
}

/// An account as the account itself or a super admin sees it: with the full phone number
/// (which `Debug` still masks).
#[derive(Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AccountView {
    #[serde(flatten)]
    pub user: User,
    pub phone: Option<String>,
}

impl std::fmt::Debug for AccountView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.user.fmt(f)
    }
}

/// Masks a phone number for everyone but its owner and super admins: 138****5678.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    let (head, tail) = if chars.len() >= 11 { (3, 4) } else { (1, 1) };
    if chars.len() <= head + tail {
        return "****".to_owned();
    }
    let start: String = chars[..head].iter().collect();
    let end: String = chars[chars.len() - tail..].iter().collect();
    format!("{start}****{end}")
}

/// A mainland mobile number (11 digits starting 1[3-9]), with an optional +86 and separators;
/// returns its 11 digits.
pub fn parse_phone(text: &str) -> Option<String> {
    let digits: String = text
        .trim()
        .trim_start_matches("+86")
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .collect();
    let ok = digits.len() == 11
        && digits.chars().all(|c| c.is_ascii_digit())
        && digits.starts_with('1')
        && digits
            .as_bytes()
            .get(1)
            .is_some_and(|d| (b'3'..=b'9').contains(d));
    ok.then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rotated_identity_secret_verifies_until_its_grace_ends() {
        let secrets = IdentitySecrets {
            current: "new".into(),
            previous: Some("old".into()),
            previous_until: Some(1_000),
            rotated_at: Some(500),
        };
        assert_eq!(secrets.accepted(999).collect::<Vec<_>>(), ["new", "old"]);
        assert_eq!(secrets.accepted(1_000).collect::<Vec<_>>(), ["new"]);
        assert_eq!(secrets.grace_until(999), Some(1_000));
        assert_eq!(secrets.grace_until(1_000), None);
        let debug = format!("{secrets:?}");
        assert!(!debug.contains("new") && !debug.contains("old"), "{debug}");
    }

    #[test]
    fn phones_are_checked_and_masked() {
        assert_eq!(parse_phone("138 1234 5678").as_deref(), Some("13812345678"));
        assert_eq!(
            parse_phone("+86 138-1234-5678").as_deref(),
            Some("13812345678")
        );
        assert_eq!(parse_phone("12812345678"), None);
        assert_eq!(parse_phone("1381234567"), None);
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("12"), "****");
        assert_eq!(mask_phone("0571888"), "0****8");
        // Log lines print accounts masked (issue #14).
        let user = User {
            id: Uuid::nil(),
            tenant_id: Uuid::nil(),
            username: "a".into(),
            display_name: "A".into(),
            role: crate::role::Role::Agent,
            team: None,
            status: AgentStatus::Online,
            phone_masked: Some(mask_phone("13812345678")),
            phone: Some("13812345678".into()),
            probation_until: None,
            disabled: false,
            phone_verified: true,
            break_reason: None,
            break_until: None,
            max_concurrent: 5,
        };
        let view = AccountView {
            phone: user.phone.clone(),
            user,
        };
        let printed = format!("{view:?} {:?} {:#?}", view.user, view.user);
        assert!(!printed.contains("13812345678"), "{printed}");
        assert!(printed.contains("138****5678"), "{printed}");
    }
}

/// A buyer as one channel knows them (CH-6 links them across channels later).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Buyer {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub channel: crate::channel::Channel,
    /// The channel's own id: `anon:<uuid>` or `member:<shop member id>` on the web.
    pub external_id: String,
    pub display_name: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    /// The shop's member level (0 = none, up to 9), as its site vouched for it (WB-4).
    #[serde(default)]
    pub vip_level: u8,
}
