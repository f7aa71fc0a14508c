//! Quality inspection (KPI-3, issue #18; SQL: `sql/qa.rs`): the day's candidates, the sample,
//! reviews scored, appealed and decided, and each agent's QA average for the scorecard.

use kefu_domain::qa::{
    Candidate, CheckedScore, ForbiddenHit, QaReview, ReviewStatus, SampleReason,
};
use uuid::Uuid;

use crate::{NewAudit, Result, Store};

/// A conversation to put in a day's sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewQaReview {
    pub conversation_id: Uuid,
    pub agent_id: Option<Uuid>,
    pub reasons: Vec<SampleReason>,
    pub forbidden_hits: Vec<ForbiddenHit>,
}

/// Which reviews a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QaFilter {
    pub day: Option<String>,
    pub status: Option<ReviewStatus>,
    pub agent_id: Option<Uuid>,
}

/// What became of a change to a review.
#[derive(Debug, Clone, PartialEq)]
pub enum QaChange {
    Done(Box<QaReview>),
    NotFound,
    /// Not in a state for this change (`qa_review_closed`).
    Closed,
}

impl Store {
    /// Conversations an agent replied in during `[start, end)`: the agent who replied most,
    /// and whether it was rated badly or transferred in the range, or tagged a complaint.
    pub async fn qa_candidates(
        &self,
        tenant_id: Uuid,
        start: i64,
        end: i64,
    ) -> Result<Vec<Candidate>> {
        dispatch!(self, qa::qa_candidates(tenant_id, start, end))
    }

    /// Agents' text messages sent in `[start, end)`: (conversation, seq, text).
    pub async fn agent_texts(
        &self,
        tenant_id: Uuid,
        start: i64,
        end: i64,
    ) -> Result<Vec<(Uuid, i64, String)>> {
        dispatch!(self, qa::agent_texts(tenant_id, start, end))
    }

    /// Adds `day`'s sampled conversations, once each: how many were new.
    pub async fn add_qa_sample(
        &self,
        tenant_id: Uuid,
        day: &str,
        reviews: &[NewQaReview],
        now: i64,
    ) -> Result<u64> {
        dispatch!(self, qa::add_qa_sample(tenant_id, day, reviews, now))
    }

    /// Reviews by filter, newest day first (500 at most).
    pub async fn qa_reviews(&self, tenant_id: Uuid, filter: &QaFilter) -> Result<Vec<QaReview>> {
        dispatch!(self, qa::qa_reviews(tenant_id, filter))
    }

    pub async fn qa_review(&self, tenant_id: Uuid, id: Uuid) -> Result<Option<QaReview>> {
        dispatch!(self, qa::qa_review(tenant_id, id))
    }

    /// An inspector scores a review that is pending or scored (again).
    pub async fn score_qa_review(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        inspector: Uuid,
        score: &CheckedScore,
        now: i64,
    ) -> Result<QaChange> {
        dispatch!(
            self,
            qa::score_qa_review(tenant_id, id, inspector, score, now)
        )
    }

    /// The reviewed agent appeals a scored review, once.
    pub async fn appeal_qa_review(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        agent: Uuid,
        text: &str,
        now: i64,
    ) -> Result<QaChange> {
        dispatch!(self, qa::appeal_qa_review(tenant_id, id, agent, text, now))
    }

    /// A supervisor decides an appeal: the score stands (`None`) or is changed; audited in the
    /// same transaction.
    pub async fn decide_qa_review(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        by: Uuid,
        decision: &str,
        score: Option<f64>,
        audit: impl FnOnce(&QaReview) -> Vec<NewAudit> + Send,
        now: i64,
    ) -> Result<QaChange> {
        dispatch!(
            self,
            qa::decide_qa_review(tenant_id, id, by, decision, score, audit, now)
        )
    }

    /// Each agent's average QA score (the decided score where there is one) over reviews of
    /// days `from..=to`, and how many.
    pub async fn qa_averages(
        &self,
        tenant_id: Uuid,
        from: &str,
        to: &str,
    ) -> Result<Vec<(Uuid, f64, i64)>> {
        dispatch!(self, qa::qa_averages(tenant_id, from, to))
    }
}
