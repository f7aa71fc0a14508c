//! The group-commit writer: one task per process owns message appends. It takes every send
//! that queued while the previous commit ran and stores them in one transaction, so a
//! durable ack does not cost one fsync per message.

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
}

struct Job {
    request: AppendRequest,
    reply: oneshot::Sender<Result<Appended, StoreError>>,
}

/// The handle senders use. When every handle is dropped the task drains its queue and ends.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    pub fn spawn(store: Store) -> (Writer, JoinHandle<()>) {
        let (jobs, queue) = mpsc::channel(MAX_BATCH * 8);
        let task = tokio::spawn(run(store, queue));
        (Writer { jobs }, task)
    }

    /// Stores one message; returns once its transaction has committed.
    pub async fn append(&self, request: AppendRequest) -> Result<Appended, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job { request, reply })
            .await
            .map_err(|_| StoreError::WriterGone)?;
        answer.await.map_err(|_| StoreError::WriterGone)?
    }
}

async fn run(store: Store, mut queue: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let mut connection: Option<WriterConnection> = None;
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        if connection.is_none() {
            connection = store.writer_connection().await.ok();
        }
        let jobs = std::mem::take(&mut batch);
        let healthy = match &mut connection {
            Some(conn) => commit(conn, jobs).await,
            None => {
                for job in jobs {
                    let _ = job.reply.send(Err(StoreError::WriterGone));
                }
                false
            }
        };
        if !healthy {
            // Start the next batch on a fresh connection, in case this one broke.
            connection = None;
        }
    }
}

/// Commits one batch and answers its senders; false when the connection may be unusable.
async fn commit(conn: &mut WriterConnection, jobs: Vec<Job>) -> bool {
    let started = Instant::now();
    let (requests, replies): (Vec<_>, Vec<_>) =
        jobs.into_iter().map(|j| (j.request, j.reply)).unzip();
    metrics::histogram!("kefu_commit_batch_size").record(requests.len() as f64);
    let mut healthy = true;
    match conn.append_batch(&requests).await {
        Ok(results) => {
            for (reply, result) in replies.into_iter().zip(results) {
                let _ = reply.send(result);
            }
        }
        Err(error) => {
            // One bad message must not sink its neighbours: retry each in its own transaction.
            tracing::warn!(%error, size = requests.len(), "batch commit failed; retrying singly");
            for (reply, request) in replies.into_iter().zip(requests) {
                let result = match conn.append_batch(std::slice::from_ref(&request)).await {
                    Ok(mut results) => results.pop().unwrap_or(Err(StoreError::WriterGone)),
                    Err(e) => {
                        healthy = false;
                        Err(e)
                    }
                };
                let _ = reply.send(result);
            }
        }
    }
    metrics::histogram!("kefu_commit_seconds").record(started.elapsed().as_secs_f64());
    healthy
}
