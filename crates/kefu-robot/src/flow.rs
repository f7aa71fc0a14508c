//! Multi-turn flows (BOT-4), defined as data the merchant edits: "where is my order" → which
//! order → its logistics; "return" → order → item → reason → photo → confirm → an after-sale
//! request. A flow is a list of slots to fill and what to do once they are. The engine here
//! is pure: the server gives it the buyer's orders and each message, and carries out the
//! finish (a lookup, an after-sale request, a reply or a handoff).
//!
//! A run keeps what it has learned for as many turns as the buyer needs, answers a
//! correction ("不是这个，是另一单") by reopening the slot it names, lets the buyer leave at
//! any point ("算了", or "人工" before the engine sees it), and gives up to a person after
//! two messages in a row it could not read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// At most this many steps in a flow, buttons in a prompt, turns in a run.
pub const MAX_STEPS: usize = 12;
pub const MAX_OPTIONS: usize = 8;
pub const MAX_TURNS: u32 = 40;
/// Messages in a row the engine could not read before it hands over.
const MAX_MISSES: u32 = 2;

/// A flow as the merchant defines it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Flow {
    /// Lowercase letters, digits and `-`.
    pub id: String,
    pub name: String,
    #[serde(default = "enabled")]
    pub enabled: bool,
    /// Buyer messages that start the flow: trained into the robot like similar questions.
    #[serde(default)]
    pub triggers: Vec<String>,
    pub steps: Vec<Step>,
    pub finish: Finish,
}

fn enabled() -> bool {
    true
}

/// One slot to fill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Step {
    /// The slot's name (`order`, `reason` …), usable as `{reason}` in the finish text.
    pub slot: String,
    pub kind: StepKind,
    /// What the robot asks.
    pub prompt: String,
    /// For `choice`: the options, offered as buttons.
    #[serde(default)]
    pub options: Vec<String>,
    /// An optional step accepts "跳过".
    #[serde(default)]
    pub optional: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// One of the buyer's recent orders.
    Order,
    /// An item of the order chosen before.
    Item,
    /// One of the step's options.
    Choice,
    /// A picture the buyer sends.
    Photo,
    /// Any text.
    Text,
    /// Yes or no; no ends the flow.
    Confirm,
}

/// What happens once every slot is filled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Finish {
    pub action: FinishAction,
    /// For `after_sale`: which request to create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_sale: Option<AfterSaleKind>,
    /// The reply; `{slot}` and the action's own values (`{case_no}`, `{tracking_no}` …)
    /// are filled in.
    #[serde(default)]
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FinishAction {
    /// The chosen order's shipping status and tracking.
    Logistics,
    /// An after-sale request for the chosen order (and item).
    AfterSale,
    /// Only the reply.
    Reply,
    /// To a person, with the slots.
    Handoff,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AfterSaleKind {
    ReturnRefund,
    RefundOnly,
    Exchange,
}

impl AfterSaleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AfterSaleKind::ReturnRefund => "return_refund",
            AfterSaleKind::RefundOnly => "refund_only",
            AfterSaleKind::Exchange => "exchange",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AfterSaleKind::ReturnRefund => "退货退款",
            AfterSaleKind::RefundOnly => "仅退款",
            AfterSaleKind::Exchange => "换货",
        }
    }
}

/// Values a finish text may use besides the slots.
const FINISH_VALUES: &[&str] = &[
    "case_no",
    "order_no",
    "logistics_company",
    "tracking_no",
    "shipping_status",
];

impl Flow {
    /// Checks a definition; the message names the problem for the merchant.
    pub fn check(&self) -> Result<(), String> {
        let id_ok = !self.id.is_empty()
            && self.id.len() <= 40
            && self
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !id_ok {
            return Err("编号（id）：1–40 个小写字母、数字或 -".into());
        }
        let name = self.name.trim().chars().count();
        if !(1..=30).contains(&name) {
            return Err("名称：1–30 个字".into());
        }
        let triggers: Vec<&String> = self
            .triggers
            .iter()
            .filter(|t| !t.trim().is_empty())
            .collect();
        if triggers.is_empty() || triggers.len() > 50 {
            return Err("触发语句（triggers）：需要 1–50 条买家会说的话".into());
        }
        if triggers.iter().any(|t| t.chars().count() > 100) {
            return Err("触发语句（triggers）：每条最多 100 个字".into());
        }
        if self.steps.is_empty() && self.finish.action != FinishAction::Handoff {
            return Err("步骤（steps）：至少一步".into());
        }
        if self.steps.len() > MAX_STEPS {
            return Err(format!("步骤（steps）：最多 {MAX_STEPS} 步"));
        }
        let mut seen: Vec<&str> = vec![];
        for (i, step) in self.steps.iter().enumerate() {
            let at = format!("第 {} 步", i + 1);
            let slot_ok = !step.slot.is_empty()
                && step.slot.len() <= 30
                && step
                    .slot
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !slot_ok {
                return Err(format!("{at}：槽位名（slot）为 1–30 个小写字母、数字或 _"));
            }
            if seen.contains(&step.slot.as_str()) || FINISH_VALUES.contains(&step.slot.as_str()) {
                return Err(format!("{at}：槽位名 {} 已被使用", step.slot));
            }
            let prompt = step.prompt.trim().chars().count();
            if !(1..=200).contains(&prompt) {
                return Err(format!("{at}：提问（prompt）为 1–200 个字"));
            }
            match step.kind {
                StepKind::Choice
                    if step.options.len() < 2
                        || step.options.len() > MAX_OPTIONS
                        || step
                            .options
                            .iter()
                            .any(|o| !(1..=30).contains(&o.trim().chars().count())) =>
                {
                    return Err(format!(
                        "{at}：选择题需要 2–{MAX_OPTIONS} 个选项（options），每个 1–30 个字"
                    ));
                }
                StepKind::Item if !self.has_order_before(i) => {
                    return Err(format!("{at}：选商品（item）之前需要先选订单（order）"));
                }
                _ => {}
            }
            seen.push(&step.slot);
        }
        let orders = self.steps.iter().any(|s| s.kind == StepKind::Order);
        match self.finish.action {
            FinishAction::Logistics | FinishAction::AfterSale if !orders => {
                return Err(
                    "结束动作（finish）：查物流或提交售后需要一个选订单（order）步骤".into(),
                );
            }
            FinishAction::AfterSale if self.finish.after_sale.is_none() => {
                return Err("结束动作（finish）：请选择售后类型（after_sale）".into());
            }
            FinishAction::Reply if self.finish.text.trim().is_empty() => {
                return Err("结束动作（finish）：回复需要填写内容（text）".into());
            }
            _ => {}
        }
        if self.finish.text.chars().count() > 500 {
            return Err("结束动作（finish）：内容最多 500 个字".into());
        }
        for name in placeholders(&self.finish.text) {
            if !seen.contains(&name) && !FINISH_VALUES.contains(&name) {
                return Err(format!(
                    "结束动作（finish）：{{{name}}} 不是槽位，也不是可用的变量"
                ));
            }
        }
        Ok(())
    }

    fn has_order_before(&self, i: usize) -> bool {
        self.steps[..i].iter().any(|s| s.kind == StepKind::Order)
    }
}

/// `{name}` placeholders in a template.
fn placeholders(text: &str) -> Vec<&str> {
    let mut out = vec![];
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        out.push(&after[..close]);
        rest = &after[close + 1..];
    }
    out
}

/// Fills `{name}` from the values; unknown names stay as they are.
pub fn render(text: &str, values: &BTreeMap<String, String>) -> String {
    let mut out = text.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// One of the buyer's orders as the engine offers it, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderFact {
    pub order_no: String,
    /// "明前龙井 250g ×1 · ¥128.00"
    pub summary: String,
    pub items: Vec<ItemFact>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemFact {
    pub sku_code: String,
    pub title: String,
}

/// What the server knows of the buyer for this turn.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub orders: Vec<OrderFact>,
}

/// A buyer message: its text, and the picture it carries.
#[derive(Debug, Clone, Default)]
pub struct Input<'a> {
    pub text: &'a str,
    pub picture: Option<String>,
}

/// A filled slot: the value the server uses (an order number, a SKU, an attachment id) and
/// what the buyer reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filled {
    pub value: String,
    pub label: String,
}

/// A reply button: label shown, text sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Choice {
    pub label: String,
    pub reply: String,
}

/// What the robot asks next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Prompt {
    pub text: String,
    pub buttons: Vec<Choice>,
}

/// The outcome of a turn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Turn {
    /// The next question.
    Ask(Prompt),
    /// The message filled nothing: ask again. The server may first answer it from the
    /// knowledge base, then `forgive` the miss.
    Missed(Prompt),
    /// Every slot is filled: carry out the finish.
    Done,
    /// The buyer left, or said no at the confirmation.
    Cancelled,
    /// To a person: misunderstood twice, no orders to choose from, or too many turns.
    Stuck { why: &'static str },
}

/// A flow in progress in one conversation, stored between messages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    pub flow: String,
    pub slots: BTreeMap<String, Filled>,
    /// The step asked last.
    pub asking: Option<usize>,
    pub turns: u32,
    pub misses: u32,
    /// Corrections the buyer made, for the log.
    pub corrections: u32,
}

const CANCEL: &[&str] = &[
    "算了",
    "不用了",
    "取消",
    "不办了",
    "不弄了",
    "退出",
    "不需要了",
];
const CORRECTION: &[&str] = &[
    "不是这",
    "不是那",
    "选错",
    "搞错",
    "弄错",
    "错了",
    "换一",
    "另一",
    "另外一",
    "重新选",
    "改成",
    "改为",
    "应该是",
];
const YES: &[&str] = &[
    "确认",
    "是的",
    "是",
    "对",
    "好",
    "可以",
    "提交",
    "嗯",
    "行",
    "没问题",
    "ok",
    "yes",
];
const NO: &[&str] = &["不", "否", "别", "no"];
const SKIP: &[&str] = &["跳过", "没有", "没拍", "不用", "无", "没图"];
const LATEST: &[&str] = &["最近", "最新", "刚买", "刚下", "刚拍", "上一单", "最后一"];

/// A button's label or reply is at most this long (as the server's `buttons` messages).
pub const BUTTON_CHARS: usize = 60;

/// `text`, cut to a button's length with "…" when longer.
pub fn button_text(text: &str) -> String {
    match text.chars().count() > BUTTON_CHARS {
        true => text.chars().take(BUTTON_CHARS - 1).chain(['…']).collect(),
        false => text.to_owned(),
    }
}

/// Whether a buyer's message is `full`, or `full` as a button cut it.
pub fn says(message: &str, full: &str) -> bool {
    let message = message.trim();
    message == full
        || message
            .strip_suffix('…')
            .is_some_and(|start| !start.is_empty() && full.starts_with(start))
}

/// "2", "第二个", "选1", "②": a position in a list of `n`, from 0.
pub fn ordinal(text: &str, n: usize) -> Option<usize> {
    let t: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && !"。.,，!！".contains(*c))
        .collect();
    let t = t
        .trim_start_matches(['选', '第', '要'])
        .trim_end_matches(['个', '条', '单', '件', '项', '吧']);
    let k = match t {
        "1" | "一" | "①" => 1,
        "2" | "二" | "两" | "②" => 2,
        "3" | "三" | "③" => 3,
        "4" | "四" | "④" => 4,
        "5" | "五" | "⑤" => 5,
        "6" | "六" | "⑥" => 6,
        "7" | "七" | "⑦" => 7,
        "8" | "八" | "⑧" => 8,
        _ => return None,
    };
    (k <= n).then_some(k - 1)
}

fn has_any(text: &str, words: &[&str]) -> bool {
    words.iter().any(|w| text.contains(w))
}

impl Run {
    /// Starts `flow` on the message that triggered it, which may already fill slots
    /// ("2026111800123 到哪了").
    pub fn start(flow: &Flow, facts: &Facts, input: &Input) -> (Run, Turn) {
        let mut run = Run {
            flow: flow.id.clone(),
            ..Run::default()
        };
        run.turns = 1;
        run.fill_in_passing(flow, facts, input.text);
        let turn = run.next(flow, facts);
        (run, turn)
    }

    /// One buyer message.
    pub fn step(&mut self, flow: &Flow, facts: &Facts, input: &Input) -> Turn {
        self.turns += 1;
        if self.turns > MAX_TURNS {
            return Turn::Stuck { why: "too_long" };
        }
        let text = input.text.trim().to_lowercase();
        let asking = self.asking.and_then(|i| flow.steps.get(i));
        let is_confirm = asking.is_some_and(|s| s.kind == StepKind::Confirm);
        if has_any(&text, CANCEL) && !is_confirm {
            return Turn::Cancelled;
        }
        // A correction: at the confirmation before reading yes or no ("不是这个" is no
        // "是"), elsewhere only when the message does not answer the question asked
        // ("发错货了" is a reason, not a correction).
        let corrective = has_any(&text, CORRECTION);
        if corrective && is_confirm && self.correct(flow, facts, &text) {
            return self.corrected(flow, facts);
        }
        if let Some(step) = asking.filter(|_| !(corrective && is_confirm)) {
            match self.read(flow, facts, step, input) {
                Some(Read::Filled(filled)) => {
                    self.slots.insert(step.slot.clone(), filled);
                    self.misses = 0;
                    self.fill_in_passing(flow, facts, &text);
                    return self.next(flow, facts);
                }
                Some(Read::No) => return Turn::Cancelled,
                None => {}
            }
        }
        if corrective && self.correct(flow, facts, &text) {
            return self.corrected(flow, facts);
        }
        // Something else: perhaps a later slot, said early.
        if self.fill_in_passing(flow, facts, &text) {
            self.misses = 0;
            return self.next(flow, facts);
        }
        self.misses += 1;
        if self.misses >= MAX_MISSES {
            return Turn::Stuck {
                why: "misunderstood",
            };
        }
        match self.next(flow, facts) {
            Turn::Ask(prompt) => Turn::Missed(Prompt {
                text: format!("抱歉，没能看懂。{}", prompt.text),
                buttons: prompt.buttons,
            }),
            other => other,
        }
    }

    fn corrected(&mut self, flow: &Flow, facts: &Facts) -> Turn {
        self.misses = 0;
        self.corrections += 1;
        self.next(flow, facts)
    }

    /// The server answered the message from the knowledge base instead: not a miss.
    pub fn forgive(&mut self) {
        self.misses = self.misses.saturating_sub(1);
    }

    /// The values a finish text may use: every slot's label (the order's number).
    pub fn values(&self, flow: &Flow) -> BTreeMap<String, String> {
        flow.steps
            .iter()
            .filter_map(|s| {
                let filled = self.slots.get(&s.slot)?;
                let shown = match s.kind {
                    StepKind::Order => filled.value.clone(),
                    _ => filled.label.clone(),
                };
                Some((s.slot.clone(), shown))
            })
            .collect()
    }

    /// The filled slot of the first step of this kind.
    pub fn slot_of(&self, flow: &Flow, kind: StepKind) -> Option<&Filled> {
        flow.steps
            .iter()
            .find(|s| s.kind == kind)
            .and_then(|s| self.slots.get(&s.slot))
    }

    /// The first unfilled step, asked; or done.
    fn next(&mut self, flow: &Flow, facts: &Facts) -> Turn {
        loop {
            let Some((i, step)) = flow
                .steps
                .iter()
                .enumerate()
                .find(|(_, s)| !self.slots.contains_key(&s.slot))
            else {
                self.asking = None;
                return Turn::Done;
            };
            self.asking = Some(i);
            let buttons: Vec<Choice> = match step.kind {
                StepKind::Order => {
                    if facts.orders.is_empty() {
                        return Turn::Stuck { why: "no_orders" };
                    }
                    facts
                        .orders
                        .iter()
                        .take(MAX_OPTIONS)
                        .map(|o| Choice {
                            label: button_text(&format!("{} · {}", o.order_no, o.summary)),
                            reply: button_text(&o.order_no),
                        })
                        .collect()
                }
                StepKind::Item => {
                    let items = self.items(flow, facts);
                    if let [only] = items {
                        // One item: nothing to ask.
                        let filled = Filled {
                            value: only.sku_code.clone(),
                            label: only.title.clone(),
                        };
                        self.slots.insert(step.slot.clone(), filled);
                        continue;
                    }
                    items
                        .iter()
                        .take(MAX_OPTIONS)
                        .map(|it| Choice {
                            label: button_text(&it.title),
                            reply: button_text(&it.title),
                        })
                        .collect()
                }
                StepKind::Choice => step
                    .options
                    .iter()
                    .map(|o| Choice {
                        label: o.clone(),
                        reply: o.clone(),
                    })
                    .collect(),
                StepKind::Confirm => vec![
                    Choice {
                        label: "确认".into(),
                        reply: "确认".into(),
                    },
                    Choice {
                        label: "取消".into(),
                        reply: "取消".into(),
                    },
                ],
                StepKind::Photo | StepKind::Text if step.optional => vec![Choice {
                    label: "跳过".into(),
                    reply: "跳过".into(),
                }],
                StepKind::Photo | StepKind::Text => vec![],
            };
            let text = match step.kind {
                StepKind::Confirm => format!("{}\n{}", self.summary(flow), step.prompt),
                _ => step.prompt.clone(),
            };
            return Turn::Ask(Prompt { text, buttons });
        }
    }

    /// What was collected, for the confirmation.
    fn summary(&self, flow: &Flow) -> String {
        let lines: Vec<String> = flow
            .steps
            .iter()
            .filter(|s| s.kind != StepKind::Confirm)
            .filter_map(|s| {
                let filled = self.slots.get(&s.slot)?;
                let label = match (s.kind, filled.value.is_empty()) {
                    (StepKind::Photo, false) => "已上传".to_owned(),
                    (_, true) => "无".to_owned(),
                    (StepKind::Order, false) => filled.value.clone(),
                    _ => filled.label.clone(),
                };
                Some(format!("{}：{label}", slot_title(s)))
            })
            .collect();
        lines.join("\n")
    }

    fn items<'f>(&self, flow: &Flow, facts: &'f Facts) -> &'f [ItemFact] {
        let order = self.slot_of(flow, StepKind::Order);
        facts
            .orders
            .iter()
            .find(|o| order.is_some_and(|f| f.value == o.order_no))
            .map_or(&[], |o| o.items.as_slice())
    }

    fn read(&self, flow: &Flow, facts: &Facts, step: &Step, input: &Input) -> Option<Read> {
        let text = input.text.trim().to_lowercase();
        let filled = |value: &str, label: &str| {
            Some(Read::Filled(Filled {
                value: value.to_owned(),
                label: label.to_owned(),
            }))
        };
        match step.kind {
            StepKind::Order => {
                let exact = facts
                    .orders
                    .iter()
                    .find(|o| text == o.order_no.to_lowercase());
                let order = exact.or_else(|| order_in(&text, facts)).or_else(|| {
                    ordinal(&text, facts.orders.len().min(MAX_OPTIONS))
                        .map(|k| &facts.orders[k])
                        .or_else(|| has_any(&text, LATEST).then(|| facts.orders.first())?)
                })?;
                filled(&order.order_no, &order.summary)
            }
            StepKind::Item => {
                let items = self.items(flow, facts);
                let item = items
                    .iter()
                    .find(|it| {
                        says(&text, &it.title.to_lowercase()) || text == it.sku_code.to_lowercase()
                    })
                    .or_else(|| ordinal(&text, items.len()).map(|k| &items[k]))
                    .or_else(|| {
                        // The item whose title shares the most characters with the text.
                        let best = items
                            .iter()
                            .map(|it| (overlap(&text, &it.title.to_lowercase()), it))
                            .max_by_key(|(n, _)| *n)?;
                        (best.0 >= 2).then_some(best.1)
                    })?;
                filled(&item.sku_code, &item.title)
            }
            StepKind::Choice => {
                let option = option_in(&text, &step.options)
                    .or_else(|| ordinal(&text, step.options.len()).map(|k| &step.options[k]))?;
                filled(option, option)
            }
            StepKind::Photo => match &input.picture {
                Some(id) => filled(id, "图片"),
                None if step.optional && has_any(&text, SKIP) => filled("", ""),
                None => None,
            },
            StepKind::Text => match text.is_empty() {
                true if input.picture.is_some() => filled("", "图片"),
                true => None,
                false if step.optional && SKIP.contains(&text.as_str()) => filled("", ""),
                false => filled(input.text.trim(), input.text.trim()),
            },
            StepKind::Confirm => {
                if has_any(&text, CANCEL) || NO.iter().any(|w| text.starts_with(w)) {
                    Some(Read::No)
                } else if has_any(&text, YES) {
                    filled("yes", "确认")
                } else {
                    None
                }
            }
        }
    }

    /// Slots a message fills without being asked: an order number, an option named
    /// outright. Returns whether it filled any.
    fn fill_in_passing(&mut self, flow: &Flow, facts: &Facts, text: &str) -> bool {
        let text = text.to_lowercase();
        let mut any = false;
        for step in &flow.steps {
            if self.slots.contains_key(&step.slot) {
                continue;
            }
            let filled = match step.kind {
                StepKind::Order => order_in(&text, facts).map(|o| Filled {
                    value: o.order_no.clone(),
                    label: o.summary.clone(),
                }),
                StepKind::Choice => option_in(&text, &step.options).map(|o| Filled {
                    value: o.clone(),
                    label: o.clone(),
                }),
                _ => None,
            };
            if let Some(filled) = filled {
                self.slots.insert(step.slot.clone(), filled);
                any = true;
            }
        }
        any
    }

    /// "不是这个，是另一单": reopens the slot the correction is about (the order, an item,
    /// or else the one filled last) and whatever depends on it, taking a new value from the
    /// message when it names one. Returns whether anything was reopened.
    fn correct(&mut self, flow: &Flow, facts: &Facts, text: &str) -> bool {
        let filled: Vec<(usize, &Step)> = flow
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| self.slots.contains_key(&s.slot) && s.kind != StepKind::Confirm)
            .collect();
        let about = |kind: StepKind| filled.iter().find(|(_, s)| s.kind == kind).copied();
        // An option other than the one chosen ("改成发错货"), or the slot by its name.
        let named = filled
            .iter()
            .find(|(_, s)| {
                s.kind == StepKind::Choice
                    && option_in(text, &s.options)
                        .is_some_and(|o| self.slots.get(&s.slot).is_some_and(|f| &f.value != o))
            })
            .or_else(|| {
                filled
                    .iter()
                    .find(|(_, s)| s.kind != StepKind::Order && text.contains(&slot_title(s)))
            })
            .copied();
        let target = if named.is_some() {
            named
        } else if text.contains('单') || order_in(text, facts).is_some() {
            about(StepKind::Order)
        } else if text.contains('件') || text.contains("商品") {
            about(StepKind::Item).or(about(StepKind::Order))
        } else {
            None
        }
        .or_else(|| {
            // The slot being asked is not filled yet: the buyer means the one before it.
            filled
                .iter()
                .rev()
                .find(|(i, _)| self.asking.is_none_or(|a| *i < a))
                .copied()
        });
        let Some((i, step)) = target else {
            return false;
        };
        let old = self.slots.remove(&step.slot);
        if step.kind == StepKind::Order {
            for s in &flow.steps {
                if s.kind == StepKind::Item {
                    self.slots.remove(&s.slot);
                }
            }
        }
        // A confirmation given before the change no longer holds.
        for s in &flow.steps {
            if s.kind == StepKind::Confirm {
                self.slots.remove(&s.slot);
            }
        }
        // "另一单" with two to choose from means the other one.
        let replacement = match step.kind {
            StepKind::Order => order_in(text, facts)
                .filter(|o| old.as_ref().is_none_or(|f| f.value != o.order_no))
                .or_else(|| {
                    let others: Vec<&OrderFact> = facts
                        .orders
                        .iter()
                        .take(MAX_OPTIONS)
                        .filter(|o| old.as_ref().is_none_or(|f| f.value != o.order_no))
                        .collect();
                    match (others.as_slice(), has_any(text, &["另一", "另外一"])) {
                        ([only], true) => Some(*only),
                        _ => None,
                    }
                })
                .map(|o| Filled {
                    value: o.order_no.clone(),
                    label: o.summary.clone(),
                }),
            StepKind::Choice => option_in(text, &step.options)
                .filter(|o| old.as_ref().is_none_or(|f| &&f.value != o))
                .map(|o| Filled {
                    value: o.clone(),
                    label: o.clone(),
                }),
            _ => None,
        };
        if let Some(filled) = replacement {
            self.slots.insert(flow.steps[i].slot.clone(), filled);
        }
        true
    }
}

enum Read {
    Filled(Filled),
    /// "No" at a confirmation.
    No,
}

/// A slot as the confirmation names it.
fn slot_title(step: &Step) -> String {
    match step.kind {
        StepKind::Order => "订单".into(),
        StepKind::Item => "商品".into(),
        StepKind::Photo => "图片".into(),
        _ => match step.slot.as_str() {
            "reason" => "原因".into(),
            "detail" | "description" => "说明".into(),
            other => other.to_owned(),
        },
    }
}

/// An order named by its number, or by its last four or more digits ("尾号0123").
fn order_in<'f>(text: &str, facts: &'f Facts) -> Option<&'f OrderFact> {
    let runs: Vec<&str> = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|r| r.len() >= 4)
        .collect();
    facts.orders.iter().find(|o| {
        let no = o.order_no.to_lowercase();
        runs.iter()
            .any(|r| no == *r || (r.len() >= 4 && no.ends_with(r)))
    })
}

/// The option the text names (the longest one it contains, or the one equal to it).
fn option_in<'o>(text: &str, options: &'o [String]) -> Option<&'o String> {
    options
        .iter()
        .filter(|o| {
            let o = o.to_lowercase();
            text == o || text.contains(&o)
        })
        .max_by_key(|o| o.chars().count())
}

/// Characters two strings share (CJK titles have no word breaks).
fn overlap(a: &str, b: &str) -> usize {
    a.chars()
        .filter(|c| !c.is_whitespace() && !c.is_ascii_punctuation())
        .filter(|c| b.contains(*c))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn returns() -> Flow {
        serde_json::from_str(
            r#"{"id": "return", "name": "退货退款", "triggers": ["我要退货", "怎么退货"],
            "steps": [
              {"slot": "order", "kind": "order", "prompt": "请选择要退货的订单："},
              {"slot": "item", "kind": "item", "prompt": "请选择要退的商品："},
              {"slot": "reason", "kind": "choice", "prompt": "请选择退货原因：",
               "options": ["不想要了", "质量问题", "发错货", "少件漏发"]},
              {"slot": "detail", "kind": "text", "prompt": "请简单描述一下问题：", "optional": true},
              {"slot": "photo", "kind": "photo", "prompt": "请上传商品照片，没有可回复「跳过」", "optional": true},
              {"slot": "confirm", "kind": "confirm", "prompt": "确认提交退货申请吗？"}
            ],
            "finish": {"action": "after_sale", "after_sale": "return_refund",
                       "text": "已提交退货申请 {case_no}：订单 {order}，原因 {reason}。"}}"#,
        )
        .unwrap()
    }

    fn facts() -> Facts {
        let item = |sku: &str, title: &str| ItemFact {
            sku_code: sku.into(),
            title: title.into(),
        };
        Facts {
            orders: vec![
                OrderFact {
                    order_no: "2026111800123".into(),
                    summary: "明前龙井 250g ×1 · ¥128.00".into(),
                    items: vec![item("LJ-250", "明前龙井 250g")],
                },
                OrderFact {
                    order_no: "2026111500456".into(),
                    summary: "紫砂壶 ×1 等 2 件 · ¥399.00".into(),
                    items: vec![item("ZS-1", "紫砂壶 西施"), item("BC-6", "白瓷品茗杯 6 只")],
                },
            ],
        }
    }

    fn say(run: &mut Run, flow: &Flow, text: &str) -> Turn {
        run.step(
            flow,
            &facts(),
            &Input {
                text,
                picture: None,
            },
        )
    }

    fn asked(turn: &Turn) -> &Prompt {
        match turn {
            Turn::Ask(p) | Turn::Missed(p) => p,
            other => panic!("expected a question, got {other:?}"),
        }
    }

    #[test]
    fn the_demo_shapes_pass_the_check() {
        assert_eq!(returns().check(), Ok(()));
    }

    #[test]
    fn a_bad_definition_names_its_problem() {
        let mut f = returns();
        f.triggers.clear();
        assert!(f.check().unwrap_err().contains("triggers"));
        let mut f = returns();
        f.steps.swap(0, 1);
        assert!(f.check().unwrap_err().contains("需要先选订单"));
        let mut f = returns();
        f.finish.text = "{nope}".into();
        assert!(f.check().unwrap_err().contains("{nope}"));
        let mut f = returns();
        f.steps[2].options.truncate(1);
        assert!(f.check().unwrap_err().contains("2–"));
        let mut f = returns();
        f.id = "Return!".into();
        assert!(f.check().is_err());
    }

    /// BOT-4: ten turns and more, a correction of the order, an unreadable message, a
    /// question on the side, a skipped photo, and the context kept to the end.
    #[test]
    fn a_ten_turn_return_with_a_correction_keeps_its_context() {
        let flow = returns();
        let (mut run, turn) = Run::start(
            &flow,
            &facts(),
            &Input {
                text: "我要退货",
                picture: None,
            },
        );
        // 1: which order, with the buyer's orders as buttons.
        let prompt = asked(&turn);
        assert_eq!(prompt.buttons.len(), 2);
        assert_eq!(prompt.buttons[0].reply, "2026111800123");
        // 2: picks the first; it has one item, so the reason comes next.
        let turn = say(&mut run, &flow, "2026111800123");
        assert!(asked(&turn).text.contains("原因"), "{turn:?}");
        assert_eq!(run.slots["item"].value, "LJ-250");
        // 3: "not this one, the other order": the order is reopened and the other taken.
        let turn = say(&mut run, &flow, "不是这个，是另一单");
        assert_eq!(run.slots["order"].value, "2026111500456");
        assert!(!run.slots.contains_key("item"));
        let prompt = asked(&turn);
        assert!(prompt.text.contains("商品"), "{prompt:?}");
        assert_eq!(prompt.buttons.len(), 2);
        // 4: something unreadable: asked again, not given up.
        let turn = say(&mut run, &flow, "嗯嗯嗯");
        assert!(matches!(turn, Turn::Missed(_)), "{turn:?}");
        // 5: the second item by position.
        let turn = say(&mut run, &flow, "第二个");
        assert_eq!(run.slots["item"].value, "BC-6");
        assert!(asked(&turn).text.contains("原因"));
        // 6: the reason, in the buyer's words.
        let turn = say(&mut run, &flow, "杯子有裂纹 质量问题");
        assert_eq!(run.slots["reason"].value, "质量问题");
        assert!(asked(&turn).text.contains("描述"));
        // 7: the description.
        let turn = say(&mut run, &flow, "收到的时候就裂了一只");
        assert!(asked(&turn).text.contains("照片"));
        // 8: no photo.
        let turn = say(&mut run, &flow, "没拍 跳过吧");
        let prompt = asked(&turn).clone();
        assert!(prompt.text.contains("2026111500456"), "{prompt:?}");
        assert!(prompt.text.contains("白瓷品茗杯"), "{prompt:?}");
        // 9: changes the reason at the confirmation.
        let turn = say(&mut run, &flow, "原因选错了，改成发错货");
        assert_eq!(run.slots["reason"].value, "发错货");
        assert!(asked(&turn).text.contains("确认提交"));
        // 10: confirms.
        assert_eq!(say(&mut run, &flow, "确认"), Turn::Done);
        assert!(run.turns >= 10);
        assert_eq!(run.corrections, 2);
        let values = run.values(&flow);
        assert_eq!(
            render(&flow.finish.text, &values),
            "已提交退货申请 {case_no}：订单 2026111500456，原因 发错货。"
        );
        assert_eq!(run.slot_of(&flow, StepKind::Item).unwrap().value, "BC-6");
        assert_eq!(run.slots["detail"].value, "收到的时候就裂了一只");
    }

    #[test]
    fn the_opening_message_can_fill_slots() {
        let flow = returns();
        let (run, turn) = Run::start(
            &flow,
            &facts(),
            &Input {
                text: "订单尾号0123 想退货 发错货了",
                picture: None,
            },
        );
        assert_eq!(run.slots["order"].value, "2026111800123");
        assert_eq!(run.slots["reason"].value, "发错货");
        assert!(asked(&turn).text.contains("描述"), "{turn:?}");
    }

    #[test]
    fn two_unreadable_messages_go_to_a_person_and_leaving_is_allowed() {
        let flow = returns();
        let start = |text| {
            Run::start(
                &flow,
                &facts(),
                &Input {
                    text,
                    picture: None,
                },
            )
            .0
        };
        let mut run = start("退货");
        assert!(matches!(say(&mut run, &flow, "哈哈"), Turn::Missed(_)));
        assert_eq!(
            say(&mut run, &flow, "呵呵"),
            Turn::Stuck {
                why: "misunderstood"
            }
        );
        let mut run = start("退货");
        assert_eq!(say(&mut run, &flow, "算了不退了"), Turn::Cancelled);
        let mut run = start("退货");
        say(&mut run, &flow, "1");
        say(&mut run, &flow, "不想要了");
        say(&mut run, &flow, "跳过");
        say(&mut run, &flow, "跳过");
        assert_eq!(say(&mut run, &flow, "不了"), Turn::Cancelled);
    }

    #[test]
    fn a_photo_fills_the_photo_step_and_no_orders_means_a_person() {
        let flow = returns();
        let (mut run, _) = Run::start(
            &flow,
            &facts(),
            &Input {
                text: "退货 最近那单",
                picture: None,
            },
        );
        say(&mut run, &flow, "最近那单");
        say(&mut run, &flow, "质量问题");
        say(&mut run, &flow, "发霉了");
        let turn = run.step(
            &flow,
            &facts(),
            &Input {
                text: "",
                picture: Some("att-1".into()),
            },
        );
        assert!(asked(&turn).text.contains("图片：已上传"), "{turn:?}");
        let (_, turn) = Run::start(
            &flow,
            &Facts::default(),
            &Input {
                text: "退货",
                picture: None,
            },
        );
        assert_eq!(turn, Turn::Stuck { why: "no_orders" });
    }

    #[test]
    fn long_titles_are_cut_on_buttons_and_still_picked() {
        let long = "明前特级西湖龙井茶叶礼盒装".repeat(6);
        let facts = Facts {
            orders: vec![OrderFact {
                order_no: "T1".into(),
                summary: long.clone(),
                items: vec![
                    ItemFact {
                        sku_code: "A".into(),
                        title: format!("{long} 250g"),
                    },
                    ItemFact {
                        sku_code: "B".into(),
                        title: "白瓷杯".into(),
                    },
                ],
            }],
        };
        let flow = returns();
        let input = |text| Input {
            text,
            picture: None,
        };
        let (mut run, turn) = Run::start(&flow, &facts, &input("退货"));
        assert!(asked(&turn).buttons[0].label.chars().count() <= BUTTON_CHARS);
        let turn = run.step(&flow, &facts, &input("T1"));
        let tapped = asked(&turn).buttons[0].reply.clone();
        assert!(tapped.ends_with('…') && tapped.chars().count() == BUTTON_CHARS);
        run.step(&flow, &facts, &input(&tapped));
        assert_eq!(run.slots["item"].value, "A");
    }

    #[test]
    fn ordinals_read_the_ways_buyers_write_them() {
        assert_eq!(ordinal("2", 3), Some(1));
        assert_eq!(ordinal("第一个", 3), Some(0));
        assert_eq!(ordinal("选 3", 3), Some(2));
        assert_eq!(ordinal("第二单", 2), Some(1));
        assert_eq!(ordinal("4", 3), None);
        assert_eq!(ordinal("发货", 3), None);
    }
}
