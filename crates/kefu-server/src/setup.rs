//! First run (issue #15): a server with no shop prints a one-time link; the setup page it
//! opens creates the shop (or the platform's desk) and its super admin, then signs them in.
//! The link carries a random token that only this process knows (its SHA-256, in memory),
//! made anew at every start while no shop exists, and forgotten once used.

use std::sync::{Arc, Mutex};

use crate::AppState;
use crate::auth;

/// The hash of the current setup token, while setup is open.
#[derive(Clone, Default)]
pub struct FirstRun(Arc<Mutex<Option<String>>>);

impl FirstRun {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether `token` is the one printed at start (and setup is still open).
    pub fn admits(&self, token: &str) -> bool {
        let hash = auth::sha256_hex(token);
        self.lock().as_deref().is_some_and(|armed| armed == hash)
    }

    pub fn is_open(&self) -> bool {
        self.lock().is_some()
    }

    /// Closes setup: the token works no more. True for the one caller that closed it.
    pub fn close(&self, token: &str) -> bool {
        let mut armed = self.lock();
        if armed.as_deref() == Some(auth::sha256_hex(token).as_str()) {
            *armed = None;
            true
        } else {
            false
        }
    }

    /// Opens it again (the setup that closed it failed before creating anything).
    pub fn reopen(&self, token: &str) {
        *self.lock() = Some(auth::sha256_hex(token));
    }
}

/// When the database has no shop and no platform desk yet, opens setup and returns the token
/// to print in the link; otherwise `None`.
pub async fn open_if_empty(state: &AppState) -> Result<Option<String>, kefu_store::StoreError> {
    if state.store.any_tenant().await? {
        return Ok(None);
    }
    let token = auth::random_secret();
    state.setup.reopen(&token);
    Ok(Some(token))
}
