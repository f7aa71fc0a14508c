//! kefu's server: one axum router for the JSON API, both WebSocket protocols, the embedded
//! web UI, `/healthz` and `/metrics`. [`Server::start`] opens storage and the bus;
//! [`Server::serve`] runs until its shutdown future resolves, then drains sessions and the
//! message writer.

pub mod account;
pub mod approvals;
pub mod assets;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod bus;
pub mod buyers;
pub mod commerce;
pub mod conversations;
pub mod demo;
pub mod demo_shop;
pub mod dispatch;
pub mod error;
pub mod extract;
pub mod import;
pub mod messaging;
pub mod openapi;
pub mod ops;
pub mod realtime;
pub mod robot;
pub mod robot_api;
pub mod robot_flows;
pub mod robot_training;
pub mod router;
pub mod routing;
pub mod settings;
pub mod team;

use std::future::Future;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::serve::ListenerExt;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use kefu_store::Store;
use kefu_store::writer::Writer;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use settings::Settings;

/// Everything a handler may use. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
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
    /// Wakes the live router (WB-4).
    pub dispatcher: dispatch::Dispatcher,
    /// The robot's inbox and each shop's built robot (BOT-*).
    pub robot: robot::RobotDesk,
}

/// A started server: storage open, migrations applied, bus connected, not yet listening.
pub struct Server {
    pub state: AppState,
    writer_task: JoinHandle<()>,
}

impl Server {
    pub async fn start(settings: Settings) -> anyhow::Result<Server> {
        tokio::fs::create_dir_all(&settings.data_dir)
            .await
            .with_context(|| format!("creating data dir {}", settings.data_dir.display()))?;
        let url = settings.effective_database_url();
        let store = Store::connect(&url)
            .await
            .with_context(|| format!("opening {}", settings::redact_url(&url)))?;
        let keys = auth::Keys::load(&store).await?;
        let bus = if settings.nats_url.is_empty() {
            bus::Bus::local()
        } else {
            bus::Bus::nats(&settings.nats_url).await.with_context(|| {
                format!("connecting to {}", settings::redact_url(&settings.nats_url))
            })?
        };
        let keys = Arc::new(keys);
        let dispatcher = dispatch::Dispatcher::default();
        let robot = robot::RobotDesk::default();
        let (writer, writer_task) = Writer::spawn_announcing(
            store.clone(),
            messaging::announcer(bus.clone(), keys.clone(), dispatcher.clone(), robot.clone()),
        );
        let per_minute =
            NonZeroU32::new(settings.auth.logins_per_minute.max(1)).context("logins_per_minute")?;
        let uploads_per_minute = NonZeroU32::new(settings.limits.uploads_per_minute.max(1))
            .context("uploads_per_minute")?;
        let state = AppState {
            store,
            writer,
            bus,
            keys,
            settings: Arc::new(settings),
            metrics: ops::metrics_handle(),
            shutdown: CancellationToken::new(),
            sessions: TaskTracker::new(),
            login_limiter: Arc::new(RateLimiter::keyed(Quota::per_minute(per_minute))),
            upload_limiter: Arc::new(RateLimiter::keyed(Quota::per_minute(uploads_per_minute))),
            dispatcher,
            robot,
        };
        Ok(Server { state, writer_task })
    }

    /// Serves until `shutdown` resolves; then closes WebSocket sessions (code 1012), waits
    /// for them, and lets the writer commit what it holds.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let Server { state, writer_task } = self;
        let housekeeping = tokio::spawn(housekeeping(state.clone()));
        let router = tokio::spawn(dispatch::run_forever(state.clone()));
        let robot = tokio::spawn(robot::run_forever(state.clone()));
        let training = tokio::spawn(robot_training::weekly(state.clone()));
        let app = router::app(state.clone());
        let cancel = state.shutdown.clone();
        tracing::info!(addr = %listener.local_addr()?, backend = state.store.backend_name(), "kefu listening");
        // Frames are small and interactive: send them at once rather than waiting (Nagle)
        // for the peer's acknowledgement of the previous one.
        let listener = listener.tap_io(|stream| {
            if let Err(error) = stream.set_nodelay(true) {
                tracing::debug!(%error, "could not set TCP_NODELAY");
            }
        });
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            shutdown.await;
            cancel.cancel();
        })
        .await?;
        housekeeping.abort();
        let _ = housekeeping.await;
        router.abort();
        let _ = router.await;
        robot.abort();
        let _ = robot.await;
        training.abort();
        let _ = training.await;
        state.sessions.close();
        if tokio::time::timeout(Duration::from_secs(10), state.sessions.wait())
            .await
            .is_err()
        {
            tracing::warn!("some sessions did not close within 10 s");
        }
        let store = state.store.clone();
        drop(state);
        let _ = tokio::time::timeout(Duration::from_secs(10), writer_task).await;
        store.close().await;
        tracing::info!("kefu stopped");
        Ok(())
    }
}

/// Once a minute: forget old rate-limit keys; once an hour: remove uploads nobody sent.
async fn housekeeping(state: AppState) {
    // Every 5 s: breaks whose time is up (WB-9). Every minute: rate-limit keys. Every hour:
    // uploads nobody sent. Deadlines live in the database, so a restart loses none.
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    let mut ticks = 0u32;
    loop {
        tick.tick().await;
        end_breaks(&state).await;
        dispatch::sweep_stranded(&state).await;
        if ticks.is_multiple_of(12) {
            state.login_limiter.retain_recent();
            state.upload_limiter.retain_recent();
        }
        if ticks.is_multiple_of(720) {
            let before = kefu_domain::time::now_ms() - attachments::UNSENT_UPLOAD_TTL_MS;
            match attachments::sweep_unsent(&state, before).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(removed = n, "removed unsent uploads"),
                Err(error) => tracing::warn!(%error, "sweeping unsent uploads failed"),
            }
        }
        ticks = ticks.wrapping_add(1);
    }
}

/// Agents whose break is over are online again, and the team hears it.
pub async fn end_breaks(state: &AppState) {
    match state.store.end_breaks(kefu_domain::time::now_ms()).await {
        Ok(ended) => {
            if !ended.is_empty() {
                state.dispatcher.wake();
            }
            for (tenant, user) in ended {
                account::announce_presence(
                    state,
                    tenant,
                    user,
                    kefu_domain::account::AgentStatus::Online,
                    None,
                )
                .await;
            }
        }
        Err(error) => tracing::warn!(%error, "ending breaks failed"),
    }
}

/// Starts and serves in one call (the shape tests use).
pub async fn launch_with_listener(
    settings: Settings,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    Server::start(settings)
        .await?
        .serve(listener, shutdown)
        .await
}
