//! The SQL of the server's own rows: a liveness probe, and the server-wide secrets every
//! process on the database shares.

use kefu_domain::time::now_ms;
use sqlx::Pool;

use super::Db;
use crate::Result;

pub(crate) async fn ping(pool: &Pool<Db>) -> Result<()> {
    sqlx::query("SELECT 1").execute(pool).await?;
    Ok(())
}

/// Stores `fresh` (already sealed) under `name` unless a value is there; returns the stored one.
pub(crate) async fn server_secret(pool: &Pool<Db>, name: &str, fresh: &str) -> Result<String> {
    sqlx::query(
        "INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(fresh)
    .bind(now_ms())
    .execute(pool)
    .await?;
    let (value,): (String,) = sqlx::query_as("SELECT value FROM server_secrets WHERE name = $1")
        .bind(name)
        .fetch_one(pool)
        .await?;
    Ok(value)
}

/// A server secret's stored (sealed) value, if it exists.
pub(crate) async fn stored_secret(pool: &Pool<Db>, name: &str) -> Result<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as("SELECT value FROM server_secrets WHERE name = $1")
        .bind(name)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|(value,)| value))
}
