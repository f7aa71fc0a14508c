//! The logical export and import behind `kefu backup` and `kefu restore` (issue #15): the
//! same rows whichever backend they come from or go to, so a shop can move from SQLite to
//! PostgreSQL (SQL: `sql/backup.rs`). The archive around them is `kefu-server`'s.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Result, Store};

/// A table as exported: its name and its columns, in the order each row's values come.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableShape {
    pub name: String,
    pub columns: Vec<String>,
}

/// Where an export goes: each table, then its rows, one after another.
pub trait Dump {
    fn table(&mut self, shape: &TableShape) -> Result<()>;
    fn row(&mut self, values: Vec<Value>) -> Result<()>;
}

/// Where an import comes from.
pub trait Load {
    /// The tables the export holds.
    fn tables(&self) -> Vec<TableShape>;
    /// Up to `max` more rows of `table`, in their order; none once all are read.
    fn next_rows(&mut self, table: &str, max: usize) -> Result<Vec<Vec<Value>>>;
}

impl Store {
    /// Every table's rows from one committed state (the writer keeps committing meanwhile);
    /// returns the schema version (the last migration applied).
    pub async fn export(&self, dump: &mut (impl Dump + Send)) -> Result<i64> {
        dispatch!(self, backup::export(dump))
    }

    /// Replaces everything in this database by `load`'s rows, in one transaction: all of it
    /// or none. Returns the rows written per table.
    pub async fn import(&self, load: &mut (impl Load + Send)) -> Result<BTreeMap<String, u64>> {
        dispatch!(self, backup::import(load))
    }

    /// The last migration this database has (an export must come from the same schema).
    pub async fn schema_version(&self) -> Result<i64> {
        dispatch!(self, backup::migrated_version())
    }
}
