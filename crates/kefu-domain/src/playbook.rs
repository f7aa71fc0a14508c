//! Playbooks (ESC-2): the shop's standard answers to the seeds' high-risk scenarios, as
//! editable templates. Each says when it applies (the buyer's words, the conversation's tags,
//! its order's state, how far it was escalated) and what to do, step by step: a checklist
//! with suggested replies, tools (compensation within the agent's limit, a coupon, a reissue,
//! a work order of the right kind, an escalation) and each step's deadline from when the
//! agent starts it. Pure: the seven defaults, their checks, which apply to a conversation.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::commerce::{AfterSaleStatus, ShippingStatus};
use crate::error_code::ErrorCode;
use crate::escalation::Level;
use crate::work_order::WorkOrderKind;

/// Playbooks a shop may keep, steps a playbook may have, words and tags per condition.
pub const MAX_PLAYBOOKS: usize = 30;
pub const MAX_STEPS: usize = 12;
const MAX_WORDS: usize = 50;
const MAX_NAME_CHARS: usize = 30;
const MAX_TEXT_CHARS: usize = 500;
/// The longest step deadline: 30 days.
const MAX_DUE_MINUTES: u32 = 30 * 24 * 60;

/// What a step offers the agent to do it with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = PlaybookTool)]
pub enum Tool {
    /// A refund or compensation within the agent's limit (above it, an approval).
    Compensation,
    /// A coupon for the buyer.
    Coupon,
    /// The order's logistics (track, change).
    Logistics,
    /// A work order (of the step's `work_order_kind`).
    WorkOrder,
    /// Escalate the conversation (to the step's `level`).
    Escalate,
}

/// One thing to do, by when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = PlaybookStep)]
pub struct Step {
    pub title: String,
    /// How, in a sentence or two.
    #[serde(default)]
    pub detail: String,
    /// A reply to send the buyer (the agent edits it before sending).
    #[serde(default)]
    pub reply: String,
    #[serde(default)]
    pub tool: Option<Tool>,
    /// The kind of work order the `work_order` tool opens.
    #[serde(default)]
    pub work_order_kind: Option<WorkOrderKind>,
    /// The level the `escalate` tool asks for.
    #[serde(default)]
    pub level: Option<Level>,
    /// Minutes from the playbook's start this step is due in (none: no deadline).
    #[serde(default)]
    pub due_minutes: Option<u32>,
}

/// When a playbook applies: any condition that holds suggests it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
#[schema(as = PlaybookApplies)]
pub struct Applies {
    /// Words in the buyer's recent messages.
    pub words: Vec<String>,
    /// Tags on the conversation.
    pub tags: Vec<String>,
    /// The conversation's order shipped so (in transit, …).
    pub shipping: Vec<ShippingStatus>,
    /// The conversation's order's after-sale case so.
    pub after_sale: Vec<AfterSaleStatus>,
    /// The conversation escalated at least this far.
    pub escalated: Option<Level>,
}

/// A scenario and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Playbook {
    /// Stable id within the shop (a-z, 0-9, `_`; 1–40).
    pub key: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub applies: Applies,
    pub steps: Vec<Step>,
}

fn yes() -> bool {
    true
}

/// The shop's playbooks (a shop document, `playbooks`); the seven of the seeds by default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Playbooks {
    pub playbooks: Vec<Playbook>,
}

/// What a conversation shows, for choosing playbooks.
#[derive(Debug, Clone, Default)]
pub struct Situation<'a> {
    /// The buyer's recent messages.
    pub texts: Vec<&'a str>,
    pub tags: Vec<&'a str>,
    pub shipping: Option<ShippingStatus>,
    pub after_sale: Option<AfterSaleStatus>,
    pub escalated: Option<Level>,
}

/// A playbook that applies, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = PlaybookSuggestion)]
pub struct Suggestion {
    pub key: String,
    pub name: String,
    /// What matched: `word:物流`, `tag:投诉`, `shipping:in_transit`, `after_sale:requested`,
    /// `escalated:two`.
    pub because: Vec<String>,
}

impl Playbooks {
    /// The playbooks as kept, or `invalid_playbooks`: at most 30, unique keys of `a-z0-9_`,
    /// names of 1–30 characters, 1–12 steps with titles of 1–30 and texts of at most 500
    /// characters, a work-order kind for the `work_order` tool, deadlines within 30 days, at
    /// most 50 words and tags per condition.
    pub fn checked(mut self) -> Result<Playbooks, ErrorCode> {
        let bad = ErrorCode::InvalidPlaybooks;
        if self.playbooks.len() > MAX_PLAYBOOKS {
            return Err(bad);
        }
        let mut keys = std::collections::HashSet::new();
        let short = |s: &str, max: usize| !s.trim().is_empty() && s.trim().chars().count() <= max;
        let list_ok = |list: &[String]| {
            list.len() <= MAX_WORDS && list.iter().all(|w| short(w, MAX_NAME_CHARS))
        };
        for p in &mut self.playbooks {
            p.key = p.key.trim().to_owned();
            let key_ok = (1..=40).contains(&p.key.len())
                && p.key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !key_ok
                || !keys.insert(p.key.clone())
                || !short(&p.name, MAX_NAME_CHARS)
                || p.description.chars().count() > MAX_TEXT_CHARS
                || p.steps.is_empty()
                || p.steps.len() > MAX_STEPS
                || !list_ok(&p.applies.words)
                || !list_ok(&p.applies.tags)
            {
                return Err(bad);
            }
            p.name = p.name.trim().to_owned();
            for step in &mut p.steps {
                let tool_ok = match step.tool {
                    Some(Tool::WorkOrder) => step.work_order_kind.is_some(),
                    _ => true,
                };
                if !short(&step.title, MAX_NAME_CHARS)
                    || step.detail.chars().count() > MAX_TEXT_CHARS
                    || step.reply.chars().count() > MAX_TEXT_CHARS
                    || !tool_ok
                    || step
                        .due_minutes
                        .is_some_and(|m| m == 0 || m > MAX_DUE_MINUTES)
                {
                    return Err(bad);
                }
                step.title = step.title.trim().to_owned();
            }
        }
        Ok(self)
    }

    pub fn get(&self, key: &str) -> Option<&Playbook> {
        self.playbooks.iter().find(|p| p.key == key)
    }

    /// The enabled playbooks that apply to `situation`, those matching more conditions first.
    pub fn suggest(&self, situation: &Situation<'_>) -> Vec<Suggestion> {
        let texts: Vec<String> = situation.texts.iter().map(|t| t.to_lowercase()).collect();
        let mut found: Vec<Suggestion> = self
            .playbooks
            .iter()
            .filter(|p| p.enabled)
            .filter_map(|p| {
                let a = &p.applies;
                let mut because = vec![];
                if let Some(word) = a.words.iter().find(|w| {
                    let w = w.trim().to_lowercase();
                    texts.iter().any(|t| t.contains(&w))
                }) {
                    because.push(format!("word:{}", word.trim()));
                }
                if let Some(tag) = a.tags.iter().find(|t| situation.tags.contains(&t.as_str())) {
                    because.push(format!("tag:{tag}"));
                }
                if let Some(s) = situation.shipping.filter(|s| a.shipping.contains(s)) {
                    because.push(format!("shipping:{}", s.as_str()));
                }
                if let Some(s) = situation.after_sale.filter(|s| a.after_sale.contains(s)) {
                    because.push(format!("after_sale:{}", s.as_str()));
                }
                if let (Some(need), Some(is)) = (a.escalated, situation.escalated)
                    && is >= need
                {
                    because.push(format!("escalated:{}", is.as_str()));
                }
                (!because.is_empty()).then(|| Suggestion {
                    key: p.key.clone(),
                    name: p.name.clone(),
                    because,
                })
            })
            .collect();
        found.sort_by_key(|s| std::cmp::Reverse(s.because.len()));
        found
    }
}

/// A step ticked off: when and by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = PlaybookStepDone)]
pub struct StepDone {
    pub at: i64,
    pub by: uuid::Uuid,
    pub by_name: String,
}

/// A playbook an agent started on a conversation: its steps as they were then (a later edit
/// of the playbook does not change it), which are done, and each step's deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlaybookRun {
    pub id: uuid::Uuid,
    pub conversation_id: uuid::Uuid,
    pub key: String,
    pub name: String,
    pub steps: Vec<Step>,
    /// One per step: `null` until done.
    pub done: Vec<Option<StepDone>>,
    /// Each step's deadline (`null`: none).
    pub due_at: Vec<Option<i64>>,
    pub started_by: uuid::Uuid,
    pub started_by_name: String,
    pub started_at: i64,
    /// When its last step was done.
    pub finished_at: Option<i64>,
    /// Bumped by every change the store saves.
    pub version: i64,
}

impl PlaybookRun {
    /// `playbook` started on a conversation by an agent at `now`.
    pub fn start(
        id: uuid::Uuid,
        conversation_id: uuid::Uuid,
        playbook: &Playbook,
        by: (uuid::Uuid, &str),
        now: i64,
    ) -> PlaybookRun {
        PlaybookRun {
            id,
            conversation_id,
            key: playbook.key.clone(),
            name: playbook.name.clone(),
            steps: playbook.steps.clone(),
            done: vec![None; playbook.steps.len()],
            due_at: playbook
                .steps
                .iter()
                .map(|s| s.due_minutes.map(|m| now + i64::from(m) * 60_000))
                .collect(),
            started_by: by.0,
            started_by_name: by.1.to_owned(),
            started_at: now,
            finished_at: None,
            version: 0,
        }
    }

    /// Step `index` ticked off (or back on); `invalid_playbook_step` for no such step.
    pub fn ticked(
        &self,
        index: usize,
        done: bool,
        by: (uuid::Uuid, &str),
        now: i64,
    ) -> Result<PlaybookRun, ErrorCode> {
        let mut next = self.clone();
        let slot = next
            .done
            .get_mut(index)
            .ok_or(ErrorCode::InvalidPlaybookStep)?;
        *slot = done.then(|| StepDone {
            at: now,
            by: by.0,
            by_name: by.1.to_owned(),
        });
        next.finished_at = next
            .done
            .iter()
            .all(Option::is_some)
            .then(|| self.finished_at.unwrap_or(now));
        Ok(next)
    }
}

fn step(title: &str, detail: &str, reply: &str, due_minutes: Option<u32>) -> Step {
    Step {
        title: title.to_owned(),
        detail: detail.to_owned(),
        reply: reply.to_owned(),
        tool: None,
        work_order_kind: None,
        level: None,
        due_minutes,
    }
}

fn with_tool(mut s: Step, tool: Tool) -> Step {
    s.tool = Some(tool);
    s
}

fn work_order(mut s: Step, kind: WorkOrderKind) -> Step {
    s.tool = Some(Tool::WorkOrder);
    s.work_order_kind = Some(kind);
    s
}

fn escalate(mut s: Step, level: Level) -> Step {
    s.tool = Some(Tool::Escalate);
    s.level = Some(level);
    s
}

fn words(list: &[&str]) -> Vec<String> {
    list.iter().map(|w| (*w).to_owned()).collect()
}

fn playbook(
    key: &str,
    name: &str,
    description: &str,
    applies: Applies,
    steps: Vec<Step>,
) -> Playbook {
    Playbook {
        key: key.to_owned(),
        name: name.to_owned(),
        description: description.to_owned(),
        enabled: true,
        applies,
        steps,
    }
}

impl Default for Playbooks {
    /// The seven scenarios of the seeds (§6), with their deadlines.
    fn default() -> Playbooks {
        use ShippingStatus::{InTransit, Shipped};
        let logistics = playbook(
            "logistics_delay",
            "物流异常",
            "包裹迟迟不到、轨迹不动或显示异常：实时同步轨迹并补偿优惠券。",
            Applies {
                words: words(&["物流", "快递", "没到", "不动", "停滞", "还没收到", "丢件"]),
                shipping: vec![Shipped, InTransit],
                ..Applies::default()
            },
            vec![
                with_tool(
                    step(
                        "查询并同步实时轨迹",
                        "在订单面板查询最新物流，把轨迹和预计送达时间告诉买家。",
                        "亲，已为您查到包裹的最新轨迹，我们会一直帮您盯着，有进展第一时间告诉您。",
                        Some(10),
                    ),
                    Tool::Logistics,
                ),
                work_order(
                    step(
                        "联系快递核实异常",
                        "开物流工单，联系快递催派或核实丢件。",
                        "",
                        Some(120),
                    ),
                    WorkOrderKind::Logistics,
                ),
                with_tool(
                    step(
                        "补偿优惠券",
                        "为耽误的时间致歉，发一张店铺优惠券。",
                        "让您久等了，实在抱歉，给您发了一张优惠券，下次购物可以直接使用。",
                        Some(30),
                    ),
                    Tool::Coupon,
                ),
                work_order(
                    step(
                        "签收后回访",
                        "包裹签收后 24 小时内回访，确认无误。",
                        "",
                        Some(24 * 60),
                    ),
                    WorkOrderKind::Callback,
                ),
            ],
        );
        let quality = playbook(
            "quality",
            "商品质量问题",
            "破损、变质、瑕疵或疑似假货：48 小时内提供检测报告或退换货方案。",
            Applies {
                words: words(&[
                    "质量", "坏了", "破损", "压坏", "发霉", "变质", "异味", "瑕疵", "假货",
                ]),
                after_sale: vec![AfterSaleStatus::Requested],
                ..Applies::default()
            },
            vec![
                step(
                    "请买家提供凭证",
                    "请买家发商品和包装的照片或视频，留存为证据。",
                    "非常抱歉给您带来不好的体验，麻烦您拍一下商品和外包装的照片，我们马上为您处理。",
                    Some(30),
                ),
                step(
                    "致歉并说明处理方案",
                    "先致歉，说明会在 48 小时内给出检测报告或退换货方案。",
                    "我们会在 48 小时内给您检测结果或退换货方案，请您放心。",
                    Some(60),
                ),
                work_order(
                    step(
                        "48 小时内给出检测报告或退换货方案",
                        "开退款工单（或换货工单），附上买家的照片。",
                        "",
                        Some(48 * 60),
                    ),
                    WorkOrderKind::Refund,
                ),
                with_tool(
                    step("权限内补偿", "情节轻微的，在权限内直接补偿。", "", None),
                    Tool::Compensation,
                ),
            ],
        );
        let wrong_goods = playbook(
            "wrong_goods",
            "错发漏发·宣传不符",
            "发错、漏发，或商品与宣传不符：补发或换货；宣传不符立即下架争议视频并致歉。",
            Applies {
                words: words(&[
                    "发错",
                    "错发",
                    "漏发",
                    "少发",
                    "不一样",
                    "货不对板",
                    "与描述不符",
                    "宣传不符",
                    "虚假宣传",
                ]),
                ..Applies::default()
            },
            vec![
                step(
                    "核对订单与实物",
                    "请买家发实物照片，与订单的规格核对。",
                    "麻烦您拍一下收到的商品和标签，我们核对一下订单。",
                    Some(30),
                ),
                work_order(
                    step(
                        "补发或换货",
                        "核实后开补发（或换货）工单。",
                        "已为您安排补发，单号出来后第一时间发给您。",
                        Some(24 * 60),
                    ),
                    WorkOrderKind::Reissue,
                ),
                step(
                    "宣传不符：下架争议内容并致歉",
                    "通知运营立即下架争议视频或详情页描述，向买家致歉。",
                    "关于商品描述的问题，我们已通知下架修改，非常抱歉给您造成误解。",
                    Some(120),
                ),
                with_tool(
                    step("补偿优惠券", "为麻烦致歉，发一张优惠券。", "", None),
                    Tool::Coupon,
                ),
            ],
        );
        let price = playbook(
            "price_protection",
            "价格争议·价保",
            "买后降价或价格有争议：提供价保凭证或返还差额。",
            Applies {
                words: words(&["降价", "差价", "价保", "便宜了", "买贵", "保价"]),
                ..Applies::default()
            },
            vec![
                step(
                    "核实下单价与现价",
                    "在订单面板核对下单价、活动价和价保规则。",
                    "亲，我们马上核对一下您的下单价格和当前价格。",
                    Some(15),
                ),
                with_tool(
                    step(
                        "提供价保凭证或返还差额",
                        "符合价保的，在权限内返还差额（超出权限走审批）。",
                        "已为您申请返还差额，预计 1–3 个工作日原路到账。",
                        Some(24 * 60),
                    ),
                    Tool::Compensation,
                ),
            ],
        );
        let refund = playbook(
            "refund_progress",
            "退款进度",
            "买家催退款：查清进度、告知到账时间，超时未到账开工单跟进。",
            Applies {
                words: words(&["退款", "没退", "还没到账", "钱呢", "退到哪"]),
                after_sale: vec![AfterSaleStatus::Requested, AfterSaleStatus::Processing],
                ..Applies::default()
            },
            vec![
                step(
                    "查询退款进度",
                    "在订单面板查看售后状态和退款审批。",
                    "亲，您的退款正在处理中，预计 1–3 个工作日原路退回，请留意账户。",
                    Some(10),
                ),
                work_order(
                    step(
                        "超时未到账：开退款工单",
                        "超过承诺时间仍未到账的，开退款工单由售后跟进。",
                        "",
                        Some(60),
                    ),
                    WorkOrderKind::Refund,
                ),
                work_order(
                    step("到账后回访", "确认买家收到退款。", "", Some(3 * 24 * 60)),
                    WorkOrderKind::Callback,
                ),
            ],
        );
        let review = playbook(
            "malicious_review",
            "恶意差评",
            "以差评相要挟或恶意差评：先核实诉求，合理的优先解决，留存证据，敲诈的升级并向平台申诉。",
            Applies {
                words: words(&["差评", "给差评", "刷差评", "不给好评", "一星"]),
                ..Applies::default()
            },
            vec![
                step(
                    "核实诉求是否合理",
                    "看订单、物流和聊天记录，判断诉求。",
                    "",
                    Some(30),
                ),
                step(
                    "合理诉求优先解决",
                    "合理的按对应方案解决，不与买家争执。",
                    "您反映的问题我们非常重视，马上为您处理，有任何不满意都可以直接告诉我。",
                    Some(60),
                ),
                step(
                    "留存聊天与订单证据",
                    "下载会话凭证，截图关键消息。",
                    "",
                    Some(120),
                ),
                escalate(
                    step(
                        "明显敲诈：升级并向平台申诉",
                        "升级到二级，由主管向平台申诉。",
                        "",
                        Some(120),
                    ),
                    Level::Two,
                ),
            ],
        );
        let media = playbook(
            "media_legal",
            "媒体·法律威胁",
            "买家扬言找媒体、律师或监管部门：立即上报公关，2 小时内给出处理方案。",
            Applies {
                words: words(&[
                    "记者",
                    "媒体",
                    "曝光",
                    "律师",
                    "起诉",
                    "法院",
                    "12315",
                    "消协",
                    "工商",
                    "报警",
                    "上热搜",
                ]),
                escalated: Some(Level::Three),
                ..Applies::default()
            },
            vec![
                escalate(
                    step(
                        "立即升级三级",
                        "上报运营负责人与公关，不要自行承诺。",
                        "",
                        Some(5),
                    ),
                    Level::Three,
                ),
                step(
                    "安抚并承诺专人跟进",
                    "只表态会由专人跟进，不作其他承诺。",
                    "非常理解您的心情，您的问题已经由我们的负责人专门跟进，会尽快联系您。",
                    Some(15),
                ),
                work_order(
                    step(
                        "2 小时内给出处理方案",
                        "公关或运营负责人开投诉工单，给出方案。",
                        "",
                        Some(120),
                    ),
                    WorkOrderKind::Complaint,
                ),
            ],
        );
        Playbooks {
            playbooks: vec![
                logistics,
                quality,
                wrong_goods,
                price,
                refund,
                review,
                media,
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seven_defaults_are_valid_and_each_has_a_deadline() {
        let all = Playbooks::default();
        assert_eq!(all.playbooks.len(), 7);
        assert_eq!(all.clone().checked(), Ok(all.clone()));
        for p in &all.playbooks {
            assert!(p.steps.iter().any(|s| s.due_minutes.is_some()), "{}", p.key);
        }
        // The seeds' deadline: a quality problem's plan within 48 hours.
        let quality = all.get("quality").expect("quality");
        assert!(
            quality.steps.iter().any(|s| s.due_minutes == Some(48 * 60)
                && s.work_order_kind == Some(WorkOrderKind::Refund))
        );
    }

    #[test]
    fn what_applies_and_why() {
        let all = Playbooks::default();
        let late = Situation {
            texts: vec!["快递三天了还没到，物流一直不动"],
            shipping: Some(ShippingStatus::InTransit),
            ..Situation::default()
        };
        let found = all.suggest(&late);
        assert_eq!(found[0].key, "logistics_delay");
        assert_eq!(found[0].because, vec!["word:物流", "shipping:in_transit"]);
        let threat = Situation {
            texts: vec!["不退钱我就找记者曝光"],
            escalated: Some(Level::Three),
            ..Situation::default()
        };
        assert_eq!(all.suggest(&threat)[0].key, "media_legal");
        assert!(
            all.suggest(&Situation {
                texts: vec!["请问有什么口味"],
                ..Situation::default()
            })
            .is_empty()
        );
        // A tag, an after-sale case; a disabled playbook is never suggested.
        let mut mine = all.clone();
        mine.playbooks[1].applies.tags = vec!["质量问题".into()];
        let tagged = Situation {
            tags: vec!["质量问题"],
            after_sale: Some(AfterSaleStatus::Requested),
            ..Situation::default()
        };
        let found = mine.suggest(&tagged);
        assert_eq!(found[0].key, "quality");
        assert_eq!(
            found[0].because,
            vec!["tag:质量问题", "after_sale:requested"]
        );
        mine.playbooks[1].enabled = false;
        assert!(mine.suggest(&tagged).iter().all(|s| s.key != "quality"));
    }

    #[test]
    fn a_run_keeps_its_steps_and_their_deadlines() {
        let all = Playbooks::default();
        let quality = all.get("quality").expect("quality");
        let agent = (uuid::Uuid::from_u128(1), "小雨");
        let run = PlaybookRun::start(uuid::Uuid::nil(), uuid::Uuid::nil(), quality, agent, 1_000);
        assert_eq!(run.due_at[0], Some(1_000 + 30 * 60_000));
        assert_eq!(run.due_at[2], Some(1_000 + 48 * 3_600_000));
        assert_eq!(run.due_at[3], None);
        let mut run = run;
        for i in 0..run.steps.len() {
            assert_eq!(run.finished_at, None);
            run = run.ticked(i, true, agent, 2_000 + i as i64).expect("step");
        }
        assert_eq!(run.finished_at, Some(2_003));
        assert_eq!(
            run.done[0].as_ref().map(|d| d.by_name.as_str()),
            Some("小雨")
        );
        let reopened = run.ticked(1, false, agent, 3_000).expect("step");
        assert_eq!((reopened.finished_at, &reopened.done[1]), (None, &None));
        assert_eq!(
            run.ticked(9, true, agent, 1),
            Err(ErrorCode::InvalidPlaybookStep)
        );
    }

    #[test]
    fn edits_are_checked() {
        let good = Playbooks::default();
        type Edit = Box<dyn Fn(&mut Playbooks)>;
        let broken: Vec<Edit> = vec![
            Box::new(|p| p.playbooks[0].key = "Bad Key".into()),
            Box::new(|p| p.playbooks[1].key = p.playbooks[0].key.clone()),
            Box::new(|p| p.playbooks[0].name = " ".into()),
            Box::new(|p| p.playbooks[0].steps.clear()),
            Box::new(|p| p.playbooks[0].steps[0].due_minutes = Some(0)),
            Box::new(|p| p.playbooks[0].steps[0].title = "长".repeat(31)),
            Box::new(|p| {
                p.playbooks[0].steps[0].tool = Some(Tool::WorkOrder);
                p.playbooks[0].steps[0].work_order_kind = None;
            }),
            Box::new(|p| p.playbooks[0].applies.words = vec!["词".into(); 51]),
        ];
        for (n, breaks) in broken.iter().enumerate() {
            let mut p = good.clone();
            breaks(&mut p);
            assert_eq!(p.checked(), Err(ErrorCode::InvalidPlaybooks), "edit {n}");
        }
        // The shop adds its own.
        let mut more = good.clone();
        more.playbooks.push(Playbook {
            key: "gift_missing".into(),
            name: " 赠品漏发 ".into(),
            description: String::new(),
            enabled: true,
            applies: Applies {
                words: vec!["赠品".into()],
                ..Applies::default()
            },
            steps: vec![step("补发赠品", "", "", Some(60))],
        });
        let kept = more.checked().expect("valid");
        assert_eq!(kept.playbooks[7].name, "赠品漏发");
    }
}
