//! Arbitration by the platform (ACC-1, ESC-1): a buyer unhappy with a shop's answer asks the
//! platform's official desk to step in. The desk reads the shop's conversation and the
//! order, may ask either side for evidence, and rules (a refund, a compensation, or no
//! action) with a reason; the shop must act by a deadline. Pure: the case and its moves.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error_code::ErrorCode;

const HOUR_MS: i64 = 3_600_000;
/// How long a side has to send evidence asked for, and the shop to carry out a ruling.
pub const EVIDENCE_HOURS: i64 = 24;
pub const COMPLY_HOURS: i64 = 48;
/// The longest reason, evidence text or note.
pub const MAX_TEXT_CHARS: usize = 1_000;
/// Evidence items a case keeps, at most.
pub const MAX_EVIDENCE: usize = 50;

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = ArbitrationStatus)]
pub enum Status {
    /// Waiting for the platform.
    Open,
    /// The platform asked a side for evidence.
    AwaitingEvidence,
    /// Ruled: the shop must carry it out by its deadline.
    Ruled,
    /// Carried out, or ruled with nothing to do.
    Closed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::AwaitingEvidence => "awaiting_evidence",
            Status::Ruled => "ruled",
            Status::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::Open,
            Status::AwaitingEvidence,
            Status::Ruled,
            Status::Closed,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// Who says or sends something in a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = ArbitrationParty)]
pub enum Party {
    Buyer,
    Shop,
    Platform,
}

/// What the platform decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = ArbitrationRulingKind)]
pub enum RulingKind {
    /// The shop refunds the buyer (`amount_fen`).
    Refund,
    /// The shop compensates the buyer (`amount_fen`).
    Compensation,
    /// The shop's answer stands.
    NoAction,
}

/// A piece of evidence: words, and a file (a picture, a PDF).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = ArbitrationEvidence)]
pub struct Evidence {
    pub party: Party,
    pub by_name: String,
    pub text: String,
    pub attachment_id: Option<uuid::Uuid>,
    pub at: i64,
}

/// The platform asking a side for evidence, by when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = ArbitrationEvidenceRequest)]
pub struct EvidenceRequest {
    pub party: Party,
    pub text: String,
    pub at: i64,
    pub due_at: i64,
    /// When that side answered.
    pub answered_at: Option<i64>,
}

/// The platform's ruling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = ArbitrationRuling)]
pub struct Ruling {
    pub kind: RulingKind,
    /// What the shop pays, for a refund or a compensation.
    pub amount_fen: Option<i64>,
    pub reason: String,
    pub by: uuid::Uuid,
    pub by_name: String,
    pub at: i64,
}

/// An arbitration case as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Arbitration {
    pub id: uuid::Uuid,
    /// `AR` + the UTC day + six digits.
    pub number: String,
    pub shop_id: uuid::Uuid,
    pub shop_name: String,
    /// The platform's desk that rules it.
    pub platform_id: uuid::Uuid,
    /// The shop's conversation with the buyer.
    pub conversation_id: uuid::Uuid,
    pub buyer_id: uuid::Uuid,
    pub buyer_name: String,
    pub order_no: Option<String>,
    /// The buyer's words.
    pub reason: String,
    pub status: Status,
    pub evidence: Vec<Evidence>,
    pub requests: Vec<EvidenceRequest>,
    pub ruling: Option<Ruling>,
    /// When the shop must have carried out the ruling.
    pub shop_deadline_at: Option<i64>,
    pub complied_at: Option<i64>,
    pub compliance_note: String,
    /// When the shop's deadline passed with the ruling not carried out (told once).
    pub overdue_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Bumped by every change the store saves; a change names the version it read.
    pub version: i64,
}

/// A text of 1–1,000 characters, trimmed; `invalid_arbitration` otherwise.
pub fn text(s: &str) -> Result<String, ErrorCode> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > MAX_TEXT_CHARS {
        return Err(ErrorCode::InvalidArbitration);
    }
    Ok(t.to_owned())
}

/// Who a new case is between.
#[derive(Debug, Clone)]
pub struct Filing {
    pub id: uuid::Uuid,
    pub number: String,
    pub shop_id: uuid::Uuid,
    pub shop_name: String,
    pub platform_id: uuid::Uuid,
    pub conversation_id: uuid::Uuid,
    pub buyer_id: uuid::Uuid,
    pub buyer_name: String,
    pub order_no: Option<String>,
}

impl Arbitration {
    /// A buyer's request, open for the platform.
    pub fn file(filing: Filing, reason: &str, now: i64) -> Result<Arbitration, ErrorCode> {
        Ok(Arbitration {
            id: filing.id,
            number: filing.number,
            shop_id: filing.shop_id,
            shop_name: filing.shop_name,
            platform_id: filing.platform_id,
            conversation_id: filing.conversation_id,
            buyer_id: filing.buyer_id,
            buyer_name: filing.buyer_name,
            order_no: filing.order_no,
            reason: text(reason)?,
            status: Status::Open,
            evidence: vec![],
            requests: vec![],
            ruling: None,
            shop_deadline_at: None,
            complied_at: None,
            compliance_note: String::new(),
            overdue_at: None,
            created_at: now,
            updated_at: now,
            version: 0,
        })
    }

    fn before_ruling(&self) -> Result<Arbitration, ErrorCode> {
        match self.status {
            Status::Open | Status::AwaitingEvidence => Ok(self.clone()),
            Status::Ruled | Status::Closed => Err(ErrorCode::ArbitrationClosed),
        }
    }

    /// The platform asks `party` (the buyer or the shop) for evidence, due in 24 hours.
    pub fn evidence_asked(
        &self,
        party: Party,
        what: &str,
        now: i64,
    ) -> Result<Arbitration, ErrorCode> {
        if party == Party::Platform {
            return Err(ErrorCode::InvalidArbitration);
        }
        let mut next = self.before_ruling()?;
        next.requests.push(EvidenceRequest {
            party,
            text: text(what)?,
            at: now,
            due_at: now + EVIDENCE_HOURS * HOUR_MS,
            answered_at: None,
        });
        next.status = Status::AwaitingEvidence;
        next.updated_at = now;
        Ok(next)
    }

    /// A side sends evidence (asked for or not), before the ruling; answering what was asked
    /// of it, the case goes back to the platform once nothing is outstanding.
    pub fn evidence_added(
        &self,
        party: Party,
        by_name: &str,
        what: &str,
        attachment_id: Option<uuid::Uuid>,
        now: i64,
    ) -> Result<Arbitration, ErrorCode> {
        let mut next = self.before_ruling()?;
        if next.evidence.len() >= MAX_EVIDENCE {
            return Err(ErrorCode::InvalidArbitration);
        }
        next.evidence.push(Evidence {
            party,
            by_name: by_name.to_owned(),
            text: text(what)?,
            attachment_id,
            at: now,
        });
        for request in next
            .requests
            .iter_mut()
            .filter(|r| r.party == party && r.answered_at.is_none())
        {
            request.answered_at = Some(now);
        }
        if next.requests.iter().all(|r| r.answered_at.is_some()) {
            next.status = Status::Open;
        }
        next.updated_at = now;
        Ok(next)
    }

    /// The platform rules: a refund or compensation (a positive amount) the shop must carry
    /// out within 48 hours, or no action (closed at once).
    pub fn ruled(
        &self,
        kind: RulingKind,
        amount_fen: Option<i64>,
        reason: &str,
        by: (uuid::Uuid, &str),
        now: i64,
    ) -> Result<Arbitration, ErrorCode> {
        let mut next = self.before_ruling()?;
        let amount = match kind {
            RulingKind::NoAction => None,
            RulingKind::Refund | RulingKind::Compensation => Some(
                amount_fen
                    .filter(|a| *a > 0)
                    .ok_or(ErrorCode::InvalidArbitration)?,
            ),
        };
        next.ruling = Some(Ruling {
            kind,
            amount_fen: amount,
            reason: text(reason)?,
            by: by.0,
            by_name: by.1.to_owned(),
            at: now,
        });
        if kind == RulingKind::NoAction {
            next.status = Status::Closed;
        } else {
            next.status = Status::Ruled;
            next.shop_deadline_at = Some(now + COMPLY_HOURS * HOUR_MS);
        }
        next.updated_at = now;
        Ok(next)
    }

    /// The shop carried out the ruling, saying how.
    pub fn complied(&self, note: &str, now: i64) -> Result<Arbitration, ErrorCode> {
        if self.status != Status::Ruled {
            return Err(ErrorCode::ArbitrationClosed);
        }
        let mut next = self.clone();
        next.compliance_note = text(note)?;
        next.complied_at = Some(now);
        next.status = Status::Closed;
        next.updated_at = now;
        Ok(next)
    }

    /// When the sweep must look at it: the shop's deadline, while ruled and not yet overdue.
    pub fn alarm_at(&self) -> Option<i64> {
        (self.status == Status::Ruled && self.overdue_at.is_none())
            .then_some(self.shop_deadline_at)
            .flatten()
    }

    /// The shop's deadline passed with the ruling not carried out: marked once.
    pub fn missed(&self, now: i64) -> Option<Arbitration> {
        let due = self.alarm_at()?;
        (due <= now).then(|| {
            let mut next = self.clone();
            next.overdue_at = Some(now);
            next.updated_at = now;
            next
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case() -> Arbitration {
        Arbitration::file(
            Filing {
                id: uuid::Uuid::nil(),
                number: "AR20261207000001".into(),
                shop_id: uuid::Uuid::from_u128(1),
                shop_name: "山野茶铺".into(),
                platform_id: uuid::Uuid::from_u128(2),
                conversation_id: uuid::Uuid::from_u128(3),
                buyer_id: uuid::Uuid::from_u128(4),
                buyer_name: "王先生".into(),
                order_no: Some("T100".into()),
            },
            " 商家不给退款 ",
            1_000,
        )
        .expect("valid")
    }

    const DESK: (uuid::Uuid, &str) = (uuid::Uuid::from_u128(9), "官方客服");

    #[test]
    fn a_case_is_filed_asked_for_evidence_answered_and_ruled() {
        let filed = case();
        assert_eq!(
            (filed.status, filed.reason.as_str()),
            (Status::Open, "商家不给退款")
        );
        assert!(
            Arbitration::file(
                Filing {
                    id: uuid::Uuid::nil(),
                    number: String::new(),
                    shop_id: uuid::Uuid::nil(),
                    shop_name: String::new(),
                    platform_id: uuid::Uuid::nil(),
                    conversation_id: uuid::Uuid::nil(),
                    buyer_id: uuid::Uuid::nil(),
                    buyer_name: String::new(),
                    order_no: None,
                },
                " ",
                0
            )
            .is_err()
        );
        let asked = filed
            .evidence_asked(Party::Shop, "请提供发货前的质检照片", 2_000)
            .expect("ask");
        assert_eq!(asked.status, Status::AwaitingEvidence);
        assert_eq!(asked.requests[0].due_at, 2_000 + 24 * HOUR_MS);
        assert_eq!(
            filed.evidence_asked(Party::Platform, "x", 2_000),
            Err(ErrorCode::InvalidArbitration)
        );
        // The buyer's evidence answers nothing asked of the shop.
        let buyer = asked
            .evidence_added(Party::Buyer, "王先生", "收到时罐子是扁的", None, 2_500)
            .expect("evidence");
        assert_eq!(buyer.status, Status::AwaitingEvidence);
        let photo = uuid::Uuid::from_u128(5);
        let shop = buyer
            .evidence_added(Party::Shop, "售后·阿杰", "质检照片", Some(photo), 3_000)
            .expect("evidence");
        assert_eq!(shop.status, Status::Open);
        assert_eq!(shop.requests[0].answered_at, Some(3_000));
        assert_eq!(shop.evidence[1].attachment_id, Some(photo));

        let ruled = shop
            .ruled(
                RulingKind::Refund,
                Some(3_800),
                "运输破损，由商家退款",
                DESK,
                4_000,
            )
            .expect("ruled");
        assert_eq!(ruled.status, Status::Ruled);
        assert_eq!(ruled.shop_deadline_at, Some(4_000 + 48 * HOUR_MS));
        assert_eq!(ruled.alarm_at(), ruled.shop_deadline_at);
        // Nothing more before the ruling's moves.
        assert_eq!(
            ruled.evidence_added(Party::Buyer, "王先生", "还有", None, 5_000),
            Err(ErrorCode::ArbitrationClosed)
        );
        assert_eq!(
            ruled.ruled(RulingKind::NoAction, None, "改判", DESK, 5_000),
            Err(ErrorCode::ArbitrationClosed)
        );
        assert_eq!(
            shop.ruled(RulingKind::Compensation, Some(0), "补偿", DESK, 4_000),
            Err(ErrorCode::InvalidArbitration)
        );
        let done = ruled.complied("已原路退款 38 元", 6_000).expect("complied");
        assert_eq!(
            (done.status, done.complied_at),
            (Status::Closed, Some(6_000))
        );
        assert_eq!(done.alarm_at(), None);
        assert_eq!(
            done.complied("again", 7_000),
            Err(ErrorCode::ArbitrationClosed)
        );
    }

    #[test]
    fn no_action_closes_and_a_missed_deadline_is_marked_once() {
        let none = case()
            .ruled(
                RulingKind::NoAction,
                Some(100),
                "商家已按规则处理",
                DESK,
                2_000,
            )
            .expect("ruled");
        assert_eq!((none.status, none.shop_deadline_at), (Status::Closed, None));
        assert_eq!(none.ruling.as_ref().and_then(|r| r.amount_fen), None);
        let ruled = case()
            .ruled(RulingKind::Compensation, Some(2_000), "补偿 20 元", DESK, 0)
            .expect("ruled");
        assert_eq!(ruled.missed(48 * HOUR_MS - 1), None);
        let late = ruled.missed(48 * HOUR_MS).expect("overdue");
        assert_eq!(late.overdue_at, Some(48 * HOUR_MS));
        assert_eq!(late.missed(i64::MAX), None);
        assert_eq!(
            Status::parse("awaiting_evidence"),
            Some(Status::AwaitingEvidence)
        );
    }
}
