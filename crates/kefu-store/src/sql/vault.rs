//! The SQL of sealed fields (issue #14): paging through a sealed column, and replacing one
//! value only when it is still the one read (another process may have resealed it).

use sqlx::Pool;

use super::Db;
use crate::Result;
use crate::vault::Field;

/// Up to `limit` (row key, stored value) pairs of `field` after the row key `after`.
pub(crate) async fn sealed_page(
    pool: &Pool<Db>,
    field: Field,
    after: &str,
    limit: i64,
) -> Result<Vec<(String, String)>> {
    let (table, key, column) = field.columns();
    // Only compile-time names are spliced in.
    let rows: Vec<(String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {key}, {column} FROM {table} WHERE {key} > $1 AND {column} IS NOT NULL \
         ORDER BY {key} LIMIT $2"
    )))
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

/// Replaces a stored value if it is still `old`; says whether it did.
pub(crate) async fn replace_sealed(
    pool: &Pool<Db>,
    field: Field,
    row: &str,
    old: &str,
    new: &str,
) -> Result<bool> {
    let (table, key, column) = field.columns();
    let done = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE {table} SET {column} = $1 WHERE {key} = $2 AND {column} = $3"
    )))
    .bind(new)
    .bind(row)
    .bind(old)
    .execute(pool)
    .await?
    .rows_affected();
    Ok(done == 1)
}
