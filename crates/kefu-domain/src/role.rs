//! Roles and what each may do (ACC-3). The server asks `Role::allows` on every endpoint; the
//! UI only hides what the server would refuse anyway.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 超级管理员: every setting of the tenant.
    SuperAdmin,
    /// 客服主管: sessions plus team, work orders, reviews and reports.
    Supervisor,
    /// 客服: sessions only.
    Agent,
    /// 质检: reads conversations and scores them; never writes to a buyer.
    Qa,
}

/// One thing a caller may ask for. Endpoints name the permission they need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// See the tenant's conversations and their messages.
    ReadConversations,
    /// Write to buyers, take, resolve and reopen conversations.
    HandleConversations,
    /// Assign a conversation to another agent.
    AssignConversations,
    /// See the team roster.
    ReadTeam,
    /// Import and change the shop's products and orders (CH-2).
    ManageCatalog,
    /// Change tenant settings and accounts.
    ManageTenant,
}

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

    /// ACC-3: agent = sessions only; supervisor adds team oversight; super admin everything;
    /// QA reads only.
    pub fn allows(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::SuperAdmin => true,
            Role::Supervisor => !matches!(permission, ManageTenant),
            Role::Agent => matches!(
                permission,
                ReadConversations | HandleConversations | ReadTeam
            ),
            Role::Qa => matches!(permission, ReadConversations | ReadTeam),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qa_inspectors_read_but_never_write_to_buyers() {
        assert!(Role::Qa.allows(Permission::ReadConversations));
        assert!(!Role::Qa.allows(Permission::HandleConversations));
    }

    #[test]
    fn only_supervisors_and_admins_assign_and_only_admins_manage() {
        assert!(!Role::Agent.allows(Permission::AssignConversations));
        assert!(Role::Supervisor.allows(Permission::AssignConversations));
        assert!(!Role::Supervisor.allows(Permission::ManageTenant));
        assert!(Role::SuperAdmin.allows(Permission::ManageTenant));
        assert!(Role::Supervisor.allows(Permission::ManageCatalog));
        assert!(!Role::Agent.allows(Permission::ManageCatalog));
        assert!(!Role::Qa.allows(Permission::ManageCatalog));
    }

    #[test]
    fn role_names_round_trip() {
        for r in [Role::SuperAdmin, Role::Supervisor, Role::Agent, Role::Qa] {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
