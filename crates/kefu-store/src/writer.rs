//! The group-commit writer: one task per process owns message appends. It takes every send
//! that queued while the previous commit ran and stores them in one transaction, so a
//! durable ack does not cost one fsync per message.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use kefu_domain::conversation::ConversationSummary;
use kefu_domain::message::{Message, MessageContent, SenderKind};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::{Store, StoreError, WriterConnection};

/// The most messages one transaction carries.
pub const MAX_BATCH: usize = 512;

/// One message to store. The caller has checked who may write to the conversation; the
/// message takes its conversation's channel.
#[derive(Debug, Clone)]
pub struct AppendRequest {
    pub tenant_id: Uuid,
    pub conversation_id: Uuid,
    pub sender_kind: SenderKind,
    pub sender_id: Option<Uuid>,
    pub sender_name: String,
    /// Makes a retried send land once (per sender and conversation).
    pub client_msg_id: Option<String>,
    pub content: MessageContent,
    /// The channel's own message id, for adapters (CH-3).
    pub external_id: Option<String>,
}

/// A stored message and its conversation as the commit left it.
#[derive(Debug, Clone)]
pub struct Appended {
    pub message: Message,
    pub conversation: ConversationSummary,
    /// The send repeated one already stored; nothing new was written.
    pub duplicate: bool,
    /// The message reopened a resolved conversation (a buyer coming back).
    pub reopened: bool,
}

/// How a process announces what the writer committed (to its sessions, over its bus). It
/// runs on one task, in commit order, before the sender hears back: a message is announced
/// exactly once, in seq order, even when its sender has gone away.
pub type Announce =
    Arc<dyn Fn(Appended) -> Pin<Box<dyn Future<Output = Appended> + Send>> + Send + Sync>;

struct Job {
    request: AppendRequest,
    reply: oneshot::Sender<Result<Appended, StoreError>>,
}

/// The handle senders use. When every handle is dropped the task drains its queue and ends.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Job>,
}

/// A submitted message: resolves once it is committed and announced.
pub struct Pending(oneshot::Receiver<Result<Appended, StoreError>>);

impl Future for Pending {
    type Output = Result<Appended, StoreError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0)
            .poll(cx)
            .map(|answer| answer.unwrap_or(Err(StoreError::WriterGone)))
    }
}

impl Writer {
    /// A writer whose commits nobody announces (tools and tests).
    pub fn spawn(store: Store) -> (Writer, JoinHandle<()>) {
        Writer::spawn_announcing(
            store,
            Arc::new(|appended| Box::pin(async move { appended })),
        )
    }

    /// A writer that hands every committed message to `announce` before answering its sender.
    /// The returned task ends once every handle is dropped and all is committed and announced.
    pub fn spawn_announcing(store: Store, announce: Announce) -> (Writer, JoinHandle<()>) {
        let (jobs, queue) = mpsc::channel(MAX_BATCH * 8);
        // Commits queue here while the previous batch is announced; the writer never waits
        // for the bus.
        let (committed, announcements) = mpsc::channel(64);
        let writing = tokio::spawn(run(store, queue, committed));
        let announcing = tokio::spawn(announce_in_order(announcements, announce));
        let task = tokio::spawn(async move {
            let _ = writing.await;
            let _ = announcing.await;
        });
        (Writer { jobs }, task)
    }

    /// Queues one message behind those already submitted through this handle's caller, and
    /// returns at once (or when the queue has room again). Messages a caller submits one
    /// after the other are stored in that order.
    pub async fn submit(&self, request: AppendRequest) -> Result<Pending, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job { request, reply })
            .await
            .map_err(|_| StoreError::WriterGone)?;
        Ok(Pending(answer))
    }

    /// Stores one message; returns once its transaction has committed and it was announced.
    pub async fn append(&self, request: AppendRequest) -> Result<Appended, StoreError> {
        self.submit(request).await?.await
    }
}

type Answers = Vec<(
    oneshot::Sender<Result<Appended, StoreError>>,
    Result<Appended, StoreError>,
)>;

async fn run(store: Store, mut queue: mpsc::Receiver<Job>, committed: mpsc::Sender<Answers>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let mut connection: Option<WriterConnection> = None;
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        if connection.is_none() {
            connection = store.writer_connection().await.ok();
        }
        let jobs = std::mem::take(&mut batch);
        let (answers, healthy) = match &mut connection {
            Some(conn) => commit(conn, jobs).await,
            None => (
                jobs.into_iter()
                    .map(|job| (job.reply, Err(StoreError::WriterGone)))
                    .collect(),
                false,
            ),
        };
        if committed.send(answers).await.is_err() {
            return;
        }
        if !healthy {
            // Start the next batch on a fresh connection, in case this one broke.
            connection = None;
        }
    }
}

async fn announce_in_order(mut commits: mpsc::Receiver<Answers>, announce: Announce) {
    while let Some(answers) = commits.recv().await {
        for (reply, result) in answers {
            let result = match result {
                Ok(appended) => Ok(announce(appended).await),
                Err(error) => Err(error),
            };
            let _ = reply.send(result);
        }
    }
}

/// Commits one batch; returns each sender's answer, and false when the connection may be
/// unusable.
async fn commit(conn: &mut WriterConnection, jobs: Vec<Job>) -> (Answers, bool) {
    let started = Instant::now();
    let (requests, replies): (Vec<_>, Vec<_>) =
        jobs.into_iter().map(|j| (j.request, j.reply)).unzip();
    metrics::histogram!("kefu_commit_batch_size").record(requests.len() as f64);
    let mut healthy = true;
    let answers = match conn.append_batch(&requests).await {
        Ok(results) => replies.into_iter().zip(results).collect(),
        Err(error) => {
            // One bad message must not sink its neighbours: retry each in its own transaction.
            tracing::warn!(%error, size = requests.len(), "batch commit failed; retrying singly");
            let mut answers = Vec::with_capacity(requests.len());
            for (reply, request) in replies.into_iter().zip(requests) {
                let result = match conn.append_batch(std::slice::from_ref(&request)).await {
                    Ok(mut results) => results.pop().unwrap_or(Err(StoreError::WriterGone)),
                    Err(e) => {
                        healthy = false;
                        Err(e)
                    }
                };
                answers.push((reply, result));
            }
            answers
        }
    };
    metrics::histogram!("kefu_commit_seconds").record(started.elapsed().as_secs_f64());
    (answers, healthy)
}
