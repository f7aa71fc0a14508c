//! A team report as a table (KPI-1, issue #18) and a health report as a workbook (DATA-2): CSV (UTF-8 with a byte-order mark, so Excel
//! reads the Chinese headers) and XLSX, one row per agent, then each team and the shop.

use kefu_domain::cockpit::CockpitMetric;
use kefu_domain::health::{HealthReport, MetricChange, ReportKind};
use kefu_domain::kpi::{Grade, Metrics, Scorecard};
use rust_xlsxwriter::{Format, Workbook};

use super::scorecards::TeamReport;
use crate::error::ApiError;

const HEADERS: [&str; 19] = [
    "客服",
    "团队",
    "接待量",
    "日均接待",
    "日接待目标",
    "平均首响(秒)",
    "首响P90(秒)",
    "平均响应(秒)",
    "3分钟回复率",
    "有效回复",
    "解决率",
    "转接率",
    "询单转化率",
    "转化金额(元)",
    "评价数",
    "平均星级",
    "差评率",
    "质检分",
    "综合得分",
];
const GRADE_HEADER: &str = "等级";

enum Cell {
    Text(String),
    Number(Option<f64>),
}

fn grade(g: Option<Grade>) -> String {
    match g {
        Some(Grade::Excellent) => "优秀",
        Some(Grade::Pass) => "合格",
        Some(Grade::Below) => "未达标",
        None => "",
    }
    .to_owned()
}

fn line(
    name: &str,
    team: &str,
    m: &Metrics,
    target: Option<u32>,
    qa: Option<f64>,
    card: &Scorecard,
) -> Vec<Cell> {
    let round = |x: Option<f64>, places: i32| {
        x.map(|v| {
            let f = 10f64.powi(places);
            (v * f).round() / f
        })
    };
    vec![
        Cell::Text(name.to_owned()),
        Cell::Text(team.to_owned()),
        Cell::Number(Some(m.served as f64)),
        Cell::Number(round(m.served_per_day, 1)),
        Cell::Number(target.map(f64::from)),
        Cell::Number(round(m.first_response_avg_s, 1)),
        Cell::Number(m.first_response_p90_s),
        Cell::Number(round(m.response_avg_s, 1)),
        Cell::Number(round(m.quick_reply_rate, 4)),
        Cell::Number(Some(m.effective_replies as f64)),
        Cell::Number(round(m.resolution_rate, 4)),
        Cell::Number(round(m.transfer_rate, 4)),
        Cell::Number(round(m.conversion_rate, 4)),
        Cell::Number(Some(m.converted_fen as f64 / 100.0)),
        Cell::Number(Some(m.rated as f64)),
        Cell::Number(round(m.average_rating, 2)),
        Cell::Number(round(m.bad_review_rate, 4)),
        Cell::Number(round(qa, 1)),
        Cell::Number(Some(card.score)),
        Cell::Text(grade(card.grade)),
    ]
}

/// Whose rows a table has: everyone's with the teams and the shop, or one agent's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rows {
    Team,
    Own,
}

fn table(report: &TeamReport, rows_of: Rows) -> Vec<Vec<Cell>> {
    let team_name = |key: Option<&str>| {
        key.map(|k| {
            report
                .teams
                .iter()
                .find(|t| t.team == k)
                .map_or_else(|| k.to_owned(), |t| t.name.clone())
        })
        .unwrap_or_default()
    };
    let mut rows: Vec<Vec<Cell>> = report
        .agents
        .iter()
        .map(|a| {
            line(
                &a.name,
                &team_name(a.team.as_deref()),
                &a.metrics,
                Some(a.daily_target),
                a.qa_score,
                &a.scorecard,
            )
        })
        .collect();
    if rows_of == Rows::Own {
        return rows;
    }
    rows.extend(report.teams.iter().map(|t| {
        line(
            &format!("【{}】", t.name),
            &t.name,
            &t.metrics,
            None,
            None,
            &t.scorecard,
        )
    }));
    rows.push(line(
        "【全店】",
        "",
        &report.shop,
        None,
        None,
        &report.shop_scorecard,
    ));
    rows
}

/// The report as CSV.
pub fn csv(report: &TeamReport, rows_of: Rows) -> Result<Vec<u8>, ApiError> {
    let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let mut header: Vec<&str> = HEADERS.to_vec();
    header.push(GRADE_HEADER);
    let fail = |e: csv::Error| ApiError::Internal(format!("csv: {e}"));
    out.write_record(&header).map_err(fail)?;
    for row in table(report, rows_of) {
        out.write_record(row.iter().map(|c| match c {
            Cell::Text(t) => t.clone(),
            Cell::Number(n) => n.map(|v| v.to_string()).unwrap_or_default(),
        }))
        .map_err(fail)?;
    }
    out.into_inner()
        .map_err(|e| ApiError::Internal(format!("csv: {e}")))
}

/// The report as an .xlsx workbook, one sheet.
pub fn xlsx(report: &TeamReport, rows_of: Rows) -> Result<Vec<u8>, ApiError> {
    let mut book = Workbook::new();
    let mut header: Vec<&str> = HEADERS.to_vec();
    header.push(GRADE_HEADER);
    sheet(
        &mut book,
        &format!("{} ~ {}", report.from, report.to),
        &header,
        table(report, rows_of),
    )?;
    book.save_to_buffer().map_err(xlsx_failed)
}

fn xlsx_failed(e: rust_xlsxwriter::XlsxError) -> ApiError {
    ApiError::Internal(format!("xlsx: {e}"))
}

/// Adds a sheet: a bold header row, then the rows.
fn sheet(
    book: &mut Workbook,
    name: &str,
    header: &[&str],
    rows: Vec<Vec<Cell>>,
) -> Result<(), ApiError> {
    let sheet = book.add_worksheet();
    sheet.set_name(name).map_err(xlsx_failed)?;
    let bold = Format::new().set_bold();
    for (col, title) in header.iter().enumerate() {
        sheet
            .write_string_with_format(0, col as u16, *title, &bold)
            .map_err(xlsx_failed)?;
    }
    for (r, row) in rows.into_iter().enumerate() {
        let r = r as u32 + 1;
        for (col, cell) in row.into_iter().enumerate() {
            let col = col as u16;
            match cell {
                Cell::Text(t) => {
                    sheet.write_string(r, col, t).map_err(xlsx_failed)?;
                }
                Cell::Number(Some(n)) => {
                    sheet.write_number(r, col, n).map_err(xlsx_failed)?;
                }
                Cell::Number(None) => {}
            }
        }
    }
    sheet.set_column_width(0, 18).map_err(xlsx_failed)?;
    Ok(())
}

/// A metric's name in a report's workbook.
fn metric_name(metric: CockpitMetric) -> &'static str {
    use CockpitMetric::*;
    match metric {
        Waiting => "排队中",
        Serving => "接待中",
        AgentsOnline => "在线客服",
        Received => "进线量",
        Served => "接待量",
        FirstResponse => "平均首响(秒)",
        QuickReplyRate => "3分钟回复率",
        RobotResolutionRate => "机器人解决率",
        RobotTransferRate => "机器人转人工率",
        TransferRate => "转接率",
        AverageRating => "平均星级",
        BadReviewRate => "差评率",
        ConversionRate => "询单转化率",
        ServiceGmv => "客服引导成交(元)",
        Invalid => "无效会话",
        Complaints => "投诉",
    }
}

/// A metric's value as the workbook shows it (money in yuan).
fn metric_value(metric: CockpitMetric, v: Option<f64>) -> Cell {
    Cell::Number(v.map(|v| {
        if metric == CockpitMetric::ServiceGmv {
            v / 100.0
        } else {
            v
        }
    }))
}

/// A health report (DATA-2) as an .xlsx workbook: a sheet for each of its parts.
pub fn health_xlsx(report: &HealthReport) -> Result<Vec<u8>, ApiError> {
    let mut book = Workbook::new();
    let changes = |list: &[MetricChange]| {
        list.iter()
            .map(|c| {
                vec![
                    Cell::Text(metric_name(c.metric).to_owned()),
                    metric_value(c.metric, c.value),
                    metric_value(c.metric, c.previous),
                    metric_value(c.metric, c.last_week),
                    Cell::Number(c.change),
                    Cell::Text(if c.worse { "变差" } else { "" }.to_owned()),
                ]
            })
            .collect::<Vec<_>>()
    };
    let previous = match report.kind {
        ReportKind::Daily => "前一天",
        ReportKind::Monthly => "上月",
    };
    let change_header = ["指标", "本期", previous, "上周同日", "变化", ""];
    sheet(
        &mut book,
        "关键指标",
        &change_header,
        changes(&report.metrics),
    )?;
    sheet(
        &mut book,
        "变化最大",
        &change_header,
        changes(&report.biggest_changes),
    )?;
    let hours = report
        .worst_hours
        .iter()
        .map(|h| {
            vec![
                Cell::Text(format!("{:02}:00–{:02}:59", h.hour, h.hour)),
                Cell::Number(Some(h.received as f64)),
                Cell::Number(h.first_response_avg_s),
                Cell::Number(h.quick_reply_rate),
            ]
        })
        .collect();
    sheet(
        &mut book,
        "最弱时段",
        &["时段", "进线量", "平均首响(秒)", "3分钟回复率"],
        hours,
    )?;
    let questions = report
        .top_questions
        .iter()
        .map(|q| {
            vec![
                Cell::Text(q.topic.clone()),
                Cell::Number(Some(q.count as f64)),
            ]
        })
        .collect();
    sheet(&mut book, "热门问题", &["问题", "次数"], questions)?;
    let products = report
        .complaint_products
        .iter()
        .map(|p| {
            vec![
                Cell::Text(p.code.clone()),
                Cell::Text(p.title.clone()),
                Cell::Number(Some(p.complaints as f64)),
            ]
        })
        .collect();
    sheet(
        &mut book,
        "投诉商品",
        &["商品编码", "商品", "投诉"],
        products,
    )?;
    let agents = report
        .agents_below
        .iter()
        .map(|a| {
            vec![
                Cell::Text(a.name.clone()),
                Cell::Number(Some(a.score)),
                Cell::Number(Some(a.served as f64)),
                Cell::Number(a.first_response_avg_s),
                Cell::Number(a.quick_reply_rate),
                Cell::Number(a.bad_review_rate),
            ]
        })
        .collect();
    sheet(
        &mut book,
        "未达标客服",
        &[
            "客服",
            "综合得分",
            "接待量",
            "平均首响(秒)",
            "3分钟回复率",
            "差评率",
        ],
        agents,
    )?;
    if report.kind == ReportKind::Monthly {
        let topics = report
            .growing_topics
            .iter()
            .map(|t| {
                vec![
                    Cell::Text(t.tag.clone()),
                    Cell::Number(Some(t.count as f64)),
                    Cell::Number(Some(t.previous as f64)),
                ]
            })
            .collect();
        sheet(&mut book, "增长话题", &["标签", "本月", "上月"], topics)?;
        let outcomes = report
            .outcomes
            .iter()
            .map(|o| {
                vec![
                    Cell::Text(o.month.clone()),
                    Cell::Number(o.complaint_rate),
                    Cell::Number(o.average_rating),
                    Cell::Number(o.average_order_fen.map(|f| f / 100.0)),
                    Cell::Number(o.agent_minutes_per_conversation),
                ]
            })
            .collect();
        sheet(
            &mut book,
            "成效趋势",
            &["月份", "投诉率", "平均星级", "客单价(元)", "每会话客服分钟"],
            outcomes,
        )?;
    }
    book.save_to_buffer().map_err(xlsx_failed)
}
