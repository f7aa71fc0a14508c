//! Roles, fine-grained permissions, and what a person may do right now (ACC-2, ACC-3, ACC-4).
//!
//! A role is a named bundle of permissions; a shop may also define permission groups (权限组)
//! and grant them, with an optional expiry. A person in probation (ACC-4) keeps only the
//! basic conversation permissions whatever else they hold. The server asks
//! `Permissions::contains` on every endpoint; the UI only hides what the server would refuse.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 超级管理员: every setting of the tenant.
    SuperAdmin,
    /// 客服主管: sessions plus team, work orders, approvals, reviews and reports.
    Supervisor,
    /// 客服: sessions only.
    Agent,
    /// 质检: reads conversations and scores them; never writes to a buyer.
    Qa,
}

/// One thing a caller may do. Endpoints name the permission they need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum Permission {
    /// See the tenant's conversations, messages, buyers, orders and products.
    #[serde(rename = "conversation.read")]
    ConversationRead,
    /// Write to buyers; resolve, reopen; send cards; notes; partner handoffs.
    #[serde(rename = "conversation.reply")]
    ConversationReply,
    /// Assign or transfer a conversation to someone else.
    #[serde(rename = "conversation.assign")]
    ConversationAssign,
    /// See the team roster.
    #[serde(rename = "team.read")]
    TeamRead,
    /// Teams, response targets, probation (pass early, extend).
    #[serde(rename = "team.manage")]
    TeamManage,
    /// Create, change and disable accounts; roles; permission groups and grants.
    #[serde(rename = "account.manage")]
    AccountManage,
    /// Import and change the shop's products and orders (CH-2).
    #[serde(rename = "catalog.manage")]
    CatalogManage,
    /// Ask for a refund or a compensation on an order (ACC-5).
    #[serde(rename = "refund.request")]
    RefundRequest,
    /// Approve or reject refunds and compensations above the threshold (ACC-5).
    #[serde(rename = "refund.approve")]
    RefundApprove,
    /// Ask for a change of an order's logistics information (ACC-5).
    #[serde(rename = "logistics.change")]
    LogisticsChange,
    /// Approve or reject logistics changes (ACC-5).
    #[serde(rename = "logistics.review")]
    LogisticsReview,
    /// Reports and the team's numbers.
    #[serde(rename = "report.view")]
    ReportView,
    /// Shop settings: refund threshold, probation length, …
    #[serde(rename = "settings.manage")]
    SettingsManage,
    /// The robot's knowledge base.
    #[serde(rename = "kb.manage")]
    KbManage,
    /// The audit log and its verification.
    #[serde(rename = "audit.view")]
    AuditView,
    /// Score conversations (KPI-3).
    #[serde(rename = "qa.score")]
    QaScore,
    /// Open work orders, work on one's own and the team's, note them, tell the buyer (ESC-3).
    #[serde(rename = "work_order.handle")]
    WorkOrderHandle,
    /// Assign and reassign anyone's work orders, bulk changes, the kinds' targets and fields.
    #[serde(rename = "work_order.manage")]
    WorkOrderManage,
    /// Escalate a conversation or work order, and handle level 1 (ESC-1).
    #[serde(rename = "escalation.raise")]
    EscalationRaise,
    /// Take up and handle level 2 escalations; the escalation rules and notifications.
    #[serde(rename = "escalation.handle")]
    EscalationHandle,
    /// Take up and handle level 3 (public-opinion crises: operations head, PR).
    #[serde(rename = "escalation.crisis")]
    EscalationCrisis,
    /// On the platform's desk: arbitrate disputes between buyers and shops (ask for evidence,
    /// rule).
    #[serde(rename = "arbitration.rule")]
    ArbitrationRule,
}

impl Permission {
    pub const ALL: [Permission; 22] = [
        Permission::ConversationRead,
        Permission::ConversationReply,
        Permission::ConversationAssign,
        Permission::TeamRead,
        Permission::TeamManage,
        Permission::AccountManage,
        Permission::CatalogManage,
        Permission::RefundRequest,
        Permission::RefundApprove,
        Permission::LogisticsChange,
        Permission::LogisticsReview,
        Permission::ReportView,
        Permission::SettingsManage,
        Permission::KbManage,
        Permission::AuditView,
        Permission::QaScore,
        Permission::WorkOrderHandle,
        Permission::WorkOrderManage,
        Permission::EscalationRaise,
        Permission::EscalationHandle,
        Permission::EscalationCrisis,
        Permission::ArbitrationRule,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::ConversationRead => "conversation.read",
            Permission::ConversationReply => "conversation.reply",
            Permission::ConversationAssign => "conversation.assign",
            Permission::TeamRead => "team.read",
            Permission::TeamManage => "team.manage",
            Permission::AccountManage => "account.manage",
            Permission::CatalogManage => "catalog.manage",
            Permission::RefundRequest => "refund.request",
            Permission::RefundApprove => "refund.approve",
            Permission::LogisticsChange => "logistics.change",
            Permission::LogisticsReview => "logistics.review",
            Permission::ReportView => "report.view",
            Permission::SettingsManage => "settings.manage",
            Permission::KbManage => "kb.manage",
            Permission::AuditView => "audit.view",
            Permission::QaScore => "qa.score",
            Permission::WorkOrderHandle => "work_order.handle",
            Permission::WorkOrderManage => "work_order.manage",
            Permission::EscalationRaise => "escalation.raise",
            Permission::EscalationHandle => "escalation.handle",
            Permission::EscalationCrisis => "escalation.crisis",
            Permission::ArbitrationRule => "arbitration.rule",
        }
    }

    pub fn parse(s: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.as_str() == s)
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

/// A set of permissions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Permissions(u32);

impl Permissions {
    pub const NONE: Permissions = Permissions(0);

    pub fn of(list: &[Permission]) -> Permissions {
        Permissions(list.iter().fold(0, |bits, p| bits | p.bit()))
    }

    pub fn all() -> Permissions {
        Permissions::of(&Permission::ALL)
    }

    pub fn contains(self, p: Permission) -> bool {
        self.0 & p.bit() != 0
    }

    pub fn union(self, other: Permissions) -> Permissions {
        Permissions(self.0 | other.0)
    }

    pub fn intersect(self, other: Permissions) -> Permissions {
        Permissions(self.0 & other.0)
    }

    pub fn list(self) -> Vec<Permission> {
        Permission::ALL
            .into_iter()
            .filter(|p| self.contains(*p))
            .collect()
    }
}

/// What someone in probation keeps: reading and answering conversations (ACC-4).
pub const PROBATION: [Permission; 3] = [
    Permission::ConversationRead,
    Permission::ConversationReply,
    Permission::TeamRead,
];

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::SuperAdmin => "super_admin",
            Role::Supervisor => "supervisor",
            Role::Agent => "agent",
            Role::Qa => "qa",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "super_admin" => Role::SuperAdmin,
            "supervisor" => Role::Supervisor,
            "agent" => Role::Agent,
            "qa" => Role::Qa,
            _ => return None,
        })
    }

    /// The role's bundle.
    pub fn permissions(self) -> Permissions {
        use Permission::*;
        match self {
            Role::SuperAdmin => Permissions::all(),
            Role::Supervisor => Permissions::of(&[
                ConversationRead,
                ConversationReply,
                ConversationAssign,
                TeamRead,
                TeamManage,
                CatalogManage,
                RefundRequest,
                RefundApprove,
                LogisticsChange,
                LogisticsReview,
                ReportView,
                KbManage,
                AuditView,
                WorkOrderHandle,
                WorkOrderManage,
                EscalationRaise,
                EscalationHandle,
                ArbitrationRule,
            ]),
            Role::Agent => Permissions::of(&[
                ConversationRead,
                ConversationReply,
                TeamRead,
                RefundRequest,
                LogisticsChange,
                WorkOrderHandle,
                EscalationRaise,
            ]),
            // An inspector opens a work order from a finding (ESC-3), never writing to buyers.
            Role::Qa => Permissions::of(&[
                ConversationRead,
                TeamRead,
                ReportView,
                QaScore,
                WorkOrderHandle,
                EscalationRaise,
            ]),
        }
    }

    pub fn allows(self, permission: Permission) -> bool {
        self.permissions().contains(permission)
    }
}

/// What a person may do now: their role's bundle and their unexpired group grants, cut down to
/// the basics while in probation.
pub fn effective_permissions(role: Role, granted: Permissions, in_probation: bool) -> Permissions {
    let held = role.permissions().union(granted);
    if in_probation {
        held.intersect(Permissions::of(&PROBATION))
    } else {
        held
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qa_inspectors_read_but_never_write_to_buyers() {
        assert!(Role::Qa.allows(Permission::ConversationRead));
        assert!(!Role::Qa.allows(Permission::ConversationReply));
        assert!(Role::Qa.allows(Permission::QaScore));
    }

    #[test]
    fn approvals_need_a_supervisor_and_accounts_an_admin() {
        assert!(!Role::Agent.allows(Permission::ConversationAssign));
        assert!(Role::Supervisor.allows(Permission::ConversationAssign));
        assert!(Role::Agent.allows(Permission::RefundRequest));
        assert!(!Role::Agent.allows(Permission::RefundApprove));
        assert!(Role::Supervisor.allows(Permission::RefundApprove));
        assert!(Role::Supervisor.allows(Permission::LogisticsReview));
        assert!(!Role::Supervisor.allows(Permission::AccountManage));
        assert!(!Role::Supervisor.allows(Permission::SettingsManage));
        assert!(Role::SuperAdmin.allows(Permission::AccountManage));
    }

    #[test]
    fn probation_keeps_the_basics_even_with_grants() {
        let granted = Permissions::of(&[Permission::RefundApprove, Permission::ReportView]);
        let now = effective_permissions(Role::Agent, granted, true);
        assert_eq!(now, Permissions::of(&PROBATION));
        let later = effective_permissions(Role::Agent, granted, false);
        assert!(later.contains(Permission::RefundApprove));
        assert!(later.contains(Permission::RefundRequest));
    }

    #[test]
    fn names_round_trip() {
        for r in [Role::SuperAdmin, Role::Supervisor, Role::Agent, Role::Qa] {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.as_str()), Some(p));
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
        }
        assert_eq!(Permissions::all().list().len(), Permission::ALL.len());
    }
}
