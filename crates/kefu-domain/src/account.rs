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

/// A team member's account, without its secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct User {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// `pre_sales`, `after_sales` or `qa` (ACC-6); free text so teams can be added.
    pub team: Option<String>,
    pub status: AgentStatus,
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
}
