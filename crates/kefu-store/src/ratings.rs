//! The satisfaction rating (KPI-3, issue #17): invitations, ratings and their events (SQL:
//! `sql/ratings.rs`).

use kefu_domain::rating::{CheckedRating, Rating};
use uuid::Uuid;

use crate::{Result, Store};

/// What became of a rating or a second invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RatingChange {
    Done(Rating),
    /// No such invitation in the tenant (or, rating, not the caller's conversation).
    NotFound,
    /// Already rated, or (inviting again) invited twice already.
    Closed,
    /// Rating after the invitation's day.
    Expired,
}

impl Store {
    /// Invites the conversation's buyer to rate `agent`'s service, open until `now` plus a
    /// day, with its `rating_invited` event; `None` when there is no such conversation.
    pub async fn invite_rating(
        &self,
        tenant_id: Uuid,
        conversation_id: Uuid,
        agent_id: Option<Uuid>,
        now: i64,
    ) -> Result<Option<Rating>> {
        dispatch!(
            self,
            ratings::invite_rating(tenant_id, conversation_id, agent_id, now)
        )
    }

    pub async fn rating(&self, tenant_id: Uuid, id: Uuid) -> Result<Option<Rating>> {
        dispatch!(self, ratings::rating(tenant_id, id))
    }

    /// A conversation's invitations and ratings, oldest first.
    pub async fn conversation_ratings(
        &self,
        tenant_id: Uuid,
        conversation_id: Uuid,
    ) -> Result<Vec<Rating>> {
        dispatch!(
            self,
            ratings::conversation_ratings(tenant_id, conversation_id)
        )
    }

    /// The buyer rates, once, within the invitation's day, with its `rated` event.
    pub async fn rate(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        buyer_id: Uuid,
        rating: &CheckedRating,
        now: i64,
    ) -> Result<RatingChange> {
        dispatch!(self, ratings::rate(tenant_id, id, buyer_id, rating, now))
    }

    /// Opens the invitation for another day, once, while the buyer has not rated.
    pub async fn reinvite_rating(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        by: Uuid,
        now: i64,
    ) -> Result<RatingChange> {
        dispatch!(self, ratings::reinvite_rating(tenant_id, id, by, now))
    }
}
