//! The knowledge base (BOT-1): three tiers of entries, each a standard question with its
//! similar questions (the robot's training data), an answer, and the conditions under which
//! it may be given. Read from JSON Lines with a per-line error report.

use chrono::DateTime;
use kefu_domain::error_code::ErrorCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// General Q&A, per-product Q&A (bound to SKUs or categories), or scenario Q&A (promotion
/// rules, with a validity window).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[schema(as = KbTier)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    #[default]
    General,
    Product,
    Scenario,
}

/// What the robot sends: text, optionally with a picture, a product card or buttons.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = KbAnswer)]
pub struct Answer {
    pub text: String,
    /// A picture the merchant uploaded (its attachment id), sent after the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// A picture's address, kept with the entry for the merchant's own reference; buyers are
    /// sent uploaded pictures only (`image`), never a link kefu did not check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_code: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<String>,
}

/// When an entry may be given; empty lists mean "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = KbConditions)]
pub struct Conditions {
    /// Entry points (`order_card`, `live_room` …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entries: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<String>,
    /// `Some(true)`: only in office hours; `Some(false)`: only outside them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_hours: Option<bool>,
}

/// One entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = KbEntry)]
pub struct Entry {
    pub id: String,
    pub question: String,
    #[serde(default)]
    pub similar: Vec<String>,
    #[serde(deserialize_with = "answer_or_text")]
    pub answer: Answer,
    #[serde(default)]
    pub tier: Tier,
    #[serde(default)]
    pub skus: Vec<String>,
    #[serde(default)]
    pub categories: Vec<String>,
    /// Scenario entries: ISO-8601 bounds of the validity window.
    #[serde(default)]
    pub valid_from: Option<String>,
    #[serde(default)]
    pub valid_to: Option<String>,
    /// A policy's review date (ISO-8601): from then on the robot hands its questions to a
    /// person instead of answering, until someone checks the answer and moves the date
    /// (BOT-3, issue #16).
    #[serde(default)]
    pub review_by: Option<String>,
    #[serde(default)]
    pub conditions: Conditions,
}

fn answer_or_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Answer, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Text(String),
        Full(Answer),
    }
    Ok(match Either::deserialize(d)? {
        Either::Text(text) => Answer {
            text,
            ..Answer::default()
        },
        Either::Full(answer) => answer,
    })
}

/// Epoch ms of an ISO-8601 time ("2026-11-01T00:00:00Z", or a date "2026-11-01" as UTC
/// midnight).
pub fn parse_time(text: &str) -> Option<i64> {
    let text = text.trim();
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp_millis())
        .ok()
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc().timestamp_millis())
        })
}

/// The most similar questions an entry may have.
pub const MAX_SIMILAR: usize = 5_000;

impl Entry {
    /// The stable code of the first problem with this entry.
    pub fn check(&self) -> Result<(), ErrorCode> {
        let id_ok = (1..=64).contains(&self.id.len())
            && self
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if !id_ok {
            return Err(ErrorCode::InvalidKbId);
        }
        let question_ok = |q: &String| (1..=200).contains(&q.trim().chars().count());
        if !question_ok(&self.question)
            || self.similar.len() > MAX_SIMILAR
            || !self.similar.iter().all(question_ok)
        {
            return Err(ErrorCode::InvalidQuestion);
        }
        if self.answer.text.trim().is_empty() || self.answer.text.chars().count() > 2_000 {
            return Err(ErrorCode::InvalidAnswer);
        }
        if self.answer.image.as_deref().is_some_and(|id| !is_uuid(id)) {
            return Err(ErrorCode::InvalidAnswerImage);
        }
        if self.tier == Tier::Product && self.skus.is_empty() && self.categories.is_empty() {
            return Err(ErrorCode::ProductEntryUnbound);
        }
        if self
            .review_by
            .as_deref()
            .is_some_and(|t| parse_time(t).is_none())
        {
            return Err(ErrorCode::InvalidValidity);
        }
        let from = self.valid_from.as_deref().map(parse_time);
        let to = self.valid_to.as_deref().map(parse_time);
        match (from, to) {
            (Some(None), _) | (_, Some(None)) => Err(ErrorCode::InvalidValidity),
            (Some(Some(from)), Some(Some(to))) if from >= to => Err(ErrorCode::InvalidValidity),
            _ => Ok(()),
        }
    }

    /// The standard question and the similar ones: the entry's examples.
    /// The entry with its questions trimmed, and similar questions that are empty, repeat
    /// another or repeat the standard question dropped (first kept): imported chat logs bring
    /// the same question many times.
    pub fn tidy(mut self) -> Entry {
        self.question = self.question.trim().to_owned();
        let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
        seen.insert(self.question.clone());
        self.similar = std::mem::take(&mut self.similar)
            .into_iter()
            .map(|q| q.trim().to_owned())
            .filter(|q| !q.is_empty() && seen.insert(q.clone()))
            .collect();
        self
    }

    pub fn examples(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.question.as_str()).chain(self.similar.iter().map(String::as_str))
    }
}

/// An id as uploads are named: 8-4-4-4-12 hexadecimal digits.
fn is_uuid(id: &str) -> bool {
    let groups: Vec<&str> = id.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups
            .iter()
            .all(|g| g.chars().all(|c| c.is_ascii_hexdigit()))
}

/// A line of a JSON Lines file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineError {
    /// 1-based.
    pub line: usize,
    pub code: ErrorCode,
    pub message: String,
}

/// Reads a knowledge base from JSON Lines: the entries that are good, and an error for each
/// line that is not (bad JSON, a failed check, a repeated id). Blank lines are skipped.
pub fn parse_jsonl(text: &str) -> (Vec<Entry>, Vec<LineError>) {
    let mut entries: Vec<Entry> = vec![];
    let mut errors = vec![];
    let mut seen = std::collections::HashSet::new();
    for (n, line) in text.lines().enumerate() {
        let line_no = n + 1;
        if line.trim().is_empty() {
            continue;
        }
        let error = |code: ErrorCode, message: String| LineError {
            line: line_no,
            code,
            message,
        };
        match serde_json::from_str::<Entry>(line) {
            Err(e) => errors.push(error(ErrorCode::InvalidJson, e.to_string())),
            Ok(entry) => match entry.check() {
                Err(code) => errors.push(error(code, format!("entry {:?}", entry.id))),
                Ok(()) if !seen.insert(entry.id.clone()) => {
                    errors.push(error(
                        ErrorCode::DuplicateKbId,
                        format!("entry {:?}", entry.id),
                    ));
                }
                Ok(()) => entries.push(entry),
            },
        }
    }
    (entries, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_with_a_plain_answer_reads() {
        let (entries, errors) = parse_jsonl(
            r#"{"id": "ship-time", "question": "多久发货", "similar": ["几天发"], "answer": "48小时内", "tier": "general", "skus": [], "valid_from": null, "valid_to": null}"#,
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(entries[0].answer.text, "48小时内");
        assert_eq!(entries[0].examples().count(), 2);
    }

    #[test]
    fn each_bad_line_gets_its_code() {
        let text = [
            r#"{"id": "a", "question": "q", "answer": "x"}"#,
            "not json",
            r#"{"id": "a", "question": "q2", "answer": "y"}"#,
            r#"{"id": "b c", "question": "q", "answer": "x"}"#,
            r#"{"id": "p", "question": "q", "answer": "x", "tier": "product"}"#,
            r#"{"id": "s", "question": "q", "answer": "x", "valid_from": "2026-12-01", "valid_to": "2026-11-01"}"#,
            r#"{"id": "t", "question": "q", "answer": " "}"#,
            "",
            r#"{"id": "u", "question": "q", "answer": {"text": "看图", "image_url": "/files/1"}}"#,
            r#"{"id": "v", "question": "q", "answer": {"text": "看图", "image": "/files/1"}}"#,
            r#"{"id": "w", "question": "q", "answer": {"text": "看图", "image": "0190a4b2-7c1d-7e3f-8a9b-0c1d2e3f4a5b"}}"#,
        ]
        .join("\n");
        let (entries, errors) = parse_jsonl(&text);
        let codes: Vec<(usize, ErrorCode)> = errors.iter().map(|e| (e.line, e.code)).collect();
        assert_eq!(
            codes,
            [
                (2, ErrorCode::InvalidJson),
                (3, ErrorCode::DuplicateKbId),
                (4, ErrorCode::InvalidKbId),
                (5, ErrorCode::ProductEntryUnbound),
                (6, ErrorCode::InvalidValidity),
                (7, ErrorCode::InvalidAnswer),
                (10, ErrorCode::InvalidAnswerImage),
            ]
        );
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[1].answer.image_url.as_deref(), Some("/files/1"));
        assert_eq!(
            entries[2].answer.image.as_deref(),
            Some("0190a4b2-7c1d-7e3f-8a9b-0c1d2e3f4a5b")
        );
    }

    #[test]
    fn times_parse_as_utc() {
        assert_eq!(parse_time("1970-01-01T00:00:01Z"), Some(1_000));
        assert_eq!(parse_time("1970-01-02"), Some(86_400_000));
        assert_eq!(parse_time("昨天"), None);
    }
}
