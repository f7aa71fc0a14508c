//! Opens buyers' conversations in batches (issue #14, CH-1): a burst of buyers sending their
//! first message at once shares a few commits instead of queueing for one commit each, so
//! their first acks come about as fast as anyone's.

use kefu_domain::conversation::ConversationSummary;
use kefu_store::{NewConversation, Store};
use tokio::sync::{mpsc, oneshot};

use crate::error::ApiError;

/// Conversations opened in one transaction at most.
const MAX_BATCH: usize = 256;
/// Openings waiting at most; a caller past it waits for room (backpressure, bounded memory).
const QUEUE: usize = 4_096;

type Answer = oneshot::Sender<Result<ConversationSummary, ApiError>>;

/// The way in to the opening task; cheap to clone.
#[derive(Clone)]
pub struct Opener {
    requests: mpsc::Sender<(NewConversation, Answer)>,
}

impl Opener {
    /// Starts the task that opens what is asked, a batch at a time, until every `Opener` is
    /// dropped.
    pub fn spawn(store: Store) -> Opener {
        let (requests, inbox) = mpsc::channel(QUEUE);
        tokio::spawn(open_forever(store, inbox));
        Opener { requests }
    }

    /// The buyer's conversation: opened now with `new`'s team and robot, or the current one.
    pub async fn open(&self, new: NewConversation) -> Result<ConversationSummary, ApiError> {
        let (answer, answered) = oneshot::channel();
        let gone = || ApiError::from(kefu_domain::error_code::ErrorCode::Unavailable);
        self.requests
            .send((new, answer))
            .await
            .map_err(|_| gone())?;
        answered.await.map_err(|_| gone())?
    }
}

async fn open_forever(store: Store, mut inbox: mpsc::Receiver<(NewConversation, Answer)>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while inbox.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (asked, answers): (Vec<_>, Vec<_>) = std::mem::take(&mut batch).into_iter().unzip();
        match store.open_conversations(&asked).await {
            Ok(opened) => {
                for (answer, conversation) in answers.into_iter().zip(opened) {
                    let _ = answer.send(Ok(conversation));
                }
            }
            // One bad request (a buyer gone) must not fail the others: each on its own.
            Err(_) => {
                for (new, answer) in asked.into_iter().zip(answers) {
                    let one = store
                        .open_conversations(std::slice::from_ref(&new))
                        .await
                        .map_err(ApiError::from)
                        .and_then(|mut opened| {
                            opened.pop().ok_or_else(|| {
                                ApiError::Internal("no conversation came back".to_owned())
                            })
                        });
                    let _ = answer.send(one);
                }
            }
        }
    }
}
