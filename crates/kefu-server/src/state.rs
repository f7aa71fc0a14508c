//! `AppState`: everything a handler, the desk or a job may use. Cheap to clone: one `Arc`
//! (axum clones the state for every extractor of every request).

use std::sync::Arc;

use governor::DefaultKeyedRateLimiter;
use kefu_store::Store;
use kefu_store::writer::Writer;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::desk::{dispatch, robot};
use crate::settings::Settings;
use crate::{auth, bus};

#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> AppState {
        AppState(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] shares.
pub struct Shared {
    pub store: Store,
    pub writer: Writer,
    pub bus: bus::Bus,
    pub keys: Arc<auth::Keys>,
    pub settings: Arc<Settings>,
    pub metrics: PrometheusHandle,
    /// Cancelled when the server begins to shut down; sessions watch it.
    pub shutdown: CancellationToken,
    /// Every live WebSocket session, so shutdown can wait for them.
    pub sessions: TaskTracker,
    /// Login attempts per username (ACC: brute-force guard).
    pub login_limiter: Arc<DefaultKeyedRateLimiter<String>>,
    /// Uploads per uploader (buyer or agent) per minute.
    pub upload_limiter: Arc<DefaultKeyedRateLimiter<uuid::Uuid>>,
    /// The open doors' allowances per client address (issue #15).
    pub per_address: Arc<crate::http::limits::PerAddress>,
    /// Where uploads live: the data directory, or NATS's object store (issue #15).
    pub files: crate::files::Files,
    /// Wakes the live router (WB-4).
    pub dispatcher: dispatch::Dispatcher,
    /// The robot's inbox and each shop's built robot (BOT-*).
    pub robot: robot::RobotDesk,
    /// The automatic replies' inbox and each shop's compiled rules (WB-2).
    pub automation: crate::desk::automation::AutomationDesk,
    /// Buyers' replies that move their work orders (ESC-3).
    pub work_orders: crate::cases::work_orders::WorkOrderDesk,
    pub escalations: crate::cases::escalations::EscalationDesk,
    /// Replies to buyers on other platforms, on their way to the delivery queue (issue #21).
    pub channel_outbox: crate::channels::ChannelOutbox,
    /// Each shop's compiled intake filter and each buyer's sending rate (WB-6).
    pub intake: crate::desk::intake::IntakeDesk,
    /// Each shop's service as the chat page shows it, kept a few seconds (issue #17).
    pub service: crate::desk::service::ServiceDesk,
    /// Opens buyers' first conversations in batches.
    pub opener: crate::desk::opener::Opener,
    /// The first-run setup's token, while the server has no shop (issue #15).
    pub setup: crate::setup::FirstRun,
    /// One rollup of the team's numbers at a time in this process (issue #18).
    pub rollups: Arc<tokio::sync::Mutex<()>>,
}
