//! Quick phrases (WB-3, issue #17): a shop's, its teams' and its agents' canned replies
//! (SQL: `sql/phrases.rs`).

use kefu_domain::phrases::{CheckedPhrase, Phrase};
use uuid::Uuid;

use crate::{NewAudit, Result, Store};

/// A phrase with the pinyin initials of its text, as searched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhraseRow {
    pub phrase: Phrase,
    pub initials: String,
}

/// Whose phrases to read.
#[derive(Debug, Clone, Copy)]
pub enum Visible<'a> {
    /// Every phrase of the shop (managing them).
    All,
    /// What one agent may use: the shop's, their team's, their own.
    Agent { id: Uuid, team: &'a str },
}

impl Store {
    pub async fn phrases(&self, tenant_id: Uuid, who: Visible<'_>) -> Result<Vec<PhraseRow>> {
        dispatch!(self, phrases::phrases(tenant_id, &who))
    }

    pub async fn phrase(&self, tenant_id: Uuid, id: Uuid) -> Result<Option<Phrase>> {
        dispatch!(self, phrases::phrase(tenant_id, id))
    }

    /// Adds a phrase (`owner`: the agent whose own it is); `None` when the shop keeps the
    /// most it may.
    pub async fn add_phrase(
        &self,
        tenant_id: Uuid,
        owner: Option<Uuid>,
        phrase: &CheckedPhrase,
        audit: impl FnOnce(&Phrase) -> Vec<NewAudit> + Send,
    ) -> Result<Option<Phrase>> {
        dispatch!(self, phrases::add_phrase(tenant_id, owner, phrase, audit))
    }

    /// Rewrites a phrase (not its scope or owner); `None` when there is none.
    pub async fn update_phrase(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        phrase: &CheckedPhrase,
        audit: impl FnOnce(&Phrase) -> Vec<NewAudit> + Send,
    ) -> Result<Option<Phrase>> {
        dispatch!(self, phrases::update_phrase(tenant_id, id, phrase, audit))
    }

    pub async fn delete_phrase(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        audit: impl FnOnce(&bool) -> Vec<NewAudit> + Send,
    ) -> Result<bool> {
        dispatch!(self, phrases::delete_phrase(tenant_id, id, audit))
    }

    /// Counts one more sending of a phrase; false when there is none.
    pub async fn phrase_used(&self, tenant_id: Uuid, id: Uuid) -> Result<bool> {
        dispatch!(self, phrases::phrase_used(tenant_id, id))
    }
}
