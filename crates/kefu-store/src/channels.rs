//! A shop's channels (issue #21, CH-3; SQL: `sql/channels.rs`): each connected account with
//! its settings, its sealed secrets, the access token every process shares, and its health
//! (last message in and out, last error). A callback finds its channel by id alone: the
//! platform proves itself by the signature the channel's secrets check.

use uuid::Uuid;

use crate::{NewAudit, NewDelivery, Result, Store};

/// A channel to connect.
#[derive(Debug)]
pub struct NewChannel<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    /// The platform's id of the account (the AppID).
    pub public_id: &'a str,
    pub settings: &'a serde_json::Value,
    pub secrets: &'a serde_json::Value,
}

/// A connected channel; `secrets` opened.
#[derive(Clone, PartialEq)]
pub struct ChannelRow {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub kind: String,
    pub name: String,
    pub public_id: String,
    pub settings: serde_json::Value,
    pub secrets: serde_json::Value,
    pub paused: bool,
    pub token_expires_at: Option<i64>,
    pub last_in_at: Option<i64>,
    pub last_out_at: Option<i64>,
    pub last_error: String,
    pub last_error_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl std::fmt::Debug for ChannelRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelRow")
            .field("id", &self.id)
            .field("tenant_id", &self.tenant_id)
            .field("kind", &self.kind)
            .field("public_id", &self.public_id)
            .field("paused", &self.paused)
            .finish_non_exhaustive()
    }
}

/// What happened on a channel, for its health line.
#[derive(Debug, Clone, Copy)]
pub enum ChannelSeen<'a> {
    /// A message came in.
    In,
    /// A message left.
    Out,
    /// Something failed (a refused callback, a send the platform refused).
    Error(&'a str),
}

/// What a change of a channel changes; `None` leaves it as it is.
#[derive(Debug, Clone, Copy, Default)]
pub struct ChannelChange<'a> {
    pub name: Option<&'a str>,
    pub paused: Option<bool>,
    /// The whole public settings document, replaced.
    pub settings: Option<&'a serde_json::Value>,
    /// The whole secrets document, replaced (sealed as ever).
    pub secrets: Option<&'a serde_json::Value>,
    /// The access token kept is dropped (fetched again with a new secret).
    pub forget_token: bool,
}

/// A buyer moved to a WeCom 微信客服 account (issue #21): the token on the contact link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelMove {
    pub token: String,
    pub tenant_id: Uuid,
    /// The WeCom account moved to.
    pub channel_id: Uuid,
    /// Where the buyer was, and who.
    pub conversation_id: Uuid,
    pub buyer_id: Uuid,
    /// The agent who moved them.
    pub moved_by: Option<Uuid>,
    pub created_at: i64,
    /// When the buyer first came in on WeCom by it, and as whom.
    pub taken_at: Option<i64>,
    pub taken_by: Option<Uuid>,
}

impl Store {
    /// Connects a channel; `Conflict("channel_exists")` when the shop has this account.
    pub async fn create_channel(
        &self,
        tenant_id: Uuid,
        new: &NewChannel<'_>,
        audit: impl FnOnce(&ChannelRow) -> Vec<NewAudit> + Send,
    ) -> Result<ChannelRow> {
        dispatch!(
            self,
            channels::create_channel(&self.vault, tenant_id, new, audit)
        )
    }

    /// The shop's channels, oldest first.
    pub async fn channels(&self, tenant_id: Uuid) -> Result<Vec<ChannelRow>> {
        dispatch!(self, channels::channels(&self.vault, Some(tenant_id), None))
    }

    pub async fn channel(&self, tenant_id: Uuid, id: Uuid) -> Result<Option<ChannelRow>> {
        let found = dispatch!(
            self,
            channels::channels(&self.vault, Some(tenant_id), Some(id))
        )?;
        Ok(found.into_iter().next())
    }

    /// The channel a platform's callback names (it proves itself by its signature).
    pub async fn channel_for_callback(&self, id: Uuid) -> Result<Option<ChannelRow>> {
        let found = dispatch!(self, channels::channels(&self.vault, None, Some(id)))?;
        Ok(found.into_iter().next())
    }

    /// Renames or pauses a channel, or replaces its public settings (a widget's sites and
    /// colour); `None` when it is not the shop's.
    pub async fn update_channel(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        change: ChannelChange<'_>,
        audit: impl FnOnce(&ChannelRow) -> Vec<NewAudit> + Send,
    ) -> Result<Option<ChannelRow>> {
        dispatch!(
            self,
            channels::update_channel(&self.vault, tenant_id, id, change, audit)
        )
    }

    /// Disconnects a channel; false when it is not the shop's.
    pub async fn delete_channel(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        audit: impl FnOnce() -> Vec<NewAudit> + Send,
    ) -> Result<bool> {
        dispatch!(self, channels::delete_channel(tenant_id, id, audit))
    }

    /// Notes on the channel's health line what just happened at `at`.
    pub async fn channel_seen(&self, id: Uuid, seen: ChannelSeen<'_>, at: i64) -> Result<()> {
        dispatch!(self, channels::channel_seen(id, seen, at))
    }

    /// The platform's access token and when it expires, if one is kept.
    pub async fn channel_token(&self, id: Uuid) -> Result<Option<(String, i64)>> {
        dispatch!(self, channels::channel_token(&self.vault, id))
    }

    /// Keeps a fresh access token for every process.
    pub async fn save_channel_token(&self, id: Uuid, token: &str, expires_at: i64) -> Result<()> {
        dispatch!(
            self,
            channels::save_channel_token(&self.vault, id, token, expires_at)
        )
    }

    /// Where a pull-model channel has read `scope` (a kf account) up to; empty: from the start.
    pub async fn channel_cursor(&self, id: Uuid, scope: &str) -> Result<String> {
        dispatch!(self, channels::channel_cursor(id, scope))
    }

    /// Moves how far a pull-model channel has read `scope` from `from` to `to`, for every
    /// process; false (and nothing changed) when another pull moved it first.
    pub async fn save_channel_cursor(
        &self,
        id: Uuid,
        scope: &str,
        from: &str,
        to: &str,
        at: i64,
    ) -> Result<bool> {
        dispatch!(
            self,
            channels::save_channel_cursor(id, scope, (from, to), at)
        )
    }

    /// Every channel of `kind` with what it kept so far (a pull-model channel's accounts
    /// read): `(channel, scope)`.
    pub async fn channel_cursors(&self, kind: &str) -> Result<Vec<(Uuid, String)>> {
        dispatch!(self, channels::channel_cursors(kind))
    }

    /// Forgets what channels kept under scopes starting `prefix` last saved before `before`
    /// (Douyin's reply contexts, good 24 hours); how many.
    pub async fn prune_channel_cursors(&self, prefix: &str, before: i64) -> Result<u64> {
        dispatch!(self, channels::prune_channel_cursors(prefix, before))
    }

    /// Whether the buyer already sent a message with this client id, in any conversation
    /// (a platform's message read twice, the second time after the first conversation ended).
    pub async fn buyer_sent(
        &self,
        tenant_id: Uuid,
        buyer_id: Uuid,
        client_msg_id: &str,
    ) -> Result<bool> {
        dispatch!(
            self,
            channels::buyer_sent(tenant_id, buyer_id, client_msg_id)
        )
    }

    /// Queues a shop's replies to its channels in one transaction, each first due at
    /// `due_at`; their ids, in order.
    pub async fn queue_channel_deliveries(
        &self,
        tenant_id: Uuid,
        deliveries: &[NewDelivery],
        due_at: i64,
    ) -> Result<Vec<Uuid>> {
        dispatch!(
            self,
            channels::queue_channel_deliveries(tenant_id, deliveries, due_at)
        )
    }

    /// How many messages the shop's side (agents, robot, automatic replies, kefu) wrote in a
    /// conversation after `since`: what a platform's reply quota counts (not the rating
    /// invitation, which other platforms are not sent).
    pub async fn sent_since(
        &self,
        tenant_id: Uuid,
        conversation_id: Uuid,
        since: i64,
    ) -> Result<i64> {
        dispatch!(
            self,
            channels::sent_since(tenant_id, conversation_id, since)
        )
    }

    /// Records a move to a WeCom account (the token is the caller's, random).
    pub async fn create_channel_move(&self, new: &ChannelMove) -> Result<()> {
        dispatch!(self, channels::create_channel_move(new))
    }

    /// The move of the shop to `channel_id` a contact link's token names.
    pub async fn channel_move(
        &self,
        tenant_id: Uuid,
        channel_id: Uuid,
        token: &str,
    ) -> Result<Option<ChannelMove>> {
        dispatch!(self, channels::channel_move(tenant_id, channel_id, token))
    }

    /// Marks the move taken by the buyer `taken_by` (the first one to come in by it):
    /// `Some(true)` taken now, `Some(false)` theirs before, `None` not theirs (or no move).
    pub async fn take_channel_move(
        &self,
        tenant_id: Uuid,
        channel_id: Uuid,
        token: &str,
        taken_by: Uuid,
    ) -> Result<Option<bool>> {
        dispatch!(
            self,
            channels::take_channel_move(tenant_id, channel_id, token, taken_by)
        )
    }

    /// Forgets moves made before `before` that no buyer took (their links have lapsed);
    /// a taken move stays, as the link between the two conversations. How many.
    pub async fn prune_untaken_channel_moves(&self, before: i64) -> Result<u64> {
        dispatch!(self, channels::prune_untaken_channel_moves(before))
    }
}
