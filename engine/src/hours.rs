//! Opening hours: a weekly pattern plus dated exceptions (holidays, a one-off Saturday), and
//! the questions the lobby asks of them: open on a date, open at an instant, next opening.
//! Hours are site-local wall-clock times; instants are UTC and converted with the site's
//! time zone, so daylight-saving changes in `Europe/Helsinki` are handled by chrono-tz.
//!
//! On the day, staff may change an authority's presence ([`Presence`]: absent today, or
//! other hours). The configured [`Hours`] stay the plan; [`ServiceHours`] lays the days staff
//! changed over it and answers the same questions, so every caller that asks "open now?"
//! through it sees the change at once.

use std::collections::BTreeMap;

use aula_protocol::Span;
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// An authority's presence on one day, as staff set it on the day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    /// Back to the configured hours (undoes an earlier change).
    AsPlanned,
    /// Not serving walk-in customers that day: kiosks do not offer it.
    Absent,
    /// That day's hours replaced (ordered, not overlapping, at least one span).
    Hours(Vec<Span>),
}

/// Checks spans as the config does: each opens before it closes, in order, not overlapping.
pub fn check_spans(spans: &[Span]) -> Result<(), String> {
    if spans.is_empty() {
        return Err("no spans: say Absent for a day without walk-in service".into());
    }
    for (i, s) in spans.iter().enumerate() {
        if s.open >= s.close {
            return Err(format!("span {} opens at {} but closes at {}", i + 1, s.open, s.close));
        }
        if i > 0 && s.open < spans[i - 1].close {
            return Err(format!("span {} starts before span {} ends", i + 1, i));
        }
    }
    Ok(())
}

/// Weekly opening spans (index 0 = Monday) with dated exceptions that replace a day's spans
/// (an empty list = closed that day).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hours {
    pub weekly: [Vec<Span>; 7],
    pub exceptions: BTreeMap<NaiveDate, Vec<Span>>,
}

/// How far ahead [`Hours::opens_next`] looks. A service closed for longer than this shows
/// no next opening.
const LOOKAHEAD_DAYS: u64 = 366;

impl Hours {
    /// Spans of `date`: the exception if there is one, else the weekday's pattern.
    pub fn spans_on(&self, date: NaiveDate) -> &[Span] {
        match self.exceptions.get(&date) {
            Some(spans) => spans,
            None => &self.weekly[date.weekday().num_days_from_monday() as usize],
        }
    }

    /// These hours with the days staff changed (`changed`: date → that day's spans, empty =
    /// absent) laid over them.
    pub fn with_changes<'a>(&'a self, changed: Option<&'a BTreeMap<NaiveDate, Vec<Span>>>) -> ServiceHours<'a> {
        ServiceHours { planned: self, changed }
    }

    pub fn open_on(&self, date: NaiveDate) -> bool {
        self.with_changes(None).open_on(date)
    }

    /// Open at this instant: some span of the local day has `open <= t < close` (so a
    /// service closing at 16:00 is open at 15:59:59 and closed at 16:00).
    pub fn open_at(&self, tz: Tz, now: DateTime<Utc>) -> bool {
        self.with_changes(None).open_at(tz, now)
    }

    /// The next opening strictly after `now` (None if closed now and for a year ahead).
    /// If open now, this is the next span start after the current one, which is what
    /// a "closed: opens at" line wants only when closed: callers check [`Hours::open_at`].
    pub fn opens_next(&self, tz: Tz, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.with_changes(None).opens_next(tz, now)
    }

    /// Closing time of the span open at `now`, if any.
    pub fn closes_at(&self, tz: Tz, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.with_changes(None).closes_at(tz, now)
    }
}

/// A service's hours as they stand: the plan with the days staff changed laid over it.
/// One implementation of the questions for both, so planned and changed hours cannot answer
/// differently.
#[derive(Debug, Clone, Copy)]
pub struct ServiceHours<'a> {
    pub planned: &'a Hours,
    pub changed: Option<&'a BTreeMap<NaiveDate, Vec<Span>>>,
}

impl<'a> ServiceHours<'a> {
    /// Spans of `date`: staff's change for that day if any, else the plan.
    pub fn spans_on(&self, date: NaiveDate) -> &'a [Span] {
        match self.changed.and_then(|c| c.get(&date)) {
            Some(spans) => spans,
            None => self.planned.spans_on(date),
        }
    }

    pub fn open_on(&self, date: NaiveDate) -> bool {
        !self.spans_on(date).is_empty()
    }

    /// See [`Hours::open_at`].
    pub fn open_at(&self, tz: Tz, now: DateTime<Utc>) -> bool {
        let local = now.with_timezone(&tz);
        let t = local.time();
        self.spans_on(local.date_naive()).iter().any(|s| s.open <= t && t < s.close)
    }

    /// See [`Hours::opens_next`].
    pub fn opens_next(&self, tz: Tz, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let today = now.with_timezone(&tz).date_naive();
        for date in today.iter_days().take(LOOKAHEAD_DAYS as usize) {
            for span in self.spans_on(date) {
                let at = local_to_utc(tz, date, span.open);
                if at > now {
                    return Some(at);
                }
            }
        }
        None
    }

    /// See [`Hours::closes_at`].
    pub fn closes_at(&self, tz: Tz, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = now.with_timezone(&tz);
        let t = local.time();
        self.spans_on(local.date_naive())
            .iter()
            .find(|s| s.open <= t && t < s.close)
            .map(|s| local_to_utc(tz, local.date_naive(), s.close))
    }
}

/// A site-local wall-clock time on `date` as UTC. In the spring-forward gap (03:00–04:00 in
/// Helsinki on the last Sunday of March) the time does not exist: it is shifted forward by
/// the gap (03:30 → 04:30), as a wall clock would be; in the autumn overlap take the earlier
/// of the two instants.
pub fn local_to_utc(tz: Tz, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let naive = date.and_time(time);
    match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
        chrono::LocalResult::Ambiguous(a, _) => a.with_timezone(&Utc),
        chrono::LocalResult::None => {
            let later = naive + chrono::TimeDelta::hours(1);
            tz.from_local_datetime(&later)
                .earliest()
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_else(|| Utc.from_utc_datetime(&naive))
        }
    }
}

/// The site-local date of an instant (the "service day" tickets are numbered in).
pub fn local_date(tz: Tz, at: DateTime<Utc>) -> NaiveDate {
    // Not `at.with_timezone(&tz).date_naive()`: that panics when the local time falls outside
    // chrono's range (a time near its end, as a crafted message can carry). Clamped instead.
    let utc = at.naive_utc();
    let offset = tz.offset_from_utc_datetime(&utc).fix();
    utc.checked_add_offset(offset).unwrap_or(utc).date()
}

/// Parses `"09:00-16:00"` into a span; `None` if malformed or not increasing.
pub fn parse_span(s: &str) -> Option<Span> {
    let (a, b) = s.split_once('-')?;
    let open = NaiveTime::parse_from_str(a.trim(), "%H:%M").ok()?;
    let close = if b.trim() == "24:00" {
        NaiveTime::from_hms_nano_opt(23, 59, 59, 999_999_999)?
    } else {
        NaiveTime::parse_from_str(b.trim(), "%H:%M").ok()?
    };
    (open < close).then_some(Span { open, close })
}
