//! Real buyers' questions into the knowledge base (BOT-1, issue #16 part 1): a chat log
//! (`conversation, sender, text[, time]`, one message a row, as chat exports have them) or a
//! file of labelled questions (`question` with the `entry` it belongs to, or the `reply` a
//! person gave). Rows are read here; which entry each question belongs to is the robot's
//! business (`kefu_robot::harvest`).

use kefu_domain::error_code::ErrorCode;
use kefu_robot::harvest::{Labelled, LogLine, Speaker};
use serde::Deserialize;

use super::{Column, Format, Rejection, Row, col, column_of, read_csv};

/// A chat log: one message a row.
const LOG_COLUMNS: [Column; 4] = [
    col(
        "conversation",
        &["会话", "会话ID", "会话id", "会话编号", "对话ID"],
        true,
    ),
    col(
        "sender",
        &["发送方", "发送者", "发送人", "角色", "身份"],
        true,
    ),
    col("text", &["内容", "消息", "消息内容", "聊天内容"], true),
    col("time", &["时间", "发送时间", "消息时间"], false),
];

/// Labelled questions: one question a row.
const LABELLED_COLUMNS: [Column; 3] = [
    col("question", &["问题", "买家问题", "买家消息", "问法"], true),
    col(
        "entry",
        &["编号", "问题编号", "知识库编号", "entry_id"],
        false,
    ),
    col("reply", &["回复", "客服回复", "答复", "人工回复"], false),
];

/// A JSON line of either shape.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonRow {
    conversation: Option<String>,
    sender: Option<String>,
    text: Option<String>,
    time: Option<String>,
    question: Option<String>,
    entry: Option<String>,
    reply: Option<String>,
}

/// What a file of questions holds: chat log lines, labelled questions, or both (JSON Lines).
#[derive(Default)]
pub struct QuestionRows {
    pub log: Vec<LogLine>,
    pub labelled: Vec<Labelled>,
    pub rejections: Vec<Rejection>,
    pub rows: u64,
}

fn refuse(line: u64, code: ErrorCode, message: String) -> Rejection {
    Rejection {
        line,
        code,
        message,
    }
}

impl QuestionRows {
    fn log_line(&mut self, line: u64, conversation: &str, sender: &str, text: &str, time: &str) {
        let Some(speaker) = Speaker::parse(sender) else {
            self.rejections.push(refuse(
                line,
                ErrorCode::BadSender,
                format!("sender `{sender}` is 买家/buyer, 客服/agent or 机器人/系统"),
            ));
            return;
        };
        if conversation.trim().is_empty() {
            self.rejections.push(refuse(
                line,
                ErrorCode::MissingField,
                "conversation is required".into(),
            ));
            return;
        }
        let time = match time.trim() {
            "" => None,
            text => match super::parse_time(text) {
                Ok(t) => Some(t),
                Err(e) => {
                    self.rejections.push(super::reject(line, &e));
                    return;
                }
            },
        };
        self.log.push(LogLine {
            line,
            conversation: conversation.trim().to_owned(),
            speaker,
            text: text.to_owned(),
            time,
        });
    }

    fn labelled(&mut self, line: u64, question: &str, entry: &str, reply: &str) {
        let (entry, reply) = (entry.trim(), reply.trim());
        if question.trim().is_empty() || (entry.is_empty() && reply.is_empty()) {
            self.rejections.push(refuse(
                line,
                ErrorCode::MissingField,
                "a row has a question and its entry or the reply a person gave".into(),
            ));
            return;
        }
        self.labelled.push(Labelled {
            line,
            question: question.to_owned(),
            entry: Some(entry.to_owned()).filter(|e| !e.is_empty()),
            replies: Some(reply.to_owned())
                .filter(|r| !r.is_empty())
                .into_iter()
                .collect(),
        });
    }
}

/// Reads a file of questions: a CSV (or workbook) whose header names a conversation column is
/// a chat log, any other is labelled questions; a JSON line is a log line when it has a
/// `conversation`.
pub fn parse(text: &str, format: Format) -> QuestionRows {
    let mut out = QuestionRows::default();
    match format {
        Format::Jsonl => {
            for (n, line) in text.trim_start_matches('\u{feff}').lines().enumerate() {
                let line_no = n as u64 + 1;
                if line.trim().is_empty() {
                    continue;
                }
                out.rows += 1;
                match serde_json::from_str::<JsonRow>(line) {
                    Err(e) => out.rejections.push(refuse(
                        line_no,
                        ErrorCode::MalformedRow,
                        format!("not a valid record: {e}"),
                    )),
                    Ok(row) if row.conversation.is_some() => out.log_line(
                        line_no,
                        row.conversation.as_deref().unwrap_or_default(),
                        row.sender.as_deref().unwrap_or_default(),
                        row.text.as_deref().unwrap_or_default(),
                        row.time.as_deref().unwrap_or_default(),
                    ),
                    Ok(row) => out.labelled(
                        line_no,
                        row.question.as_deref().unwrap_or_default(),
                        row.entry.as_deref().unwrap_or_default(),
                        row.reply.as_deref().unwrap_or_default(),
                    ),
                }
            }
        }
        Format::Csv | Format::Xlsx => {
            let mut rows = 0;
            let mut rejections = vec![];
            if is_log(text) {
                read_csv(
                    text,
                    &LOG_COLUMNS,
                    &mut rows,
                    &mut rejections,
                    |line, row, _| {
                        out.log_line(
                            line,
                            &row.text("conversation"),
                            &row.text("sender"),
                            &row.text("text"),
                            &row.text("time"),
                        );
                    },
                );
            } else {
                read_csv(
                    text,
                    &LABELLED_COLUMNS,
                    &mut rows,
                    &mut rejections,
                    |line, row: &Row, _| {
                        out.labelled(
                            line,
                            &row.text("question"),
                            &row.text("entry"),
                            &row.text("reply"),
                        );
                    },
                );
            }
            out.rows = rows;
            out.rejections.append(&mut rejections);
        }
    }
    out
}

/// Whether a CSV's header names a conversation column.
fn is_log(text: &str) -> bool {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    reader.headers().is_ok_and(|headers| {
        headers
            .iter()
            .any(|h| column_of(&LOG_COLUMNS, h) == Some("conversation"))
    })
}

impl QuestionRows {
    /// Every question with what labels it: the labelled rows, then the log's questions.
    pub fn questions(self) -> (Vec<Labelled>, Vec<Rejection>, u64) {
        let mut questions = self.labelled;
        questions.extend(kefu_robot::harvest::questions_in_log(self.log));
        (questions, self.rejections, self.rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chat_export_reads_as_a_log_and_bad_senders_are_refused() {
        let csv = "会话ID,发送方,内容,时间\n\
                   c1,买家,几天发货,2026-11-20 10:00:00\n\
                   c1,客服,现货48小时内发,2026-11-20 10:00:30\n\
                   c1,路人,hello,2026-11-20 10:01:00\n";
        let rows = parse(csv, Format::Csv);
        assert_eq!(rows.rows, 3);
        assert_eq!(rows.log.len(), 2);
        assert_eq!(rows.rejections.len(), 1);
        assert_eq!(rows.rejections[0].line, 4);
        assert_eq!(rows.rejections[0].code, ErrorCode::BadSender);
        let (questions, _, _) = rows.questions();
        assert_eq!(questions.len(), 1);
        assert_eq!(questions[0].question, "几天发货");
        assert_eq!(questions[0].replies, ["现货48小时内发"]);
    }

    #[test]
    fn labelled_questions_need_an_entry_or_a_reply() {
        let csv = "问题,编号,客服回复\n几天发货,ship,\n怎么退,,点申请售后\n只有问题,,\n";
        let rows = parse(csv, Format::Csv);
        assert_eq!(rows.labelled.len(), 2);
        assert_eq!(rows.labelled[0].entry.as_deref(), Some("ship"));
        assert_eq!(rows.labelled[1].replies, ["点申请售后"]);
        assert_eq!(rows.rejections[0].line, 4);
        assert_eq!(rows.rejections[0].code, ErrorCode::MissingField);
    }

    #[test]
    fn json_lines_take_either_shape() {
        let text = r#"{"conversation": "c", "sender": "buyer", "text": "多久发"}
{"conversation": "c", "sender": "agent", "text": "48小时内"}
{"question": "退款", "entry": "refund"}
{"question": 1}"#;
        let rows = parse(text, Format::Jsonl);
        assert_eq!((rows.log.len(), rows.labelled.len()), (2, 1));
        assert_eq!(rows.rejections[0].line, 4);
    }
}
