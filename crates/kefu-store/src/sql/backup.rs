//! The SQL of the logical export and import (issue #15, `kefu backup` / `kefu restore`): every
//! table read in one snapshot, each value as JSON by its column's type; written back in
//! foreign-key order into an emptied database of either backend.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use sqlx::{Column, Pool, QueryBuilder, Row, TypeInfo, ValueRef};

use super::{
    BEGIN_WRITE, Db, IS_POSTGRES, LIST_COLUMNS, LIST_REFERENCES, LIST_TABLES, PRIMARY_KEY,
    SERIAL_COLUMNS, SNAPSHOT,
};
use crate::backup::{Dump, Load, TableShape};
use crate::{ROWS_PER_STATEMENT, Result, StoreError};

/// What a column holds, as both backends name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Int,
    /// PostgreSQL's `integer` binds as i32 (SQLite's integers are all i64).
    Int4,
    Bool,
    Float,
    Text,
}

impl Kind {
    /// From a declared type (SQLite's `pragma_table_info`, PostgreSQL's `data_type`).
    fn of_declared(declared: &str) -> Option<Kind> {
        let upper = declared.to_ascii_uppercase();
        Some(match upper.as_str() {
            "INTEGER" if IS_POSTGRES => Kind::Int4,
            _ if upper.contains("BOOL") => Kind::Bool,
            _ if upper.contains("INT") => Kind::Int,
            _ if upper.contains("REAL") || upper.contains("DOUB") || upper.contains("FLOA") => {
                Kind::Float
            }
            _ if upper.contains("TEXT") || upper.contains("CHAR") => Kind::Text,
            _ => return None,
        })
    }
}

fn unsupported(table: &str, column: &str, declared: &str) -> StoreError {
    StoreError::Corrupt(format!(
        "{table}.{column}: type {declared} has no place in a kefu backup"
    ))
}

async fn schema_version<'c>(conn: impl sqlx::Executor<'c, Database = Db>) -> Result<i64> {
    let (version,): (Option<i64>,) = sqlx::query_as("SELECT MAX(version) FROM _sqlx_migrations")
        .fetch_one(conn)
        .await?;
    Ok(version.unwrap_or(0))
}

pub(crate) async fn migrated_version(pool: &Pool<Db>) -> Result<i64> {
    schema_version(pool).await
}

/// Every table with its columns (declared types) and primary key, in `conn`'s view.
async fn shapes(
    conn: &mut <Db as sqlx::Database>::Connection,
) -> Result<Vec<(TableShape, Vec<Kind>, Vec<String>)>> {
    let tables: Vec<(String,)> = sqlx::query_as(LIST_TABLES).fetch_all(&mut *conn).await?;
    let mut shapes = vec![];
    for (table,) in tables {
        let columns: Vec<(String, String)> = sqlx::query_as(LIST_COLUMNS)
            .bind(&table)
            .fetch_all(&mut *conn)
            .await?;
        let key: Vec<(String,)> = sqlx::query_as(PRIMARY_KEY)
            .bind(&table)
            .fetch_all(&mut *conn)
            .await?;
        let kinds = columns
            .iter()
            .map(|(name, declared)| {
                Kind::of_declared(declared).ok_or_else(|| unsupported(&table, name, declared))
            })
            .collect::<Result<Vec<_>>>()?;
        shapes.push((
            TableShape {
                name: table,
                columns: columns.into_iter().map(|(name, _)| name).collect(),
            },
            kinds,
            key.into_iter().map(|(k,)| k).collect(),
        ));
    }
    Ok(shapes)
}

/// Reads every table in one snapshot (a deferred transaction on SQLite's WAL; repeatable
/// read on PostgreSQL), so what is exported is one committed state. Returns the schema
/// version.
pub(crate) async fn export(pool: &Pool<Db>, dump: &mut (impl Dump + Send)) -> Result<i64> {
    use futures::TryStreamExt;
    let mut tx = pool.begin().await?;
    if !SNAPSHOT.is_empty() {
        sqlx::query(SNAPSHOT).execute(&mut *tx).await?;
    }
    let version = schema_version(&mut *tx).await?;
    for (shape, kinds, key) in shapes(&mut tx).await? {
        dump.table(&shape)?;
        let order = if key.is_empty() {
            shape.columns.join(", ")
        } else {
            key.join(", ")
        };
        let sql = format!(
            "SELECT {} FROM {} ORDER BY {order}",
            shape.columns.join(", "),
            shape.name
        );
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&mut *tx);
        while let Some(row) = rows.try_next().await? {
            let values = kinds
                .iter()
                .enumerate()
                .map(|(i, kind)| value_of(&row, i, *kind, &shape.name))
                .collect::<Result<Vec<_>>>()?;
            dump.row(values)?;
        }
    }
    tx.commit().await?;
    Ok(version)
}

/// One value as JSON. SQLite keeps what was stored whatever the declared type, so there the
/// value's own storage class decides.
fn value_of(row: &<Db as sqlx::Database>::Row, i: usize, kind: Kind, table: &str) -> Result<Value> {
    let raw = row.try_get_raw(i)?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    let stored = raw.type_info().name().to_ascii_uppercase();
    let kind = match stored.as_str() {
        "INTEGER" if !IS_POSTGRES => Kind::Int,
        "REAL" if !IS_POSTGRES => Kind::Float,
        "TEXT" if !IS_POSTGRES => Kind::Text,
        _ => kind,
    };
    let refused = |_| unsupported(table, row.column(i).name(), &stored);
    Ok(match kind {
        Kind::Int => Value::from(row.try_get::<i64, _>(i).map_err(refused)?),
        Kind::Int4 => Value::from(i64::from(row.try_get::<i32, _>(i).map_err(refused)?)),
        Kind::Bool => Value::from(row.try_get::<bool, _>(i).map_err(refused)?),
        Kind::Text => Value::from(row.try_get::<String, _>(i).map_err(refused)?),
        Kind::Float => {
            let number = row.try_get::<f64, _>(i).map_err(refused)?;
            // A stored NaN or infinity has no JSON form.
            Value::Number(
                serde_json::Number::from_f64(number).ok_or_else(|| {
                    unsupported(table, row.column(i).name(), "a non-finite number")
                })?,
            )
        }
    })
}

/// Tables in an order where each comes after every table it references.
fn insert_order(tables: &[String], references: &[(String, String)]) -> Result<Vec<String>> {
    let mut needs: BTreeMap<&str, BTreeSet<&str>> = tables
        .iter()
        .map(|t| (t.as_str(), BTreeSet::new()))
        .collect();
    for (table, referenced) in references {
        if table != referenced
            && let Some(set) = needs.get_mut(table.as_str())
        {
            set.insert(referenced.as_str());
        }
    }
    let mut order = vec![];
    while !needs.is_empty() {
        let ready: Vec<&str> = needs
            .iter()
            .filter(|(_, n)| n.iter().all(|r| !needs.contains_key(r)))
            .map(|(t, _)| *t)
            .collect();
        if ready.is_empty() {
            return Err(StoreError::Corrupt(format!(
                "foreign keys form a cycle among {:?}",
                needs.keys().collect::<Vec<_>>()
            )));
        }
        for table in ready {
            needs.remove(table);
            order.push(table.to_owned());
        }
    }
    Ok(order)
}

fn bind_value(
    builder: &mut sqlx::query_builder::Separated<'_, Db, &'static str>,
    kind: Kind,
    value: Value,
    at: &str,
) -> Result<()> {
    let bad = |what: &str| StoreError::Corrupt(format!("{at}: not {what}"));
    match (kind, value) {
        (Kind::Int, Value::Null) => builder.push_bind(None::<i64>),
        (Kind::Int4, Value::Null) => builder.push_bind(None::<i32>),
        (Kind::Bool, Value::Null) => builder.push_bind(None::<bool>),
        (Kind::Float, Value::Null) => builder.push_bind(None::<f64>),
        (Kind::Text, Value::Null) => builder.push_bind(None::<String>),
        (Kind::Int, Value::Bool(b)) => builder.push_bind(i64::from(b)),
        (Kind::Int, v) => builder.push_bind(v.as_i64().ok_or_else(|| bad("an integer"))?),
        (Kind::Int4, v) => builder.push_bind(
            v.as_i64()
                .and_then(|n| i32::try_from(n).ok())
                .ok_or_else(|| bad("a 32-bit integer"))?,
        ),
        (Kind::Bool, Value::Bool(b)) => builder.push_bind(b),
        (Kind::Bool, v) => builder.push_bind(v.as_i64().ok_or_else(|| bad("a boolean"))? != 0),
        (Kind::Float, v) => builder.push_bind(v.as_f64().ok_or_else(|| bad("a number"))?),
        (Kind::Text, Value::String(s)) => builder.push_bind(s),
        (Kind::Text, _) => return Err(bad("text")),
    };
    Ok(())
}

/// Empties every table and writes `load`'s rows in their place, in one transaction; returns
/// the rows written per table. Tables the export has that this schema lacks, or columns it
/// does not know, are refused before anything is written.
pub(crate) async fn import(
    pool: &Pool<Db>,
    load: &mut (impl Load + Send),
) -> Result<BTreeMap<String, u64>> {
    let mut conn = pool.acquire().await?;
    let here = shapes(&mut conn).await?;
    let references: Vec<(String, String)> = sqlx::query_as(LIST_REFERENCES)
        .fetch_all(&mut *conn)
        .await?;
    let serials: Vec<(String, String)> =
        sqlx::query_as(SERIAL_COLUMNS).fetch_all(&mut *conn).await?;
    drop(conn);
    let kinds: BTreeMap<&str, BTreeMap<&str, Kind>> = here
        .iter()
        .map(|(shape, kinds, _)| {
            (
                shape.name.as_str(),
                shape
                    .columns
                    .iter()
                    .map(String::as_str)
                    .zip(kinds.iter().copied())
                    .collect(),
            )
        })
        .collect();
    let exported = load.tables();
    for shape in &exported {
        let Some(columns) = kinds.get(shape.name.as_str()) else {
            return Err(StoreError::Corrupt(format!(
                "the backup has a table `{}` this kefu does not know",
                shape.name
            )));
        };
        if let Some(unknown) = shape
            .columns
            .iter()
            .find(|c| !columns.contains_key(c.as_str()))
        {
            return Err(StoreError::Corrupt(format!(
                "the backup has a column `{}.{unknown}` this kefu does not know",
                shape.name
            )));
        }
    }
    let names: Vec<String> = here.iter().map(|(s, _, _)| s.name.clone()).collect();
    let order = insert_order(&names, &references)?;
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    for table in order.iter().rev() {
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}")))
            .execute(&mut *tx)
            .await?;
    }
    let mut written = BTreeMap::new();
    for table in &order {
        let Some(shape) = exported.iter().find(|s| &s.name == table) else {
            continue;
        };
        let columns = &kinds[table.as_str()];
        let shape_kinds: Vec<Kind> = shape.columns.iter().map(|c| columns[c.as_str()]).collect();
        let head = format!("INSERT INTO {table} ({}) ", shape.columns.join(", "));
        let mut count = 0u64;
        loop {
            let rows = load.next_rows(table, ROWS_PER_STATEMENT)?;
            if rows.is_empty() {
                break;
            }
            let mut builder = QueryBuilder::<Db>::new(head.clone());
            let mut failure = None;
            builder.push_values(rows, |mut b, row| {
                if row.len() != shape_kinds.len() {
                    failure.get_or_insert(StoreError::Corrupt(format!(
                        "{table}: a row of {} values for {} columns",
                        row.len(),
                        shape_kinds.len()
                    )));
                    return;
                }
                for ((value, kind), column) in row.into_iter().zip(&shape_kinds).zip(&shape.columns)
                {
                    if let Err(e) = bind_value(&mut b, *kind, value, &format!("{table}.{column}")) {
                        failure.get_or_insert(e);
                    }
                }
            });
            if let Some(failure) = failure {
                return Err(failure);
            }
            count += builder.build().execute(&mut *tx).await?.rows_affected();
        }
        written.insert(table.clone(), count);
    }
    // PostgreSQL's serial columns continue after the rows restored.
    for (table, column) in serials {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), \
             COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)"
        )))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_come_after_those_they_reference() {
        let tables: Vec<String> = ["messages", "tenants", "conversations", "users"]
            .map(String::from)
            .to_vec();
        let refs = [
            ("messages", "conversations"),
            ("conversations", "tenants"),
            ("users", "tenants"),
            ("messages", "messages"),
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()));
        let order = insert_order(&tables, &refs).unwrap();
        let at = |t: &str| order.iter().position(|x| x == t).unwrap();
        assert!(at("tenants") < at("conversations"));
        assert!(at("conversations") < at("messages"));
        assert!(at("tenants") < at("users"));
        let cycle = [("a", "b"), ("b", "a")].map(|(a, b)| (a.to_owned(), b.to_owned()));
        assert!(insert_order(&["a".into(), "b".into()], &cycle).is_err());
    }
}
