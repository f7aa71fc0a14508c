//! UI sessions and API tokens, found by the hash of their secret (SQL: `sql/sessions.rs`).

use kefu_domain::account::User;
use uuid::Uuid;

use crate::{NewAudit, Result, Store};

/// An authenticated session or API token, found by the hash of its secret.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub user: User,
    pub csrf_token: String,
    pub is_ui: bool,
}

impl Store {
    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: Uuid,
        is_ui: bool,
        name: &str,
        csrf_token: &str,
        expires_at: i64,
        audit: impl FnOnce(&()) -> Vec<NewAudit> + Send,
    ) -> Result<()> {
        dispatch!(
            self,
            sessions::create_session(
                token_hash, user_id, is_ui, name, csrf_token, expires_at, audit
            )
        )
    }

    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionInfo>> {
        dispatch!(self, sessions::session(&self.vault, token_hash))
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        dispatch!(self, sessions::delete_session(token_hash))
    }
}
