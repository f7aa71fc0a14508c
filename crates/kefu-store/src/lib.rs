//! kefu's one storage boundary. SQLite (embedded, the default) and PostgreSQL sit behind the
//! same use-case methods on [`Store`]; the backend is chosen by the URL scheme.
//!
//! Each resource has two files of the same name: `src/<resource>.rs` holds its `Store`
//! methods and types, `src/sql/<resource>.rs` its SQL, compiled once per backend (below).
//! Every statement lives in `src/sql/`; the DML is the portable subset (`$n` placeholders,
//! `RETURNING`, `ON CONFLICT`), the DDL lives in `migrations/{sqlite,postgres}`.

/// Calls the same-named function of a resource's SQL module in the backend that matches the
/// pool: `dispatch!(self, conversations::conversation(tenant_id, id))`.
macro_rules! dispatch {
    ($self:ident, $resource:ident :: $f:ident ( $($arg:expr),* $(,)? )) => {
        match &$self.pool {
            $crate::Backend::Sqlite(pool) => $crate::sqlite::$resource::$f(pool, $($arg),*).await,
            $crate::Backend::Postgres(pool) => $crate::postgres::$resource::$f(pool, $($arg),*).await,
        }
    };
}

// The resources, each with its `impl Store` block; defined after `dispatch!`, which they use.
mod accounts;
mod appeals;
mod approvals;
mod arbitrations;
mod attachments;
mod audit;
mod automation;
pub mod backup;
mod blocklist;
mod buyers;
mod channels;
mod cockpit;
mod commerce;
mod conversations;
mod escalations;
mod flows;
mod handoffs;
mod kpi;
mod messages;
mod notes;
mod permission_groups;
mod phrases;
mod playbooks;
mod qa;
mod questions;
mod ratings;
mod robot;
mod robot_training;
mod routing;
mod server;
mod sessions;
mod tags;
mod teams;
mod tenants;

mod leader;
mod rows;
pub mod scratch;
pub mod vault;
mod work_orders;
pub mod writer;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

pub use accounts::{AccountChange, NewUser, PhoneCodeCheck};
pub use appeals::AppealScope;
pub use approvals::NewApproval;
pub use attachments::{NewAttachment, StoredAttachment};
pub use audit::{AuditFilter, AuditVerdict, NewAudit};
pub use automation::{IdleConversation, ShopDocument};
pub use blocklist::NewBlock;
pub use channels::{ChannelChange, ChannelMove, ChannelRow, ChannelSeen, NewChannel};
pub use cockpit::{AnomalyEvent, NewAlert};
pub use commerce::UpsertCounts;
pub use conversations::{NewConversation, StatusFilter};
pub use escalations::{Delivery, DeliveryTry, EscalationQuery, NewDelivery};
pub use flows::FlowRow;
pub use handoffs::NewHandoff;
pub use kpi::{DayLog, DroppedRow, HourFilter, HourRow, KpiChanges, KpiRow, RankingRow};
pub use leader::Leadership;
pub use messages::WriterConnection;
pub use phrases::{PhraseRow, Visible};
pub use qa::{NewQaReview, QaChange, QaFilter};
pub use questions::{
    AskedQuestion, MinedWeek, NewTopic, NewTopicProblem, ProblemRow, TopicRow, TopicWeek,
    TopicWeekRow,
};
pub use ratings::RatingChange;
pub use robot::{KbRow, NewRobotLog};
pub use robot_training::{NewProposal, ProposalRow, RobotMiss};
pub use routing::{Claim, Stranded};
pub use sessions::SessionInfo;
pub use teams::AgentActivity;
pub use vault::{Field, Vault};
pub use work_orders::{
    NewWorkOrderEvent, OwnerFilter, WorkOrderEvent, WorkOrderQuery, WorkOrderView,
};
pub use writer::{AppendRequest, Appended};

/// Everything that can go wrong below the API. The server maps these to error codes.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is not what kefu wrote: {0}")]
    Corrupt(String),
    #[error("unsupported database URL `{0}`: use sqlite://… or postgres://…")]
    UnsupportedUrl(String),
    /// The named thing does not exist in the caller's tenant.
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("the message writer has stopped")]
    WriterGone,
    /// The key file is missing, unreadable or malformed.
    #[error("encryption keys: {0}")]
    Vault(String),
    /// A value is sealed with a key the key file does not hold.
    #[error(
        "a value in the database is sealed with key {key}, which {file} does not hold: use the \
         key file this database was sealed with"
    )]
    KeyMissing { key: String, file: String },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Maps a unique-index violation to `Conflict(code)`, any other error to `Database`.
fn unique_as_conflict(code: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(code),
        _ => StoreError::Database(e),
    }
}

/// The database and the keys of its sealed fields. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: Backend,
    vault: Vault,
}

/// A connection pool to one of the two backends.
#[derive(Clone, Debug)]
enum Backend {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

/// Rows per multi-row statement; keeps every statement far below both backends' bind limits.
const ROWS_PER_STATEMENT: usize = 400;

/// The SQL of every resource, one module each in `src/sql/`, compiled once per backend: the
/// same source with `Db = Sqlite`, and again (below) with `Db = Postgres`.
#[path = "sql"]
mod sqlite {
    type Db = sqlx::Sqlite;
    /// Take the write lock at BEGIN: a deferred transaction that reads first cannot upgrade
    /// once another connection has committed, and fails without waiting for the busy timeout.
    const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";
    /// SQLite has no row locks; BEGIN IMMEDIATE already holds the database's write lock.
    const LOCK_ROWS: &str = "";
    const LOCK_ROW: &str = "";
    /// BEGIN IMMEDIATE already makes audit appends follow one another.
    const LOCK_AUDIT_CHAIN: &str = "";
    /// One tenant's question weeks are saved one at a time (SQLite's one writer already).
    const LOCK_QUESTION_WEEKS: &str = "";
    /// One tenant's buyers are linked one at a time (SQLite's one writer already).
    const LOCK_BUYER_LINKS: &str = "";
    const IS_POSTGRES: bool = false;
    /// A deferred transaction's first read fixes its WAL snapshot.
    const SNAPSHOT: &str = "";
    const LIST_TABLES: &str = "SELECT name FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name";
    const LIST_COLUMNS: &str = "SELECT name, type FROM pragma_table_info($1) ORDER BY cid";
    const PRIMARY_KEY: &str = "SELECT name FROM pragma_table_info($1) WHERE pk > 0 ORDER BY pk";
    const LIST_REFERENCES: &str = "SELECT m.name, f.\"table\" FROM sqlite_master m, \
         pragma_foreign_key_list(m.name) f WHERE m.type = 'table'";
    /// SQLite continues AUTOINCREMENT after the largest id inserted by itself.
    const SERIAL_COLUMNS: &str = "SELECT '', '' WHERE 0";
    pub(crate) mod accounts;
    pub(crate) mod appeals;
    pub(crate) mod approvals;
    pub(crate) mod arbitrations;
    pub(crate) mod attachments;
    pub(crate) mod audit;
    pub(crate) mod automation;
    pub(crate) mod backup;
    pub(crate) mod blocklist;
    pub(crate) mod buyers;
    pub(crate) mod channels;
    pub(crate) mod cockpit;
    pub(crate) mod commerce;
    pub(crate) mod conversations;
    pub(crate) mod escalations;
    pub(crate) mod flows;
    pub(crate) mod handoffs;
    pub(crate) mod kpi;
    pub(crate) mod messages;
    pub(crate) mod notes;
    pub(crate) mod permission_groups;
    pub(crate) mod phrases;
    pub(crate) mod playbooks;
    pub(crate) mod qa;
    pub(crate) mod questions;
    pub(crate) mod ratings;
    pub(crate) mod robot;
    pub(crate) mod robot_training;
    pub(crate) mod routing;
    pub(crate) mod server;
    pub(crate) mod sessions;
    pub(crate) mod tags;
    pub(crate) mod teams;
    pub(crate) mod tenants;
    pub(crate) mod vault;
    pub(crate) mod work_orders;
}

#[path = "sql"]
#[allow(clippy::duplicate_mod)] // the second compilation of `src/sql/`, by design
mod postgres {
    type Db = sqlx::Postgres;
    const BEGIN_WRITE: &str = "BEGIN";
    /// Lock the batch's conversations (in id order, so writers never deadlock) so that seqs
    /// stay gap-free when several processes write to one conversation.
    const LOCK_ROWS: &str = " ORDER BY c.id FOR UPDATE OF c";
    /// Lock the one row read, for a check-then-write that must not interleave.
    const LOCK_ROW: &str = " FOR UPDATE";
    /// One tenant's audit appends follow one another: a transaction-scoped advisory lock on
    /// (class 5, the tenant), outside the one-key space of the jobs' leader lock.
    const LOCK_AUDIT_CHAIN: &str = "SELECT pg_advisory_xact_lock(5, hashtext($1))";
    /// One tenant's question weeks are saved one at a time (class 6, the tenant): two minings
    /// of one week at once would both delete, then both insert the same keys.
    const LOCK_QUESTION_WEEKS: &str = "SELECT pg_advisory_xact_lock(6, hashtext($1))";
    /// One tenant's buyers are linked one at a time (class 7, the tenant): two buyers given
    /// one key at once would each miss the other's uncommitted key, and two links locking
    /// the same buyers in opposite orders would deadlock.
    const LOCK_BUYER_LINKS: &str = "SELECT pg_advisory_xact_lock(7, hashtext($1))";
    const IS_POSTGRES: bool = true;
    const SNAPSHOT: &str = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY";
    const LIST_TABLES: &str = "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
         AND table_name <> '_sqlx_migrations' ORDER BY table_name";
    const LIST_COLUMNS: &str = "SELECT column_name::text, data_type::text \
         FROM information_schema.columns WHERE table_schema = current_schema() \
         AND table_name = $1 ORDER BY ordinal_position";
    const PRIMARY_KEY: &str = "SELECT k.column_name::text \
         FROM information_schema.table_constraints c \
         JOIN information_schema.key_column_usage k ON k.constraint_name = c.constraint_name \
         AND k.table_schema = c.table_schema AND k.table_name = c.table_name \
         WHERE c.constraint_type = 'PRIMARY KEY' AND c.table_schema = current_schema() \
         AND c.table_name = $1 ORDER BY k.ordinal_position";
    const LIST_REFERENCES: &str = "SELECT c.table_name::text, u.table_name::text \
         FROM information_schema.table_constraints c \
         JOIN information_schema.constraint_column_usage u \
         ON u.constraint_name = c.constraint_name AND u.table_schema = c.table_schema \
         WHERE c.constraint_type = 'FOREIGN KEY' AND c.table_schema = current_schema()";
    const SERIAL_COLUMNS: &str = "SELECT table_name::text, column_name::text \
         FROM information_schema.columns WHERE table_schema = current_schema() \
         AND column_default LIKE 'nextval(%'";
    pub(crate) mod accounts;
    pub(crate) mod appeals;
    pub(crate) mod approvals;
    pub(crate) mod arbitrations;
    pub(crate) mod attachments;
    pub(crate) mod audit;
    pub(crate) mod automation;
    pub(crate) mod backup;
    pub(crate) mod blocklist;
    pub(crate) mod buyers;
    pub(crate) mod channels;
    pub(crate) mod cockpit;
    pub(crate) mod commerce;
    pub(crate) mod conversations;
    pub(crate) mod escalations;
    pub(crate) mod flows;
    pub(crate) mod handoffs;
    pub(crate) mod kpi;
    pub(crate) mod messages;
    pub(crate) mod notes;
    pub(crate) mod permission_groups;
    pub(crate) mod phrases;
    pub(crate) mod playbooks;
    pub(crate) mod qa;
    pub(crate) mod questions;
    pub(crate) mod ratings;
    pub(crate) mod robot;
    pub(crate) mod robot_training;
    pub(crate) mod routing;
    pub(crate) mod server;
    pub(crate) mod sessions;
    pub(crate) mod tags;
    pub(crate) mod teams;
    pub(crate) mod tenants;
    pub(crate) mod vault;
    pub(crate) mod work_orders;
}

/// Copies committed WAL pages into the SQLite database once a second, on a pool connection,
/// so the group-commit writer never pays for a checkpoint. PASSIVE never blocks the writer.
fn checkpoint_in_background(pool: sqlx::SqlitePool) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            if pool.is_closed() {
                return;
            }
            if let Err(error) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&pool)
                .await
            {
                tracing::debug!(%error, "background checkpoint failed");
            }
        }
    });
}

impl Store {
    /// Opens the database named by `url` (`sqlite://path` or `postgres://…`), creating an
    /// SQLite file if needed, applies pending migrations, and checks that `vault` opens the
    /// database's sealed fields (sealing any written before sealing existed).
    pub async fn connect(url: &str, vault: Vault) -> Result<Store> {
        let pool = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // Acked means durable: a commit survives power loss, not only a crash.
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                // 1 KiB pages: a commit writes every touched page to the WAL, so smaller
                // pages mean fewer bytes per message.
                .page_size(1024)
                // Read pages through a memory map; keep the page cache small, since SQLite
                // walks all of it at the end of every write transaction.
                .pragma("mmap_size", "268435456")
                .pragma("cache_size", "-4096")
                // Statement journals in memory, not in temporary files.
                .pragma("temp_store", "memory")
                // Checkpoints run in the background (`checkpoint_in_background`), not inside
                // the writer's commits.
                .pragma("wal_autocheckpoint", "0");
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .connect_with(options)
                .await?;
            checkpoint_in_background(pool.clone());
            Backend::Sqlite(pool)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await?;
            Backend::Postgres(pool)
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_owned()));
        };
        let store = Store { pool, vault };
        store.migrate().await?;
        store.check_vault().await?;
        Ok(store)
    }

    /// The SQLite URL for a database file inside `data_dir`.
    pub fn sqlite_url_in(data_dir: &Path) -> String {
        format!("sqlite://{}", data_dir.join("kefu.db").display())
    }

    async fn migrate(&self) -> Result<()> {
        match &self.pool {
            Backend::Sqlite(pool) => sqlx::migrate!("migrations/sqlite").run(pool).await?,
            Backend::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    pub fn backend_name(&self) -> &'static str {
        match &self.pool {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    pub async fn close(&self) {
        match &self.pool {
            Backend::Sqlite(pool) => pool.close().await,
            Backend::Postgres(pool) => pool.close().await,
        }
    }
}
