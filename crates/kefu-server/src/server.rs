//! Starting and stopping: storage, keys, the bus and the writer; then the desk's workers,
//! the jobs and the HTTP listener; on shutdown, sessions drain and the writer commits.

use std::future::Future;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use governor::{Quota, RateLimiter};
use kefu_store::writer::Writer;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::desk::hooks::Hooks;
use crate::desk::{dispatch, outbound, robot};
use crate::files::Files;
use crate::settings::{self, Settings};
use crate::state::AppState;
use crate::{auth, bus, http, jobs};

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
        let store = settings.open_store().await?;
        let keys = auth::Keys::load(&store).await?;
        let bus = if settings.nats_url.is_empty() {
            bus::Bus::local()
        } else {
            bus::Bus::nats(&settings.nats_url).await.with_context(|| {
                format!("connecting to {}", settings::redact_url(&settings.nats_url))
            })?
        };
        // Issue #15: with NATS, uploads go to its object store, so any process serves them.
        let files = match bus.nats_client() {
            Some(client) => Files::in_nats(&settings.data_dir, client)
                .await
                .context("opening the NATS object store for uploads")?,
            None => Files::on_disk(&settings.data_dir),
        };
        let keys = Arc::new(keys);
        let dispatcher = dispatch::Dispatcher::default();
        let robot = robot::RobotDesk::with_capacity(settings.limits.robot_queue);
        let automation = crate::desk::automation::AutomationDesk::default();
        let work_orders = crate::cases::work_orders::WorkOrderDesk::default();
        let escalations = crate::cases::escalations::EscalationDesk::default();
        let channel_outbox = crate::channels::ChannelOutbox::default();
        let (writer, writer_task) = Writer::spawn_announcing(
            store.clone(),
            outbound::announcer(
                bus.clone(),
                keys.clone(),
                // Issue #21: buyers on WeChat, WeCom, Douyin and email get their replies
                // through the outbox.
                outbound::Channels::default()
                    .with(
                        kefu_domain::channel::Channel::WechatMp,
                        Arc::new(channel_outbox.clone()),
                    )
                    .with(
                        kefu_domain::channel::Channel::Wecom,
                        Arc::new(channel_outbox.clone()),
                    )
                    .with(
                        kefu_domain::channel::Channel::Douyin,
                        Arc::new(channel_outbox.clone()),
                    )
                    .with(
                        kefu_domain::channel::Channel::Email,
                        Arc::new(channel_outbox.clone()),
                    )
                    // The outbox sends a caller nothing (they are called back).
                    .with(
                        kefu_domain::channel::Channel::Phone,
                        Arc::new(channel_outbox.clone()),
                    ),
                Hooks::of_the_desk(&dispatcher, &robot, &automation)
                    .with(Arc::new(work_orders.clone()))
                    .with(Arc::new(escalations.clone())),
            ),
        );
        let per_minute =
            NonZeroU32::new(settings.auth.logins_per_minute.max(1)).context("logins_per_minute")?;
        let uploads_per_minute = NonZeroU32::new(settings.limits.uploads_per_minute.max(1))
            .context("uploads_per_minute")?;
        let per_address = Arc::new(http::limits::PerAddress::new(&settings.limits));
        let state = AppState::new(crate::state::Shared {
            store: store.clone(),
            writer,
            bus,
            keys,
            settings: Arc::new(settings),
            metrics: http::ops::metrics_handle(),
            shutdown: CancellationToken::new(),
            sessions: TaskTracker::new(),
            login_limiter: Arc::new(RateLimiter::keyed(Quota::per_minute(per_minute))),
            upload_limiter: Arc::new(RateLimiter::keyed(Quota::per_minute(uploads_per_minute))),
            per_address,
            files,
            opener: crate::desk::opener::Opener::spawn(store.clone()),
            setup: crate::setup::FirstRun::default(),
            rollups: Arc::default(),
            dispatcher,
            robot,
            automation,
            work_orders,
            escalations,
            channel_outbox,
            intake: crate::desk::intake::IntakeDesk::default(),
            service: crate::desk::service::ServiceDesk::default(),
        });
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
        // Issue #15: `/metrics` on an address of its own, when configured.
        let metrics_listener = match state.settings.metrics.listen.as_str() {
            "" => None,
            addr => Some(
                TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("listening for metrics on {addr}"))?,
            ),
        };
        let workers = [
            tokio::spawn(dispatch::run_forever(state.clone())),
            tokio::spawn(robot::run_forever(state.clone())),
            tokio::spawn(crate::desk::automation::run_forever(state.clone())),
            tokio::spawn(crate::cases::work_orders::run_forever(state.clone())),
            tokio::spawn(crate::cases::escalations::run_forever(state.clone())),
            tokio::spawn(crate::channels::run_forever(state.clone())),
            tokio::spawn(jobs::run_forever(state.clone())),
        ];
        let app = http::app(state.clone());
        let cancel = state.shutdown.clone();
        let header_read = Duration::from_secs(state.settings.limits.header_read_seconds.max(1));
        tracing::info!(addr = %listener.local_addr()?, backend = state.store.backend_name(), "kefu listening");
        let metrics_server = metrics_listener.map(|metrics_listener| {
            if let Ok(addr) = metrics_listener.local_addr() {
                tracing::info!(%addr, "metrics listening");
            }
            tokio::spawn(http::serve::serve(
                metrics_listener,
                http::ops::metrics_app(state.clone()),
                header_read,
                state.shutdown.clone().cancelled_owned(),
            ))
        });
        http::serve::serve(listener, app, header_read, async move {
            shutdown.await;
            cancel.cancel();
        })
        .await;
        if let Some(metrics_server) = metrics_server {
            let _ = metrics_server.await;
        }
        for worker in workers {
            worker.abort();
            let _ = worker.await;
        }
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
