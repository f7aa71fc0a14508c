//! The background jobs: housekeeping and sweeps (work orders' deadlines too) every five seconds, the team's numbers rolled
//! up every half minute, uploads nobody sent and yesterday's QA sample every hour, the week's
//! buyer questions mined hourly, each shop's robot training weekly. With several processes on one PostgreSQL database, only the leader (`Store::lead`) runs them; when it goes, another takes over
//! within a tick. Rate-limit keys live in each process's memory, so every process forgets its
//! own.

pub mod housekeeping;
pub mod training;

use std::time::Duration;

use kefu_store::Leadership;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::AppState;

/// The advisory lock key of the jobs' leader ("kefujobs").
const LEADER_KEY: i64 = 0x6b65_6675_6a6f_6273;
const TICK: Duration = Duration::from_secs(5);
/// Rate-limit keys are forgotten every minute; unsent uploads swept every hour.
const LIMITER_TICKS: u64 = 12;
const UPLOAD_TICKS: u64 = 720;
/// The team's numbers are rolled up every half minute; yesterday's QA sample taken every hour.
const ROLLUP_TICKS: u64 = 6;
const QA_SAMPLE_TICKS: u64 = 720;
/// Agents online are counted every minute (DATA-2); anomalies looked for every two (DATA-3).
const STAFFING_TICKS: u64 = 12;
const ALERT_TICKS: u64 = 24;
/// Whether a shop's health report is due is checked every ten minutes (DATA-2), and which
/// weeks' questions are due a mining (DATA-5; the current week's hourly).
const REPORT_TICKS: u64 = 120;
const MINING_TICKS: u64 = 120;
/// WeCom 微信客服's accounts are pulled every minute besides their notices (issue #21).
const CHANNEL_PULL_TICKS: u64 = 12;
/// Training is checked hourly, the first time ten minutes after start (or after this
/// process became the leader), so a restart loop does not rebuild every robot.
const TRAINING_EVERY: Duration = Duration::from_secs(3_600);
const TRAINING_DELAY: Duration = Duration::from_secs(600);

/// Runs the jobs until the task is aborted (on shutdown).
pub async fn run_forever(state: AppState) {
    let mut tick = tokio::time::interval(TICK);
    let mut ticks = 0u64;
    let mut leadership: Option<Leadership> = None;
    let mut training = Training::default();
    // Mining runs beside the other jobs (a busy week's questions take seconds), one at a time.
    let mut mining: Option<JoinHandle<()>> = None;
    let mut deliveries: Option<JoinHandle<()>> = None;
    loop {
        tick.tick().await;
        if ticks.is_multiple_of(LIMITER_TICKS) {
            state.login_limiter.retain_recent();
            state.upload_limiter.retain_recent();
            state.per_address.retain_recent();
            metrics::gauge!("kefu_rate_limit_addresses").set(state.per_address.len() as f64);
        }
        ticks = ticks.wrapping_add(1);
        if !lead(&state, &mut leadership).await {
            training.next = None;
            continue;
        }
        housekeeping::end_breaks(&state).await;
        crate::desk::dispatch::sweep_stranded(&state).await;
        crate::desk::automation::nudge_idle(&state).await;
        crate::cases::work_orders::sweep(&state).await;
        crate::cases::escalations::sweep(&state).await;
        crate::cases::arbitration::sweep(&state).await;
        crate::cases::appeals::sweep(&state).await;
        // Webhooks and text messages wait on other servers: beside the other jobs.
        if deliveries.as_ref().is_none_or(JoinHandle::is_finished) {
            let state = state.clone();
            deliveries = Some(tokio::spawn(async move {
                crate::cases::notify::deliver_due(&state).await;
            }));
        }
        if ticks % UPLOAD_TICKS == 1 {
            housekeeping::sweep_old_uploads(&state).await;
            housekeeping::prune_deliveries(&state).await;
            housekeeping::prune_reply_contexts(&state).await;
            housekeeping::prune_lapsed_moves(&state).await;
        }
        if ticks % ROLLUP_TICKS == 2 {
            crate::reports::rollup::catch_up_all(&state).await;
        }
        if ticks % STAFFING_TICKS == 4 {
            housekeeping::sample_staffing(&state).await;
        }
        if ticks % ALERT_TICKS == 5 {
            crate::reports::alerts::scan_all(&state).await;
        }
        if ticks % REPORT_TICKS == 6 {
            crate::reports::health::make_due(&state).await;
        }
        if ticks % MINING_TICKS == 7 && mining.as_ref().is_none_or(JoinHandle::is_finished) {
            let state = state.clone();
            mining = Some(tokio::spawn(async move {
                crate::reports::questions::mine_due(&state).await;
            }));
        }
        if ticks % CHANNEL_PULL_TICKS == 9 {
            crate::channels::wecom_kf::sweep(&state).await;
            crate::channels::email::sweep(&state).await;
        }
        if ticks % QA_SAMPLE_TICKS == 3 {
            crate::reports::qa::sample_yesterday_everywhere(&state).await;
        }
        training.when_due(&state);
    }
}

/// Whether this process leads now, taking the lead when nobody holds it.
async fn lead(state: &AppState, leadership: &mut Option<Leadership>) -> bool {
    if let Some(held) = leadership {
        if held.holds().await {
            return true;
        }
        tracing::warn!("lost the jobs' leader lock");
        *leadership = None;
    }
    match state.store.lead(LEADER_KEY).await {
        Ok(Some(won)) => {
            tracing::info!("this process runs the background jobs");
            *leadership = Some(won);
            true
        }
        Ok(None) => false,
        Err(error) => {
            tracing::warn!(%error, "could not ask for the jobs' leader lock");
            false
        }
    }
}

/// The weekly training, on a task of its own so a long build never holds up the sweeps.
#[derive(Default)]
struct Training {
    next: Option<Instant>,
    running: Option<JoinHandle<()>>,
}

impl Training {
    fn when_due(&mut self, state: &AppState) {
        let now = Instant::now();
        let next = *self.next.get_or_insert(now + TRAINING_DELAY);
        let idle = self.running.as_ref().is_none_or(JoinHandle::is_finished);
        if now >= next && idle {
            let state = state.clone();
            self.running = Some(tokio::spawn(async move {
                training::train_due(&state).await;
            }));
            self.next = Some(now + TRAINING_EVERY);
        }
    }
}

impl Drop for Training {
    fn drop(&mut self) {
        if let Some(running) = &self.running {
            running.abort();
        }
    }
}
