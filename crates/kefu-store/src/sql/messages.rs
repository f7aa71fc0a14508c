//! The SQL of messages: reading a conversation's, and the group commit that appends a batch
//! of sends in one transaction with a fixed number of statements.

use kefu_domain::conversation::{
    self, ConversationState, ConversationStatus, ConversationSummary, EventKind, IncomingMessage,
};
use kefu_domain::message::{Attachment, Message, SenderKind};
use kefu_domain::time::now_ms;
use sqlx::Pool;
use uuid::Uuid;

use super::{BEGIN_WRITE, Db, LOCK_ROWS};
use crate::rows::{AttachmentRow, ConversationRow, MessageRow, uuid};
use crate::writer::{AppendRequest, Appended};
use crate::{ROWS_PER_STATEMENT, Result, StoreError};

macro_rules! message_select {
    () => {
        "SELECT m.id, m.conversation_id, m.seq, m.sender_kind, m.sender_id, m.sender_name, \
         m.client_msg_id, m.kind, m.body, m.created_at, m.attachment_id, a.file_name, \
         a.content_type, a.size_bytes \
         FROM messages m LEFT JOIN attachments a ON a.id = m.attachment_id "
    };
}

pub(crate) async fn messages(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    conversation_id: Uuid,
    after_seq: i64,
    before_seq: Option<i64>,
    limit: i64,
) -> Result<Vec<Message>> {
    let rows: Vec<MessageRow> = match before_seq {
        None => {
            sqlx::query_as(concat!(
                message_select!(),
                "WHERE m.conversation_id = $1 AND m.tenant_id = $2 AND m.seq > $3 \
                 ORDER BY m.seq LIMIT $4"
            ))
            .bind(conversation_id.to_string())
            .bind(tenant_id.to_string())
            .bind(after_seq)
            .bind(limit)
            .fetch_all(pool)
            .await?
        }
        Some(before) => {
            let mut rows: Vec<MessageRow> = sqlx::query_as(concat!(
                message_select!(),
                "WHERE m.conversation_id = $1 AND m.tenant_id = $2 AND m.seq > $3 AND m.seq < $4 \
                 ORDER BY m.seq DESC LIMIT $5"
            ))
            .bind(conversation_id.to_string())
            .bind(tenant_id.to_string())
            .bind(after_seq)
            .bind(before)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            rows.reverse();
            rows
        }
    };
    rows.into_iter().map(TryInto::try_into).collect()
}

/// A conversation as the writer holds it while a batch is applied.
#[derive(sqlx::FromRow, Clone)]
struct WriterConversation {
    id: String,
    tenant_id: String,
    buyer_id: String,
    buyer_name: String,
    channel: String,
    entry: String,
    status: String,
    assignee_id: Option<String>,
    assignee_name: Option<String>,
    awaiting_first_reply: bool,
    awaiting_reply: bool,
    cycle_started_at: i64,
    last_seq: i64,
    last_message_preview: String,
    last_message_at: i64,
    unread_count: i64,
    agent_read_seq: i64,
    buyer_read_seq: i64,
    last_buyer_message_at: Option<i64>,
    resolved_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
    context: String,
    tags: String,
    team: Option<String>,
    robot_active: bool,
    up_for_grabs: bool,
}

impl WriterConversation {
    /// What the state machine (`kefu_domain::conversation::apply`) reads. The preview is
    /// moved out, not copied: every message replaces it, and `set_state` puts it back.
    fn state(&mut self) -> Result<ConversationState> {
        let assignee = match (&self.assignee_id, &self.assignee_name) {
            (Some(id), name) => Some((uuid(id)?, name.clone().unwrap_or_default())),
            (None, _) => None,
        };
        Ok(ConversationState {
            status: ConversationStatus::parse(&self.status)
                .ok_or_else(|| StoreError::Corrupt(format!("bad status `{}`", self.status)))?,
            assignee,
            awaiting_first_reply: self.awaiting_first_reply,
            awaiting_reply: self.awaiting_reply,
            cycle_started_at: self.cycle_started_at,
            resolved_at: self.resolved_at,
            last_seq: self.last_seq,
            last_message_preview: std::mem::take(&mut self.last_message_preview),
            last_message_at: self.last_message_at,
            unread_count: self.unread_count,
            agent_read_seq: self.agent_read_seq,
            last_buyer_message_at: self.last_buyer_message_at,
            updated_at: self.updated_at,
        })
    }

    /// Takes what the state machine decided.
    fn set_state(&mut self, state: ConversationState) {
        if self.status != state.status.as_str() {
            self.status = state.status.as_str().to_owned();
        }
        // The machine only ever gives an unowned conversation an owner.
        if let (None, Some((id, name))) = (&self.assignee_id, state.assignee) {
            self.assignee_id = Some(id.to_string());
            self.assignee_name = Some(name);
        }
        self.awaiting_first_reply = state.awaiting_first_reply;
        self.awaiting_reply = state.awaiting_reply;
        self.cycle_started_at = state.cycle_started_at;
        self.resolved_at = state.resolved_at;
        self.last_seq = state.last_seq;
        self.last_message_preview = state.last_message_preview;
        self.last_message_at = state.last_message_at;
        self.unread_count = state.unread_count;
        self.agent_read_seq = state.agent_read_seq;
        self.last_buyer_message_at = state.last_buyer_message_at;
        self.updated_at = state.updated_at;
    }

    /// The summary the batch leaves behind, without reading it back.
    fn summary(&self) -> Result<ConversationSummary> {
        ConversationRow {
            id: self.id.clone(),
            tenant_id: self.tenant_id.clone(),
            buyer_id: self.buyer_id.clone(),
            buyer_name: self.buyer_name.clone(),
            channel: self.channel.clone(),
            entry: self.entry.clone(),
            status: self.status.clone(),
            assignee_id: self.assignee_id.clone(),
            assignee_name: self.assignee_name.clone(),
            last_seq: self.last_seq,
            last_message_preview: self.last_message_preview.clone(),
            last_message_at: self.last_message_at,
            unread_count: self.unread_count,
            agent_read_seq: self.agent_read_seq,
            buyer_read_seq: self.buyer_read_seq,
            created_at: self.created_at,
            updated_at: self.updated_at,
            context: self.context.clone(),
            tags: self.tags.clone(),
            team: self.team.clone(),
            last_buyer_message_at: self.last_buyer_message_at,
            awaiting_reply: self.awaiting_reply,
            robot_active: self.robot_active,
            up_for_grabs: self.up_for_grabs,
        }
        .try_into()
    }
}

struct NewEvent {
    conversation_id: String,
    tenant_id: String,
    kind: EventKind,
    actor_kind: SenderKind,
    actor_id: Option<String>,
    message_seq: Option<i64>,
    data: String,
}

struct NewMessage {
    id: Uuid,
    tenant_id: String,
    conversation_id: String,
    seq: i64,
    channel: String,
}

/// Appends a batch in one transaction with a fixed number of statements, whatever its size:
/// read the conversations (locked, on PostgreSQL), earlier copies of retried sends and the
/// attachments; apply the state machine in memory in arrival order; then write all messages,
/// all events and all conversation changes with one multi-row statement each.
pub(crate) async fn append_batch(
    pool: &Pool<Db>,
    batch: &[AppendRequest],
) -> Result<Vec<Result<Appended>>> {
    let mut conn = pool.acquire().await?;
    append_batch_on(&mut conn, batch).await
}

/// A connection of its own for the group-commit writer: its page cache stays warm.
pub(crate) async fn writer_connection(
    pool: &Pool<Db>,
) -> Result<<Db as sqlx::Database>::Connection> {
    Ok(pool.acquire().await?.detach())
}

/// Most sends are new, so the batch is first written without looking for earlier copies:
/// the unique index on (conversation, sender, client id) notices a retried send, and then
/// the batch is rolled back and written again, this time answering retries with their first
/// copies.
pub(crate) async fn append_batch_on(
    conn: &mut <Db as sqlx::Database>::Connection,
    batch: &[AppendRequest],
) -> Result<Vec<Result<Appended>>> {
    match write_batch(conn, batch, false).await? {
        Some(results) => Ok(results),
        None => write_batch(conn, batch, true)
            .await?
            .ok_or(StoreError::Conflict("message_conflict")),
    }
}

/// Writes the batch in one transaction; `None` when a send turned out to be a retry that
/// `check_retries` did not look for (nothing was written).
async fn write_batch(
    conn: &mut <Db as sqlx::Database>::Connection,
    batch: &[AppendRequest],
    check_retries: bool,
) -> Result<Option<Vec<Result<Appended>>>> {
    use sqlx::Connection;
    if batch.is_empty() {
        return Ok(Some(vec![]));
    }
    let now = now_ms();
    let mut tx = conn.begin_with(BEGIN_WRITE).await?;

    let mut conversation_ids: Vec<String> = batch
        .iter()
        .map(|r| r.conversation_id.to_string())
        .collect();
    conversation_ids.sort();
    conversation_ids.dedup();
    let mut conversations: std::collections::HashMap<String, WriterConversation> =
        std::collections::HashMap::new();
    for chunk in conversation_ids.chunks(ROWS_PER_STATEMENT) {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "SELECT c.id, c.tenant_id, c.buyer_id, c.buyer_name, c.channel, c.entry, c.status, \
             c.assignee_id, u.display_name AS assignee_name, c.awaiting_first_reply, \
             c.awaiting_reply, \
             c.cycle_started_at, c.last_seq, c.last_message_preview, c.last_message_at, \
             c.unread_count, c.agent_read_seq, c.buyer_read_seq, c.last_buyer_message_at, \
             c.resolved_at, c.created_at, c.updated_at, c.context, c.tags, c.team, \
             c.robot_active, c.up_for_grabs FROM conversations c \
             LEFT JOIN users u ON u.id = c.assignee_id WHERE c.id IN (",
        );
        let mut list = q.separated(", ");
        for id in chunk {
            list.push_bind(id.as_str());
        }
        q.push(")");
        q.push(LOCK_ROWS);
        let rows: Vec<WriterConversation> = q
            .build_query_as()
            .persistent(false)
            .fetch_all(&mut *tx)
            .await?;
        conversations.extend(rows.into_iter().map(|c| (c.id.clone(), c)));
    }

    // Earlier copies of sends that carry a client id: a retry is answered with them.
    let mut earlier: std::collections::HashMap<(String, String, String), Message> =
        std::collections::HashMap::new();
    let retries: Vec<(String, String, &str)> = batch
        .iter()
        .filter(|_| check_retries)
        .filter_map(|r| match (r.sender_id, r.client_msg_id.as_deref()) {
            (Some(sender), Some(client)) => {
                Some((r.conversation_id.to_string(), sender.to_string(), client))
            }
            _ => None,
        })
        .collect();
    // One exact (conversation, sender, client id) term per send: each is a probe of the
    // unique index, answered from the index alone. Only hits (real retries) are read whole.
    let mut hits: Vec<(String, String, String)> = vec![];
    for chunk in retries.chunks(ROWS_PER_STATEMENT / 3) {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "SELECT conversation_id, sender_id, client_msg_id FROM messages WHERE ",
        );
        for (i, (conversation, sender, client)) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { " OR (" });
            q.push("conversation_id = ")
                .push_bind(conversation.as_str());
            q.push(" AND sender_id = ").push_bind(sender.as_str());
            q.push(" AND client_msg_id = ").push_bind(*client);
            q.push(")");
        }
        let rows: Vec<(String, String, String)> = q
            .build_query_as()
            .persistent(false)
            .fetch_all(&mut *tx)
            .await?;
        hits.extend(rows);
    }
    for (conversation, sender, client) in hits {
        let row: MessageRow = sqlx::query_as(concat!(
            message_select!(),
            "WHERE m.conversation_id = $1 AND m.sender_id = $2 AND m.client_msg_id = $3"
        ))
        .bind(&conversation)
        .bind(&sender)
        .bind(&client)
        .fetch_one(&mut *tx)
        .await?;
        earlier.insert((conversation, sender, client), row.try_into()?);
    }

    let attachment_ids: Vec<String> = batch
        .iter()
        .filter_map(|r| r.content.attachment_id.map(|id| id.to_string()))
        .collect();
    let mut attachments: std::collections::HashMap<String, AttachmentRow> =
        std::collections::HashMap::new();
    for chunk in attachment_ids.chunks(ROWS_PER_STATEMENT) {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "SELECT id, tenant_id, file_name, content_type, size_bytes, storage_key \
             FROM attachments WHERE id IN (",
        );
        let mut list = q.separated(", ");
        for id in chunk {
            list.push_bind(id.as_str());
        }
        q.push(")");
        let rows: Vec<AttachmentRow> = q
            .build_query_as()
            .persistent(false)
            .fetch_all(&mut *tx)
            .await?;
        attachments.extend(rows.into_iter().map(|a| (a.id.clone(), a)));
    }

    // Apply every send in arrival order.
    enum Outcome {
        /// With whether it reopened a resolved conversation.
        Stored(Message, bool),
        Duplicate(Message),
        Refused(StoreError),
    }
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut new_messages: Vec<(NewMessage, &AppendRequest)> = vec![];
    let mut events: Vec<NewEvent> = vec![];
    let mut touched: Vec<String> = vec![];
    for r in batch {
        let tenant = r.tenant_id.to_string();
        let conversation_id = r.conversation_id.to_string();
        let sender_id = r.sender_id.map(|id| id.to_string());
        let Some(c) = conversations
            .get_mut(&conversation_id)
            .filter(|c| c.tenant_id == tenant)
        else {
            outcomes.push(Outcome::Refused(StoreError::NotFound("conversation")));
            continue;
        };
        let retry_key = match (&sender_id, &r.client_msg_id) {
            (Some(sender), Some(client)) => {
                Some((conversation_id.clone(), sender.clone(), client.clone()))
            }
            _ => None,
        };
        if let Some(first) = retry_key.as_ref().and_then(|k| earlier.get(k)) {
            outcomes.push(Outcome::Duplicate(first.clone()));
            continue;
        }
        let attachment = match r.content.attachment_id {
            None => None,
            Some(id) => match attachments
                .get(&id.to_string())
                .filter(|a| a.tenant_id == tenant)
            {
                Some(a) => Some(Attachment {
                    id,
                    file_name: a.file_name.clone(),
                    content_type: a.content_type.clone(),
                    size_bytes: a.size_bytes,
                    url: String::new(),
                }),
                None => {
                    outcomes.push(Outcome::Refused(StoreError::NotFound("attachment")));
                    continue;
                }
            },
        };

        let applied = conversation::apply(
            c.state()?,
            &IncomingMessage {
                sender_kind: r.sender_kind,
                sender_id: r.sender_id,
                sender_name: r.sender_name.clone(),
                kind: r.content.kind,
                preview: r.content.preview(),
            },
            now,
        );
        let seq = applied.seq;
        c.set_state(applied.state);
        events.extend(applied.events.into_iter().map(|e| NewEvent {
            conversation_id: conversation_id.clone(),
            tenant_id: tenant.clone(),
            kind: e.kind,
            actor_kind: r.sender_kind,
            actor_id: sender_id.clone(),
            message_seq: e.message_seq,
            data: e.data.to_string(),
        }));

        let message = Message {
            id: Uuid::now_v7(),
            conversation_id: r.conversation_id,
            seq,
            sender_kind: r.sender_kind,
            sender_id: r.sender_id,
            sender_name: r.sender_name.clone(),
            client_msg_id: r.client_msg_id.clone(),
            kind: r.content.kind,
            body: r.content.body.clone(),
            attachment,
            created_at: now,
        };
        if let Some(key) = retry_key {
            earlier.insert(key, message.clone());
        }
        new_messages.push((
            NewMessage {
                id: message.id,
                tenant_id: tenant,
                conversation_id: conversation_id.clone(),
                seq,
                channel: c.channel.clone(),
            },
            r,
        ));
        touched.push(conversation_id);
        outcomes.push(Outcome::Stored(message, applied.reopened));
    }

    for chunk in new_messages.chunks(ROWS_PER_STATEMENT) {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO messages (id, tenant_id, conversation_id, seq, sender_kind, sender_id, \
             sender_name, client_msg_id, kind, body, attachment_id, channel, external_id, \
             created_at) ",
        );
        q.push_values(chunk, |mut row, (m, r)| {
            row.push_bind(m.id.to_string())
                .push_bind(m.tenant_id.as_str())
                .push_bind(m.conversation_id.as_str())
                .push_bind(m.seq)
                .push_bind(r.sender_kind.as_str())
                .push_bind(r.sender_id.map(|id| id.to_string()))
                .push_bind(r.sender_name.as_str())
                .push_bind(r.client_msg_id.as_deref())
                .push_bind(r.content.kind.as_str())
                .push_bind(r.content.body.as_str())
                .push_bind(r.content.attachment_id.map(|id| id.to_string()))
                .push_bind(m.channel.as_str())
                .push_bind(r.external_id.as_deref())
                .push_bind(now);
        });
        q.push(" ON CONFLICT DO NOTHING");
        let inserted = q
            .build()
            .persistent(false)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if inserted < chunk.len() as u64 {
            // A retried send we did not look for: write the batch again, looking.
            tx.rollback().await?;
            return if check_retries {
                Err(StoreError::Conflict("message_conflict"))
            } else {
                Ok(None)
            };
        }
    }
    for chunk in events.chunks(ROWS_PER_STATEMENT) {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO conversation_events (tenant_id, conversation_id, kind, actor_kind, \
             actor_id, message_seq, data, at) ",
        );
        q.push_values(chunk, |mut row, e| {
            row.push_bind(e.tenant_id.as_str())
                .push_bind(e.conversation_id.as_str())
                .push_bind(e.kind.as_str())
                .push_bind(e.actor_kind.as_str())
                .push_bind(e.actor_id.as_deref())
                .push_bind(e.message_seq)
                .push_bind(e.data.as_str())
                .push_bind(now);
        });
        q.build().persistent(false).execute(&mut *tx).await?;
    }
    touched.sort();
    touched.dedup();
    let changed: Vec<&WriterConversation> = touched
        .iter()
        .filter_map(|id| conversations.get(id))
        .collect();
    for chunk in changed.chunks(ROWS_PER_STATEMENT) {
        // VALUES columns are column1…column13 on both backends; casts give PostgreSQL the types.
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "UPDATE conversations SET \
            status = v.column2, assignee_id = v.column3, \
            awaiting_first_reply = CAST(v.column4 AS BOOLEAN), \
            cycle_started_at = CAST(v.column5 AS BIGINT), last_seq = CAST(v.column6 AS BIGINT), \
            last_message_preview = v.column7, last_message_at = CAST(v.column8 AS BIGINT), \
            unread_count = CAST(v.column9 AS BIGINT), agent_read_seq = CAST(v.column10 AS BIGINT), \
            last_buyer_message_at = CAST(v.column11 AS BIGINT), \
            resolved_at = CAST(v.column12 AS BIGINT), updated_at = CAST(v.column8 AS BIGINT), \
            awaiting_reply = CAST(v.column13 AS BOOLEAN) \
            FROM (",
        );
        q.push_values(chunk, |mut row, c| {
            row.push_bind(c.id.as_str())
                .push_bind(c.status.as_str())
                .push_bind(c.assignee_id.as_deref())
                .push_bind(c.awaiting_first_reply)
                .push_bind(c.cycle_started_at)
                .push_bind(c.last_seq)
                .push_bind(c.last_message_preview.as_str())
                .push_bind(c.last_message_at)
                .push_bind(c.unread_count)
                .push_bind(c.agent_read_seq)
                .push_bind(c.last_buyer_message_at)
                .push_bind(c.resolved_at)
                .push_bind(c.awaiting_reply);
        });
        q.push(") AS v WHERE conversations.id = v.column1");
        q.build().persistent(false).execute(&mut *tx).await?;
    }

    tx.commit().await?;

    Ok(Some(
        outcomes
            .into_iter()
            .map(|outcome| {
                let (message, duplicate, reopened) = match outcome {
                    Outcome::Refused(e) => return Err(e),
                    Outcome::Stored(m, reopened) => (m, false, reopened),
                    Outcome::Duplicate(m) => (m, true, false),
                };
                let conversation = conversations
                    .get(&message.conversation_id.to_string())
                    .ok_or(StoreError::NotFound("conversation"))?
                    .summary()?;
                Ok(Appended {
                    message,
                    conversation,
                    duplicate,
                    reopened,
                })
            })
            .collect(),
    ))
}
