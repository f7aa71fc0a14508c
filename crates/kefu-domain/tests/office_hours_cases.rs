//! Office hours (WB-7) against cases shared with the web UI: `office_hours_cases.json` is read
//! here by hours.rs and by `web/src/features/workbench/officeHours.test.ts` by the wait timers'
//! count, so the two cannot drift apart. Each case names the shop's hours as the API sends them,
//! its time zone, a span in epoch ms (with its RFC 3339 reading), the office time in it and the
//! wait a team's target counts; some add a reply deadline.

use chrono::DateTime;
use kefu_domain::hours::{OfficeHours, waited_ms};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Case {
    name: String,
    hours: Option<OfficeHours>,
    zone: String,
    from_iso: String,
    from: i64,
    to_iso: String,
    to: i64,
    /// `None` when there is no schedule: no hours, or hours the server refuses.
    office_ms: Option<i64>,
    waited_ms: i64,
    deadline: Option<Deadline>,
}

#[derive(Debug, Deserialize)]
struct Deadline {
    office_ms: i64,
    at_iso: String,
    at: i64,
}

fn cases() -> Vec<Case> {
    let text = include_str!("office_hours_cases.json");
    serde_json::from_str(text).expect("office_hours_cases.json is a list of cases")
}

fn ms(iso: &str) -> i64 {
    DateTime::parse_from_rfc3339(iso)
        .unwrap_or_else(|e| panic!("{iso}: {e}"))
        .timestamp_millis()
}

#[test]
fn instants_match_their_readings() {
    let cases = cases();
    assert!(cases.len() > 30, "{} cases", cases.len());
    for c in &cases {
        assert_eq!(ms(&c.from_iso), c.from, "{}: from", c.name);
        assert_eq!(ms(&c.to_iso), c.to, "{}: to", c.name);
        if let Some(d) = &c.deadline {
            assert_eq!(ms(&d.at_iso), d.at, "{}: deadline", c.name);
        }
    }
}

#[test]
fn hours_rs_counts_every_case() {
    let mut failures = Vec::new();
    for c in cases() {
        let schedule = c.hours.as_ref().and_then(|h| h.schedule(&c.zone));
        let office = schedule.map(|s| s.office_ms_between(c.from, c.to));
        if office != c.office_ms {
            failures.push(format!(
                "{}: office {office:?}, expected {:?}",
                c.name, c.office_ms
            ));
        }
        let waited = waited_ms(schedule.as_ref(), c.from, c.to);
        if waited != c.waited_ms {
            failures.push(format!(
                "{}: waited {waited}, expected {}",
                c.name, c.waited_ms
            ));
        }
        if let Some(d) = &c.deadline {
            match schedule {
                Some(s) => {
                    let at = s.deadline(c.from, d.office_ms);
                    if at != d.at {
                        failures.push(format!("{}: deadline {at}, expected {}", c.name, d.at));
                    }
                    let counted = s.office_ms_between(c.from, d.at);
                    if counted != d.office_ms {
                        failures.push(format!(
                            "{}: {counted} office ms by the deadline, expected {}",
                            c.name, d.office_ms
                        ));
                    }
                }
                None => failures.push(format!("{}: a deadline without a schedule", c.name)),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
