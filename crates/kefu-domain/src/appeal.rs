//! Appeals to the platform (SELF-3): on the official desk a buyer (or a shop) files an
//! appeal of a kind, from the kind's template, with a description and evidence; the platform
//! reviews the queue with a 15-minute target, decides with a reason that goes back to the
//! filer, and an appeal may be reopened once with new evidence. Pure: the templates, the
//! appeal and its moves.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error_code::ErrorCode;

const MINUTE_MS: i64 = 60_000;
/// The platform's target: an appeal is taken up within 15 minutes of being filed (or reopened).
pub const TARGET_MINUTES: i64 = 15;
pub const MAX_TEXT_CHARS: usize = 2_000;
/// Files an appeal carries, at most (each within the upload limits).
pub const MAX_FILES: usize = 9;

/// What an appeal is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppealKind {
    /// A refund the shop refused or has not paid.
    Refund,
    /// Goods, quality or an after-sale case the shop will not settle.
    AfterSale,
    /// A parcel lost, late or damaged in transit.
    Logistics,
    /// A shop's service: rude, unanswered, misleading.
    Service,
    /// A shop appealing a penalty or a ruling.
    Penalty,
    Other,
}

impl AppealKind {
    pub const ALL: [AppealKind; 6] = [
        AppealKind::Refund,
        AppealKind::AfterSale,
        AppealKind::Logistics,
        AppealKind::Service,
        AppealKind::Penalty,
        AppealKind::Other,
    ];
}

/// A kind's template: what to write and what evidence helps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AppealTemplate {
    pub kind: AppealKind,
    pub title: String,
    /// The description's starting text, with the facts to fill in.
    pub description: String,
    /// Evidence that helps the review.
    pub evidence: Vec<String>,
    /// Who may file it: buyers, shops, or both.
    pub for_buyers: bool,
    pub for_shops: bool,
}

/// The templates of every kind.
pub fn templates() -> Vec<AppealTemplate> {
    let t =
        |kind, title: &str, description: &str, evidence: &[&str], buyers, shops| AppealTemplate {
            kind,
            title: title.to_owned(),
            description: description.to_owned(),
            evidence: evidence.iter().map(|e| (*e).to_owned()).collect(),
            for_buyers: buyers,
            for_shops: shops,
        };
    vec![
        t(
            AppealKind::Refund,
            "退款申诉",
            "订单号：\n申请退款的时间和金额：\n商家的答复：\n我的诉求：",
            &["订单截图", "与商家的聊天凭证", "付款记录"],
            true,
            false,
        ),
        t(
            AppealKind::AfterSale,
            "售后/质量申诉",
            "订单号：\n商品的问题（破损、变质、与描述不符……）：\n收到商品的时间：\n我的诉求（退货退款、换货、补偿）：",
            &[
                "商品和包装照片或视频",
                "与商家的聊天凭证",
                "检测报告（如有）",
            ],
            true,
            false,
        ),
        t(
            AppealKind::Logistics,
            "物流申诉",
            "订单号和快递单号：\n发生了什么（丢件、延误、破损）：\n我的诉求：",
            &["物流轨迹截图", "外包装照片"],
            true,
            false,
        ),
        t(
            AppealKind::Service,
            "服务投诉",
            "店铺名称：\n发生的时间：\n客服的言行：",
            &["与商家的聊天凭证"],
            true,
            false,
        ),
        t(
            AppealKind::Penalty,
            "处罚/裁定申诉",
            "被处罚或裁定的编号：\n不认同的理由：\n补充的事实：",
            &["订单与发货记录", "与买家的聊天凭证", "质检或检测报告"],
            false,
            true,
        ),
        t(
            AppealKind::Other,
            "其他申诉",
            "发生了什么：\n我的诉求：",
            &["能说明情况的截图或文件"],
            true,
            true,
        ),
    ]
}

/// Where an appeal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = AppealStatus)]
pub enum Status {
    /// In the platform's queue.
    Pending,
    /// Someone of the platform took it up.
    InReview,
    /// Decided; may be reopened once.
    Decided,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::InReview => "in_review",
            Status::Decided => "decided",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [Status::Pending, Status::InReview, Status::Decided]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// What the platform decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = AppealOutcome)]
pub enum Outcome {
    /// The filer is right.
    Upheld,
    /// The filer is not.
    Rejected,
}

/// Who filed: a buyer of the official desk, or a shop's account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[schema(as = AppealFiler)]
pub enum Filer {
    Buyer {
        buyer_id: uuid::Uuid,
        name: String,
    },
    Shop {
        shop_id: uuid::Uuid,
        shop_name: String,
        user_id: uuid::Uuid,
        name: String,
    },
}

/// A file and what it shows, added when filing or reopening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = AppealFile)]
pub struct File {
    pub attachment_id: uuid::Uuid,
    pub at: i64,
}

/// The platform's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = AppealDecision)]
pub struct Decision {
    pub outcome: Outcome,
    pub reason: String,
    pub by: uuid::Uuid,
    pub by_name: String,
    pub at: i64,
}

/// An appeal as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Appeal {
    pub id: uuid::Uuid,
    /// `AP` + the UTC day + six digits.
    pub number: String,
    pub platform_id: uuid::Uuid,
    pub filer: Filer,
    pub kind: AppealKind,
    pub order_no: Option<String>,
    pub description: String,
    pub files: Vec<File>,
    pub status: Status,
    /// When it entered the queue (filed, or reopened).
    pub queued_at: i64,
    /// The 15-minute target, while in the queue.
    pub due_at: Option<i64>,
    /// When the target passed with nobody on it (told once).
    pub overdue_at: Option<i64>,
    pub reviewer_id: Option<uuid::Uuid>,
    pub reviewer_name: String,
    pub decisions: Vec<Decision>,
    /// The new facts of the reopening (once).
    pub reopened_with: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

fn text(s: &str) -> Result<String, ErrorCode> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > MAX_TEXT_CHARS {
        return Err(ErrorCode::InvalidAppeal);
    }
    Ok(t.to_owned())
}

fn files(ids: &[uuid::Uuid], now: i64) -> Vec<File> {
    ids.iter()
        .map(|id| File {
            attachment_id: *id,
            at: now,
        })
        .collect()
}

impl Appeal {
    /// A new appeal in the queue, due in 15 minutes. A shop files what its template allows,
    /// a buyer likewise (`invalid_appeal` otherwise).
    #[allow(clippy::too_many_arguments)]
    pub fn file(
        id: uuid::Uuid,
        number: String,
        platform_id: uuid::Uuid,
        filer: Filer,
        kind: AppealKind,
        order_no: Option<String>,
        description: &str,
        attachment_ids: &[uuid::Uuid],
        now: i64,
    ) -> Result<Appeal, ErrorCode> {
        let template = templates()
            .into_iter()
            .find(|t| t.kind == kind)
            .ok_or(ErrorCode::InvalidAppeal)?;
        let allowed = match filer {
            Filer::Buyer { .. } => template.for_buyers,
            Filer::Shop { .. } => template.for_shops,
        };
        if !allowed || attachment_ids.len() > MAX_FILES {
            return Err(ErrorCode::InvalidAppeal);
        }
        Ok(Appeal {
            id,
            number,
            platform_id,
            filer,
            kind,
            order_no: order_no
                .map(|o| o.trim().to_owned())
                .filter(|o| !o.is_empty()),
            description: text(description)?,
            files: files(attachment_ids, now),
            status: Status::Pending,
            queued_at: now,
            due_at: Some(now + TARGET_MINUTES * MINUTE_MS),
            overdue_at: None,
            reviewer_id: None,
            reviewer_name: String::new(),
            decisions: vec![],
            reopened_with: None,
            created_at: now,
            updated_at: now,
            version: 0,
        })
    }

    /// Taken up by someone of the platform: its clock stops.
    pub fn taken(&self, by: (uuid::Uuid, &str), now: i64) -> Result<Appeal, ErrorCode> {
        if self.status != Status::Pending {
            return Err(ErrorCode::AppealClosed);
        }
        let mut next = self.clone();
        next.status = Status::InReview;
        next.reviewer_id = Some(by.0);
        next.reviewer_name = by.1.to_owned();
        next.due_at = None;
        next.updated_at = now;
        Ok(next)
    }

    /// Decided with a reason (from the queue or in review).
    pub fn decided(
        &self,
        outcome: Outcome,
        reason: &str,
        by: (uuid::Uuid, &str),
        now: i64,
    ) -> Result<Appeal, ErrorCode> {
        if self.status == Status::Decided {
            return Err(ErrorCode::AppealClosed);
        }
        let mut next = self.clone();
        next.decisions.push(Decision {
            outcome,
            reason: text(reason)?,
            by: by.0,
            by_name: by.1.to_owned(),
            at: now,
        });
        next.status = Status::Decided;
        next.due_at = None;
        next.updated_at = now;
        Ok(next)
    }

    /// Reopened once, by its filer, with new facts and files: back in the queue.
    pub fn reopened(
        &self,
        facts: &str,
        attachment_ids: &[uuid::Uuid],
        now: i64,
    ) -> Result<Appeal, ErrorCode> {
        if self.status != Status::Decided || self.reopened_with.is_some() {
            return Err(ErrorCode::AppealClosed);
        }
        if self.files.len() + attachment_ids.len() > MAX_FILES * 2 {
            return Err(ErrorCode::InvalidAppeal);
        }
        let mut next = self.clone();
        next.reopened_with = Some(text(facts)?);
        next.files.extend(files(attachment_ids, now));
        next.status = Status::Pending;
        next.queued_at = now;
        next.due_at = Some(now + TARGET_MINUTES * MINUTE_MS);
        next.overdue_at = None;
        next.reviewer_id = None;
        next.reviewer_name = String::new();
        next.updated_at = now;
        Ok(next)
    }

    /// When the sweep must look at it: its target, while queued and not yet overdue.
    pub fn alarm_at(&self) -> Option<i64> {
        (self.status == Status::Pending && self.overdue_at.is_none())
            .then_some(self.due_at)
            .flatten()
    }

    /// Its target passed in the queue: marked once.
    pub fn missed(&self, now: i64) -> Option<Appeal> {
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

    fn buyer() -> Filer {
        Filer::Buyer {
            buyer_id: uuid::Uuid::from_u128(1),
            name: "王先生".into(),
        }
    }

    fn filed(now: i64) -> Appeal {
        Appeal::file(
            uuid::Uuid::nil(),
            "AP1".into(),
            uuid::Uuid::from_u128(2),
            buyer(),
            AppealKind::Refund,
            Some(" T100 ".into()),
            "商家拒绝退款",
            &[uuid::Uuid::from_u128(3)],
            now,
        )
        .expect("valid")
    }

    #[test]
    fn every_kind_has_a_template_for_someone() {
        let all = templates();
        assert_eq!(all.len(), AppealKind::ALL.len());
        for kind in AppealKind::ALL {
            let t = all.iter().find(|t| t.kind == kind).expect("template");
            assert!((t.for_buyers || t.for_shops) && !t.evidence.is_empty());
        }
    }

    #[test]
    fn filed_in_the_queue_with_a_15_minute_target() {
        let a = filed(1_000);
        assert_eq!(
            (a.status, a.order_no.as_deref()),
            (Status::Pending, Some("T100"))
        );
        assert_eq!(a.due_at, Some(1_000 + 15 * MINUTE_MS));
        // A buyer may not appeal a penalty; blank descriptions and too many files are refused.
        let penalty = Appeal::file(
            uuid::Uuid::nil(),
            "AP2".into(),
            uuid::Uuid::nil(),
            buyer(),
            AppealKind::Penalty,
            None,
            "x",
            &[],
            0,
        );
        assert_eq!(penalty, Err(ErrorCode::InvalidAppeal));
        let blank = Appeal::file(
            uuid::Uuid::nil(),
            String::new(),
            uuid::Uuid::nil(),
            buyer(),
            AppealKind::Other,
            None,
            " ",
            &[],
            0,
        );
        assert_eq!(blank, Err(ErrorCode::InvalidAppeal));
        let many = vec![uuid::Uuid::nil(); 10];
        let heavy = Appeal::file(
            uuid::Uuid::nil(),
            String::new(),
            uuid::Uuid::nil(),
            buyer(),
            AppealKind::Other,
            None,
            "x",
            &many,
            0,
        );
        assert_eq!(heavy, Err(ErrorCode::InvalidAppeal));
        // Past the target untaken: marked once.
        assert_eq!(a.missed(1_000 + 15 * MINUTE_MS - 1), None);
        let late = a.missed(1_000 + 15 * MINUTE_MS).expect("late");
        assert_eq!(late.missed(i64::MAX), None);
    }

    #[test]
    fn taken_decided_reopened_once() {
        let desk = (uuid::Uuid::from_u128(9), "官方客服");
        let taken = filed(0).taken(desk, 10).expect("taken");
        assert_eq!((taken.status, taken.due_at), (Status::InReview, None));
        assert_eq!(taken.taken(desk, 11), Err(ErrorCode::AppealClosed));
        let decided = taken
            .decided(Outcome::Rejected, "商家已按规则处理", desk, 20)
            .expect("decided");
        assert_eq!(decided.status, Status::Decided);
        assert_eq!(
            decided.decided(Outcome::Upheld, "x", desk, 21),
            Err(ErrorCode::AppealClosed)
        );
        let again = decided
            .reopened("补充了检测报告", &[uuid::Uuid::from_u128(4)], 30)
            .expect("reopened");
        assert_eq!((again.status, again.files.len()), (Status::Pending, 2));
        assert_eq!(again.due_at, Some(30 + 15 * MINUTE_MS));
        let final_ = again
            .decided(Outcome::Upheld, "检测报告证明质量问题", desk, 40)
            .expect("decided");
        assert_eq!(final_.decisions.len(), 2);
        assert_eq!(
            final_.reopened("再来", &[], 50),
            Err(ErrorCode::AppealClosed)
        );
        assert_eq!(Status::parse("in_review"), Some(Status::InReview));
    }
}
