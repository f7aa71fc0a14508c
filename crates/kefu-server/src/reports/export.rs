//! A team report as a table (KPI-1, issue #18): CSV (UTF-8 with a byte-order mark, so Excel
//! reads the Chinese headers) and XLSX, one row per agent, then each team and the shop.

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
    let fail = |e: rust_xlsxwriter::XlsxError| ApiError::Internal(format!("xlsx: {e}"));
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet
        .set_name(format!("{} ~ {}", report.from, report.to))
        .map_err(fail)?;
    let bold = Format::new().set_bold();
    let mut header: Vec<&str> = HEADERS.to_vec();
    header.push(GRADE_HEADER);
    for (col, title) in header.iter().enumerate() {
        sheet
            .write_string_with_format(0, col as u16, *title, &bold)
            .map_err(fail)?;
    }
    for (r, row) in table(report, rows_of).into_iter().enumerate() {
        let r = r as u32 + 1;
        for (col, cell) in row.into_iter().enumerate() {
            let col = col as u16;
            match cell {
                Cell::Text(t) => {
                    sheet.write_string(r, col, t).map_err(fail)?;
                }
                Cell::Number(Some(n)) => {
                    sheet.write_number(r, col, n).map_err(fail)?;
                }
                Cell::Number(None) => {}
            }
        }
    }
    sheet.set_column_width(0, 14).map_err(fail)?;
    book.save_to_buffer().map_err(fail)
}
