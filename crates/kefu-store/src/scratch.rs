//! Fresh PostgreSQL databases for tests: each test gets its own, so tests run in parallel.

use sqlx::Connection;

/// The server tests use unless `KEFU_TEST_POSTGRES_URL` names another.
pub const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

pub fn admin_url() -> String {
    std::env::var("KEFU_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_owned())
}

/// Creates an empty database next to the admin URL's and returns its URL.
pub async fn create_database() -> Result<String, sqlx::Error> {
    let admin = admin_url();
    let name = format!("kefu_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&admin).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    let base = admin
        .rsplit_once('/')
        .map(|(base, _)| base)
        .unwrap_or(&admin);
    Ok(format!("{base}/{name}"))
}
