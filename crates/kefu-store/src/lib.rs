//! kefu's one storage boundary. SQLite (embedded, the default) and PostgreSQL sit behind the
//! same use-case methods on [`Store`]; the backend is chosen by the URL scheme.
//!
//! Every SQL text lives in `src/sql/`, one module per resource, compiled once per backend;
//! the DML is the portable subset (`$n` placeholders, `RETURNING`, `ON CONFLICT`), the DDL
//! lives in `migrations/{sqlite,postgres}`.

mod rows;
pub mod writer;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use kefu_domain::account::{AgentStatus, Buyer, Tenant, TenantKind, User};
use kefu_domain::channel::{Channel, Entry};
use kefu_domain::commerce::{
    BuyerNote, EntryContext, HandoffCase, Order, OrderInput, Partner, Product, ProductInput,
};
use kefu_domain::conversation::{
    ConversationEvent, ConversationStatus, ConversationSummary, InternalNote,
};
use kefu_domain::guard::{
    Approval, ApprovalKind, ApprovalStatus, AuditEntry, Grant, PermissionGroup, ShopSettings, Team,
};
use kefu_domain::message::{Attachment, Message};
use kefu_domain::robot::{RobotLogEntry, RobotSettings};
use kefu_domain::role::{Permission, Permissions, Role};
use kefu_domain::routing::{RouterState, RoutingRule};
use kefu_domain::tags::Tag;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use uuid::Uuid;

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
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Maps a unique-index violation to `Conflict(code)`, any other error to `Database`.
fn unique_as_conflict(code: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(code),
        _ => StoreError::Database(e),
    }
}

/// A connection pool to one of the two backends. Cheap to clone.
#[derive(Clone, Debug)]
pub enum Store {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

/// Calls the same-named function of a resource's SQL module in the backend that matches the
/// pool: `dispatch!(self, conversations::conversation(tenant_id, id))`.
macro_rules! dispatch {
    ($self:ident, $resource:ident :: $f:ident ( $($arg:expr),* $(,)? )) => {
        match $self {
            Store::Sqlite(pool) => sqlite::$resource::$f(pool, $($arg),*).await,
            Store::Postgres(pool) => postgres::$resource::$f(pool, $($arg),*).await,
        }
    };
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
    pub(crate) mod accounts;
    pub(crate) mod after_sales;
    pub(crate) mod approvals;
    pub(crate) mod attachments;
    pub(crate) mod audit;
    pub(crate) mod buyers;
    pub(crate) mod commerce;
    pub(crate) mod conversations;
    pub(crate) mod flows;
    pub(crate) mod handoffs;
    pub(crate) mod messages;
    pub(crate) mod notes;
    pub(crate) mod permission_groups;
    pub(crate) mod robot;
    pub(crate) mod robot_training;
    pub(crate) mod routing;
    pub(crate) mod server;
    pub(crate) mod sessions;
    pub(crate) mod tags;
    pub(crate) mod teams;
    pub(crate) mod tenants;
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
    pub(crate) mod accounts;
    pub(crate) mod after_sales;
    pub(crate) mod approvals;
    pub(crate) mod attachments;
    pub(crate) mod audit;
    pub(crate) mod buyers;
    pub(crate) mod commerce;
    pub(crate) mod conversations;
    pub(crate) mod flows;
    pub(crate) mod handoffs;
    pub(crate) mod messages;
    pub(crate) mod notes;
    pub(crate) mod permission_groups;
    pub(crate) mod robot;
    pub(crate) mod robot_training;
    pub(crate) mod routing;
    pub(crate) mod server;
    pub(crate) mod sessions;
    pub(crate) mod tags;
    pub(crate) mod teams;
    pub(crate) mod tenants;
}

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
            WriterConnection::Sqlite(conn) => sqlite::messages::append_batch_on(conn, batch).await,
            WriterConnection::Postgres(conn) => {
                postgres::messages::append_batch_on(conn, batch).await
            }
        }
    }
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

/// A new account, with its password already hashed by the caller.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub tenant_id: Uuid,
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub team: Option<&'a str>,
    pub phone: Option<&'a str>,
    /// ACC-4: the end of the new account's probation, if it starts in one.
    pub probation_until: Option<i64>,
    /// Who created it (none for the demo seed and the first admin).
    pub created_by: Option<Uuid>,
}

/// An authenticated session or API token, found by the hash of its secret.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub user: User,
    pub csrf_token: String,
    pub is_ui: bool,
}

/// A file's metadata, recorded after its bytes are safely on disk.
#[derive(Debug, Clone)]
pub struct NewAttachment<'a> {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub uploader_kind: &'a str,
    pub uploader_id: Uuid,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i64,
    pub sha256: &'a str,
    pub storage_key: &'a str,
}

/// Where an attachment's bytes live, for serving them.
#[derive(Debug, Clone)]
pub struct StoredAttachment {
    pub attachment: Attachment,
    pub tenant_id: Uuid,
    pub storage_key: String,
}

/// A handoff to open (CH-5).
pub struct NewHandoff<'a> {
    pub tenant_id: Uuid,
    pub conversation_id: Uuid,
    pub order_no: &'a str,
    pub partner: &'a Partner,
    pub shared: serde_json::Value,
    pub note: &'a str,
    pub due_at: i64,
    pub created_by: Uuid,
}

/// What to change of an account; `None` keeps the value (`Some(None)` clears a team or a
/// probation).
#[derive(Debug, Clone, Default)]
pub struct AccountChange<'a> {
    pub display_name: Option<&'a str>,
    pub role: Option<Role>,
    pub team: Option<Option<&'a str>>,
    pub disabled: Option<bool>,
    pub probation_until: Option<Option<i64>>,
    pub max_concurrent: Option<i64>,
}

/// A sensitive operation to record (ACC-5).
#[derive(Debug, Clone)]
pub struct NewApproval<'a> {
    pub tenant_id: Uuid,
    pub kind: ApprovalKind,
    pub conversation_id: Option<Uuid>,
    pub order_no: &'a str,
    pub amount_fen: Option<i64>,
    pub payload: serde_json::Value,
    pub reason: &'a str,
    pub requested_by: Uuid,
}

/// An audit entry to append.
#[derive(Debug, Clone)]
pub struct NewAudit<'a> {
    pub tenant_id: Uuid,
    pub actor_id: Option<Uuid>,
    pub actor_name: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub detail: serde_json::Value,
}

/// Which audit entries to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter<'a> {
    pub actor_id: Option<Uuid>,
    /// An action, or a family: `refund` matches `refund.request` and `refund.approve`.
    pub action: Option<&'a str>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub limit: i64,
}

/// What `verify_audit` found: entries checked, and the first broken entry of each broken
/// chain (tenant, seq, what is wrong).
#[derive(Debug, Clone, Default)]
pub struct AuditVerdict {
    pub checked: u64,
    pub broken: Vec<(Uuid, i64, String)>,
}

/// One agent's numbers for the supervisor's live view (WB-9).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AgentActivity {
    /// Open conversations assigned now.
    pub load: i64,
    pub replies: i64,
    pub resolved: i64,
    pub first_replies: i64,
    pub first_reply_wait_ms_total: i64,
}

/// A conversation the router takes back (WB-7, WB-8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stranded {
    pub tenant_id: Uuid,
    pub conversation_id: Uuid,
    pub assignee_id: Uuid,
    /// Its team offers stranded conversations to grab.
    pub grab_mode: bool,
    /// `agent_away`, `agent_offline` or `no_reply`.
    pub reason: String,
    /// How long the buyer has waited, ms of wall-clock time.
    pub waited_ms: i64,
    /// When the unanswered buyer message came, for `no_reply`.
    pub waiting_since: Option<i64>,
    /// When the agent got it: a wait is counted from here at the earliest.
    pub assigned_at: Option<i64>,
    /// The team's response target, ms, and whether it counts office hours only (WB-7).
    pub target_ms: i64,
    pub office_hours_only: bool,
}

/// Who takes a waiting conversation: the router (within the agent's status and cap) or an
/// agent grabbing it (WB-8), recorded as the assignment's reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    Route,
    /// Taken from the list (the router is off).
    Grab,
    /// Grabbed after being offered to the team (WB-8): only while it is up for grabs and the
    /// agent is under their cap.
    GrabOffered,
}

/// A knowledge base entry as stored: its id and JSON body (BOT-1).
#[derive(Debug, Clone, PartialEq)]
pub struct KbRow {
    pub id: String,
    pub body: serde_json::Value,
    pub updated_at: i64,
}

/// A multi-turn flow as stored: its id and JSON body (BOT-4).
#[derive(Debug, Clone, PartialEq)]
pub struct FlowRow {
    pub id: String,
    pub body: serde_json::Value,
    pub updated_at: i64,
}

/// An after-sale request a flow is about to create.
#[derive(Debug, Clone)]
pub struct NewAfterSale<'a> {
    pub tenant_id: Uuid,
    pub order_no: &'a str,
    pub conversation_id: Option<Uuid>,
    pub member_id: &'a str,
    /// `return_refund`, `refund_only` or `exchange`.
    pub kind: &'a str,
    pub sku_code: Option<&'a str>,
    pub item_title: Option<&'a str>,
    pub reason: &'a str,
    pub detail: &'a str,
    pub photo_attachment_id: Option<Uuid>,
}

/// A stored after-sale request.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct AfterSaleRow {
    pub id: Uuid,
    /// What the buyer and the shop quote: `AS` + day + six digits.
    pub case_no: String,
    pub order_no: String,
    pub conversation_id: Option<Uuid>,
    pub member_id: String,
    pub kind: String,
    pub sku_code: Option<String>,
    pub item_title: Option<String>,
    pub reason: String,
    pub detail: String,
    pub photo_attachment_id: Option<Uuid>,
    pub status: String,
    pub created_at: i64,
}

/// A question the robot missed, with the first reply a person gave after it (BOT-5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RobotMiss {
    pub text: String,
    pub human_answer: Option<String>,
}

/// A proposal for the review queue.
#[derive(Debug, Clone)]
pub struct NewProposal {
    /// `new_entry` or `similar`.
    pub kind: String,
    pub entry_id: Option<String>,
    pub body: serde_json::Value,
    /// How many times buyers asked.
    pub asked: i64,
}

/// A stored proposal.
#[derive(Debug, Clone, PartialEq)]
pub struct ProposalRow {
    pub id: Uuid,
    pub kind: String,
    pub entry_id: Option<String>,
    pub body: serde_json::Value,
    pub asked: i64,
    pub status: String,
    pub created_at: i64,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<i64>,
}

/// A line for the robot's log.
#[derive(Debug, Clone)]
pub struct NewRobotLog<'a> {
    pub tenant_id: Uuid,
    pub conversation_id: Option<Uuid>,
    pub text: &'a str,
    /// `answer`, `clarify`, `handoff`, `greet`.
    pub action: &'a str,
    pub entry_id: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub confidence: f64,
    pub choices: &'a [String],
}

/// The outcome of checking a phone verification code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneCodeCheck {
    Verified,
    Wrong,
    Expired,
    TooManyAttempts,
    NoCode,
}

/// What an upsert of products or orders did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct UpsertCounts {
    pub created: u64,
    pub updated: u64,
    /// Sent again exactly as stored: nothing written.
    pub unchanged: u64,
}

impl std::ops::AddAssign for UpsertCounts {
    fn add_assign(&mut self, other: UpsertCounts) {
        self.created += other.created;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
    }
}

/// Which conversations a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    Only(ConversationStatus),
    All,
}

impl Store {
    /// Opens the database named by `url` (`sqlite://path` or `postgres://…`), creating an
    /// SQLite file if needed, and applies pending migrations.
    pub async fn connect(url: &str) -> Result<Store> {
        let store = if url.starts_with("sqlite:") {
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
            Store::Sqlite(pool)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await?;
            Store::Postgres(pool)
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_owned()));
        };
        store.migrate().await?;
        Ok(store)
    }

    /// The SQLite URL for a database file inside `data_dir`.
    pub fn sqlite_url_in(data_dir: &Path) -> String {
        format!("sqlite://{}", data_dir.join("kefu.db").display())
    }

    async fn migrate(&self) -> Result<()> {
        match self {
            Store::Sqlite(pool) => sqlx::migrate!("migrations/sqlite").run(pool).await?,
            Store::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    pub async fn close(&self) {
        match self {
            Store::Sqlite(pool) => pool.close().await,
            Store::Postgres(pool) => pool.close().await,
        }
    }

    /// Answers when the database does.
    pub async fn ping(&self) -> Result<()> {
        dispatch!(self, server::ping())
    }

    /// A server-wide secret, created on first use and shared by every process on the same
    /// database (token signing keys).
    pub async fn server_secret(&self, name: &str, fresh: &str) -> Result<String> {
        dispatch!(self, server::server_secret(name, fresh))
    }

    // Tenants (ACC-1)

    pub async fn create_tenant(
        &self,
        kind: TenantKind,
        slug: &str,
        name: &str,
        identity_secret: &str,
    ) -> Result<Tenant> {
        dispatch!(
            self,
            tenants::create_tenant(kind, slug, name, identity_secret)
        )
    }

    pub async fn tenant_by_slug(&self, slug: &str) -> Result<Option<Tenant>> {
        dispatch!(self, tenants::tenant_by_slug(slug))
    }

    pub async fn tenant(&self, id: Uuid) -> Result<Option<Tenant>> {
        dispatch!(self, tenants::tenant(id))
    }

    /// The secret a shop's site signs buyer identities with.
    pub async fn tenant_identity_secret(&self, id: Uuid) -> Result<Option<String>> {
        dispatch!(self, tenants::tenant_identity_secret(id))
    }

    // Users and sessions (ACC-2, ACC-3)

    pub async fn create_user(&self, user: &NewUser<'_>) -> Result<User> {
        dispatch!(self, accounts::create_user(user))
    }

    /// The user and their password hash, for login. Disabled users are not found.
    pub async fn user_for_login(&self, username: &str) -> Result<Option<(User, String)>> {
        dispatch!(self, accounts::user_for_login(username))
    }

    pub async fn user(&self, tenant_id: Uuid, id: Uuid) -> Result<Option<User>> {
        dispatch!(self, accounts::user(tenant_id, id))
    }

    pub async fn team(&self, tenant_id: Uuid) -> Result<Vec<User>> {
        dispatch!(self, accounts::team(tenant_id))
    }

    pub async fn set_user_status(
        &self,
        tenant_id: Uuid,
        user_id: Uuid,
        status: AgentStatus,
        break_until: Option<(&str, i64)>,
    ) -> Result<()> {
        dispatch!(
            self,
            accounts::set_user_status(tenant_id, user_id, status, break_until)
        )
    }

    /// Ends breaks whose time is up; returns (tenant, user) of each.
    pub async fn end_breaks(&self, now: i64) -> Result<Vec<(Uuid, Uuid)>> {
        dispatch!(self, accounts::end_breaks(now))
    }

    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: Uuid,
        is_ui: bool,
        name: &str,
        csrf_token: &str,
        expires_at: i64,
    ) -> Result<()> {
        dispatch!(
            self,
            sessions::create_session(token_hash, user_id, is_ui, name, csrf_token, expires_at)
        )
    }

    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionInfo>> {
        dispatch!(self, sessions::session(token_hash))
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        dispatch!(self, sessions::delete_session(token_hash))
    }

    // Buyers (CH-6)

    /// Finds or creates the buyer a channel knows by `external_id`, refreshing last-seen.
    pub async fn upsert_buyer(
        &self,
        tenant_id: Uuid,
        channel: Channel,
        external_id: &str,
        display_name: &str,
    ) -> Result<Buyer> {
        dispatch!(
            self,
            buyers::upsert_buyer(tenant_id, channel, external_id, display_name)
        )
    }

    pub async fn robot_settings(&self, tenant_id: Uuid) -> Result<RobotSettings> {
        dispatch!(self, robot::robot_settings(tenant_id))
    }

    pub async fn set_robot_settings(
        &self,
        tenant_id: Uuid,
        settings: &RobotSettings,
    ) -> Result<RobotSettings> {
        dispatch!(self, robot::set_robot_settings(tenant_id, settings))
    }

    pub async fn kb_entries(&self, tenant_id: Uuid) -> Result<Vec<KbRow>> {
        dispatch!(self, robot::kb_entries(tenant_id))
    }

    /// Inserts or replaces entries (id, JSON body) at once; bumps the version on a change.
    pub async fn upsert_kb_entries(
        &self,
        tenant_id: Uuid,
        entries: &[(String, serde_json::Value)],
        by: Option<Uuid>,
    ) -> Result<UpsertCounts> {
        dispatch!(self, robot::upsert_kb_entries(tenant_id, entries, by))
    }

    pub async fn delete_kb_entry(&self, tenant_id: Uuid, id: &str) -> Result<bool> {
        dispatch!(self, robot::delete_kb_entry(tenant_id, id))
    }

    /// The robot starts serving a new, unassigned conversation.
    pub async fn adopt_conversation(&self, tenant_id: Uuid, id: Uuid) -> Result<()> {
        dispatch!(self, robot::adopt_conversation(tenant_id, id))
    }

    /// The robot takes back a conversation a returning buyer reopened (`None` when it is
    /// already serving it or it is not open).
    pub async fn readopt_conversation(
        &self,
        tenant_id: Uuid,
        id: Uuid,
    ) -> Result<Option<ConversationSummary>> {
        dispatch!(self, robot::readopt_conversation(tenant_id, id))
    }

    /// The robot hands a conversation to people (once; `None` when it was not serving it),
    /// with a `robot_handoff` event carrying `data`.
    pub async fn robot_handoff(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        data: serde_json::Value,
    ) -> Result<Option<ConversationSummary>> {
        dispatch!(self, robot::robot_handoff(tenant_id, id, data))
    }

    pub async fn log_robot(&self, entry: &NewRobotLog<'_>) -> Result<()> {
        dispatch!(self, robot::log_robot(entry))
    }

    pub async fn robot_log_of(
        &self,
        tenant_id: Uuid,
        conversation_id: Uuid,
        limit: i64,
    ) -> Result<Vec<RobotLogEntry>> {
        dispatch!(self, robot::robot_log_of(tenant_id, conversation_id, limit))
    }

    pub async fn robot_log_since(&self, tenant_id: Uuid, since: i64) -> Result<Vec<RobotLogEntry>> {
        dispatch!(self, robot::robot_log_since(tenant_id, since))
    }

    pub async fn robot_flows(&self, tenant_id: Uuid) -> Result<Vec<FlowRow>> {
        dispatch!(self, flows::robot_flows(tenant_id))
    }

    /// Creates or replaces a flow (checked JSON body); bumps the knowledge base version.
    pub async fn put_robot_flow(
        &self,
        tenant_id: Uuid,
        id: &str,
        body: &serde_json::Value,
        by: Option<Uuid>,
    ) -> Result<()> {
        dispatch!(self, flows::put_robot_flow(tenant_id, id, body, by))
    }

    pub async fn delete_robot_flow(&self, tenant_id: Uuid, id: &str) -> Result<bool> {
        dispatch!(self, flows::delete_robot_flow(tenant_id, id))
    }

    /// The flow a conversation is in, and its state.
    pub async fn flow_run(
        &self,
        tenant_id: Uuid,
        conversation_id: Uuid,
    ) -> Result<Option<(String, serde_json::Value)>> {
        dispatch!(self, flows::flow_run(tenant_id, conversation_id))
    }

    /// Saves a conversation's flow state (flow id, state), or ends it with `None`.
    pub async fn set_flow_run(
        &self,
        tenant_id: Uuid,
        conversation_id: Uuid,
        run: Option<(&str, &serde_json::Value)>,
    ) -> Result<()> {
        dispatch!(self, flows::set_flow_run(tenant_id, conversation_id, run))
    }

    /// Records an after-sale request and marks its order `requested`.
    pub async fn create_after_sale(&self, new: &NewAfterSale<'_>) -> Result<AfterSaleRow> {
        dispatch!(self, after_sales::create_after_sale(new))
    }

    pub async fn after_sales(&self, tenant_id: Uuid, limit: i64) -> Result<Vec<AfterSaleRow>> {
        dispatch!(self, after_sales::after_sales(tenant_id, limit))
    }

    /// The robot's misses since `since`, newest first, with the human replies after them.
    pub async fn robot_misses(
        &self,
        tenant_id: Uuid,
        since: i64,
        limit: i64,
    ) -> Result<Vec<RobotMiss>> {
        dispatch!(self, robot_training::robot_misses(tenant_id, since, limit))
    }

    /// Replaces the pending proposals with a new run's; returns how many.
    pub async fn replace_proposals(
        &self,
        tenant_id: Uuid,
        proposals: &[NewProposal],
    ) -> Result<u64> {
        dispatch!(
            self,
            robot_training::replace_proposals(tenant_id, proposals)
        )
    }

    pub async fn proposals(
        &self,
        tenant_id: Uuid,
        status: &str,
        limit: i64,
    ) -> Result<Vec<ProposalRow>> {
        dispatch!(self, robot_training::proposals(tenant_id, status, limit))
    }

    pub async fn proposal(&self, tenant_id: Uuid, id: Uuid) -> Result<Option<ProposalRow>> {
        dispatch!(self, robot_training::proposal(tenant_id, id))
    }

    /// Approves (writing the entry) or rejects a pending proposal; false when it was not.
    pub async fn decide_proposal(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        approved: Option<(&str, &serde_json::Value)>,
        by: Uuid,
    ) -> Result<bool> {
        dispatch!(
            self,
            robot_training::decide_proposal(tenant_id, id, approved, by)
        )
    }

    /// Shops with the robot on whose misses were last analysed before `before`.
    pub async fn robots_due_for_training(&self, before: i64) -> Result<Vec<Uuid>> {
        dispatch!(self, robot_training::robots_due_for_training(before))
    }

    /// Records the member level the shop's site vouched for (WB-4).
    pub async fn set_buyer_vip(&self, tenant_id: Uuid, id: Uuid, vip_level: u8) -> Result<()> {
        dispatch!(self, buyers::set_buyer_vip(tenant_id, id, vip_level))
    }

    pub async fn buyer(&self, tenant_id: Uuid, id: Uuid) -> Result<Option<Buyer>> {
        dispatch!(self, buyers::buyer(tenant_id, id))
    }

    // Conversations

    /// The buyer's current conversation, created (with its `created` event) if there is none.
    pub async fn open_conversation(
        &self,
        tenant_id: Uuid,
        buyer: &Buyer,
        entry: Entry,
        context: &EntryContext,
    ) -> Result<ConversationSummary> {
        dispatch!(
            self,
            conversations::open_conversation(tenant_id, buyer, entry, context)
        )
    }

    // Commerce (CH-2, CH-5, CH-6)

    /// Inserts or updates products (checked inputs), in one transaction.
    pub async fn upsert_products(
        &self,
        tenant_id: Uuid,
        products: &[ProductInput],
    ) -> Result<UpsertCounts> {
        dispatch!(self, commerce::upsert_products(tenant_id, products))
    }

    /// Inserts or updates orders (checked inputs), in one transaction.
    pub async fn upsert_orders(
        &self,
        tenant_id: Uuid,
        orders: &[OrderInput],
    ) -> Result<UpsertCounts> {
        dispatch!(self, commerce::upsert_orders(tenant_id, orders))
    }

    pub async fn product(&self, tenant_id: Uuid, code: &str) -> Result<Option<Product>> {
        dispatch!(self, commerce::product(tenant_id, code))
    }

    pub async fn products(
        &self,
        tenant_id: Uuid,
        search: &str,
        limit: i64,
    ) -> Result<Vec<Product>> {
        dispatch!(self, commerce::products(tenant_id, search, limit))
    }

    pub async fn order(&self, tenant_id: Uuid, order_no: &str) -> Result<Option<Order>> {
        dispatch!(self, commerce::order(tenant_id, order_no))
    }

    pub async fn orders_of_member(
        &self,
        tenant_id: Uuid,
        member_id: &str,
        limit: i64,
    ) -> Result<Vec<Order>> {
        dispatch!(
            self,
            commerce::orders_of_member(tenant_id, member_id, limit)
        )
    }

    /// Across every shop, with each order's tenant: for the platform's official desk only.
    pub async fn orders_of_member_everywhere(
        &self,
        member_id: &str,
        limit: i64,
    ) -> Result<Vec<(Uuid, Order)>> {
        dispatch!(
            self,
            commerce::orders_of_member_everywhere(member_id, limit)
        )
    }

    pub async fn create_handoff(&self, new: &NewHandoff<'_>) -> Result<HandoffCase> {
        dispatch!(self, handoffs::create_handoff(new))
    }

    pub async fn handoffs(
        &self,
        tenant_id: Uuid,
        conversation_id: Uuid,
    ) -> Result<Vec<HandoffCase>> {
        dispatch!(self, handoffs::handoffs(tenant_id, conversation_id))
    }

    pub async fn handoff_cases(
        &self,
        tenant_id: Uuid,
        status: Option<&str>,
        limit: i64,
    ) -> Result<Vec<HandoffCase>> {
        dispatch!(self, handoffs::handoff_cases(tenant_id, status, limit))
    }

    pub async fn close_handoff(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        resolution: &str,
    ) -> Result<HandoffCase> {
        dispatch!(self, handoffs::close_handoff(tenant_id, id, resolution))
    }

    pub async fn add_buyer_note(
        &self,
        tenant_id: Uuid,
        buyer_id: Uuid,
        author: &User,
        body: &str,
    ) -> Result<BuyerNote> {
        dispatch!(
            self,
            notes::add_buyer_note(tenant_id, buyer_id, author, body)
        )
    }

    pub async fn buyer_notes(&self, tenant_id: Uuid, buyer_id: Uuid) -> Result<Vec<BuyerNote>> {
        dispatch!(self, notes::buyer_notes(tenant_id, buyer_id))
    }

    // Guard rails (ACC-2 … ACC-6)

    pub async fn accounts(&self, tenant_id: Uuid) -> Result<Vec<User>> {
        dispatch!(self, accounts::accounts(tenant_id))
    }

    pub async fn count_accounts(&self, tenant_id: Uuid) -> Result<i64> {
        dispatch!(self, accounts::count_accounts(tenant_id))
    }

    pub async fn update_account(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        change: &AccountChange<'_>,
    ) -> Result<User> {
        dispatch!(self, accounts::update_account(tenant_id, id, change))
    }

    pub async fn create_group(
        &self,
        tenant_id: Uuid,
        name: &str,
        description: &str,
        permissions: &[Permission],
    ) -> Result<PermissionGroup> {
        dispatch!(
            self,
            permission_groups::create_group(tenant_id, name, description, permissions)
        )
    }

    pub async fn groups(&self, tenant_id: Uuid) -> Result<Vec<PermissionGroup>> {
        dispatch!(self, permission_groups::groups(tenant_id))
    }

    pub async fn grant_group(
        &self,
        tenant_id: Uuid,
        group_id: Uuid,
        user_ids: &[Uuid],
        granted_by: Uuid,
        expires_at: Option<i64>,
    ) -> Result<u64> {
        dispatch!(
            self,
            permission_groups::grant_group(tenant_id, group_id, user_ids, granted_by, expires_at)
        )
    }

    pub async fn revoke_group(
        &self,
        tenant_id: Uuid,
        group_id: Uuid,
        user_id: Uuid,
    ) -> Result<bool> {
        dispatch!(
            self,
            permission_groups::revoke_group(tenant_id, group_id, user_id)
        )
    }

    pub async fn grants(&self, tenant_id: Uuid) -> Result<Vec<Grant>> {
        dispatch!(self, permission_groups::grants(tenant_id))
    }

    pub async fn granted_permissions(&self, user_id: Uuid, now: i64) -> Result<Permissions> {
        dispatch!(self, permission_groups::granted_permissions(user_id, now))
    }

    pub async fn teams(&self, tenant_id: Uuid) -> Result<Vec<Team>> {
        dispatch!(self, teams::teams(tenant_id))
    }

    pub async fn upsert_team(&self, tenant_id: Uuid, team: &Team) -> Result<()> {
        dispatch!(self, teams::upsert_team(tenant_id, team))
    }

    pub async fn shop_settings(&self, tenant_id: Uuid) -> Result<ShopSettings> {
        dispatch!(self, tenants::shop_settings(tenant_id))
    }

    pub async fn set_shop_settings(&self, tenant_id: Uuid, settings: &ShopSettings) -> Result<()> {
        dispatch!(self, tenants::set_shop_settings(tenant_id, settings))
    }

    pub async fn create_approval(
        &self,
        new: &NewApproval<'_>,
        execute_now: bool,
    ) -> Result<Approval> {
        dispatch!(self, approvals::create_approval(new, execute_now))
    }

    pub async fn approval(&self, tenant_id: Uuid, id: Uuid) -> Result<Option<Approval>> {
        dispatch!(self, approvals::approval(tenant_id, id))
    }

    pub async fn approvals(
        &self,
        tenant_id: Uuid,
        status: Option<ApprovalStatus>,
        limit: i64,
    ) -> Result<Vec<Approval>> {
        dispatch!(self, approvals::approvals(tenant_id, status, limit))
    }

    pub async fn decide_approval(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        approve: bool,
        decided_by: Uuid,
        reason: &str,
    ) -> Result<Approval> {
        dispatch!(
            self,
            approvals::decide_approval(tenant_id, id, approve, decided_by, reason)
        )
    }

    pub async fn append_audit(&self, new: &NewAudit<'_>) -> Result<AuditEntry> {
        dispatch!(self, audit::append_audit(new))
    }

    pub async fn audit_entries(
        &self,
        tenant_id: Uuid,
        filter: &AuditFilter<'_>,
    ) -> Result<Vec<AuditEntry>> {
        dispatch!(self, audit::audit_entries(tenant_id, filter))
    }

    pub async fn verify_audit(&self, tenant_id: Option<Uuid>) -> Result<AuditVerdict> {
        dispatch!(self, audit::verify_audit(tenant_id))
    }

    pub async fn put_phone_code(
        &self,
        user_id: Uuid,
        code_hash: &str,
        expires_at: i64,
        min_interval_ms: i64,
    ) -> Result<bool> {
        dispatch!(
            self,
            accounts::put_phone_code(user_id, code_hash, expires_at, min_interval_ms)
        )
    }

    pub async fn check_phone_code(
        &self,
        user_id: Uuid,
        code_hash: &str,
        max_attempts: i64,
    ) -> Result<PhoneCodeCheck> {
        dispatch!(
            self,
            accounts::check_phone_code(user_id, code_hash, max_attempts)
        )
    }

    pub async fn custom_tags(&self, tenant_id: Uuid) -> Result<Vec<Tag>> {
        dispatch!(self, tags::custom_tags(tenant_id))
    }

    pub async fn add_custom_tag(&self, tenant_id: Uuid, key: &str, name: &str) -> Result<Tag> {
        dispatch!(self, tags::add_custom_tag(tenant_id, key, name))
    }

    /// Replaces a conversation's tags (keys already checked by the caller).
    pub async fn set_conversation_tags(
        &self,
        tenant_id: Uuid,
        conversation_id: Uuid,
        tags: &[String],
        by: Uuid,
    ) -> Result<ConversationSummary> {
        dispatch!(
            self,
            tags::set_conversation_tags(tenant_id, conversation_id, tags, by)
        )
    }

    pub async fn routing_rules(&self, tenant_id: Uuid) -> Result<Vec<RoutingRule>> {
        dispatch!(self, routing::routing_rules(tenant_id))
    }

    pub async fn replace_routing_rules(
        &self,
        tenant_id: Uuid,
        rules: &[RoutingRule],
    ) -> Result<()> {
        dispatch!(self, routing::replace_routing_rules(tenant_id, rules))
    }

    pub async fn team_activity(
        &self,
        tenant_id: Uuid,
        since: i64,
    ) -> Result<std::collections::HashMap<Uuid, AgentActivity>> {
        dispatch!(self, teams::team_activity(tenant_id, since))
    }

    pub async fn transfer_conversation(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        to_user: Option<Uuid>,
        to_team: Option<&str>,
        note: &str,
        by: Uuid,
    ) -> Result<ConversationSummary> {
        dispatch!(
            self,
            conversations::transfer_conversation(tenant_id, id, to_user, to_team, note, by)
        )
    }

    pub async fn add_note(
        &self,
        tenant_id: Uuid,
        conversation_id: Uuid,
        author: &User,
        body: &str,
        mentions: &[Uuid],
        whisper: bool,
    ) -> Result<InternalNote> {
        dispatch!(
            self,
            notes::add_note(tenant_id, conversation_id, author, body, mentions, whisper)
        )
    }

    pub async fn notes(&self, tenant_id: Uuid, conversation_id: Uuid) -> Result<Vec<InternalNote>> {
        dispatch!(self, notes::notes(tenant_id, conversation_id))
    }

    pub async fn routing_tenants(&self) -> Result<Vec<Uuid>> {
        dispatch!(self, routing::routing_tenants())
    }

    pub async fn set_conversation_team(&self, tenant_id: Uuid, id: Uuid, team: &str) -> Result<()> {
        dispatch!(self, routing::set_conversation_team(tenant_id, id, team))
    }

    /// The router's snapshot, and each waiting conversation's buyer.
    pub async fn routing_snapshot(
        &self,
        tenant_id: Uuid,
        default_team: &str,
    ) -> Result<(RouterState, std::collections::HashMap<Uuid, Uuid>)> {
        dispatch!(self, routing::routing_snapshot(tenant_id, default_team))
    }

    /// Gives a waiting conversation to `agent`, unless someone got it first: exactly one
    /// owner. A [`Claim::Route`] also holds only while the agent is online and under their
    /// cap, checked under a lock on the agent, so two routers (processes) planning from the
    /// same snapshot cannot overfill them. `None` when the claim did not take.
    pub async fn claim_conversation(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        agent: Uuid,
        claim: Claim,
    ) -> Result<Option<ConversationSummary>> {
        dispatch!(
            self,
            routing::claim_conversation(tenant_id, id, agent, claim)
        )
    }

    pub async fn stranded(&self, now: i64) -> Result<Vec<Stranded>> {
        dispatch!(self, routing::stranded(now))
    }

    pub async fn release_conversation(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        assignee: Uuid,
        reason: &str,
        up_for_grabs: bool,
    ) -> Result<Option<ConversationSummary>> {
        dispatch!(
            self,
            routing::release_conversation(tenant_id, id, assignee, reason, up_for_grabs)
        )
    }

    pub async fn mark_phone_verified(&self, tenant_id: Uuid, user_id: Uuid) -> Result<()> {
        dispatch!(self, accounts::mark_phone_verified(tenant_id, user_id))
    }

    pub async fn conversations_of_buyer(
        &self,
        tenant_id: Uuid,
        buyer_id: Uuid,
        limit: i64,
    ) -> Result<Vec<ConversationSummary>> {
        dispatch!(
            self,
            conversations::conversations_of_buyer(tenant_id, buyer_id, limit)
        )
    }

    pub async fn current_conversation(
        &self,
        tenant_id: Uuid,
        buyer_id: Uuid,
    ) -> Result<Option<ConversationSummary>> {
        dispatch!(
            self,
            conversations::current_conversation(tenant_id, buyer_id)
        )
    }

    pub async fn conversation(
        &self,
        tenant_id: Uuid,
        id: Uuid,
    ) -> Result<Option<ConversationSummary>> {
        dispatch!(self, conversations::conversation(tenant_id, id))
    }

    pub async fn list_conversations(
        &self,
        tenant_id: Uuid,
        filter: StatusFilter,
        tag: Option<&str>,
        limit: i64,
    ) -> Result<Vec<ConversationSummary>> {
        dispatch!(
            self,
            conversations::list_conversations(tenant_id, filter, tag, limit)
        )
    }

    /// The team read up to `seq`: the unread count drops to the buyer messages after it.
    pub async fn mark_read_by_agent(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        seq: i64,
    ) -> Result<ConversationSummary> {
        dispatch!(self, conversations::mark_read_by_agent(tenant_id, id, seq))
    }

    pub async fn mark_read_by_buyer(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        seq: i64,
    ) -> Result<ConversationSummary> {
        dispatch!(self, conversations::mark_read_by_buyer(tenant_id, id, seq))
    }

    /// Open → resolved, logged. Resolving a resolved conversation changes nothing.
    pub async fn resolve_conversation(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        by: Uuid,
    ) -> Result<ConversationSummary> {
        dispatch!(self, conversations::resolve_conversation(tenant_id, id, by))
    }

    /// Resolved → open by an agent, logged; a new first-response cycle starts.
    pub async fn reopen_conversation(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        by: Uuid,
    ) -> Result<ConversationSummary> {
        dispatch!(self, conversations::reopen_conversation(tenant_id, id, by))
    }

    /// Gives the conversation to `assignee` (a user of the same tenant), logged.
    pub async fn assign_conversation(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        assignee: Uuid,
        by: Uuid,
    ) -> Result<ConversationSummary> {
        dispatch!(
            self,
            conversations::assign_conversation(tenant_id, id, assignee, by)
        )
    }

    /// Moves a conversation's whole history back by `by_ms` (demo seeding).
    pub async fn shift_conversation_back(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        by_ms: i64,
    ) -> Result<()> {
        dispatch!(
            self,
            conversations::shift_conversation_back(tenant_id, id, by_ms)
        )
    }

    pub async fn conversation_events(
        &self,
        tenant_id: Uuid,
        id: Uuid,
    ) -> Result<Vec<ConversationEvent>> {
        dispatch!(self, conversations::conversation_events(tenant_id, id))
    }

    // Messages

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
        Ok(match self {
            Store::Sqlite(pool) => {
                WriterConnection::Sqlite(sqlite::messages::writer_connection(pool).await?)
            }
            Store::Postgres(pool) => {
                WriterConnection::Postgres(postgres::messages::writer_connection(pool).await?)
            }
        })
    }

    // Attachments

    pub async fn insert_attachment(&self, new: &NewAttachment<'_>) -> Result<Attachment> {
        dispatch!(self, attachments::insert_attachment(new))
    }

    pub async fn attachment(&self, id: Uuid) -> Result<Option<StoredAttachment>> {
        dispatch!(self, attachments::attachment(id))
    }

    /// Uploads older than `created_before` that no message carries (at most 1,000 a call):
    /// `(id, storage key)`.
    pub async fn unsent_attachments(&self, created_before: i64) -> Result<Vec<(Uuid, String)>> {
        dispatch!(self, attachments::unsent_attachments(created_before))
    }

    /// Forgets an upload, unless a message carries it by now. True when it was deleted.
    pub async fn delete_unsent_attachment(&self, id: Uuid) -> Result<bool> {
        dispatch!(self, attachments::delete_unsent_attachment(id))
    }
}

/// Fresh PostgreSQL databases for tests: each test gets its own, so tests run in parallel.
pub mod scratch {
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
}
