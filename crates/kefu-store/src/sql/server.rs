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
