//! Question mining (issue #19, DATA-5; SQL: `sql/questions.rs`): the buyers' questions of a
//! week, the topics found in them kept week by week, and the problems sent upstream.

use uuid::Uuid;

use crate::robot_training::NewProposal;
use crate::{Result, Store};

/// A buyer's text message, with the product its conversation is about ("" for none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AskedQuestion {
    pub conversation_id: Uuid,
    pub product_code: String,
    pub text: String,
    pub at: i64,
}

/// A stored topic.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicRow {
    pub id: Uuid,
    pub label: String,
    pub keywords: Vec<String>,
    /// Its strongest features, a unit vector.
    pub centroid: Vec<(u64, f32)>,
    /// Mondays as `YYYY-MM-DD`.
    pub first_week: String,
    pub last_week: String,
    pub proposal_id: Option<Uuid>,
}

/// A topic first found in the week being saved.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTopic {
    pub id: Uuid,
    pub label: String,
    pub keywords: Vec<String>,
    pub centroid: Vec<(u64, f32)>,
}

/// How many conversations asked a topic in the week, for one product ("" for none).
#[derive(Debug, Clone, PartialEq)]
pub struct TopicWeekRow {
    pub topic_id: Uuid,
    pub product_code: String,
    pub conversations: i64,
    /// `[{conversation, text, at}]`.
    pub examples: serde_json::Value,
}

/// A week's mining, saved whole in place of the week's earlier one.
#[derive(Debug, Clone, PartialEq)]
pub struct MinedWeek<'a> {
    pub week: &'a str,
    pub mined_at: i64,
    /// Conversations that asked anything, per product ("" for none).
    pub asked: &'a [(String, i64)],
    pub new_topics: &'a [NewTopic],
    pub rows: &'a [TopicWeekRow],
}

/// A topic's week for one product.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicWeek {
    pub week: String,
    pub product_code: String,
    pub conversations: i64,
    pub examples: serde_json::Value,
}

/// A problem sent to a product's owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTopicProblem {
    pub topic_id: Uuid,
    pub product_code: Option<String>,
    pub owner_id: Uuid,
    pub note: String,
    pub created_by: Uuid,
}

/// A stored problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemRow {
    pub id: Uuid,
    pub topic_id: Uuid,
    pub product_code: Option<String>,
    pub owner_id: Uuid,
    pub note: String,
    /// `open` or `fixed`.
    pub status: String,
    /// The shop's date the fix went out (`YYYY-MM-DD`).
    pub fixed_on: Option<String>,
    pub created_by: Uuid,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Store {
    /// Buyers' text messages in `[start, end)`, oldest first, at most `limit`, each with the
    /// product its conversation is about.
    pub async fn buyer_questions(
        &self,
        tenant_id: Uuid,
        start: i64,
        end: i64,
        limit: i64,
    ) -> Result<Vec<AskedQuestion>> {
        dispatch!(
            self,
            questions::buyer_questions(tenant_id, start, end, limit)
        )
    }

    /// Topics asked in `since_week` or later (Mondays as `YYYY-MM-DD`).
    pub async fn question_topics(
        &self,
        tenant_id: Uuid,
        since_week: &str,
    ) -> Result<Vec<TopicRow>> {
        dispatch!(self, questions::question_topics(tenant_id, since_week))
    }

    pub async fn question_topic(&self, tenant_id: Uuid, id: Uuid) -> Result<Option<TopicRow>> {
        dispatch!(self, questions::question_topic(tenant_id, id))
    }

    /// Replaces a week's mining with `week`'s, in one transaction; a topic first found by
    /// an earlier mining of the week and not found again is forgotten, unless it was sent
    /// to the robot or as a problem.
    pub async fn save_question_week(&self, tenant_id: Uuid, week: &MinedWeek<'_>) -> Result<()> {
        dispatch!(self, questions::save_question_week(tenant_id, week))
    }

    /// The weeks from `since_week` that were mined, and when.
    pub async fn mined_weeks(
        &self,
        tenant_id: Uuid,
        since_week: &str,
    ) -> Result<Vec<(String, i64)>> {
        dispatch!(self, questions::mined_weeks(tenant_id, since_week))
    }

    /// Conversations per (topic, week) in `[from_week, to_week]` for `product` (None: all),
    /// and per week those that asked anything.
    pub async fn topic_counts(
        &self,
        tenant_id: Uuid,
        from_week: &str,
        to_week: &str,
        product: Option<&str>,
    ) -> Result<(Vec<(Uuid, String, i64)>, Vec<(String, i64)>)> {
        dispatch!(
            self,
            questions::topic_counts(tenant_id, from_week, to_week, product)
        )
    }

    /// Products asked about in `[from_week, to_week]`, with how many conversations.
    pub async fn asking_products(
        &self,
        tenant_id: Uuid,
        from_week: &str,
        to_week: &str,
    ) -> Result<Vec<(String, i64)>> {
        dispatch!(
            self,
            questions::asking_products(tenant_id, from_week, to_week)
        )
    }

    /// One topic's weeks per product in `[from_week, to_week]`, newest first.
    pub async fn topic_weeks(
        &self,
        tenant_id: Uuid,
        topic_id: Uuid,
        from_week: &str,
        to_week: &str,
    ) -> Result<Vec<TopicWeek>> {
        dispatch!(
            self,
            questions::topic_weeks(tenant_id, topic_id, from_week, to_week)
        )
    }

    /// Puts a topic in the robot's review queue as a proposal that the training loop's runs
    /// leave in place; the proposal's id, or None when the topic is not the tenant's.
    pub async fn propose_topic(
        &self,
        tenant_id: Uuid,
        topic_id: Uuid,
        proposal: &NewProposal,
    ) -> Result<Option<Uuid>> {
        dispatch!(
            self,
            questions::propose_topic(tenant_id, topic_id, proposal)
        )
    }

    pub async fn add_topic_problem(
        &self,
        tenant_id: Uuid,
        problem: &NewTopicProblem,
    ) -> Result<ProblemRow> {
        dispatch!(self, questions::add_topic_problem(tenant_id, problem))
    }

    /// Problems, newest first: all, or `status`'s, or one topic's.
    pub async fn topic_problems(
        &self,
        tenant_id: Uuid,
        status: Option<&str>,
        topic_id: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<ProblemRow>> {
        dispatch!(
            self,
            questions::topic_problems(tenant_id, status, topic_id, limit)
        )
    }

    pub async fn topic_problem(&self, tenant_id: Uuid, id: Uuid) -> Result<Option<ProblemRow>> {
        dispatch!(self, questions::topic_problem(tenant_id, id))
    }

    /// Marks a problem fixed on `fixed_on`, or open again (None); the row, or None when it
    /// is not the tenant's.
    pub async fn set_problem_fixed(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        fixed_on: Option<&str>,
        now: i64,
    ) -> Result<Option<ProblemRow>> {
        dispatch!(
            self,
            questions::set_problem_fixed(tenant_id, id, fixed_on, now)
        )
    }
}
