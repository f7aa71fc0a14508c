//! The team's guard rails (ACC-2 … ACC-6): shop settings, teams and their targets, permission
//! groups, approvals of sensitive operations, and the audit chain's hashing. Plain rules over
//! plain data.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::commerce::InputError;
use crate::error_code::ErrorCode;
use crate::money::Money;
use crate::role::Permission;

/// Per-shop settings of the guard rails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ShopSettings {
    /// Refunds and compensations above this need a second person's approval (ACC-5).
    pub refund_threshold_fen: Money,
    /// How long a new agent's probation lasts, 7 to 15 days (ACC-4).
    pub probation_days: i64,
    /// Sub-accounts allowed under the main account (ACC-2).
    pub max_accounts: i64,
    /// The router assigns waiting conversations to agents by the teams' strategies (WB-4);
    /// off, agents take conversations from the list.
    #[serde(default)]
    pub routing_enabled: bool,
    /// When the shop is staffed, in its time zone; teams that count their response target in
    /// office hours (WB-7) skip the rest. None: around the clock.
    #[serde(default)]
    pub office_hours: Option<crate::hours::OfficeHours>,
}

impl Default for ShopSettings {
    fn default() -> ShopSettings {
        ShopSettings {
            refund_threshold_fen: Money::from_fen(50_000),
            probation_days: 7,
            max_accounts: 200,
            routing_enabled: false,
            office_hours: None,
        }
    }
}

impl ShopSettings {
    /// Refuses values outside the rules; returns the stable code of the first bad field.
    pub fn check(self) -> Result<ShopSettings, ErrorCode> {
        if !(0..=100_000_000).contains(&self.refund_threshold_fen.fen()) {
            return Err(ErrorCode::BadThreshold);
        }
        if !(7..=15).contains(&self.probation_days) {
            return Err(ErrorCode::BadProbationDays);
        }
        if !(1..=10_000).contains(&self.max_accounts) {
            return Err(ErrorCode::BadMaxAccounts);
        }
        if let Some(hours) = &self.office_hours {
            hours.check()?;
        }
        Ok(self)
    }
}

/// A team and its first-response target (ACC-6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Team {
    /// `pre_sales`, `after_sales`, `qa`, or a custom key.
    pub key: String,
    pub name: String,
    pub response_target_seconds: i64,
    /// Its agents must tag a conversation before resolving it (WB-5).
    #[serde(default)]
    pub require_tag: bool,
    /// How its conversations are spread over its agents: `least_loaded`, `round_robin` or
    /// `sticky` (WB-4).
    #[serde(default = "least_loaded")]
    pub strategy: String,
    /// Stranded conversations are offered to every idle agent of the team; the first to
    /// grab one gets it (WB-8). Off: they go back to the queue.
    #[serde(default)]
    pub grab_mode: bool,
    /// Its response target counts only the shop's office hours (WB-7): after-sales' 2 h do
    /// not run overnight. Off, or when the shop has none: wall-clock time.
    #[serde(default)]
    pub office_hours_only: bool,
    /// Active accounts in it.
    #[serde(default)]
    pub members: i64,
}

fn least_loaded() -> String {
    "least_loaded".to_owned()
}

/// The teams every shop starts with, and the split the seed suggests (60/30/10).
pub const DEFAULT_TEAMS: [(&str, &str, i64, u32); 3] = [
    ("pre_sales", "售前", 30, 60),
    ("after_sales", "售后", 2 * 3600, 30),
    ("qa", "质检", 24 * 3600, 10),
];

/// A custom permission group (权限组).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PermissionGroup {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub permissions: Vec<Permission>,
    pub created_at: i64,
}

/// A group granted to an account, maybe until a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Grant {
    pub group_id: Uuid,
    pub group_name: String,
    pub user_id: Uuid,
    pub granted_by: Uuid,
    pub granted_at: i64,
    pub expires_at: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalKind {
    Refund,
    Compensation,
    LogisticsChange,
}

impl ApprovalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalKind::Refund => "refund",
            ApprovalKind::Compensation => "compensation",
            ApprovalKind::LogisticsChange => "logistics_change",
        }
    }

    pub fn parse(s: &str) -> Option<ApprovalKind> {
        Some(match s {
            "refund" => ApprovalKind::Refund,
            "compensation" => ApprovalKind::Compensation,
            "logistics_change" => ApprovalKind::LogisticsChange,
            _ => return None,
        })
    }

    /// Who may ask for it.
    pub fn request_permission(self) -> Permission {
        match self {
            ApprovalKind::Refund | ApprovalKind::Compensation => Permission::RefundRequest,
            ApprovalKind::LogisticsChange => Permission::LogisticsChange,
        }
    }

    /// Who may decide it.
    pub fn approve_permission(self) -> Permission {
        match self {
            ApprovalKind::Refund | ApprovalKind::Compensation => Permission::RefundApprove,
            ApprovalKind::LogisticsChange => Permission::LogisticsReview,
        }
    }

    /// ACC-5: money at or below the shop's threshold is executed at once by a permitted
    /// requester; above it, and every logistics change, waits for a second person.
    pub fn needs_approval(self, amount: Money, threshold: Money) -> bool {
        match self {
            ApprovalKind::Refund | ApprovalKind::Compensation => amount > threshold,
            ApprovalKind::LogisticsChange => true,
        }
    }
}

/// How a compensation reaches the buyer; kept in the approval's payload as `form`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CompensationForm {
    /// Paid as money (the default).
    Cash,
    /// A shop coupon (the workbench's 发优惠券 tool, WB-1).
    Coupon,
}

/// The most a compensation may be: 10,000 yuan.
pub const MAX_COMPENSATION: Money = Money::from_fen(1_000_000);
/// The longest reason, and the longest logistics company or tracking number, in characters.
const MAX_REASON_CHARS: usize = 500;
const MAX_LOGISTICS_CHARS: usize = 64;

/// Why a sensitive operation is asked for: 1–500 characters, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason(String);

impl Reason {
    pub fn parse(text: &str) -> Result<Reason, InputError> {
        let text = text.trim();
        if text.is_empty() || text.chars().count() > MAX_REASON_CHARS {
            return Err(InputError::new(
                ErrorCode::InvalidReason,
                "give a reason of 1–500 characters",
            ));
        }
        Ok(Reason(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A request for a sensitive operation as it arrives (ACC-5), before it is checked.
#[derive(Debug, Clone, Copy, Default)]
pub struct ChangeRequest<'a> {
    pub amount: Option<Money>,
    pub logistics_company: Option<&'a str>,
    pub tracking_no: Option<&'a str>,
    pub compensation_form: Option<CompensationForm>,
}

/// What a sensitive operation changes, checked against the order it is about: a refund of at
/// most what was paid, a compensation of at most [`MAX_COMPENSATION`], or a new logistics
/// company and tracking number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SensitiveChange {
    Refund(Money),
    Compensation(Money, CompensationForm),
    Logistics {
        company: String,
        tracking_no: String,
    },
}

impl SensitiveChange {
    /// Checks a request of `kind` on an order of which `paid` was paid.
    pub fn parse(
        kind: ApprovalKind,
        request: ChangeRequest<'_>,
        paid: Money,
    ) -> Result<SensitiveChange, InputError> {
        match kind {
            ApprovalKind::Refund | ApprovalKind::Compensation => {
                let amount = request.amount.unwrap_or(Money::ZERO);
                let most = match kind {
                    ApprovalKind::Refund => paid,
                    _ => MAX_COMPENSATION,
                };
                if amount < Money::from_fen(1) || amount > most {
                    return Err(InputError::new(
                        ErrorCode::BadAmount,
                        format!("the amount is 0.01 to {most} yuan"),
                    ));
                }
                match (kind, request.compensation_form) {
                    (ApprovalKind::Compensation, form) => Ok(SensitiveChange::Compensation(
                        amount,
                        form.unwrap_or(CompensationForm::Cash),
                    )),
                    (_, None) => Ok(SensitiveChange::Refund(amount)),
                    (_, Some(_)) => Err(InputError::new(
                        ErrorCode::InvalidCompensationForm,
                        "only a compensation has a form (cash or coupon)",
                    )),
                }
            }
            ApprovalKind::LogisticsChange => {
                let text = |t: Option<&str>| {
                    t.map(str::trim)
                        .filter(|t| !t.is_empty() && t.chars().count() <= MAX_LOGISTICS_CHARS)
                        .map(str::to_owned)
                };
                match (text(request.logistics_company), text(request.tracking_no)) {
                    (Some(company), Some(tracking_no)) => Ok(SensitiveChange::Logistics {
                        company,
                        tracking_no,
                    }),
                    _ => Err(InputError::new(
                        ErrorCode::InvalidLogistics,
                        "give the new logistics company and tracking number",
                    )),
                }
            }
        }
    }

    pub fn kind(&self) -> ApprovalKind {
        match self {
            SensitiveChange::Refund(_) => ApprovalKind::Refund,
            SensitiveChange::Compensation(..) => ApprovalKind::Compensation,
            SensitiveChange::Logistics { .. } => ApprovalKind::LogisticsChange,
        }
    }

    /// The money it moves, for refunds and compensations.
    pub fn amount(&self) -> Option<Money> {
        match self {
            SensitiveChange::Refund(amount) | SensitiveChange::Compensation(amount, _) => {
                Some(*amount)
            }
            SensitiveChange::Logistics { .. } => None,
        }
    }

    /// What the approval stores beside the amount; a logistics change keeps what it
    /// replaces (`previous`), so the change can be reviewed and explained.
    pub fn payload(
        &self,
        previous_company: Option<&str>,
        previous_tracking_no: Option<&str>,
    ) -> serde_json::Value {
        match self {
            SensitiveChange::Refund(_) => serde_json::json!({}),
            SensitiveChange::Compensation(_, form) => serde_json::json!({ "form": form }),
            SensitiveChange::Logistics {
                company,
                tracking_no,
            } => serde_json::json!({
                "logistics_company": company, "tracking_no": tracking_no,
                "previous": { "logistics_company": previous_company, "tracking_no": previous_tracking_no },
            }),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalStatus {
    Pending,
    Approved,
    Rejected,
    Executed,
}

impl ApprovalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalStatus::Pending => "pending",
            ApprovalStatus::Approved => "approved",
            ApprovalStatus::Rejected => "rejected",
            ApprovalStatus::Executed => "executed",
        }
    }

    pub fn parse(s: &str) -> Option<ApprovalStatus> {
        Some(match s {
            "pending" => ApprovalStatus::Pending,
            "approved" => ApprovalStatus::Approved,
            "rejected" => ApprovalStatus::Rejected,
            "executed" => ApprovalStatus::Executed,
            _ => return None,
        })
    }
}

/// A sensitive operation and its decision (ACC-5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Approval {
    pub id: Uuid,
    pub kind: ApprovalKind,
    pub conversation_id: Option<Uuid>,
    pub order_no: String,
    pub amount_fen: Option<Money>,
    /// For a logistics change: `logistics_company`, `tracking_no`.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    pub reason: String,
    pub requested_by: Uuid,
    pub requested_by_name: String,
    pub requested_at: i64,
    pub status: ApprovalStatus,
    pub decided_by: Option<Uuid>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<i64>,
    pub decision_reason: String,
    pub executed_at: Option<i64>,
}

/// One audit entry as stored (ACC-5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: i64,
    pub actor_id: Option<Uuid>,
    pub actor_name: String,
    /// e.g. `login`, `account.create`, `role.change`, `group.grant`, `refund.request`,
    /// `approval.approve`, `logistics.change`, `settings.change`, `data.export`.
    pub action: String,
    /// What it was done to, e.g. `user:<id>`, `order:<no>`.
    pub target: String,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash before a chain's first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An entry's hash: SHA-256 over the previous hash and every field, length-prefixed so no
/// two different entries share an input.
pub fn audit_hash(
    tenant_id: Uuid,
    seq: i64,
    at: i64,
    actor_id: Option<Uuid>,
    actor_name: &str,
    action: &str,
    target: &str,
    detail: &str,
    prev_hash: &str,
) -> String {
    let mut hasher = Sha256::new();
    let actor = actor_id.map(|a| a.to_string()).unwrap_or_default();
    let fields: [&[u8]; 9] = [
        prev_hash.as_bytes(),
        tenant_id.as_bytes(),
        &seq.to_be_bytes(),
        &at.to_be_bytes(),
        actor.as_bytes(),
        actor_name.as_bytes(),
        action.as_bytes(),
        target.as_bytes(),
        detail.as_bytes(),
    ];
    for field in fields {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field);
    }
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_above_the_threshold_and_every_logistics_change_wait() {
        let threshold = ShopSettings::default().refund_threshold_fen;
        assert!(!ApprovalKind::Refund.needs_approval(Money::from_fen(50_000), threshold));
        assert!(ApprovalKind::Refund.needs_approval(Money::from_fen(50_001), threshold));
        assert!(ApprovalKind::Compensation.needs_approval(Money::from_fen(60_000), threshold));
        assert!(ApprovalKind::LogisticsChange.needs_approval(Money::from_fen(0), threshold));
    }

    #[test]
    fn a_sensitive_change_is_checked_against_its_order() {
        let paid = Money::from_fen(25_600);
        let ask = |kind, fen, form| {
            SensitiveChange::parse(
                kind,
                ChangeRequest {
                    amount: Some(Money::from_fen(fen)),
                    compensation_form: form,
                    ..ChangeRequest::default()
                },
                paid,
            )
        };
        let code = |r: Result<SensitiveChange, InputError>| r.unwrap_err().code;
        assert_eq!(
            ask(ApprovalKind::Refund, 25_600, None).unwrap(),
            SensitiveChange::Refund(paid)
        );
        assert_eq!(
            code(ask(ApprovalKind::Refund, 25_601, None)),
            ErrorCode::BadAmount
        );
        assert_eq!(
            code(ask(ApprovalKind::Refund, 0, None)),
            ErrorCode::BadAmount
        );
        assert_eq!(
            code(ask(
                ApprovalKind::Refund,
                100,
                Some(CompensationForm::Coupon)
            )),
            ErrorCode::InvalidCompensationForm
        );
        let compensation = ask(ApprovalKind::Compensation, 1_000_000, None).unwrap();
        assert_eq!(compensation.payload(None, None)["form"], "cash");
        assert_eq!(compensation.amount(), Some(MAX_COMPENSATION));
        assert_eq!(
            code(ask(ApprovalKind::Compensation, 1_000_001, None)),
            ErrorCode::BadAmount
        );
        let logistics = |company, tracking| {
            SensitiveChange::parse(
                ApprovalKind::LogisticsChange,
                ChangeRequest {
                    logistics_company: company,
                    tracking_no: tracking,
                    ..ChangeRequest::default()
                },
                paid,
            )
        };
        let change = logistics(Some(" 顺丰 "), Some("SF1")).unwrap();
        assert_eq!(change.amount(), None);
        let payload = change.payload(Some("中通"), None);
        assert_eq!(payload["logistics_company"], "顺丰");
        assert_eq!(payload["previous"]["logistics_company"], "中通");
        assert_eq!(
            code(logistics(Some("顺丰"), Some("  "))),
            ErrorCode::InvalidLogistics
        );
        assert_eq!(
            code(logistics(None, Some("SF1"))),
            ErrorCode::InvalidLogistics
        );
    }

    #[test]
    fn a_reason_is_one_to_five_hundred_characters() {
        assert_eq!(Reason::parse("  破损  ").unwrap().as_str(), "破损");
        assert_eq!(
            Reason::parse(" ").unwrap_err().code,
            ErrorCode::InvalidReason
        );
        assert!(Reason::parse(&"字".repeat(500)).is_ok());
        assert!(Reason::parse(&"字".repeat(501)).is_err());
    }

    #[test]
    fn settings_stay_within_the_rules() {
        let ok = ShopSettings::default();
        assert!(ok.clone().check().is_ok());
        let short = ShopSettings {
            probation_days: 5,
            ..ok.clone()
        };
        assert_eq!(short.check(), Err(ErrorCode::BadProbationDays));
        let negative = ShopSettings {
            refund_threshold_fen: Money::from_fen(-1),
            ..ok.clone()
        };
        assert_eq!(negative.check(), Err(ErrorCode::BadThreshold));
        let backwards = ShopSettings {
            office_hours: Some(crate::hours::OfficeHours {
                days: vec![1, 2, 3, 4, 5],
                open: "18:00".into(),
                close: "09:00".into(),
            }),
            ..ok
        };
        assert_eq!(backwards.check(), Err(ErrorCode::InvalidOfficeHours));
    }

    #[test]
    fn the_hash_covers_every_field_and_the_previous_hash() {
        let t = Uuid::nil();
        let base = audit_hash(t, 1, 5, None, "a", "login", "user:1", "{}", GENESIS_HASH);
        assert_eq!(base.len(), 64);
        assert_ne!(
            base,
            audit_hash(t, 1, 5, None, "a", "login", "user:2", "{}", GENESIS_HASH)
        );
        assert_ne!(
            base,
            audit_hash(t, 1, 5, None, "a", "login", "user:1", "{}", &base)
        );
        // Moving a byte between fields changes the hash too.
        assert_ne!(
            audit_hash(t, 1, 5, None, "ab", "c", "", "{}", GENESIS_HASH),
            audit_hash(t, 1, 5, None, "a", "bc", "", "{}", GENESIS_HASH)
        );
    }
}
