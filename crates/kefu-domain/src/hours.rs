//! Office hours (WB-7, ACC-6): a shop's working days and daily opening time, in its own time
//! zone. A team whose target counts in office hours (after-sales' 2 h, say) does not see a
//! buyer who wrote at 23:00 as late at 08:59 the next morning: only office time is counted.
//! Pure functions over UTC epoch milliseconds; the zone's rules (daylight saving included)
//! come from chrono-tz.

use chrono::{Datelike, Days, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error_code::ErrorCode;

/// When the shop is staffed: `days` are ISO weekdays (1 = Monday … 7 = Sunday), `open` and
/// `close` are "HH:MM" local times with `open` before `close`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OfficeHours {
    pub days: Vec<u8>,
    pub open: String,
    pub close: String,
}

/// Office hours checked once, ready to count with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// Bit `d - 1` set when ISO weekday `d` is a working day.
    days: u8,
    open: NaiveTime,
    close: NaiveTime,
    zone: Tz,
}

/// The default zone when a shop names none or names one chrono-tz does not know.
pub const DEFAULT_ZONE: Tz = chrono_tz::Asia::Shanghai;

/// A year of days is the most a count walks through; anything longer is clamped.
const MAX_DAYS: u64 = 400;

fn clock(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M").ok()
}

impl OfficeHours {
    /// The stable code of the first problem, for `PUT /settings`.
    pub fn check(&self) -> Result<(), ErrorCode> {
        let days_ok = !self.days.is_empty()
            && self.days.len() <= 7
            && self.days.iter().all(|d| (1..=7).contains(d));
        match (days_ok, clock(&self.open), clock(&self.close)) {
            (true, Some(open), Some(close)) if open < close => Ok(()),
            _ => Err(ErrorCode::InvalidOfficeHours),
        }
    }

    /// The hours as buyers read them: "周一至周五 09:00–18:00", "每天 08:00–22:00",
    /// "周一、周三 09:00–18:00" (a quick phrase's `{营业时间}`, issue #17).
    pub fn describe(&self) -> String {
        const NAMES: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
        let mut days: Vec<u8> = self
            .days
            .iter()
            .copied()
            .filter(|d| (1..=7).contains(d))
            .collect();
        days.sort_unstable();
        days.dedup();
        let name = |d: u8| NAMES[usize::from(d - 1)];
        let span = match days.as_slice() {
            [] => String::new(),
            all if all.len() == 7 => "每天".to_owned(),
            [one] => name(*one).to_owned(),
            [first, .., last] if usize::from(last - first) + 1 == days.len() => {
                format!("{}至{}", name(*first), name(*last))
            }
            some => some.iter().map(|d| name(*d)).collect::<Vec<_>>().join("、"),
        };
        format!("{span} {}–{}", self.open.trim(), self.close.trim())
    }

    /// The schedule in `zone` (an IANA name such as "Asia/Shanghai"; unknown names fall back
    /// to [`DEFAULT_ZONE`]). `None` when the hours do not pass [`OfficeHours::check`].
    pub fn schedule(&self, zone: &str) -> Option<Schedule> {
        self.check().ok()?;
        Some(Schedule {
            days: self.days.iter().fold(0, |bits, d| bits | 1 << (d - 1)),
            open: clock(&self.open)?,
            close: clock(&self.close)?,
            zone: zone.parse().unwrap_or(DEFAULT_ZONE),
        })
    }
}

impl Schedule {
    /// The office interval of one local date, as UTC epoch ms, if it is a working day.
    fn window(&self, date: NaiveDate) -> Option<(i64, i64)> {
        let weekday = date.weekday().number_from_monday();
        if self.days & (1 << (weekday - 1)) == 0 {
            return None;
        }
        // A time repeated by a daylight-saving change is read the first time; one skipped by
        // a jump forward is shifted by the jump, as clocks do (02:30 → 03:30).
        let at = |time| {
            let local = date.and_time(time);
            self.zone
                .from_local_datetime(&local)
                .earliest()
                .or_else(|| {
                    self.zone
                        .from_local_datetime(&(local + chrono::Duration::hours(1)))
                        .earliest()
                })
                .map(|t| t.timestamp_millis())
        };
        Some((at(self.open)?, at(self.close)?))
    }

    /// The local dates to walk for a span starting at `from_ms`.
    fn dates_from(&self, from_ms: i64) -> impl Iterator<Item = NaiveDate> + '_ {
        let first = Utc
            .timestamp_millis_opt(from_ms)
            .single()
            .map(|t| t.with_timezone(&self.zone).date_naive())
            .unwrap_or_default();
        (0..MAX_DAYS).filter_map(move |n| first.checked_add_days(Days::new(n)))
    }

    /// Whether the shop is open at `at_ms`.
    pub fn is_open(&self, at_ms: i64) -> bool {
        self.office_ms_between(at_ms, at_ms + 1) > 0
    }

    /// Office milliseconds in `[from_ms, to_ms)`.
    pub fn office_ms_between(&self, from_ms: i64, to_ms: i64) -> i64 {
        let mut total = 0;
        for date in self.dates_from(from_ms) {
            let Some((open, close)) = self.window(date) else {
                continue;
            };
            if open >= to_ms {
                break;
            }
            total += (close.min(to_ms) - open.max(from_ms)).max(0);
        }
        total
    }

    /// The moment `office_ms` of office time have passed since `from_ms`: a reply deadline
    /// that skips nights and days off.
    pub fn deadline(&self, from_ms: i64, office_ms: i64) -> i64 {
        let mut left = office_ms;
        for date in self.dates_from(from_ms) {
            let Some((open, close)) = self.window(date) else {
                continue;
            };
            let start = open.max(from_ms);
            if start >= close {
                continue;
            }
            if close - start >= left {
                return start + left;
            }
            left -= close - start;
        }
        from_ms.saturating_add(office_ms)
    }
}

impl Schedule {
    /// When the shop next opens: `at_ms` itself when it is open then (WB-2's off-hours reply
    /// names it). `None` only for hours that never open, which `check` refuses.
    pub fn next_open(&self, at_ms: i64) -> Option<i64> {
        self.dates_from(at_ms)
            .filter_map(|date| self.window(date))
            .find(|(_, close)| *close > at_ms)
            .map(|(open, _)| open.max(at_ms))
    }

    /// When the shop last closed, if it is closed at `at_ms`: an off-hours reply goes out once
    /// per closed stretch. Looks back a week and a day (every schedule opens once a week).
    pub fn closed_since(&self, at_ms: i64) -> Option<i64> {
        if self.is_open(at_ms) {
            return None;
        }
        let from = at_ms.saturating_sub(8 * 24 * 3_600_000);
        self.dates_from(from)
            .filter_map(|date| self.window(date))
            .take_while(|(open, _)| *open <= at_ms)
            .map(|(_, close)| close)
            .filter(|close| *close <= at_ms)
            .last()
    }

    /// A moment as buyers read it in the shop's zone, against `now_ms`: "今天 18:00",
    /// "明天 09:00", "12月8日（周二）09:00".
    pub fn label(&self, at_ms: i64, now_ms: i64) -> String {
        const NAMES: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
        let local = |ms: i64| {
            Utc.timestamp_millis_opt(ms)
                .single()
                .unwrap_or_default()
                .with_timezone(&self.zone)
        };
        let (at, now) = (local(at_ms), local(now_ms));
        let clock = at.format("%H:%M");
        let days = (at.date_naive() - now.date_naive()).num_days();
        match days {
            0 => format!("今天 {clock}"),
            1 => format!("明天 {clock}"),
            2 => format!("后天 {clock}"),
            _ => format!(
                "{}月{}日（{}）{clock}",
                at.month(),
                at.day(),
                NAMES[at.weekday().num_days_from_monday() as usize]
            ),
        }
    }
}

/// How long a buyer has waited, as a team's target counts it: office time when the team
/// counts in office hours and the shop has them, else wall-clock time.
pub fn waited_ms(schedule: Option<&Schedule>, since_ms: i64, now_ms: i64) -> i64 {
    match schedule {
        Some(schedule) => schedule.office_ms_between(since_ms, now_ms),
        None => (now_ms - since_ms).max(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 09:00–18:00 Monday to Friday, Shanghai (UTC+8, no daylight saving).
    fn weekdays() -> Schedule {
        OfficeHours {
            days: vec![1, 2, 3, 4, 5],
            open: "09:00".into(),
            close: "18:00".into(),
        }
        .schedule("Asia/Shanghai")
        .unwrap()
    }

    /// Epoch ms of a Shanghai wall-clock time.
    fn cst(y: i32, m: u32, d: u32, h: u32, min: u32) -> i64 {
        chrono_tz::Asia::Shanghai
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .unwrap()
            .timestamp_millis()
    }

    const HOUR: i64 = 3_600_000;

    #[test]
    fn next_opening_and_closed_stretch_skip_nights_and_weekends() {
        let s = weekdays();
        // Friday 2026-12-04 20:00: closed since 18:00, next open Monday 09:00.
        let friday_night = cst(2026, 12, 4, 20, 0);
        assert_eq!(s.next_open(friday_night), Some(cst(2026, 12, 7, 9, 0)));
        assert_eq!(s.closed_since(friday_night), Some(cst(2026, 12, 4, 18, 0)));
        // Sunday, the whole weekend is the same closed stretch.
        assert_eq!(
            s.closed_since(cst(2026, 12, 6, 10, 0)),
            Some(cst(2026, 12, 4, 18, 0))
        );
        // Monday 08:59 still closed; 09:00 open: opening is now, nothing closed.
        assert_eq!(
            s.next_open(cst(2026, 12, 7, 8, 59)),
            Some(cst(2026, 12, 7, 9, 0))
        );
        let open = cst(2026, 12, 7, 9, 0);
        assert_eq!(s.next_open(open), Some(open));
        assert_eq!(s.closed_since(open), None);
        // 18:00 sharp is closed again, since 18:00.
        let closing = cst(2026, 12, 7, 18, 0);
        assert_eq!(s.closed_since(closing), Some(closing));
        assert_eq!(s.next_open(closing), Some(cst(2026, 12, 8, 9, 0)));
    }

    #[test]
    fn moments_read_as_today_tomorrow_or_a_date_in_the_shops_zone() {
        let s = weekdays();
        let now = cst(2026, 12, 4, 20, 0);
        assert_eq!(s.label(cst(2026, 12, 4, 21, 30), now), "今天 21:30");
        assert_eq!(s.label(cst(2026, 12, 5, 9, 0), now), "明天 09:00");
        assert_eq!(s.label(cst(2026, 12, 6, 9, 0), now), "后天 09:00");
        assert_eq!(s.label(cst(2026, 12, 7, 9, 0), now), "12月7日（周一）09:00");
        // 23:30 UTC is already the next day in Shanghai.
        let utc_late = cst(2026, 12, 5, 7, 30);
        assert_eq!(s.label(utc_late, cst(2026, 12, 4, 23, 0)), "明天 07:30");
    }

    #[test]
    fn bad_hours_are_refused_with_a_code() {
        let hours = |days: Vec<u8>, open: &str, close: &str| OfficeHours {
            days,
            open: open.into(),
            close: close.into(),
        };
        assert_eq!(hours(vec![1], "09:00", "18:00").check(), Ok(()));
        for bad in [
            hours(vec![], "09:00", "18:00"),
            hours(vec![0], "09:00", "18:00"),
            hours(vec![8], "09:00", "18:00"),
            hours(vec![1], "18:00", "09:00"),
            hours(vec![1], "9点", "18:00"),
            hours(vec![1], "09:00", "24:30"),
        ] {
            assert_eq!(bad.check(), Err(ErrorCode::InvalidOfficeHours), "{bad:?}");
            assert!(bad.schedule("Asia/Shanghai").is_none());
        }
    }

    #[test]
    fn within_one_day_office_time_is_wall_time() {
        // 2026-11-23 is a Monday.
        let s = weekdays();
        assert_eq!(
            s.office_ms_between(cst(2026, 11, 23, 10, 0), cst(2026, 11, 23, 11, 30)),
            90 * 60_000
        );
        assert!(s.is_open(cst(2026, 11, 23, 10, 0)));
        assert!(!s.is_open(cst(2026, 11, 23, 18, 0)));
    }

    #[test]
    fn nights_and_weekends_do_not_count() {
        let s = weekdays();
        // Friday 17:00 → Monday 10:00: one hour on Friday, one on Monday.
        assert_eq!(
            s.office_ms_between(cst(2026, 11, 27, 17, 0), cst(2026, 11, 30, 10, 0)),
            2 * HOUR
        );
        // A buyer who wrote at 23:00 has waited nothing at 08:59.
        assert_eq!(
            s.office_ms_between(cst(2026, 11, 23, 23, 0), cst(2026, 11, 24, 8, 59)),
            0
        );
        assert_eq!(
            waited_ms(Some(&s), cst(2026, 11, 23, 23, 0), cst(2026, 11, 24, 9, 30)),
            HOUR / 2
        );
        assert_eq!(waited_ms(None, 1_000, 4_000), 3_000);
        assert_eq!(waited_ms(None, 4_000, 1_000), 0);
    }

    #[test]
    fn a_deadline_skips_closed_time() {
        let s = weekdays();
        // Two office hours from Friday 17:00: Friday's last hour, then Monday 09:00–10:00.
        assert_eq!(
            s.deadline(cst(2026, 11, 27, 17, 0), 2 * HOUR),
            cst(2026, 11, 30, 10, 0)
        );
        // From Saturday night: Monday morning.
        assert_eq!(
            s.deadline(cst(2026, 11, 28, 22, 0), 30 * 60_000),
            cst(2026, 11, 30, 9, 30)
        );
        // Within a day: plain addition.
        assert_eq!(
            s.deadline(cst(2026, 11, 24, 10, 0), HOUR),
            cst(2026, 11, 24, 11, 0)
        );
    }

    #[test]
    fn deadline_and_count_agree() {
        let s = weekdays();
        let from = cst(2026, 11, 26, 16, 17);
        for office in [0, 1, 59_000, HOUR, 9 * HOUR, 30 * HOUR] {
            let due = s.deadline(from, office);
            assert_eq!(s.office_ms_between(from, due), office, "{office}");
        }
    }

    #[test]
    fn daylight_saving_zones_count_real_hours() {
        // New York springs forward on 2026-03-08 at 02:00: a 01:00–05:00 window is 3 h long.
        let s = OfficeHours {
            days: vec![7],
            open: "01:00".into(),
            close: "05:00".into(),
        }
        .schedule("America/New_York")
        .unwrap();
        let ny = |d: u32, h: u32| {
            chrono_tz::America::New_York
                .with_ymd_and_hms(2026, 3, d, h, 0, 0)
                .unwrap()
                .timestamp_millis()
        };
        assert_eq!(s.office_ms_between(ny(7, 0), ny(9, 0)), 3 * HOUR);
        // Opening at 02:30, which that day never happens: the day still counts, from 03:30.
        let gap = OfficeHours {
            days: vec![7],
            open: "02:30".into(),
            close: "05:00".into(),
        }
        .schedule("America/New_York")
        .unwrap();
        assert_eq!(gap.office_ms_between(ny(7, 0), ny(9, 0)), 90 * 60_000);
        // An unknown zone falls back to Shanghai rather than failing.
        let fallback = OfficeHours {
            days: vec![1, 2, 3, 4, 5],
            open: "09:00".into(),
            close: "18:00".into(),
        }
        .schedule("Mars/Olympus");
        assert_eq!(fallback, Some(weekdays()));
    }

    #[test]
    fn hours_read_as_buyers_read_them() {
        let hours = |days: &[u8]| OfficeHours {
            days: days.to_vec(),
            open: "09:00".into(),
            close: "18:00".into(),
        };
        assert_eq!(hours(&[1, 2, 3, 4, 5]).describe(), "周一至周五 09:00–18:00");
        assert_eq!(hours(&[1, 2, 3, 4, 5, 6, 7]).describe(), "每天 09:00–18:00");
        assert_eq!(hours(&[1, 3]).describe(), "周一、周三 09:00–18:00");
        assert_eq!(hours(&[6]).describe(), "周六 09:00–18:00");
    }
}
