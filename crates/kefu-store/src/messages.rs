//! Messages: reading them, and appending a batch in one transaction for the group-commit
//! writer (SQL: `sql/messages.rs`).

use kefu_domain::message::Message;
use uuid::Uuid;

use crate::writer::{AppendRequest, Appended};
use crate::{Result, Store, StoreError};

/// The group-commit writer's own connection.
pub enum WriterConnection {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

impl WriterConnection {
    /// [`Store::append_batch`] on this connection.
    pub async fn append_batch(
        &mut self,
        batch: &[AppendRequest],
    ) -> Result<Vec<Result<Appended, StoreError>>> {
        match self {
            WriterConnection::Sqlite(conn) => {
                crate::sqlite::messages::append_batch_on(conn, batch).await
            }
            WriterConnection::Postgres(conn) => {
                crate::postgres::messages::append_batch_on(conn, batch).await
            }
        }
    }
}

impl Store {
    /// Messages of a conversation in seq order: after `after_seq`, or the last `limit`
    /// before `before_seq`.
    pub async fn messages(
        &self,
        tenant_id: Uuid,
        conversation_id: Uuid,
        after_seq: i64,
        before_seq: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Message>> {
        dispatch!(
            self,
            messages::messages(tenant_id, conversation_id, after_seq, before_seq, limit)
        )
    }

    /// Appends a batch of messages in one transaction (the group commit). The outer result
    /// fails only when the transaction did; per-message refusals are inner errors.
    pub async fn append_batch(
        &self,
        batch: &[AppendRequest],
    ) -> Result<Vec<Result<Appended, StoreError>>> {
        dispatch!(self, messages::append_batch(batch))
    }

    /// A connection taken out of the pool for the writer's sole use.
    pub async fn writer_connection(&self) -> Result<WriterConnection> {
        Ok(match &self.pool {
            crate::Backend::Sqlite(pool) => {
                WriterConnection::Sqlite(crate::sqlite::messages::writer_connection(pool).await?)
            }
            crate::Backend::Postgres(pool) => WriterConnection::Postgres(
                crate::postgres::messages::writer_connection(pool).await?,
            ),
        })
    }
}
