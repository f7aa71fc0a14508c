//! The server's own rows: a liveness probe and the server-wide secrets every process on
//! the database shares (SQL: `sql/server.rs`).

use crate::{Field, Result, Store};

impl Store {
    /// Answers when the database does.
    pub async fn ping(&self) -> Result<()> {
        dispatch!(self, server::ping())
    }

    /// A server-wide secret, created on first use and shared by every process on the same
    /// database (token signing keys). Stored sealed.
    pub async fn server_secret(&self, name: &str, fresh: &str) -> Result<String> {
        let sealed = self.vault.seal(Field::ServerSecret, name, fresh)?;
        let stored = dispatch!(self, server::server_secret(name, &sealed))?;
        self.vault.open(Field::ServerSecret, name, &stored)
    }
}
