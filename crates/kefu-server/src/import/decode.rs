//! Files as merchants have them: CSV or JSON Lines in UTF-8 or in GBK (what Excel in China
//! saves "CSV" as), and Excel workbooks (.xlsx, what Douyin's and Taobao's order exports
//! are), whose first sheet is read as CSV. A workbook is a zip: it is checked to expand to
//! at most a bound before it is read, and its cells are streamed and counted, so a small
//! file cannot claim gigabytes (issue #14).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use calamine::{DataRef, Reader, Xlsx};
use kefu_domain::commerce::InputError;
use kefu_domain::error_code::ErrorCode;

use super::Format;

/// The most cells a workbook's sheet may hold.
const MAX_CELLS: usize = 4_000_000;
/// The most columns read from a sheet; cells further right are left out.
const MAX_COLUMNS: u32 = 256;

/// What is known of an uploaded file besides its bytes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Hint<'a> {
    pub file_name: Option<&'a str>,
    pub content_type: Option<&'a str>,
    /// The format the caller named (`?format=`, `--format`).
    pub format: Option<Format>,
}

/// The file's text and how to parse it (`Csv` or `Jsonl`; a workbook comes back as `Csv`).
/// `max_expanded` bounds a workbook's unzipped size, in bytes.
pub fn decode<'a>(
    bytes: &'a [u8],
    hint: Hint<'_>,
    max_expanded: u64,
) -> Result<(Cow<'a, str>, Format), InputError> {
    let is_workbook = match hint.format {
        Some(format) => format == Format::Xlsx,
        None => {
            let name = hint.file_name.unwrap_or_default().to_ascii_lowercase();
            name.ends_with(".xlsx")
                || hint
                    .content_type
                    .is_some_and(|t| t.contains("spreadsheetml"))
                || bytes.starts_with(b"PK\x03\x04")
        }
    };
    if is_workbook {
        return Ok((
            Cow::Owned(workbook_as_csv(bytes, max_expanded)?),
            Format::Csv,
        ));
    }
    let text = text(bytes)?;
    let format = match hint.format {
        Some(format) => format,
        None => match hint.content_type.unwrap_or_default() {
            t if t.starts_with("text/csv") => Format::Csv,
            t if t.contains("ndjson") || t.contains("jsonl") => Format::Jsonl,
            _ => Format::detect(hint.file_name, &text),
        },
    };
    Ok((text, format))
}

/// UTF-8 (a BOM is fine; borrowed, not copied), else GB18030 (which GBK is a part of), else
/// refused.
fn text(bytes: &[u8]) -> Result<Cow<'_, str>, InputError> {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(Cow::Borrowed(text));
    }
    encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .ok_or_else(|| {
            InputError::new(
                ErrorCode::NotUtf8,
                "the file is neither UTF-8 nor GBK text; save it as CSV UTF-8 or as .xlsx",
            )
        })
}

fn bad_workbook(why: impl std::fmt::Display) -> InputError {
    InputError::new(
        ErrorCode::BadWorkbook,
        format!("the file is not a readable .xlsx workbook: {why}"),
    )
}

/// Unzips every member into nothing, counting: refuses a workbook that expands past
/// `max_expanded` bytes whatever its headers declare.
fn check_expansion(bytes: &[u8], max_expanded: u64) -> Result<(), InputError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(bad_workbook)?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let member = archive.by_index(i).map_err(bad_workbook)?;
        let left = max_expanded.saturating_sub(total);
        let read = std::io::copy(&mut member.take(left + 1), &mut std::io::sink())
            .map_err(bad_workbook)?;
        total += read;
        if total > max_expanded {
            return Err(InputError::new(
                ErrorCode::FileTooLarge,
                format!("the workbook expands to more than {max_expanded} bytes"),
            ));
        }
    }
    Ok(())
}

/// The first sheet as CSV, one line per sheet row (empty rows kept, so rejections name the
/// row numbers the merchant sees in Excel).
fn workbook_as_csv(bytes: &[u8], max_expanded: u64) -> Result<String, InputError> {
    check_expansion(bytes, max_expanded)?;
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(bad_workbook)?;
    let first = workbook
        .sheet_names()
        .into_iter()
        .next()
        .ok_or_else(|| bad_workbook("it has no sheet"))?;
    let mut reader = workbook
        .worksheet_cells_reader(&first)
        .map_err(bad_workbook)?;
    let mut rows: BTreeMap<u32, BTreeMap<u32, String>> = BTreeMap::new();
    let mut cells = 0usize;
    while let Some(cell) = reader.next_cell().map_err(bad_workbook)? {
        let (row, column) = cell.get_position();
        if column >= MAX_COLUMNS {
            continue;
        }
        let text = cell_text(cell.get_value());
        if text.is_empty() {
            continue;
        }
        cells += 1;
        if cells > MAX_CELLS {
            return Err(InputError::new(
                ErrorCode::FileTooLarge,
                format!("the sheet has more than {MAX_CELLS} cells"),
            ));
        }
        rows.entry(row).or_default().insert(column, text);
    }
    let mut out: Vec<u8> = vec![];
    let mut next_row = 0u32;
    for (row, cells) in rows {
        // Rows without a value still count, as blank lines (which the CSV reader skips).
        out.extend(std::iter::repeat_n(b'\n', (row - next_row) as usize));
        next_row = row + 1;
        let width = cells.keys().next_back().map_or(0, |last| last + 1);
        let record: Vec<&str> = (0..width)
            .map(|c| cells.get(&c).map_or("", String::as_str))
            .collect();
        let mut line = csv::Writer::from_writer(vec![]);
        line.write_record(&record).map_err(bad_workbook)?;
        out.extend(line.into_inner().map_err(bad_workbook)?);
    }
    String::from_utf8(out).map_err(bad_workbook)
}

/// A cell as the CSV importer reads text: whole numbers without ".0", dates as
/// `YYYY-MM-DD HH:MM:SS` (China time, as the importer reads times without an offset), line
/// breaks inside a cell as spaces.
fn cell_text(value: &DataRef<'_>) -> String {
    let text = match value {
        DataRef::Empty => String::new(),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Int(n) => n.to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        DataRef::Float(f) => f.to_string(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(dt) => dt
            .as_datetime()
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default(),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(_) => String::new(),
    };
    if text.contains(['\n', '\r']) {
        text.replace(['\r', '\n'], " ")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The order workbook in `tests/fixtures`: a header row, two order lines, numbers,
    /// a date cell, a blank row and a cell with a line break.
    const WORKBOOK: &[u8] = include_bytes!("../../tests/fixtures/orders.xlsx");

    #[test]
    fn a_workbook_reads_as_csv_with_excels_row_numbers() {
        let (text, format) = decode(WORKBOOK, Hint::default(), 1 << 24).unwrap();
        assert_eq!(format, Format::Csv);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("订单号,买家ID"), "{text}");
        assert!(
            lines[1].contains("2026-11-18 09:30:00"),
            "a date cell: {text}"
        );
        assert!(lines[1].contains(",128,"), "a whole number: {text}");
        assert_eq!(lines[3], "", "the blank row stays a line: {text}");
        assert!(
            lines[4].contains("浙江省杭州市 西湖区"),
            "a line break: {text}"
        );
    }

    #[test]
    fn gbk_text_is_read_and_other_bytes_are_refused() {
        let (gbk, _, _) = encoding_rs::GBK.encode("订单号,买家ID\nT1,m1\n");
        let (text, format) = decode(&gbk, Hint::default(), 1 << 20).unwrap();
        assert_eq!(format, Format::Csv);
        assert!(text.starts_with("订单号"));
        let error = decode(&[0xff, 0xfe, 0xff, 0x00, 0x81], Hint::default(), 1 << 20).unwrap_err();
        assert_eq!(error.code, ErrorCode::NotUtf8);
    }

    #[test]
    fn a_workbook_that_expands_too_far_or_is_not_one_is_refused() {
        let error = decode(WORKBOOK, Hint::default(), 100).unwrap_err();
        assert_eq!(error.code, ErrorCode::FileTooLarge);
        let broken = &WORKBOOK[..WORKBOOK.len() / 2];
        let error = decode(broken, Hint::default(), 1 << 24).unwrap_err();
        assert_eq!(error.code, ErrorCode::BadWorkbook);
        let named = Hint {
            file_name: Some("orders.xlsx"),
            ..Hint::default()
        };
        let error = decode(b"order_no\n", named, 1 << 24).unwrap_err();
        assert_eq!(error.code, ErrorCode::BadWorkbook);
    }
}
