//! Which process runs the background jobs. On PostgreSQL: the one holding a session-level
//! advisory lock on a connection of its own, outside the pool; the lock goes with the
//! connection (a crash, a lost network), and the next process to ask takes it over. SQLite
//! serves a single process, which always leads.

use sqlx::Connection;

use crate::{Result, Store};

/// Held while this process leads. Dropping it closes its connection, which frees the lock.
pub struct Leadership(Option<sqlx::PgConnection>);

impl Store {
    /// Becomes the leader for `key` if no process is; `None` when another one is.
    pub async fn lead(&self, key: i64) -> Result<Option<Leadership>> {
        match &self.pool {
            crate::Backend::Sqlite(_) => Ok(Some(Leadership(None))),
            crate::Backend::Postgres(pool) => {
                // Detached: returned to the pool, the connection would keep the lock.
                let mut conn = pool.acquire().await?.detach();
                let (won,): (bool,) = sqlx::query_as("SELECT pg_try_advisory_lock($1)")
                    .bind(key)
                    .fetch_one(&mut conn)
                    .await?;
                if won {
                    Ok(Some(Leadership(Some(conn))))
                } else {
                    conn.close().await?;
                    Ok(None)
                }
            }
        }
    }
}

impl Leadership {
    /// Whether this process still leads: its lock's connection still answers.
    pub async fn holds(&mut self) -> bool {
        match &mut self.0 {
            None => true,
            Some(conn) => conn.ping().await.is_ok(),
        }
    }
}
