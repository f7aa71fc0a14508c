//! Accounts (ACC-2 … ACC-4): users and their changes, login, agent status and breaks,
//! phone verification (SQL: `sql/accounts.rs`).

use kefu_domain::account::{AgentStatus, User};
use kefu_domain::role::Role;
use uuid::Uuid;

use crate::{NewAudit, Result, Store};

/// A new account, with its password already hashed by the caller.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub tenant_id: Uuid,
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub team: Option<&'a str>,
    pub phone: Option<&'a str>,
    /// ACC-4: the end of the new account's probation, if it starts in one.
    pub probation_until: Option<i64>,
    /// Who created it (none for the demo seed and the first admin).
    pub created_by: Option<Uuid>,
}

/// What to change of an account; `None` keeps the value (`Some(None)` clears a team or a
/// probation).
#[derive(Debug, Clone, Default)]
pub struct AccountChange<'a> {
    pub display_name: Option<&'a str>,
    pub role: Option<Role>,
    pub team: Option<Option<&'a str>>,
    pub disabled: Option<bool>,
    pub probation_until: Option<Option<i64>>,
    pub max_concurrent: Option<i64>,
}

/// The outcome of checking a phone verification code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneCodeCheck {
    Verified,
    Wrong,
    Expired,
    TooManyAttempts,
    NoCode,
}

impl Store {
    pub async fn create_user(
        &self,
        user: &NewUser<'_>,
        audit: impl FnOnce(&User) -> Vec<NewAudit> + Send,
    ) -> Result<User> {
        dispatch!(self, accounts::create_user(&self.vault, user, audit))
    }

    /// The user and their password hash, for login. Disabled users are not found.
    pub async fn user_for_login(&self, username: &str) -> Result<Option<(User, String)>> {
        dispatch!(self, accounts::user_for_login(&self.vault, username))
    }

    pub async fn user(&self, tenant_id: Uuid, id: Uuid) -> Result<Option<User>> {
        dispatch!(self, accounts::user(&self.vault, tenant_id, id))
    }

    pub async fn team(&self, tenant_id: Uuid) -> Result<Vec<User>> {
        dispatch!(self, accounts::team(&self.vault, tenant_id))
    }

    /// Agents of the shop online now (not on a break, not away).
    pub async fn agents_online(&self, tenant_id: Uuid) -> Result<i64> {
        dispatch!(self, accounts::agents_online(tenant_id))
    }

    pub async fn set_user_status(
        &self,
        tenant_id: Uuid,
        user_id: Uuid,
        status: AgentStatus,
        break_until: Option<(&str, i64)>,
    ) -> Result<()> {
        dispatch!(
            self,
            accounts::set_user_status(tenant_id, user_id, status, break_until)
        )
    }

    /// Ends breaks whose time is up; returns (tenant, user) of each.
    pub async fn end_breaks(&self, now: i64) -> Result<Vec<(Uuid, Uuid)>> {
        dispatch!(self, accounts::end_breaks(now))
    }

    pub async fn accounts(&self, tenant_id: Uuid) -> Result<Vec<User>> {
        dispatch!(self, accounts::accounts(&self.vault, tenant_id))
    }

    /// Sets an account's password (hashed by the caller) and signs it out of the UI.
    pub async fn set_password(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        password_hash: &str,
        audit: impl FnOnce(&User) -> Vec<NewAudit> + Send,
    ) -> Result<User> {
        dispatch!(
            self,
            accounts::set_password(&self.vault, tenant_id, id, password_hash, audit)
        )
    }

    pub async fn count_accounts(&self, tenant_id: Uuid) -> Result<i64> {
        dispatch!(self, accounts::count_accounts(tenant_id))
    }

    pub async fn update_account(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        change: &AccountChange<'_>,
        audit: impl FnOnce(&User, &User) -> Vec<NewAudit> + Send,
    ) -> Result<User> {
        dispatch!(
            self,
            accounts::update_account(&self.vault, tenant_id, id, change, audit)
        )
    }

    pub async fn put_phone_code(
        &self,
        user_id: Uuid,
        code_hash: &str,
        expires_at: i64,
        min_interval_ms: i64,
    ) -> Result<bool> {
        dispatch!(
            self,
            accounts::put_phone_code(user_id, code_hash, expires_at, min_interval_ms)
        )
    }

    pub async fn check_phone_code(
        &self,
        user_id: Uuid,
        code_hash: &str,
        max_attempts: i64,
        audit: impl FnOnce(&PhoneCodeCheck) -> Vec<NewAudit> + Send,
    ) -> Result<PhoneCodeCheck> {
        dispatch!(
            self,
            accounts::check_phone_code(user_id, code_hash, max_attempts, audit)
        )
    }

    pub async fn mark_phone_verified(&self, tenant_id: Uuid, user_id: Uuid) -> Result<()> {
        dispatch!(self, accounts::mark_phone_verified(tenant_id, user_id))
    }
}
