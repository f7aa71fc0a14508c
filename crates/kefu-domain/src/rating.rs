//! The satisfaction rating (KPI-3, issue #17): when an agent resolves a conversation the buyer
//! is invited once to rate it, 1 to 5 stars (非常不满意 … 非常满意) with reasons to tick and
//! a comment. The invitation is a message the buyer taps; it expires after a day, and a
//! supervisor may invite once more. A rating of 1 or 2 stars is a bad review.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error_code::ErrorCode;

/// An invitation is open this long.
pub const RATING_TTL_MS: i64 = 24 * 3_600_000;
/// A comment is at most this long, in characters.
pub const MAX_COMMENT_CHARS: usize = 500;

/// What each number of stars says, 1 to 5.
pub const STAR_LABELS: [&str; 5] = ["非常不满意", "不满意", "一般", "满意", "非常满意"];
/// Reasons a buyer ticks with 4 or 5 stars.
pub const GOOD_REASONS: [&str; 4] = ["回复及时", "态度热情", "解决了问题", "专业耐心"];
/// Reasons a buyer ticks with 1 to 3 stars.
pub const BAD_REASONS: [&str; 5] = ["回复太慢", "态度不好", "问题没解决", "答非所问", "推诿转接"];

/// Whether `stars` is a bad review (1 or 2), as KPI reports count it.
pub fn is_bad(stars: u8) -> bool {
    stars <= 2
}

/// The reasons a buyer may tick with `stars`.
pub fn reasons_for(stars: u8) -> &'static [&'static str] {
    if stars >= 4 {
        &GOOD_REASONS
    } else {
        &BAD_REASONS
    }
}

/// What a `rating` message holds: which invitation, until when, and what it asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RatingInvitation {
    pub rating_id: Uuid,
    pub expires_at: i64,
    pub text: String,
}

/// A buyer's rating, as sent.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ToSchema)]
pub struct RatingInput {
    /// 1 (非常不满意) to 5 (非常满意).
    pub stars: u8,
    #[serde(default)]
    pub reasons: Vec<String>,
    #[serde(default)]
    pub comment: String,
}

/// A rating that passed [`RatingInput::check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedRating {
    pub stars: u8,
    pub reasons: Vec<String>,
    pub comment: String,
}

impl RatingInput {
    /// Stars 1 to 5, reasons from the list for those stars (each once), a comment of at most
    /// [`MAX_COMMENT_CHARS`].
    pub fn check(self) -> Result<CheckedRating, ErrorCode> {
        if !(1..=5).contains(&self.stars) {
            return Err(ErrorCode::InvalidRating);
        }
        let allowed = reasons_for(self.stars);
        let mut reasons: Vec<String> = vec![];
        for reason in self.reasons {
            let reason = reason.trim().to_owned();
            if !allowed.contains(&reason.as_str()) {
                return Err(ErrorCode::InvalidRating);
            }
            if !reasons.contains(&reason) {
                reasons.push(reason);
            }
        }
        let comment = self.comment.trim().to_owned();
        if comment.chars().count() > MAX_COMMENT_CHARS {
            return Err(ErrorCode::InvalidRating);
        }
        Ok(CheckedRating {
            stars: self.stars,
            reasons,
            comment,
        })
    }
}

/// Where an invitation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RatingState {
    /// The buyer may still rate.
    Open,
    Rated,
    /// A day passed without a rating.
    Expired,
}

/// One invitation and, once given, the rating.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Rating {
    pub id: Uuid,
    pub conversation_id: Uuid,
    /// The agent who resolved the conversation (whose service is rated).
    pub agent_id: Option<Uuid>,
    pub agent_name: Option<String>,
    pub invited_at: i64,
    pub expires_at: i64,
    /// A supervisor invited the buyer a second time (at most once).
    pub reinvited: bool,
    pub stars: Option<u8>,
    pub reasons: Vec<String>,
    pub comment: String,
    pub rated_at: Option<i64>,
}

impl Rating {
    pub fn state(&self, now_ms: i64) -> RatingState {
        match self.stars {
            Some(_) => RatingState::Rated,
            None if now_ms >= self.expires_at => RatingState::Expired,
            None => RatingState::Open,
        }
    }

    /// Whether a supervisor may invite the buyer again: not rated, not invited twice.
    pub fn may_reinvite(&self) -> bool {
        self.stars.is_none() && !self.reinvited
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(stars: u8, reasons: &[&str], comment: &str) -> RatingInput {
        RatingInput {
            stars,
            reasons: reasons.iter().map(|r| (*r).to_owned()).collect(),
            comment: comment.to_owned(),
        }
    }

    #[test]
    fn ratings_are_checked_against_their_stars_reasons() {
        let good = input(5, &["回复及时", "回复及时", " 专业耐心 "], "  很好 ")
            .check()
            .unwrap();
        assert_eq!(good.reasons, ["回复及时", "专业耐心"]);
        assert_eq!(good.comment, "很好");
        assert_eq!(input(1, &["问题没解决"], "").check().unwrap().stars, 1);
        for bad in [
            input(0, &[], ""),
            input(6, &[], ""),
            input(5, &["回复太慢"], ""),
            input(2, &["态度热情"], ""),
            input(3, &["随便写的"], ""),
            input(4, &[], &"长".repeat(501)),
        ] {
            assert_eq!(bad.check(), Err(ErrorCode::InvalidRating));
        }
        assert!(is_bad(2) && is_bad(1) && !is_bad(3));
        assert_eq!(STAR_LABELS[4], "非常满意");
    }

    #[test]
    fn an_invitation_is_open_for_a_day_and_reinvited_once() {
        let mut r = Rating {
            id: Uuid::nil(),
            conversation_id: Uuid::nil(),
            agent_id: None,
            agent_name: None,
            invited_at: 0,
            expires_at: RATING_TTL_MS,
            reinvited: false,
            stars: None,
            reasons: vec![],
            comment: String::new(),
            rated_at: None,
        };
        assert_eq!(r.state(RATING_TTL_MS - 1), RatingState::Open);
        assert_eq!(r.state(RATING_TTL_MS), RatingState::Expired);
        assert!(r.may_reinvite());
        r.reinvited = true;
        assert!(!r.may_reinvite());
        r.reinvited = false;
        r.stars = Some(4);
        assert_eq!(r.state(RATING_TTL_MS * 2), RatingState::Rated);
        assert!(!r.may_reinvite());
    }
}
